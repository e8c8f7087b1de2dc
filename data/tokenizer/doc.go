// Package tokenizer loads Hugging Face tokenizer.json files and encodes text exactly as the
// official Rust tokenizers library does, for WordPiece (BERT, DistilBERT) and byte-level BPE
// (GPT-2, RoBERTa) tokenizers.
//
// The pipeline follows the library step by step: added tokens are split out of the raw text
// (tokens with normalized=false) and, after normalization, out of the normalized text; the
// pre-tokenizer splits the rest into words; the model turns each word into tokens; the
// post-processor adds special tokens and type ids; truncation and padding apply as configured.
// Every step keeps an alignment from normalized bytes to input bytes, so Encoding.Offsets are
// exact character offsets into the input.
//
// Supported components: normalizers BertNormalizer, Lowercase, NFD, NFC, NFKD, NFKC,
// StripAccents, Strip, Replace, Prepend, Sequence; pre-tokenizers BertPreTokenizer, ByteLevel,
// Whitespace, WhitespaceSplit, Punctuation, Split, Digits, Metaspace, Sequence; models
// WordPiece and BPE (with or without model.type); post-processors BertProcessing,
// RobertaProcessing, TemplateProcessing, ByteLevel, Sequence; decoders WordPiece, ByteLevel,
// ByteFallback, Fuse, Replace, Strip, Metaspace, BPEDecoder, Sequence. Anything else is a
// load error that names the component and its type. Regex patterns (Split, Replace) are
// compiled with Go's regexp, so look-around is not supported;
// the GPT-2 split pattern of ByteLevel, which needs a look-ahead, is scanned by hand. BPE
// dropout, truncation stride and Unigram models are not supported; such errors wrap
// ErrUnsupported.
//
// Truncation and padding come from tokenizer.json and can be replaced from code
// (WithTruncation, WithTruncationConfig, WithPadding, WithoutPadding); EncodeBatch pads a
// batch to its longest member when the padding strategy is batch-longest. A Tokenizer is
// never modified after loading, so goroutines may share one.
//
// The tests compare every field of thousands of encodings (singles, pairs, truncated, padded,
// batched, decoded) with golden files written by the official library; the scripts that build
// the fixtures and goldens are in scripts/tokenizer.
package tokenizer
