package distilbert

import (
	"github.com/hftrain/hftrain/models"
	G "gorgonia.org/gorgonia"
)

// The blocks below transcribe transformers' modeling_distilbert.py, pinned at
// https://github.com/huggingface/transformers/blob/00b326f4caca2d1fbebe5c86e1693475fd4d0c9a/src/transformers/models/distilbert/modeling_distilbert.py
// Struct fields carry the PyTorch attribute names, so the struct tree equals the key tree.

// Embeddings mirrors DistilBERT's Embeddings: word + learned position embeddings (no token
// types), LayerNorm(eps 1e-12), dropout.
type Embeddings struct {
	WordEmbeddings     models.Embedding
	PositionEmbeddings models.Embedding
	LayerNorm          models.LayerNorm
	Dropout            float64
}

// MultiHeadSelfAttention mirrors MultiHeadSelfAttention: q_lin, k_lin, v_lin, attention with
// dropout on the probabilities, out_lin.
type MultiHeadSelfAttention struct {
	QLin, KLin, VLin, OutLin models.Linear
	Heads                    int
	Dropout                  float64
}

// FFN mirrors FFN: lin1, activation, lin2, dropout.
type FFN struct {
	Lin1, Lin2 models.Linear
	Activation string
	Dropout    float64
}

// TransformerBlock mirrors TransformerBlock (post-LN).
type TransformerBlock struct {
	Attention       MultiHeadSelfAttention
	SaLayerNorm     models.LayerNorm
	FFN             FFN
	OutputLayerNorm models.LayerNorm
}

// Model mirrors DistilBertModel: embeddings and transformer.layer.{i}.
type Model struct {
	Embeddings *Embeddings
	Layers     []*TransformerBlock
}

// NewModel builds the backbone under vb ("distilbert.").
func NewModel(vb *models.Builder, c *Config) (*Model, error) {
	var e Embeddings
	var err error
	ev := vb.Push("embeddings")
	if e.WordEmbeddings, err = ev.Embedding("word_embeddings", c.VocabSize, c.Dim, c.PadTokenID, c.InitializerRange); err != nil {
		return nil, err
	}
	if e.PositionEmbeddings, err = ev.Embedding("position_embeddings", c.MaxPositionEmbeddings, c.Dim, -1, c.InitializerRange); err != nil {
		return nil, err
	}
	if e.LayerNorm, err = ev.LayerNorm("LayerNorm", c.Dim, LayerNormEps); err != nil {
		return nil, err
	}
	e.Dropout = c.Dropout
	m := &Model{Embeddings: &e}
	lv := vb.Push("transformer").Push("layer")
	for i := range c.NLayers {
		l, err := newBlock(lv.Index(i), c)
		if err != nil {
			return nil, err
		}
		m.Layers = append(m.Layers, l)
	}
	return m, nil
}

func newBlock(vb *models.Builder, c *Config) (*TransformerBlock, error) {
	var l TransformerBlock
	var err error
	d, h, std := c.Dim, c.HiddenDim, c.InitializerRange
	av := vb.Push("attention")
	for _, lin := range []struct {
		name string
		dst  *models.Linear
	}{{"q_lin", &l.Attention.QLin}, {"k_lin", &l.Attention.KLin}, {"v_lin", &l.Attention.VLin}, {"out_lin", &l.Attention.OutLin}} {
		if *lin.dst, err = av.Linear(lin.name, d, d, std); err != nil {
			return nil, err
		}
	}
	l.Attention.Heads = c.NHeads
	l.Attention.Dropout = c.AttentionDropout
	if l.SaLayerNorm, err = vb.LayerNorm("sa_layer_norm", d, LayerNormEps); err != nil {
		return nil, err
	}
	fv := vb.Push("ffn")
	if l.FFN.Lin1, err = fv.Linear("lin1", d, h, std); err != nil {
		return nil, err
	}
	if l.FFN.Lin2, err = fv.Linear("lin2", h, d, std); err != nil {
		return nil, err
	}
	l.FFN.Activation = c.Activation
	l.FFN.Dropout = c.Dropout
	if l.OutputLayerNorm, err = vb.LayerNorm("output_layer_norm", d, LayerNormEps); err != nil {
		return nil, err
	}
	return &l, nil
}

// Forward returns the last hidden state [B*S, dim].
func (m *Model) Forward(gb *models.GraphBuilder) (*G.Node, error) {
	e := m.Embeddings
	x, err := gb.Embed(e.LayerNorm, e.Dropout,
		models.Lookup{Table: e.WordEmbeddings, IDs: gb.InputIDs},
		models.Lookup{Table: e.PositionEmbeddings, IDs: gb.PositionIDs})
	if err != nil {
		return nil, err
	}
	return models.ForwardLayers(gb, x, m.Layers)
}

// Forward runs the block on x [B*S, dim].
func (l *TransformerBlock) Forward(gb *models.GraphBuilder, x *G.Node) (*G.Node, error) {
	a := &l.Attention
	// DistilBERT fills masked scores with finfo.min instead of adding it: the same
	// probabilities once any key in the row is real.
	ctx, err := gb.SelfAttention(a.QLin, a.KLin, a.VLin, x, a.Heads, a.Dropout) // [B*S, dim]
	if err != nil {
		return nil, err
	}
	sa, err := gb.Linear(a.OutLin, ctx)
	if err != nil {
		return nil, err
	}
	if sa, err = gb.AddLayerNorm(l.SaLayerNorm, sa, x); err != nil {
		return nil, err
	}
	h, err := gb.Linear(l.FFN.Lin1, sa) // [B*S, hidden_dim]
	if err != nil {
		return nil, err
	}
	if h, err = gb.Activation(l.FFN.Activation, h); err != nil {
		return nil, err
	}
	y, err := gb.Linear(l.FFN.Lin2, h)
	if err != nil {
		return nil, err
	}
	if y, err = gb.Dropout(y, l.FFN.Dropout); err != nil {
		return nil, err
	}
	return gb.AddLayerNorm(l.OutputLayerNorm, y, sa)
}
