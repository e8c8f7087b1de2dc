// Package distilbert is DistilBertForSequenceClassification as a Gorgonia graph:
// DistilBertConfig decoded from config.json, the Embeddings / TransformerBlock blocks and the
// pre_classifier + ReLU head, loaded and saved under transformers' exact state_dict names
// (distilbert.transformer.layer.0.attention.q_lin.weight, ...).
//
// The blocks transcribe transformers' modeling_distilbert.py at commit
// e368c1a8819d54720956961ea7cd47d99239bd39.
package distilbert
