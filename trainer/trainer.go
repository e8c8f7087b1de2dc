package trainer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/hftrain/hftrain/data"
	"github.com/hftrain/hftrain/distributed"
	"github.com/hftrain/hftrain/models"
	"github.com/hftrain/hftrain/optim"
	"github.com/hftrain/hftrain/trainer/tensorboard"
)

// Trainer fine-tunes one model on one dataset. Create it with New and run Train.
type Trainer struct {
	args     Args
	model    models.Model
	train    *data.Batcher
	numTrain int
	eval     *data.Batcher
	evalDS   *data.Dataset
	info     models.Info
	hooks    []Hook
	log      *Logger
	logs     *logHook // the loss accumulators a checkpoint saves
	evals    *evalHook
	tb       *tensorboard.Writer // nil unless report_to tensorboard

	params []optim.Param
	opt    optim.Optimizer
	sched  optim.Schedule
	warmup int

	state  State
	cursor Cursor // where the next micro-batch comes from
	opts   Options

	group  distributed.Group // the data-parallel ranks (Single when alone)
	bucket []float32         // gradients + loss packed for the all-reduce
}

// State is the progress of a run, in the terms of Hugging Face's TrainerState.
type State struct {
	GlobalStep      int        // optimizer updates done
	MaxSteps        int        // updates planned
	Epoch           float64    // fractional epoch
	StepsPerEpoch   int        // updates per epoch
	NumTrainEpochs  int        // epochs the loop will visit
	LogHistory      []LogEntry // every entry logged, in order
	ShouldStop      bool       // set by a hook to end training after the current step
	SamplesSeen     int64      // training rows consumed
	TrainLossSum    float64    // sum of step losses, for train_loss at the end
	LastEvalMetrics Metrics    // metrics of the last evaluation, "eval_" prefixed
	// BestMetric, BestGlobalStep and BestModelCheckpoint track metric_for_best_model as
	// transformers' TrainerState does; nil until known.
	BestMetric          *float64
	BestGlobalStep      *int
	BestModelCheckpoint *string
	// EarlyStoppingCounter is EarlyStoppingCallback's early_stopping_patience_counter.
	EarlyStoppingCounter int
}

// Options are the parts of a Trainer that are not TrainingArguments.
type Options struct {
	// Eval is the validation set; nil disables evaluation.
	Eval *data.Dataset
	// Out receives the progress display and log lines (os.Stderr in the CLI); nil discards them.
	Out io.Writer
	// SaveExtras writes what the model does not own (tokenizer files) into a saved model folder.
	SaveExtras func(dir string) error
	// Hooks run after the built-in ones (logging, evaluation, checkpoints, progress).
	Hooks []Hook
	// Resume is a verified checkpoint directory to continue from (model weights already loaded
	// from it by the caller); "" starts a new run.
	Resume string
	// RunConfig is the resolved configuration (secrets redacted), recorded in each checkpoint.
	RunConfig map[string]any
	// Fault is called at each stage of a checkpoint write (fault-injection tests); nil in real runs.
	Fault func(stage string)
	// TensorBoardDir receives TensorBoard event files (report_to tensorboard); "" writes none.
	TensorBoardDir string
	// Reload loads a model from a checkpoint folder (load_best_model_at_end).
	Reload func(ctx context.Context, dir string) (models.Model, error)
	// OnCheckpoint is called right after each checkpoint folder is complete and before
	// save_total_limit rotation may delete older ones (push_to_hub takes its snapshot here).
	// An error stops training, so it must only report local failures.
	OnCheckpoint func(ctx context.Context, dir string, step int, epoch float64) error
	// Group is the data-parallel group this process trains in; nil trains alone. Every rank
	// calls New and Train with the same arguments and data; rank 0 alone writes output_dir
	// (log file, TensorBoard, checkpoints, final model) and the terminal, and calls OnCheckpoint.
	Group distributed.Group
}

