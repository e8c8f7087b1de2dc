package bert

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hftrain/hftrain/models"
)

const tinyOverrides = "vocab_size=30,hidden_size=8,num_hidden_layers=2,num_attention_heads=2,intermediate_size=12,max_position_embeddings=16"

func tiny(t testing.TB, extra string, o models.Options) *models.Classifier {
	t.Helper()
	o.ConfigOverrides = tinyOverrides
	if extra != "" {
		o.ConfigOverrides += "," + extra
	}
	if o.NumLabels == 0 {
		o.NumLabels = 3
	}
	m, err := New(nil, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func batch(size, seq int) *models.Batch {
	b := &models.Batch{Size: size, SeqLen: seq}
	for i := range size * seq {
		b.InputIDs = append(b.InputIDs, int32(1+i%29))
		mask := int32(1)
		if i%seq >= seq-i/seq%2 { // every other row ends with one pad
			mask = 0
		}
		b.AttentionMask = append(b.AttentionMask, mask)
		b.TokenTypeIDs = append(b.TokenTypeIDs, int32(i%seq*2/seq))
	}
	for i := range size {
		b.Labels = append(b.Labels, int32(i%3))
	}
	return b
}

func zeroGrads(m models.Model) {
	for _, p := range m.Params() {
		clear(p.Grad)
	}
}

func grads(m models.Model) [][]float32 {
	var out [][]float32
	for _, p := range m.Params() {
		out = append(out, slices.Clone(p.Grad))
	}
	return out
}

// TestGraphsShareParams: Param.Data is what every cached graph reads, so an in-place update
// (what an optimizer does) changes the outputs of graphs built before it.
func TestGraphsShareParams(t *testing.T) {
	ctx := context.Background()
	m := tiny(t, "", models.Options{Seed: 1})
	b1, b2 := batch(2, 5), batch(3, 7)
	before1, err := m.Forward(ctx, b1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Forward(ctx, b2); err != nil {
		t.Fatal(err)
	}
	if _, err := m.ForwardBackward(ctx, b1, 1); err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Params() {
		for i := range p.Data {
			p.Data[i] -= 0.5 * p.Grad[i]
		}
	}
	after1, err := m.Forward(ctx, b1)
	if err != nil {
		t.Fatal(err)
	}
	if after1.Loss >= before1.Loss {
		t.Errorf("loss %g after a gradient step, was %g", after1.Loss, before1.Loss)
	}
	// A fresh model with the updated weights must agree with the cached graph.
	fresh := tiny(t, "", models.Options{Seed: 1})
	for i, p := range fresh.Params() {
		copy(p.Data, m.Params()[i].Data)
	}
	want, err := fresh.Forward(ctx, b1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(after1.Logits, want.Logits) {
		t.Errorf("cached graph logits %v, fresh graph %v", after1.Logits, want.Logits)
	}
}

// TestGradientsDoNotAccumulateInGraph: two runs with gradScale 1 give exactly twice one run
// (Param.Grad accumulates, the graph's own gradients do not: PERF.md bug 4), and gradScale
// scales.
func TestGradientsDoNotAccumulateInGraph(t *testing.T) {
	ctx := context.Background()
	m := tiny(t, "hidden_dropout_prob=0,attention_probs_dropout_prob=0", models.Options{Seed: 2})
	b := batch(2, 6)
	if _, err := m.ForwardBackward(ctx, b, 1); err != nil {
		t.Fatal(err)
	}
	one := grads(m)
	if _, err := m.ForwardBackward(ctx, b, 1); err != nil {
		t.Fatal(err)
	}
	two := grads(m)
	zeroGrads(m)
	if _, err := m.ForwardBackward(ctx, b, 0.5); err != nil {
		t.Fatal(err)
	}
	half := grads(m)
	for i, p := range m.Params() {
		for j := range one[i] {
			if two[i][j] != 2*one[i][j] || half[i][j] != 0.5*one[i][j] {
				t.Fatalf("%s[%d]: one %g, two %g, half %g", p.Name, j, one[i][j], two[i][j], half[i][j])
			}
		}
	}
}

// TestDropout: training runs use dropout drawn from the seed (reproducible, different from
// evaluation, different between steps); evaluation is deterministic.
func TestDropout(t *testing.T) {
	ctx := context.Background()
	run := func(seed uint64) (eval, t1, t2 []float32) {
		m := tiny(t, "hidden_dropout_prob=0.3,attention_probs_dropout_prob=0.3", models.Options{Seed: seed})
		b := batch(2, 6)
		outs := make([][]float32, 3)
		for i := range outs {
			var out *models.Output
			var err error
			if i == 0 {
				out, err = m.Forward(ctx, b)
			} else {
				out, err = m.ForwardBackward(ctx, b, 1)
			}
			if err != nil {
				t.Fatal(err)
			}
			outs[i] = out.Logits
		}
		return outs[0], outs[1], outs[2]
	}
	e, a1, a2 := run(5)
	e2, b1, b2 := run(5)
	_, c1, _ := run(6)
	if !slices.Equal(a1, b1) || !slices.Equal(a2, b2) || !slices.Equal(e, e2) {
		t.Error("same seed, different outputs")
	}
	if slices.Equal(a1, e) || slices.Equal(a1, a2) {
		t.Error("dropout is not on in training")
	}
	if slices.Equal(a1, c1) {
		t.Error("different seeds, same dropout")
	}
}

func TestBatchErrors(t *testing.T) {
	m := tiny(t, "", models.Options{Seed: 1})
	tests := []struct {
		name   string
		edit   func(b *models.Batch)
		substr string
	}{
		{"id outside vocabulary", func(b *models.Batch) { b.InputIDs[3] = 30 }, "vocabulary"},
		{"negative id", func(b *models.Batch) { b.InputIDs[0] = -1 }, "vocabulary"},
		{"short mask", func(b *models.Batch) { b.AttentionMask = b.AttentionMask[1:] }, "mask"},
		{"mask value", func(b *models.Batch) { b.AttentionMask[2] = 2 }, "mask"},
		{"token type", func(b *models.Batch) { b.TokenTypeIDs[1] = 2 }, "token type"},
		{"label", func(b *models.Batch) { b.Labels[0] = 3 }, "label"},
		{"labels count", func(b *models.Batch) { b.Labels = b.Labels[:1] }, "labels"},
		{"too long", func(b *models.Batch) { *b = *batch(1, 17) }, "positions"},
		{"no labels to train on", func(b *models.Batch) { b.Labels = nil }, "labels"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := batch(2, 5)
			tc.edit(b)
			_, err := m.ForwardBackward(context.Background(), b, 1)
			if !errors.Is(err, models.ErrBadBatch) || !strings.Contains(err.Error(), tc.substr) {
				t.Errorf("error %v, want ErrBadBatch mentioning %q", err, tc.substr)
			}
		})
	}
	b := batch(2, 5)
	b.Labels[1] = models.IgnoreIndex
	if _, err := m.ForwardBackward(context.Background(), b, 1); err != nil {
		t.Errorf("ignore_index label: %v", err)
	}
}

func TestContextCancelled(t *testing.T) {
	m := tiny(t, "", models.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Forward(ctx, batch(1, 4)); !errors.Is(err, context.Canceled) {
		t.Errorf("Forward: %v", err)
	}
	if _, err := m.ForwardBackward(ctx, batch(1, 4), 1); !errors.Is(err, context.Canceled) {
		t.Errorf("ForwardBackward: %v", err)
	}
	if _, err := Load(ctx, t.TempDir(), models.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Load: %v", err)
	}
}

// TestProblemTypes: each problem type runs with its label kind and is kept in Info; an unset
// one is inferred as transformers does and then saved.
func TestProblemTypes(t *testing.T) {
	tests := []struct {
		opts   models.Options
		labels func(b *models.Batch)
		want   string
	}{
		{models.Options{NumLabels: 3}, func(b *models.Batch) {}, models.SingleLabel},
		{models.Options{NumLabels: 3}, func(b *models.Batch) {
			b.Labels, b.FloatLabels = nil, make([]float32, b.Size*3)
			b.FloatLabels[1] = 1
		}, models.MultiLabel},
		{models.Options{NumLabels: 1}, func(b *models.Batch) { b.Labels, b.FloatLabels = nil, []float32{0.5, -1} }, models.Regression},
		{models.Options{NumLabels: 2, ProblemType: models.Regression}, func(b *models.Batch) {
			b.Labels, b.FloatLabels = nil, []float32{0.5, -1, 2, 3}
		}, models.Regression},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s-%d", tc.want, tc.opts.NumLabels), func(t *testing.T) {
			m := tiny(t, "", tc.opts)
			b := batch(2, 4)
			tc.labels(b)
			out, err := m.ForwardBackward(context.Background(), b, 1)
			if err != nil {
				t.Fatal(err)
			}
			if out.Loss <= 0 || len(out.Logits) != 2*tc.opts.NumLabels {
				t.Errorf("loss %g, %d logits", out.Loss, len(out.Logits))
			}
			if got := m.Info().ProblemType; got != tc.want {
				t.Errorf("problem type %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRNGStateResume: restoring the dropout RNG state replays the same dropout masks.
func TestRNGStateResume(t *testing.T) {
	ctx := context.Background()
	m := tiny(t, "hidden_dropout_prob=0.3", models.Options{Seed: 9})
	b := batch(2, 6)
	state, err := m.RNGState()
	if err != nil {
		t.Fatal(err)
	}
	first, err := m.ForwardBackward(ctx, b, 1)
	if err != nil {
		t.Fatal(err)
	}
	second, err := m.ForwardBackward(ctx, b, 1)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(first.Logits, second.Logits) {
		t.Fatal("two dropout steps gave the same logits")
	}
	if err := m.SetRNGState(state); err != nil {
		t.Fatal(err)
	}
	replay, err := m.ForwardBackward(ctx, b, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(first.Logits, replay.Logits) {
		t.Error("restored RNG state did not replay the dropout masks")
	}
}

// TestGraphCacheEviction: the cache keeps at most MaxGraphs graphs, dropping the least
// recently used, and an evicted shape still runs (rebuilt) with the same result.
func TestGraphCacheEviction(t *testing.T) {
	ctx := context.Background()
	m := tiny(t, "", models.Options{Seed: 4})
	m.SetMaxGraphs(2)
	first, err := m.Forward(ctx, batch(1, 3))
	if err != nil {
		t.Fatal(err)
	}
	for _, seq := range []int{4, 5, 3, 6} {
		if _, err := m.Forward(ctx, batch(1, seq)); err != nil {
			t.Fatal(err)
		}
		if n := m.NumGraphs(); n > 2 {
			t.Fatalf("%d graphs cached, limit 2", n)
		}
	}
	again, err := m.Forward(ctx, batch(1, 3))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(first.Logits, again.Logits) {
		t.Errorf("rebuilt graph gives %v, first %v", again.Logits, first.Logits)
	}
}
