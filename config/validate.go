package config

import (
	"errors"
	"fmt"
	"strings"
)

// Tasks, by transformers' pipeline names.
const (
	// TaskTextClassification is sequence classification, the one task
	// hftrain trains today.
	TaskTextClassification = "text-classification"
)

// Interval strategies, as transformers' IntervalStrategy.
const (
	// StrategyNo never logs, evaluates or saves.
	StrategyNo = "no"
	// StrategySteps acts every N update steps.
	StrategySteps = "steps"
	// StrategyEpoch acts at the end of every epoch.
	StrategyEpoch = "epoch"
)

// Optimizers hftrain implements.
const (
	// OptimAdamWTorch is AdamW as torch.optim.AdamW computes it.
	OptimAdamWTorch = "adamw_torch"
	// OptimSGD is plain stochastic gradient descent.
	OptimSGD = "sgd"
)

// choice is a set of accepted values for one key, with the names Hugging
// Face knows that hftrain does not implement yet, and aliases.
type choice struct {
	supported []string
	later     []string          // known to transformers, not implemented
	aliases   map[string]string // accepted, normalised by Load
}

func taskChoice() choice {
	return choice{
		supported: []string{TaskTextClassification},
		later:     []string{"token-classification", "question-answering", "fill-mask", "text-generation", "text2text-generation"},
	}
}

func strategyChoice(later ...string) choice {
	return choice{supported: []string{StrategyNo, StrategySteps, StrategyEpoch}, later: later}
}

func optimChoice() choice {
	return choice{
		supported: []string{OptimAdamWTorch, OptimSGD},
		aliases:   map[string]string{"adamw_hf": OptimAdamWTorch, "adamw_torch_fused": OptimAdamWTorch},
		later: []string{"adamw_torch_xla", "adamw_torch_npu_fused", "adamw_apex_fused", "adafactor",
			"adamw_anyprecision", "adamw_torch_4bit", "adamw_torch_8bit", "ademamix", "adagrad", "adamw_bnb_8bit",
			"adamw_8bit", "ademamix_8bit", "lion_8bit", "lion_32bit", "paged_adamw_32bit", "paged_adamw_8bit",
			"paged_ademamix_32bit", "paged_ademamix_8bit", "paged_lion_32bit", "paged_lion_8bit", "rmsprop",
			"rmsprop_bnb", "rmsprop_bnb_8bit", "rmsprop_bnb_32bit", "galore_adamw", "galore_adamw_8bit",
			"galore_adafactor", "galore_adamw_layerwise", "galore_adamw_8bit_layerwise",
			"galore_adafactor_layerwise", "lomo", "adalomo", "grokadamw", "schedule_free_radam",
			"schedule_free_adamw", "schedule_free_sgd", "apollo_adamw", "apollo_adamw_layerwise", "stable_adamw"},
	}
}

func schedulerChoice() choice {
	return choice{
		supported: []string{"linear", "cosine", "cosine_with_restarts", "polynomial", "constant",
			"constant_with_warmup", "inverse_sqrt"},
		later: []string{"reduce_lr_on_plateau", "cosine_with_min_lr", "cosine_warmup_with_min_lr", "warmup_stable_decay"},
	}
}

// Hub push strategies, as transformers' HubStrategy.
const (
	// HubEnd pushes once, at the end of training.
	HubEnd = "end"
	// HubEverySave pushes the model at every checkpoint save (transformers' default).
	HubEverySave = "every_save"
	// HubCheckpoint also pushes the latest checkpoint to last-checkpoint/, for resuming.
	HubCheckpoint = "checkpoint"
	// HubAllCheckpoints also pushes every checkpoint under its own folder.
	HubAllCheckpoints = "all_checkpoints"
)

func hubStrategyChoice() choice {
	return choice{supported: []string{HubEnd, HubEverySave, HubCheckpoint, HubAllCheckpoints}}
}

func reportChoice() choice {
	// "all" means every integration hftrain has: TensorBoard event files.
	return choice{
		supported: []string{"none", "all", "tensorboard"},
		later: []string{"wandb", "mlflow", "comet_ml", "clearml", "trackio", "swanlab",
			"dagshub", "dvclive", "flyte", "neptune", "codecarbon", "azure_ml"},
	}
}

// check returns nil when val is supported or an alias, else an error naming
// key and val.
func (ch choice) check(key, val string) error {
	if contains(ch.supported, val) {
		return nil
	}
	if _, ok := ch.aliases[val]; ok {
		return nil
	}
	list := strings.Join(ch.supported, ", ")
	if contains(ch.later, val) {
		return errorf(ErrUnsupported, "%s: %q is a Hugging Face value that hftrain does not support yet (supported: %s)", key, val, list)
	}
	return errorf(ErrInvalid, "%s: %q is not one of %s", key, val, list)
}

