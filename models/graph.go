package models

import (
	"fmt"

	"github.com/hftrain/hftrain/models/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// GraphBuilder is what an architecture sees while it builds one forward graph: the batch
// inputs as nodes, the mode, and the param nodes of this graph (each bound to its Param's
// Data, so every graph of a model shares the same weights).
type GraphBuilder struct {
	G          *G.ExprGraph
	Batch, Seq int
	// Train is true for the forward+backward graph: dropout is on.
	Train bool
	// InputIDs, TokenTypeIDs and PositionIDs are [Batch*Seq] float32 nodes holding integer
	// ids; TokenTypeIDs is nil when the architecture has no token types.
	InputIDs, TokenTypeIDs, PositionIDs *G.Node
	// Mask is [Batch, Seq], 1 for real tokens and 0 for padding.
	Mask *G.Node

	rng    *nn.RNG // nil in evaluation graphs
	nodes  map[*Param]*G.Node
	params []*Param
}

// Node returns the node of p in this graph, creating it on first use with p.Data as backing.
func (gb *GraphBuilder) Node(p *Param) *G.Node {
	if n, ok := gb.nodes[p]; ok {
		return n
	}
	t := tensor.New(tensor.WithShape(p.Shape...), tensor.WithBacking(p.Data))
	n := G.NewTensor(gb.G, G.Float32, len(p.Shape), G.WithShape(p.Shape...), G.WithValue(t), G.WithName(p.Name))
	gb.nodes[p] = n
	gb.params = append(gb.params, p)
	return n
}

// Dropout applies inverted dropout with probability p in training graphs; it is the identity
// in evaluation graphs and when p is 0.
func (gb *GraphBuilder) Dropout(x *G.Node, p float64) (*G.Node, error) {
	if !gb.Train || p == 0 {
		return x, nil
	}
	return nn.Dropout(x, p, gb.rng)
}

// Linear applies l to x [N, in] -> [N, out].
func (gb *GraphBuilder) Linear(l Linear, x *G.Node) (*G.Node, error) {
	var b *G.Node
	if l.Bias != nil {
		b = gb.Node(l.Bias)
	}
	y, err := nn.Linear(x, gb.Node(l.Weight), b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", l.Weight.Name, err)
	}
	return y, nil
}

// LayerNorm applies ln over the last axis of x [N, H].
func (gb *GraphBuilder) LayerNorm(ln LayerNorm, x *G.Node) (*G.Node, error) {
	y, err := nn.LayerNorm(x, gb.Node(ln.Weight), gb.Node(ln.Bias), ln.Eps)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ln.Weight.Name, err)
	}
	return y, nil
}

// AddLayerNorm returns ln(x + residual), the post-LN residual block of BERT-style encoders.
func (gb *GraphBuilder) AddLayerNorm(ln LayerNorm, x, residual *G.Node) (*G.Node, error) {
	y, err := nn.AddLayerNorm(x, residual, gb.Node(ln.Weight), gb.Node(ln.Bias), ln.Eps)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ln.Weight.Name, err)
	}
	return y, nil
}

// Embedding looks ids [N] up in e -> [N, dim].
func (gb *GraphBuilder) Embedding(e Embedding, ids *G.Node) (*G.Node, error) {
	y, err := nn.Embedding(gb.Node(e.Weight), ids)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e.Weight.Name, err)
	}
	return y, nil
}

// Lookup pairs an embedding table with the [N] id node it is indexed by.
type Lookup struct {
	Table Embedding
	IDs   *G.Node
}

// Embed is the embeddings block of BERT-style models: it looks every lookup up, sums the rows
// left to right (the order the PyTorch module adds them in, which float32 rounding follows),
// then applies ln and dropout p -> [N, dim].
func (gb *GraphBuilder) Embed(ln LayerNorm, p float64, lookups ...Lookup) (*G.Node, error) {
	if len(lookups) == 0 {
		return nil, fmt.Errorf("embeddings: no lookups")
	}
	rows := make([]*G.Node, len(lookups))
	for i, l := range lookups {
		var err error
		if rows[i], err = gb.Embedding(l.Table, l.IDs); err != nil {
			return nil, err
		}
	}
	x := rows[0]
	for _, r := range rows[1:] {
		var err error
		if x, err = nn.Add(x, r); err != nil {
			return nil, fmt.Errorf("embeddings: %w", err)
		}
	}
	x, err := gb.LayerNorm(ln, x)
	if err != nil {
		return nil, err
	}
	return gb.Dropout(x, p)
}

// Layer is one encoder block: hidden states [B*S, H] in, the next hidden states out.
type Layer interface {
	Forward(gb *GraphBuilder, x *G.Node) (*G.Node, error)
}

// ForwardLayers runs x through layers in order (an encoder's layer.{i} stack); an error names
// the index of the layer that failed.
func ForwardLayers[L Layer](gb *GraphBuilder, x *G.Node, layers []L) (*G.Node, error) {
	for i, l := range layers {
		var err error
		if x, err = l.Forward(gb, x); err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
	}
	return x, nil
}

// SelfAttention projects x [B*S, H] with q, k and v and runs masked multi-head attention over
// gb.Mask with dropout p on the probabilities (training graphs only) -> [B*S, H].
func (gb *GraphBuilder) SelfAttention(q, k, v Linear, x *G.Node, heads int, p float64) (*G.Node, error) {
	qn, err := gb.Linear(q, x)
	if err != nil {
		return nil, err
	}
	kn, err := gb.Linear(k, x)
	if err != nil {
		return nil, err
	}
	vn, err := gb.Linear(v, x)
	if err != nil {
		return nil, err
	}
	var rng *nn.RNG
	if gb.Train {
		rng = gb.rng
	} else {
		p = 0
	}
	y, err := nn.Attention(qn, kn, vn, gb.Mask, gb.Batch, gb.Seq, heads, p, rng)
	if err != nil {
		return nil, fmt.Errorf("%s: attention: %w", q.Weight.Name, err)
	}
	return y, nil
}

// Activation applies a transformers ACT2FN activation by name ("gelu" is exact erf GELU).
func (gb *GraphBuilder) Activation(name string, x *G.Node) (*G.Node, error) {
	switch name {
	case "gelu":
		return nn.GELU(x)
	case "relu":
		return nn.ReLU(x)
	case "tanh":
		return nn.Tanh(x)
	}
	return nil, fmt.Errorf("%w: activation %q is not supported (gelu, relu, tanh are)", ErrBadConfig, name)
}

// SupportedActivation reports whether Activation knows name.
func SupportedActivation(name string) bool {
	return name == "gelu" || name == "relu" || name == "tanh"
}

// newInput makes a float32 input node of the given shape whose value is backed by buf.
func newInput(g *G.ExprGraph, name string, buf []float32, shape ...int) *G.Node {
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(buf))
	return G.NewTensor(g, G.Float32, len(shape), G.WithShape(shape...), G.WithValue(t), G.WithName(name))
}

// AbsolutePositions fills dst [B*S] with 0..S-1 in every row (BERT, DistilBERT).
func AbsolutePositions(b *Batch, dst []float32) {
	for i := range dst {
		dst[i] = float32(i % b.SeqLen)
	}
}
