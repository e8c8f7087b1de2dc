package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// TestPipelineTextClassification trains the toy classifier, then runs `hftrain pipeline` on it
// with texts as arguments and on stdin, checking transformers' output shapes, the labels the
// model learned, and scores that are a softmax.
func TestPipelineTextClassification(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "")
	var log bytes.Buffer
	if err := run(context.Background(), []string{"--config", cfg, "--set", "eval_strategy=no"}, nil, &log, &log); err != nil {
		t.Fatalf("train: %v\n%s", err, log.String())
	}
	model := filepath.Join(dir, "out")
	pipe := func(stdin string, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if err := run(context.Background(), append([]string{"pipeline"}, args...), strings.NewReader(stdin), &out, &errb); err != nil {
			t.Fatalf("pipeline %v: %v\n%s", args, err, errb.String())
		}
		return out.String()
	}
	var one []labelScore
	if err := json.Unmarshal([]byte(pipe("", "sentiment-analysis", "--model", model, "this movie is good good number 3")), &one); err != nil {
		t.Fatal(err)
	}
	if len(one) != 1 || one[0].Label != "pos" || one[0].Score < 0.5 || one[0].Score > 1 {
		t.Errorf("one text: %+v, want [{pos, >0.5}]", one)
	}
	var two []labelScore
	if err := json.Unmarshal([]byte(pipe("", "text-classification", "this movie is bad bad number 1", "--model", model, "this movie is good good number 2")), &two); err != nil {
		t.Fatal(err)
	}
	if len(two) != 2 || two[0].Label != "neg" || two[1].Label != "pos" {
		t.Errorf("two texts: %+v, want neg then pos", two)
	}
	var all [][]labelScore
	if err := json.Unmarshal([]byte(pipe("", "text-classification", "--model", model, "--top-k", "-1", "this movie is bad", "this movie is good")), &all); err != nil {
		t.Fatal(err)
	}
	for i, r := range all {
		if len(r) != 2 || math.Abs(r[0].Score+r[1].Score-1) > 1e-6 || r[0].Score < r[1].Score {
			t.Errorf("top-k -1, text %d: %+v, want both labels best first, summing to 1", i, r)
		}
	}
	lines := strings.Split(strings.TrimSpace(pipe("this movie is good good\nthis movie is bad bad\n", "sentiment-analysis", "--model", model)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"label":"pos"`) || !strings.Contains(lines[1], `"label":"neg"`) {
		t.Errorf("stdin: %q", lines)
	}
	var errb bytes.Buffer
	if err := run(context.Background(), []string{"pipeline", "summarize-this", "--model", model}, nil, &errb, &errb); err == nil || !strings.Contains(err.Error(), "unknown task") {
		t.Errorf("unknown task: %v", err)
	}
	if err := run(context.Background(), []string{"pipeline", "sentiment-analysis", "--model", model, "--function-to-apply", "tanh", "x"}, nil, &errb, &errb); err == nil || !strings.Contains(err.Error(), "tanh") {
		t.Errorf("bad function: %v", err)
	}
}
