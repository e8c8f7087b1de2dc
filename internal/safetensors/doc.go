// Package safetensors reads and writes Hugging Face safetensors files and
// sharded safetensors checkpoints.
//
// A safetensors file is an 8-byte little-endian header length N, N bytes of
// JSON header, then the tensor bytes:
//
//	{"__metadata__":{"format":"pt"},
//	 "bert.pooler.dense.bias":{"dtype":"F32","shape":[768],"data_offsets":[0,3072]}, ...}
//
// Offsets are relative to the data section, which follows the header
// directly. A sharded checkpoint is a directory holding
// model-0000k-of-0000n.safetensors files and model.safetensors.index.json
// mapping each tensor name to its shard.
//
// Parse and ReadFile validate a file as strictly as the reference Rust crate
// (huggingface/safetensors) does, and a little more: every failure is an
// error naming the file and the problem, and no input makes them panic
// (FuzzParse checks that). Encode writes tensors in the Rust crate's order
// (by dtype alignment, largest first, then by name), so a file written here
// is byte-for-byte what safetensors.torch.save_file writes for the same
// tensors and metadata.
//
// The codec is its own package, below everything else in hftrain, because
// models (weight loading and saving), the trainer (checkpoints) and the Hub
// client all need it, and it needs nothing from them: it imports only the
// standard library. It lives under internal/ because its API is shaped by
// hftrain's needs rather than promised to outside users.
package safetensors
