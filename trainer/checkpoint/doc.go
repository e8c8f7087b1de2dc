// Package checkpoint is hftrain's on-disk checkpoint layer: atomic,
// verifiable checkpoint directories, rotation, and the file formats kept in
// them.
//
// A checkpoint is output_dir/checkpoint-<global_step>/, the layout of the
// Hugging Face Trainer (model.safetensors, config.json, trainer_state.json,
// …), with hftrain's pickle-free replacements for the optimizer, scheduler
// and RNG files, plus a manifest, hftrain_manifest.json, holding the size and
// SHA-256 of every other file.
//
// Save makes a checkpoint appear all at once: the files are written into a
// temporary directory ".tmp-checkpoint-<step>-*" next to the final one, each
// file and directory is fsynced, the manifest is written last, and the
// directory is renamed into place. A process killed at any moment therefore
// leaves either no checkpoint-<step> or one that verifies; what a kill leaves
// behind is a temporary directory, which CleanTemp removes. Verify checks a
// directory against its manifest, and Latest picks the newest checkpoint that
// verifies, warning about each one it skips.
//
// Rotate applies save_total_limit exactly as transformers'
// Trainer._rotate_checkpoints does, including its protection of the best
// checkpoint. TrainerState mirrors transformers' TrainerState dataclass, and
// WriteTrainerState writes trainer_state.json byte for byte as Python's
// json.dumps(sort_keys=True, indent=2) does, so that transformers can read
// the file and a diff against a file from transformers is empty.
//
// The package sits below the trainer and above optim and the safetensors
// codec; it knows nothing about models or training loops.
package checkpoint
