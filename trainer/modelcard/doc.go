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
// The table follows transformers to the byte, quirks included: "Training Loss" is the last
// training loss logged before each evaluation ("No log" only before the first one), and a
// history without the train_runtime summary (an interrupted run) gets no table and lists its
// last evaluation with the keys as logged. Set Card.EvalResults to choose the results.
//
// The goldens in testdata/ come from scripts/modelcard/golden.py, which runs copies of the
// pinned Python functions (parse_log_history, make_markdown_table, TrainingSummary.to_model_card,
// extract_hyperparameters_from_trainer) on the JSON inputs beside them; the Go tests compare
// the tables and the whole cards byte for byte.
package modelcard
