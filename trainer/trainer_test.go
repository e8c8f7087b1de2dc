package trainer_test

import (
	"bufio"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/hftrain/hftrain/data"
	"github.com/hftrain/hftrain/models"
	"github.com/hftrain/hftrain/models/auto"
	"github.com/hftrain/hftrain/trainer"
)

const tinyBERT = "vocab_size=50,hidden_size=16,num_hidden_layers=1,num_attention_heads=2,intermediate_size=32," +
	"max_position_embeddings=32,hidden_dropout_prob=0,attention_probs_dropout_prob=0"

// toyDataset has n rows of 8 tokens (no padding, so batch composition cannot change the maths);
// the label is whether token 1 is above 25.
func toyDataset(n int) *data.Dataset {
	d := &data.Dataset{ProblemType: "single_label_classification", Labels: []string{"low", "high"}, NumLabels: 2}
	for i := range n {
		ex := data.Example{}
		for k := range 8 {
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

func tinyModel(t *testing.T) models.Model {
	t.Helper()
	m, err := auto.New(context.Background(), "bert", "", models.Options{NumLabels: 2, ConfigOverrides: tinyBERT, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func baseArgs(dir string) trainer.Args {
	return trainer.Args{
		OutputDir: dir, MaxSteps: 1, TrainBatchSize: 8, EvalBatchSize: 8, GradAccum: 1,
		LearningRate: 1e-2, AdamBeta1: 0.9, AdamBeta2: 0.999, AdamEpsilon: 1e-8, MaxGradNorm: 1,
		Scheduler: "constant", LoggingSteps: 1, EvalStrategy: "no", SaveStrategy: "no",
		Seed: 1, MaxSeqLength: 16, NumTrainEpochs: 1,
	}
}

func train(t *testing.T, args trainer.Args, d *data.Dataset) (models.Model, *trainer.Trainer) {
	t.Helper()
	m := tinyModel(t)
	tr, err := trainer.New(args, m, d, trainer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m, tr
}

// TestAccumulationMatchesOneBigBatch checks that the loss is normalised over the whole
// accumulation window: 7 rows as micro-batches of 4 and 3 (accumulation 2) give the same update
// as one batch of 7, although the two micro-batches hold different numbers of rows.
func TestAccumulationMatchesOneBigBatch(t *testing.T) {
	d := toyDataset(7)
	a := baseArgs(t.TempDir())
	a.TrainBatchSize = 7
	big, trBig := train(t, a, d)
	b := baseArgs(t.TempDir())
	b.TrainBatchSize, b.GradAccum = 4, 2
	acc, trAcc := train(t, b, d)
	if trAcc.State().GlobalStep != 1 || trBig.State().GlobalStep != 1 {
		t.Fatalf("steps %d and %d, want 1", trAcc.State().GlobalStep, trBig.State().GlobalStep)
	}
	lossBig := trBig.State().LogHistory[0].Values["loss"]
	lossAcc := trAcc.State().LogHistory[0].Values["loss"]
	if math.Abs(lossBig-lossAcc) > 1e-4 {
		t.Errorf("window loss %v with accumulation, %v in one batch", lossAcc, lossBig)
	}
	pb, pa := big.Params(), acc.Params()
	for i := range pb {
		for k := range pb[i].Data {
			if d := math.Abs(float64(pb[i].Data[k] - pa[i].Data[k])); d > 2e-6 {
				t.Fatalf("%s[%d]: %v with accumulation, %v in one batch", pb[i].Name, k, pa[i].Data[k], pb[i].Data[k])
			}
		}
	}
}

// TestTrainingLearnsAndLogs trains a few epochs on a learnable toy task and checks the run's
// bookkeeping: step count, evaluation, the JSONL log, the saved folder.
func TestTrainingLearnsAndLogs(t *testing.T) {
	dir := t.TempDir()
	d := toyDataset(64)
	args := baseArgs(dir)
	args.MaxSteps, args.NumTrainEpochs, args.TrainBatchSize = 0, 12, 16
	args.LoggingSteps, args.EvalStrategy, args.LearningRate = 4, "epoch", 5e-3
	args.Scheduler, args.WarmupRatio = "linear", 0.1
	m := tinyModel(t)
	tr, err := trainer.New(args, m, d, trainer.Options{Eval: d})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := tr.State()
	if st.GlobalStep != 48 || st.MaxSteps != 48 || st.Epoch != 12 {
		t.Errorf("global_step %d max_steps %d epoch %v, want 48 48 12", st.GlobalStep, st.MaxSteps, st.Epoch)
	}
	if acc := st.LastEvalMetrics["eval_accuracy"]; acc < 0.9 {
		t.Errorf("eval_accuracy %v after training on the evaluation set itself", acc)
	}
	f, err := os.Open(filepath.Join(dir, trainer.LogFileName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var trainLogs, evalLogs int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		if _, ok := e["loss"]; ok {
			trainLogs++
			for _, k := range []string{"grad_norm", "learning_rate", "epoch", "step", "samples_per_second"} {
				if _, ok := e[k]; !ok {
					t.Errorf("train log entry lacks %s: %v", k, e)
				}
			}
		}
		if _, ok := e["eval_accuracy"]; ok {
			evalLogs++
		}
	}
	if trainLogs != 12 || evalLogs != 12 {
		t.Errorf("%d train and %d eval log entries, want 12 and 12", trainLogs, evalLogs)
	}
	for _, name := range []string{"config.json", "model.safetensors"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("final model: %v", err)
		}
	}
}

func TestArgsValidate(t *testing.T) {
	a := baseArgs("")
	a.TrainBatchSize, a.EvalStrategy = 0, "sometimes"
	err := a.Validate()
	for _, want := range []string{"output_dir", "per_device_train_batch_size", "eval_strategy"} {
		if err == nil || !contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to name %s", err, want)
		}
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && (s[:len(sub)] == sub || contains(s[1:], sub)))
}