// resolve fills the values transformers derives in
// TrainingArguments.__post_init__, and normalises aliases. It returns notes
// for the user.
func (c *Config) resolve() []string {
	var notes []string
	t := &c.Training
	if canon, ok := optimChoice().aliases[t.Optim]; ok {
		notes = append(notes, fmt.Sprintf("optim %q is treated as %q", t.Optim, canon))
		t.Optim = canon
	}
	if t.EvalStrategy != StrategyNo {
		t.DoEval = true
	}
	if t.EvalStrategy == StrategySteps && t.EvalSteps == 0 {
		t.EvalSteps = t.LoggingSteps
	}
	if t.LoadBestModelAtEnd && t.MetricForBestModel == "" {
		t.MetricForBestModel = "loss"
	}
	if t.GreaterIsBetter == nil && t.MetricForBestModel != "" {
		better := !strings.HasSuffix(t.MetricForBestModel, "loss")
		t.GreaterIsBetter = &better
	}
	return notes
}

// Validate checks every value and returns all problems found, joined. Each
// message names the key and the offending value. Load calls it; call it
// again after changing a Config by hand.
func (c *Config) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	bad := func(format string, args ...any) { add(errorf(ErrInvalid, format, args...)) }
	m, d, t := &c.Model, &c.Data, &c.Training

	// What to train.
	add(taskChoice().check("task", m.Task))
	if m.ModelNameOrPath == "" && m.ModelType == "" {
		bad("model_name_or_path or model_type must be set")
	}
	if t.OutputDir == "" {
		bad("output_dir must be set")
	}
	if t.DoTrain && d.TrainFile == "" && d.DatasetName == "" {
		bad("do_train needs train_file or dataset_name")
	}
	if t.DoEval && d.ValidationFile == "" && d.DatasetName == "" && (d.TrainFile == "" || d.ValidationSplitPercentage == 0) {
		bad("do_eval needs validation_file, dataset_name, or train_file with validation_split_percentage > 0")
	}
	if t.DoPredict && d.TestFile == "" && d.DatasetName == "" {
		bad("do_predict needs test_file or dataset_name")
	}

	// Data.
	if d.MaxSeqLength <= 0 {
		bad("max_seq_length must be > 0, got %d", d.MaxSeqLength)
	}
	if d.ValidationSplitPercentage < 0 || d.ValidationSplitPercentage >= 100 {
		bad("validation_split_percentage must be in [0, 100), got %d", d.ValidationSplitPercentage)
	}
	if d.LabelColumnName == "" {
		bad("label_column_name must not be empty")
	}
	for _, k := range []struct {
		key string
		n   int
	}{{"max_train_samples", d.MaxTrainSamples}, {"max_eval_samples", d.MaxEvalSamples}, {"max_predict_samples", d.MaxPredictSamples}} {
		if k.n < 0 {
			bad("%s must be >= 0 (0 means all), got %d", k.key, k.n)
		}
	}

	errs = append(errs, c.validateSchedule()...)
	errs = append(errs, c.validateCheckpoints()...)
	return errors.Join(errs...)
}

