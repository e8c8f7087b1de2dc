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
	ds, err := predictExamples(ctx, table, *modelDir, *textCols, limit)
	if err != nil {
		return fmt.Errorf("predict: %s: %w", *dataPath, err)
	}
	logits, err := forwardLogits(ctx, m, ds, *batchSize)
	if err != nil {
		return err
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

// forwardLogits runs m over every example in batches and returns each example's logits, in order.
func forwardLogits(ctx context.Context, m models.Model, ds *data.Dataset, batchSize int) ([][]float32, error) {
	info := m.Info()
	b, err := data.NewBatcher(ds, data.BatchOptions{BatchSize: max(1, batchSize), PadID: int32(max(info.PadTokenID, 0)), Buckets: data.DefaultBuckets(max(ds.MaxLen(), 1))})
	if err != nil {
		return nil, err
	}
	logits := make([][]float32, len(ds.Examples))
	for _, batch := range b.Epoch(0) {
		out, err := m.Forward(ctx, &models.Batch{Size: batch.Size, SeqLen: batch.SeqLen, InputIDs: batch.InputIDs, AttentionMask: batch.AttentionMask, TokenTypeIDs: batch.TokenTypeIDs})
		if err != nil {
			return nil, err
		}
		for r, idx := range batch.Indices {
			logits[idx] = out.Logits[r*info.NumLabels : (r+1)*info.NumLabels]
		}
	}
	return logits, nil
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
func predictExamples(ctx context.Context, t *data.Table, modelDir, textCols string, maxLen int) (*data.Dataset, error) {
	spec := data.Spec{MaxSeqLength: maxLen}
	if textCols != "" {
		for _, c := range strings.Split(textCols, ",") {
			spec.TextColumns = append(spec.TextColumns, strings.TrimSpace(c))
		}
	}
	var enc data.Encoder
	tokPath := tokenizerFile(modelDir)
	if _, err := os.Stat(tokPath); err == nil || !t.Has("input_ids") || len(spec.TextColumns) > 0 {
		tok, err := tokenizer.FromFile(tokPath)
		if err != nil {
			return nil, err
		}
		enc = tok
	}
	return data.BuildInputs(ctx, t, enc, spec)
}
