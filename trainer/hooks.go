package trainer

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Hook extends the training loop without touching it: logging, evaluation, checkpoints and
// progress are hooks, and callers add their own through Options.Hooks.
type Hook interface {
	// AfterStep runs after every optimizer update.
	AfterStep(ctx context.Context, t *Trainer, r StepResult) error
	// AfterEpoch runs when the loop leaves an epoch (also when it stops inside one).
	AfterEpoch(ctx context.Context, t *Trainer, epoch int) error
	// AfterTrain runs once when training ends normally.
	AfterTrain(ctx context.Context, t *Trainer) error
}

// NopHook implements Hook with methods that do nothing; embed it to implement only what you need.
type NopHook struct{}

// AfterStep does nothing.
func (NopHook) AfterStep(context.Context, *Trainer, StepResult) error { return nil }

// AfterEpoch does nothing.
func (NopHook) AfterEpoch(context.Context, *Trainer, int) error { return nil }

// AfterTrain does nothing.
func (NopHook) AfterTrain(context.Context, *Trainer) error { return nil }

// logHook averages the training loss over logging_steps updates and logs it with grad_norm,
// learning_rate and throughput, as Trainer._maybe_log_save_evaluate does.
type logHook struct {
	NopHook
	lossSum  float64
	steps    int
	samples  int
	seconds  float64
	lastNorm float64
}

func (h *logHook) AfterStep(_ context.Context, t *Trainer, r StepResult) error {
	h.lossSum += r.Loss
	h.steps++
	h.samples += r.Samples
	h.seconds += r.Duration.Seconds()
	h.lastNorm = r.GradNorm
	s := t.state.GlobalStep
	switch t.args.LoggingStrategy {
	case "no", "epoch":
		return nil
	}
	if s%t.args.LoggingSteps != 0 && !(s == 1 && t.args.LogFirstStep) && s != t.state.MaxSteps {
		return nil
	}
	return h.flush(t, r)
}

func (h *logHook) AfterEpoch(_ context.Context, t *Trainer, _ int) error {
	if t.args.LoggingStrategy != "epoch" || h.steps == 0 {
		return nil
	}
	return h.flush(t, StepResult{GradNorm: h.lastNorm})
}

func (h *logHook) flush(t *Trainer, r StepResult) error {
	s := t.state.GlobalStep
	entry := map[string]float64{
		"loss":               round4(h.lossSum / float64(h.steps)),
		"grad_norm":          r.GradNorm,
		"learning_rate":      t.sched.LR(s), // the rate the next update uses, as transformers logs it
		"samples_per_second": round3(float64(h.samples) / h.seconds),
	}
	*h = logHook{}
	return t.Log(entry)
}

// evalHook evaluates every eval_steps updates or at each epoch's end, as eval_strategy says,
// and always once at the end of training when there is a validation set.
type evalHook struct {
	NopHook
	lastStep int
}

func (h *evalHook) run(ctx context.Context, t *Trainer) error {
	if t.eval == nil || h.lastStep == t.state.GlobalStep {
		return nil
	}
	m, err := t.Evaluate(ctx)
	if err != nil {
		return err
	}
	h.lastStep = t.state.GlobalStep
	t.state.LastEvalMetrics = m
	if err := t.Log(m); err != nil {
		return err
	}
	return t.afterEvaluate(m)
}

func (h *evalHook) AfterStep(ctx context.Context, t *Trainer, _ StepResult) error {
	if t.args.EvalStrategy == "steps" && t.state.GlobalStep%t.args.EvalSteps == 0 {
		return h.run(ctx, t)
	}
	return nil
}

func (h *evalHook) AfterEpoch(ctx context.Context, t *Trainer, _ int) error {
	if t.args.EvalStrategy == "epoch" {
		return h.run(ctx, t)
	}
	return nil
}

func (h *evalHook) AfterTrain(ctx context.Context, t *Trainer) error { return h.run(ctx, t) }

// checkpointHook writes output_dir/checkpoint-<step>/ as save_strategy says, and the final model
// into output_dir at the end. Each checkpoint is a model folder transformers can load plus the
// optimizer, schedule, RNG, trainer_state.json and hftrain_state.json, written by package
// checkpoint (temporary directory, SHA-256 manifest, rename) so an interrupted save never looks
// complete.
type checkpointHook struct {
	NopHook
	saveExtras func(dir string) error
}

func (h *checkpointHook) AfterStep(ctx context.Context, t *Trainer, _ StepResult) error {
	if t.args.SaveStrategy == "steps" && t.state.GlobalStep%t.args.SaveSteps == 0 {
		return h.checkpoint(ctx, t)
	}
	return nil
}

func (h *checkpointHook) AfterEpoch(ctx context.Context, t *Trainer, _ int) error {
	if t.args.SaveStrategy == "epoch" {
		return h.checkpoint(ctx, t)
	}
	return nil
}

func (h *checkpointHook) checkpoint(ctx context.Context, t *Trainer) error {
	dir, err := t.saveCheckpoint(ctx, h.saveExtras)
	if err != nil {
		return fmt.Errorf("trainer: saving a checkpoint at step %d: %w", t.state.GlobalStep, err)
	}
	t.log.Printf("saved checkpoint %s", dir)
	if t.opts.OnCheckpoint != nil && t.isMain() {
		if err := t.opts.OnCheckpoint(ctx, dir, t.state.GlobalStep, t.state.Epoch); err != nil {
			return fmt.Errorf("trainer: after checkpoint %s: %w", dir, err)
		}
	}
	return t.afterCheckpoint(dir)
}

func (h *checkpointHook) AfterTrain(_ context.Context, t *Trainer) error {
	if !t.isMain() {
		return nil
	}
	if err := t.model.Save(t.args.OutputDir); err != nil {
		return fmt.Errorf("trainer: saving the final model to %s: %w", t.args.OutputDir, err)
	}
	if h.saveExtras != nil {
		if err := h.saveExtras(t.args.OutputDir); err != nil {
			return fmt.Errorf("trainer: saving tokenizer files to %s: %w", t.args.OutputDir, err)
		}
	}
	if err := writePlot(t.args.OutputDir, t.info.Architecture, t.state.LogHistory); err != nil {
		return fmt.Errorf("trainer: %w", err)
	}
	t.log.Printf("saved the fine-tuned model and %s to %s", PlotFileName, t.args.OutputDir)
	return nil
}

// formatValues prints a log entry's values in a stable order, as the Trainer prints its dicts.
func formatValues(v map[string]float64) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("'%s': %.4g", k, v[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