// validateSchedule checks the optimisation settings.
func (c *Config) validateSchedule() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, errorf(ErrInvalid, format, args...)) }
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	t := &c.Training
	if t.PerDeviceTrainBatchSize <= 0 {
		bad("per_device_train_batch_size must be > 0, got %d", t.PerDeviceTrainBatchSize)
	}
	if t.PerDeviceEvalBatchSize <= 0 {
		bad("per_device_eval_batch_size must be > 0, got %d", t.PerDeviceEvalBatchSize)
	}
	if t.GradientAccumulationSteps < 1 {
		bad("gradient_accumulation_steps must be >= 1, got %d", t.GradientAccumulationSteps)
	}
	if t.MaxSteps == 0 || t.MaxSteps < -1 {
		bad("max_steps must be > 0, or -1 to train for num_train_epochs, got %d", t.MaxSteps)
	}
	if t.MaxSteps <= 0 && !(t.NumTrainEpochs > 0) {
		bad("num_train_epochs must be > 0 when max_steps is not set, got %g", t.NumTrainEpochs)
	}
	if !(t.LearningRate > 0) {
		bad("learning_rate must be > 0, got %g", t.LearningRate)
	}
	if !(t.WeightDecay >= 0) {
		bad("weight_decay must be >= 0, got %g", t.WeightDecay)
	}
	if !(t.AdamBeta1 >= 0 && t.AdamBeta1 < 1) {
		bad("adam_beta1 must be in [0, 1), got %g", t.AdamBeta1)
	}
	if !(t.AdamBeta2 >= 0 && t.AdamBeta2 < 1) {
		bad("adam_beta2 must be in [0, 1), got %g", t.AdamBeta2)
	}
	if !(t.AdamEpsilon >= 0) {
		bad("adam_epsilon must be >= 0, got %g", t.AdamEpsilon)
	}
	if !(t.MaxGradNorm >= 0) {
		bad("max_grad_norm must be >= 0 (0 disables clipping), got %g", t.MaxGradNorm)
	}
	add(optimChoice().check("optim", t.Optim))
	add(schedulerChoice().check("lr_scheduler_type", t.LRSchedulerType))
	if !(t.WarmupRatio >= 0 && t.WarmupRatio < 1) {
		bad("warmup_ratio must be in [0, 1), got %g", t.WarmupRatio)
	}
	if t.WarmupSteps < 0 {
		bad("warmup_steps must be >= 0, got %d", t.WarmupSteps)
	}
	if t.DDPTimeout <= 0 {
		bad("ddp_timeout must be > 0 seconds, got %d", t.DDPTimeout)
	}
	if t.NumThreads < 0 {
		bad("num_threads must be >= 0 (0 means all cores), got %d", t.NumThreads)
	}
	for _, r := range t.ReportTo {
		add(reportChoice().check("report_to", r))
	}
	add(hubStrategyChoice().check("hub_strategy", t.HubStrategy))
	if t.PushToHub && t.SaveStrategy == StrategyNo && (t.HubStrategy == HubCheckpoint || t.HubStrategy == HubAllCheckpoints) {
		bad("hub_strategy %q pushes checkpoints, but save_strategy is \"no\"", t.HubStrategy)
	}
	return errs
}

// validateCheckpoints checks logging, evaluation, saving and early stopping.
func (c *Config) validateCheckpoints() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, errorf(ErrInvalid, format, args...)) }
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	t := &c.Training
	add(strategyChoice().check("logging_strategy", t.LoggingStrategy))
	add(strategyChoice().check("eval_strategy", t.EvalStrategy))
	add(strategyChoice("best").check("save_strategy", t.SaveStrategy))
	if t.LoggingStrategy == StrategySteps && t.LoggingSteps <= 0 {
		bad("logging_steps must be > 0 when logging_strategy is \"steps\", got %d", t.LoggingSteps)
	}
	if t.EvalStrategy == StrategySteps && t.EvalSteps <= 0 {
		bad("eval_steps must be > 0 when eval_strategy is \"steps\", got %d", t.EvalSteps)
	}
	if t.SaveStrategy == StrategySteps && t.SaveSteps <= 0 {
		bad("save_steps must be > 0 when save_strategy is \"steps\", got %d", t.SaveSteps)
	}
	if t.SaveTotalLimit < 0 {
		bad("save_total_limit must be >= 0 (0 keeps all), got %d", t.SaveTotalLimit)
	}
	if t.LoadBestModelAtEnd {
		if t.EvalStrategy != t.SaveStrategy {
			bad("load_best_model_at_end requires eval_strategy and save_strategy to match, got eval_strategy %q and save_strategy %q",
				t.EvalStrategy, t.SaveStrategy)
		} else if t.EvalStrategy == StrategyNo {
			bad("load_best_model_at_end requires eval_strategy other than \"no\"")
		} else if t.EvalStrategy == StrategySteps && t.EvalSteps > 0 && t.SaveSteps%t.EvalSteps != 0 {
			bad("load_best_model_at_end requires save_steps to be a multiple of eval_steps, got save_steps %d and eval_steps %d",
				t.SaveSteps, t.EvalSteps)
		}
	}
	if t.EarlyStoppingPatience < 0 {
		bad("early_stopping_patience must be >= 0 (0 disables early stopping), got %d", t.EarlyStoppingPatience)
	}
	if !(t.EarlyStoppingThreshold >= 0) {
		bad("early_stopping_threshold must be >= 0, got %g", t.EarlyStoppingThreshold)
	}
	if t.EarlyStoppingPatience > 0 {
		// As transformers' EarlyStoppingCallback.on_train_begin asserts.
		if !t.LoadBestModelAtEnd {
			bad("early_stopping_patience %d requires load_best_model_at_end", t.EarlyStoppingPatience)
		}
		if t.EvalStrategy == StrategyNo {
			bad("early_stopping_patience %d requires eval_strategy other than \"no\"", t.EarlyStoppingPatience)
		}
	}
	return errs
}
