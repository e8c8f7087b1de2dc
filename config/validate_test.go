package config

import (
	"errors"
	"testing"
)

// validBase is the smallest configuration that passes Validate.
func validBase() Config {
	c := Default()
	c.Training.OutputDir = "out"
	c.Model.ModelType = "bert"
	return c
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Config)
		want   string // exact message; "" means valid
		is     error
	}{
		{name: "base is valid", mutate: func(c *Config) {}},
		{name: "pretrained model instead of model_type", mutate: func(c *Config) {
			c.Model.ModelType, c.Model.ModelNameOrPath = "", "bert-base-uncased"
		}},
		{name: "no model", mutate: func(c *Config) { c.Model.ModelType = "" },
			want: "config: model_name_or_path or model_type must be set"},
		{name: "no output_dir", mutate: func(c *Config) { c.Training.OutputDir = "" },
			want: "config: output_dir must be set"},
		{name: "task not supported yet", mutate: func(c *Config) { c.Model.Task = "question-answering" },
			want: `config: task: "question-answering" is a Hugging Face value that hftrain does not support yet (supported: text-classification)`,
			is:   ErrUnsupported},
		{name: "unknown task", mutate: func(c *Config) { c.Model.Task = "classification" },
			want: `config: task: "classification" is not one of text-classification`},
		{name: "do_train without data", mutate: func(c *Config) { c.Training.DoTrain = true },
			want: "config: do_train needs train_file or dataset_name"},
		{name: "do_train with dataset_name", mutate: func(c *Config) { c.Training.DoTrain, c.Data.DatasetName = true, "glue" }},
		{name: "do_eval without data", mutate: func(c *Config) { c.Training.DoEval = true },
			want: "config: do_eval needs validation_file, dataset_name, or train_file with validation_split_percentage > 0"},
		{name: "do_eval from a train split", mutate: func(c *Config) { c.Training.DoEval, c.Data.TrainFile = true, "t.csv" }},
		{name: "do_eval with no split", mutate: func(c *Config) {
			c.Training.DoEval, c.Data.TrainFile, c.Data.ValidationSplitPercentage = true, "t.csv", 0
		}, want: "config: do_eval needs validation_file, dataset_name, or train_file with validation_split_percentage > 0"},
		{name: "do_predict without data", mutate: func(c *Config) { c.Training.DoPredict = true },
			want: "config: do_predict needs test_file or dataset_name"},
		{name: "max_seq_length", mutate: func(c *Config) { c.Data.MaxSeqLength = 0 },
			want: "config: max_seq_length must be > 0, got 0"},
		{name: "validation_split_percentage 100", mutate: func(c *Config) { c.Data.ValidationSplitPercentage = 100 },
			want: "config: validation_split_percentage must be in [0, 100), got 100"},
		{name: "validation_split_percentage negative", mutate: func(c *Config) { c.Data.ValidationSplitPercentage = -1 },
			want: "config: validation_split_percentage must be in [0, 100), got -1"},
		{name: "label column", mutate: func(c *Config) { c.Data.LabelColumnName = "" },
			want: "config: label_column_name must not be empty"},
		{name: "max_train_samples", mutate: func(c *Config) { c.Data.MaxTrainSamples = -5 },
			want: "config: max_train_samples must be >= 0 (0 means all), got -5"},
		{name: "train batch size", mutate: func(c *Config) { c.Training.PerDeviceTrainBatchSize = 0 },
			want: "config: per_device_train_batch_size must be > 0, got 0"},
		{name: "eval batch size", mutate: func(c *Config) { c.Training.PerDeviceEvalBatchSize = -1 },
			want: "config: per_device_eval_batch_size must be > 0, got -1"},
		{name: "gradient accumulation", mutate: func(c *Config) { c.Training.GradientAccumulationSteps = 0 },
			want: "config: gradient_accumulation_steps must be >= 1, got 0"},
		{name: "max_steps zero", mutate: func(c *Config) { c.Training.MaxSteps = 0 },
			want: "config: max_steps must be > 0, or -1 to train for num_train_epochs, got 0"},
		{name: "epochs zero without max_steps", mutate: func(c *Config) { c.Training.NumTrainEpochs = 0 },
			want: "config: num_train_epochs must be > 0 when max_steps is not set, got 0"},
		{name: "epochs zero with max_steps", mutate: func(c *Config) { c.Training.NumTrainEpochs, c.Training.MaxSteps = 0, 100 }},
		{name: "learning rate zero", mutate: func(c *Config) { c.Training.LearningRate = 0 },
			want: "config: learning_rate must be > 0, got 0"},
		{name: "learning rate negative", mutate: func(c *Config) { c.Training.LearningRate = -1e-5 },
			want: "config: learning_rate must be > 0, got -1e-05"},
		{name: "weight decay", mutate: func(c *Config) { c.Training.WeightDecay = -0.1 },
			want: "config: weight_decay must be >= 0, got -0.1"},
		{name: "beta1", mutate: func(c *Config) { c.Training.AdamBeta1 = 1 },
			want: "config: adam_beta1 must be in [0, 1), got 1"},
		{name: "beta2", mutate: func(c *Config) { c.Training.AdamBeta2 = -0.5 },
			want: "config: adam_beta2 must be in [0, 1), got -0.5"},
		{name: "epsilon", mutate: func(c *Config) { c.Training.AdamEpsilon = -1 },
			want: "config: adam_epsilon must be >= 0, got -1"},
		{name: "grad norm", mutate: func(c *Config) { c.Training.MaxGradNorm = -1 },
			want: "config: max_grad_norm must be >= 0 (0 disables clipping), got -1"},
		{name: "sgd", mutate: func(c *Config) { c.Training.Optim = OptimSGD }},
		{name: "optim alias accepted", mutate: func(c *Config) { c.Training.Optim = "adamw_torch_fused" }},
		{name: "optim not supported yet", mutate: func(c *Config) { c.Training.Optim = "adafactor" },
			want: `config: optim: "adafactor" is a Hugging Face value that hftrain does not support yet (supported: adamw_torch, sgd)`,
			is:   ErrUnsupported},
		{name: "optim unknown", mutate: func(c *Config) { c.Training.Optim = "adam" },
			want: `config: optim: "adam" is not one of adamw_torch, sgd`, is: ErrInvalid},
		{name: "scheduler not supported yet", mutate: func(c *Config) { c.Training.LRSchedulerType = "reduce_lr_on_plateau" },
			want: `config: lr_scheduler_type: "reduce_lr_on_plateau" is a Hugging Face value that hftrain does not support yet ` +
				`(supported: linear, cosine, cosine_with_restarts, polynomial, constant, constant_with_warmup, inverse_sqrt)`},
		{name: "scheduler unknown", mutate: func(c *Config) { c.Training.LRSchedulerType = "step" },
			want: `config: lr_scheduler_type: "step" is not one of linear, cosine, cosine_with_restarts, polynomial, constant, constant_with_warmup, inverse_sqrt`},
		{name: "warmup ratio 1", mutate: func(c *Config) { c.Training.WarmupRatio = 1 },
			want: "config: warmup_ratio must be in [0, 1), got 1"},
		{name: "warmup ratio negative", mutate: func(c *Config) { c.Training.WarmupRatio = -0.1 },
			want: "config: warmup_ratio must be in [0, 1), got -0.1"},
		{name: "warmup steps", mutate: func(c *Config) { c.Training.WarmupSteps = -1 },
			want: "config: warmup_steps must be >= 0, got -1"},
		{name: "num_threads", mutate: func(c *Config) { c.Training.NumThreads = -2 },
			want: "config: num_threads must be >= 0 (0 means all cores), got -2"},
		{name: "report_to not supported yet", mutate: func(c *Config) { c.Training.ReportTo = []string{"wandb"} },
			want: `config: report_to: "wandb" is a Hugging Face value that hftrain does not support yet (supported: none, all, tensorboard)`},
		{name: "eval_strategy unknown", mutate: func(c *Config) { c.Training.EvalStrategy = "sometimes" },
			want: `config: eval_strategy: "sometimes" is not one of no, steps, epoch`},
		{name: "save_strategy best not supported yet", mutate: func(c *Config) { c.Training.SaveStrategy = "best" },
			want: `config: save_strategy: "best" is a Hugging Face value that hftrain does not support yet (supported: no, steps, epoch)`},
		{name: "logging_strategy unknown", mutate: func(c *Config) { c.Training.LoggingStrategy = "always" },
			want: `config: logging_strategy: "always" is not one of no, steps, epoch`},
		{name: "logging_steps", mutate: func(c *Config) { c.Training.LoggingSteps = 0 },
			want: `config: logging_steps must be > 0 when logging_strategy is "steps", got 0`},
		{name: "logging_steps unused", mutate: func(c *Config) { c.Training.LoggingSteps, c.Training.LoggingStrategy = 0, StrategyEpoch }},
		{name: "eval_steps", mutate: func(c *Config) {
			c.Training.EvalStrategy, c.Training.EvalSteps, c.Data.ValidationFile = StrategySteps, -1, "v.csv"
		}, want: `config: eval_steps must be > 0 when eval_strategy is "steps", got -1`},
		{name: "save_steps", mutate: func(c *Config) { c.Training.SaveSteps = 0 },
			want: `config: save_steps must be > 0 when save_strategy is "steps", got 0`},
		{name: "save_total_limit", mutate: func(c *Config) { c.Training.SaveTotalLimit = -1 },
			want: "config: save_total_limit must be >= 0 (0 keeps all), got -1"},
		{name: "load best with mismatched strategies", mutate: func(c *Config) {
			c.Training.LoadBestModelAtEnd, c.Training.EvalStrategy, c.Training.SaveStrategy = true, StrategyEpoch, StrategySteps
		}, want: `config: load_best_model_at_end requires eval_strategy and save_strategy to match, got eval_strategy "epoch" and save_strategy "steps"`},
		{name: "load best without evaluation", mutate: func(c *Config) {
			c.Training.LoadBestModelAtEnd, c.Training.SaveStrategy = true, StrategyNo
		}, want: `config: load_best_model_at_end requires eval_strategy other than "no"`},
		{name: "load best with save_steps not a multiple", mutate: func(c *Config) {
			t := &c.Training
			t.LoadBestModelAtEnd, t.EvalStrategy, t.EvalSteps, t.SaveSteps = true, StrategySteps, 300, 500
		}, want: "config: load_best_model_at_end requires save_steps to be a multiple of eval_steps, got save_steps 500 and eval_steps 300"},
		{name: "load best with steps multiple", mutate: func(c *Config) {
			t := &c.Training
			t.LoadBestModelAtEnd, t.EvalStrategy, t.EvalSteps, t.SaveSteps = true, StrategySteps, 250, 500
		}},
		{name: "early stopping without load best", mutate: func(c *Config) {
			c.Training.EarlyStoppingPatience, c.Training.EvalStrategy = 3, StrategyEpoch
		}, want: "config: early_stopping_patience 3 requires load_best_model_at_end"},
		{name: "early stopping threshold", mutate: func(c *Config) { c.Training.EarlyStoppingThreshold = -1 },
			want: "config: early_stopping_threshold must be >= 0, got -1"},
		{name: "two problems at once", mutate: func(c *Config) { c.Training.LearningRate, c.Data.MaxSeqLength = 0, 0 },
			want: "config: max_seq_length must be > 0, got 0\nconfig: learning_rate must be > 0, got 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validBase()
			tt.mutate(&c)
			err := c.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("Validate()\n got %q\nwant %q", err.Error(), tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.is)
			}
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnsupported) {
				t.Errorf("%v wraps neither ErrInvalid nor ErrUnsupported", err)
			}
		})
	}
}

func TestValidateSchedulers(t *testing.T) {
	for _, name := range schedulerChoice().supported {
		c := validBase()
		c.Training.LRSchedulerType = name
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
