package models_test

import (
	"reflect"
	"testing"

	"github.com/hftrain/hftrain/models"
	"github.com/hftrain/hftrain/models/bert"
	"github.com/hftrain/hftrain/models/distilbert"
	"github.com/hftrain/hftrain/models/roberta"
)

// TestInfo pins every field of each architecture's Info: what the trainer and the CLI read
// about a model.
func TestInfo(t *testing.T) {
	const (
		tinyBERT       = "vocab_size=30,hidden_size=8,num_hidden_layers=1,num_attention_heads=2,intermediate_size=12,"
		tinyDistilBERT = "vocab_size=40,dim=8,n_layers=1,n_heads=2,hidden_dim=12,"
	)
	neutral := map[int]string{0: "neg", 1: "neu", 2: "pos"}
	tests := []struct {
		name string
		new  func([]byte, models.Options) (*models.Classifier, error)
		o    models.Options
		want models.Info
	}{
		{"bert", bert.New, models.Options{ConfigOverrides: tinyBERT + "max_position_embeddings=16"},
			models.Info{ModelType: "bert", Architecture: bert.Architecture, NumLabels: 2, ID2Label: models.DefaultLabels(2),
				MaxPositions: 16, PadTokenID: 0, VocabSize: 30}},
		{"bert regression", bert.New, models.Options{ConfigOverrides: tinyBERT + "pad_token_id=3", NumLabels: 1, ProblemType: models.Regression},
			models.Info{ModelType: "bert", Architecture: bert.Architecture, NumLabels: 1, ProblemType: models.Regression,
				ID2Label: models.DefaultLabels(1), MaxPositions: 512, PadTokenID: 3, VocabSize: 30}},
		{"distilbert", distilbert.New, models.Options{ConfigOverrides: tinyDistilBERT + "max_position_embeddings=16"},
			models.Info{ModelType: "distilbert", Architecture: distilbert.Architecture, NumLabels: 2, ID2Label: models.DefaultLabels(2),
				MaxPositions: 16, PadTokenID: 0, VocabSize: 40}},
		{"distilbert labels", distilbert.New, models.Options{ConfigOverrides: tinyDistilBERT + "pad_token_id=2", ID2Label: neutral},
			models.Info{ModelType: "distilbert", Architecture: distilbert.Architecture, NumLabels: 3, ID2Label: neutral,
				MaxPositions: 512, PadTokenID: 2, VocabSize: 40}},
		// RoBERTa's positions start after the padding offset pad_token_id+1.
		{"roberta", roberta.New, models.Options{ConfigOverrides: tinyBERT + "max_position_embeddings=16"},
			models.Info{ModelType: "roberta", Architecture: roberta.Architecture, NumLabels: 2, ID2Label: models.DefaultLabels(2),
				MaxPositions: 14, PadTokenID: 1, VocabSize: 30}},
		{"roberta multi-label", roberta.New, models.Options{ConfigOverrides: tinyBERT + "pad_token_id=4", NumLabels: 3, ProblemType: models.MultiLabel},
			models.Info{ModelType: "roberta", Architecture: roberta.Architecture, NumLabels: 3, ProblemType: models.MultiLabel,
				ID2Label: models.DefaultLabels(3), MaxPositions: 507, PadTokenID: 4, VocabSize: 30}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := tc.new(nil, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if got := m.Info(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Info() = %+v, want %+v", got, tc.want)
			}
		})
	}
}
