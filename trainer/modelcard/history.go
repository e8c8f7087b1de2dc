package modelcard

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file mirrors the pure functions of transformers' src/transformers/modelcard.py at
// commit 028965d43978995d6b9cc4a4a4922085e64c9580: parse_log_history, make_markdown_table,
// _maybe_round, _regular_table_line and _second_table_line. scripts/modelcard/golden.py runs
// copies of the Python originals to produce the goldens in testdata/ that pin this file.
//
// Python dicts keep insertion order and Go maps have none, so every log entry is read in one
// canonical order (orderedKeys): "eval_loss" first, as Trainer.evaluation_loop inserts it
// before it re-inserts the compute_metrics keys with their "eval_" prefix, then the other keys
// by name. Python values carry a type that float64 does not: "step" is an int in
// Trainer.state.log_history and prints without a decimal point, everything else is a float.

// pyValue is one Python value as parse_log_history sees it: a float, an int or a string
// ("No log", "None").
type pyValue struct {
	f     float64
	isInt bool
	s     string
	isStr bool
}

func pyFloatValue(f float64) pyValue { return pyValue{f: f} }
func pyStrValue(s string) pyValue    { return pyValue{s: s, isStr: true} }

// logValue types the value of key as Trainer logs it.
func logValue(key string, v float64) pyValue {
	if key == "step" && v == math.Trunc(v) && !math.IsInf(v, 0) {
		return pyValue{f: v, isInt: true}
	}
	return pyFloatValue(v)
}

// str is Python's str() of the value.
func (v pyValue) str() string {
	switch {
	case v.isStr:
		return v.s
	case v.isInt:
		return strconv.FormatFloat(v.f, 'f', 0, 64)
	default:
		return pyFloatRepr(v.f)
	}
}

// pyFloatRepr is Python's repr(float): the shortest digits that round-trip, in positional
// notation when the decimal exponent is in [-4, 16), otherwise as d.ddde±XX.
func pyFloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	sci := strconv.FormatFloat(f, 'e', -1, 64) // "-1.2345e-05"
	mant, expStr, _ := strings.Cut(sci, "e")
	exp, _ := strconv.Atoi(expStr) // FormatFloat always writes a valid exponent
	if exp >= -4 && exp < 16 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	sign := "+"
	if exp < 0 {
		sign, exp = "-", -exp
	}
	e := strconv.Itoa(exp)
	if len(e) < 2 {
		e = "0" + e
	}
	return mant + "e" + sign + e
}

// maybeRound is _maybe_round(v, decimals=4): a float whose str() has more than four digits
// after the first "." is printed with four decimals; anything else as str().
func maybeRound(v pyValue) string {
	s := v.str()
	if v.isStr || v.isInt {
		return s
	}
	parts := strings.Split(s, ".")
	if len(parts) > 1 && utf8.RuneCountInString(parts[1]) > 4 {
		return strconv.FormatFloat(v.f, 'f', 4, 64)
	}
	return s
}

// pyCapitalize is Python's str.capitalize: the first character title-cased, the rest lower.
func pyCapitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToTitle(r)) + strings.ToLower(s[n:])
}

// capitalizeJoin splits on "_", capitalizes each part and joins with spaces, as
// parse_log_history names its columns and results.
func capitalizeJoin(parts []string) string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = pyCapitalize(p)
	}
	return strings.Join(out, " ")
}

// orderedKeys is the canonical order of a log entry's keys (see the note at the top).
func orderedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		if k != "eval_loss" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if _, ok := m["eval_loss"]; ok {
		keys = append([]string{"eval_loss"}, keys...)
	}
	return keys
}

// orderedMap is a Python dict: assigning an existing key keeps its position.
type orderedMap struct {
	keys []string
	vals map[string]pyValue
}

func newOrderedMap() *orderedMap { return &orderedMap{vals: map[string]pyValue{}} }

func (m *orderedMap) set(k string, v pyValue) {
	if _, ok := m.vals[k]; !ok {
		m.keys = append(m.keys, k)
	}
	m.vals[k] = v
}

func (m *orderedMap) len() int { return len(m.keys) }

// evalLineDropped are the keys parse_log_history pops from an evaluation entry before it
// turns the rest into columns (epoch and step are popped into their own columns).
var evalLineDropped = map[string]bool{
	"total_flos": true, "epoch": true, "step": true, "eval_runtime": true,
	"eval_samples_per_second": true, "eval_steps_per_second": true, "eval_jit_compilation_time": true,
}

// evalResultsDropped are the keys (after "eval_" is cut) parse_log_history leaves out of the
// final results.
var evalResultsDropped = map[string]bool{
	"runtime": true, "samples_per_second": true, "steps_per_second": true, "epoch": true, "step": true,
}

