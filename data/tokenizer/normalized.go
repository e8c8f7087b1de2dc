package tokenizer

import (
	"fmt"
	"unicode/utf8"
)

// normString mirrors the Rust library's NormalizedString: the normalized text together with,
// for every normalized byte, the byte range of the original text it came from. Offsets of
// tokens are computed through these alignments, so every normalizer and pre-tokenizer edits
// the text only through transformRange, which keeps them exact.
//
// Alignments are kept as offsets into the full input, so slicing shares them without copying;
// no method writes into an alignment array in place.
type normString struct {
	original   string
	normalized string
	align      [][2]int // per normalized byte: [start, end) in the full input
	shift      int      // byte offset of original within the full input
}

// charChange is one output character of a transformation and how it relates to the input:
// 0 replaces one input character, +1 is inserted, -n replaces 1+n input characters.
type charChange struct {
	c      rune
	change int
}

func newNormString(s string) *normString {
	align := make([][2]int, len(s))
	for i, r := range s {
		n := utf8.RuneLen(r)
		if r == utf8.RuneError {
			_, n = utf8.DecodeRuneInString(s[i:])
		}
		for j := 0; j < n; j++ {
			align[i+j] = [2]int{i, i + n}
		}
	}
	return &normString{original: s, normalized: s, align: align}
}

// transform replaces the whole normalized text.
func (n *normString) transform(dest []charChange, initialOffset int) {
	n.transformRange(0, len(n.normalized), dest, initialOffset)
}

// transformRange replaces normalized[start:end] by dest, as NormalizedString::transform_range.
func (n *normString) transformRange(start, end int, dest []charChange, initialOffset int) {
	replaced := n.normalized[start:end]
	pos := 0 // byte position inside replaced
	next := func() int {
		if pos >= len(replaced) {
			return 0
		}
		_, sz := utf8.DecodeRuneInString(replaced[pos:])
		pos += sz
		return sz
	}
	offset := start
	for i := 0; i < initialOffset; i++ {
		offset += next()
	}
	buf := make([]byte, 0, len(replaced)+len(dest))
	align := make([][2]int, 0, len(replaced)+len(dest))
	for _, d := range dest {
		a := [2]int{n.shift, n.shift}
		switch {
		case d.change > 0:
			if offset >= 1 && offset-1 < len(n.align) {
				a = n.align[offset-1]
			}
		case offset < len(n.align):
			a = n.align[offset]
		case len(n.align) > 0:
			a = n.align[len(n.align)-1]
		}
		if d.change <= 0 {
			offset += next()
		}
		for k := 0; k < -d.change; k++ {
			offset += next()
		}
		before := len(buf)
		buf = utf8.AppendRune(buf, d.c)
		for k := before; k < len(buf); k++ {
			align = append(align, a)
		}
	}
	newAlign := make([][2]int, 0, len(n.align)-len(replaced)+len(align))
	newAlign = append(newAlign, n.align[:start]...)
	newAlign = append(newAlign, align...)
	newAlign = append(newAlign, n.align[end:]...)
	n.normalized = n.normalized[:start] + string(buf) + n.normalized[end:]
	n.align = newAlign
}

// mapChars applies a one-to-many character mapping (lowercase, byte-level) to the whole text.
// Text the mapping leaves unchanged is left alone, which saves the common ASCII case.
func (n *normString) mapChars(f func(r rune, out []charChange) []charChange) {
	var scratch [4]charChange
	same := true
	for _, r := range n.normalized {
		out := f(r, scratch[:0])
		if len(out) != 1 || out[0].c != r || out[0].change != 0 {
			same = false
			break
		}
	}
	if same {
		return
	}
	dest := make([]charChange, 0, len(n.normalized))
	for _, r := range n.normalized {
		dest = f(r, dest)
	}
	n.transform(dest, 0)
}

// filter keeps only the characters for which keep is true (NormalizedString::filter).
func (n *normString) filter(keep func(rune) bool) {
	all := true
	for _, r := range n.normalized {
		if !keep(r) {
			all = false
			break
		}
	}
	if all {
		return
	}
	removed, removedStart := 0, 0
	var last rune
	haveLast := false
	dest := make([]charChange, 0, len(n.normalized))
	for _, r := range n.normalized {
		if keep(r) {
			if haveLast {
				dest = append(dest, charChange{last, -removed})
			} else {
				removedStart = removed
			}
			last, haveLast = r, true
			removed = 0
		} else {
			removed++
		}
	}
	if haveLast {
		dest = append(dest, charChange{last, -removed})
	}
	n.transform(dest, removedStart)
}

// prepend inserts s before the text; it shares the alignment of the first character.
func (n *normString) prepend(s string) {
	first, sz := utf8.DecodeRuneInString(n.normalized)
	if sz == 0 {
		return
	}
	dest := make([]charChange, 0, len(s)+1)
	i := 0
	for _, r := range s {
		ch := 0
		if i != 0 {
			ch = 1
		}
		dest = append(dest, charChange{r, ch})
		i++
	}
	dest = append(dest, charChange{first, 1})
	n.transformRange(0, sz, dest, 0)
}

