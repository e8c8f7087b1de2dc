package config

// kindAny is for dict-valued Hugging Face options (deepspeed, fsdp_config,
// ...): any value other than null counts as set.
const kindAny kind = -1

// Where an unsupported option comes from, for the error message.
const (
	originTrainingArguments = "TrainingArguments"
	originExampleScript     = "example-script"
)

// unsupported is a Hugging Face option that hftrain recognises by name but
// does not implement yet. Its value is accepted while it equals one of
// allowed (the first is transformers' default) or is null; anything else is
// an error. Enabling an option later means moving it from this table into a
// Config field.
type unsupported struct {
	key     string
	origin  string
	kind    kind
	allowed []any
}

// unsupportedOptions is the table of recognised-but-unimplemented options:
// the fields of transformers.TrainingArguments (v4 and v5) and of the
// run_classification.py / run_clm.py argument dataclasses that Config does
// not have. It is a function so that no caller can mutate shared state.
func unsupportedOptions() []unsupported {
	ta := func(key string, k kind, allowed ...any) unsupported {
		return unsupported{key: key, origin: originTrainingArguments, kind: k, allowed: allowed}
	}
	ex := func(key string, k kind, allowed ...any) unsupported {
		return unsupported{key: key, origin: originExampleScript, kind: k, allowed: allowed}
	}
	return []unsupported{
		// Mixed precision and compilation.
		ta("fp16", kindBool, false),
		ta("bf16", kindBool, false),
		ta("fp16_full_eval", kindBool, false),
		ta("bf16_full_eval", kindBool, false),
		ta("tf32", kindBoolPtr, false),
		ta("fp16_opt_level", kindString, "O1"),
		ta("fp16_backend", kindString, "auto"),
		ta("half_precision_backend", kindString, "auto"),
		ta("torch_compile", kindBool, false),
		ta("torch_compile_backend", kindString, ""),
		ta("torch_compile_mode", kindString, ""),
		ta("torchdynamo", kindString, ""),
		ta("jit_mode_eval", kindBool, false),
		ta("use_ipex", kindBool, false),
		ta("use_liger_kernel", kindBool, false),
		ta("liger_kernel_config", kindAny),
		ta("gradient_checkpointing", kindBool, false),
		ta("gradient_checkpointing_kwargs", kindAny),
		ta("use_cache", kindBool, false),
		ta("neftune_noise_alpha", kindAny),
		ta("torch_empty_cache_steps", kindIntPtr),
		ta("auto_find_batch_size", kindBool, false),

		// Optimizer and loss extras.
		ta("optim_args", kindString, ""),
		ta("optim_target_modules", kindAny),
		ta("lr_scheduler_kwargs", kindAny),
		ta("label_smoothing_factor", kindFloat, 0.0),
		ta("average_tokens_across_devices", kindBool, true),

		// Devices and distribution (hftrain runs on CPU cores; its own
		// distributed package replaces DDP/FSDP/DeepSpeed).
		ta("use_cpu", kindBool, false, true),
		ta("no_cuda", kindBool, false, true),
		ta("use_mps_device", kindBool, false),
		ta("local_rank", kindInt, -1),
		ta("ddp_backend", kindString, ""),
		ta("ddp_find_unused_parameters", kindBoolPtr),
		ta("ddp_bucket_cap_mb", kindIntPtr),
		ta("ddp_broadcast_buffers", kindBoolPtr),
		ta("fsdp", kindStrings),
		ta("fsdp_config", kindAny),
		ta("fsdp_min_num_params", kindInt, 0),
		ta("fsdp_transformer_layer_cls_to_wrap", kindString, ""),
		ta("deepspeed", kindAny),
		ta("accelerator_config", kindAny),
		ta("parallelism_config", kindAny),
		ta("dispatch_batches", kindBoolPtr),
		ta("split_batches", kindBoolPtr),
		ta("tpu_num_cores", kindIntPtr),
		ta("tpu_metrics_debug", kindBool, false),
		ta("mp_parameters", kindString, ""),

		// Data loading.
		ta("dataloader_num_workers", kindInt, 0),
		ta("dataloader_pin_memory", kindBool, true),
		ta("dataloader_persistent_workers", kindBool, false),
		ta("dataloader_prefetch_factor", kindIntPtr),
		ta("remove_unused_columns", kindBool, true),
		ta("label_names", kindStrings),
		ta("train_sampling_strategy", kindString, "random"),
		ta("group_by_length", kindBool, false),
		ta("length_column_name", kindString, "length"),
		ta("ignore_data_skip", kindBool, false),

		// Evaluation and metrics.
		ta("prediction_loss_only", kindBool, false),
		ta("eval_delay", kindFloat, 0.0),
		ta("eval_on_start", kindBool, false),
		ta("eval_accumulation_steps", kindIntPtr),
		ta("eval_do_concat_batches", kindBool, true),
		ta("eval_use_gather_object", kindBool, false),
		ta("include_for_metrics", kindStrings),
		ta("include_inputs_for_metrics", kindBool, false),
		ta("batch_eval_metrics", kindBool, false),
		ta("include_num_input_tokens_seen", kindString, "no", "false"),
		ta("use_legacy_prediction_loop", kindBool, false),
		ta("past_index", kindInt, -1),

		// Logging.
		ta("log_level", kindString, "passive"),
		ta("log_level_replica", kindString, "warning"),
		ta("log_on_each_node", kindBool, true),
		ta("logging_nan_inf_filter", kindBool, true),
		ta("skip_memory_metrics", kindBool, true),
		ta("debug", kindString, ""),
		ta("project", kindString, "huggingface"),
		ta("trackio_space_id", kindString, "trackio"),
		ta("ray_scope", kindString, "last"),

		// Saving and reproducibility.
		ta("save_only_model", kindBool, false),
		ta("save_on_each_node", kindBool, false),
		ta("save_safetensors", kindBool, true),
		ta("enable_jit_checkpoint", kindBool, false),
		ta("restore_callback_states_from_checkpoint", kindBool, false),
		ta("full_determinism", kindBool, false),

		// The Hub: deprecated aliases and options hftrain does not implement.
		ta("hub_always_push", kindBool, false),
		ta("push_to_hub_model_id", kindString, ""),
		ta("push_to_hub_organization", kindString, ""),
		ta("push_to_hub_token", kindString, ""),

		// run_classification.py / run_clm.py arguments.
		ex("use_fast_tokenizer", kindBool, true),
		ex("trust_remote_code", kindBool, false),
		ex("ignore_mismatched_sizes", kindBool, false),
		ex("torch_dtype", kindString, "", "float32", "auto"),
		ex("low_cpu_mem_usage", kindBool, false),
		ex("use_auth_token", kindBoolPtr),
		ex("do_regression", kindBoolPtr, false),
		ex("test_split_name", kindString, ""),
		ex("remove_splits", kindString, ""),
		ex("remove_columns", kindString, ""),
		ex("overwrite_cache", kindBool, false),
		ex("pad_to_max_length", kindBool, true),
		ex("shuffle_train_dataset", kindBool, false),
		ex("shuffle_seed", kindInt, 42),
		ex("metric_name", kindString, ""),
		ex("preprocessing_num_workers", kindIntPtr),
		ex("block_size", kindIntPtr),
		ex("streaming", kindBool, false),
		ex("keep_linebreaks", kindBool, true),
	}
}

// isAllowed reports whether a parsed value leaves an unsupported option at a
// value hftrain already behaves as.
func (u unsupported) isAllowed(val any) bool {
	if val == nil {
		return true
	}
	if list, ok := val.([]string); ok {
		return len(list) == 0
	}
	for _, a := range u.allowed {
		if a == val {
			return true
		}
	}
	return false
}
