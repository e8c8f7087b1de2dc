package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"
)

// ErrUnsupported is wrapped by every error about a component, option or setting of
// tokenizer.json that this package does not implement; the message names it.
var ErrUnsupported = errors.New("not supported")

// Tokenizer is a tokenizer.json pipeline: added tokens, normalizer, pre-tokenizer, model,
// post-processor, truncation, padding and decoder. It is immutable: the With* methods return
// modified copies, so one Tokenizer may be used by many goroutines at once.
type Tokenizer struct {
	name       string
	normalizer normalizer
	pre        preTokenizer
	model      model
	added      *addedVocab
	post       postProcessor
	decoder    decoder
	truncation *Truncation
	padding    *Padding
}

// FromFile loads a Hugging Face tokenizer.json file.
func FromFile(path string) (*Tokenizer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	return FromBytes(path, b)
}

// FromBytes parses the contents of a tokenizer.json file; name is used in error messages.
// An unsupported component is an error naming the component and its type.
func FromBytes(name string, b []byte) (*Tokenizer, error) {
	t, err := parse(b)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %s: %w", name, err)
	}
	t.name = name
	return t, nil
}

func parse(b []byte) (*Tokenizer, error) {
	var f struct {
		AddedTokens   []AddedToken    `json:"added_tokens"`
		Normalizer    json.RawMessage `json:"normalizer"`
		PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
		Model         json.RawMessage `json:"model"`
		PostProcessor json.RawMessage `json:"post_processor"`
		Decoder       json.RawMessage `json:"decoder"`
		Truncation    json.RawMessage `json:"truncation"`
		Padding       json.RawMessage `json:"padding"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	t := &Tokenizer{}
	var err error
	if t.normalizer, err = parseNormalizer(f.Normalizer); err != nil {
		return nil, err
	}
	if t.pre, err = parsePreTokenizer(f.PreTokenizer); err != nil {
		return nil, err
	}
	if t.model, err = parseModel(f.Model); err != nil {
		return nil, err
	}
	if t.added, err = newAddedVocab(f.AddedTokens, t.model, t.normalizer); err != nil {
		return nil, fmt.Errorf("added_tokens: %w", err)
	}
	if t.post, err = parsePostProcessor(f.PostProcessor); err != nil {
		return nil, err
	}
	if t.decoder, err = parseDecoder(f.Decoder); err != nil {
		return nil, err
	}
	if t.truncation, err = parseTruncation(f.Truncation); err != nil {
		return nil, err
	}
	if t.padding, err = parsePadding(f.Padding); err != nil {
		return nil, err
	}
	return t, nil
}

func parseTruncation(raw json.RawMessage) (*Truncation, error) {
	if isNull(raw) {
		return nil, nil
	}
	tr := Truncation{Strategy: "LongestFirst", Direction: "Right"}
	if err := json.Unmarshal(raw, &tr); err != nil {
		return nil, fmt.Errorf("truncation: %w", err)
	}
	if err := tr.Validate(); err != nil {
		return nil, err
	}
	return &tr, nil
}

func parsePadding(raw json.RawMessage) (*Padding, error) {
	if isNull(raw) {
		return nil, nil
	}
	var c struct {
		Strategy        json.RawMessage `json:"strategy"`
		Direction       string          `json:"direction"`
		PadToMultipleOf *int            `json:"pad_to_multiple_of"`
		PadID           int             `json:"pad_id"`
		PadTypeID       int             `json:"pad_type_id"`
		PadToken        string          `json:"pad_token"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("padding: %w", err)
	}
	p := &Padding{Left: c.Direction == "Left", PadID: c.PadID, PadTypeID: c.PadTypeID, PadToken: c.PadToken}
	if c.PadToMultipleOf != nil {
		p.PadToMultipleOf = *c.PadToMultipleOf
	}
	var fixed struct {
		Fixed *int `json:"Fixed"`
	}
	var name string
	switch {
	case json.Unmarshal(c.Strategy, &name) == nil && name == "BatchLongest":
	case json.Unmarshal(c.Strategy, &fixed) == nil && fixed.Fixed != nil:
		p.Fixed = *fixed.Fixed
	default:
		return nil, fmt.Errorf("padding strategy %s is %w", string(c.Strategy), ErrUnsupported)
	}
	if c.Direction != "Left" && c.Direction != "Right" && c.Direction != "" {
		return nil, fmt.Errorf("padding direction %q is %w", c.Direction, ErrUnsupported)
	}
	return p, nil
}

