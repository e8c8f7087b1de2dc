package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// byteLevelAlphabet is GPT-2's bytes_to_unicode table: every byte maps to a printable rune.
type byteLevelAlphabet struct {
	byteToRune [256]rune
	runeToByte map[rune]byte
}

func newByteLevelAlphabet() *byteLevelAlphabet {
	a := &byteLevelAlphabet{runeToByte: make(map[rune]byte, 256)}
	n := 0
	for b := 0; b < 256; b++ {
		printable := (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
		r := rune(b)
		if !printable {
			r = rune(256 + n)
			n++
		}
		a.byteToRune[b] = r
		a.runeToByte[r] = byte(b)
	}
	return a
}

// byteLevel is shared, read-only after package initialisation.
var byteLevel = newByteLevelAlphabet()

// byteLevelPreTokenizer is the library's ByteLevel pre-tokenizer: optional prefix space, the
// GPT-2 split pattern, then every byte mapped to its printable rune.
type byteLevelPreTokenizer struct {
	addPrefixSpace bool
	useRegex       bool
}

func (b byteLevelPreTokenizer) preTokenize(p *preTokenized) error {
	err := p.split(func(n *normString) ([]*normString, error) {
		if b.addPrefixSpace && (n.normalized == "" || n.normalized[0] != ' ') {
			n.prepend(" ")
		}
		if !b.useRegex {
			return []*normString{n}, nil
		}
		return n.splitSpans(spansFromMatches(len(n.normalized), gpt2Matches(n.normalized)), behaviorIsolated)
	})
	if err != nil {
		return err
	}
	for i := range p.splits {
		if p.splits[i].tokens != nil {
			continue
		}
		toByteLevel(p.splits[i].ns)
	}
	return nil
}

// toByteLevel replaces every byte of the text by its byte-level rune. It is the library's
// transform with changes 0 for a character's first byte and +1 for the others, written out:
// every output rune takes the alignment of the input character's bytes.
func toByteLevel(n *normString) {
	s := n.normalized
	buf := make([]byte, 0, 2*len(s))
	align := make([][2]int, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		before := len(buf)
		buf = utf8.AppendRune(buf, byteLevel.byteToRune[s[i]])
		for k := before; k < len(buf); k++ {
			align = append(align, n.align[i])
		}
	}
	n.normalized = string(buf)
	n.align = align
}

func decodeRune(s string) (rune, int) {
	return utf8.DecodeRuneInString(s)
}

// gpt2Matches returns the matches of GPT-2's split pattern
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// scanned by hand because Go's regexp has no look-ahead. Alternatives are tried in order at
// each position, as Oniguruma does.
func gpt2Matches(s string) [][2]int {
	matches := make([][2]int, 0, len(s)/4+1)
	i := 0
	for i < len(s) {
		end := gpt2MatchAt(s, i)
		matches = append(matches, [2]int{i, end})
		i = end
	}
	return matches
}

type gpt2Class int

const (
	classLetter gpt2Class = iota
	classNumber
	classSpace
	classOther
)

func classify(r rune) gpt2Class {
	switch {
	case r < 0x80:
		switch {
		case (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'):
			return classLetter
		case r >= '0' && r <= '9':
			return classNumber
		case r == ' ' || (r >= '\t' && r <= '\r'):
			return classSpace
		}
		return classOther
	case unicode.IsLetter(r):
		return classLetter
	case unicode.IsNumber(r):
		return classNumber
	case unicode.IsSpace(r):
		return classSpace
	}
	return classOther
}

// runOf returns the end of the run of characters of class c starting at i.
func runOf(s string, i int, c gpt2Class) int {
	for i < len(s) {
		r, sz := utf8.DecodeRuneInString(s[i:])
		if classify(r) != c {
			break
		}
		i += sz
	}
	return i
}

// gpt2MatchAt returns the end of the match starting at i (always > i).
func gpt2MatchAt(s string, i int) int {
	if s[i] == '\'' && i+1 < len(s) {
		switch s[i+1] {
		case 's', 't', 'm', 'd':
			return i + 2
		case 'r', 'v', 'l':
			if i+2 < len(s) {
				w := s[i+1 : i+3]
				if w == "re" || w == "ve" || w == "ll" {
					return i + 3
				}
			}
		}
	}
	j := i
	if s[i] == ' ' && i+1 < len(s) {
		j = i + 1
	}
	r, sz := utf8.DecodeRuneInString(s[j:])
	if c := classify(r); c != classSpace {
		return runOf(s, j+sz, c)
	}
	// Here s[i] is whitespace: \s+(?!\S) takes the run but leaves its last character when a
	// non-space follows; a single space before a non-space falls to \s+.
	r, sz = utf8.DecodeRuneInString(s[i:])
	end := runOf(s, i+sz, classSpace)
	if end == len(s) {
		return end
	}
	_, lastSz := utf8.DecodeLastRuneInString(s[:end])
	if end-lastSz > i {
		return end - lastSz
	}
	return end
}
