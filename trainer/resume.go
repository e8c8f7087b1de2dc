package trainer

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/hftrain/hftrain/trainer/checkpoint"
)

// Cursor is the data position of a run: the next micro-batch is Order(Epoch)[Next].
type Cursor struct {
	Epoch int `json:"epoch"`
	Next  int `json:"next_micro_batch"`
}

// Checkpoint file names beside the model folder's own files.
const (
	OptimizerFile    = "optimizer.safetensors"
	SchedulerFile    = "scheduler.json"
	RNGStateFile     = "rng_state.json"
	TrainerStateFile = "trainer_state.json"
	RunStateFile     = "hftrain_state.json"
)

// runStateVersion is hftrain_state.json's format_version.
const runStateVersion = 1

// runState is hftrain_state.json: what a resumed run needs beyond the Hugging Face files.
type runState struct {
	FormatVersion int    `json:"format_version"`
	Cursor        Cursor `json:"data_cursor"`
	SamplesSeen   int64  `json:"samples_seen"`
	Loss          struct {
		TrainLossSum float64 `json:"train_loss_sum"`
		LogLossSum   float64 `json:"log_loss_sum"`
		LogSteps     int     `json:"log_steps"`
		LogSamples   int     `json:"log_samples"`
		LogSeconds   float64 `json:"log_seconds"`
		LogLastNorm  float64 `json:"log_last_grad_norm"`
	} `json:"loss_accumulators"`
	WorldSize      int            `json:"world_size"`
	TrainBatchSize int            `json:"per_device_train_batch_size"`
	GradAccum      int            `json:"gradient_accumulation_steps"`
	Seed           uint64         `json:"data_seed"`
	Shuffle        bool           `json:"shuffle"`
	DropLast       bool           `json:"dataloader_drop_last"`
	MaxSeqLength   int            `json:"max_seq_length"`
	NumExamples    int            `json:"num_train_examples"`
	Config         map[string]any `json:"config,omitempty"`
}

// schedulerState is scheduler.json: the schedule is a pure function of the step, so this records
// its definition (checked on resume) and the step it has reached.
type schedulerState struct {
	Name        string  `json:"lr_scheduler_type"`
	BaseLR      float64 `json:"learning_rate"`
	WarmupSteps int     `json:"warmup_steps"`
	TotalSteps  int     `json:"max_steps"`
	LastStep    int     `json:"last_step"`
	LastLR      float64 `json:"last_lr"`
}

// rngState is rng_state.json: every random stream the run uses, per rank (as transformers saves
// rng_state_<rank>.pth for each process).
type rngState struct {
	Ranks []rankRNG `json:"ranks"`
}

// rankRNG is one rank's streams.
type rankRNG struct {
	Rank    int    `json:"rank"`
	Dropout string `json:"dropout"` // the model's dropout PCG state, base64
}

// rngModel is implemented by models whose dropout stream can be saved (models.Classifier).
type rngModel interface {
	RNGState() ([]byte, error)
	SetRNGState([]byte) error
}

// saveCheckpoint writes output_dir/checkpoint-<step>/ with everything a resume needs. Every rank
// calls it: the ranks' RNG states are gathered, rank 0 writes the folder, and its outcome is shared,
// so that no rank goes on past a checkpoint that is not complete and every rank reports a failure.
func (t *Trainer) saveCheckpoint(ctx context.Context, saveExtras func(string) error) (string, error) {
	rngs, err := t.gatherRNG(ctx)
	if err != nil {
		return "", err
	}
	var dir string
	if t.isMain() {
		dir, err = checkpoint.Save(ctx, t.args.OutputDir, t.state.GlobalStep, func(dir string) error {
			return t.writeCheckpointFiles(dir, saveExtras, rngs)
		}, checkpoint.Options{Fault: t.opts.Fault})
	}
	if t.group.Size() == 1 {
		return dir, err
	}
	return t.shareOutcome(ctx, "saving the checkpoint", dir, err)
}

