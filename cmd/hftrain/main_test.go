package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// demoTokenizer is the bert-base-uncased tokenizer shipped with the demo.
const demoTokenizer = "../../examples/spam/tokenizer"

// writeJSONL writes rows of a toy task: "good" texts are label pos, "bad" ones neg.
func writeToyData(t *testing.T, dir, name string, n int) string {
	t.Helper()
	var b strings.Builder
	words := []string{"good", "bad"}
	for i := range n {
		w := words[i%2]
		label := map[string]string{"good": "pos", "bad": "neg"}[w]
		fmt.Fprintf(&b, `{"text": "this movie is %s %s number %d", "label": %q}`+"\n", w, w, i, label)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeConfig(t *testing.T, dir string, extra string) string {
	t.Helper()
	train := writeToyData(t, dir, "train.jsonl", 64)
	val := writeToyData(t, dir, "val.jsonl", 16)
	cfg := fmt.Sprintf(`model_type: bert
tokenizer_name: %s
config_overrides: "hidden_size=32,num_hidden_layers=1,num_attention_heads=2,intermediate_size=64,max_position_embeddings=64"
train_file: %s
validation_file: %s
max_seq_length: 32
output_dir: %s
num_train_epochs: 3
per_device_train_batch_size: 8
learning_rate: 3.0e-3
logging_steps: 4
eval_strategy: epoch
save_strategy: "no"
%s`, demoTokenizer, train, val, filepath.Join(dir, "out"), extra)
	p := filepath.Join(dir, "cfg.yaml")
	if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestTrainPredictEndToEnd fine-tunes a tiny BERT on a separable toy task through the CLI, then
// predicts with the saved folder and checks the predictions are the learned labels.
func TestTrainPredictEndToEnd(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "")
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"--config", cfg}, nil, &stderr, &stderr); err != nil {
		t.Fatalf("train: %v\n%s", err, stderr.String())
	}
	out := filepath.Join(dir, "out")
	for _, f := range []string{"config.json", "model.safetensors", "tokenizer.json", "trainer_log.jsonl", "all_results.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("output_dir lacks %s", f)
		}
	}
	var res map[string]float64
	b, _ := os.ReadFile(filepath.Join(out, "all_results.json"))
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if res["eval_accuracy"] < 0.99 {
		t.Errorf("eval_accuracy %v on a separable task, want 1\n%s", res["eval_accuracy"], stderr.String())
	}
	preds := filepath.Join(dir, "preds.jsonl")
	if err := run(context.Background(), []string{"predict", "--model", out, "--data", filepath.Join(dir, "val.jsonl"), "--output", preds}, nil, &stderr, &stderr); err != nil {
		t.Fatalf("predict: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(readFile(t, preds)), "\n")
	if len(lines) != 16 {
		t.Fatalf("%d prediction lines, want 16", len(lines))
	}
	for i, l := range lines {
		var p prediction
		if err := json.Unmarshal([]byte(l), &p); err != nil {
			t.Fatal(err)
		}
		want := map[int]string{0: "pos", 1: "neg"}[i%2]
		if p.Label != want || len(p.Logits) != 2 {
			t.Errorf("row %d: %+v, want label %s", i, p, want)
		}
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestBadInput feeds each kind of bad input and checks the error says what is wrong.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "")
	corrupt := filepath.Join(dir, "corrupt")
	if err := os.MkdirAll(corrupt, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(corrupt, "config.json"), []byte(`{"model_type":"bert","hidden_size":32,"num_hidden_layers":1,"num_attention_heads":2,"intermediate_size":64}`), 0o644)
	os.WriteFile(filepath.Join(corrupt, "model.safetensors"), []byte("\xff\xff\xff\xff\xff\xff\x00\x00{}"), 0o644)
	badTok := filepath.Join(dir, "badtok.json")
	os.WriteFile(badTok, []byte(`{"version":"1.0","model":{"type":"Unigram","vocab":[["a",0.0]]}}`), 0o644)
	noCol := filepath.Join(dir, "nocol.jsonl")
	os.WriteFile(noCol, []byte(`{"body":"hello","label":"pos"}`+"\n"+`{"body":"bye","label":"neg"}`+"\n"), 0o644)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"unknown key", []string{"--config", cfg, "--set", "learning_rat=1e-3"}, []string{"learning_rat", "learning_rate"}},
		{"wrong type", []string{"--config", cfg, "--set", "num_train_epochs=many"}, []string{"num_train_epochs", "many"}},
		{"unsupported key", []string{"--config", cfg, "--set", "fp16=true"}, []string{"fp16", "not support"}},
		{"missing config", []string{"--config", filepath.Join(dir, "nope.yaml")}, []string{"nope.yaml"}},
		{"missing train file", []string{"--config", cfg, "--set", "train_file=" + filepath.Join(dir, "missing.parquet")}, []string{"missing.parquet"}},
		{"missing column", []string{"--config", cfg, "--set", "train_file=" + noCol}, []string{"text"}},
		{"corrupt safetensors", []string{"--config", cfg, "--set", "model_name_or_path=" + corrupt, "--set", "model_type="}, []string{"model.safetensors"}},
		{"unsupported tokenizer", []string{"--config", cfg, "--set", "tokenizer_name=" + badTok}, []string{"Unigram"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), tc.args, nil, &out, &out)
			if err == nil {
				t.Fatalf("no error; output:\n%s", out.String())
			}
			t.Logf("error: %v", err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestTokenizeCommand(t *testing.T) {
	var out, errb bytes.Buffer
	in := strings.NewReader("Hello, world!\n")
	if err := run(context.Background(), []string{"tokenize", "--tokenizer", demoTokenizer}, in, &out, &errb); err != nil {
		t.Fatal(err, errb.String())
	}
	// bert-base-uncased: [CLS] hello , world ! [SEP]
	want := `{"input_ids":[101,7592,1010,2088,999,102],"attention_mask":[1,1,1,1,1,1],"token_type_ids":[0,0,0,0,0,0]}`
	if strings.TrimSpace(out.String()) != want {
		t.Errorf("got %s\nwant %s", out.String(), want)
	}
	out.Reset()
	if err := run(context.Background(), []string{"tokenize", "--no-special-tokens", "--tokenizer", demoTokenizer}, strings.NewReader("Hello, world!\n"), &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), `{"input_ids":[7592,1010,2088,999]`) {
		t.Errorf("--no-special-tokens: got %s", out.String())
	}
}

// TestMaxSeqLengthClampedToModel: a max_seq_length above the model's positions is clamped with a
// warning, as run_classification.py does, and the rows are tokenized to the clamped length.
func TestMaxSeqLengthClampedToModel(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "")
	// Rows of about 100 tokens, under a "labels" column (accepted for label_column_name's default).
	var b strings.Builder
	for i := range 16 {
		w := []string{"good", "bad"}[i%2]
		fmt.Fprintf(&b, `{"text": "%s", "labels": %q}`+"\n", strings.Repeat(w+" movie ", 50), map[string]string{"good": "pos", "bad": "neg"}[w])
	}
	long := filepath.Join(dir, "long.jsonl")
	if err := os.WriteFile(long, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	args := []string{"--config", cfg, "--set", "train_file=" + long, "--set", "max_seq_length=128", "--set", "num_train_epochs=1", "--set", "eval_strategy=no"}
	if err := run(context.Background(), args, nil, &stderr, &stderr); err != nil {
		t.Fatalf("train: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "warning: max_seq_length 128 is longer than the model allows (64 positions); using max_seq_length=64") {
		t.Errorf("no clamping warning:\n%s", stderr.String())
	}
}
