package trainer

import (
	"errors"
	"fmt"
)

// Args are the Hugging Face TrainingArguments the loop uses, already validated by the config
// package; field comments give the TrainingArguments name.
type Args struct {
	OutputDir       string  // output_dir
	NumTrainEpochs  float64 // num_train_epochs
	MaxSteps        int     // max_steps (> 0 overrides num_train_epochs)
	TrainBatchSize  int     // per_device_train_batch_size
	EvalBatchSize   int     // per_device_eval_batch_size
	GradAccum       int     // gradient_accumulation_steps
	LearningRate    float64 // learning_rate
	WeightDecay     float64 // weight_decay
	AdamBeta1       float64 // adam_beta1
	AdamBeta2       float64 // adam_beta2
	AdamEpsilon     float64 // adam_epsilon
	MaxGradNorm     float64 // max_grad_norm (<= 0: no clipping)
	Optim           string  // optim: adamw_torch (default) or sgd
	Scheduler       string  // lr_scheduler_type
	WarmupRatio     float64 // warmup_ratio
	WarmupSteps     int     // warmup_steps
	LoggingStrategy string  // logging_strategy: no | steps | epoch ("" = steps)
	LoggingSteps    int     // logging_steps
	LogFirstStep    bool    // logging_first_step
	EvalStrategy    string  // eval_strategy: no | steps | epoch
	EvalSteps       int     // eval_steps
	SaveStrategy    string  // save_strategy: no | steps | epoch
	SaveSteps       int     // save_steps
	Seed            uint64  // seed: data order and dropout
	Shuffle         bool    // hftrain's shuffle
	DropLast        bool    // dataloader_drop_last
	MaxSeqLength    int     // max_seq_length: the largest bucket
	PadID           int32   // the tokenizer's pad id
	DisableProgress bool    // disable_tqdm: no progress bar

	SaveTotalLimit         int     // save_total_limit (0 keeps all)
	LoadBestModelAtEnd     bool    // load_best_model_at_end
	MetricForBestModel     string  // metric_for_best_model ("loss", "accuracy", "eval_f1", ...)
	GreaterIsBetter        bool    // greater_is_better
	EarlyStoppingPatience  int     // early_stopping_patience (0: off)
	EarlyStoppingThreshold float64 // early_stopping_threshold
}

// Validate checks the values the loop depends on; errors name the TrainingArguments field.
func (a *Args) Validate() error {
	var errs []error
	check := func(ok bool, format string, v ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf("trainer: "+format, v...))
		}
	}
	check(a.OutputDir != "", "output_dir is required")
	check(a.MaxSteps > 0 || a.NumTrainEpochs > 0, "num_train_epochs must be > 0 when max_steps is not set (got %g)", a.NumTrainEpochs)
	check(a.TrainBatchSize > 0, "per_device_train_batch_size must be > 0 (got %d)", a.TrainBatchSize)
	check(a.EvalBatchSize > 0, "per_device_eval_batch_size must be > 0 (got %d)", a.EvalBatchSize)
	check(a.GradAccum >= 1, "gradient_accumulation_steps must be >= 1 (got %d)", a.GradAccum)
	check(a.LearningRate > 0, "learning_rate must be > 0 (got %g)", a.LearningRate)
	check(a.LoggingStrategy != "steps" && a.LoggingStrategy != "" || a.LoggingSteps > 0, "logging_steps must be > 0 (got %d)", a.LoggingSteps)
	check(a.LoggingStrategy == "" || a.LoggingStrategy == "no" || a.LoggingStrategy == "steps" || a.LoggingStrategy == "epoch", "logging_strategy must be no, steps or epoch (got %q)", a.LoggingStrategy)
	check(a.MaxSeqLength > 0, "max_seq_length must be > 0 (got %d)", a.MaxSeqLength)
	for _, s := range []struct{ name, v string }{{"eval_strategy", a.EvalStrategy}, {"save_strategy", a.SaveStrategy}} {
		check(s.v == "no" || s.v == "steps" || s.v == "epoch", "%s must be no, steps or epoch (got %q)", s.name, s.v)
	}
	check(a.EvalStrategy != "steps" || a.EvalSteps > 0, "eval_steps must be > 0 with eval_strategy steps (got %d)", a.EvalSteps)
	check(a.SaveStrategy != "steps" || a.SaveSteps > 0, "save_steps must be > 0 with save_strategy steps (got %d)", a.SaveSteps)
	check(!a.LoadBestModelAtEnd || a.MetricForBestModel != "", "load_best_model_at_end needs metric_for_best_model")
	check(a.EarlyStoppingPatience == 0 || (a.MetricForBestModel != "" && a.EvalStrategy != "no"), "early_stopping_patience needs metric_for_best_model and an eval_strategy")
	return errors.Join(errs...)
}
