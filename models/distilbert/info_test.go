package distilbert

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
		{"defaults", models.Options{ConfigOverrides: "max_position_embeddings=16"}, models.Info{ModelType: "distilbert", Architecture: Architecture,
			NumLabels: 2, ID2Label: models.DefaultLabels(2), MaxPositions: 16, PadTokenID: 0, VocabSize: 40}},
		{"labels", models.Options{ConfigOverrides: "pad_token_id=2", ID2Label: map[int]string{0: "neg", 1: "neu", 2: "pos"}}, models.Info{ModelType: "distilbert",
			Architecture: Architecture, NumLabels: 3, ID2Label: map[int]string{0: "neg", 1: "neu", 2: "pos"}, MaxPositions: 512, PadTokenID: 2, VocabSize: 40}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.ConfigOverrides = "vocab_size=40,dim=8,n_layers=1,n_heads=2,hidden_dim=12," + tc.o.ConfigOverrides
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
