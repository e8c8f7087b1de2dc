// Package hubpush pushes a training run to the Hugging Face Hub while it trains, as
// transformers' Trainer does with push_to_hub and hub_strategy (trainer.py init_hf_repo,
// _push_from_checkpoint, _finish_current_push, push_to_hub; training_args.py HubStrategy).
//
// New creates the repository (hub_model_id, by default the base name of output_dir in the
// token user's namespace). A hub_revision other than main must be an existing branch: New
// refuses a missing one (transformers would create it; create it first) rather than let
// every push fail with "revision not found" after training. The training loop calls Saved
// right after each checkpoint is written and before rotation; at the end it calls Finish,
// which waits for the background pushes and pushes output_dir with "End of training".
// What each strategy pushes:
//
//	end              nothing during training; output_dir at the end
//	every_save       after each save, the checkpoint's modeling files are copied into
//	                 output_dir and output_dir is pushed ("Training in progress, step N")
//	checkpoint       as every_save, plus the checkpoint folder as last-checkpoint/
//	all_checkpoints  as every_save, plus the checkpoint folder as checkpoint-N/
//
// Every push of output_dir leaves out "_*", "checkpoint-*", "last-checkpoint" (the repo's
// copy is written only by checkpoint pushes, so a stale local one never overwrites a newer
// one) and the staging folder.
//
// Pushes during training run on one background goroutine. Saved only takes a snapshot
// (hard links, or copies, in output_dir/.hftrain-push/<n>/) and queues it, so it never waits
// on the network and checkpoint rotation or a later save cannot change what is uploaded.
// A newer save replaces a queued older one (the newest wins); all_checkpoints still pushes
// each checkpoint folder, within the bound below. A failed push that another try may fix
// is retried with backoff, then logged as a warning; one that no try can fix (a refused
// token, a missing repository or branch) is logged at once, saying so. Training goes on
// either way. Finish returns the final push's error, a *PushError that says how to push
// the intact folder by hand.
//
// Disk cost: a snapshot's hard links keep its files' space in use after checkpoint
// rotation (save_total_limit) deletes the checkpoint folder, until the snapshot is pushed
// or dropped; where hard links fail the snapshot is a copy and costs the space outright.
// every_save and checkpoint keep the snapshot being uploaded and the newest waiting one.
// all_checkpoints keeps, besides the checkpoint being uploaded, at most two waiting, each a
// whole checkpoint folder (optimizer state included): while uploads are slower than saves,
// up to three checkpoints' worth of space beyond what save_total_limit keeps. When a third
// would wait, Saved drops the oldest waiting one before it snapshots the new one and logs a
// warning naming it; that checkpoint is never pushed (transformers itself skips the pushes
// of saves made while one is in progress).
//
// The token stays inside the hub.Client: no log line, error or file of this package has it.
package hubpush
