package tokenizer

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// decoder turns tokens back into text pieces, as the library's decode_chain.
type decoder interface {
	decode(tokens []string) []string
}

// parseDecoder decodes the "decoder" object; null gives nil (tokens joined by spaces).
func parseDecoder(raw json.RawMessage) (decoder, error) {
	if isNull(raw) {
		return nil, nil
	}
	var head struct {
		Type          string            `json:"type"`
		Prefix        *string           `json:"prefix"`
		Cleanup       *bool             `json:"cleanup"`
		Seq           []json.RawMessage `json:"decoders"`
		Pattern       json.RawMessage   `json:"pattern"`
		Content       *string           `json:"content"`
		Start         int               `json:"start"`
		Stop          int               `json:"stop"`
		Replacement   *string           `json:"replacement"`
		PrependScheme *string           `json:"prepend_scheme"`
		AddPrefix     *bool             `json:"add_prefix_space"`
		Suffix        *string           `json:"suffix"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("decoder: %w", err)
	}
	switch head.Type {
	case "WordPiece":
		d := wordPieceDecoder{prefix: "##", cleanup: boolOr(head.Cleanup, true)}
		if head.Prefix != nil {
			d.prefix = *head.Prefix
		}
		return d, nil
	case "ByteLevel":
		return byteLevelDecoder{}, nil
	case "ByteFallback":
		return byteFallbackDecoder{}, nil
	case "Fuse":
		return fuseDecoder{}, nil
	case "Replace":
		re, err := parsePattern(head.Pattern)
		if err != nil {
			return nil, fmt.Errorf("decoder Replace: %w", err)
		}
		if head.Content == nil {
			return nil, fmt.Errorf("decoder Replace: content is missing")
		}
		return replaceDecoder{re: re, content: *head.Content}, nil
	case "Strip":
		if head.Content == nil || utf8.RuneCountInString(*head.Content) != 1 {
			return nil, fmt.Errorf("decoder Strip: content must be one character")
		}
		r, _ := utf8.DecodeRuneInString(*head.Content)
		return stripDecoder{content: r, start: head.Start, stop: head.Stop}, nil
	case "Metaspace":
		d := metaspaceDecoder{replacement: '▁', prepend: true}
		if head.Replacement != nil {
			d.replacement, _ = utf8.DecodeRuneInString(*head.Replacement)
		}
		switch {
		case head.PrependScheme != nil:
			d.prepend = *head.PrependScheme != "never"
		case head.AddPrefix != nil:
			d.prepend = *head.AddPrefix
		}
		return d, nil
	case "BPEDecoder":
		d := bpeDecoder{suffix: "</w>"}
		if head.Suffix != nil {
			d.suffix = *head.Suffix
		}
		return d, nil
	case "Sequence":
		var seq sequenceDecoder
		for _, r := range head.Seq {
			d, err := parseDecoder(r)
			if err != nil {
				return nil, err
			}
			if d != nil {
				seq = append(seq, d)
			}
		}
		return seq, nil
	}
	return nil, fmt.Errorf("decoder type %q is %w", head.Type, ErrUnsupported)
}

type sequenceDecoder []decoder

func (s sequenceDecoder) decode(tokens []string) []string {
	for _, d := range s {
		tokens = d.decode(tokens)
	}
	return tokens
}

type wordPieceDecoder struct {
	prefix  string
	cleanup bool
}

// cleanup undoes the tokenization spaces around punctuation and contractions; the
// replacements run one after the other, as in the library.
func cleanup(s string) string {
	for _, r := range [...][2]string{{" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
		{" n't", "n't"}, {" 'm", "'m"}, {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}} {
		s = strings.ReplaceAll(s, r[0], r[1])
	}
	return s
}

func (w wordPieceDecoder) decode(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		if i != 0 {
			if strings.HasPrefix(t, w.prefix) {
				t = strings.Replace(t, w.prefix, "", 1)
			} else {
				t = " " + t
			}
		}
		if w.cleanup {
			t = cleanup(t)
		}
		out[i] = t
	}
	return out
}

type byteLevelDecoder struct{}

func (byteLevelDecoder) decode(tokens []string) []string {
	var b []byte
	for _, t := range tokens {
		start := len(b)
		ok := true
		for _, r := range t {
			c, found := byteLevel.runeToByte[r]
			if !found {
				ok = false
				break
			}
			b = append(b, c)
		}
		if !ok {
			b = append(b[:start], t...)
		}
	}
	return []string{lossyUTF8(b)}
}

// lossyUTF8 is Rust's String::from_utf8_lossy: each maximal invalid subpart of a sequence
// becomes one U+FFFD.
func lossyUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, sz := utf8.DecodeRune(b)
		if r != utf8.RuneError || sz > 1 {
			sb.Write(b[:sz])
			b = b[sz:]
			continue
		}
		sb.WriteRune(utf8.RuneError)
		b = b[invalidPrefix(b):]
	}
	return sb.String()
}

// invalidPrefix is the length of the maximal subpart of an ill-formed sequence at b[0].
func invalidPrefix(b []byte) int {
	c := b[0]
	var n int
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case c >= 0xC2 && c <= 0xDF:
		n = 2
	case c == 0xE0:
		n, lo = 3, 0xA0
	case c >= 0xE1 && c <= 0xEC, c == 0xEE, c == 0xEF:
		n = 3
	case c == 0xED:
		n, hi = 3, 0x9F
	case c == 0xF0:
		n, lo = 4, 0x90
	case c >= 0xF1 && c <= 0xF3:
		n = 4
	case c == 0xF4:
		n, hi = 4, 0x8F
	default:
		return 1
	}
	i := 1
	for ; i < n && i < len(b); i++ {
		if i == 1 && (b[i] < lo || b[i] > hi) || i > 1 && (b[i] < 0x80 || b[i] > 0xBF) {
			break
		}
	}
	return i
}

// byteFallbackDecoder turns runs of "<0xXX>" tokens back into text; an invalid UTF-8 run
// becomes one U+FFFD per byte.
type byteFallbackDecoder struct{}

func (byteFallbackDecoder) decode(tokens []string) []string {
	out := make([]string, 0, len(tokens))
	var pending []byte
	flush := func() {
		if len(pending) == 0 {
			return
		}
		if utf8.Valid(pending) {
			out = append(out, string(pending))
		} else {
			for range pending {
				out = append(out, "\uFFFD")
			}
		}
		pending = pending[:0]
	}
	for _, t := range tokens {
		if b, ok := fallbackByte(t); ok {
			pending = append(pending, b)
			continue
		}
		flush()
		out = append(out, t)
	}
	flush()
	return out
}

// fallbackByte parses a byte-fallback token "<0xXX>".
func fallbackByte(t string) (byte, bool) {
	if len(t) != 6 || !strings.HasPrefix(t, "<0x") || t[5] != '>' {
		return 0, false
	}
	v, err := strconv.ParseUint(t[3:5], 16, 8)
	if err != nil {
		return 0, false
	}
	return byte(v), true
}

type fuseDecoder struct{}

func (fuseDecoder) decode(tokens []string) []string { return []string{strings.Join(tokens, "")} }

type replaceDecoder struct {
	re      *regexp.Regexp
	content string
}

func (r replaceDecoder) decode(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		if r.re != nil {
			t = r.re.ReplaceAllLiteralString(t, r.content)
		}
		out[i] = t
	}
	return out
}

// stripDecoder removes up to start leading and stop trailing content characters per token.
type stripDecoder struct {
	content     rune
	start, stop int
}

func (s stripDecoder) decode(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		chars := []rune(t)
		lo, hi := 0, len(chars)
		for lo < s.start && lo < len(chars) && chars[lo] == s.content {
			lo++
		}
		for k := 0; k < s.stop && hi > lo && chars[hi-1] == s.content; k++ {
			hi--
		}
		out[i] = string(chars[lo:hi])
	}
	return out
}

// metaspaceDecoder turns the replacement character back into spaces, dropping those of the
// first token when a prefix was prepended.
type metaspaceDecoder struct {
	replacement rune
	prepend     bool
}

func (m metaspaceDecoder) decode(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		var sb strings.Builder
		for _, c := range t {
			switch {
			case c != m.replacement:
				sb.WriteRune(c)
			case i == 0 && m.prepend:
			default:
				sb.WriteByte(' ')
			}
		}
		out[i] = sb.String()
	}
	return out
}

// bpeDecoder replaces the end-of-word suffix by a space (nothing on the last token).
type bpeDecoder struct{ suffix string }

func (b bpeDecoder) decode(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		rep := " "
		if i == len(tokens)-1 {
			rep = ""
		}
		out[i] = strings.ReplaceAll(t, b.suffix, rep)
	}
	return out
}
