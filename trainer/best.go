package trainer

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hftrain/hftrain/trainer/checkpoint"
)

// metricKey is metric_for_best_model as it appears in evaluation logs ("accuracy" -> "eval_accuracy").
func (a *Args) metricKey() string {
	if a.MetricForBestModel == "" || strings.HasPrefix(a.MetricForBestModel, "eval_") {
		return a.MetricForBestModel
	}
	return "eval_" + a.MetricForBestModel
}

// better says whether v improves on best by more than threshold in the configured direction.
func (a *Args) better(v, best, threshold float64) bool {
	if a.GreaterIsBetter {
		return v > best && math.Abs(v-best) > threshold
	}
	return v < best && math.Abs(v-best) > threshold
}

// afterEvaluate runs transformers' EarlyStoppingCallback.check_metric_value (against the best
// metric so far) and then Trainer._determine_best_metric, in that order, as the Trainer does.
func (t *Trainer) afterEvaluate(m Metrics) error {
	key := t.args.metricKey()
	if key == "" {
		return nil
	}
	v, ok := m[key]
	if !ok {
		return fmt.Errorf("trainer: metric_for_best_model %q is not among the evaluation metrics %v", key, sortedKeys(m))
	}
	if t.args.EarlyStoppingPatience > 0 {
		if t.state.BestMetric == nil || t.args.better(v, *t.state.BestMetric, t.args.EarlyStoppingThreshold) {
			t.state.EarlyStoppingCounter = 0
		} else {
			t.state.EarlyStoppingCounter++
		}
		if t.state.EarlyStoppingCounter >= t.args.EarlyStoppingPatience {
			t.log.Printf("early stopping: %s has not improved for %d evaluations", key, t.state.EarlyStoppingCounter)
			t.state.ShouldStop = true
		}
	}
	if t.state.BestMetric == nil || t.args.better(v, *t.state.BestMetric, 0) {
		best, step := v, t.state.GlobalStep
		t.state.BestMetric, t.state.BestGlobalStep = &best, &step
	}
	return nil
}

// afterCheckpoint records the checkpoint as the best one when its step holds the best metric, and
// applies save_total_limit (the best checkpoint is never deleted, so best_model_checkpoint always
// names a checkpoint that exists).
func (t *Trainer) afterCheckpoint(dir string) error {
	if t.state.BestGlobalStep != nil && *t.state.BestGlobalStep == t.state.GlobalStep {
		d := dir
		t.state.BestModelCheckpoint = &d
		// trainer_state.json inside the checkpoint was written before this was known; transformers
		// has the same order and so the same gap: the next checkpoint and the final state carry it.
	}
	if t.args.SaveTotalLimit <= 0 || !t.isMain() {
		return nil
	}
	best := ""
	if t.state.BestModelCheckpoint != nil {
		best = *t.state.BestModelCheckpoint
	}
	deleted, err := checkpoint.Rotate(t.args.OutputDir, t.args.SaveTotalLimit, best)
	if err != nil {
		return fmt.Errorf("trainer: save_total_limit: %w", err)
	}
	for _, d := range deleted {
		t.log.Printf("deleted %s (save_total_limit %d)", d, t.args.SaveTotalLimit)
	}
	return nil
}

// loadBest replaces the model with the best checkpoint's weights (load_best_model_at_end).
func (t *Trainer) loadBest(ctx context.Context) error {
	if !t.args.LoadBestModelAtEnd || t.state.BestModelCheckpoint == nil {
		return nil
	}
	dir := *t.state.BestModelCheckpoint
	if t.opts.Reload == nil {
		return fmt.Errorf("trainer: load_best_model_at_end needs Options.Reload")
	}
	// Rank 0 reads the checkpoint it wrote; the other ranks (which may not see its disk) get the
	// weights by broadcast.
	if t.isMain() {
		if err := checkpoint.Verify(dir); err != nil {
			return fmt.Errorf("trainer: load_best_model_at_end: %w", err)
		}
		m, err := t.opts.Reload(ctx, dir)
		if err != nil {
			return fmt.Errorf("trainer: load_best_model_at_end: %w", err)
		}
		t.log.Printf("loading best model from %s (%s %.4g at step %d)", filepath.Base(dir), t.args.metricKey(), *t.state.BestMetric, *t.state.BestGlobalStep)
		t.model = m
	}
	if err := t.broadcastParams(ctx); err != nil {
		return err
	}
	t.evals.lastStep = -1 // evaluate the loaded model
	return nil
}

func sortedKeys(m Metrics) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
