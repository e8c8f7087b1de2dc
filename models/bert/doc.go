// Package bert is BertForSequenceClassification as a Gorgonia graph: BertConfig decoded from
// config.json, the BertEmbeddings / BertLayer / BertPooler blocks, and loading and saving under
// transformers' exact state_dict names (bert.encoder.layer.0.attention.self.query.weight, ...).
//
// The blocks transcribe transformers' modeling_bert.py at commit
// 8ec58104181bfb34d824d89bccc009b4f6be6e0e; RoBERTa reuses them.
package bert
