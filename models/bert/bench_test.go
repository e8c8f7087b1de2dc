package bert

import (
	"context"
	"testing"

	"github.com/hftrain/hftrain/models"
)

// BenchmarkTrainStepBERTMini times ForwardBackward of a BERT-mini classifier (4 layers,
// hidden 256, 4 heads, FFN 1024, vocab 30522, dropout 0.1) on a 32x128 batch, the shape
// PERF.md measures PyTorch on. Run with -tags openblas for the OpenBLAS build.
func BenchmarkTrainStepBERTMini(b *testing.B) {
	m, err := New(nil, models.Options{
		ConfigOverrides: "hidden_size=256,num_hidden_layers=4,num_attention_heads=4,intermediate_size=1024",
		Seed:            1,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	const size, seq = 32, 128
	batch := &models.Batch{Size: size, SeqLen: seq}
	for i := range size * seq {
		batch.InputIDs = append(batch.InputIDs, int32(100+(i*7919)%30000))
		batch.AttentionMask = append(batch.AttentionMask, 1)
	}
	for i := range size {
		batch.Labels = append(batch.Labels, int32(i%2))
	}
	ctx := context.Background()
	if _, err := m.ForwardBackward(ctx, batch, 1); err != nil { // builds the graph
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := m.ForwardBackward(ctx, batch, 1); err != nil {
			b.Fatal(err)
		}
	}
}
