package trainer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hftrain/hftrain/models"
	"github.com/hftrain/hftrain/models/auto"
	"github.com/hftrain/hftrain/trainer"
	"github.com/hftrain/hftrain/trainer/checkpoint"
)

func reload(ctx context.Context, dir string) (models.Model, error) {
	return auto.Load(ctx, dir, models.Options{})
}

// TestBestModelAndRotation: with save_total_limit 1 the best checkpoint survives rotation,
// best_model_checkpoint names a checkpoint that exists, and load_best_model_at_end writes the best
// checkpoint's weights as the final model.
func TestBestModelAndRotation(t *testing.T) {
	dir := t.TempDir()
	d := toyDataset(40)
	args := resumeArgs(dir)
	args.MaxSteps, args.EvalSteps, args.SaveStrategy, args.SaveSteps = 8, 2, "steps", 2
	args.SaveTotalLimit, args.LoadBestModelAtEnd = 1, true
	args.MetricForBestModel, args.GreaterIsBetter = "accuracy", true
	tr, err := trainer.New(args, tinyModel(t), d, trainer.Options{Eval: d, Reload: reload})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := tr.State()
	if st.BestModelCheckpoint == nil || st.BestMetric == nil {
		t.Fatal("no best checkpoint recorded")
	}
	best := *st.BestModelCheckpoint
	if err := checkpoint.Verify(best); err != nil {
		t.Fatalf("best_model_checkpoint %s: %v", best, err)
	}
	infos, err := checkpoint.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := 1
	if last := infos[len(infos)-1].Dir; last != best {
		want = 2 // transformers keeps the last one too when the limit is 1 and best is not last
	}
	if len(infos) != want {
		t.Errorf("%d checkpoints left with save_total_limit 1 (best %s): %v", len(infos), best, infos)
	}
	a, _ := os.ReadFile(filepath.Join(best, "model.safetensors"))
	b, _ := os.ReadFile(filepath.Join(dir, "model.safetensors"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("final model is not the best checkpoint's (%s) weights", best)
	}
	if got := st.LastEvalMetrics["eval_accuracy"]; got != *st.BestMetric {
		t.Errorf("final evaluation of the loaded best model: eval_accuracy %v, best_metric %v", got, *st.BestMetric)
	}
}

// TestEarlyStoppingSurvivesResume: with a threshold no evaluation can beat, patience 2 stops the
// run at the third evaluation; a run resumed from the checkpoint after the second evaluation (its
// counter at 1) stops at the same step.
func TestEarlyStoppingSurvivesResume(t *testing.T) {
	ctx := context.Background()
	d := toyDataset(40)
	args := func(dir string) trainer.Args {
		a := resumeArgs(dir)
		a.MaxSteps, a.EvalSteps, a.SaveStrategy, a.SaveSteps = 20, 2, "steps", 2
		a.MetricForBestModel, a.EarlyStoppingPatience, a.EarlyStoppingThreshold = "loss", 2, 1e9
		return a
	}
	dir := t.TempDir()
	tr, err := trainer.New(args(dir), tinyModel(t), d, trainer.Options{Eval: d})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Train(ctx); err != nil {
		t.Fatal(err)
	}
	if got := tr.State().GlobalStep; got != 6 {
		t.Fatalf("stopped at step %d, want 6 (third evaluation)", got)
	}
	ts, err := checkpoint.ReadTrainerState(filepath.Join(dir, "checkpoint-4", "trainer_state.json"))
	if err != nil {
		t.Fatal(err)
	}
	es, _ := ts.StatefulCallbacks["EarlyStoppingCallback"].(map[string]any)
	attrs, _ := es["attributes"].(map[string]any)
	if c, _ := attrs["early_stopping_patience_counter"]; c == nil || c.(interface{ String() string }).String() != "1" {
		t.Fatalf("checkpoint-4 early_stopping_patience_counter = %v, want 1", c)
	}
	m, err := auto.Load(ctx, filepath.Join(dir, "checkpoint-4"), models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	dir2 := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir2, "checkpoint-4"), os.DirFS(filepath.Join(dir, "checkpoint-4"))); err != nil {
		t.Fatal(err)
	}
	tr2, err := trainer.New(args(dir2), m, d, trainer.Options{Eval: d, Resume: filepath.Join(dir2, "checkpoint-4")})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr2.Train(ctx); err != nil {
		t.Fatal(err)
	}
	if got := tr2.State().GlobalStep; got != 6 {
		t.Errorf("resumed run stopped at step %d, want 6", got)
	}
}

// TestOnCheckpointBeforeRotation: OnCheckpoint sees every checkpoint complete (it verifies) and
// before save_total_limit deletes it, with the step and epoch it was saved at; an error from it
// stops training and names the checkpoint.
func TestOnCheckpointBeforeRotation(t *testing.T) {
	dir := t.TempDir()
	d := toyDataset(40)
	args := resumeArgs(dir)
	args.MaxSteps, args.SaveStrategy, args.SaveSteps, args.SaveTotalLimit = 6, "steps", 2, 1
	var steps []int
	on := func(_ context.Context, ck string, step int, epoch float64) error {
		if err := checkpoint.Verify(ck); err != nil {
			t.Errorf("OnCheckpoint(%s): %v", ck, err)
		}
		if filepath.Base(ck) != fmt.Sprintf("checkpoint-%d", step) || epoch <= 0 {
			t.Errorf("OnCheckpoint(%s, step %d, epoch %v)", ck, step, epoch)
		}
		if infos, _ := checkpoint.List(dir); len(steps) > 0 && len(infos) != 2 {
			t.Errorf("at step %d, %d checkpoints on disk: rotation ran before OnCheckpoint", step, len(infos))
		}
		steps = append(steps, step)
		return nil
	}
	tr, err := trainer.New(args, tinyModel(t), d, trainer.Options{OnCheckpoint: on})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(steps) != "[2 4 6]" {
		t.Errorf("OnCheckpoint steps %v, want [2 4 6]", steps)
	}

	args.OutputDir = t.TempDir()
	tr, err = trainer.New(args, tinyModel(t), d, trainer.Options{OnCheckpoint: func(context.Context, string, int, float64) error {
		return errors.New("disk full")
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Train(context.Background()); err == nil || !strings.Contains(err.Error(), "checkpoint-2: disk full") {
		t.Errorf("Train = %v, want the OnCheckpoint error naming checkpoint-2", err)
	}
}
