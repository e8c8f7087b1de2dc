// Package squad is hftrain's port of the official SQuAD evaluation scripts:
// v1.1 (evaluate-v1.1.py, as in huggingface/evaluate metrics/squad/compute_score.py)
// and v2.0 (evaluate-v2.0.py, as in huggingface/evaluate metrics/squad_v2/compute_score.py
// and transformers' data/metrics/squad_metrics.py).
//
// Normalize reproduces the scripts' normalize_answer exactly, including the
// Python semantics it relies on: str.lower() (full Unicode lowercasing, with
// U+0130 becoming "i\u0307" and the Greek final-sigma rule), removal of the
// ASCII-only string.punctuation set, re.sub(r"\b(a|an|the)\b", " ", ...) with
// Python's Unicode \b (word characters are str.isalnum() ones and '_'), and
// " ".join(s.split()) splitting on Python's str.isspace() set (which, unlike
// Go's unicode.IsSpace, includes U+001C..U+001F).
package squad

import (
	"sort"
	"strings"
	"unicode"
)

// punctuation is Python's string.punctuation.
const punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// isPySpace reports whether Python's str.isspace() is true for r.
func isPySpace(r rune) bool {
	switch {
	case r >= 0x09 && r <= 0x0D, r >= 0x1C && r <= 0x20, r == 0x85, r == 0xA0, r == 0x1680,
		r >= 0x2000 && r <= 0x200A, r == 0x2028, r == 0x2029, r == 0x202F, r == 0x205F, r == 0x3000:
		return true
	}
	return false
}

// pyFields is Python's str.split() with no arguments.
func pyFields(s string) []string { return strings.FieldsFunc(s, isPySpace) }