// shareOutcome gives every rank rank 0's result (a path or an error): the all-gather is also the
// barrier that keeps the other ranks behind rank 0's work.
func (t *Trainer) shareOutcome(ctx context.Context, what, dir string, err error) (string, error) {
	msg := "ok:" + dir
	if err != nil {
		msg = "error:" + err.Error()
	}
	if !t.isMain() {
		msg = ""
	}
	all, gerr := t.group.AllGather(ctx, []byte(msg))
	if gerr != nil {
		return "", errors.Join(err, fmt.Errorf("%s: %w", what, gerr))
	}
	if err != nil {
		return "", err
	}
	if rest, ok := strings.CutPrefix(string(all[0]), "error:"); ok {
		return "", fmt.Errorf("%s: rank 0 failed: %s", what, rest)
	}
	return strings.TrimPrefix(string(all[0]), "ok:"), nil
}

// gatherRNG collects every rank's dropout stream state, by rank (empty for a model without one).
func (t *Trainer) gatherRNG(ctx context.Context) ([][]byte, error) {
	var mine []byte
	if m, ok := t.model.(rngModel); ok {
		b, err := m.RNGState()
		if err != nil {
			return nil, err
		}
		mine = b
	}
	all, err := t.group.AllGather(ctx, mine)
	if err != nil {
		return nil, fmt.Errorf("gathering the ranks' RNG states: %w", err)
	}
	return all, nil
}

// writeCheckpointFiles fills a checkpoint folder (rank 0 only).
func (t *Trainer) writeCheckpointFiles(dir string, saveExtras func(string) error, rngs [][]byte) error {
	if err := t.model.Save(dir); err != nil {
		return err
	}
	if saveExtras != nil {
		if err := saveExtras(dir); err != nil {
			return err
		}
	}
	st, err := t.opt.State()
	if err != nil {
		return err
	}
	if err := checkpoint.SaveOptimizer(filepath.Join(dir, OptimizerFile), st); err != nil {
		return err
	}
	if err := checkpoint.WriteJSON(filepath.Join(dir, SchedulerFile), schedulerState{
		Name: t.args.Scheduler, BaseLR: t.args.LearningRate, WarmupSteps: t.warmup, TotalSteps: t.state.MaxSteps,
		LastStep: t.state.GlobalStep, LastLR: t.sched.LR(t.state.GlobalStep),
	}); err != nil {
		return err
	}
	var rs rngState
	if _, ok := t.model.(rngModel); ok {
		for r, b := range rngs {
			rs.Ranks = append(rs.Ranks, rankRNG{Rank: r, Dropout: base64.StdEncoding.EncodeToString(b)})
		}
	}
	if err := checkpoint.WriteJSON(filepath.Join(dir, RNGStateFile), rs); err != nil {
		return err
	}
	if err := checkpoint.WriteTrainerState(filepath.Join(dir, TrainerStateFile), t.trainerState()); err != nil {
		return err
	}
	return checkpoint.WriteJSON(filepath.Join(dir, RunStateFile), t.runState())
}

func (t *Trainer) runState() runState {
	rs := runState{
		FormatVersion: runStateVersion, Cursor: t.cursor, SamplesSeen: t.state.SamplesSeen,
		WorldSize: t.group.Size(), TrainBatchSize: t.args.TrainBatchSize, GradAccum: t.args.GradAccum,
		Seed: t.args.Seed, Shuffle: t.args.Shuffle, DropLast: t.args.DropLast,
		MaxSeqLength: t.args.MaxSeqLength, NumExamples: t.numTrain, Config: t.opts.RunConfig,
	}
	rs.Loss.TrainLossSum = t.state.TrainLossSum
	rs.Loss.LogLossSum, rs.Loss.LogSteps = t.logs.lossSum, t.logs.steps
	rs.Loss.LogSamples, rs.Loss.LogSeconds, rs.Loss.LogLastNorm = t.logs.samples, t.logs.seconds, t.logs.lastNorm
	return rs
}

