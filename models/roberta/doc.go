// Package roberta is RobertaForSequenceClassification as a Gorgonia graph: RobertaConfig
// decoded from config.json, BERT's encoder blocks (package bert) with padding-offset position
// ids, and RobertaClassificationHead, loaded and saved under transformers' exact state_dict
// names (roberta.encoder.layer.0..., classifier.out_proj.weight).
//
// It transcribes transformers' modeling_roberta.py at commit
// 000824f17f924a8b520edf04c597c461fc83356a.
package roberta
