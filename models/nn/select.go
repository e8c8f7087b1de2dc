package nn

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// SelectFirstToken returns row b·S of x [B·S, H] for each sequence b, the
// [CLS] (BERT) or <s> (RoBERTa) token, as [B, H].
func SelectFirstToken(x *G.Node, batch, seq int) (*G.Node, error) {
	n, h, err := shape2(x, "x")
	if err != nil {
		return nil, fmt.Errorf("nn: select first token: %w", err)
	}
	if batch <= 0 || seq <= 0 || batch*seq != n {
		return nil, fmt.Errorf("nn: select first token: x has %d rows, want batch %d × seq %d", n, batch, seq)
	}
	op := &selectOp{base: newBase("SelectFirstToken", tensor.Shape{batch, h}, 2), b: batch, s: seq, h: h}
	return apply(op, "select first token", x)
}

// selectOp gathers (forward) or scatters (backward) rows 0, S, 2S, ....
type selectOp struct {
	base
	b, s, h int
	back    bool
}

func (op *selectOp) Do(inputs ...G.Value) (G.Value, error) {
	bsh, bh := op.b*op.s*op.h, op.b*op.h
	h := op.h
	if op.back {
		v, err := op.check(inputs, bh)
		if err != nil {
			return nil, err
		}
		d := op.outData()
		clear(d)
		for b := 0; b < op.b; b++ {
			copy(d[b*op.s*h:b*op.s*h+h], v[0][b*h:(b+1)*h])
		}
		return op.buf, nil
	}
	v, err := op.check(inputs, bsh)
	if err != nil {
		return nil, err
	}
	y := op.outData()
	for b := 0; b < op.b; b++ {
		copy(y[b*h:(b+1)*h], v[0][b*op.s*h:b*op.s*h+h])
	}
	return op.buf, nil
}

func (op *selectOp) DiffWRT(n int) []bool { return []bool{!op.back} }

func (op *selectOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.back {
		return nil, fmt.Errorf("nn: %s is not differentiable", op.name)
	}
	bw := &selectOp{base: newBase("SelectFirstTokenGrad", tensor.Shape{op.b * op.s, op.h}, 2), b: op.b, s: op.s, h: op.h, back: true}
	d, err := apply(bw, "select first token grad", grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{d}, nil
}