// Truncation returns the truncation settings, if any.
func (t *Tokenizer) Truncation() (Truncation, bool) {
	if t.truncation == nil {
		return Truncation{}, false
	}
	return *t.truncation, true
}

// Padding returns the padding settings, if any.
func (t *Tokenizer) Padding() (Padding, bool) {
	if t.padding == nil {
		return Padding{}, false
	}
	return *t.padding, true
}

// WithTruncation returns a copy that truncates to maxLen tokens (special tokens included),
// longest first, from the right. A negative maxLen disables truncation.
func (t *Tokenizer) WithTruncation(maxLen int) *Tokenizer {
	c := *t
	if maxLen < 0 {
		c.truncation = nil
		return &c
	}
	c.truncation = &Truncation{MaxLength: maxLen, Strategy: "LongestFirst", Direction: "Right"}
	return &c
}

// WithTruncationConfig returns a copy with the given truncation settings.
func (t *Tokenizer) WithTruncationConfig(tr Truncation) (*Tokenizer, error) {
	if err := tr.Validate(); err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	c := *t
	c.truncation = &tr
	return &c, nil
}

// WithPadding returns a copy that pads every encoding as p says.
func (t *Tokenizer) WithPadding(p Padding) *Tokenizer {
	c := *t
	c.padding = &p
	return &c
}

// WithoutPadding returns a copy that does not pad.
func (t *Tokenizer) WithoutPadding() *Tokenizer {
	c := *t
	c.padding = nil
	return &c
}

// Encode encodes one sequence. Invalid UTF-8 is first replaced by U+FFFD.
func (t *Tokenizer) Encode(text string, addSpecialTokens bool) (*Encoding, error) {
	e, err := t.encodeSequence(text, 0, t.tokenCap())
	if err != nil {
		return nil, err
	}
	return t.postProcess(e, nil, addSpecialTokens)
}

// EncodePair encodes a pair of sequences (type ids 0 and 1 unless the post-processor says
// otherwise).
func (t *Tokenizer) EncodePair(first, second string, addSpecialTokens bool) (*Encoding, error) {
	a, err := t.encodeSequence(first, 0, t.tokenCap())
	if err != nil {
		return nil, err
	}
	b, err := t.encodeSequence(second, 1, t.tokenCap())
	if err != nil {
		return nil, err
	}
	return t.postProcess(a, b, addSpecialTokens)
}

// tokenCap is the number of tokens after which a sequence need not be tokenized further
// (-1: no limit). With LongestFirst truncation the library stops tokenizing words once a
// sequence has max_length tokens (from the end for left truncation). That loses nothing that
// truncation keeps, but it changes which sequence of a pair counts as the longer one, so it is
// copied for exact results (measured against tokenizers 0.23.2).
func (t *Tokenizer) tokenCap() int {
	if t.truncation == nil || t.truncation.Strategy != "LongestFirst" {
		return -1
	}
	return t.truncation.MaxLength
}

