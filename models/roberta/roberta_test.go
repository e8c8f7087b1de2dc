package roberta

import (
	"slices"
	"testing"
)

// TestPositionIDs checks create_position_ids_from_input_ids on hand-computed rows: real tokens
// count up from padding_idx+1, pads (wherever they are) get padding_idx.
func TestPositionIDs(t *testing.T) {
	tests := []struct {
		name string
		ids  []int32
		seq  int
		pad  int
		want []float32
	}{
		{"right padding", []int32{0, 5, 6, 2, 1, 1}, 6, 1, []float32{2, 3, 4, 5, 1, 1}},
		{"two rows", []int32{0, 7, 2, 0, 2, 1}, 3, 1, []float32{2, 3, 4, 2, 3, 1}},
		{"left padding", []int32{1, 1, 0, 9, 2}, 5, 1, []float32{1, 1, 2, 3, 4}},
		{"pad id 0", []int32{3, 0, 4}, 3, 0, []float32{1, 0, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := make([]float32, len(tc.ids))
			PositionIDs(tc.ids, tc.seq, tc.pad, got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig()
	if c.VocabSize != 50265 || c.PadTokenID != 1 || c.BOSTokenID != 0 || c.EOSTokenID != 2 || c.ModelType != "roberta" ||
		c.MaxPositionEmbeddings != 512 || c.LayerNormEps != 1e-12 {
		t.Errorf("defaults %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
	if c.MaxPositions() != 510 {
		t.Errorf("MaxPositions %d, want 510", c.MaxPositions())
	}
	c.MaxPositionEmbeddings = 2
	if c.Validate() == nil {
		t.Error("no error for max_position_embeddings 2 with pad 1")
	}
}
