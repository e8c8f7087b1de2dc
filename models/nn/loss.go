package nn

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// IgnoreIndex is the label CrossEntropy skips, as torch's ignore_index.
const IgnoreIndex = -100

// CrossEntropy returns the mean over rows of -log softmax(logits)[label] for
// logits [B, C] and labels [B] (integral float32 values), as
// torch.nn.CrossEntropyLoss: rows labelled IgnoreIndex count neither in the
// sum nor in the mean (all rows ignored gives NaN, as in torch). A label
// outside [0, C) other than IgnoreIndex is an error when the op runs.
func CrossEntropy(logits, labels *G.Node) (*G.Node, error) {
	b, c, err := shape2(logits, "logits")
	if err != nil {
		return nil, fmt.Errorf("nn: cross entropy: %w", err)
	}
	n, err := shape1(labels, "labels")
	if err != nil {
		return nil, fmt.Errorf("nn: cross entropy: %w", err)
	}
	if n != b {
		return nil, fmt.Errorf("nn: cross entropy: %d labels for %d rows of logits", n, b)
	}
	return apply(&lossOp{base: newBase("CrossEntropy", nil, 2, 1), kind: lossCE, b: b, c: c}, "cross entropy", logits, labels)
}

// BCEWithLogits returns the mean over all elements of the binary cross
// entropy of sigmoid(logits) [B, C] against targets [B, C], computed stably as
// max(x,0) - x·t + log(1+e^{-|x|}), as torch.nn.BCEWithLogitsLoss. Targets are
// treated as constants.
func BCEWithLogits(logits, targets *G.Node) (*G.Node, error) {
	return pairLoss(logits, targets, lossBCE, "BCEWithLogits")
}

// MSE returns the mean over all elements of (pred - target)², as
// torch.nn.MSELoss; it is differentiable with respect to both inputs.
func MSE(pred, target *G.Node) (*G.Node, error) {
	return pairLoss(pred, target, lossMSE, "MSE")
}

func pairLoss(a, t *G.Node, k lossKind, name string) (*G.Node, error) {
	b, c, err := shape2(a, "input")
	if err != nil {
		return nil, fmt.Errorf("nn: %s: %w", name, err)
	}
	if t == nil || !t.Shape().Eq(a.Shape()) {
		return nil, fmt.Errorf("nn: %s: target shape must equal input shape %v", name, a.Shape())
	}
	return apply(&lossOp{base: newBase(name, nil, 2, 2), kind: k, b: b, c: c}, name, a, t)
}

type lossKind int

const (
	lossCE lossKind = iota
	lossBCE
	lossMSE
)

// lossOp computes a mean loss; for cross entropy it keeps the softmax and the
// number of counted rows for the backward op.
type lossOp struct {
	base
	kind  lossKind
	b, c  int
	probs []float32
	count int
}

func (op *lossOp) Do(inputs ...G.Value) (G.Value, error) {
	bc := op.b * op.c
	second := bc
	if op.kind == lossCE {
		second = op.b
	}
	v, err := op.check(inputs, bc, second)
	if err != nil {
		return nil, err
	}
	x, t := v[0], v[1]
	var sum float64
	switch op.kind {
	case lossCE:
		if err := op.checkLabels(t); err != nil {
			return nil, err
		}
		if op.probs == nil {
			op.probs = make([]float32, bc)
		}
		op.count = 0
		for r := 0; r < op.b; r++ {
			lse := softmaxRow(op.probs[r*op.c:(r+1)*op.c], x[r*op.c:(r+1)*op.c])
			if int(t[r]) == IgnoreIndex {
				continue
			}
			op.count++
			sum += lse - float64(x[r*op.c+int(t[r])])
		}
		return G.NewF32(float32(sum / float64(op.count))), nil
	case lossBCE:
		for i, xi := range x {
			xf := float64(xi)
			sum += math.Max(xf, 0) - xf*float64(t[i]) + math.Log1p(math.Exp(-math.Abs(xf)))
		}
	default:
		for i, xi := range x {
			d := float64(xi - t[i])
			sum += d * d
		}
	}
	return G.NewF32(float32(sum / float64(bc))), nil
}

func (op *lossOp) checkLabels(t []float32) error {
	for i, l := range t {
		if l != float32(int(l)) || (int(l) != IgnoreIndex && (l < 0 || int(l) >= op.c)) {
			return fmt.Errorf("nn: %s: label %g at row %d is neither in [0, %d) nor %d", op.name, l, i, op.c, IgnoreIndex)
		}
	}
	return nil
}

// softmaxRow writes softmax(x) into p and returns log Σ exp(x).
func softmaxRow(p, x []float32) float64 {
	m := x[0]
	for _, e := range x[1:] {
		if e > m {
			m = e
		}
	}
	s := expSubSum(p, x, m)
	inv := 1 / s
	for i := range p {
		p[i] *= inv
	}
	return float64(m) + math.Log(float64(s))
}

func (op *lossOp) DiffWRT(n int) []bool { return []bool{true, op.kind == lossMSE} }

func (op *lossOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	bc := op.b * op.c
	size := bc
	if op.kind == lossMSE {
		size = 2 * bc // [d pred | d target]
	}
	bw := &lossGradOp{base: newBase(op.name+"Grad", tensor.Shape{size}, 2, op.in[1], 0), fwd: op}
	packed, err := apply(bw, op.name+" grad", inputs[0], inputs[1], grad)
	if err != nil {
		return nil, err
	}
	dx, err := newView(packed, 0, tensor.Shape{op.b, op.c})
	if err != nil {
		return nil, err
	}
	if op.kind != lossMSE {
		return G.Nodes{dx, nil}, nil
	}
	dt, err := newView(packed, bc, tensor.Shape{op.b, op.c})
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dt}, nil
}

// lossGradOp computes the input gradients of a lossOp from (input, target,
// dloss), scaled by the incoming scalar gradient.
type lossGradOp struct {
	base
	fwd *lossOp
}

func (op *lossGradOp) Do(inputs ...G.Value) (G.Value, error) {
	f := op.fwd
	bc := f.b * f.c
	second := bc
	if f.kind == lossCE {
		second = f.b
	}
	v, err := op.check(inputs, bc, second, 1)
	if err != nil {
		return nil, err
	}
	x, t, g := v[0], v[1], v[2][0]
	d := op.outData()
	switch f.kind {
	case lossCE:
		if f.probs == nil {
			return nil, fmt.Errorf("nn: %s: backward ran before forward", op.name)
		}
		scale := g / float32(f.count)
		for r := 0; r < f.b; r++ {
			dr, pr := d[r*f.c:(r+1)*f.c], f.probs[r*f.c:(r+1)*f.c]
			l := int(t[r])
			if l == IgnoreIndex {
				clear(dr)
				continue
			}
			for i, p := range pr {
				dr[i] = p * scale
			}
			dr[l] -= scale
		}
	case lossBCE:
		scale := g / float32(bc)
		for i, xi := range x {
			var sig float32
			if xi >= 0 {
				sig = 1 / (1 + expf(-xi))
			} else {
				e := expf(xi)
				sig = e / (1 + e)
			}
			d[i] = (sig - t[i]) * scale
		}
	default:
		scale := 2 * g / float32(bc)
		dp, dt := d[:bc], d[bc:]
		for i, xi := range x {
			dp[i] = (xi - t[i]) * scale
			dt[i] = -dp[i]
		}
	}
	return op.buf, nil
}
