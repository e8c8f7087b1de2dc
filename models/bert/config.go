package bert

import "github.com/hftrain/hftrain/models"

// Config mirrors transformers' BertConfig, decoded straight from config.json; RoBERTa's
// config embeds it.
//
// Source: https://github.com/huggingface/transformers/blob/008f5c8c29be84d4721dc6d1e0fcd72300580be4/src/transformers/models/bert/configuration_bert.py
type Config struct {
	models.PretrainedConfig
	VocabSize                 int      `json:"vocab_size"`
	HiddenSize                int      `json:"hidden_size"`
	NumHiddenLayers           int      `json:"num_hidden_layers"`
	NumAttentionHeads         int      `json:"num_attention_heads"`
	IntermediateSize          int      `json:"intermediate_size"`
	HiddenAct                 string   `json:"hidden_act"`
	HiddenDropoutProb         float64  `json:"hidden_dropout_prob"`
	AttentionProbsDropoutProb float64  `json:"attention_probs_dropout_prob"`
	MaxPositionEmbeddings     int      `json:"max_position_embeddings"`
	TypeVocabSize             int      `json:"type_vocab_size"`
	InitializerRange          float64  `json:"initializer_range"`
	LayerNormEps              float64  `json:"layer_norm_eps"`
	PadTokenID                int      `json:"pad_token_id"`
	PositionEmbeddingType     string   `json:"position_embedding_type"`
	UseCache                  bool     `json:"use_cache"`
	ClassifierDropout         *float64 `json:"classifier_dropout"` // null: hidden_dropout_prob
}

// DefaultConfig returns BertConfig's defaults (bert-base-uncased's shape, two labels).
func DefaultConfig() Config {
	c := Config{
		VocabSize:                 30522,
		HiddenSize:                768,
		NumHiddenLayers:           12,
		NumAttentionHeads:         12,
		IntermediateSize:          3072,
		HiddenAct:                 "gelu",
		HiddenDropoutProb:         0.1,
		AttentionProbsDropoutProb: 0.1,
		MaxPositionEmbeddings:     512,
		TypeVocabSize:             2,
		InitializerRange:          0.02,
		LayerNormEps:              1e-12,
		PadTokenID:                0,
		PositionEmbeddingType:     "absolute",
		UseCache:                  true,
	}
	c.ModelType = "bert"
	c.SetLabels(models.DefaultLabels(2))
	return c
}

// Validate checks that the config describes a model this package can build.
func (c *Config) Validate() error {
	var e models.FieldErrors
	e.Positive("vocab_size", c.VocabSize)
	e.Positive("hidden_size", c.HiddenSize)
	e.Positive("num_hidden_layers", c.NumHiddenLayers)
	e.Positive("num_attention_heads", c.NumAttentionHeads)
	e.Positive("intermediate_size", c.IntermediateSize)
	e.Positive("max_position_embeddings", c.MaxPositionEmbeddings)
	e.Positive("type_vocab_size", c.TypeVocabSize)
	e.Probability("hidden_dropout_prob", c.HiddenDropoutProb)
	e.Probability("attention_probs_dropout_prob", c.AttentionProbsDropoutProb)
	if c.ClassifierDropout != nil {
		e.Probability("classifier_dropout", *c.ClassifierDropout)
	}
	e.Check(c.NumAttentionHeads <= 0 || c.HiddenSize%c.NumAttentionHeads == 0,
		"hidden_size %d is not a multiple of num_attention_heads %d", c.HiddenSize, c.NumAttentionHeads)
	e.Check(models.SupportedActivation(c.HiddenAct), "hidden_act %q is not supported (gelu, relu, tanh are)", c.HiddenAct)
	e.Check(c.PositionEmbeddingType == "absolute",
		"position_embedding_type %q is not supported (absolute is)", c.PositionEmbeddingType)
	e.Check(c.LayerNormEps > 0, "layer_norm_eps must be positive, got %g", c.LayerNormEps)
	e.NonNegative("initializer_range", c.InitializerRange)
	e.TokenID("pad_token_id", c.PadTokenID, c.VocabSize)
	return e.Err()
}

// ClassifierDropoutProb is classifier_dropout, or hidden_dropout_prob when it is null, as the
// sequence-classification heads use it.
func (c *Config) ClassifierDropoutProb() float64 {
	if c.ClassifierDropout != nil {
		return *c.ClassifierDropout
	}
	return c.HiddenDropoutProb
}
