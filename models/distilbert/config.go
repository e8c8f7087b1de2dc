package distilbert

import "github.com/hftrain/hftrain/models"

// Config mirrors transformers' DistilBertConfig, decoded straight from config.json.
//
// Source: https://github.com/huggingface/transformers/blob/06053b84c14d72e9789fbf27844a75aa89b3ded7/src/transformers/models/distilbert/configuration_distilbert.py
type Config struct {
	models.PretrainedConfig
	VocabSize             int     `json:"vocab_size"`
	MaxPositionEmbeddings int     `json:"max_position_embeddings"`
	SinusoidalPosEmbds    bool    `json:"sinusoidal_pos_embds"`
	NLayers               int     `json:"n_layers"`
	NHeads                int     `json:"n_heads"`
	Dim                   int     `json:"dim"`
	HiddenDim             int     `json:"hidden_dim"`
	Dropout               float64 `json:"dropout"`
	AttentionDropout      float64 `json:"attention_dropout"`
	Activation            string  `json:"activation"`
	InitializerRange      float64 `json:"initializer_range"`
	QADropout             float64 `json:"qa_dropout"`
	SeqClassifDropout     float64 `json:"seq_classif_dropout"`
	PadTokenID            int     `json:"pad_token_id"`
}

// LayerNormEps is DistilBERT's LayerNorm epsilon, hard-coded in modeling_distilbert.py.
const LayerNormEps = 1e-12

// DefaultConfig returns DistilBertConfig's defaults (distilbert-base-uncased, two labels).
func DefaultConfig() Config {
	c := Config{
		VocabSize:             30522,
		MaxPositionEmbeddings: 512,
		NLayers:               6,
		NHeads:                12,
		Dim:                   768,
		HiddenDim:             3072,
		Dropout:               0.1,
		AttentionDropout:      0.1,
		Activation:            "gelu",
		InitializerRange:      0.02,
		QADropout:             0.1,
		SeqClassifDropout:     0.2,
		PadTokenID:            0,
	}
	c.ModelType = "distilbert"
	c.SetLabels(models.DefaultLabels(2))
	return c
}

// AttributeMap is DistilBertConfig.attribute_map: the generic names config overrides may use.
func (c *Config) AttributeMap() map[string]string {
	return map[string]string{"hidden_size": "dim", "num_attention_heads": "n_heads", "num_hidden_layers": "n_layers"}
}

// Validate checks that the config describes a model this package can build.
func (c *Config) Validate() error {
	var e models.FieldErrors
	e.Positive("vocab_size", c.VocabSize)
	e.Positive("max_position_embeddings", c.MaxPositionEmbeddings)
	e.Positive("n_layers", c.NLayers)
	e.Positive("n_heads", c.NHeads)
	e.Positive("dim", c.Dim)
	e.Positive("hidden_dim", c.HiddenDim)
	e.Probability("dropout", c.Dropout)
	e.Probability("attention_dropout", c.AttentionDropout)
	e.Probability("seq_classif_dropout", c.SeqClassifDropout)
	e.Check(c.NHeads <= 0 || c.Dim%c.NHeads == 0, "dim %d is not a multiple of n_heads %d", c.Dim, c.NHeads)
	e.Check(c.Activation == "gelu" || c.Activation == "relu", "activation %q is not supported (gelu, relu are)", c.Activation)
	e.Check(!c.SinusoidalPosEmbds, "sinusoidal_pos_embds=true is not supported")
	e.NonNegative("initializer_range", c.InitializerRange)
	e.TokenID("pad_token_id", c.PadTokenID, c.VocabSize)
	return e.Err()
}
