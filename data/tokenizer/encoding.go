package tokenizer

import (
	"fmt"
)

// Encoding is the result of encoding one sequence or a pair. All slices have the same length.
//
// Offsets are [start, end) character (Unicode code point) offsets into the input text the
// token came from (the first or the second sequence of a pair), as the Python and Node
// bindings of the Rust library give them; special tokens and padding have [0, 0]. The
// library's corner cases are kept: a token whose start lies at the end of the text keeps
// byte offsets, and byte-fallback BPE tokens may point past the end.
type Encoding struct {
	IDs, TypeIDs, AttentionMask, SpecialTokensMask []int
	Tokens                                         []string
	Offsets                                        [][2]int
}

func newEncoding(n int) *Encoding {
	return &Encoding{
		IDs: make([]int, 0, n), TypeIDs: make([]int, 0, n), AttentionMask: make([]int, 0, n),
		SpecialTokensMask: make([]int, 0, n), Tokens: make([]string, 0, n), Offsets: make([][2]int, 0, n),
	}
}

// Len is the number of tokens.
func (e *Encoding) Len() int { return len(e.IDs) }

// appendToken adds one token.
func (e *Encoding) appendToken(id int, tok string, typeID int, off [2]int, special, attention int) {
	e.IDs = append(e.IDs, id)
	e.Tokens = append(e.Tokens, tok)
	e.TypeIDs = append(e.TypeIDs, typeID)
	e.Offsets = append(e.Offsets, off)
	e.SpecialTokensMask = append(e.SpecialTokensMask, special)
	e.AttentionMask = append(e.AttentionMask, attention)
}

// appendEncoding adds all tokens of o.
func (e *Encoding) appendEncoding(o *Encoding) {
	e.IDs = append(e.IDs, o.IDs...)
	e.Tokens = append(e.Tokens, o.Tokens...)
	e.TypeIDs = append(e.TypeIDs, o.TypeIDs...)
	e.Offsets = append(e.Offsets, o.Offsets...)
	e.SpecialTokensMask = append(e.SpecialTokensMask, o.SpecialTokensMask...)
	e.AttentionMask = append(e.AttentionMask, o.AttentionMask...)
}

// truncate keeps n tokens, from the start (right truncation) or the end (left).
func (e *Encoding) truncate(n int, left bool) {
	if n >= e.Len() {
		return
	}
	lo, hi := 0, n
	if left {
		lo, hi = e.Len()-n, e.Len()
	}
	e.IDs = e.IDs[lo:hi]
	e.Tokens = e.Tokens[lo:hi]
	e.TypeIDs = e.TypeIDs[lo:hi]
	e.Offsets = e.Offsets[lo:hi]
	e.SpecialTokensMask = e.SpecialTokensMask[lo:hi]
	e.AttentionMask = e.AttentionMask[lo:hi]
}

// Truncation configures truncation, as tokenizer.json's "truncation".
type Truncation struct {
	MaxLength int    `json:"max_length"`
	Strategy  string `json:"strategy"`  // LongestFirst, OnlyFirst or OnlySecond
	Direction string `json:"direction"` // Right or Left
	Stride    int    `json:"stride"`    // only 0 is supported
}

// Validate reports a configuration this package cannot apply.
func (t *Truncation) Validate() error {
	switch t.Strategy {
	case "LongestFirst", "OnlyFirst", "OnlySecond":
	default:
		return fmt.Errorf("truncation strategy %q is %w", t.Strategy, ErrUnsupported)
	}
	if t.Direction != "Right" && t.Direction != "Left" {
		return fmt.Errorf("truncation direction %q is %w", t.Direction, ErrUnsupported)
	}
	if t.Stride != 0 {
		return fmt.Errorf("truncation stride %d is %w (only 0)", t.Stride, ErrUnsupported)
	}
	if t.MaxLength < 0 {
		return fmt.Errorf("truncation max_length %d is negative", t.MaxLength)
	}
	return nil
}

// truncatePair is truncate_encodings of the library.
func truncatePair(a, b *Encoding, t Truncation, maxLen int) error {
	left := t.Direction == "Left"
	if maxLen == 0 {
		a.truncate(0, left)
		if b != nil {
			b.truncate(0, left)
		}
		return nil
	}
	total := a.Len()
	if b != nil {
		total += b.Len()
	}
	if total <= maxLen {
		return nil
	}
	toRemove := total - maxLen
	switch t.Strategy {
	case "LongestFirst":
		if b == nil {
			a.truncate(total-toRemove, left)
			return nil
		}
		n1, n2 := a.Len(), b.Len()
		swap := n1 > n2
		if swap {
			n1, n2 = n2, n1
		}
		if n1 > maxLen {
			n2 = n1
		} else {
			n2 = max(n1, maxLen-n1)
		}
		if n1+n2 > maxLen {
			n1 = maxLen / 2
			n2 = n1 + maxLen%2
		}
		if swap {
			n1, n2 = n2, n1
		}
		a.truncate(n1, left)
		b.truncate(n2, left)
	case "OnlyFirst", "OnlySecond":
		target := a
		if t.Strategy == "OnlySecond" {
			if b == nil {
				return fmt.Errorf("truncation OnlySecond: no second sequence")
			}
			target = b
		}
		if target.Len() <= toRemove {
			return fmt.Errorf("truncation %s: sequence of %d tokens is too short to remove %d", t.Strategy, target.Len(), toRemove)
		}
		target.truncate(target.Len()-toRemove, left)
	}
	return nil
}

// Padding configures padding, as tokenizer.json's "padding". Fixed > 0 pads to that length;
// otherwise an encoding is padded to its own length (batch-longest of one), then rounded up
// to a multiple of PadToMultipleOf when set.
type Padding struct {
	Fixed           int
	Left            bool
	PadToMultipleOf int
	PadID           int
	PadTypeID       int
	PadToken        string
}

// pad pads e in place to the configured length.
func (p *Padding) pad(e *Encoding) {
	target := e.Len()
	if p.Fixed > 0 {
		target = p.Fixed
	}
	if m := p.PadToMultipleOf; m > 0 && target%m != 0 {
		target += m - target%m
	}
	n := target - e.Len()
	if n <= 0 {
		return
	}
	if !p.Left {
		for i := 0; i < n; i++ {
			e.appendToken(p.PadID, p.PadToken, p.PadTypeID, [2]int{0, 0}, 1, 0)
		}
		return
	}
	padded := newEncoding(target)
	for i := 0; i < n; i++ {
		padded.appendToken(p.PadID, p.PadToken, p.PadTypeID, [2]int{0, 0}, 1, 0)
	}
	padded.appendEncoding(e)
	*e = *padded
}
