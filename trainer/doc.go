// Package trainer runs the fine-tuning loop: epochs or max_steps, gradient accumulation with the loss
// normalised over the whole accumulation window, global-norm clipping, AdamW with Hugging Face's
// parameter groups and an LR schedule, evaluation and metrics, logging and the final save.
//
// The loop is one readable function (Trainer.step); everything around it — progress display, the
// JSONL log, evaluation, saving — is a Hook. The trainer sees models only through models.Model
// (flat parameter slices and plain batches) and data only through data.Dataset, so it never touches
// Gorgonia.
package trainer