// New prepares a run: batches, optimizer with Hugging Face's parameter groups, LR schedule.
func New(args Args, m models.Model, train *data.Dataset, o Options) (*Trainer, error) {
	if err := args.Validate(); err != nil {
		return nil, err
	}
	if train == nil || len(train.Examples) == 0 {
		return nil, errors.New("trainer: the training set is empty")
	}
	group := o.Group
	if group == nil {
		group = distributed.Single()
	}
	buckets := data.DefaultBuckets(args.MaxSeqLength)
	// The batcher cuts global batches (every rank's rows of one micro-step); shard picks ours.
	tb, err := data.NewBatcher(train, data.BatchOptions{
		BatchSize: args.TrainBatchSize * group.Size(), Shuffle: args.Shuffle, Seed: args.Seed,
		PadID: args.PadID, Buckets: buckets, DropLast: args.DropLast,
	})
	if err != nil {
		return nil, fmt.Errorf("trainer: training batches: %w", err)
	}
	t := &Trainer{args: args, model: m, train: tb, numTrain: len(train.Examples), info: m.Info(), evalDS: o.Eval, group: group}
	if o.Eval != nil && len(o.Eval.Examples) > 0 {
		t.eval, err = data.NewBatcher(o.Eval, data.BatchOptions{
			BatchSize: args.EvalBatchSize, PadID: args.PadID, Buckets: buckets,
		})
		if err != nil {
			return nil, fmt.Errorf("trainer: evaluation batches: %w", err)
		}
	}
	for _, p := range m.Params() {
		t.params = append(t.params, optim.Param{Name: p.Name, Data: p.Data, Grad: p.Grad, NoDecay: p.NoDecay})
	}
	switch args.Optim {
	case "", "adamw_torch", "adamw_hf", "adamw_torch_fused":
		t.opt = optim.NewAdamW(optim.AdamWConfig{Beta1: args.AdamBeta1, Beta2: args.AdamBeta2, Eps: args.AdamEpsilon, WeightDecay: args.WeightDecay})
	case "sgd":
		t.opt = optim.NewSGD(optim.SGDConfig{WeightDecay: args.WeightDecay})
	default:
		return nil, fmt.Errorf("trainer: optim %q is not supported (adamw_torch, sgd)", args.Optim)
	}
	t.state.StepsPerEpoch = (tb.NumBatches() + args.GradAccum - 1) / args.GradAccum
	if t.state.StepsPerEpoch == 0 {
		return nil, errors.New("trainer: no full batch in the training set (dataloader_drop_last with fewer rows than a batch)")
	}
	if args.MaxSteps > 0 {
		t.state.MaxSteps = args.MaxSteps
	} else {
		t.state.MaxSteps = int(math.Ceil(args.NumTrainEpochs * float64(t.state.StepsPerEpoch)))
	}
	t.state.NumTrainEpochs = (t.state.MaxSteps + t.state.StepsPerEpoch - 1) / t.state.StepsPerEpoch
	t.warmup = optim.WarmupSteps(args.WarmupSteps, args.WarmupRatio, t.state.MaxSteps)
	t.sched, err = optim.NewSchedule(args.Scheduler, args.LearningRate, t.warmup, t.state.MaxSteps, optim.ScheduleOptions{})
	if err != nil {
		return nil, fmt.Errorf("trainer: lr_scheduler_type: %w", err)
	}
	if t.isMain() {
		t.log, err = NewLogger(args.OutputDir, o.Out)
		if err != nil {
			return nil, err
		}
	} else {
		t.log = NewConsoleLogger(nil)
	}
	if o.TensorBoardDir != "" && t.isMain() {
		if t.tb, err = tensorboard.NewWriter(o.TensorBoardDir); err != nil {
			t.log.Close()
			return nil, fmt.Errorf("trainer: %w", err)
		}
	}
	t.opts = o
	t.logs, t.evals = &logHook{}, &evalHook{}
	t.hooks = append(t.hooks, t.logs, t.evals, &checkpointHook{saveExtras: o.SaveExtras})
	t.hooks = append(t.hooks, o.Hooks...)
	if o.Resume != "" {
		if err := t.restore(o.Resume); err != nil {
			t.log.Close()
			return nil, err
		}
	}
	return t, nil
}

// State returns the run's progress so far.
func (t *Trainer) State() *State { return &t.state }

// Args returns the arguments the run uses.
func (t *Trainer) Args() Args { return t.args }

// Model returns the model being trained.
func (t *Trainer) Model() models.Model { return t.model }

// Log records one entry (with epoch and step added) in the history, the JSONL file and the terminal.
func (t *Trainer) Log(values map[string]float64) error {
	e := LogEntry{Values: values, Epoch: round4(t.state.Epoch), Step: t.state.GlobalStep}
	t.state.LogHistory = append(t.state.LogHistory, e)
	if t.tb != nil {
		if err := writeTensorBoard(t.tb, e); err != nil {
			return err
		}
	}
	return t.log.Write(e)
}

