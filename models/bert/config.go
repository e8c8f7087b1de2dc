package bert

import (
	"errors"
	"fmt"

	"github.com/hftrain/hftrain/models"
)

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
	var errs []error
	pos := func(name string, v int) {
		if v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %d", name, v))
		}
	}
	prob := func(name string, v float64) {
		if v < 0 || v >= 1 {
			errs = append(errs, fmt.Errorf("%s must be in [0,1), got %g", name, v))
		}
	}
	pos("vocab_size", c.VocabSize)
	pos("hidden_size", c.HiddenSize)
	pos("num_hidden_layers", c.NumHiddenLayers)
	pos("num_attention_heads", c.NumAttentionHeads)
	pos("intermediate_size", c.IntermediateSize)
	pos("max_position_embeddings", c.MaxPositionEmbeddings)
	pos("type_vocab_size", c.TypeVocabSize)
	prob("hidden_dropout_prob", c.HiddenDropoutProb)
	prob("attention_probs_dropout_prob", c.AttentionProbsDropoutProb)
	if c.ClassifierDropout != nil {
		prob("classifier_dropout", *c.ClassifierDropout)
	}
	if c.NumAttentionHeads > 0 && c.HiddenSize%c.NumAttentionHeads != 0 {
		errs = append(errs, fmt.Errorf("hidden_size %d is not a multiple of num_attention_heads %d", c.HiddenSize, c.NumAttentionHeads))
	}
	if !models.SupportedActivation(c.HiddenAct) {
		errs = append(errs, fmt.Errorf("hidden_act %q is not supported (gelu, relu, tanh are)", c.HiddenAct))
	}
	if c.PositionEmbeddingType != "absolute" {
		errs = append(errs, fmt.Errorf("position_embedding_type %q is not supported (absolute is)", c.PositionEmbeddingType))
	}
	if c.LayerNormEps <= 0 {
		errs = append(errs, fmt.Errorf("layer_norm_eps must be positive, got %g", c.LayerNormEps))
	}
	if c.InitializerRange < 0 {
		errs = append(errs, fmt.Errorf("initializer_range must not be negative, got %g", c.InitializerRange))
	}
	if c.PadTokenID < 0 || c.PadTokenID >= c.VocabSize {
		errs = append(errs, fmt.Errorf("pad_token_id %d outside the vocabulary of %d", c.PadTokenID, c.VocabSize))
	}
	return errors.Join(errs...)
}

// ClassifierDropoutProb is classifier_dropout, or hidden_dropout_prob when it is null, as the
// sequence-classification heads use it.
func (c *Config) ClassifierDropoutProb() float64 {
	if c.ClassifierDropout != nil {
		return *c.ClassifierDropout
	}
	return c.HiddenDropoutProb
}
