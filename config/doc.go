// Package config loads and validates an hftrain run configuration.
//
// A run is described with the names users already know from Hugging Face:
// transformers.TrainingArguments (learning_rate, per_device_train_batch_size,
// eval_strategy, ...) and the model and data arguments of the transformers
// example scripts run_classification.py and run_clm.py (model_name_or_path,
// train_file, text_column_names, max_seq_length, ...). All keys live in one
// flat namespace, so a YAML file reads like the command line of those
// scripts:
//
//	model_name_or_path: distilbert-base-uncased
//	train_file: data/train.csv
//	do_train: true
//	output_dir: out/sst2
//	learning_rate: 3e-5
//
// Load layers, from lowest to highest precedence: Default, the YAML file,
// HFTRAIN_* environment variables (HFTRAIN_LEARNING_RATE=3e-5), and
// "key=value" overrides from --set. Every problem is reported before any work
// starts:
//
//   - an unknown key names the source and suggests the closest known key;
//   - a Hugging Face option hftrain does not implement yet (fp16, deepspeed,
//     push_to_hub, ...) is accepted at its default value and is an error
//     otherwise, so copied configs fail loudly instead of silently training
//     something else;
//   - a value of the wrong type names the key, the value and its source;
//   - Validate checks ranges and combinations as TrainingArguments does.
//
// Relative paths are kept as written and resolve against the current
// directory, as with the transformers scripts; "~/" is expanded.
package config
