// Package distilbert is DistilBertForSequenceClassification as a Gorgonia graph:
// DistilBertConfig decoded from config.json, the Embeddings / TransformerBlock blocks and the
// pre_classifier + ReLU head, loaded and saved under transformers' exact state_dict names
// (distilbert.transformer.layer.0.attention.q_lin.weight, ...).
//
// The blocks transcribe transformers' modeling_distilbert.py at commit
// 00b326f4caca2d1fbebe5c86e1693475fd4d0c9a.
package distilbert