// trainerState renders the run in transformers' TrainerState schema.
func (t *Trainer) trainerState() *checkpoint.TrainerState {
	hist := make([]map[string]any, 0, len(t.state.LogHistory))
	for _, e := range t.state.LogHistory {
		m := map[string]any{"epoch": e.Epoch, "step": e.Step}
		for k, v := range e.Values {
			m[k] = v // NaN and Infinity are written as Python's json module writes them
		}
		hist = append(hist, m)
	}
	epoch := t.state.Epoch
	evalSteps := t.args.EvalSteps
	if evalSteps == 0 {
		evalSteps = t.args.LoggingSteps
	}
	callbacks := map[string]any{"TrainerControl": map[string]any{"args": map[string]any{
		"should_training_stop": t.state.ShouldStop, "should_epoch_stop": false, "should_save": true,
		"should_evaluate": false, "should_log": false}, "attributes": map[string]any{}}}
	if t.args.EarlyStoppingPatience > 0 {
		callbacks["EarlyStoppingCallback"] = map[string]any{
			"args": map[string]any{"early_stopping_patience": t.args.EarlyStoppingPatience,
				"early_stopping_threshold": t.args.EarlyStoppingThreshold},
			"attributes": map[string]any{"early_stopping_patience_counter": t.state.EarlyStoppingCounter},
		}
	}
	return &checkpoint.TrainerState{
		BestMetric: t.state.BestMetric, BestGlobalStep: t.state.BestGlobalStep,
		BestModelCheckpoint: t.state.BestModelCheckpoint, StatefulCallbacks: callbacks,
		Epoch: &epoch, GlobalStep: t.state.GlobalStep, MaxSteps: t.state.MaxSteps,
		LoggingSteps: t.args.LoggingSteps, EvalSteps: evalSteps, SaveSteps: t.args.SaveSteps,
		TrainBatchSize: intPtr(t.args.TrainBatchSize), NumTrainEpochs: t.state.NumTrainEpochs,
		LogHistory: hist, IsLocalProcessZero: true, IsWorldProcessZero: true,
	}
}

func intPtr(v int) *int { return &v }

