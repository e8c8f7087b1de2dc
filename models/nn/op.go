package nn

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// base implements the parts of gorgonia.Op that every op in this package
// shares. Each op instance hashes by its own address, so Gorgonia never merges
// two nodes built by separate calls (two dropout ops on one input must stay
// two draws, and every op owns its buffers).
type base struct {
	name string
	in   []int        // number of dimensions of each input; 0 means scalar
	out  tensor.Shape // fixed output shape; empty means scalar
	buf  *tensor.Dense
}

func newBase(name string, out tensor.Shape, inDims ...int) base {
	return base{name: name, in: inDims, out: out}
}

func (b *base) Arity() int { return len(b.in) }

func f32Type(dims int) hm.Type {
	if dims == 0 {
		return tensor.Float32
	}
	return G.TensorType{Dims: dims, Of: tensor.Float32}
}

func (b *base) Type() hm.Type {
	ts := make([]hm.Type, 0, len(b.in)+1)
	for _, d := range b.in {
		ts = append(ts, f32Type(d))
	}
	ts = append(ts, f32Type(len(b.out)))
	return hm.NewFnType(ts...)
}

func (b *base) InferShape(...G.DimSizer) (tensor.Shape, error) {
	if len(b.out) == 0 {
		return tensor.ScalarShape(), nil
	}
	return b.out.Clone(), nil
}

func (b *base) ReturnsPtr() bool      { return false }
func (b *base) CallsExtern() bool     { return false }
func (b *base) OverwritesInput() int  { return -1 }
func (b *base) String() string        { return b.name }
func (b *base) WriteHash(h hash.Hash) { fmt.Fprintf(h, "nn.%s@%p", b.name, b) }

func (b *base) Hashcode() uint32 {
	h := fnv.New32a()
	b.WriteHash(h)
	return h.Sum32()
}

// output returns the op's reusable output buffer, allocating it on first use.
func (b *base) output() *tensor.Dense {
	if b.buf == nil {
		b.buf = tensor.New(tensor.WithShape(b.out.Clone()...), tensor.Of(tensor.Float32))
	}
	return b.buf
}

// outData returns the output buffer's backing slice.
func (b *base) outData() []float32 { return b.output().Data().([]float32) }

// check validates the number of inputs and returns each one's float32 data,
// checking its length against the shapes the op was built for.
func (b *base) check(inputs []G.Value, sizes ...int) ([][]float32, error) {
	if len(inputs) != len(b.in) {
		return nil, fmt.Errorf("nn: %s: got %d inputs, want %d", b.name, len(inputs), len(b.in))
	}
	out := make([][]float32, len(inputs))
	for i, v := range inputs {
		d, err := f32Data(v)
		if err != nil {
			return nil, fmt.Errorf("nn: %s: input %d: %w", b.name, i, err)
		}
		if i < len(sizes) && sizes[i] >= 0 && len(d) != sizes[i] {
			return nil, fmt.Errorf("nn: %s: input %d has %d elements, want %d", b.name, i, len(d), sizes[i])
		}
		out[i] = d
	}
	return out, nil
}

// f32Data returns the float32 elements of a Gorgonia value without copying
// when it is a contiguous dense tensor.
func f32Data(v G.Value) ([]float32, error) {
	switch t := v.(type) {
	case *G.F32:
		return []float32{float32(*t)}, nil
	case *tensor.Dense:
		if t.Dtype() != tensor.Float32 {
			return nil, fmt.Errorf("dtype %v, want float32", t.Dtype())
		}
		if t.RequiresIterator() {
			t = t.Materialize().(*tensor.Dense)
		}
		return t.Data().([]float32), nil
	case nil:
		return nil, fmt.Errorf("no value")
	default:
		return nil, fmt.Errorf("unsupported value type %T", v)
	}
}

// apply adds op to x's graph with the given children.
func apply(op G.Op, name string, children ...*G.Node) (*G.Node, error) {
	for i, c := range children {
		if c == nil {
			return nil, fmt.Errorf("nn: %s: input %d is nil", name, i)
		}
	}
	n, err := G.ApplyOp(op, children...)
	if err != nil {
		return nil, fmt.Errorf("nn: %s: %w", name, err)
	}
	return n, nil
}

// shape2 checks that n is a matrix and returns its dimensions.
func shape2(n *G.Node, what string) (int, int, error) {
	if n == nil {
		return 0, 0, fmt.Errorf("%s is nil", what)
	}
	s := n.Shape()
	if len(s) != 2 {
		return 0, 0, fmt.Errorf("%s has shape %v, want a matrix", what, s)
	}
	return s[0], s[1], nil
}

// shape1 checks that n is a vector and returns its length.
func shape1(n *G.Node, what string) (int, error) {
	if n == nil {
		return 0, fmt.Errorf("%s is nil", what)
	}
	s := n.Shape()
	if len(s) != 1 {
		return 0, fmt.Errorf("%s has shape %v, want a vector", what, s)
	}
	return s[0], nil
}

// viewOp exposes one part of a packed backward result as its own node without
// copying: the backward ops of multi-input layers compute all input gradients
// in one pass into one buffer, and each gradient is a view into it.
type viewOp struct {
	base
	off int
}

func newView(packed *G.Node, off int, shape tensor.Shape) (*G.Node, error) {
	op := &viewOp{base: newBase("view", shape, len(packed.Shape())), off: off}
	return apply(op, "view", packed)
}

func (op *viewOp) Do(inputs ...G.Value) (G.Value, error) {
	in, err := op.check(inputs)
	if err != nil {
		return nil, err
	}
	n := op.out.TotalSize()
	if op.off+n > len(in[0]) {
		return nil, fmt.Errorf("nn: view [%d,%d) outside %d elements", op.off, op.off+n, len(in[0]))
	}
	if op.buf == nil || &op.buf.Data().([]float32)[0] != &in[0][op.off] {
		op.buf = tensor.New(tensor.WithShape(op.out.Clone()...), tensor.WithBacking(in[0][op.off:op.off+n]))
	}
	return op.buf, nil
}
