package tokenizer

import (
	"sort"
	"unicode"
	"unicode/utf8"
)

// AddedToken is an entry of tokenizer.json's "added_tokens".
type AddedToken struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

// matcher finds added tokens leftmost-longest, as the library's Aho-Corasick automaton does.
type matcher struct {
	patterns []string
	ids      []int
	byFirst  [256][]int // pattern indices by first byte, longest first
}

func newMatcher(patterns []string, ids []int) *matcher {
	m := &matcher{patterns: patterns, ids: ids}
	for i, p := range patterns {
		if p == "" {
			continue
		}
		m.byFirst[p[0]] = append(m.byFirst[p[0]], i)
	}
	for b := range m.byFirst {
		l := m.byFirst[b]
		sort.SliceStable(l, func(x, y int) bool { return len(patterns[l[x]]) > len(patterns[l[y]]) })
	}
	return m
}

// next returns the leftmost-longest match at or after from: pattern index, start, end.
func (m *matcher) next(s string, from int) (int, int, int, bool) {
	for i := from; i < len(s); i++ {
		for _, k := range m.byFirst[s[i]] {
			p := m.patterns[k]
			if len(s)-i >= len(p) && s[i:i+len(p)] == p {
				return k, i, i + len(p), true
			}
		}
	}
	return 0, 0, 0, false
}

// addedVocab holds the added tokens and the two matchers: one on the raw text for tokens
// with normalized=false, one on the normalized text for the others.
type addedVocab struct {
	tokens     []AddedToken // with the ids the library assigns
	byContent  map[string]int
	byID       map[int]*AddedToken
	special    map[string]bool
	raw        *matcher
	normalized *matcher
}

// newAddedVocab registers tokens as the library's add_tokens does: a token already in the model
// vocabulary keeps that id, a new one gets the next id after the model and previous additions.
func newAddedVocab(tokens []AddedToken, m model, norm normalizer) (*addedVocab, error) {
	v := &addedVocab{byContent: map[string]int{}, byID: map[int]*AddedToken{}, special: map[string]bool{}}
	for _, t := range tokens {
		if t.Content == "" {
			continue
		}
		if id, ok := v.byContent[t.Content]; ok {
			// The library updates the existing entry.
			for i := range v.tokens {
				if v.tokens[i].Content == t.Content {
					t.ID = id
					v.tokens[i] = t
				}
			}
			continue
		}
		t.ID = v.nextID(m, t.Content)
		v.byContent[t.Content] = t.ID
		v.tokens = append(v.tokens, t)
	}
	var rawP, normP []string
	var rawIDs, normIDs []int
	for i := range v.tokens {
		t := &v.tokens[i]
		v.byID[t.ID] = t
		if t.Special {
			v.special[t.Content] = true
		}
		if !t.Normalized {
			rawP = append(rawP, t.Content)
			rawIDs = append(rawIDs, t.ID)
			continue
		}
		content := t.Content
		if norm != nil {
			n := newNormString(content)
			if err := norm.normalize(n); err != nil {
				return nil, err
			}
			content = n.normalized
		}
		normP = append(normP, content)
		normIDs = append(normIDs, t.ID)
	}
	v.raw = newMatcher(rawP, rawIDs)
	v.normalized = newMatcher(normP, normIDs)
	return v, nil
}

// nextID is the id the library gives a new added token: its model id if the model knows it,
// else one past the model vocabulary or past the largest added id beyond it.
func (v *addedVocab) nextID(m model, content string) int {
	if id, ok := m.tokenToID(content); ok {
		return id
	}
	maxID := -1
	for _, id := range v.byContent {
		maxID = max(maxID, id)
	}
	if maxID >= 0 && (maxID >= m.vocabSize() || m.vocabSize() == 0) {
		return maxID + 1
	}
	return m.vocabSize()
}

func endsWithWord(s string) bool {
	r, sz := utf8.DecodeLastRuneInString(s)
	return sz > 0 && isAlphanumeric(r)
}

func startsWithWord(s string) bool {
	r, sz := utf8.DecodeRuneInString(s)
	return sz > 0 && isAlphanumeric(r)
}

// isAlphanumeric is Rust's char::is_alphanumeric: Alphabetic or Numeric.
func isAlphanumeric(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Other_Alphabetic, r)
}

type addedSplit struct {
	id         int // -1: not an added token
	start, end int
}

// findMatches splits s into added-token matches and the text between them (find_matches).
func (v *addedVocab) findMatches(s string, m *matcher) []addedSplit {
	if s == "" {
		return []addedSplit{{-1, 0, 0}}
	}
	var out []addedSplit
	startOffset := 0
	pos := 0
	for {
		k, start, stop, ok := m.next(s, pos)
		if !ok {
			break
		}
		pos = stop
		id := m.ids[k]
		t := v.byID[id]
		if t.SingleWord {
			startSpace := start == 0 || !endsWithWord(s[:start])
			stopSpace := stop == len(s) || !startsWithWord(s[stop:])
			if !startSpace || !stopSpace {
				continue
			}
		}
		if t.LStrip {
			newStart := len(trimRightSpace(s[:start]))
			start = max(newStart, startOffset)
		}
		if t.RStrip {
			stop += len(s[stop:]) - len(trimLeftSpace(s[stop:]))
		}
		if startOffset < start {
			out = append(out, addedSplit{-1, startOffset, start})
		}
		out = append(out, addedSplit{id, start, stop})
		startOffset = stop
	}
	if startOffset != len(s) {
		out = append(out, addedSplit{-1, startOffset, len(s)})
	}
	return out
}

func trimRightSpace(s string) string {
	for len(s) > 0 {
		r, sz := utf8.DecodeLastRuneInString(s)
		if !unicode.IsSpace(r) {
			break
		}
		s = s[:len(s)-sz]
	}
	return s
}

func trimLeftSpace(s string) string {
	for len(s) > 0 {
		r, sz := utf8.DecodeRuneInString(s)
		if !unicode.IsSpace(r) {
			break
		}
		s = s[sz:]
	}
	return s
}

// splitWith slices n at the added-token matches; matched pieces come back tokenized.
func (v *addedVocab) splitWith(n *normString, m *matcher) ([]piece, error) {
	var out []piece
	for _, sp := range v.findMatches(n.normalized, m) {
		s, err := n.slice(sp.start, sp.end)
		if err != nil {
			return nil, err
		}
		p := piece{ns: s}
		if sp.id >= 0 {
			p.tokens = []token{{id: sp.id, value: s.normalized, offsets: [2]int{0, len(s.normalized)}}}
		}
		out = append(out, p)
	}
	return out, nil
}

// extractAndNormalize finds raw added tokens, normalizes the rest, then finds normalized ones.
func (v *addedVocab) extractAndNormalize(norm normalizer, text string) (*preTokenized, error) {
	p := &preTokenized{original: text, splits: []piece{{ns: newNormString(text)}}}
	for pass := 0; pass < 2; pass++ {
		out := make([]piece, 0, len(p.splits))
		for _, s := range p.splits {
			if s.tokens != nil {
				out = append(out, s)
				continue
			}
			m := v.raw
			if pass == 1 {
				m = v.normalized
				if norm != nil {
					if err := norm.normalize(s.ns); err != nil {
						return nil, err
					}
				}
			}
			parts, err := v.splitWith(s.ns, m)
			if err != nil {
				return nil, err
			}
			for _, q := range parts {
				if q.ns.normalized != "" {
					out = append(out, q)
				}
			}
		}
		p.splits = out
	}
	return p, nil
}
