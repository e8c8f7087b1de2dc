// Package hubpush pushes a training run to the Hugging Face Hub while it trains, as
// transformers' Trainer does with push_to_hub and hub_strategy (trainer.py init_hf_repo,
// _push_from_checkpoint, _finish_current_push, push_to_hub; training_args.py HubStrategy).
//
// New creates the repository (hub_model_id, by default the base name of output_dir in the
// token user's namespace). The training loop calls Saved right after each checkpoint is
// written and before rotation; at the end it calls Finish, which waits for the background
// pushes and pushes output_dir with "End of training". What each strategy pushes:
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
// every checkpoint folder. A failed push is retried with backoff and then logged as a
// warning; training goes on. Finish returns the final push's error, a *PushError that says
// how to push the intact folder by hand.
//
// The token stays inside the hub.Client: no log line, error or file of this package has it.
package hubpush
