// Package seqeval is hftrain's port of the default (non-strict,
// conlleval-style) entity extraction and scoring of the Python seqeval
// package (github.com/chakki-works/seqeval, seqeval/metrics/sequence_labeling.py,
// seqeval 1.2.x), as used by transformers' examples/pytorch/token-classification/run_ner.py
// through evaluate.load("seqeval").
//
// Entities mirrors seqeval.metrics.sequence_labeling.get_entities with
// suffix=False: every tag is split into a one-character "tag" (its first code
// point: B, I, E, S, O, or anything else) and a type (the text after the
// first '-' following that character, or the rest of the label when there is
// no '-', or "_" when that is empty), and chunk boundaries are found with
// seqeval's end_of_chunk/start_of_chunk rules. That covers IOB1, IOB2, IOE1,
// IOE2 and IOBES input, and it reproduces seqeval's answers on malformed input
// too (an I- after O starts a chunk, a type change ends one, labels without a
// prefix such as "PER" read as tag 'P' with type "ER", and so on).
//
// Compute mirrors evaluate's seqeval metric (overall_precision,
// overall_recall, overall_f1, overall_accuracy and a precision/recall/f1/number
// entry per entity type) with zero_division="warn" behaviour: a ratio whose
// denominator is zero is 0.
package seqeval

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Entity is one chunk found by Entities. Start and End are token indices and
// End is INCLUSIVE, as in seqeval's (type, start, end) tuples: the chunk
// covers tags[Start : End+1].
type Entity struct {
	Type       string
	Start, End int
}

// splitLabel is seqeval's prefix (suffix=False) parsing:
//
//	tag = chunk[0]
//	type_ = chunk[1:].split('-', maxsplit=1)[-1] or '_'
//
// Python raises IndexError for an empty label; here "" reads as "O" (Compute
// rejects empty labels with an error before getting here).
func splitLabel(chunk string) (tag, typ string) {
	if chunk == "" {
		return "O", "_"
	}
	_, size := utf8.DecodeRuneInString(chunk)
	tag = chunk[:size]
	rest := chunk[size:]
	if i := strings.IndexByte(rest, '-'); i >= 0 {
		typ = rest[i+1:]
	} else {
		typ = rest
	}
	if typ == "" {
		typ = "_"
	}
	return tag, typ
}

// endOfChunk is seqeval's end_of_chunk: whether a chunk ended between the
// previous and the current token.
func endOfChunk(prevTag, tag, prevType, typ string) bool {
	end := false
	if prevTag == "E" || prevTag == "S" {
		end = true
	}
	if prevTag == "B" && (tag == "B" || tag == "S" || tag == "O") {
		end = true
	}
	if prevTag == "I" && (tag == "B" || tag == "S" || tag == "O") {
		end = true
	}
	if prevTag != "O" && prevTag != "." && prevType != typ {
		end = true
	}
	return end
}

// startOfChunk is seqeval's start_of_chunk: whether a chunk started between
// the previous and the current token.
func startOfChunk(prevTag, tag, prevType, typ string) bool {
	start := false
	if tag == "B" || tag == "S" {
		start = true
	}
	if prevTag == "E" && (tag == "E" || tag == "I") {
		start = true
	}
	if prevTag == "S" && (tag == "E" || tag == "I") {
		start = true
	}
	if prevTag == "O" && (tag == "E" || tag == "I") {
		start = true
	}
	if tag != "O" && tag != "." && prevType != typ {
		start = true
	}
	return start
}

// Entities returns the chunks of one tag sequence, in the order seqeval's
// get_entities(seq) (suffix=False) returns them. Like seqeval it scans
// seq + ["O"] starting from prev_tag "O", prev_type "".
func Entities(tags []string) []Entity {
	var out []Entity
	prevTag, prevType := "O", ""
	begin := 0
	n := len(tags)
	for i := 0; i <= n; i++ {
		chunk := "O"
		if i < n {
			chunk = tags[i]
		}
		tag, typ := splitLabel(chunk)
		if endOfChunk(prevTag, tag, prevType, typ) {
			out = append(out, Entity{Type: prevType, Start: begin, End: i - 1})
		}
		if startOfChunk(prevTag, tag, prevType, typ) {
			begin = i
		}
		prevTag, prevType = tag, typ
	}
	return out
}

// TypeScores is the per-entity-type entry of a Result.
type TypeScores struct {
	Precision float64
	Recall    float64
	F1        float64
	// Number is the count of true (reference) entities of the type; the
	// "number" key of evaluate's output (seqeval's "support").
	Number int
	// TruePositives and Predicted are the raw counts behind the ratios.
	TruePositives int
	Predicted     int
}

