package tokenizer

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// preTokenizer splits the not yet tokenized pieces of a preTokenized string.
type preTokenizer interface {
	preTokenize(p *preTokenized) error
}

// parsePreTokenizer decodes the "pre_tokenizer" object of tokenizer.json; null gives nil.
func parsePreTokenizer(raw json.RawMessage) (preTokenizer, error) {
	if isNull(raw) {
		return nil, nil
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("pre_tokenizer: %w", err)
	}
	switch head.Type {
	case "BertPreTokenizer":
		return bertPreTokenizer{}, nil
	case "Whitespace":
		return whitespacePreTokenizer{}, nil
	case "WhitespaceSplit":
		return charSplitPreTokenizer{pred: unicode.IsSpace, behavior: behaviorRemoved}, nil
	case "Punctuation":
		var c struct {
			Behavior string `json:"behavior"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("pre_tokenizer Punctuation: %w", err)
		}
		b, err := parseBehavior(c.Behavior)
		if err != nil {
			return nil, fmt.Errorf("pre_tokenizer Punctuation: %w", err)
		}
		return charSplitPreTokenizer{pred: isBertPunctuation, behavior: b}, nil
	case "Digits":
		var c struct {
			Individual bool `json:"individual_digits"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("pre_tokenizer Digits: %w", err)
		}
		b := behaviorContiguous
		if c.Individual {
			b = behaviorIsolated
		}
		return charSplitPreTokenizer{pred: unicode.IsNumber, behavior: b}, nil // Rust char::is_numeric
	case "ByteLevel":
		var c struct {
			AddPrefixSpace *bool `json:"add_prefix_space"`
			UseRegex       *bool `json:"use_regex"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("pre_tokenizer ByteLevel: %w", err)
		}
		return byteLevelPreTokenizer{addPrefixSpace: boolOr(c.AddPrefixSpace, true), useRegex: boolOr(c.UseRegex, true)}, nil
	case "Split":
		var c struct {
			Pattern  json.RawMessage `json:"pattern"`
			Behavior string          `json:"behavior"`
			Invert   bool            `json:"invert"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("pre_tokenizer Split: %w", err)
		}
		re, err := parsePattern(c.Pattern)
		if err != nil {
			return nil, fmt.Errorf("pre_tokenizer Split: %w", err)
		}
		b, err := parseBehavior(c.Behavior)
		if err != nil {
			return nil, fmt.Errorf("pre_tokenizer Split: %w", err)
		}
		return splitPreTokenizer{re: re, behavior: b, invert: c.Invert}, nil
	case "Metaspace":
		return parseMetaspace(raw)
	case "Sequence":
		var c struct {
			PreTokenizers []json.RawMessage `json:"pretokenizers"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("pre_tokenizer Sequence: %w", err)
		}
		seq := make(sequencePreTokenizer, 0, len(c.PreTokenizers))
		for _, r := range c.PreTokenizers {
			p, err := parsePreTokenizer(r)
			if err != nil {
				return nil, err
			}
			if p != nil {
				seq = append(seq, p)
			}
		}
		return seq, nil
	}
	return nil, fmt.Errorf("pre_tokenizer type %q is %w", head.Type, ErrUnsupported)
}

type sequencePreTokenizer []preTokenizer

func (s sequencePreTokenizer) preTokenize(p *preTokenized) error {
	for _, x := range s {
		if err := x.preTokenize(p); err != nil {
			return err
		}
	}
	return nil
}

// isBertPunctuation is ASCII punctuation or any Unicode P* character.
func isBertPunctuation(r rune) bool {
	if r < 0x80 {
		return (r >= 33 && r <= 47) || (r >= 58 && r <= 64) || (r >= 91 && r <= 96) || (r >= 123 && r <= 126)
	}
	return unicode.IsPunct(r)
}

type bertPreTokenizer struct{}

func (bertPreTokenizer) preTokenize(p *preTokenized) error {
	return p.split(func(n *normString) ([]*normString, error) {
		words, err := n.splitSpans(charMatches(n.normalized, unicode.IsSpace), behaviorRemoved)
		if err != nil {
			return nil, err
		}
		var out []*normString
		for _, w := range words {
			parts, err := w.splitSpans(charMatches(w.normalized, isBertPunctuation), behaviorIsolated)
			if err != nil {
				return nil, err
			}
			out = append(out, parts...)
		}
		return out, nil
	})
}

type charSplitPreTokenizer struct {
	pred     func(rune) bool
	behavior splitBehavior
}

func (c charSplitPreTokenizer) preTokenize(p *preTokenized) error {
	return p.split(func(n *normString) ([]*normString, error) {
		return n.splitSpans(charMatches(n.normalized, c.pred), c.behavior)
	})
}

// whitespacePreTokenizer keeps the matches of \w+|[^\w\s]+ and drops the rest.
type whitespacePreTokenizer struct{}

func isWordChar(r rune) bool {
	// Rust regex \w: Alphabetic, M, Nd, Pc and Join_Control.
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.In(r, unicode.M, unicode.Pc, unicode.Nl, unicode.Other_Alphabetic) ||
		r == 0x200C || r == 0x200D
}

func (whitespacePreTokenizer) preTokenize(p *preTokenized) error {
	return p.split(func(n *normString) ([]*normString, error) {
		s := n.normalized
		var matches [][2]int
		i := 0
		for i < len(s) {
			r, sz := decodeRune(s[i:])
			if unicode.IsSpace(r) {
				i += sz
				continue
			}
			word := isWordChar(r)
			j := i + sz
			for j < len(s) {
				r2, sz2 := decodeRune(s[j:])
				if unicode.IsSpace(r2) || isWordChar(r2) != word {
					break
				}
				j += sz2
			}
			matches = append(matches, [2]int{i, j})
			i = j
		}
		spans := spansFromMatches(len(s), matches)
		for k := range spans { // Invert + Removed: the non-matches go away
			spans[k].match = !spans[k].match
		}
		return n.splitSpans(spans, behaviorRemoved)
	})
}

type splitPreTokenizer struct {
	re       *regexp.Regexp
	behavior splitBehavior
	invert   bool
}

func (s splitPreTokenizer) preTokenize(p *preTokenized) error {
	return p.split(func(n *normString) ([]*normString, error) {
		spans := regexSpans(s.re, n.normalized)
		if s.invert {
			for k := range spans {
				spans[k].match = !spans[k].match
			}
		}
		return n.splitSpans(spans, s.behavior)
	})
}

type metaspacePreTokenizer struct {
	replacement string
	space       *regexp.Regexp
	prepend     string // "always", "first" or "never"
	split       bool
}

func parseMetaspace(raw json.RawMessage) (preTokenizer, error) {
	var c struct {
		Replacement    *string `json:"replacement"`
		PrependScheme  *string `json:"prepend_scheme"`
		AddPrefixSpace *bool   `json:"add_prefix_space"`
		Split          *bool   `json:"split"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("pre_tokenizer Metaspace: %w", err)
	}
	m := metaspacePreTokenizer{replacement: "▁", space: regexp.MustCompile(" "), prepend: "always", split: boolOr(c.Split, true)}
	if c.Replacement != nil {
		m.replacement = *c.Replacement
	}
	switch {
	case c.PrependScheme != nil:
		m.prepend = *c.PrependScheme
	case c.AddPrefixSpace != nil && !*c.AddPrefixSpace:
		m.prepend = "never"
	}
	if m.prepend != "always" && m.prepend != "first" && m.prepend != "never" {
		return nil, fmt.Errorf("pre_tokenizer Metaspace: prepend_scheme %q is %w", m.prepend, ErrUnsupported)
	}
	return m, nil
}

func (m metaspacePreTokenizer) preTokenize(p *preTokenized) error {
	rep, _ := decodeRune(m.replacement)
	return p.split(func(n *normString) ([]*normString, error) {
		if err := (replaceNormalizer{re: m.space, content: m.replacement}).normalize(n); err != nil {
			return nil, err
		}
		switch m.prepend {
		case "always":
			if !strings.HasPrefix(n.normalized, m.replacement) {
				n.prepend(m.replacement)
			}
		case "first":
			if !strings.HasPrefix(n.normalized, m.replacement) && n.shift == 0 {
				n.prepend(m.replacement)
			}
		}
		if !m.split {
			return []*normString{n}, nil
		}
		return n.splitSpans(charMatches(n.normalized, func(r rune) bool { return r == rep }), behaviorMergedWithNext)
	})
}
