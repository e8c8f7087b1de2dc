package tokenizer

// token is a model output: an id, its string and its byte offsets inside the split's
// normalized text.
type token struct {
	id      int
	value   string
	offsets [2]int
}

// piece is one split of a preTokenized string; tokens is non-nil once it is tokenized
// (added tokens are tokenized before the pre-tokenizer runs).
type piece struct {
	ns     *normString
	tokens []token
}

// preTokenized mirrors the library's PreTokenizedString.
type preTokenized struct {
	original string
	splits   []piece
}

// split replaces every not yet tokenized piece by the pieces f returns, dropping empty ones.
func (p *preTokenized) split(f func(n *normString) ([]*normString, error)) error {
	out := make([]piece, 0, len(p.splits)*2)
	for _, s := range p.splits {
		if s.tokens != nil {
			out = append(out, s)
			continue
		}
		parts, err := f(s.ns)
		if err != nil {
			return err
		}
		for _, n := range parts {
			if n.normalized != "" {
				out = append(out, piece{ns: n})
			}
		}
	}
	p.splits = out
	return nil
}

// byteToChar maps every byte offset of s (and len(s)) to a character offset.
func byteToChar(s string) []int {
	m := make([]int, len(s)+1)
	c := 0
	for i := range s {
		m[i] = c
		c++
	}
	// Continuation bytes take the index of their character.
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i]&0xC0 != 0x80 {
			last = m[i]
		}
		m[i] = last
	}
	m[len(s)] = c
	return m
}

// charOffsets converts byte offsets into the input to character offsets as the library's
// BytesToCharOffsetConverter does, including its answers for offsets past the end (which
// byte-fallback BPE tokens can have): a start past the end keeps the byte offsets.
func charOffsets(conv []int, off [2]int) [2]int {
	n := len(conv) - 1 // bytes in the input
	if off[0] < 0 || off[0] >= n {
		return off
	}
	start := conv[off[0]]
	if off[1] >= 0 && off[1] < n {
		return [2]int{start, conv[off[1]]}
	}
	last := start + 1
	if e := off[1] - 1; e >= 0 && e < n {
		last = conv[e]
	}
	return [2]int{start, last + 1}
}

// toEncoding turns a fully tokenized string into an Encoding with character offsets into the
// original text (as the Python and Node bindings give them).
func (p *preTokenized) toEncoding(typeID int) *Encoding {
	n := 0
	for _, s := range p.splits {
		n += len(s.tokens)
	}
	e := newEncoding(n)
	conv := byteToChar(p.original)
	for _, s := range p.splits {
		for _, t := range s.tokens {
			off := t.offsets
			if a, b, ok := s.ns.convertOffsets(off[0], off[1]); ok {
				off = [2]int{s.ns.shift + a, s.ns.shift + b}
			}
			off = charOffsets(conv, off)
			e.IDs = append(e.IDs, t.id)
			e.Tokens = append(e.Tokens, t.value)
			e.Offsets = append(e.Offsets, off)
			e.TypeIDs = append(e.TypeIDs, typeID)
			e.AttentionMask = append(e.AttentionMask, 1)
			e.SpecialTokensMask = append(e.SpecialTokensMask, 0)
		}
	}
	return e
}
