package nn

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

// Dropout applies inverted dropout: each element is kept with probability
// 1-p and scaled by 1/(1-p), otherwise zeroed, as torch.nn.Dropout does in
// training mode. The mask is drawn from rng each time the op runs, and the
// gradient reuses it. With p == 0 or a nil rng, Dropout returns x itself.
// Masks use 16 random bits per element, so p acts rounded to a multiple of
// 2⁻¹⁶ (0.1 acts as 0.100006); the scale is exactly 1/(1-p).
func Dropout(x *G.Node, p float64, rng *RNG) (*G.Node, error) {
	if x == nil {
		return nil, fmt.Errorf("nn: dropout: nil input")
	}
	if !(p >= 0 && p < 1) {
		return nil, fmt.Errorf("nn: dropout: probability %g outside [0, 1)", p)
	}
	if p == 0 || rng == nil {
		return x, nil
	}
	s := x.Shape().Clone()
	op := &dropoutOp{base: newBase("Dropout", s, len(s)), p: p, rng: rng}
	return apply(op, "dropout", x)
}

// dropoutOp keeps its mask (1 keep, 0 drop per element) for the backward op.
type dropoutOp struct {
	base
	p    float64
	rng  *RNG
	mask []uint8
}

func (op *dropoutOp) Do(inputs ...G.Value) (G.Value, error) {
	n := op.out.TotalSize()
	v, err := op.check(inputs, n)
	if err != nil {
		return nil, err
	}
	if op.mask == nil {
		op.mask = make([]uint8, n)
	}
	op.rng.dropMask(op.mask, op.p)
	maskMul(op.outData(), v[0], op.mask, newMaskScale(op.p))
	return op.buf, nil
}

func (op *dropoutOp) DiffWRT(n int) []bool { return []bool{true} }

func (op *dropoutOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	s := op.out.Clone()
	d, err := apply(&maskGradOp{base: newBase("DropoutGrad", s, len(s)), fwd: op}, "dropout grad", grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{d}, nil
}

// maskGradOp multiplies dy by the forward op's mask.
type maskGradOp struct {
	base
	fwd *dropoutOp
}

func (op *maskGradOp) Do(inputs ...G.Value) (G.Value, error) {
	n := op.out.TotalSize()
	v, err := op.check(inputs, n)
	if err != nil {
		return nil, err
	}
	if op.fwd.mask == nil {
		return nil, fmt.Errorf("nn: %s: backward ran before forward", op.name)
	}
	maskMul(op.outData(), v[0], op.fwd.mask, newMaskScale(op.fwd.p))
	return op.buf, nil
}
