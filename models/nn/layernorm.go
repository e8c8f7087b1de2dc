package nn

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// LayerNorm normalises each row of x [N, H] over its last axis and applies
// gamma and beta [H], as torch.nn.LayerNorm does (biased variance, eps inside
// the square root).
func LayerNorm(x, gamma, beta *G.Node, eps float64) (*G.Node, error) {
	return layerNorm(x, nil, gamma, beta, eps)
}

// AddLayerNorm returns LayerNorm(x + residual) in one op: the residual sum of
// a transformer block never materialises as its own node.
func AddLayerNorm(x, residual, gamma, beta *G.Node, eps float64) (*G.Node, error) {
	if residual == nil {
		return nil, fmt.Errorf("nn: add layer norm: residual is nil")
	}
	return layerNorm(x, residual, gamma, beta, eps)
}

func layerNorm(x, res, gamma, beta *G.Node, eps float64) (*G.Node, error) {
	n, h, err := shape2(x, "x")
	if err != nil {
		return nil, fmt.Errorf("nn: layer norm: %w", err)
	}
	if res != nil && !res.Shape().Eq(x.Shape()) {
		return nil, fmt.Errorf("nn: layer norm: residual shape %v differs from x shape %v", res.Shape(), x.Shape())
	}
	for _, p := range []struct {
		n    *G.Node
		name string
	}{{gamma, "gamma"}, {beta, "beta"}} {
		l, err := shape1(p.n, p.name)
		if err != nil {
			return nil, fmt.Errorf("nn: layer norm: %w", err)
		}
		if l != h {
			return nil, fmt.Errorf("nn: layer norm: %s has %d elements, want %d", p.name, l, h)
		}
	}
	if !(eps > 0) {
		return nil, fmt.Errorf("nn: layer norm: eps %g must be positive", eps)
	}
	op := &layerNormOp{n: n, h: h, eps: float32(eps), res: res != nil}
	if res == nil {
		op.base = newBase("LayerNorm", tensor.Shape{n, h}, 2, 1, 1)
		return apply(op, "layer norm", x, gamma, beta)
	}
	op.base = newBase("AddLayerNorm", tensor.Shape{n, h}, 2, 2, 1, 1)
	return apply(op, "add layer norm", x, res, gamma, beta)
}

// layerNormOp keeps each row's mean and 1/σ for its backward op.
type layerNormOp struct {
	base
	n, h       int
	eps        float32
	res        bool
	mean, rstd []float32
}

func (op *layerNormOp) Do(inputs ...G.Value) (G.Value, error) {
	nh := op.n * op.h
	sizes := []int{nh, op.h, op.h}
	if op.res {
		sizes = []int{nh, nh, op.h, op.h}
	}
	v, err := op.check(inputs, sizes...)
	if err != nil {
		return nil, err
	}
	x, gamma, beta := v[0], v[len(v)-2], v[len(v)-1]
	var res []float32
	if op.res {
		res = v[1]
	}
	if op.mean == nil {
		op.mean, op.rstd = make([]float32, op.n), make([]float32, op.n)
	}
	y := op.outData()
	h := op.h
	for r := 0; r < op.n; r++ {
		yr := y[r*h : (r+1)*h]
		xr := x[r*h : (r+1)*h]
		if op.res {
			add(yr, xr, res[r*h:(r+1)*h])
			xr = yr // normalise the sum in place
		}
		mean := sum(xr) / float32(h)
		rstd := float32(1 / math.Sqrt(float64(sumSqDev(xr, mean)/float32(h)+op.eps)))
		op.mean[r], op.rstd[r] = mean, rstd
		normAffine(yr, xr, gamma, beta, mean, rstd)
	}
	return op.buf, nil
}

func (op *layerNormOp) DiffWRT(n int) []bool {
	d := make([]bool, n)
	for i := range d {
		d[i] = true
	}
	return d
}

func (op *layerNormOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	nh := op.n * op.h
	bw := &layerNormGradOp{fwd: op}
	var packed *G.Node
	var err error
	if op.res {
		bw.base = newBase(op.name+"Grad", tensor.Shape{nh + 2*op.h}, 2, 2, 1, 2)
		packed, err = apply(bw, op.name+" grad", inputs[0], inputs[1], inputs[2], grad)
	} else {
		bw.base = newBase(op.name+"Grad", tensor.Shape{nh + 2*op.h}, 2, 1, 2)
		packed, err = apply(bw, op.name+" grad", inputs[0], inputs[1], grad)
	}
	if err != nil {
		return nil, err
	}
	dx, err := newView(packed, 0, tensor.Shape{op.n, op.h})
	if err != nil {
		return nil, err
	}
	dgamma, err := newView(packed, nh, tensor.Shape{op.h})
	if err != nil {
		return nil, err
	}
	dbeta, err := newView(packed, nh+op.h, tensor.Shape{op.h})
	if err != nil {
		return nil, err
	}
	if op.res {
		return G.Nodes{dx, dx, dgamma, dbeta}, nil
	}
	return G.Nodes{dx, dgamma, dbeta}, nil
}

// layerNormGradOp computes [dx | dgamma | dbeta] in one pass from
// (x, [residual,] gamma, dy) and the forward op's saved statistics:
// x̂ = (x-μ)/σ, g = dy·γ, dx = (g - mean(g) - x̂·mean(g·x̂))/σ.
type layerNormGradOp struct {
	base
	fwd *layerNormOp
}

func (op *layerNormGradOp) Do(inputs ...G.Value) (G.Value, error) {
	f := op.fwd
	nh, h := f.n*f.h, f.h
	sizes := []int{nh, h, nh}
	if f.res {
		sizes = []int{nh, nh, h, nh}
	}
	v, err := op.check(inputs, sizes...)
	if err != nil {
		return nil, err
	}
	if f.mean == nil {
		return nil, fmt.Errorf("nn: %s: backward ran before forward", op.name)
	}
	x, gamma, dy := v[0], v[len(v)-2], v[len(v)-1]
	out := op.outData()
	dx, dgamma, dbeta := out[:nh], out[nh:nh+h], out[nh+h:]
	clear(dgamma)
	clear(dbeta)
	for r := 0; r < f.n; r++ {
		xr, dyr, dxr := x[r*h:(r+1)*h], dy[r*h:(r+1)*h], dx[r*h:(r+1)*h]
		if f.res {
			add(dxr, xr, v[1][r*h:(r+1)*h]) // the normalised sum, rebuilt in dx
			xr = dxr
		}
		mean, rstd := f.mean[r], f.rstd[r]
		sg, sgx := lnBackward1(dxr, xr, dyr, gamma, dgamma, dbeta, mean, rstd) // dx holds x̂ now
		lnBackward2(dxr, dxr, dyr, gamma, sg/float32(h), sgx/float32(h), rstd)
	}
	return op.buf, nil
}
