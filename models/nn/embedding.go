package nn

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Embedding gathers rows of table [V, H] for ids [N] (integral float32
// values) into [N, H], as torch.nn.Embedding does. The gradient with respect
// to the table scatter-adds the output gradient rows. An id that is not an
// integer in [0, V) is an error when the op runs.
func Embedding(table, ids *G.Node) (*G.Node, error) {
	v, h, err := shape2(table, "table")
	if err != nil {
		return nil, fmt.Errorf("nn: embedding: %w", err)
	}
	n, err := shape1(ids, "ids")
	if err != nil {
		return nil, fmt.Errorf("nn: embedding: %w", err)
	}
	op := &embeddingOp{base: newBase("Embedding", tensor.Shape{n, h}, 2, 1), v: v, h: h, n: n}
	return apply(op, "embedding", table, ids)
}

type embeddingOp struct {
	base
	v, h, n int
}

// rows converts ids to row indices, checking each one.
func rows(name string, ids []float32, v int) error {
	for i, id := range ids {
		if id != float32(int(id)) || id < 0 || int(id) >= v {
			return fmt.Errorf("nn: %s: id %g at position %d is not an integer in [0, %d)", name, id, i, v)
		}
	}
	return nil
}

func (op *embeddingOp) Do(inputs ...G.Value) (G.Value, error) {
	in, err := op.check(inputs, op.v*op.h, op.n)
	if err != nil {
		return nil, err
	}
	table, ids := in[0], in[1]
	if err := rows(op.name, ids, op.v); err != nil {
		return nil, err
	}
	y := op.outData()
	h := op.h
	for i, id := range ids {
		r := int(id)
		copy(y[i*h:(i+1)*h], table[r*h:(r+1)*h])
	}
	return op.buf, nil
}

func (op *embeddingOp) DiffWRT(n int) []bool { return []bool{true, false} }

func (op *embeddingOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	bw := &embeddingGradOp{base: newBase("EmbeddingGrad", tensor.Shape{op.v, op.h}, 1, 2), fwd: op}
	d, err := apply(bw, "embedding grad", inputs[1], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{d, nil}, nil
}

// embeddingGradOp scatter-adds dy [N, H] into a zeroed [V, H] from (ids, dy).
type embeddingGradOp struct {
	base
	fwd *embeddingOp
}

func (op *embeddingGradOp) Do(inputs ...G.Value) (G.Value, error) {
	f := op.fwd
	in, err := op.check(inputs, f.n, f.n*f.h)
	if err != nil {
		return nil, err
	}
	ids, dy := in[0], in[1]
	if err := rows(op.name, ids, f.v); err != nil {
		return nil, err
	}
	d := op.outData()
	clear(d)
	h := f.h
	for i, id := range ids {
		r := int(id)
		dr, g := d[r*h:(r+1)*h], dy[i*h:(i+1)*h]
		for j := range dr {
			dr[j] += g[j]
		}
	}
	return op.buf, nil
}
