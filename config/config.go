package config

// Config is one hftrain run: which model, which data, and how to train.
//
// In YAML, environment variables and --set overrides the three groups share
// ONE flat namespace of Hugging Face names ("learning_rate", not
// "training.learning_rate"), exactly as a user passes them to the
// transformers example scripts on the command line. The Go groups exist only
// to keep the struct readable.
type Config struct {
	// Model names the model to fine-tune (transformers' ModelArguments).
	Model ModelArguments `mapstructure:",squash"`
	// Data names the data to train and evaluate on (DataTrainingArguments).
	Data DataArguments `mapstructure:",squash"`
	// Training holds the optimisation schedule (TrainingArguments).
	Training TrainingArguments `mapstructure:",squash"`

	// Notes are human-readable remarks produced while loading, such as the
	// use of a deprecated alias. They are not configuration keys.
	Notes []string `mapstructure:"-"`
}

// ModelArguments mirrors ModelArguments of transformers'
// examples/pytorch/text-classification/run_classification.py and
// examples/pytorch/language-modeling/run_clm.py.
type ModelArguments struct {
	// ModelNameOrPath is a local directory or a Hub model ID to start from.
	ModelNameOrPath string `mapstructure:"model_name_or_path" hftrain:"path"`
	// ModelType selects an architecture to train from scratch ("bert", ...)
	// when ModelNameOrPath is empty.
	ModelType string `mapstructure:"model_type"`
	// ConfigName is a config.json location when it differs from the model's.
	ConfigName string `mapstructure:"config_name"`
	// TokenizerName is a tokenizer location when it differs from the model's.
	TokenizerName string `mapstructure:"tokenizer_name"`
	// ConfigOverrides is a "n_embd=10,resid_pdrop=0.2" string applied to the
	// model config when training from scratch. It is kept unparsed here: the
	// models package owns its meaning.
	ConfigOverrides string `mapstructure:"config_overrides"`
	// CacheDir is where downloaded models are stored.
	CacheDir string `mapstructure:"cache_dir" hftrain:"path"`
	// ModelRevision is the branch, tag or commit of the model on the Hub.
	ModelRevision string `mapstructure:"model_revision"`
	// Token is the Hugging Face token used to download private models.
	Token string `mapstructure:"token" hftrain:"secret"`
	// Task is the head to train. Only "text-classification" is supported.
	Task string `mapstructure:"task"`
}

// DataArguments mirrors DataTrainingArguments of transformers'
// run_classification.py and run_clm.py.
type DataArguments struct {
	// DatasetName is a dataset on the Hub (alternative to TrainFile).
	DatasetName string `mapstructure:"dataset_name"`
	// DatasetConfigName is the dataset configuration to use.
	DatasetConfigName string `mapstructure:"dataset_config_name"`
	// TrainFile is a local training file.
	TrainFile string `mapstructure:"train_file" hftrain:"path"`
	// ValidationFile is a local evaluation file.
	ValidationFile string `mapstructure:"validation_file" hftrain:"path"`
	// TestFile is a local prediction file.
	TestFile string `mapstructure:"test_file" hftrain:"path"`
	// ValidationSplitPercentage is the share of the training data held out
	// for evaluation when there is no validation split (run_clm: 5).
	ValidationSplitPercentage int `mapstructure:"validation_split_percentage"`
	// TextColumnNames is a comma-separated list of text columns, as in
	// run_classification; see Config.TextColumns. Empty means the data
	// package picks its default ("sentence", or the first two columns).
	TextColumnNames string `mapstructure:"text_column_names"`
	// TextColumnDelimiter joins several text columns into one input.
	TextColumnDelimiter string `mapstructure:"text_column_delimiter"`
	// LabelColumnName is the column holding the label.
	LabelColumnName string `mapstructure:"label_column_name"`
	// MaxSeqLength is the maximum total input length after tokenization.
	MaxSeqLength int `mapstructure:"max_seq_length"`
	// Shuffle shuffles the training data every epoch (hftrain default: true,
	// as the Trainer's RandomSampler does).
	Shuffle bool `mapstructure:"shuffle"`
	// MaxTrainSamples truncates the training set; 0 means all examples.
	MaxTrainSamples int `mapstructure:"max_train_samples"`
	// MaxEvalSamples truncates the evaluation set; 0 means all examples.
	MaxEvalSamples int `mapstructure:"max_eval_samples"`
	// MaxPredictSamples truncates the prediction set; 0 means all examples.
	MaxPredictSamples int `mapstructure:"max_predict_samples"`
	// TrainSplitName is the split of DatasetName to train on; empty means "train".
	TrainSplitName string `mapstructure:"train_split_name"`
	// ValidationSplitName is the split of DatasetName to evaluate on; empty means "validation"
	// when the dataset has one (run_classification's default), else none.
	ValidationSplitName string `mapstructure:"validation_split_name"`
}

