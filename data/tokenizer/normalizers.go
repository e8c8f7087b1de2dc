package tokenizer

import (
	"encoding/json"
	"fmt"
	"regexp"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalizer edits a normString in place, keeping its alignments.
type normalizer interface {
	normalize(n *normString) error
}

// parseNormalizer decodes the "normalizer" object of tokenizer.json; null gives nil.
func parseNormalizer(raw json.RawMessage) (normalizer, error) {
	if isNull(raw) {
		return nil, nil
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("normalizer: %w", err)
	}
	switch head.Type {
	case "BertNormalizer":
		var c struct {
			CleanText          *bool `json:"clean_text"`
			HandleChineseChars *bool `json:"handle_chinese_chars"`
			StripAccents       *bool `json:"strip_accents"`
			Lowercase          *bool `json:"lowercase"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("normalizer BertNormalizer: %w", err)
		}
		b := &bertNormalizer{cleanText: boolOr(c.CleanText, true), chinese: boolOr(c.HandleChineseChars, true),
			lowercase: boolOr(c.Lowercase, true)}
		b.stripAccents = boolOr(c.StripAccents, b.lowercase)
		return b, nil
	case "Lowercase":
		return lowercaseNormalizer{}, nil
	case "NFD":
		return unicodeNormalizer{norm.NFD}, nil
	case "NFC":
		return unicodeNormalizer{norm.NFC}, nil
	case "NFKD":
		return unicodeNormalizer{norm.NFKD}, nil
	case "NFKC":
		return unicodeNormalizer{norm.NFKC}, nil
	case "StripAccents":
		return stripAccentsNormalizer{}, nil
	case "Strip":
		var c struct {
			Left  *bool `json:"strip_left"`
			Right *bool `json:"strip_right"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("normalizer Strip: %w", err)
		}
		return stripNormalizer{left: boolOr(c.Left, true), right: boolOr(c.Right, true)}, nil
	case "Replace":
		var c struct {
			Pattern json.RawMessage `json:"pattern"`
			Content string          `json:"content"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("normalizer Replace: %w", err)
		}
		re, err := parsePattern(c.Pattern)
		if err != nil {
			return nil, fmt.Errorf("normalizer Replace: %w", err)
		}
		return replaceNormalizer{re: re, content: c.Content}, nil
	case "Prepend":
		var c struct {
			Prepend string `json:"prepend"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("normalizer Prepend: %w", err)
		}
		return prependNormalizer{c.Prepend}, nil
	case "Sequence":
		var c struct {
			Normalizers []json.RawMessage `json:"normalizers"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("normalizer Sequence: %w", err)
		}
		seq := make(sequenceNormalizer, 0, len(c.Normalizers))
		for _, r := range c.Normalizers {
			n, err := parseNormalizer(r)
			if err != nil {
				return nil, err
			}
			if n != nil {
				seq = append(seq, n)
			}
		}
		return seq, nil
	}
	return nil, fmt.Errorf("normalizer type %q is %w", head.Type, ErrUnsupported)
}

// parsePattern decodes {"String": s} (a literal) or {"Regex": r} into a compiled regexp.
// A literal that is empty gives nil (it never matches).
func parsePattern(raw json.RawMessage) (*regexp.Regexp, error) {
	var p struct {
		String *string `json:"String"`
		Regex  *string `json:"Regex"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("pattern: %w", err)
	}
	switch {
	case p.String != nil:
		if *p.String == "" {
			return nil, nil
		}
		return regexp.MustCompile(regexp.QuoteMeta(*p.String)), nil
	case p.Regex != nil:
		re, err := regexp.Compile(*p.Regex)
		if err != nil {
			return nil, fmt.Errorf("regex %q is %w (Go regexp has no look-around or backreferences): %w", *p.Regex, ErrUnsupported, err)
		}
		return re, nil
	}
	return nil, fmt.Errorf("pattern %s: want String or Regex", string(raw))
}

// regexSpans covers s with the matches of re (nil matches nothing).
func regexSpans(re *regexp.Regexp, s string) []span {
	if re == nil {
		if s == "" {
			return []span{{0, 0, false}}
		}
		return []span{{0, len(s), false}}
	}
	idx := re.FindAllStringIndex(s, -1)
	matches := make([][2]int, 0, len(idx))
	for _, m := range idx {
		if m[0] == m[1] {
			continue
		}
		matches = append(matches, [2]int{m[0], m[1]})
	}
	return spansFromMatches(len(s), matches)
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

func isNull(raw json.RawMessage) bool {
	s := string(raw)
	return len(raw) == 0 || s == "null"
}

type sequenceNormalizer []normalizer

func (s sequenceNormalizer) normalize(n *normString) error {
	for _, x := range s {
		if err := x.normalize(n); err != nil {
			return err
		}
	}
	return nil
}

// bertNormalizer is the Rust library's BertNormalizer.
type bertNormalizer struct {
	cleanText, chinese, stripAccents, lowercase bool
}

func (b *bertNormalizer) normalize(n *normString) error {
	if b.cleanText {
		n.filter(func(r rune) bool { return !(r == 0 || r == 0xfffd || isBertControl(r)) })
		n.mapChars(func(r rune, out []charChange) []charChange {
			if isBertWhitespace(r) {
				r = ' '
			}
			return append(out, charChange{r, 0})
		})
	}
	if b.chinese {
		n.mapChars(func(r rune, out []charChange) []charChange {
			if isChineseChar(r) {
				return append(out, charChange{' ', 0}, charChange{r, 1}, charChange{' ', 1})
			}
			return append(out, charChange{r, 0})
		})
	}
	if b.stripAccents {
		stripAccents(n)
	}
	if b.lowercase {
		lowercase(n)
	}
	return nil
}

func isBertWhitespace(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || unicode.IsSpace(r)
}

// isBertControl is the library's is_control: the "other" categories (Cc, Cf, Co, Cs, Cn)
// except tab, newline and carriage return.
func isBertControl(r rune) bool {
	if r == '\t' || r == '\n' || r == '\r' {
		return false
	}
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs) || !isAssigned(r)
}

func isAssigned(r rune) bool {
	return unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z, unicode.C)
}

func isChineseChar(r rune) bool {
	switch {
	case r >= 0x4E00 && r <= 0x9FFF, r >= 0x3400 && r <= 0x4DBF, r >= 0x20000 && r <= 0x2A6DF,
		r >= 0x2A700 && r <= 0x2B73F, r >= 0x2B740 && r <= 0x2B81F, r >= 0x2B920 && r <= 0x2CEAF,
		r >= 0xF900 && r <= 0xFAFF, r >= 0x2F800 && r <= 0x2FA1F:
		return true
	}
	return false
}

func stripAccents(n *normString) {
	normalizeForm(n, norm.NFD)
	n.filter(func(r rune) bool { return !unicode.Is(unicode.Mn, r) })
}

// lowercase applies Rust's char::to_lowercase to every character.
func lowercase(n *normString) {
	n.mapChars(func(r rune, out []charChange) []charChange {
		if r == 0x130 { // the only unconditional multi-character lowercase mapping
			return append(out, charChange{'i', 0}, charChange{0x307, 1})
		}
		return append(out, charChange{unicode.ToLower(r), 0})
	})
}

type lowercaseNormalizer struct{}

func (lowercaseNormalizer) normalize(n *normString) error { lowercase(n); return nil }

type stripAccentsNormalizer struct{}

// normalize removes every combining mark (Mn, Mc, Me), unlike BertNormalizer which removes
// only Mn.
func (stripAccentsNormalizer) normalize(n *normString) error {
	n.filter(func(r rune) bool { return !unicode.Is(unicode.M, r) })
	return nil
}

type unicodeNormalizer struct{ form norm.Form }

func (u unicodeNormalizer) normalize(n *normString) error { normalizeForm(n, u.form); return nil }

// normalizeForm applies a Unicode normalization form with the alignment bookkeeping of the
// library's unicode-normalization-alignments crate: every character is decomposed (its first
// piece replaces it, the others count as inserted), runs of combining marks are stably sorted
// by combining class, and for NFC/NFKC a composition merges the two changes minus one.
func normalizeForm(n *normString, f norm.Form) {
	if f.IsNormalString(n.normalized) {
		return
	}
	decomp := norm.NFD
	if f == norm.NFKC || f == norm.NFKD {
		decomp = norm.NFKD
	}
	dest := decompose(n.normalized, decomp)
	if f == norm.NFC || f == norm.NFKC {
		dest = recompose(dest)
	}
	n.transform(dest, 0)
}

func combiningClass(r rune) uint8 {
	if r < 0x300 {
		return 0
	}
	var buf [utf8.UTFMax]byte
	return norm.NFD.Properties(buf[:utf8.EncodeRune(buf[:], r)]).CCC()
}

// decompose is the crate's Decompositions iterator.
func decompose(s string, f norm.Form) []charChange {
	out := make([]charChange, 0, len(s)+8)
	ccc := make([]uint8, 0, len(s)+8)
	pending := 0 // start of the marks not yet sorted
	sortPending := func() {
		seg, cls := out[pending:], ccc[pending:]
		// Stable insertion sort by combining class; runs are short.
		for i := 1; i < len(seg); i++ {
			for j := i; j > 0 && cls[j] < cls[j-1]; j-- {
				seg[j], seg[j-1] = seg[j-1], seg[j]
				cls[j], cls[j-1] = cls[j-1], cls[j]
			}
		}
		pending = len(out)
	}
	var buf [utf8.UTFMax]byte
	for _, r := range s {
		d := string(r)
		if r >= 0xA0 { // the first character with a (compatibility) decomposition
			d = f.String(string(buf[:utf8.EncodeRune(buf[:], r)]))
		}
		first := true
		for _, c := range d {
			cl := combiningClass(c)
			if cl == 0 {
				sortPending()
			}
			ch := 1
			if first {
				ch = 0
			}
			out = append(out, charChange{c, ch})
			ccc = append(ccc, cl)
			first = false
		}
	}
	sortPending()
	return out
}

// compose returns the primary composite of a and b, if any.
func compose(a, b rune) (rune, bool) {
	if a < 0x80 && b < 0x80 {
		return 0, false
	}
	s := norm.NFC.String(string(a) + string(b))
	r, sz := utf8.DecodeRuneInString(s)
	if sz != len(s) {
		return 0, false
	}
	return r, true
}

// recompose is the crate's Recompositions iterator over decomposed characters.
func recompose(in []charChange) []charChange {
	out := make([]charChange, 0, len(in))
	var buffer []charChange
	var composee charChange
	haveComposee := false
	lastCCC := -1
	flush := func() {
		out = append(out, buffer...)
		buffer = buffer[:0]
	}
	for _, c := range in {
		cl := int(combiningClass(c.c))
		if !haveComposee {
			if cl != 0 {
				out = append(out, c)
				continue
			}
			composee, haveComposee = c, true
			continue
		}
		if lastCCC >= 0 && lastCCC >= cl { // c is blocked from the composee
			if cl == 0 {
				out = append(out, composee)
				flush()
				composee, lastCCC = c, -1
				continue
			}
			buffer = append(buffer, c)
			lastCCC = cl
			continue
		}
		if r, ok := compose(composee.c, c.c); ok {
			composee = charChange{r, composee.change + c.change - 1}
			continue
		}
		if lastCCC < 0 && cl == 0 {
			out = append(out, composee)
			composee = c
			continue
		}
		buffer = append(buffer, c)
		lastCCC = cl
	}
	if haveComposee {
		out = append(out, composee)
	}
	flush()
	return out
}

type stripNormalizer struct{ left, right bool }

func (s stripNormalizer) normalize(n *normString) error {
	chars := []rune(n.normalized)
	lead, trail := 0, 0
	if s.left {
		for lead < len(chars) && unicode.IsSpace(chars[lead]) {
			lead++
		}
	}
	if s.right {
		for trail < len(chars) && unicode.IsSpace(chars[len(chars)-1-trail]) {
			trail++
		}
	}
	if lead == 0 && trail == 0 {
		return nil
	}
	dest := make([]charChange, 0, len(chars))
	for i, c := range chars {
		switch {
		case i < lead || i >= len(chars)-trail:
		case i == len(n.normalized)-trail-1: // the library compares with the byte length here
			dest = append(dest, charChange{c, -trail})
		default:
			dest = append(dest, charChange{c, 0})
		}
	}
	n.transform(dest, lead)
	return nil
}

type replaceNormalizer struct {
	re      *regexp.Regexp
	content string
}

func (r replaceNormalizer) normalize(n *normString) error {
	if r.re == nil {
		return nil
	}
	idx := r.re.FindAllStringIndex(n.normalized, -1)
	// Replace from the right so earlier byte positions stay valid.
	for i := len(idx) - 1; i >= 0; i-- {
		m := idx[i]
		if m[0] == m[1] {
			continue
		}
		removed := utf8.RuneCountInString(n.normalized[m[0]:m[1]])
		dest := make([]charChange, 0, len(r.content))
		for _, c := range r.content {
			dest = append(dest, charChange{c, 1})
		}
		n.transformRange(m[0], m[1], dest, removed)
	}
	return nil
}

type prependNormalizer struct{ s string }

func (p prependNormalizer) normalize(n *normString) error {
	if n.normalized != "" {
		n.prepend(p.s)
	}
	return nil
}
