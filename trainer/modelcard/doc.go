// Package modelcard writes the README.md model card of a pushed model, as transformers'
// Trainer.create_model_card does (TrainingSummary.from_trainer, create_metadata and
// to_model_card in src/transformers/modelcard.py at commit
// 028965d43978995d6b9cc4a4a4922085e64c9580), for hftrain.
//
// The card starts with YAML front matter in create_metadata's key order: library_name
// (hftrain), language, license, base_model, tags (always hftrain and generated_from_trainer),
// datasets (Hub ids only), metrics (only the known metric types, eval_accuracy -> accuracy)
// and model-index. The Markdown body has the same sections as a transformers card: the
// "generated automatically" comment, the title, the fine-tuned-from sentence, the final
// evaluation results, the "More information needed" sections, the hyperparameters, the
// "Training results" table built from the log history exactly as parse_log_history and
// make_markdown_table build it, the training curves picture, and the framework versions.
//
// A Card has no token field: callers pass data that is safe to publish (redacted
// hyperparameters, Hub ids rather than URLs carrying credentials).
//
// The goldens in testdata/history come from scripts/modelcard/golden.py, which runs copies of
// the pinned Python functions; the Go tests compare against them byte for byte.
package modelcard