// TrainingArguments mirrors transformers.TrainingArguments for the options
// hftrain implements, plus EarlyStoppingCallback's two arguments and
// hftrain's NumThreads. Optional HF values (None) are pointers or documented
// zero values.
type TrainingArguments struct {
	// OutputDir receives checkpoints and the final model. Required.
	OutputDir string `mapstructure:"output_dir" hftrain:"path"`
	// OverwriteOutputDir allows writing into a non-empty OutputDir.
	OverwriteOutputDir bool `mapstructure:"overwrite_output_dir"`
	// DoTrain runs training.
	DoTrain bool `mapstructure:"do_train"`
	// DoEval runs evaluation; forced true when EvalStrategy is not "no".
	DoEval bool `mapstructure:"do_eval"`
	// DoPredict runs prediction on the test set.
	DoPredict bool `mapstructure:"do_predict"`

	// NumTrainEpochs is the number of epochs (fractional allowed).
	NumTrainEpochs float64 `mapstructure:"num_train_epochs"`
	// MaxSteps, when positive, overrides NumTrainEpochs; -1 means unset.
	MaxSteps int `mapstructure:"max_steps"`
	// PerDeviceTrainBatchSize is the training batch size per process.
	PerDeviceTrainBatchSize int `mapstructure:"per_device_train_batch_size"`
	// PerDeviceEvalBatchSize is the evaluation batch size per process.
	PerDeviceEvalBatchSize int `mapstructure:"per_device_eval_batch_size"`
	// GradientAccumulationSteps is the number of micro-batches per update.
	GradientAccumulationSteps int `mapstructure:"gradient_accumulation_steps"`

	// LearningRate is the peak learning rate.
	LearningRate float64 `mapstructure:"learning_rate"`
	// WeightDecay is AdamW's decoupled weight decay.
	WeightDecay float64 `mapstructure:"weight_decay"`
	// AdamBeta1 is Adam's first-moment decay.
	AdamBeta1 float64 `mapstructure:"adam_beta1"`
	// AdamBeta2 is Adam's second-moment decay.
	AdamBeta2 float64 `mapstructure:"adam_beta2"`
	// AdamEpsilon is Adam's denominator epsilon.
	AdamEpsilon float64 `mapstructure:"adam_epsilon"`
	// MaxGradNorm is the global gradient-norm clip; 0 disables clipping.
	MaxGradNorm float64 `mapstructure:"max_grad_norm"`
	// Optim is the optimizer: "adamw_torch" or "sgd". The aliases
	// "adamw_hf" and "adamw_torch_fused" are normalised to "adamw_torch".
	Optim string `mapstructure:"optim"`
	// LRSchedulerType is the schedule name, as transformers' SchedulerType.
	LRSchedulerType string `mapstructure:"lr_scheduler_type"`
	// WarmupRatio is the fraction of total steps used for linear warmup.
	WarmupRatio float64 `mapstructure:"warmup_ratio"`
	// WarmupSteps, when positive, overrides WarmupRatio. As in transformers
	// v5, a value in (0, 1) given for warmup_steps is read as warmup_ratio.
	WarmupSteps int `mapstructure:"warmup_steps"`

	// LoggingStrategy is when to log: "no", "steps" or "epoch".
	LoggingStrategy string `mapstructure:"logging_strategy"`
	// LoggingSteps is the number of update steps between logs. Ratios of
	// the total steps (values in (0, 1)) are not supported yet, nor for
	// EvalSteps and SaveSteps.
	LoggingSteps int `mapstructure:"logging_steps"`
	// LoggingFirstStep also logs the first update step.
	LoggingFirstStep bool `mapstructure:"logging_first_step"`
	// LoggingDir is where logs go; empty means the trainer's default.
	LoggingDir string `mapstructure:"logging_dir" hftrain:"path"`
	// EvalStrategy is when to evaluate: "no", "steps" or "epoch".
	EvalStrategy string `mapstructure:"eval_strategy"`
	// EvalSteps is the number of update steps between evaluations; Load
	// sets it to LoggingSteps when EvalStrategy is "steps" and it is 0.
	EvalSteps int `mapstructure:"eval_steps"`
	// SaveStrategy is when to save a checkpoint: "no", "steps" or "epoch".
	SaveStrategy string `mapstructure:"save_strategy"`
	// SaveSteps is the number of update steps between checkpoints.
	SaveSteps int `mapstructure:"save_steps"`
	// SaveTotalLimit keeps at most this many checkpoints; 0 keeps all.
	SaveTotalLimit int `mapstructure:"save_total_limit"`

	// Seed seeds model initialisation and dropout.
	Seed int `mapstructure:"seed"`
	// DataSeed seeds data shuffling; nil means use Seed.
	DataSeed *int `mapstructure:"data_seed"`
	// DataloaderDropLast drops the last incomplete training batch.
	DataloaderDropLast bool `mapstructure:"dataloader_drop_last"`

	// MetricForBestModel names the metric compared between checkpoints;
	// Load sets "loss" when LoadBestModelAtEnd is set and it is empty.
	MetricForBestModel string `mapstructure:"metric_for_best_model"`
	// GreaterIsBetter orders MetricForBestModel; nil until Load derives it
	// (false for names ending in "loss", true otherwise).
	GreaterIsBetter *bool `mapstructure:"greater_is_better"`
	// LoadBestModelAtEnd reloads the best checkpoint after training.
	LoadBestModelAtEnd bool `mapstructure:"load_best_model_at_end"`
	// ResumeFromCheckpoint is a checkpoint directory to resume from.
	ResumeFromCheckpoint string `mapstructure:"resume_from_checkpoint" hftrain:"path"`
	// EarlyStoppingPatience stops training after this many evaluations
	// without improvement (transformers' EarlyStoppingCallback); 0 disables.
	EarlyStoppingPatience int `mapstructure:"early_stopping_patience"`
	// EarlyStoppingThreshold is the least improvement that counts.
	EarlyStoppingThreshold float64 `mapstructure:"early_stopping_threshold"`

	// NumThreads bounds the CPU threads used by hftrain; 0 means all cores.
	NumThreads int `mapstructure:"num_threads"`
	// DDPTimeout is how many seconds a distributed run waits for its peers: to connect at the
	// start, and for a peer that has gone silent (no heartbeat) before the run stops naming it.
	DDPTimeout int `mapstructure:"ddp_timeout"`
	// RunName describes the run in logs.
	RunName string `mapstructure:"run_name"`
	// DisableTqdm turns off progress bars.
	DisableTqdm bool `mapstructure:"disable_tqdm"`
	// ReportTo lists logging integrations; "none" (or empty) means none.
	// It accepts a YAML list or a comma-separated string.
	ReportTo []string `mapstructure:"report_to"`

	// PushToHub publishes the model to the Hub: in the background at each save (HubStrategy)
	// and, waited for, at the end of training.
	PushToHub bool `mapstructure:"push_to_hub"`
	// HubModelID is the repo to push to; empty means output_dir's base name under the token's
	// user, as transformers' get_full_repo_name.
	HubModelID string `mapstructure:"hub_model_id"`
	// HubStrategy is what is pushed and when: "end", "every_save", "checkpoint" or
	// "all_checkpoints" (transformers' HubStrategy).
	HubStrategy string `mapstructure:"hub_strategy"`
	// HubToken is the token used to push (and download); empty means HF_TOKEN, then
	// $HF_HOME/token. It is never logged or written to a checkpoint.
	HubToken string `mapstructure:"hub_token" hftrain:"secret"`
	// HubPrivateRepo creates the repo as private when it does not exist; nil means public
	// (the Hub's default).
	HubPrivateRepo *bool `mapstructure:"hub_private_repo"`
	// HubRevision is the branch pushes go to; empty means "main".
	HubRevision string `mapstructure:"hub_revision"`
}

