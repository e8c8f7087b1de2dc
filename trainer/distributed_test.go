package trainer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hftrain/hftrain/data"
	"github.com/hftrain/hftrain/distributed"
	"github.com/hftrain/hftrain/models"
	"github.com/hftrain/hftrain/models/auto"
	"github.com/hftrain/hftrain/trainer"
	"github.com/hftrain/hftrain/trainer/checkpoint"
)

// raggedDataset has n rows of 3 to 14 tokens, so ranks pad their micro-batches to different
// lengths and length grouping has something to sort.
func raggedDataset(n int) *data.Dataset {
	d := &data.Dataset{ProblemType: "single_label_classification", Labels: []string{"low", "high"}, NumLabels: 2}
	for i := range n {
		ex := data.Example{}
		for k := range 3 + (i*5)%12 {
			ex.InputIDs = append(ex.InputIDs, int32(2+(i*7+k*3)%45))
			ex.AttentionMask = append(ex.AttentionMask, 1)
			ex.TokenTypeIDs = append(ex.TokenTypeIDs, 0)
		}
		if ex.InputIDs[1] > 25 {
			ex.Label = 1
		}
		d.Examples = append(d.Examples, ex)
	}
	return d
}

// rankRun is what one rank of a group run leaves behind.
type rankRun struct {
	model models.Model
	tr    *trainer.Trainer
	err   error
}

// runGroup trains n in-process ranks concurrently; setup gives each rank its model, args and
// options, and ctxFor its context.
func runGroup(t *testing.T, n int, setup func(rank int) (models.Model, trainer.Args, trainer.Options), d *data.Dataset, ctxFor func(rank int) context.Context) []rankRun {
	t.Helper()
	gs := distributed.NewInMemory(n)
	out := make([]rankRun, n)
	var wg sync.WaitGroup
	for r := range n {
		m, args, o := setup(r)
		o.Group = gs[r]
		out[r].model = m
		tr, err := trainer.New(args, m, d, o)
		if err != nil {
			t.Fatalf("rank %d: %v", r, err)
		}
		out[r].tr = tr
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			if ctxFor != nil {
				ctx = ctxFor(r)
			}
			out[r].err = tr.Train(ctx)
		}()
	}
	wg.Wait()
	return out
}

