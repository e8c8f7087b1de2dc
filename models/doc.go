// Package models holds the transformer architectures hftrain trains (one sub-package per
// architecture), the task heads, Hugging Face config.json decoding and weight loading/saving
// under the exact tensor names transformers uses, and a model_type registry.
//
// Gorgonia stays inside this package tree: callers see Params (flat float32 slices shared with
// every compiled graph) and Batches (plain int32/float32 slices), never graph nodes.
package models
