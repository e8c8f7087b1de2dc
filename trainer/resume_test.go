package trainer_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hftrain/hftrain/models"
	"github.com/hftrain/hftrain/models/auto"
	"github.com/hftrain/hftrain/trainer"
	"github.com/hftrain/hftrain/trainer/checkpoint"
)

// dropoutBERT keeps dropout on (0.1), so the dropout stream must be restored exactly too.
const dropoutBERT = "vocab_size=50,hidden_size=16,num_hidden_layers=1,num_attention_heads=2,intermediate_size=32,max_position_embeddings=32"

// stepRecorder remembers the global step of every update and cancels the run after a given step.
type stepRecorder struct {
	trainer.NopHook
	steps  []int
	stopAt int
	cancel context.CancelFunc
}

func (h *stepRecorder) AfterStep(_ context.Context, t *trainer.Trainer, _ trainer.StepResult) error {
	h.steps = append(h.steps, t.State().GlobalStep)
	if t.State().GlobalStep == h.stopAt && h.cancel != nil {
		h.cancel() // as a SIGINT would: the trainer checkpoints before the next step and returns
	}
	return nil
}

func resumeArgs(dir string) trainer.Args {
	a := baseArgs(dir)
	a.MaxSteps, a.TrainBatchSize, a.GradAccum = 6, 4, 2 // 10 micro-batches = 5 updates per epoch
	a.LoggingSteps, a.EvalStrategy, a.EvalSteps = 2, "steps", 2
	a.Shuffle, a.Scheduler, a.WarmupSteps = true, "linear", 2
	return a
}

// withoutTimings drops the wall-clock values (runtime, throughput) from a log history.
func withoutTimings(h []trainer.LogEntry) []trainer.LogEntry {
	out := make([]trainer.LogEntry, 0, len(h))
	for _, e := range h {
		v := map[string]float64{}
		for k, x := range e.Values {
			if !strings.Contains(k, "runtime") && !strings.Contains(k, "per_second") {
				v[k] = x
			}
		}
		out = append(out, trainer.LogEntry{Values: v, Epoch: e.Epoch, Step: e.Step})
	}
	return out
}

// TestResumeIsBitIdentical: a run of 6 updates and a run stopped after 3 (by cancellation, which
// saves a checkpoint mid-epoch, with accumulation 2 and dropout on) then resumed for the remaining
// 3 write bit-identical model.safetensors and the same log history, and the resumed run performs
// exactly updates 4, 5 and 6.
func TestResumeIsBitIdentical(t *testing.T) {
	ctx := context.Background()
	d := toyDataset(40)
	opts := models.Options{NumLabels: 2, ConfigOverrides: dropoutBERT, Seed: 7}
	newModel := func() models.Model {
		m, err := auto.New(ctx, "bert", "", opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		return m
	}

	full := t.TempDir()
	trA, err := trainer.New(resumeArgs(full), newModel(), d, trainer.Options{Eval: d})
	if err != nil {
		t.Fatal(err)
	}
	if err := trA.Train(ctx); err != nil {
		t.Fatal(err)
	}

	split := t.TempDir()
	cctx, cancel := context.WithCancel(ctx)
	rec := &stepRecorder{stopAt: 3, cancel: cancel}
	trB, err := trainer.New(resumeArgs(split), newModel(), d, trainer.Options{Eval: d, Hooks: []trainer.Hook{rec}})
	if err != nil {
		t.Fatal(err)
	}
	err = trB.Train(cctx)
	if !errors.Is(err, trainer.ErrInterrupted) || !strings.Contains(err.Error(), "--resume") {
		t.Fatalf("interrupted run returned %v, want ErrInterrupted telling how to resume", err)
	}
	ckpt := filepath.Join(split, "checkpoint-3")
	if err := checkpoint.Verify(ckpt); err != nil {
		t.Fatal(err)
	}

	resumed, err := auto.Load(ctx, ckpt, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer resumed.Close()
	rec2 := &stepRecorder{}
	trC, err := trainer.New(resumeArgs(split), resumed, d, trainer.Options{Eval: d, Resume: ckpt, Hooks: []trainer.Hook{rec2}})
	if err != nil {
		t.Fatal(err)
	}
	if err := trC.Train(ctx); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rec2.steps, []int{4, 5, 6}) {
		t.Errorf("resumed run performed updates %v, want [4 5 6]", rec2.steps)
	}
	a, err := os.ReadFile(filepath.Join(full, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(split, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("model.safetensors after 3 + resume + 3 updates differs from 6 updates in one run")
	}
	ha, hc := withoutTimings(trA.State().LogHistory), withoutTimings(trC.State().LogHistory)
	if !reflect.DeepEqual(ha, hc) {
		t.Errorf("log history differs:\n one run: %v\n resumed: %v", ha, hc)
	}
}

// TestResumeRefusesChangedBatchSize: a checkpoint's data position is in micro-batches of its own
// size; resuming with another batch size is refused with an error naming the setting.
func TestResumeRefusesChangedBatchSize(t *testing.T) {
	ctx := context.Background()
	d := toyDataset(40)
	dir := t.TempDir()
	args := resumeArgs(dir)
	args.MaxSteps, args.SaveStrategy, args.SaveSteps = 2, "steps", 1
	train(t, args, d)
	ckpt := filepath.Join(dir, "checkpoint-1")
	m, err := auto.Load(ctx, ckpt, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	args.TrainBatchSize = 8
	_, err = trainer.New(args, m, d, trainer.Options{Resume: ckpt})
	if err == nil || !strings.Contains(err.Error(), "per_device_train_batch_size was 4 and is now 8") {
		t.Fatalf("resume with another batch size: %v", err)
	}
}
