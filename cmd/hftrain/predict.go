package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hftrain/hftrain/data"
	"github.com/hftrain/hftrain/data/tokenizer"
	"github.com/hftrain/hftrain/models"
	"github.com/hftrain/hftrain/models/auto"
)

// prediction is one output line of `hftrain predict`.
type prediction struct {
	Logits  []float32 `json:"logits"`
	Label   string    `json:"label,omitempty"`    // single-label: the argmax class name
	LabelID *int      `json:"label_id,omitempty"` // single-label: the argmax class id
	Labels  []string  `json:"labels,omitempty"`   // multi-label: every class whose logit is > 0
}

// predictCmd runs a saved model over a data file and writes one JSON line per row.
func predictCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("predict", flag.ContinueOnError)
	fs.SetOutput(stderr)
	modelDir := fs.String("model", "", "model folder (config.json, model.safetensors, tokenizer.json)")
	dataPath := fs.String("data", "", "Parquet, Arrow, JSONL or CSV file with text or input_ids columns")
	output := fs.String("output", "", "output JSONL file (default stdout)")
	textCols := fs.String("text-columns", "", "comma-separated text columns (default text, or sentence1,sentence2)")
	maxLen := fs.Int("max-seq-length", 512, "truncate tokenized text to this many tokens")
	batchSize := fs.Int("batch-size", 32, "rows per forward pass")
	threads := fs.Int("threads", 0, "threads (0 = every core)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *modelDir == "" || *dataPath == "" {
		return errors.New("predict: --model and --data are required")
	}
	setupThreads(*threads)
	m, err := auto.Load(ctx, *modelDir, models.Options{Warnf: func(f string, a ...any) { fmt.Fprintf(stderr, "warning: "+f+"\n", a...) }})
	if err != nil {
		return err
	}
	defer m.Close()
	info := m.Info()
	table, err := data.ReadFile(ctx, *dataPath)
	if err != nil {
		return err
	}
	limit := *maxLen
	if info.MaxPositions > 0 && limit > info.MaxPositions {
		limit = info.MaxPositions
	}
	ds, err := predictExamples(table, *modelDir, *textCols, limit)
	if err != nil {
		return fmt.Errorf("predict: %s: %w", *dataPath, err)
	}
	pad := int32(max(info.PadTokenID, 0))
	b, err := data.NewBatcher(ds, data.BatchOptions{BatchSize: *batchSize, PadID: pad, Buckets: data.DefaultBuckets(longest(ds))})
	if err != nil {
		return err
	}
	logits := make([][]float32, len(ds.Examples))
	for _, batch := range b.Epoch(0) {
		batch.Labels, batch.FloatLabels = nil, nil
		out, err := m.Forward(ctx, &models.Batch{Size: batch.Size, SeqLen: batch.SeqLen, InputIDs: batch.InputIDs, AttentionMask: batch.AttentionMask, TokenTypeIDs: batch.TokenTypeIDs})
		if err != nil {
			return err
		}
		for r, idx := range batch.Indices {
			logits[idx] = out.Logits[r*info.NumLabels : (r+1)*info.NumLabels]
		}
	}
	w := stdout
	if *output != "" {
		f, err := os.Create(*output)
		if err != nil {
			return fmt.Errorf("predict: %w", err)
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, l := range logits {
		if err := enc.Encode(describe(info, l)); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("predict: writing: %w", err)
	}
	if *output != "" {
		fmt.Fprintf(stderr, "predict: wrote %d predictions to %s\n", len(logits), *output)
	}
	return nil
}

func describe(info models.Info, logits []float32) prediction {
	p := prediction{Logits: logits}
	switch info.ProblemType {
	case "single_label_classification":
		best := 0
		for i, v := range logits {
			if v > logits[best] {
				best = i
			}
		}
		p.LabelID = &best
		p.Label = labelName(info, best)
	case "multi_label_classification":
		p.Labels = []string{}
		for i, v := range logits {
			if v > 0 {
				p.Labels = append(p.Labels, labelName(info, i))
			}
		}
	}
	return p
}

func labelName(info models.Info, id int) string {
	if n, ok := info.ID2Label[id]; ok {
		return n
	}
	return fmt.Sprintf("LABEL_%d", id)
}

// predictExamples turns rows into unlabelled examples: ready input_ids (+ attention_mask,
// token_type_ids) when the file has them, else text tokenized with the model folder's tokenizer.
func predictExamples(t *data.Table, modelDir, textCols string, maxLen int) (*data.Dataset, error) {
	ds := &data.Dataset{}
	n := t.NumRows()
	if t.Has("input_ids") {
		ids, _ := t.Column("input_ids")
		opt := func(name string) data.Column {
			if c, err := t.Column(name); err == nil {
				return c
			}
			return nil
		}
		mask, types := opt("attention_mask"), opt("token_type_ids")
		for i := range n {
			ex := data.Example{}
			var err error
			if ex.InputIDs, err = int32s(ids, i); err != nil {
				return nil, err
			}
			if mask != nil {
				if ex.AttentionMask, err = int32s(mask, i); err != nil {
					return nil, err
				}
			} else {
				ex.AttentionMask = ones(len(ex.InputIDs))
			}
			if types != nil {
				if ex.TokenTypeIDs, err = int32s(types, i); err != nil {
					return nil, err
				}
			} else {
				ex.TokenTypeIDs = make([]int32, len(ex.InputIDs))
			}
			if len(ex.AttentionMask) != len(ex.InputIDs) || len(ex.TokenTypeIDs) != len(ex.InputIDs) {
				return nil, fmt.Errorf("row %d: input_ids, attention_mask and token_type_ids differ in length", i)
			}
			ds.Examples = append(ds.Examples, ex)
		}
		return ds, nil
	}
	tok, err := tokenizer.FromFile(tokenizerFile(modelDir))
	if err != nil {
		return nil, err
	}
	tok = tok.WithoutPadding().WithTruncation(maxLen)
	cols := strings.Split(textCols, ",")
	if textCols == "" {
		cols = []string{"text"}
		if !t.Has("text") && t.Has("sentence1") {
			cols = []string{"sentence1", "sentence2"}
		}
	}
	var cs []data.Column
	for _, name := range cols {
		c, err := t.Column(strings.TrimSpace(name))
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	for i := range n {
		var texts []string
		for _, c := range cs {
			s, err := c.String(i)
			if err != nil {
				return nil, fmt.Errorf("column %q row %d: %w", c.Name(), i, err)
			}
			texts = append(texts, s)
		}
		var e *tokenizer.Encoding
		if len(texts) == 2 {
			e, err = tok.EncodePair(texts[0], texts[1], true)
		} else {
			e, err = tok.Encode(texts[0], true)
		}
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", i, err)
		}
		ds.Examples = append(ds.Examples, data.Example{InputIDs: toInt32(e.IDs), AttentionMask: toInt32(e.AttentionMask), TokenTypeIDs: toInt32(e.TypeIDs)})
	}
	return ds, nil
}

func int32s(c data.Column, i int) ([]int32, error) {
	v, err := c.Ints(i)
	if err != nil {
		return nil, fmt.Errorf("column %q row %d: %w", c.Name(), i, err)
	}
	out := make([]int32, len(v))
	for k, x := range v {
		out[k] = int32(x)
	}
	return out, nil
}

func toInt32(v []int) []int32 {
	out := make([]int32, len(v))
	for i, x := range v {
		out[i] = int32(x)
	}
	return out
}

func ones(n int) []int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = 1
	}
	return out
}

func longest(ds *data.Dataset) int {
	n := 1
	for _, ex := range ds.Examples {
		n = max(n, len(ex.InputIDs))
	}
	return n
}