// restore continues from a verified checkpoint: optimizer, schedule check, RNG streams, data
// cursor, loss accumulators and log history. The caller loaded the model weights from dir.
// A changed batch size, accumulation, world size, seed or dataset is refused: the saved data
// position would no longer name the same rows.
func (t *Trainer) restore(dir string) error {
	var rs runState
	if err := checkpoint.ReadJSON(filepath.Join(dir, RunStateFile), &rs); err != nil {
		return fmt.Errorf("trainer: resume: %w", err)
	}
	if rs.FormatVersion != runStateVersion {
		return fmt.Errorf("trainer: resume: %s: format_version %d, this hftrain reads %d", RunStateFile, rs.FormatVersion, runStateVersion)
	}
	for _, c := range []struct {
		name       string
		saved, now any
	}{
		{"per_device_train_batch_size", rs.TrainBatchSize, t.args.TrainBatchSize},
		{"gradient_accumulation_steps", rs.GradAccum, t.args.GradAccum},
		{"world size (number of processes)", rs.WorldSize, t.group.Size()},
		{"seed (data order)", rs.Seed, t.args.Seed},
		{"shuffle", rs.Shuffle, t.args.Shuffle},
		{"dataloader_drop_last", rs.DropLast, t.args.DropLast},
		{"max_seq_length", rs.MaxSeqLength, t.args.MaxSeqLength},
		{"number of training rows", rs.NumExamples, t.numTrain},
	} {
		if c.saved != c.now {
			return fmt.Errorf("trainer: resume from %s: %s was %v and is now %v; the saved data position would name other rows: resume with the same setting or start a new run", dir, c.name, c.saved, c.now)
		}
	}
	var ss schedulerState
	if err := checkpoint.ReadJSON(filepath.Join(dir, SchedulerFile), &ss); err != nil {
		return fmt.Errorf("trainer: resume: %w", err)
	}
	if ss.Name != t.args.Scheduler || ss.BaseLR != t.args.LearningRate || ss.WarmupSteps != t.warmup || ss.TotalSteps != t.state.MaxSteps {
		t.log.Printf("note: the learning-rate schedule differs from the checkpoint's (%s, lr %g, warmup %d, %d steps); continuing with the new one",
			ss.Name, ss.BaseLR, ss.WarmupSteps, ss.TotalSteps)
	}
	st, err := checkpoint.LoadOptimizer(filepath.Join(dir, OptimizerFile))
	if err != nil {
		return fmt.Errorf("trainer: resume: %w", err)
	}
	if err := t.opt.LoadState(st); err != nil {
		return fmt.Errorf("trainer: resume: %s: %w", OptimizerFile, err)
	}
	var rng rngState
	if err := checkpoint.ReadJSON(filepath.Join(dir, RNGStateFile), &rng); err != nil {
		return fmt.Errorf("trainer: resume: %w", err)
	}
	if m, ok := t.model.(rngModel); ok {
		r := t.group.Rank()
		if r >= len(rng.Ranks) || rng.Ranks[r].Rank != r {
			return fmt.Errorf("trainer: resume: %s has no state for rank %d", RNGStateFile, r)
		}
		b, err := base64.StdEncoding.DecodeString(rng.Ranks[r].Dropout)
		if err == nil {
			err = m.SetRNGState(b)
		}
		if err != nil {
			return fmt.Errorf("trainer: resume: %s: %w", RNGStateFile, err)
		}
	}
	ts, err := checkpoint.ReadTrainerState(filepath.Join(dir, TrainerStateFile))
	if err != nil {
		return fmt.Errorf("trainer: resume: %w", err)
	}
	t.state.GlobalStep = ts.GlobalStep
	if ts.Epoch != nil {
		t.state.Epoch = *ts.Epoch
	}
	t.state.LogHistory = t.state.LogHistory[:0]
	for _, m := range ts.LogHistory {
		e := LogEntry{Values: map[string]float64{}}
		for k, v := range m {
			f, isNum := number(v)
			switch {
			case k == "epoch":
				e.Epoch = f
			case k == "step":
				e.Step = int(f)
			case isNum:
				e.Values[k] = f
			case v == nil:
				e.Values[k] = math.NaN()
			}
		}
		t.state.LogHistory = append(t.state.LogHistory, e)
		if err := t.log.record(e); err != nil {
			return err
		}
	}
	t.state.BestMetric, t.state.BestGlobalStep, t.state.BestModelCheckpoint = ts.BestMetric, ts.BestGlobalStep, ts.BestModelCheckpoint
	if es, ok := ts.StatefulCallbacks["EarlyStoppingCallback"].(map[string]any); ok {
		if attrs, ok := es["attributes"].(map[string]any); ok {
			c, _ := number(attrs["early_stopping_patience_counter"])
			t.state.EarlyStoppingCounter = int(c)
		}
	}
	t.cursor = rs.Cursor
	t.state.SamplesSeen = rs.SamplesSeen
	t.state.TrainLossSum = rs.Loss.TrainLossSum
	t.logs.lossSum, t.logs.steps = rs.Loss.LogLossSum, rs.Loss.LogSteps
	t.logs.samples, t.logs.seconds, t.logs.lastNorm = rs.Loss.LogSamples, rs.Loss.LogSeconds, rs.Loss.LogLastNorm
	t.log.Printf("resumed from %s: step %d of %d, epoch %d, micro-batch %d", dir, t.state.GlobalStep, t.state.MaxSteps, t.cursor.Epoch, t.cursor.Next)
	return nil
}

// ErrInterrupted is returned (wrapped) by Train when a signal or cancellation stopped the run after
// saving a checkpoint.
var ErrInterrupted = errors.New("training interrupted")

// interrupted saves a checkpoint at the current step and explains how to resume.
func (t *Trainer) interrupted(ctx context.Context, cause error) error {
	if t.state.GlobalStep == 0 {
		return fmt.Errorf("trainer: %w before the first step (%v); nothing to save", ErrInterrupted, cause)
	}
	start := time.Now()
	dir, err := t.saveCheckpoint(ctx, t.opts.SaveExtras)
	if err != nil {
		return fmt.Errorf("trainer: %w at step %d, and saving a checkpoint failed: %v", ErrInterrupted, t.state.GlobalStep, err)
	}
	t.log.Printf("saved checkpoint %s in %.1fs", dir, time.Since(start).Seconds())
	return fmt.Errorf("trainer: %w at step %d (%v); checkpoint saved to %s; continue with: hftrain train --config <same config> --resume latest (or resume_from_checkpoint: %s)",
		ErrInterrupted, t.state.GlobalStep, cause, dir, dir)
}

// number reads a JSON number as ReadTrainerState returns it (json.Number) or as float64/int.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}
