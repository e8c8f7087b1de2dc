package bert

import (
	"fmt"

	"github.com/hftrain/hftrain/models"
	"github.com/hftrain/hftrain/models/nn"
	G "gorgonia.org/gorgonia"
)

// The blocks below transcribe transformers' modeling_bert.py, pinned at
// https://github.com/huggingface/transformers/blob/8ec58104181bfb34d824d89bccc009b4f6be6e0e/src/transformers/models/bert/modeling_bert.py
// Each struct's fields carry the attribute names of the PyTorch module, so that the struct
// tree equals the state_dict key tree.

// Embeddings mirrors BertEmbeddings: word + token type + absolute position embeddings, then
// LayerNorm and dropout. RoBERTa uses it with padding-offset position ids.
type Embeddings struct {
	WordEmbeddings      models.Embedding
	PositionEmbeddings  models.Embedding
	TokenTypeEmbeddings models.Embedding
	LayerNorm           models.LayerNorm
	Dropout             float64
}

// NewEmbeddings builds vb's "word_embeddings", "position_embeddings", "token_type_embeddings"
// and "LayerNorm"; positionPaddingIdx is -1 for BERT and pad_token_id for RoBERTa, whose
// position table has a padding row.
func NewEmbeddings(vb *models.Builder, c *Config, positionPaddingIdx int) (*Embeddings, error) {
	var e Embeddings
	var err error
	h, std := c.HiddenSize, c.InitializerRange
	if e.WordEmbeddings, err = vb.Embedding("word_embeddings", c.VocabSize, h, c.PadTokenID, std); err != nil {
		return nil, err
	}
	if e.PositionEmbeddings, err = vb.Embedding("position_embeddings", c.MaxPositionEmbeddings, h, positionPaddingIdx, std); err != nil {
		return nil, err
	}
	if e.TokenTypeEmbeddings, err = vb.Embedding("token_type_embeddings", c.TypeVocabSize, h, -1, std); err != nil {
		return nil, err
	}
	if e.LayerNorm, err = vb.LayerNorm("LayerNorm", h, c.LayerNormEps); err != nil {
		return nil, err
	}
	e.Dropout = c.HiddenDropoutProb
	return &e, nil
}

// Forward returns the embeddings of the batch: [B*S, H].
func (e *Embeddings) Forward(gb *models.GraphBuilder) (*G.Node, error) {
	// Same summation order as BertEmbeddings.forward: inputs_embeds + token_type, + position.
	return gb.Embed(e.LayerNorm, e.Dropout,
		models.Lookup{Table: e.WordEmbeddings, IDs: gb.InputIDs},
		models.Lookup{Table: e.TokenTypeEmbeddings, IDs: gb.TokenTypeIDs},
		models.Lookup{Table: e.PositionEmbeddings, IDs: gb.PositionIDs})
}

// SelfAttention mirrors BertSelfAttention (absolute positions, encoder only) with the
// extended additive mask (1-mask)*finfo(float32).min, computed by nn.Attention.
type SelfAttention struct {
	Query, Key, Value models.Linear
	Heads             int
	Dropout           float64
}

// SelfOutput mirrors BertSelfOutput: dense, dropout, LayerNorm(x + input).
type SelfOutput struct {
	Dense     models.Linear
	LayerNorm models.LayerNorm
	Dropout   float64
}

// Attention mirrors BertAttention: self-attention then its output block.
type Attention struct {
	Self   SelfAttention
	Output SelfOutput
}

// Intermediate mirrors BertIntermediate: dense then hidden_act.
type Intermediate struct {
	Dense models.Linear
	Act   string
}

// Output mirrors BertOutput: dense, dropout, LayerNorm(x + attention output).
type Output struct {
	Dense     models.Linear
	LayerNorm models.LayerNorm
	Dropout   float64
}

// Layer mirrors BertLayer (post-LN).
type Layer struct {
	Attention    Attention
	Intermediate Intermediate
	Output       Output
}

