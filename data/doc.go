// Package data turns dataset files into padded, length-bucketed batches for
// fine-tuning Hugging Face sequence-classification models.
//
// The pipeline has three stages:
//
//  1. ReadFile loads a Parquet, Arrow IPC (file or stream, as in Hugging Face
//     datasets' cache), JSON Lines, JSON array, CSV or TSV file into a
//     columnar Table with typed per-row access (Column); the format comes from
//     the magic bytes first, the extension second. ReadFiles concatenates the
//     shards of one split. Table.ClassNames exposes the ClassLabel names that
//     Hugging Face datasets stores in Arrow/Parquet metadata.
//  2. BuildClassification tokenizes the text column(s) with an Encoder (or
//     takes ready input_ids), truncates longest_first exactly as Hugging Face
//     tokenizers does, maps labels to ids the way transformers'
//     run_classification.py does, and infers the problem type (single-label,
//     multi-label, regression). SplitValidation holds out a deterministic
//     validation split.
//  3. A Batcher cuts each epoch into batches whose order is a pure function of
//     (seed, epoch), groups rows of similar length (mega-batches of 50 batches,
//     like transformers' LengthGroupedSampler), and pads every batch to a
//     bucket length so that a fixed-shape graph can be reused per bucket.
//     A distributed run cuts global batches (every rank's rows) and the
//     trainer deals their rows to the ranks.
//
// Tables, Datasets and Batchers are read-only once built and safe for
// concurrent readers. Row numbers in errors are 0-based row indices; JSON
// Lines and CSV parse errors give 1-based line numbers.
package data