// parseLogHistory is parse_log_history without its first result (the train_runtime entry):
// lines are the rows of the "Training results" table (nil when no entry has train_runtime)
// and results the final evaluation (nil when none is found).
func parseLogHistory(history []map[string]float64) (lines []*orderedMap, results *orderedMap) {
	idx := 0
	for idx < len(history) {
		if _, ok := history[idx]["train_runtime"]; ok {
			break
		}
		idx++
	}
	if idx == len(history) {
		// No training summary: the last entry with eval_loss is returned as is, uncamelcased.
		last := lastEvalIndex(history)
		if last < 0 {
			return nil, nil
		}
		raw := newOrderedMap()
		for _, k := range orderedKeys(history[last]) {
			raw.set(k, logValue(k, history[last][k]))
		}
		return nil, raw
	}
	lines = []*orderedMap{}
	trainingLoss := pyStrValue("No log")
	for _, e := range history[:idx] {
		if v, ok := e["loss"]; ok {
			trainingLoss = pyFloatValue(v)
		}
		if _, ok := e["eval_loss"]; ok {
			lines = append(lines, evalLine(e, trainingLoss))
		}
	}
	// transformers tests idx > 0 here, so an evaluation logged first of all is not a result.
	if last := lastEvalIndex(history); last > 0 {
		results = newOrderedMap()
		for _, k := range orderedKeys(history[last]) {
			key := strings.TrimPrefix(k, "eval_")
			if !evalResultsDropped[key] {
				results.set(capitalizeJoin(strings.Split(key, "_")), logValue(k, history[last][k]))
			}
		}
	}
	return lines, results
}

// evalLine is one table row: Training Loss, Epoch, Step, Validation Loss and the metrics.
func evalLine(e map[string]float64, trainingLoss pyValue) *orderedMap {
	row := newOrderedMap()
	row.set("Training Loss", trainingLoss)
	row.set("Epoch", popped(e, "epoch"))
	row.set("Step", popped(e, "step"))
	for _, k := range orderedKeys(e) {
		if evalLineDropped[k] {
			continue
		}
		if k == "eval_loss" {
			row.set("Validation Loss", pyFloatValue(e[k]))
			continue
		}
		row.set(capitalizeJoin(strings.Split(k, "_")[1:]), logValue(k, e[k]))
	}
	return row
}

// popped is metrics.pop(key, None): the value, or Python's None when the entry lacks it.
func popped(e map[string]float64, key string) pyValue {
	v, ok := e[key]
	if !ok {
		return pyStrValue("None")
	}
	return logValue(key, v)
}

func lastEvalIndex(history []map[string]float64) int {
	for i := len(history) - 1; i >= 0; i-- {
		if _, ok := history[i]["eval_loss"]; ok {
			return i
		}
	}
	return -1
}

// makeMarkdownTable is make_markdown_table. Rows whose keys differ from the first row's make
// Python raise (KeyError) or misalign; here the columns are the union in first-seen order and
// a missing cell is empty, which is the same output whenever every row has the same keys.
func makeMarkdownTable(lines []*orderedMap) string {
	if len(lines) == 0 {
		return ""
	}
	var cols []string
	widths := map[string]int{}
	for _, line := range lines {
		for _, k := range line.keys {
			if _, ok := widths[k]; !ok {
				cols = append(cols, k)
				widths[k] = utf8.RuneCountInString(k)
			}
			widths[k] = max(widths[k], utf8.RuneCountInString(maybeRound(line.vals[k])))
		}
	}
	w := make([]int, len(cols))
	for i, c := range cols {
		w[i] = widths[c]
	}
	var b strings.Builder
	regularTableLine(&b, cols, w)
	secondTableLine(&b, w)
	cells := make([]string, len(cols))
	for _, line := range lines {
		for i, c := range cols {
			cells[i] = ""
			if v, ok := line.vals[c]; ok {
				cells[i] = maybeRound(v)
			}
		}
		regularTableLine(&b, cells, w)
	}
	return b.String()
}

// regularTableLine is _regular_table_line: "| v" padded to the column width plus one space.
func regularTableLine(b *strings.Builder, values []string, widths []int) {
	for i, v := range values {
		b.WriteString("| ")
		b.WriteString(v)
		b.WriteString(strings.Repeat(" ", max(widths[i]-utf8.RuneCountInString(v)+1, 0)))
	}
	b.WriteString("|\n")
}

// secondTableLine is _second_table_line: centred alignment markers, "|:---:".
func secondTableLine(b *strings.Builder, widths []int) {
	for _, w := range widths {
		b.WriteString("|:")
		b.WriteString(strings.Repeat("-", w))
		b.WriteString(":")
	}
	b.WriteString("|\n")
}
