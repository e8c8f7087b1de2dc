package bert

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
		{"defaults", models.Options{ConfigOverrides: "max_position_embeddings=16"}, models.Info{ModelType: "bert", Architecture: Architecture,
			NumLabels: 2, ID2Label: models.DefaultLabels(2), MaxPositions: 16, PadTokenID: 0, VocabSize: 30}},
		{"regression", models.Options{ConfigOverrides: "pad_token_id=3", NumLabels: 1, ProblemType: models.Regression}, models.Info{ModelType: "bert",
			Architecture: Architecture, NumLabels: 1, ProblemType: models.Regression, ID2Label: models.DefaultLabels(1), MaxPositions: 512, PadTokenID: 3, VocabSize: 30}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.ConfigOverrides = "vocab_size=30,hidden_size=8,num_hidden_layers=1,num_attention_heads=2,intermediate_size=12," + tc.o.ConfigOverrides
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
