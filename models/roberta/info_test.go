package roberta

import (
	"reflect"
	"testing"

	"github.com/hftrain/hftrain/models"
)

// TestInfo pins every field of Info: what the trainer and the CLI read about the model.
func TestInfo(t *testing.T) {
	tests := []struct {
		name string
		o    models.Options
		want models.Info
	}{
		// Positions start after the padding offset pad_token_id+1.
		{"defaults", models.Options{ConfigOverrides: "max_position_embeddings=16"}, models.Info{ModelType: "roberta", Architecture: Architecture,
			NumLabels: 2, ID2Label: models.DefaultLabels(2), MaxPositions: 14, PadTokenID: 1, VocabSize: 50}},
		{"multi-label", models.Options{ConfigOverrides: "pad_token_id=4", NumLabels: 3, ProblemType: models.MultiLabel}, models.Info{ModelType: "roberta",
			Architecture: Architecture, NumLabels: 3, ProblemType: models.MultiLabel, ID2Label: models.DefaultLabels(3), MaxPositions: 507, PadTokenID: 4, VocabSize: 50}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.ConfigOverrides = "vocab_size=50,hidden_size=8,num_hidden_layers=1,num_attention_heads=2,intermediate_size=12," + tc.o.ConfigOverrides
			m, err := New(nil, tc.o)
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
