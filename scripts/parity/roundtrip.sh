#!/usr/bin/env bash
# make parity: hftrain trains a small BERT, DistilBERT and RoBERTa classifier (from scratch, ready
# input_ids), writes each as a Hugging Face folder, predicts logits with `hftrain predict`; then the
# PyTorch reference (scripts/parity/reference.py check) loads each folder with
# load_state_dict(strict=True), compares its key set with the golden list for that head, and
# compares its logits with hftrain's (max|got-ref| <= 1e-5*max|ref| + 1e-6). Also checks the demo
# output folder when `make demo` has written one (out/demo).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-bin/hftrain}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
declare -A overrides=(
	[bert]="vocab_size=128,hidden_size=32,num_hidden_layers=2,num_attention_heads=4,intermediate_size=37,max_position_embeddings=64,type_vocab_size=2"
	[distilbert]="vocab_size=128,hidden_size=32,num_hidden_layers=2,num_attention_heads=4,hidden_dim=37,max_position_embeddings=64"
	[roberta]="vocab_size=128,hidden_size=32,num_hidden_layers=2,num_attention_heads=4,intermediate_size=37,max_position_embeddings=66,type_vocab_size=1,pad_token_id=1"
)
declare -A inputs=([bert]=bert_tiny_inputs [distilbert]=distilbert_inputs [roberta]=roberta_inputs)
status=0
for arch in bert distilbert roberta; do
	in=scripts/parity/testdata/${inputs[$arch]}.jsonl
	# Label each input row (alternating), and train on them for a few steps.
	/usr/bin/python3 -c '
import json, sys
for i, l in enumerate(open(sys.argv[1])):
    r = json.loads(l); r["label"] = i % 3; print(json.dumps(r))' "$in" >"$tmp/$arch-train.jsonl"
	echo "== $arch: train, save, predict"
	"$BIN" train --set model_type=$arch --set "config_overrides=${overrides[$arch]}" \
		--set train_file="$tmp/$arch-train.jsonl" --set output_dir="$tmp/$arch" --set max_steps=5 \
		--set per_device_train_batch_size=2 --set learning_rate=1e-2 --set max_seq_length=32 \
		--set save_strategy=no --set logging_steps=5 --set validation_split_percentage=0 2>&1 | tail -2
	"$BIN" predict --model "$tmp/$arch" --data "$in" --output "$tmp/$arch-pred.jsonl"
	echo "== $arch: PyTorch reference check"
	/usr/bin/python3 scripts/parity/reference.py check --model "$tmp/$arch" --inputs "$in" \
		--predictions "$tmp/$arch-pred.jsonl" || status=1
done
if [ -f out/demo/model.safetensors ]; then
	echo "== demo output (out/demo): PyTorch reference check"
	"$BIN" predict --model out/demo --data scripts/parity/testdata/bert_inputs.jsonl --output "$tmp/demo-pred.jsonl"
	/usr/bin/python3 scripts/parity/reference.py check --model out/demo \
		--inputs scripts/parity/testdata/bert_inputs.jsonl --predictions "$tmp/demo-pred.jsonl" || status=1
fi
exit $status
