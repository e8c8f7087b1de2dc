package distilbert

import (
	"context"
	"strings"
	"testing"

	"github.com/hftrain/hftrain/models"
)

func TestConfig(t *testing.T) {
	c := DefaultConfig()
	if c.Dim != 768 || c.NLayers != 6 || c.NHeads != 12 || c.HiddenDim != 3072 || c.SeqClassifDropout != 0.2 ||
		c.Activation != "gelu" || c.ModelType != "distilbert" || c.NumLabels() != 2 {
		t.Errorf("defaults %+v", c)
	}
	tests := []struct{ overrides, substr string }{
		{"dim=10", "multiple of n_heads"},
		{"activation=gelu_new", "activation"},
		{"sinusoidal_pos_embds=true", "sinusoidal"},
		{"seq_classif_dropout=1", "seq_classif_dropout"},
	}
	for _, tc := range tests {
		_, err := New(nil, models.Options{ConfigOverrides: tc.overrides})
		if err == nil || !strings.Contains(err.Error(), tc.substr) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.overrides, err, tc.substr)
		}
	}
}

// TestIgnoresTokenTypes: DistilBERT has no token types, so they do not change the output.
func TestIgnoresTokenTypes(t *testing.T) {
	m, err := New(nil, models.Options{ConfigOverrides: "vocab_size=20,dim=8,n_layers=1,n_heads=2,hidden_dim=16", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	b := &models.Batch{Size: 1, SeqLen: 3, InputIDs: []int32{1, 2, 3}, AttentionMask: []int32{1, 1, 1}}
	a, err := m.Forward(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	b.TokenTypeIDs = []int32{0, 1, 1}
	c, err := m.Forward(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Logits {
		if a.Logits[i] != c.Logits[i] {
			t.Fatalf("token types changed the logits: %v vs %v", a.Logits, c.Logits)
		}
	}
}

// TestAttributeMapOverrides: run_clm overrides may use the generic names DistilBertConfig maps.
func TestAttributeMapOverrides(t *testing.T) {
	m, err := New(nil, models.Options{ConfigOverrides: "vocab_size=20,hidden_size=8,num_hidden_layers=1,num_attention_heads=2,hidden_dim=16"})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if n := len(m.Params()); n != 4+16+4 {
		t.Errorf("%d params, want one layer", n)
	}
	if s := m.Params()[0].Shape; s[1] != 8 {
		t.Errorf("word embeddings %v, want dim 8", s)
	}
}
