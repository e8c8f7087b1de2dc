package models_test

import (
	"fmt"

	"github.com/hftrain/hftrain/models"
)

// A config struct embeds PretrainedConfig; PrepareConfig decodes config.json over the
// defaults, applies run_clm-style overrides and the head options, and validates.
func ExamplePrepareConfig() {
	cfg := &tinyConfig{HiddenSize: 768}
	data := []byte(`{"model_type": "tiny", "hidden_size": 128, "id2label": {"0": "neg", "1": "pos"}, "custom": 1}`)
	changed, err := models.PrepareConfig(data, cfg, models.Options{ConfigOverrides: "hidden_size=256", ProblemType: models.SingleLabel})
	if err != nil {
		fmt.Println(err)
		return
	}
	labels, _ := cfg.Labels()
	fmt.Println(cfg.HiddenSize, labels, cfg.Problem(), changed, string(cfg.Extra["custom"]))
	// Output: 256 map[0:neg 1:pos] single_label_classification false 1
}

type tinyConfig struct {
	models.PretrainedConfig
	HiddenSize int `json:"hidden_size"`
}

func (c *tinyConfig) Validate() error { return nil }