// isPyWord reports whether r is a word character for Python's re module on
// str patterns (\w, and so \b): str.isalnum() or '_'.
func isPyWord(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// isCased is Unicode's Cased property (Lowercase, Uppercase or Lt), which
// Python's final-sigma rule consults.
func isCased(r rune) bool {
	return unicode.IsLower(r) || unicode.IsUpper(r) || unicode.IsTitle(r) ||
		unicode.Is(unicode.Other_Lowercase, r) || unicode.Is(unicode.Other_Uppercase, r)
}

// isCaseIgnorable is Unicode's Case_Ignorable property: Mn, Me, Cf, Lm, Sk,
// and Word_Break MidLetter, MidNumLet and Single_Quote.
func isCaseIgnorable(r rune) bool {
	switch r {
	case 0x27, 0x2E, 0x3A, 0xB7, 0x387, 0x55F, 0x5F4, 0x2018, 0x2019, 0x2024, 0x2027,
		0xFE13, 0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}

// finalSigma is CPython's handle_capital_sigma: U+03A3 at rs[i] lowercases to
// U+03C2 when it matches \p{cased}\p{case-ignorable}* Σ !(\p{case-ignorable}* \p{cased}).
func finalSigma(rs []rune, i int) bool {
	j := i - 1
	for ; j >= 0; j-- {
		if !isCaseIgnorable(rs[j]) {
			break
		}
	}
	final := j >= 0 && isCased(rs[j])
	if final && i+1 < len(rs) {
		j = i + 1
		for ; j < len(rs); j++ {
			if !isCaseIgnorable(rs[j]) {
				break
			}
		}
		final = j == len(rs) || !isCased(rs[j])
	}
	return final
}

// pyLower is Python's str.lower().
func pyLower(s string) string {
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range rs {
		switch {
		case r == 0x130: // LATIN CAPITAL LETTER I WITH DOT ABOVE: SpecialCasing full mapping
			b.WriteString("i\u0307")
		case r == 0x3A3: // GREEK CAPITAL LETTER SIGMA
			if finalSigma(rs, i) {
				b.WriteRune(0x3C2)
			} else {
				b.WriteRune(0x3C3)
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// removePunc drops every character of string.punctuation.
func removePunc(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && strings.ContainsRune(punctuation, r) {
			return -1
		}
		return r
	}, s)
}

// removeArticles is re.sub(r"\b(a|an|the)\b", " ", s) with Python's Unicode
// word boundaries. Matches are found left to right against the original text,
// trying the alternatives in order, without overlap.
func removeArticles(s string) string {
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(rs); {
		if i == 0 || !isPyWord(rs[i-1]) {
			matched := 0
			for _, w := range [...]string{"a", "an", "the"} {
				n := len(w) // ASCII
				if i+n > len(rs) {
					continue
				}
				ok := true
				for k := 0; k < n; k++ {
					if rs[i+k] != rune(w[k]) {
						ok = false
						break
					}
				}
				if ok && (i+n == len(rs) || !isPyWord(rs[i+n])) {
					matched = n
					break
				}
			}
			if matched > 0 {
				b.WriteByte(' ')
				i += matched
				continue
			}
		}
		b.WriteRune(rs[i])
		i++
	}
	return b.String()
}

// Normalize is the scripts' normalize_answer: lower-case, remove punctuation,
// remove the articles a/an/the, and collapse whitespace.
func Normalize(s string) string {
	return strings.Join(pyFields(removeArticles(removePunc(pyLower(s)))), " ")
}

// ExactMatch is 1 when pred and gold normalize to the same string, else 0
// (exact_match_score / compute_exact).
func ExactMatch(pred, gold string) float64 {
	if Normalize(pred) == Normalize(gold) {
		return 1
	}
	return 0
}

// overlap returns the size of the multiset intersection of a and b
// (sum((Counter(a) & Counter(b)).values())).
func overlap(a, b []string) int {
	ca := map[string]int{}
	for _, t := range a {
		ca[t]++
	}
	n := 0
	for _, t := range b {
		if ca[t] > 0 {
			ca[t]--
			n++
		}
	}
	return n
}

func tokenF1(predToks, goldToks []string, same int) float64 {
	precision := 1.0 * float64(same) / float64(len(predToks))
	recall := 1.0 * float64(same) / float64(len(goldToks))
	return (2 * precision * recall) / (precision + recall)
}

// F1 is the SQuAD v2.0 token-overlap F1 (compute_f1): tokens are
// Normalize(x) split on whitespace, overlap counts repeated tokens as a
// multiset, and if either side has no tokens the score is 1 when both have
// none and 0 otherwise.
func F1(pred, gold string) float64 {
	predToks := pyFields(Normalize(pred))
	goldToks := pyFields(Normalize(gold))
	if len(predToks) == 0 || len(goldToks) == 0 {
		if len(predToks) == len(goldToks) {
			return 1
		}
		return 0
	}
	same := overlap(predToks, goldToks)
	if same == 0 {
		return 0
	}
	return tokenF1(predToks, goldToks, same)
}

// F1V1 is the SQuAD v1.1 f1_score. It differs from F1 only when both sides
// normalize to nothing: v1.1 scores that 0 (no common tokens), v2.0 scores it 1.
func F1V1(pred, gold string) float64 {
	predToks := pyFields(Normalize(pred))
	goldToks := pyFields(Normalize(gold))
	same := overlap(predToks, goldToks)
	if same == 0 {
		return 0
	}
	return tokenF1(predToks, goldToks, same)
}

// MaxOverGolds is metric_max_over_ground_truths: the best score of pred
// against any of golds, or 0 when golds is empty (Python's max raises there).
func MaxOverGolds(metric func(pred, gold string) float64, pred string, golds []string) float64 {
	best := 0.0
	for i, g := range golds {
		if s := metric(pred, g); i == 0 || s > best {
			best = s
		}
	}
	return best
}

// Result holds scores in percent (0-100), as the scripts report them.
type Result struct {
	V2 bool
	// ExactMatch and F1 are over all Total questions ("exact_match"/"f1" in
	// v1.1, "exact"/"f1" in v2.0).
	ExactMatch, F1 float64
	Total          int
	// v2.0 only: the same over questions whose reference answer list is
	// non-empty (HasAns_*) or empty (NoAns_*). A *Total of 0 means the script
	// would omit those keys.
	HasAnsExact, HasAnsF1 float64
	HasAnsTotal           int
	NoAnsExact, NoAnsF1   float64
	NoAnsTotal            int
	// Missing lists, sorted, the reference ids with no prediction; each
	// counts in the totals with score 0.
	Missing []string
}

// Map returns r under the scripts' key names: exact_match and f1 for v1.1;
// exact, f1, total and the HasAns_/NoAns_ keys (when non-empty) for v2.0.
func (r Result) Map() map[string]any {
	if !r.V2 {
		return map[string]any{"exact_match": r.ExactMatch, "f1": r.F1}
	}
	m := map[string]any{"exact": r.ExactMatch, "f1": r.F1, "total": r.Total}
	if r.HasAnsTotal > 0 {
		m["HasAns_exact"], m["HasAns_f1"], m["HasAns_total"] = r.HasAnsExact, r.HasAnsF1, r.HasAnsTotal
	}
	if r.NoAnsTotal > 0 {
		m["NoAns_exact"], m["NoAns_f1"], m["NoAns_total"] = r.NoAnsExact, r.NoAnsF1, r.NoAnsTotal
	}
	return m
}

// Compute scores predictions (question id -> answer text) against references
// (question id -> gold answer texts) the way the official scripts do, over
// the ids of refs in sorted order (the order in which the per-question scores
// are summed); predictions for ids not in refs are ignored.
//
// v1.1 (v2 false): each question scores max over its golds of ExactMatch and
// F1V1. v2.0 (v2 true): golds that normalize to "" are dropped, a question
// left with none (unanswerable) has the single gold "", and scores use
// ExactMatch and F1; HasAns/NoAns split on whether refs[id] is non-empty
// (bool(qa["answers"]) in the script). No no-answer-probability threshold is
// applied (the scripts' default leaves scores unchanged).
//
// Divergences where the Python scripts fail or disagree with each other: a
// missing prediction scores 0 and counts in the totals in both modes (v1.1's
// rule; v2.0's script raises KeyError in its HasAns/NoAns breakdown); a v1.1
// question with no golds scores 0 (Python's max raises); with no references
// at all every score is 0 (Python divides by zero).
func Compute(preds map[string]string, refs map[string][]string, v2 bool) Result {
	ids := make([]string, 0, len(refs))
	for id := range refs {
		ids = append(ids, id)
	}
	sort.Strings(ids)

	res := Result{V2: v2, Total: len(ids)}
	var em, f1, hasEM, hasF1, noEM, noF1 float64
	for _, id := range ids {
		golds := refs[id]
		hasAns := len(golds) > 0
		if hasAns {
			res.HasAnsTotal++
		} else {
			res.NoAnsTotal++
		}
		pred, ok := preds[id]
		if !ok {
			res.Missing = append(res.Missing, id)
			continue
		}
		var e, f float64
		if v2 {
			var kept []string
			for _, g := range golds {
				if Normalize(g) != "" {
					kept = append(kept, g)
				}
			}
			if len(kept) == 0 {
				kept = []string{""}
			}
			e = MaxOverGolds(ExactMatch, pred, kept)
			f = MaxOverGolds(F1, pred, kept)
		} else {
			e = MaxOverGolds(ExactMatch, pred, golds)
			f = MaxOverGolds(F1V1, pred, golds)
		}
		em += e
		f1 += f
		if hasAns {
			hasEM += e
			hasF1 += f
		} else {
			noEM += e
			noF1 += f
		}
	}
	pct := func(sum float64, n int) float64 {
		if n == 0 {
			return 0
		}
		return 100.0 * sum / float64(n)
	}
	res.ExactMatch, res.F1 = pct(em, res.Total), pct(f1, res.Total)
	if v2 {
		res.HasAnsExact, res.HasAnsF1 = pct(hasEM, res.HasAnsTotal), pct(hasF1, res.HasAnsTotal)
		res.NoAnsExact, res.NoAnsF1 = pct(noEM, res.NoAnsTotal), pct(noF1, res.NoAnsTotal)
	} else {
		res.HasAnsTotal, res.NoAnsTotal = 0, 0
	}
	return res
}