// Result is the outcome of Compute.
type Result struct {
	// Micro-averaged entity precision, recall and F1 (overall_precision,
	// overall_recall, overall_f1).
	Precision, Recall, F1 float64
	// Accuracy is token-level accuracy over all tokens (overall_accuracy).
	Accuracy float64
	// PerType has one entry for every entity type found in the references or
	// the predictions (seqeval >= 1.0 reports predicted-only types too, with
	// Number 0).
	PerType map[string]TypeScores

	TruePositives, Predicted, Actual int // entity counts
	CorrectTokens, Tokens            int // token counts behind Accuracy
}

// Types returns the entity types of r.PerType, sorted as seqeval sorts them
// (Python's sorted on str: by code point, which for valid UTF-8 is the byte
// order Go's sort.Strings uses).
func (r Result) Types() []string {
	out := make([]string, 0, len(r.PerType))
	for t := range r.PerType {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Map returns r with the keys of evaluate's seqeval output: one map per
// entity type with precision, recall, f1 and number, and overall_precision,
// overall_recall, overall_f1, overall_accuracy. (evaluate also reports
// macro_* and weighted_* averages; those are not computed here.)
func (r Result) Map() map[string]any {
	m := map[string]any{
		"overall_precision": r.Precision,
		"overall_recall":    r.Recall,
		"overall_f1":        r.F1,
		"overall_accuracy":  r.Accuracy,
	}
	for t, s := range r.PerType {
		m[t] = map[string]any{"precision": s.Precision, "recall": s.Recall, "f1": s.F1, "number": s.Number}
	}
	return m
}

// prf is seqeval's _prf_divide with zero_division="warn" (0 on a zero
// denominator) and the beta=1 F-score: 2*p*r/(p+r), 0 when p+r == 0.
func prf(tp, pred, actual int) (p, r, f float64) {
	if pred > 0 {
		p = float64(tp) / float64(pred)
	}
	if actual > 0 {
		r = float64(tp) / float64(actual)
	}
	if d := p + r; d != 0 {
		f = 2 * p * r / d
	}
	return p, r, f
}

type span struct{ start, end int }

// Compute scores predicted tag sequences against reference ones, as
// evaluate.load("seqeval").compute(predictions=predSeqs, references=trueSeqs)
// does with its defaults (suffix=False, mode=None, zero_division="warn").
//
// As in seqeval, the sequences are concatenated with an "O" after each one
// and entities are extracted from the concatenation, so entity identity is
// (type, position in the concatenation).
//
// It returns an error when the number of sequences differs, when a sequence's
// predicted and reference lengths differ (naming its index), when a label is
// the empty string (Python raises IndexError), or when there are no tokens at
// all (Python raises on the division by zero in accuracy_score).
func Compute(trueSeqs, predSeqs [][]string) (Result, error) {
	if len(trueSeqs) != len(predSeqs) {
		return Result{}, fmt.Errorf("seqeval: %d reference sequences but %d predicted sequences", len(trueSeqs), len(predSeqs))
	}
	var flatTrue, flatPred []string
	var res Result
	for i := range trueSeqs {
		t, p := trueSeqs[i], predSeqs[i]
		if len(t) != len(p) {
			return Result{}, fmt.Errorf("seqeval: sequence %d: reference has %d tags but prediction has %d", i, len(t), len(p))
		}
		for j := range t {
			if t[j] == "" || p[j] == "" {
				return Result{}, fmt.Errorf("seqeval: sequence %d, token %d: empty label", i, j)
			}
			if t[j] == p[j] {
				res.CorrectTokens++
			}
		}
		res.Tokens += len(t)
		flatTrue = append(append(flatTrue, t...), "O")
		flatPred = append(append(flatPred, p...), "O")
	}
	if res.Tokens == 0 {
		return Result{}, fmt.Errorf("seqeval: no tokens to score")
	}
	res.Accuracy = float64(res.CorrectTokens) / float64(res.Tokens)

	group := func(ents []Entity) map[string]map[span]bool {
		m := map[string]map[span]bool{}
		for _, e := range ents {
			if m[e.Type] == nil {
				m[e.Type] = map[span]bool{}
			}
			m[e.Type][span{e.Start, e.End}] = true
		}
		return m
	}
	trueBy := group(Entities(flatTrue))
	predBy := group(Entities(flatPred))

	res.PerType = map[string]TypeScores{}
	types := map[string]bool{}
	for t := range trueBy {
		types[t] = true
	}
	for t := range predBy {
		types[t] = true
	}
	for t := range types {
		ts := TypeScores{Number: len(trueBy[t]), Predicted: len(predBy[t])}
		for s := range predBy[t] {
			if trueBy[t][s] {
				ts.TruePositives++
			}
		}
		ts.Precision, ts.Recall, ts.F1 = prf(ts.TruePositives, ts.Predicted, ts.Number)
		res.PerType[t] = ts
		res.TruePositives += ts.TruePositives
		res.Predicted += ts.Predicted
		res.Actual += ts.Number
	}
	res.Precision, res.Recall, res.F1 = prf(res.TruePositives, res.Predicted, res.Actual)
	return res, nil
}
