package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hftrain/hftrain/config"
	"github.com/hftrain/hftrain/trainer"
	"github.com/hftrain/hftrain/trainer/hubpush"
	"github.com/hftrain/hftrain/trainer/modelcard"
)

// startPush creates (or finds) the Hub repo before training, as transformers' init_hf_repo
// does, so that a bad token or repo name fails before hours of training, and returns the pusher
// that uploads snapshots in the background; nil when push_to_hub is off.
func startPush(ctx context.Context, cfg *config.Config, logf func(string, ...any)) (*hubpush.Pusher, error) {
	t := cfg.Training
	if !t.PushToHub {
		return nil, nil
	}
	p, err := hubpush.New(ctx, hubpush.Options{
		Client: hubClient(cfg, true), RepoID: t.HubModelID,
		Private: t.HubPrivateRepo != nil && *t.HubPrivateRepo, Strategy: t.HubStrategy,
		Revision: t.HubRevision, OutputDir: t.OutputDir, SaveByEpoch: t.SaveStrategy == config.StrategyEpoch,
		Logf: logf,
	})
	if err != nil {
		return nil, fmt.Errorf("push_to_hub: %w", err)
	}
	logf("push_to_hub: %s (hub_strategy %s)", p.URL(), t.HubStrategy)
	return p, nil
}

// finishPush waits for the background pushes and uploads the final output_dir ("End of
// training"). A failure leaves the folder as it is and says how to push it by hand.
func finishPush(ctx context.Context, p *hubpush.Pusher, outputDir string, logf func(string, ...any)) error {
	commit, err := p.Finish(ctx, "End of training")
	var pe *hubpush.PushError
	if errors.As(err, &pe) {
		return fmt.Errorf("push_to_hub: %w\n%s", err, pe.Hint())
	}
	if err != nil {
		return fmt.Errorf("push_to_hub: the final push to %s: %w (the trained model in %s is complete)", p.RepoID(), err, outputDir)
	}
	logf("push_to_hub: %s (commit %s)", p.URL(), commit)
	return nil
}

// writeModelCard writes output_dir/README.md as the example scripts' create_model_card does:
// metadata (base model, datasets, model-index with the final metrics), hyperparameters, the
// results table and the loss plot. It holds no token: only redacted settings go in.
func writeModelCard(cfg *config.Config, st *trainer.State, modelName string, datasets []string, evalSplit string) error {
	m, d, t := cfg.Model, cfg.Data, cfg.Training
	card := &modelcard.Card{
		ModelName: modelName,
		Datasets:  datasets,
		Task:      modelcard.Task{Type: "text-classification", Name: "Text Classification"},
	}
	if m.ModelNameOrPath != "" && !isDir(m.ModelNameOrPath) {
		card.BaseModel = m.ModelNameOrPath
	}
	if d.DatasetName != "" {
		card.DatasetConfig, card.DatasetSplit = d.DatasetConfigName, evalSplit
	}
	card.Hyperparameters = modelcard.Hyperparameters(modelcard.TrainingArgs{
		LearningRate: t.LearningRate, TrainBatchSize: t.PerDeviceTrainBatchSize, EvalBatchSize: t.PerDeviceEvalBatchSize,
		Seed: uint64(t.Seed), WorldSize: 1, GradAccum: t.GradientAccumulationSteps, Optim: t.Optim,
		AdamBeta1: t.AdamBeta1, AdamBeta2: t.AdamBeta2, AdamEpsilon: t.AdamEpsilon, Scheduler: t.LRSchedulerType,
		WarmupRatio: t.WarmupRatio, WarmupSteps: t.WarmupSteps, MaxSteps: t.MaxSteps, NumTrainEpochs: t.NumTrainEpochs,
	})
	card.EvalResults = map[string]float64{}
	for k, v := range st.LastEvalMetrics {
		card.EvalResults[k] = v
	}
	for _, e := range st.LogHistory {
		row := map[string]float64{"epoch": e.Epoch, "step": float64(e.Step)}
		for k, v := range e.Values {
			row[k] = v
		}
		card.LogHistory = append(card.LogHistory, row)
	}
	if _, err := os.Stat(filepath.Join(t.OutputDir, trainer.PlotFileName)); err == nil {
		card.PlotFile = trainer.PlotFileName
	}
	card.Versions = modelcard.DefaultVersions(version())
	if err := modelcard.Write(t.OutputDir, card); err != nil {
		return fmt.Errorf("model card: %w", err)
	}
	return nil
}