// NewLayer builds one encoder layer under vb ("encoder.layer.i.").
func NewLayer(vb *models.Builder, c *Config) (*Layer, error) {
	var l Layer
	var err error
	h, in, std := c.HiddenSize, c.IntermediateSize, c.InitializerRange
	self := vb.Push("attention").Push("self")
	if l.Attention.Self.Query, err = self.Linear("query", h, h, std); err != nil {
		return nil, err
	}
	if l.Attention.Self.Key, err = self.Linear("key", h, h, std); err != nil {
		return nil, err
	}
	if l.Attention.Self.Value, err = self.Linear("value", h, h, std); err != nil {
		return nil, err
	}
	l.Attention.Self.Heads = c.NumAttentionHeads
	l.Attention.Self.Dropout = c.AttentionProbsDropoutProb
	ao := vb.Push("attention").Push("output")
	if l.Attention.Output.Dense, err = ao.Linear("dense", h, h, std); err != nil {
		return nil, err
	}
	if l.Attention.Output.LayerNorm, err = ao.LayerNorm("LayerNorm", h, c.LayerNormEps); err != nil {
		return nil, err
	}
	l.Attention.Output.Dropout = c.HiddenDropoutProb
	if l.Intermediate.Dense, err = vb.Push("intermediate").Linear("dense", h, in, std); err != nil {
		return nil, err
	}
	l.Intermediate.Act = c.HiddenAct
	out := vb.Push("output")
	if l.Output.Dense, err = out.Linear("dense", in, h, std); err != nil {
		return nil, err
	}
	if l.Output.LayerNorm, err = out.LayerNorm("LayerNorm", h, c.LayerNormEps); err != nil {
		return nil, err
	}
	l.Output.Dropout = c.HiddenDropoutProb
	return &l, nil
}

// Forward runs the layer on x [B*S, H].
func (l *Layer) Forward(gb *models.GraphBuilder, x *G.Node) (*G.Node, error) {
	s := &l.Attention.Self
	ctx, err := gb.SelfAttention(s.Query, s.Key, s.Value, x, s.Heads, s.Dropout) // [B*S, H]
	if err != nil {
		return nil, err
	}
	ao := &l.Attention.Output
	y, err := gb.Linear(ao.Dense, ctx)
	if err != nil {
		return nil, err
	}
	if y, err = gb.Dropout(y, ao.Dropout); err != nil {
		return nil, err
	}
	att, err := gb.AddLayerNorm(ao.LayerNorm, y, x)
	if err != nil {
		return nil, err
	}
	hid, err := gb.Linear(l.Intermediate.Dense, att) // [B*S, I]
	if err != nil {
		return nil, err
	}
	if hid, err = gb.Activation(l.Intermediate.Act, hid); err != nil {
		return nil, err
	}
	if y, err = gb.Linear(l.Output.Dense, hid); err != nil {
		return nil, err
	}
	if y, err = gb.Dropout(y, l.Output.Dropout); err != nil {
		return nil, err
	}
	return gb.AddLayerNorm(l.Output.LayerNorm, y, att)
}

// Pooler mirrors BertPooler: tanh(dense(h[:, 0])).
type Pooler struct{ Dense models.Linear }

// Forward pools the first token of x [B*S, H] -> [B, H].
func (p *Pooler) Forward(gb *models.GraphBuilder, x *G.Node) (*G.Node, error) {
	first, err := nn.SelectFirstToken(x, gb.Batch, gb.Seq)
	if err != nil {
		return nil, fmt.Errorf("pooler: %w", err)
	}
	y, err := gb.Linear(p.Dense, first)
	if err != nil {
		return nil, err
	}
	return nn.Tanh(y)
}

// Model mirrors BertModel (and RobertaModel): embeddings, encoder layers and an optional
// pooler (RoBERTa's sequence classifier is built with add_pooling_layer=False).
type Model struct {
	Embeddings *Embeddings
	Layers     []*Layer // encoder.layer.{i}
	Pooler     *Pooler  // nil without pooling layer
}

// NewModel builds the backbone under vb ("bert." or "roberta.").
func NewModel(vb *models.Builder, c *Config, positionPaddingIdx int, pooler bool) (*Model, error) {
	emb, err := NewEmbeddings(vb.Push("embeddings"), c, positionPaddingIdx)
	if err != nil {
		return nil, err
	}
	m := &Model{Embeddings: emb}
	enc := vb.Push("encoder").Push("layer")
	for i := range c.NumHiddenLayers {
		l, err := NewLayer(enc.Index(i), c)
		if err != nil {
			return nil, err
		}
		m.Layers = append(m.Layers, l)
	}
	if pooler {
		// A checkpoint saved from a model without pooler (e.g. BertForMaskedLM) lacks it:
		// transformers initialises it then, so it is treated like the task head.
		d, err := vb.Push("pooler").Head().Linear("dense", c.HiddenSize, c.HiddenSize, c.InitializerRange)
		if err != nil {
			return nil, err
		}
		m.Pooler = &Pooler{Dense: d}
	}
	return m, nil
}

// Forward returns the last hidden state [B*S, H].
func (m *Model) Forward(gb *models.GraphBuilder) (*G.Node, error) {
	x, err := m.Embeddings.Forward(gb)
	if err != nil {
		return nil, err
	}
	return models.ForwardLayers(gb, x, m.Layers)
}