// convertOffsets maps a normalized byte range to an original byte range (relative to n.original).
func (n *normString) convertOffsets(start, end int) (int, int, bool) {
	if start == end {
		return start, end, true
	}
	if start > end || end > len(n.align) {
		return 0, 0, false
	}
	return n.align[start][0] - n.shift, n.align[end-1][1] - n.shift, true
}

// slice returns the part of n covering normalized bytes [start, end).
func (n *normString) slice(start, end int) (*normString, error) {
	os, oe, ok := n.convertOffsets(start, end)
	if !ok || os > oe || oe > len(n.original) {
		return nil, fmt.Errorf("invalid normalized range [%d, %d)", start, end)
	}
	return &normString{
		original:   n.original[os:oe],
		normalized: n.normalized[start:end],
		align:      n.align[start:end:end],
		shift:      n.shift + os,
	}, nil
}

// span is a byte range of the normalized text and whether it matched a pattern.
type span struct {
	start, end int
	match      bool
}

// splitBehavior says what happens to the matched delimiters when splitting.
type splitBehavior int

const (
	behaviorRemoved splitBehavior = iota
	behaviorIsolated
	behaviorMergedWithPrevious
	behaviorMergedWithNext
	behaviorContiguous
)

func parseBehavior(s string) (splitBehavior, error) {
	switch s {
	case "Removed":
		return behaviorRemoved, nil
	case "Isolated", "":
		return behaviorIsolated, nil
	case "MergedWithPrevious":
		return behaviorMergedWithPrevious, nil
	case "MergedWithNext":
		return behaviorMergedWithNext, nil
	case "Contiguous":
		return behaviorContiguous, nil
	}
	return 0, fmt.Errorf("split behavior %q is %w", s, ErrUnsupported)
}

// charMatches lists the spans of s, each character for which pred holds being its own match.
func charMatches(s string, pred func(rune) bool) []span {
	if s == "" {
		return []span{{0, 0, false}}
	}
	var out []span
	last := 0
	for i, r := range s {
		if pred(r) {
			sz := utf8.RuneLen(r)
			if sz < 0 {
				sz = 1
			}
			if last < i {
				out = append(out, span{last, i, false})
			}
			out = append(out, span{i, i + sz, true})
			last = i + sz
		}
	}
	if last < len(s) {
		out = append(out, span{last, len(s), false})
	}
	return out
}

// spansFromMatches turns non-overlapping match ranges into a full cover of [0, n).
func spansFromMatches(n int, matches [][2]int) []span {
	if n == 0 {
		return []span{{0, 0, false}}
	}
	out := make([]span, 0, 2*len(matches)+1)
	prev := 0
	for _, m := range matches {
		if prev != m[0] {
			out = append(out, span{prev, m[0], false})
		}
		out = append(out, span{m[0], m[1], true})
		prev = m[1]
	}
	if prev != n {
		out = append(out, span{prev, n, false})
	}
	return out
}

// splitSpans applies behavior to the match spans and slices n accordingly
// (NormalizedString::split).
func (n *normString) splitSpans(spans []span, b splitBehavior) ([]*normString, error) {
	type piece struct {
		start, end int
		remove     bool
	}
	var pieces []piece
	switch b {
	case behaviorIsolated:
		for _, s := range spans {
			pieces = append(pieces, piece{s.start, s.end, false})
		}
	case behaviorRemoved:
		for _, s := range spans {
			pieces = append(pieces, piece{s.start, s.end, s.match})
		}
	case behaviorContiguous, behaviorMergedWithPrevious:
		prevMatch := false
		for _, s := range spans {
			merge := s.match == prevMatch
			if b == behaviorMergedWithPrevious {
				merge = s.match && !prevMatch
			}
			if merge && len(pieces) > 0 {
				pieces[len(pieces)-1].end = s.end
			} else {
				pieces = append(pieces, piece{s.start, s.end, false})
			}
			prevMatch = s.match
		}
	case behaviorMergedWithNext:
		prevMatch := false
		for i := len(spans) - 1; i >= 0; i-- {
			s := spans[i]
			if s.match && !prevMatch && len(pieces) > 0 {
				pieces[len(pieces)-1].start = s.start
			} else {
				pieces = append(pieces, piece{s.start, s.end, false})
			}
			prevMatch = s.match
		}
		for i, j := 0, len(pieces)-1; i < j; i, j = i+1, j-1 {
			pieces[i], pieces[j] = pieces[j], pieces[i]
		}
	}
	out := make([]*normString, 0, len(pieces))
	for _, p := range pieces {
		if p.remove {
			continue
		}
		s, err := n.slice(p.start, p.end)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
