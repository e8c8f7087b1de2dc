package data

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"

	"github.com/hftrain/hftrain/data/tokenizer"
)

// Encoder turns text into token ids. *tokenizer.Tokenizer implements it; tests
// use small fakes. BuildClassification calls it from several goroutines, so
// it must be safe for concurrent use.
type Encoder interface {
	// Encode tokenizes one sequence.
	Encode(text string, addSpecialTokens bool) (*tokenizer.Encoding, error)
	// EncodePair tokenizes a sequence pair (sentence1, sentence2).
	EncodePair(first, second string, addSpecialTokens bool) (*tokenizer.Encoding, error)
}

// Spec says which columns of a Table hold the inputs and the labels.
type Spec struct {
	// TextColumns names one column, or two for sequence pairs. Empty means:
	// ready "input_ids" if the table has them, else "text", else
	// "sentence1"+"sentence2", else "sentence".
	TextColumns []string
	// LabelColumn defaults to "label", then "labels"; "label" (label_column_name's default)
	// also finds a "labels" column when the table has no "label", as transformers takes either.
	LabelColumn string
	// ProblemType is "" (infer from the label column), SingleLabel,
	// MultiLabel or Regression.
	ProblemType string
	// MaxSeqLength is the truncation length including special tokens; 0
	// means no truncation.
	MaxSeqLength int
	// LabelList fixes the label names (id -> name), e.g. a pretrained
	// model's id2label. nil derives them from the data: the file's Hugging
	// Face ClassLabel names for integer labels if it has them (see
	// Table.ClassNames), else as run_classification.py does.
	LabelList []string
}

// Example is one tokenized, labelled row.
type Example struct {
	InputIDs, AttentionMask, TokenTypeIDs []int32
	// Label is the class id for single-label classification (0 otherwise).
	Label int32
	// FloatLabels is the multi-hot target (NumLabels values) for multi-label
	// classification, or the one target value for regression.
	FloatLabels []float32
}

// Dataset is a list of examples with their label metadata.
type Dataset struct {
	Examples    []Example
	ProblemType string
	// Labels maps id -> name (nil for regression). Derived string labels are
	// sorted; derived integer labels are named by their decimal ids.
	Labels    []string
	NumLabels int
}

// MaxLen returns the length of the longest example.
func (d *Dataset) MaxLen() int {
	m := 0
	for i := range d.Examples {
		m = max(m, len(d.Examples[i].InputIDs))
	}
	return m
}

// BuildClassification tokenizes t's text column(s) (special tokens added,
// pairs truncated longest_first to spec.MaxSeqLength) or takes its ready
// input_ids, and reads its labels, following transformers'
// run_classification.py: float labels mean regression, list labels
// multi-label, other labels single-label; string label names get ids in
// sorted order. Errors name the column and the (0-based) row.
func BuildClassification(ctx context.Context, t *Table, enc Encoder, spec Spec) (*Dataset, error) {
	d, err := buildClassification(ctx, t, enc, spec)
	if err != nil {
		return nil, fmt.Errorf("data: classification: %w", err)
	}
	return d, nil
}

// BuildClassificationWithLabels is BuildClassification with a fixed
// id -> name mapping, typically the train split's Dataset.Labels, so that a
// validation split uses the same ids even if it lacks some labels.
func BuildClassificationWithLabels(ctx context.Context, t *Table, enc Encoder, spec Spec, labels []string) (*Dataset, error) {
	if len(labels) == 0 && spec.ProblemType != Regression {
		return nil, errors.New("data: classification: empty label list (for a regression split set Spec.ProblemType to Regression)")
	}
	spec.LabelList = labels
	return BuildClassification(ctx, t, enc, spec)
}

// BuildInputs builds examples without labels, for prediction: the inputs are
// chosen, tokenized and truncated exactly as in BuildClassification, and any
// label column is ignored. The Dataset has no ProblemType or Labels.
func BuildInputs(ctx context.Context, t *Table, enc Encoder, spec Spec) (*Dataset, error) {
	if spec.MaxSeqLength < 0 {
		return nil, fmt.Errorf("data: inputs: MaxSeqLength %d is negative", spec.MaxSeqLength)
	}
	d := &Dataset{Examples: make([]Example, t.NumRows())}
	if err := fillInputs(ctx, t, overrideTokenizer(enc, spec.MaxSeqLength), spec, d.Examples); err != nil {
		return nil, fmt.Errorf("data: inputs: %w", err)
	}
	return d, nil
}

// overrideTokenizer makes a *tokenizer.Tokenizer behave like
// tokenizer(text, padding=False, truncation=True, max_length=maxLen) in
// transformers: the call's settings replace any padding or truncation saved
// in tokenizer.json. Batches are padded later, per bucket.
func overrideTokenizer(enc Encoder, maxLen int) Encoder {
	tok, ok := enc.(*tokenizer.Tokenizer)
	if !ok {
		return enc
	}
	if maxLen == 0 {
		maxLen = -1
	}
	return tok.WithoutPadding().WithTruncation(maxLen)
}