// Default returns the configuration used when nothing is set: the defaults of
// transformers' TrainingArguments and example scripts, plus hftrain's own.
// OutputDir is empty, so a Default config does not pass Validate until one is
// chosen.
func Default() Config {
	return Config{
		Model: ModelArguments{
			ModelRevision: "main",
			Task:          TaskTextClassification,
		},
		Data: DataArguments{
			ValidationSplitPercentage: 5,
			TextColumnDelimiter:       " ",
			LabelColumnName:           "label",
			MaxSeqLength:              128,
			Shuffle:                   true,
		},
		Training: TrainingArguments{
			NumTrainEpochs:            3.0,
			MaxSteps:                  -1,
			PerDeviceTrainBatchSize:   8,
			PerDeviceEvalBatchSize:    8,
			GradientAccumulationSteps: 1,
			LearningRate:              5e-5,
			AdamBeta1:                 0.9,
			AdamBeta2:                 0.999,
			AdamEpsilon:               1e-8,
			MaxGradNorm:               1.0,
			Optim:                     OptimAdamWTorch,
			LRSchedulerType:           "linear",
			LoggingStrategy:           StrategySteps,
			LoggingSteps:              500,
			EvalStrategy:              StrategyNo,
			SaveStrategy:              StrategySteps,
			SaveSteps:                 500,
			Seed:                      42,
			DDPTimeout:                30,
			ReportTo:                  []string{"none"},
			HubStrategy:               HubEverySave,
		},
	}
}

// TextColumns returns the text column names parsed from the comma-separated
// text_column_names, trimmed, without empty entries; nil when unset.
func (c *Config) TextColumns() []string {
	return splitList(c.Data.TextColumnNames)
}

// DataSeedOrSeed returns the seed for data shuffling: DataSeed when set,
// else Seed, as the Trainer does.
func (t *TrainingArguments) DataSeedOrSeed() int {
	if t.DataSeed != nil {
		return *t.DataSeed
	}
	return t.Seed
}
