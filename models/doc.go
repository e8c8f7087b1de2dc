// Package models holds the transformer architectures hftrain trains (one sub-package per
// architecture), the task heads, Hugging Face config.json decoding and weight loading/saving
// under the exact tensor names transformers uses, and a model_type registry.
//
// Gorgonia stays inside this package tree: callers see Params (flat float32 slices shared with
// every compiled graph) and Batches (plain int32/float32 slices), never graph nodes.
//
// The pieces an architecture package (bert, distilbert, roberta) builds on:
//   - PretrainedConfig, embedded in each architecture's Config, with PrepareConfig (decode
//     config.json over the defaults, keep unknown keys, apply run_clm-style overrides and the
//     head Options) and MarshalForSave;
//   - Store and Builder, a prefix-scoped weight builder (candle's VarBuilder): the struct tree
//     of a model equals the key tree of its checkpoint, a missing or mis-shaped tensor is an
//     error naming the key and both shapes, a missing head is initialised as _init_weights does;
//   - Classifier, which turns an Arch into a Model: one compiled graph and TapeMachine per
//     (batch, sequence length, mode), all bound to the same Param.Data.
//   - LoadClassifier and NewRandomClassifier, the from_pretrained and from_config paths each
//     architecture's Load and New are one call to; GraphBuilder's Embed and ForwardLayers, the
//     embeddings block and the layer stack BERT-style encoders share.
//
// Package auto picks the architecture from config.json's model_type.
package models
