package nn

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ZeroGrads sets the accumulated gradient of every node to zero. Gorgonia's
// TapeMachine adds each run's gradients onto those of earlier runs, so a
// training loop calls this after every optimizer step (or before every
// backward pass that must start from zero). Nodes without a gradient yet are
// skipped.
func ZeroGrads(nodes G.Nodes) error {
	for _, n := range nodes {
		g, err := n.Grad()
		if err != nil {
			continue // no gradient bound yet: nothing accumulated
		}
		switch t := g.(type) {
		case nil:
		case *tensor.Dense:
			t.Zero()
		case *G.F32:
			*t = 0
		case *G.F64:
			*t = 0
		default:
			return fmt.Errorf("nn: zero grads: %s: unsupported gradient type %T", n.Name(), g)
		}
	}
	return nil
}
