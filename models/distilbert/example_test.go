package distilbert_test

import (
	"fmt"

	"github.com/hftrain/hftrain/models"
	"github.com/hftrain/hftrain/models/distilbert"
)

// The state_dict names of a one-layer DistilBertForSequenceClassification.
func ExampleNew() {
	m, err := distilbert.New(nil, models.Options{ConfigOverrides: "n_layers=1,vocab_size=100,dim=8,n_heads=2,hidden_dim=16"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	for _, p := range m.Params()[:5] {
		fmt.Println(p.Name, p.Shape)
	}
	// Output:
	// distilbert.embeddings.word_embeddings.weight [100 8]
	// distilbert.embeddings.position_embeddings.weight [512 8]
	// distilbert.embeddings.LayerNorm.weight [8]
	// distilbert.embeddings.LayerNorm.bias [8]
	// distilbert.transformer.layer.0.attention.q_lin.weight [8 8]
}
