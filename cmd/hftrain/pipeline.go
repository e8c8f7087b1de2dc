package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/hftrain/hftrain/data"
	"github.com/hftrain/hftrain/data/tokenizer"
	"github.com/hftrain/hftrain/models"
	"github.com/hftrain/hftrain/models/auto"
)

// pipelineUsage is `hftrain pipeline`'s help.
const pipelineUsage = `Usage: hftrain pipeline TASK --model DIR [flags] [TEXT ...]

Runs a model folder as transformers' pipeline(TASK) does and prints its output as JSON:
with TEXT arguments, what the pipeline returns for them (one text: its list of results);
without, one text per line on stdin and one JSON line per text out.

Tasks: sentiment-analysis, text-classification (flags --top-k, --function-to-apply).
`

// pipelineCmd is `hftrain pipeline`.
func pipelineCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(stderr, pipelineUsage)
		return errors.New("pipeline: name a task first: hftrain pipeline sentiment-analysis --model DIR \"text\"")
	}
	task, rest := args[0], args[1:]
	switch task {
	case "sentiment-analysis", "text-classification":
	case "token-classification", "ner", "question-answering", "fill-mask", "text-generation",
		"translation", "summarization", "text2text-generation":
		return fmt.Errorf("pipeline: %s needs a model head hftrain does not have yet (sequence classification only for now)", task)
	default:
		return fmt.Errorf("pipeline: unknown task %q (sentiment-analysis, text-classification)", task)
	}
	fs := flag.NewFlagSet("pipeline "+task, flag.ContinueOnError)
	fs.SetOutput(stderr)
	modelDir := fs.String("model", "", "model folder (config.json, model.safetensors, tokenizer.json)")
	topK := fs.Int("top-k", 0, "return the k best labels (default: the best one; -1: all)")
	fn := fs.String("function-to-apply", "", "sigmoid, softmax or none (default: as transformers picks from the model's problem_type)")
	batchSize := fs.Int("batch-size", 32, "texts per forward pass")
	threads := fs.Int("threads", 0, "threads (0 = every core)")
	if err := fs.Parse(interleave(rest)); err != nil {
		return err
	}
	if *modelDir == "" {
		return errors.New("pipeline: --model is required")
	}
	setupThreads(*threads)
	m, err := auto.Load(ctx, *modelDir, models.Options{Warnf: func(f string, a ...any) { fmt.Fprintf(stderr, "warning: "+f+"\n", a...) }})
	if err != nil {
		return err
	}
	defer m.Close()
	tok, err := tokenizer.FromFile(tokenizerFile(*modelDir))
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	c := &textClassifier{model: m, info: m.Info(), tok: tok, batch: *batchSize, topK: *topK}
	if c.fn, err = c.function(*fn); err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	if texts := fs.Args(); len(texts) > 0 {
		res, err := c.classify(ctx, texts)
		if err != nil {
			return err
		}
		if len(texts) == 1 {
			return enc.Encode(res[0])
		}
		if *topK == 0 { // transformers' legacy shape: one dict per text
			flat := make([]labelScore, len(res))
			for i, r := range res {
				flat[i] = r[0]
			}
			return enc.Encode(flat)
		}
		return enc.Encode(res)
	}
	// One text per line on stdin, classified in batches.
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var lines []string
	flush := func() error {
		res, err := c.classify(ctx, lines)
		if err != nil {
			return err
		}
		for _, r := range res {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		lines = lines[:0]
		return nil
	}
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) == c.batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("pipeline: reading stdin: %w", err)
	}
	return flush()
}

// interleave moves flags after the texts to the front, so that `pipeline TASK --model M "text"`
// and `pipeline TASK "text" --model M` both parse (Go's flag stops at the first non-flag).
func interleave(args []string) []string {
	var flags, texts []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			texts = append(texts, args[i+1:]...)
			return append(append(flags, "--"), texts...)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			flags = append(flags, a)
			if !strings.Contains(a, "=") && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		default:
			texts = append(texts, a)
		}
	}
	return append(append(flags, "--"), texts...)
}

// labelScore is one entry of a text-classification pipeline's output.
type labelScore struct {
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

// textClassifier is transformers' TextClassificationPipeline over a sequence-classification model.
type textClassifier struct {
	model models.Model
	info  models.Info
	tok   *tokenizer.Tokenizer
	batch int
	topK  int // 0: the best label; -1: all; k: the k best
	fn    string
}

// function resolves --function-to-apply as TextClassificationPipeline does by default:
// regression → none, multi-label or a single label → sigmoid, else softmax.
func (c *textClassifier) function(fn string) (string, error) {
	switch fn {
	case "sigmoid", "softmax", "none":
		return fn, nil
	case "":
	default:
		return "", fmt.Errorf("pipeline: --function-to-apply %q: want sigmoid, softmax or none", fn)
	}
	switch {
	case c.info.ProblemType == "regression":
		return "none", nil
	case c.info.ProblemType == "multi_label_classification" || c.info.NumLabels == 1:
		return "sigmoid", nil
	}
	return "softmax", nil
}

// classify returns each text's labels, best first, cut to topK.
func (c *textClassifier) classify(ctx context.Context, texts []string) ([][]labelScore, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	enc := c.tok.WithoutPadding()
	if c.info.MaxPositions > 0 {
		enc = enc.WithTruncation(c.info.MaxPositions)
	}
	ds := &data.Dataset{Examples: make([]data.Example, len(texts))}
	for i, t := range texts {
		e, err := enc.Encode(t, true)
		if err != nil {
			return nil, fmt.Errorf("pipeline: text %d: %w", i, err)
		}
		ds.Examples[i] = data.Example{InputIDs: toInt32(e.IDs), AttentionMask: toInt32(e.AttentionMask), TokenTypeIDs: toInt32(e.TypeIDs)}
	}
	logits, err := forwardLogits(ctx, c.model, ds, c.batch)
	if err != nil {
		return nil, err
	}
	out := make([][]labelScore, len(texts))
	for i, l := range logits {
		out[i] = c.scores(l)
	}
	return out, nil
}

// scores applies the function in float32, as the pipeline does in NumPy, and sorts.
func (c *textClassifier) scores(logits []float32) []labelScore {
	s := make([]float32, len(logits))
	switch c.fn {
	case "sigmoid":
		for i, x := range logits {
			s[i] = float32(1 / (1 + math.Exp(-float64(x))))
		}
	case "softmax":
		mx := logits[0]
		for _, x := range logits {
			mx = max(mx, x)
		}
		var sum float32
		for i, x := range logits {
			s[i] = float32(math.Exp(float64(x - mx)))
			sum += s[i]
		}
		for i := range s {
			s[i] /= sum
		}
	default:
		copy(s, logits)
	}
	ls := make([]labelScore, len(s))
	for i, v := range s {
		ls[i] = labelScore{Label: labelName(c.info, i), Score: float64(v)}
	}
	sort.SliceStable(ls, func(i, j int) bool { return ls[i].Score > ls[j].Score })
	switch {
	case c.topK == 0:
		ls = ls[:1]
	case c.topK > 0 && c.topK < len(ls):
		ls = ls[:c.topK]
	}
	return ls
}

func toInt32(s []int) []int32 {
	out := make([]int32, len(s))
	for i, v := range s {
		out[i] = int32(v)
	}
	return out
}
