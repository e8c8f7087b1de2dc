package nn

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
)

// Add returns a + b for two tensors of the same shape, writing into the op's
// own buffer instead of cloning an operand as Gorgonia's Add does.
func Add(a, b *G.Node) (*G.Node, error) {
	if a == nil || b == nil {
		return nil, fmt.Errorf("nn: add: nil input")
	}
	if !a.Shape().Eq(b.Shape()) {
		return nil, fmt.Errorf("nn: add: shapes %v and %v differ", a.Shape(), b.Shape())
	}
	s := a.Shape().Clone()
	return apply(&mapOp{base: newBase("Add", s, len(s), len(s)), kind: kindAdd}, "add", a, b)
}

// GELU returns the exact GELU 0.5·x·(1 + erf(x/√2)), Hugging Face's "gelu".
func GELU(x *G.Node) (*G.Node, error) { return unary(x, kindGELU, "GELU") }

// ReLU returns max(x, 0).
func ReLU(x *G.Node) (*G.Node, error) { return unary(x, kindReLU, "ReLU") }

// Tanh returns tanh(x).
func Tanh(x *G.Node) (*G.Node, error) { return unary(x, kindTanh, "Tanh") }

func unary(x *G.Node, k mapKind, name string) (*G.Node, error) {
	if x == nil {
		return nil, fmt.Errorf("nn: %s: nil input", name)
	}
	s := x.Shape().Clone()
	return apply(&mapOp{base: newBase(name, s, len(s)), kind: k}, name, x)
}

type mapKind int

const (
	kindAdd      mapKind = iota
	kindGELU             // (x)
	kindReLU             // (x)
	kindTanh             // (x)
	kindGELUGrad         // (x, dy)
	kindReLUGrad         // (x, dy)
	kindTanhGrad         // (y, dy)
)

// mapOp is every element-wise op: the forward activations, Add, and the
// activation gradients, each one pass over its inputs into a reused buffer.
type mapOp struct {
	base
	kind mapKind
}

const (
	invSqrt2   = 0.70710678118654752440
	invSqrt2Pi = 0.39894228040143267794
)

func (op *mapOp) Do(inputs ...G.Value) (G.Value, error) {
	n := op.out.TotalSize()
	sizes := []int{n, n}
	v, err := op.check(inputs, sizes[:len(op.in)]...)
	if err != nil {
		return nil, err
	}
	y := op.outData()
	x := v[0][:len(y)]
	switch op.kind {
	case kindAdd:
		add(y, x, v[1])
	case kindGELU:
		geluForward(y, x)
	case kindReLU:
		for i, xi := range x {
			y[i] = max(xi, 0)
		}
	case kindTanh:
		for i, xi := range x {
			y[i] = float32(math.Tanh(float64(xi)))
		}
	case kindGELUGrad:
		geluBackward(y, x, v[1])
	case kindReLUGrad:
		dy := v[1][:len(y)]
		for i, xi := range x {
			if xi > 0 {
				y[i] = dy[i]
			} else {
				y[i] = 0
			}
		}
	case kindTanhGrad:
		dy := v[1][:len(y)]
		for i, yi := range x {
			y[i] = dy[i] * (1 - yi*yi)
		}
	default:
		return nil, fmt.Errorf("nn: %s: unknown kind %d", op.name, op.kind)
	}
	return op.buf, nil
}

func (op *mapOp) DiffWRT(n int) []bool {
	d := make([]bool, n)
	for i := range d {
		d[i] = op.kind <= kindTanh
	}
	return d
}

func (op *mapOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	s := op.out
	var k mapKind
	var first *G.Node
	switch op.kind {
	case kindAdd:
		return G.Nodes{grad, grad}, nil
	case kindGELU:
		k, first = kindGELUGrad, inputs[0]
	case kindReLU:
		k, first = kindReLUGrad, inputs[0]
	case kindTanh:
		k, first = kindTanhGrad, output
	default:
		return nil, fmt.Errorf("nn: %s is not differentiable", op.name)
	}
	g, err := apply(&mapOp{base: newBase(op.name+"Grad", s.Clone(), len(s), len(s)), kind: k}, op.name+" grad", first, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{g}, nil
}