func (t *Tokenizer) encodeSequence(text string, typeID, maxTokens int) (*Encoding, error) {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	p, err := t.added.extractAndNormalize(t.normalizer, text)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: normalize: %w", err)
	}
	if t.pre != nil {
		if err := t.pre.preTokenize(p); err != nil {
			return nil, fmt.Errorf("tokenizer: pre-tokenize: %w", err)
		}
	}
	left := t.truncation != nil && t.truncation.Direction == "Left"
	n := len(p.splits)
	count := 0
	for k := 0; k < n; k++ {
		i := k
		if left {
			i = n - 1 - k
		}
		if maxTokens >= 0 && count >= maxTokens {
			if left {
				p.splits = p.splits[i+1:]
			} else {
				p.splits = p.splits[:i]
			}
			break
		}
		s := &p.splits[i]
		if s.tokens == nil {
			toks, err := t.model.tokenize(s.ns.normalized)
			if err != nil {
				return nil, fmt.Errorf("tokenizer: %w", err)
			}
			if toks == nil {
				toks = []token{}
			}
			s.tokens = toks
		}
		count += len(s.tokens)
	}
	return p.toEncoding(typeID), nil
}

// postProcess truncates, adds special tokens, merges the pair and pads (post_process).
func (t *Tokenizer) postProcess(a, b *Encoding, addSpecial bool) (*Encoding, error) {
	if tr := t.truncation; tr != nil {
		maxLen := tr.MaxLength
		if addSpecial && t.post != nil {
			maxLen -= t.post.addedTokens(b != nil)
		}
		if maxLen < 0 {
			return nil, fmt.Errorf("tokenizer: truncation max_length %d is smaller than the %d special tokens", tr.MaxLength, tr.MaxLength-maxLen)
		}
		if err := truncatePair(a, b, *tr, maxLen); err != nil {
			return nil, fmt.Errorf("tokenizer: %w", err)
		}
	}
	encs := []*Encoding{a}
	if b != nil {
		encs = append(encs, b)
	}
	if t.post != nil {
		var err error
		if encs, err = t.post.process(encs, addSpecial); err != nil {
			return nil, fmt.Errorf("tokenizer: post-process: %w", err)
		}
	}
	out := encs[0]
	if len(encs) > 1 {
		out = newEncoding(a.Len() + b.Len() + 4)
		for _, e := range encs {
			out.appendEncoding(e)
		}
	}
	if t.padding != nil {
		t.padding.pad(out)
	}
	return out, nil
}

// TokenToID returns the id of a token (added tokens first, then the model vocabulary).
func (t *Tokenizer) TokenToID(tok string) (int, bool) {
	if id, ok := t.added.byContent[tok]; ok {
		return id, true
	}
	return t.model.tokenToID(tok)
}

// IDToToken returns the token of an id (added tokens first, then the model vocabulary).
func (t *Tokenizer) IDToToken(id int) (string, bool) {
	if a, ok := t.added.byID[id]; ok {
		return a.Content, true
	}
	return t.model.idToToken(id)
}

// VocabSize is the number of distinct tokens of the model and the added tokens, as the
// library's get_vocab_size(true).
func (t *Tokenizer) VocabSize() int {
	n := t.model.vocabSize()
	for _, a := range t.added.tokens {
		if _, ok := t.model.tokenToID(a.Content); !ok {
			n++
		}
	}
	return n
}

// PadID returns the padding id from the padding settings, else the id of "[PAD]" or "<pad>".
func (t *Tokenizer) PadID() (int, bool) {
	if t.padding != nil {
		return t.padding.PadID, true
	}
	for _, tok := range []string{"[PAD]", "<pad>"} {
		if id, ok := t.TokenToID(tok); ok {
			return id, true
		}
	}
	return 0, false
}

// Decode turns ids back into text through the decoder (tokens joined by spaces without one).
// skipSpecial drops special added tokens. An id outside the vocabulary is an error.
func (t *Tokenizer) Decode(ids []int, skipSpecial bool) (string, error) {
	toks := make([]string, 0, len(ids))
	for _, id := range ids {
		tok, ok := t.IDToToken(id)
		if !ok {
			return "", fmt.Errorf("tokenizer: decode: id %d is not in the vocabulary", id)
		}
		if skipSpecial && t.added.special[tok] {
			continue
		}
		toks = append(toks, tok)
	}
	if t.decoder == nil {
		return strings.Join(toks, " "), nil
	}
	return strings.Join(t.decoder.decode(toks), ""), nil
}