func buildClassification(ctx context.Context, t *Table, enc Encoder, spec Spec) (*Dataset, error) {
	if spec.MaxSeqLength < 0 {
		return nil, fmt.Errorf("MaxSeqLength %d is negative", spec.MaxSeqLength)
	}
	labelCol, err := findLabelColumn(t, spec.LabelColumn)
	if err != nil {
		return nil, err
	}
	problem, err := problemFor(labelCol, spec.ProblemType)
	if err != nil {
		return nil, err
	}
	fixed := spec.LabelList
	if k := labelCol.Kind(); fixed == nil && problem != Regression && (k == KindInt || k == KindIntList) {
		fixed = t.ClassNames(labelCol.Name()) // the dataset's own ClassLabel names
	}
	lab, err := readLabels(labelCol, problem, fixed)
	if err != nil {
		return nil, err
	}
	if problem != Regression && fixed == nil && len(lab.names) < 2 {
		return nil, fmt.Errorf("label column %q has %d distinct label(s); classification needs at least 2", labelCol.Name(), len(lab.names))
	}
	d := &Dataset{ProblemType: problem, Labels: lab.names, NumLabels: len(lab.names), Examples: make([]Example, t.NumRows())}
	if problem == Regression {
		d.Labels, d.NumLabels = nil, 1
	}
	if err := fillInputs(ctx, t, overrideTokenizer(enc, spec.MaxSeqLength), spec, d.Examples); err != nil {
		return nil, err
	}
	for i := range d.Examples {
		if lab.ids != nil {
			d.Examples[i].Label = lab.ids[i]
		}
		if lab.floats != nil {
			d.Examples[i].FloatLabels = lab.floats[i]
		}
	}
	return d, nil
}

func findLabelColumn(t *Table, name string) (Column, error) {
	if name == "label" && !t.Has("label") && t.Has("labels") {
		name = "labels" // transformers' collators and Trainer take either name
	}
	if name != "" {
		c, err := t.Column(name)
		if err != nil {
			return nil, fmt.Errorf("label column: %w", err)
		}
		return c, nil
	}
	for _, n := range []string{"label", "labels"} {
		if t.Has(n) {
			return t.Column(n)
		}
	}
	return nil, fmt.Errorf(`no label column "label" or "labels" (columns: %s)`, t.columnList())
}

// fillInputs sets InputIDs, AttentionMask and TokenTypeIDs of every example.
func fillInputs(ctx context.Context, t *Table, enc Encoder, spec Spec, ex []Example) error {
	textCols := spec.TextColumns
	if len(textCols) == 0 {
		switch {
		case t.Has("input_ids"):
			return fillReadyInputs(ctx, t, spec.MaxSeqLength, ex)
		case t.Has("text"):
			textCols = []string{"text"}
		case t.Has("sentence1") && t.Has("sentence2"):
			textCols = []string{"sentence1", "sentence2"}
		case t.Has("sentence"):
			textCols = []string{"sentence"}
		default:
			return fmt.Errorf(`no input column: want "input_ids", "text", "sentence1"+"sentence2" or "sentence", or name the text columns (text_column_names) (columns: %s)`, t.columnList())
		}
	}
	if len(textCols) > 2 {
		return fmt.Errorf("TextColumns %v: want 1 or 2 columns", textCols)
	}
	if enc == nil {
		return errors.New("text columns need an Encoder, got nil")
	}
	cols := make([]Column, len(textCols))
	for k, name := range textCols {
		c, err := t.Column(name)
		if err != nil {
			return fmt.Errorf("text column: %w", err)
		}
		cols[k] = c
	}
	return tokenizeRows(ctx, enc, cols, spec.MaxSeqLength, ex)
}

// tokenizeRows encodes every row, in parallel over contiguous chunks of rows
// (so the Encoder must be safe for concurrent use, as *tokenizer.Tokenizer
// is). The result does not depend on the number of workers; on failure the
// error of the lowest failing row is returned.
func tokenizeRows(ctx context.Context, enc Encoder, cols []Column, maxLen int, ex []Example) error {
	const minChunk = 256
	workers := min(runtime.GOMAXPROCS(0), (len(ex)+minChunk-1)/minChunk)
	workers = max(workers, 1)
	chunk := (len(ex) + workers - 1) / workers
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(ex))
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = tokenizeRange(ctx, enc, cols, maxLen, ex, lo, hi)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func tokenizeRange(ctx context.Context, enc Encoder, cols []Column, maxLen int, ex []Example, lo, hi int) error {
	texts := make([]string, len(cols))
	for i := lo; i < hi; i++ {
		if (i-lo)%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		for k, c := range cols {
			s, err := c.String(i)
			if err != nil {
				return fmt.Errorf("text: %w", err)
			}
			texts[k] = s
		}
		var e *tokenizer.Encoding
		var err error
		if len(texts) == 2 {
			e, err = enc.EncodePair(texts[0], texts[1], true)
		} else {
			e, err = enc.Encode(texts[0], true)
		}
		if err != nil {
			return fmt.Errorf("row %d: tokenize %s: %w", i, columnNames(cols), err)
		}
		if err := setEncoding(&ex[i], e, maxLen, len(texts) == 2); err != nil {
			return fmt.Errorf("row %d: %w", i, err)
		}
	}
	return nil
}

