package tokenizer

import (
	"encoding/json"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// postProcessor adds special tokens and fixes type ids and offsets of the encodings of one
// input (one or two sequences), as the library's process_encodings.
type postProcessor interface {
	addedTokens(isPair bool) int
	process(encs []*Encoding, addSpecial bool) ([]*Encoding, error)
}

// parsePostProcessor decodes the "post_processor" object; null gives nil.
func parsePostProcessor(raw json.RawMessage) (postProcessor, error) {
	if isNull(raw) {
		return nil, nil
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("post_processor: %w", err)
	}
	switch head.Type {
	case "BertProcessing", "RobertaProcessing":
		var c struct {
			Sep            [2]json.RawMessage `json:"sep"`
			Cls            [2]json.RawMessage `json:"cls"`
			TrimOffsets    *bool              `json:"trim_offsets"`
			AddPrefixSpace *bool              `json:"add_prefix_space"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("post_processor %s: %w", head.Type, err)
		}
		p := &specialPairProcessor{roberta: head.Type == "RobertaProcessing",
			trimOffsets: boolOr(c.TrimOffsets, true), addPrefixSpace: boolOr(c.AddPrefixSpace, true)}
		for _, x := range []struct {
			raw [2]json.RawMessage
			tok *string
			id  *int
		}{{c.Sep, &p.sep, &p.sepID}, {c.Cls, &p.cls, &p.clsID}} {
			if err := json.Unmarshal(x.raw[0], x.tok); err != nil {
				return nil, fmt.Errorf("post_processor %s: %w", head.Type, err)
			}
			if err := json.Unmarshal(x.raw[1], x.id); err != nil {
				return nil, fmt.Errorf("post_processor %s: %w", head.Type, err)
			}
		}
		return p, nil
	case "ByteLevel":
		var c struct {
			TrimOffsets    *bool `json:"trim_offsets"`
			AddPrefixSpace *bool `json:"add_prefix_space"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("post_processor ByteLevel: %w", err)
		}
		return byteLevelProcessor{trimOffsets: boolOr(c.TrimOffsets, true), addPrefixSpace: boolOr(c.AddPrefixSpace, true)}, nil
	case "TemplateProcessing":
		return parseTemplate(raw)
	case "Sequence":
		var c struct {
			Processors []json.RawMessage `json:"processors"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("post_processor Sequence: %w", err)
		}
		var seq sequenceProcessor
		for _, r := range c.Processors {
			p, err := parsePostProcessor(r)
			if err != nil {
				return nil, err
			}
			if p != nil {
				seq = append(seq, p)
			}
		}
		return seq, nil
	}
	return nil, fmt.Errorf("post_processor type %q is %w", head.Type, ErrUnsupported)
}

type sequenceProcessor []postProcessor

func (s sequenceProcessor) addedTokens(isPair bool) int {
	n := 0
	for _, p := range s {
		n += p.addedTokens(isPair)
	}
	return n
}

func (s sequenceProcessor) process(encs []*Encoding, addSpecial bool) ([]*Encoding, error) {
	var err error
	for _, p := range s {
		if encs, err = p.process(encs, addSpecial); err != nil {
			return nil, err
		}
	}
	return encs, nil
}

// trimByteLevelOffsets is the library's byte_level::process_offsets: offsets stop covering
// the leading and trailing spaces of a token.
func trimByteLevelOffsets(e *Encoding, addPrefixSpace bool) {
	isSpace := func(r rune) bool { return r == 'Ġ' || unicode.IsSpace(r) }
	for i, tok := range e.Tokens {
		lead, trail := 0, 0
		for _, r := range tok {
			if !isSpace(r) {
				break
			}
			lead++
		}
		for s := tok; len(s) > 0; {
			r, sz := utf8.DecodeLastRuneInString(s)
			if !isSpace(r) {
				break
			}
			trail++
			s = s[:len(s)-sz]
		}
		off := &e.Offsets[i]
		if lead > 0 {
			if (i == 0 || off[0] == 0) && addPrefixSpace && lead == 1 {
				lead = 0
			}
			off[0] = min(off[0]+lead, off[1])
		}
		if trail > 0 && off[1] >= trail {
			off[1] = max(off[1]-trail, off[0])
		}
	}
}

// specialPairProcessor is BertProcessing or RobertaProcessing.
type specialPairProcessor struct {
	roberta                     bool
	sep, cls                    string
	sepID, clsID                int
	trimOffsets, addPrefixSpace bool
}

func (p *specialPairProcessor) addedTokens(isPair bool) int {
	switch {
	case !isPair:
		return 2
	case p.roberta:
		return 4
	}
	return 3
}

func (p *specialPairProcessor) process(encs []*Encoding, addSpecial bool) ([]*Encoding, error) {
	if p.roberta {
		for _, e := range encs {
			if p.trimOffsets {
				trimByteLevelOffsets(e, p.addPrefixSpace)
			}
			for i := range e.TypeIDs {
				e.TypeIDs[i] = 0 // RoBERTa gives type id 0 to everything
			}
		}
	}
	if !addSpecial {
		return encs, nil
	}
	out := make([]*Encoding, len(encs))
	for i, e := range encs {
		n := newEncoding(e.Len() + 2)
		switch {
		case i == 0:
			n.appendToken(p.clsID, p.cls, 0, [2]int{}, 1, 1)
			n.appendEncoding(e)
			n.appendToken(p.sepID, p.sep, 0, [2]int{}, 1, 1)
		case p.roberta:
			n.appendToken(p.sepID, p.sep, 0, [2]int{}, 1, 1)
			n.appendEncoding(e)
			n.appendToken(p.sepID, p.sep, 0, [2]int{}, 1, 1)
		default:
			n.appendEncoding(e)
			n.appendToken(p.sepID, p.sep, 1, [2]int{}, 1, 1)
		}
		out[i] = n
	}
	return out, nil
}

type byteLevelProcessor struct{ trimOffsets, addPrefixSpace bool }

func (byteLevelProcessor) addedTokens(bool) int { return 0 }

func (b byteLevelProcessor) process(encs []*Encoding, _ bool) ([]*Encoding, error) {
	if b.trimOffsets {
		for _, e := range encs {
			trimByteLevelOffsets(e, b.addPrefixSpace)
		}
	}
	return encs, nil
}

// templatePiece is either a special token (special != "") or sequence A (seq 0) or B (seq 1).
type templatePiece struct {
	special string
	seq     int
	typeID  int
}

type templateSpecial struct {
	ids    []int
	tokens []string
}

// templateProcessor is TemplateProcessing.
type templateProcessor struct {
	single, pair []templatePiece
	specials     map[string]templateSpecial
}

func parseTemplate(raw json.RawMessage) (postProcessor, error) {
	type rawPiece struct {
		SpecialToken *struct {
			ID     string `json:"id"`
			TypeID int    `json:"type_id"`
		} `json:"SpecialToken"`
		Sequence *struct {
			ID     string `json:"id"`
			TypeID int    `json:"type_id"`
		} `json:"Sequence"`
	}
	var c struct {
		Single        []rawPiece `json:"single"`
		Pair          []rawPiece `json:"pair"`
		SpecialTokens map[string]struct {
			IDs    []int    `json:"ids"`
			Tokens []string `json:"tokens"`
		} `json:"special_tokens"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("post_processor TemplateProcessing: %w", err)
	}
	t := &templateProcessor{specials: map[string]templateSpecial{}}
	for k, v := range c.SpecialTokens {
		if len(v.IDs) != len(v.Tokens) {
			return nil, fmt.Errorf("post_processor TemplateProcessing: special token %q has %d ids and %d tokens", k, len(v.IDs), len(v.Tokens))
		}
		t.specials[k] = templateSpecial{ids: v.IDs, tokens: v.Tokens}
	}
	conv := func(in []rawPiece) ([]templatePiece, error) {
		var out []templatePiece
		for _, p := range in {
			switch {
			case p.SpecialToken != nil:
				if _, ok := t.specials[p.SpecialToken.ID]; !ok {
					return nil, fmt.Errorf("special token %q is missing from special_tokens", p.SpecialToken.ID)
				}
				out = append(out, templatePiece{special: p.SpecialToken.ID, typeID: p.SpecialToken.TypeID})
			case p.Sequence != nil && (p.Sequence.ID == "A" || p.Sequence.ID == "B"):
				seq := 0
				if p.Sequence.ID == "B" {
					seq = 1
				}
				out = append(out, templatePiece{seq: seq, typeID: p.Sequence.TypeID})
			default:
				return nil, fmt.Errorf("template piece is neither SpecialToken nor Sequence A/B")
			}
		}
		return out, nil
	}
	var err error
	if t.single, err = conv(c.Single); err != nil {
		return nil, fmt.Errorf("post_processor TemplateProcessing single: %w", err)
	}
	if t.pair, err = conv(c.Pair); err != nil {
		return nil, fmt.Errorf("post_processor TemplateProcessing pair: %w", err)
	}
	return t, nil
}

func (t *templateProcessor) addedTokens(isPair bool) int {
	tpl := t.single
	if isPair {
		tpl = t.pair
	}
	n := 0
	for _, p := range tpl {
		if p.special != "" {
			n += len(t.specials[p.special].ids)
		}
	}
	return n
}

func (t *templateProcessor) process(encs []*Encoding, addSpecial bool) ([]*Encoding, error) {
	tpl := t.single
	if len(encs) == 2 {
		tpl = t.pair
	}
	out := newEncoding(0)
	for _, p := range tpl {
		if p.special == "" {
			if p.seq >= len(encs) {
				return nil, fmt.Errorf("template uses sequence %d but got %d", p.seq, len(encs))
			}
			e := encs[p.seq]
			for i := range e.TypeIDs {
				e.TypeIDs[i] = p.typeID
			}
			out.appendEncoding(e)
			continue
		}
		if !addSpecial {
			continue
		}
		sp := t.specials[p.special]
		for i, id := range sp.ids {
			out.appendToken(id, sp.tokens[i], p.typeID, [2]int{}, 1, 1)
		}
	}
	return []*Encoding{out}, nil
}
