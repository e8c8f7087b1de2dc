package roberta

import (
	"errors"
	"fmt"

	"github.com/hftrain/hftrain/models"
	"github.com/hftrain/hftrain/models/bert"
)

// Config mirrors transformers' RobertaConfig: BertConfig's keys with RoBERTa's defaults and
// the bos/eos token ids.
//
// Source: https://github.com/huggingface/transformers/blob/0b03d5ce0507cba43a768b52edf5c39fc523bc79/src/transformers/models/roberta/configuration_roberta.py
type Config struct {
	bert.Config
	BOSTokenID int `json:"bos_token_id"`
	EOSTokenID int `json:"eos_token_id"`
}

// DefaultConfig returns RobertaConfig's code defaults: BERT's, except vocab_size 50265,
// pad_token_id 1, bos_token_id 0, eos_token_id 2. (roberta-base's config.json overrides
// max_position_embeddings 514, type_vocab_size 1 and layer_norm_eps 1e-5.)
func DefaultConfig() Config {
	c := Config{Config: bert.DefaultConfig(), BOSTokenID: 0, EOSTokenID: 2}
	c.VocabSize = 50265
	c.PadTokenID = 1
	c.ModelType = "roberta"
	return c
}

// Validate checks the config, including room for the padding offset of the positions.
func (c *Config) Validate() error {
	err := c.Config.Validate()
	if c.MaxPositionEmbeddings <= c.PadTokenID+1 {
		err = errors.Join(err, fmt.Errorf("max_position_embeddings %d leaves no position after the padding offset %d",
			c.MaxPositionEmbeddings, c.PadTokenID+1))
	}
	return err
}

// MaxPositions is the longest input: positions start at pad_token_id+1.
func (c *Config) MaxPositions() int { return c.MaxPositionEmbeddings - c.PadTokenID - 1 }

var _ models.Config = (*Config)(nil)