func newTinyModel(t *testing.T, overrides string, seed uint64) models.Model {
	t.Helper()
	m, err := auto.New(context.Background(), "bert", "", models.Options{NumLabels: 2, ConfigOverrides: overrides, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// maxAbsDiff returns max|a-b| and max|a| over every parameter.
func maxAbsDiff(t *testing.T, a, b models.Model) (diff, scale float64, where string) {
	t.Helper()
	pa, pb := a.Params(), b.Params()
	if len(pa) != len(pb) {
		t.Fatalf("%d and %d parameters", len(pa), len(pb))
	}
	for i := range pa {
		for k := range pa[i].Data {
			scale = math.Max(scale, math.Abs(float64(pa[i].Data[k])))
			if d := math.Abs(float64(pa[i].Data[k] - pb[i].Data[k])); d > diff {
				diff, where = d, fmt.Sprintf("%s[%d]", pa[i].Name, k)
			}
		}
	}
	return diff, scale, where
}

// TestDataParallelMatchesOneProcess: 20 updates with 2 ranks of per-device batch 4 (accumulation
// 2) end with the weights of 20 updates in one process with batch 8, within float32 rounding
// (rtol 1e-5 of max|w|); evaluation gives the same metrics; rank 1 writes nothing.
func TestDataParallelMatchesOneProcess(t *testing.T) {
	d := raggedDataset(96) // 96 = 6 windows of 2 x 8 rows: no padded last batch
	args := func(dir string, batch int) trainer.Args {
		a := baseArgs(dir)
		a.MaxSteps, a.TrainBatchSize, a.GradAccum, a.Shuffle = 20, batch, 2, true
		a.EvalStrategy, a.EvalSteps, a.EvalBatchSize = "steps", 10, 5
		a.Scheduler, a.WarmupSteps = "linear", 3
		return a
	}
	one := newTinyModel(t, tinyBERT, 7)
	trOne, err := trainer.New(args(t.TempDir(), 8), one, d, trainer.Options{Eval: d})
	if err != nil {
		t.Fatal(err)
	}
	if err := trOne.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	dirs := []string{t.TempDir(), filepath.Join(t.TempDir(), "rank1")}
	runs := runGroup(t, 2, func(r int) (models.Model, trainer.Args, trainer.Options) {
		// Rank 1 starts from other weights: the broadcast at the start must replace them.
		return newTinyModel(t, tinyBERT, uint64(7+r)), args(dirs[r], 4), trainer.Options{Eval: d}
	}, d, nil)
	for r, run := range runs {
		if run.err != nil {
			t.Fatalf("rank %d: %v", r, run.err)
		}
	}
	diff, scale, where := maxAbsDiff(t, one, runs[0].model)
	t.Logf("2 ranks x batch 4 vs 1 x batch 8 after 20 updates: max|dw| %.3g at %s (max|w| %.3g)", diff, where, scale)
	if diff > 1e-5*scale {
		t.Errorf("weights differ by %.3g at %s, more than 1e-5 x max|w| %.3g", diff, where, scale)
	}
	if diff, _, where := maxAbsDiff(t, runs[0].model, runs[1].model); diff != 0 {
		t.Errorf("ranks 0 and 1 differ at %s by %g", where, diff)
	}
	for _, k := range []string{"eval_loss", "eval_accuracy", "eval_f1"} {
		a, b := trOne.State().LastEvalMetrics[k], runs[0].tr.State().LastEvalMetrics[k]
		if math.Abs(a-b) > 1e-5*math.Max(1, math.Abs(a)) {
			t.Errorf("%s: %v in one process, %v with 2 ranks", k, a, b)
		}
		if c := runs[1].tr.State().LastEvalMetrics[k]; c != b {
			t.Errorf("%s: rank 1 has %v, rank 0 %v", k, c, b)
		}
	}
	if s := runs[0].tr.State().SamplesSeen; s != trOne.State().SamplesSeen {
		t.Errorf("samples seen %d with 2 ranks, %d alone", s, trOne.State().SamplesSeen)
	}
	if _, err := os.Stat(dirs[1]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("rank 1 created its output_dir (%v); only rank 0 writes", err)
	}
	if _, err := os.Stat(filepath.Join(dirs[0], "model.safetensors")); err != nil {
		t.Errorf("rank 0 wrote no final model: %v", err)
	}
}

// TestDataParallelRanksBitIdentical: 4 ranks with dropout on (each rank its own stream),
// accumulation 2 and a short last batch padded by repetition end with bit-identical weights.
func TestDataParallelRanksBitIdentical(t *testing.T) {
	d := raggedDataset(45)
	runs := runGroup(t, 4, func(r int) (models.Model, trainer.Args, trainer.Options) {
		a := baseArgs(filepath.Join(t.TempDir(), "out"))
		a.NumTrainEpochs, a.MaxSteps, a.TrainBatchSize, a.GradAccum, a.Shuffle = 2, 0, 3, 2, true
		return newTinyModel(t, dropoutBERT, uint64(7+r)), a, trainer.Options{}
	}, d, nil)
	for r, run := range runs {
		if run.err != nil {
			t.Fatalf("rank %d: %v", r, run.err)
		}
	}
	// 45 rows in global batches of 12: 3 full + 9 padded to 12; 4 batches = 2 updates an epoch.
	if got := runs[0].tr.State().GlobalStep; got != 4 {
		t.Errorf("%d updates, want 4", got)
	}
	if got := runs[0].tr.State().SamplesSeen; got != 2*48 {
		t.Errorf("%d samples seen, want %d (45 rows padded to 48, two epochs)", got, 2*48)
	}
	for r := 1; r < 4; r++ {
		if diff, _, where := maxAbsDiff(t, runs[0].model, runs[r].model); diff != 0 {
			t.Errorf("rank %d differs from rank 0 at %s by %g", r, where, diff)
		}
	}
}

// TestDataParallelResume: 2 ranks stopped by a signal on rank 1 only, during update 3's hooks (the
// flag travels with update 4's gradients, so both ranks stop after update 4, and rank 0 saves
// every rank's RNG state), then resumed,
// write the same model.safetensors, bit for bit, as 6 uninterrupted updates. Resuming the
// checkpoint with 1 process is refused naming both world sizes.
func TestDataParallelResume(t *testing.T) {
	d := raggedDataset(40)
	models2 := func(r int) models.Model { return newTinyModel(t, dropoutBERT, uint64(7+r)) }
	full := t.TempDir()
	setup := func(dir string, resume string, load bool) func(int) (models.Model, trainer.Args, trainer.Options) {
		return func(r int) (models.Model, trainer.Args, trainer.Options) {
			m := models2(r)
			if load {
				var err error
				if m, err = auto.Load(context.Background(), resume, models.Options{Seed: uint64(7 + r)}); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { m.Close() })
			}
			a := resumeArgs(dir)
			a.TrainBatchSize = 2
			return m, a, trainer.Options{Eval: d, Resume: resume}
		}
	}
	for r, run := range runGroup(t, 2, setup(full, "", false), d, nil) {
		if run.err != nil {
			t.Fatalf("uninterrupted, rank %d: %v", r, run.err)
		}
	}
	split := t.TempDir()
	cctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &stepRecorder{stopAt: 3, cancel: cancel}
	first := setup(split, "", false)
	runs := runGroup(t, 2, func(r int) (models.Model, trainer.Args, trainer.Options) {
		m, a, o := first(r)
		if r == 1 {
			o.Hooks = []trainer.Hook{rec}
		}
		return m, a, o
	}, d, func(r int) context.Context {
		if r == 1 {
			return cctx
		}
		return context.Background()
	})
	for r, run := range runs {
		if !errors.Is(run.err, trainer.ErrInterrupted) {
			t.Fatalf("rank %d: %v, want ErrInterrupted", r, run.err)
		}
		if got := run.tr.State().GlobalStep; got != 4 {
			t.Errorf("rank %d stopped after update %d, want 4", r, got)
		}
	}
	ckpt := filepath.Join(split, "checkpoint-4")
	if err := checkpoint.Verify(ckpt); err != nil {
		t.Fatal(err)
	}
	var rng struct {
		Ranks []struct{ Rank int } `json:"ranks"`
	}
	b, err := os.ReadFile(filepath.Join(ckpt, trainer.RNGStateFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rng); err != nil || len(rng.Ranks) != 2 || rng.Ranks[1].Rank != 1 {
		t.Fatalf("%s: %s (%v), want the states of ranks 0 and 1", trainer.RNGStateFile, b, err)
	}
	for r, run := range runGroup(t, 2, setup(split, ckpt, true), d, nil) {
		if run.err != nil {
			t.Fatalf("resumed, rank %d: %v", r, run.err)
		}
	}
	wa, err := os.ReadFile(filepath.Join(full, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	wb, err := os.ReadFile(filepath.Join(split, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(wa, wb) {
		t.Error("2 ranks: model.safetensors after 4 + resume + 2 updates differs from 6 updates in one run")
	}

	m, err := auto.Load(context.Background(), ckpt, models.Options{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	a := resumeArgs(t.TempDir())
	a.TrainBatchSize = 2
	_, err = trainer.New(a, m, d, trainer.Options{Resume: ckpt})
	if err == nil || !strings.Contains(err.Error(), "world size (number of processes) was 2 and is now 1") {
		t.Errorf("resume with another world size: %v, want a refusal naming both sizes", err)
	}
}