// Train runs the loop until max steps, the end of the last epoch, cancellation, or a hook's stop.
// It evaluates and saves as the arguments say and writes the final model to output_dir.
func (t *Trainer) Train(ctx context.Context) (err error) {
	defer func() {
		if cerr := t.log.Close(); err == nil {
			err = cerr
		}
		if t.tb != nil {
			if cerr := t.tb.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("trainer: tensorboard: %w", cerr)
			}
		}
	}()
	t.log.Printf("training %s (%s): %d examples, %d epochs, %d optimizer steps (batch %d x accumulation %d%s)",
		t.info.Architecture, t.info.ProblemType, t.numTrain, t.state.NumTrainEpochs, t.state.MaxSteps,
		t.args.TrainBatchSize, t.args.GradAccum, worldNote(t.group.Size()))
	// DistributedDataParallel's first act: every rank starts from rank 0's weights.
	if err := t.broadcastParams(ctx); err != nil {
		return err
	}
	start := time.Now()
	progress := newProgress(t.log, t.state.MaxSteps, !t.args.DisableProgress)
	// Hooks (evaluation, checkpoints) of an update finish even when a signal arrives meanwhile;
	// the loop checks ctx before the next update and saves a checkpoint there.
	hctx := context.WithoutCancel(ctx)
	for epoch := t.cursor.Epoch; t.state.GlobalStep < t.state.MaxSteps && !t.state.ShouldStop; epoch++ {
		// The order of an epoch is a pure function of (seed, epoch), so a resumed run starts at
		// its micro-batch without replaying anything before it.
		order := t.train.Order(epoch)
		epochFirst := order[0] // the rows that pad a short last batch, as DistributedSampler repeats
		first := 0
		if epoch == t.cursor.Epoch {
			first = t.cursor.Next
		}
		for i := first; i < len(order) && t.state.GlobalStep < t.state.MaxSteps; i += t.args.GradAccum {
			// Alone, a signal stops the run before the next update. In a group the ranks must agree
			// on the step they stop at: each one's flag travels with the gradients (step), and all
			// stop after the update in which any rank saw it.
			if err := ctx.Err(); err != nil && t.group.Size() == 1 {
				return t.interrupted(hctx, err)
			}
			window := make([]data.Batch, 0, t.args.GradAccum)
			rows := 0 // of every rank, padding included
			for _, idx := range order[i:min(i+t.args.GradAccum, len(order))] {
				mine, global := t.shard(idx, epochFirst)
				window = append(window, t.train.Collate(mine))
				rows += global
			}
			// A signal arriving during the step lets it finish: ctx is checked between steps.
			res, err := t.step(hctx, window, rows, ctx.Err() != nil && t.group.Size() > 1)
			if err != nil {
				return fmt.Errorf("trainer: step %d: %w", t.state.GlobalStep+1, err)
			}
			t.state.GlobalStep++
			t.state.SamplesSeen += int64(res.Samples)
			t.state.TrainLossSum += res.Loss
			t.state.Epoch = float64(epoch) + float64(i/t.args.GradAccum+1)/float64(t.state.StepsPerEpoch)
			t.cursor = Cursor{Epoch: epoch, Next: min(i+t.args.GradAccum, len(order))}
			progress.update(t.state.GlobalStep, res.Loss)
			for _, h := range t.hooks {
				if err := h.AfterStep(hctx, t, res); err != nil {
					return err
				}
			}
			if res.stop {
				cause := ctx.Err()
				if cause == nil {
					cause = errors.New("another rank was interrupted")
				}
				return t.interrupted(hctx, cause)
			}
			if t.state.ShouldStop {
				break
			}
		}
		t.cursor = Cursor{Epoch: epoch + 1}
		for _, h := range t.hooks {
			if err := h.AfterEpoch(hctx, t, epoch); err != nil {
				return err
			}
		}
	}
	progress.done()
	runtime := time.Since(start).Seconds()
	steps := max(t.state.GlobalStep, 1)
	if err := t.Log(map[string]float64{
		"train_runtime":            round4(runtime),
		"train_samples_per_second": round3(float64(t.state.SamplesSeen) / runtime),
		"train_steps_per_second":   round3(float64(t.state.GlobalStep) / runtime),
		"train_loss":               t.state.TrainLossSum / float64(steps),
	}); err != nil {
		return err
	}
	if err := t.loadBest(ctx); err != nil {
		return err
	}
	for _, h := range t.hooks {
		if err := h.AfterTrain(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

// StepResult describes one optimizer update.
type StepResult struct {
	Loss     float64 // mean loss over the accumulation window
	GradNorm float64 // global gradient norm before clipping
	LR       float64 // learning rate used for the update
	Samples  int     // rows in the window, on every rank together
	Duration time.Duration

	stop bool // a rank of the group was interrupted during this update
}

// step is one optimizer update: set LR, run each micro-batch forward and backward with its share
// of the window's loss, sum the gradients over the ranks once, clip, update, zero. n is the number
// of rows in the window on all ranks together; stop says this rank has been asked to stop.
func (t *Trainer) step(ctx context.Context, window []data.Batch, n int, stop bool) (StepResult, error) {
	start := time.Now()
	lr := t.sched.LR(t.state.GlobalStep)
	// The loss is the mean over every row of the window on every rank, so micro-batch i contributes
	// size_i/n of its own mean (uneven last batches weigh what they hold) and the ranks' sums add up
	// to the gradient of that mean.
	var loss float64
	for _, b := range window {
		scale := float64(b.Size) / float64(n)
		out, err := t.model.ForwardBackward(ctx, modelBatch(b), float32(scale))
		if err != nil {
			return StepResult{}, err
		}
		loss += float64(out.Loss) * scale
	}
	loss, stop, err := t.syncGrads(ctx, loss, stop)
	if err != nil {
		return StepResult{}, err
	}
	norm := optim.ClipGradNorm(t.params, t.args.MaxGradNorm)
	if err := t.opt.Step(t.params, lr); err != nil {
		return StepResult{}, fmt.Errorf("optimizer: %w", err)
	}
	for _, p := range t.params {
		clear(p.Grad)
	}
	return StepResult{Loss: loss, GradNorm: norm, LR: lr, Samples: n, Duration: time.Since(start), stop: stop}, nil
}

// Evaluate runs the validation set and returns "eval_"-prefixed metrics, loss included.
func (t *Trainer) Evaluate(ctx context.Context) (Metrics, error) {
	if t.eval == nil {
		return nil, errors.New("trainer: no validation set")
	}
	start := time.Now()
	m, err := evaluate(ctx, t.model, t.eval, t.evalDS, t.group)
	if err != nil {
		return nil, err
	}
	secs := time.Since(start).Seconds()
	out := Metrics{}
	for k, v := range m {
		out["eval_"+k] = v
	}
	out["eval_runtime"] = round4(secs)
	out["eval_samples_per_second"] = round3(float64(len(t.evalDS.Examples)) / secs)
	out["eval_steps_per_second"] = round3(float64(t.eval.NumBatches()) / secs)
	return out, nil
}

// Evaluate runs a model over every batch of b (epoch 0, unshuffled) and scores it against ds.
func Evaluate(ctx context.Context, m models.Model, b *data.Batcher, ds *data.Dataset) (Metrics, error) {
	return evaluate(ctx, m, b, ds, distributed.Single())
}

// evaluate shards the batches over the ranks (batch k to rank k mod W), then sums the logits (each
// row is non-zero on one rank only, so the sum is exact) and the loss, so every rank scores the
// whole set and gets the same metrics.
func evaluate(ctx context.Context, m models.Model, b *data.Batcher, ds *data.Dataset, g distributed.Group) (Metrics, error) {
	info := m.Info()
	n := len(ds.Examples)
	logits := make([]float32, n*info.NumLabels)
	var lossSum float64
	for k, idx := range b.Order(0) {
		if k%g.Size() != g.Rank() {
			continue
		}
		batch := b.Collate(idx)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("trainer: evaluation: %w", err)
		}
		out, err := m.Forward(ctx, modelBatch(batch))
		if err != nil {
			return nil, fmt.Errorf("trainer: evaluation: %w", err)
		}
		lossSum += float64(out.Loss) * float64(batch.Size)
		for r, idx := range batch.Indices {
			copy(logits[idx*info.NumLabels:(idx+1)*info.NumLabels], out.Logits[r*info.NumLabels:(r+1)*info.NumLabels])
		}
	}
	if g.Size() > 1 {
		if err := g.AllReduce(ctx, logits, distributed.Sum); err != nil {
			return nil, fmt.Errorf("trainer: evaluation: gathering the logits: %w", err)
		}
		var err error
		if lossSum, err = sumOverRanks(ctx, g, lossSum); err != nil {
			return nil, fmt.Errorf("trainer: evaluation: summing the loss: %w", err)
		}
	}
	labels := make([]int32, 0, n)
	var floats []float32
	for _, ex := range ds.Examples {
		labels = append(labels, ex.Label)
		floats = append(floats, ex.FloatLabels...)
	}
	met, err := ComputeMetrics(info.ProblemType, info.NumLabels, logits, labels, floats)
	if err != nil {
		return nil, fmt.Errorf("trainer: evaluation: %w", err)
	}
	met["loss"] = lossSum / float64(max(n, 1))
	return met, nil
}

func modelBatch(b data.Batch) *models.Batch {
	return &models.Batch{
		Size: b.Size, SeqLen: b.SeqLen,
		InputIDs: b.InputIDs, AttentionMask: b.AttentionMask, TokenTypeIDs: b.TokenTypeIDs,
		Labels: b.Labels, FloatLabels: b.FloatLabels,
	}
}

// worldNote describes the world size in the start line of a distributed run.
func worldNote(w int) string {
	if w == 1 {
		return ""
	}
	return fmt.Sprintf(" x %d processes", w)
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
func round3(x float64) float64 { return math.Round(x*1e3) / 1e3 }
