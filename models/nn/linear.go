package nn

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Linear returns x·wᵀ + b, mirroring torch.nn.Linear: x is [N, in], w is
// [out, in] (PyTorch's layout) and b is [out] or nil. The bias is copied into
// the output rows first and the GEMM accumulates onto it (beta = 1), so the
// layer costs one GEMM and no separate bias pass.
func Linear(x, w, b *G.Node) (*G.Node, error) {
	n, in, err := shape2(x, "x")
	if err != nil {
		return nil, fmt.Errorf("nn: linear: %w", err)
	}
	out, win, err := shape2(w, "w")
	if err != nil {
		return nil, fmt.Errorf("nn: linear: %w", err)
	}
	if win != in {
		return nil, fmt.Errorf("nn: linear: x is [%d %d] but w is [%d %d]: inner dimensions differ", n, in, out, win)
	}
	op := &linearOp{base: newBase("Linear", tensor.Shape{n, out}, 2, 2), n: n, in: in, outF: out}
	if b == nil {
		return apply(op, "linear", x, w)
	}
	bn, err := shape1(b, "b")
	if err != nil {
		return nil, fmt.Errorf("nn: linear: %w", err)
	}
	if bn != out {
		return nil, fmt.Errorf("nn: linear: bias has %d elements, want %d", bn, out)
	}
	op.base.in = append(op.base.in, 1)
	op.bias = true
	return apply(op, "linear", x, w, b)
}

type linearOp struct {
	base
	n, in, outF int
	bias        bool
}

func (op *linearOp) Do(inputs ...G.Value) (G.Value, error) {
	v, err := op.check(inputs, op.n*op.in, op.outF*op.in, op.outF)
	if err != nil {
		return nil, err
	}
	y := op.outData() // [N, out]
	beta := float32(0)
	if op.bias {
		for r := 0; r < op.n; r++ {
			copy(y[r*op.outF:(r+1)*op.outF], v[2])
		}
		beta = 1
	}
	gemm(false, true, op.n, op.outF, op.in, 1, v[0], op.in, v[1], op.in, beta, y, op.outF)
	return op.buf, nil
}

func (op *linearOp) DiffWRT(n int) []bool {
	d := make([]bool, n)
	for i := range d {
		d[i] = true
	}
	return d
}

func (op *linearOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	x, w := inputs[0], inputs[1]
	dx, err := apply(&linearGradOp{base: newBase("LinearGradX", tensor.Shape{op.n, op.in}, 2, 2), fwd: op, which: 0}, "linear grad x", w, grad)
	if err != nil {
		return nil, err
	}
	dw, err := apply(&linearGradOp{base: newBase("LinearGradW", tensor.Shape{op.outF, op.in}, 2, 2), fwd: op, which: 1}, "linear grad w", x, grad)
	if err != nil {
		return nil, err
	}
	if !op.bias {
		return G.Nodes{dx, dw}, nil
	}
	db, err := apply(&linearGradOp{base: newBase("LinearGradB", tensor.Shape{op.outF}, 2), fwd: op, which: 2}, "linear grad b", grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dw, db}, nil
}

// linearGradOp computes one input gradient of a linearOp: which 0 is
// dx = dy·w from (w, dy), 1 is dw = dyᵀ·x from (x, dy), 2 is db = Σ_rows dy
// from (dy).
type linearGradOp struct {
	base
	fwd   *linearOp
	which int
	ones  []float32
}

func (op *linearGradOp) Do(inputs ...G.Value) (G.Value, error) {
	f := op.fwd
	out := op.outData()
	switch op.which {
	case 0:
		v, err := op.check(inputs, f.outF*f.in, f.n*f.outF)
		if err != nil {
			return nil, err
		}
		gemm(false, false, f.n, f.in, f.outF, 1, v[1], f.outF, v[0], f.in, 0, out, f.in)
	case 1:
		v, err := op.check(inputs, f.n*f.in, f.n*f.outF)
		if err != nil {
			return nil, err
		}
		gemm(true, false, f.outF, f.in, f.n, 1, v[1], f.outF, v[0], f.in, 0, out, f.in)
	default:
		v, err := op.check(inputs, f.n*f.outF)
		if err != nil {
			return nil, err
		}
		if op.ones == nil {
			op.ones = make([]float32, f.n)
			for i := range op.ones {
				op.ones[i] = 1
			}
		}
		blas32.Implementation().Sgemv(blas.Trans, f.n, f.outF, 1, v[0], f.outF, op.ones, 1, 0, out, 1)
	}
	return op.buf, nil
}
