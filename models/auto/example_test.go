package auto_test

import (
	"context"
	"fmt"

	"github.com/hftrain/hftrain/models"
	"github.com/hftrain/hftrain/models/auto"
)

// A tiny BERT classifier from scratch: one training step's gradients, then evaluation.
func Example() {
	ctx := context.Background()
	m, err := auto.New(ctx, "bert", "", models.Options{
		NumLabels:       2,
		ConfigOverrides: "vocab_size=50,hidden_size=16,num_hidden_layers=1,num_attention_heads=2,intermediate_size=32",
		Seed:            1,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	b := &models.Batch{
		Size: 2, SeqLen: 4,
		InputIDs:      []int32{2, 7, 9, 3, 2, 8, 3, 0},
		AttentionMask: []int32{1, 1, 1, 1, 1, 1, 1, 0},
		Labels:        []int32{1, 0},
	}
	if _, err := m.ForwardBackward(ctx, b, 1); err != nil {
		fmt.Println(err)
		return
	}
	out, err := m.Forward(ctx, b)
	if err != nil {
		fmt.Println(err)
		return
	}
	info := m.Info()
	fmt.Println(info.Architecture, info.ProblemType, len(m.Params()), "params,", len(out.Logits), "logits")
	fmt.Println(auto.ModelTypes())
	// Output:
	// BertForSequenceClassification single_label_classification 25 params, 4 logits
	// [bert distilbert roberta]
}