func columnNames(cols []Column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name()
	}
	return strings.Join(names, "+")
}

// setEncoding copies e into ex, truncating it to maxLen if the encoder did
// not already.
func setEncoding(ex *Example, e *tokenizer.Encoding, maxLen int, pair bool) error {
	if e == nil || len(e.IDs) == 0 {
		return errors.New("tokenizer returned no tokens")
	}
	n := len(e.IDs)
	if (e.TypeIDs != nil && len(e.TypeIDs) != n) || (e.AttentionMask != nil && len(e.AttentionMask) != n) ||
		(e.SpecialTokensMask != nil && len(e.SpecialTokensMask) != n) {
		return fmt.Errorf("tokenizer returned inconsistent lengths: %d ids, %d type ids, %d mask, %d special mask",
			n, len(e.TypeIDs), len(e.AttentionMask), len(e.SpecialTokensMask))
	}
	e = withoutPadding(e)
	n = len(e.IDs)
	keep, err := truncationKeep(e, maxLen, pair)
	if err != nil {
		return err
	}
	for j := 0; j < n; j++ {
		if keep != nil && !keep[j] {
			continue
		}
		if e.IDs[j] < 0 || e.IDs[j] > math.MaxInt32 {
			return fmt.Errorf("token id %d out of int32 range", e.IDs[j])
		}
		ex.InputIDs = append(ex.InputIDs, int32(e.IDs[j]))
		ex.AttentionMask = append(ex.AttentionMask, intAt(e.AttentionMask, j, 1))
		ex.TokenTypeIDs = append(ex.TokenTypeIDs, intAt(e.TypeIDs, j, 0))
	}
	return nil
}

// withoutPadding drops the positions an encoder padded (attention mask 0, on
// either side): batches are padded per bucket later, and pads would count as
// special tokens in truncation.
func withoutPadding(e *tokenizer.Encoding) *tokenizer.Encoding {
	pads := 0
	for _, m := range e.AttentionMask {
		if m == 0 {
			pads++
		}
	}
	if pads == 0 {
		return e
	}
	out := &tokenizer.Encoding{}
	for j, m := range e.AttentionMask {
		if m == 0 {
			continue
		}
		out.IDs = append(out.IDs, e.IDs[j])
		out.AttentionMask = append(out.AttentionMask, m)
		if e.TypeIDs != nil {
			out.TypeIDs = append(out.TypeIDs, e.TypeIDs[j])
		}
		if e.SpecialTokensMask != nil {
			out.SpecialTokensMask = append(out.SpecialTokensMask, e.SpecialTokensMask[j])
		}
	}
	return out
}

func intAt(s []int, j int, def int32) int32 {
	if s == nil {
		return def
	}
	return int32(s[j])
}

// fillReadyInputs takes already tokenized input_ids (+ optional
// attention_mask and token_type_ids). Rows longer than maxLen are an error:
// cutting them would drop the closing special token.
func fillReadyInputs(ctx context.Context, t *Table, maxLen int, ex []Example) error {
	ids, _ := t.Column("input_ids")
	var mask, types Column
	if t.Has("attention_mask") {
		mask, _ = t.Column("attention_mask")
	}
	if t.Has("token_type_ids") {
		types, _ = t.Column("token_type_ids")
	}
	for i := range ex {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		row, err := ids.Ints(i)
		if err != nil {
			return fmt.Errorf("input: %w", err)
		}
		if len(row) == 0 {
			return fmt.Errorf(`column "input_ids": row %d: empty`, i)
		}
		if maxLen > 0 && len(row) > maxLen {
			return fmt.Errorf(`column "input_ids": row %d: %d tokens, more than MaxSeqLength %d`, i, len(row), maxLen)
		}
		e := &ex[i]
		if e.InputIDs, err = toInt32(ids, i, row, len(row)); err != nil {
			return err
		}
		if e.AttentionMask, err = optionalInts(mask, i, len(row), 1); err != nil {
			return err
		}
		if e.TokenTypeIDs, err = optionalInts(types, i, len(row), 0); err != nil {
			return err
		}
	}
	return nil
}

func optionalInts(c Column, i, n int, def int32) ([]int32, error) {
	if c == nil {
		out := make([]int32, n)
		for j := range out {
			out[j] = def
		}
		return out, nil
	}
	row, err := c.Ints(i)
	if err != nil {
		return nil, fmt.Errorf("input: %w", err)
	}
	return toInt32(c, i, row, n)
}

func toInt32(c Column, i int, row []int64, n int) ([]int32, error) {
	if len(row) != n {
		return nil, fmt.Errorf("column %q: row %d: %d values, input_ids has %d", c.Name(), i, len(row), n)
	}
	out := make([]int32, n)
	for j, v := range row {
		if v < math.MinInt32 || v > math.MaxInt32 {
			return nil, fmt.Errorf("column %q: row %d: value %d out of int32 range", c.Name(), i, v)
		}
		out[j] = int32(v)
	}
	return out, nil
}
