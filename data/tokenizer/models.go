package tokenizer

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// model turns one pre-tokenized word into tokens.
type model interface {
	tokenize(word string) ([]token, error)
	tokenToID(tok string) (int, bool)
	idToToken(id int) (string, bool)
	vocabSize() int
}

// vocab is a token <-> id table; ids index a slice (vocabularies are dense).
type vocab struct {
	ids    map[string]int
	tokens []string
	has    []bool
}

func newVocab(m map[string]int) vocab {
	maxID := -1
	for _, id := range m {
		maxID = max(maxID, id)
	}
	v := vocab{ids: m, tokens: make([]string, maxID+1), has: make([]bool, maxID+1)}
	for t, id := range m {
		if id >= 0 {
			v.tokens[id], v.has[id] = t, true
		}
	}
	return v
}

func (v vocab) tokenToID(tok string) (int, bool) { id, ok := v.ids[tok]; return id, ok }
func (v vocab) vocabSize() int                   { return len(v.ids) }

func (v vocab) idToToken(id int) (string, bool) {
	if id < 0 || id >= len(v.tokens) || !v.has[id] {
		return "", false
	}
	return v.tokens[id], true
}

// parseModel decodes the "model" object; without "type" it is inferred from the fields.
func parseModel(raw json.RawMessage) (model, error) {
	if isNull(raw) {
		return nil, fmt.Errorf("model is missing")
	}
	var head struct {
		Type   string          `json:"type"`
		Merges json.RawMessage `json:"merges"`
		Vocab  json.RawMessage `json:"vocab"`
		Prefix *string         `json:"continuing_subword_prefix"`
		MaxLen *int            `json:"max_input_chars_per_word"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	typ := head.Type
	if typ == "" {
		isObject := len(head.Vocab) > 0 && head.Vocab[0] == '{'
		switch {
		case len(head.Merges) > 0:
			typ = "BPE"
		case isObject && (head.Prefix != nil || head.MaxLen != nil):
			typ = "WordPiece"
		default:
			return nil, fmt.Errorf("model has no type and its fields match no supported model")
		}
	}
	switch typ {
	case "WordPiece":
		return parseWordPiece(raw)
	case "BPE":
		return parseBPE(raw)
	}
	return nil, fmt.Errorf("model type %q is %w", typ, ErrUnsupported)
}

// wordPiece is the greedy longest-match-first WordPiece model.
type wordPiece struct {
	vocab
	unk     string
	unkID   int
	hasUnk  bool
	prefix  string
	maxChar int
}

func parseWordPiece(raw json.RawMessage) (model, error) {
	var c struct {
		Vocab   map[string]int `json:"vocab"`
		Unk     *string        `json:"unk_token"`
		Prefix  *string        `json:"continuing_subword_prefix"`
		MaxChar *int           `json:"max_input_chars_per_word"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("model WordPiece: %w", err)
	}
	w := &wordPiece{vocab: newVocab(c.Vocab), unk: "[UNK]", prefix: "##", maxChar: 100}
	if c.Unk != nil {
		w.unk = *c.Unk
	}
	if c.Prefix != nil {
		w.prefix = *c.Prefix
	}
	if c.MaxChar != nil {
		w.maxChar = *c.MaxChar
	}
	w.unkID, w.hasUnk = w.ids[w.unk]
	return w, nil
}

func (w *wordPiece) unknown(word string) ([]token, error) {
	if !w.hasUnk {
		return nil, fmt.Errorf("WordPiece: unk_token %q is not in the vocabulary", w.unk)
	}
	return []token{{id: w.unkID, value: w.unk, offsets: [2]int{0, len(word)}}}, nil
}

func (w *wordPiece) tokenize(word string) ([]token, error) {
	if utf8.RuneCountInString(word) > w.maxChar {
		return w.unknown(word)
	}
	var out []token
	buf := make([]byte, 0, len(w.prefix)+len(word))
	start := 0
	for start < len(word) {
		end := len(word)
		found := false
		for start < end {
			buf = buf[:0]
			if start > 0 {
				buf = append(buf, w.prefix...)
			}
			buf = append(buf, word[start:end]...)
			if id, ok := w.ids[string(buf)]; ok {
				out = append(out, token{id: id, value: string(buf), offsets: [2]int{start, end}})
				found = true
				break
			}
			_, sz := utf8.DecodeLastRuneInString(word[start:end])
			end -= sz
		}
		if !found {
			return w.unknown(word)
		}
		start = end
	}
	return out, nil
}
