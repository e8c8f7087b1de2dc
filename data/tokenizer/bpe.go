package tokenizer

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// bpe is the library's BPE model (byte-level or not), without dropout.
type bpe struct {
	vocab
	merges       map[uint64]mergeInfo // key: pairKey(left id, right id)
	unk          string
	hasUnk       bool
	prefix       string
	suffix       string
	fuseUnk      bool
	byteFallback bool
	ignoreMerges bool
}

type mergeInfo struct {
	rank, newID int
}

func parseBPE(raw json.RawMessage) (model, error) {
	var c struct {
		Vocab        map[string]int    `json:"vocab"`
		Merges       []json.RawMessage `json:"merges"`
		Dropout      *float64          `json:"dropout"`
		Unk          *string           `json:"unk_token"`
		Prefix       *string           `json:"continuing_subword_prefix"`
		Suffix       *string           `json:"end_of_word_suffix"`
		FuseUnk      bool              `json:"fuse_unk"`
		ByteFallback bool              `json:"byte_fallback"`
		IgnoreMerges bool              `json:"ignore_merges"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("model BPE: %w", err)
	}
	if c.Dropout != nil && *c.Dropout != 0 {
		return nil, fmt.Errorf("model BPE: dropout %v is %w (encoding would not be deterministic)", *c.Dropout, ErrUnsupported)
	}
	b := &bpe{vocab: newVocab(c.Vocab), merges: make(map[uint64]mergeInfo, len(c.Merges)),
		fuseUnk: c.FuseUnk, byteFallback: c.ByteFallback, ignoreMerges: c.IgnoreMerges}
	if c.Unk != nil {
		b.unk = *c.Unk
		b.hasUnk = true
	}
	if c.Prefix != nil {
		b.prefix = *c.Prefix
	}
	if c.Suffix != nil {
		b.suffix = *c.Suffix
	}
	for rank, m := range c.Merges {
		left, right, err := parseMerge(m)
		if err != nil {
			return nil, fmt.Errorf("model BPE: merge %d: %w", rank, err)
		}
		a, ok1 := b.ids[left]
		bb, ok2 := b.ids[right]
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("model BPE: merge %d (%q, %q): token not in vocabulary", rank, left, right)
		}
		merged := left + right
		if len(right) >= len(b.prefix) {
			merged = left + right[len(b.prefix):] // the library strips prefix-many bytes
		}
		id, ok := b.ids[merged]
		if !ok {
			return nil, fmt.Errorf("model BPE: merge %d (%q, %q): merged token %q not in vocabulary", rank, left, right, merged)
		}
		b.merges[pairKey(a, bb)] = mergeInfo{rank: rank, newID: id} // a repeated pair: the last wins
	}
	return b, nil
}

// parseMerge accepts both forms found in tokenizer.json: "a b" and ["a", "b"].
func parseMerge(raw json.RawMessage) (string, string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		left, right, ok := strings.Cut(s, " ")
		if !ok {
			return "", "", fmt.Errorf("%q is not \"left right\"", s)
		}
		return left, right, nil
	}
	var pair []string
	if err := json.Unmarshal(raw, &pair); err != nil || len(pair) != 2 {
		return "", "", fmt.Errorf("%s is neither \"a b\" nor [a, b]", string(raw))
	}
	return pair[0], pair[1], nil
}

// symbol is one element of the doubly linked list a word is merged in.
type symbol struct {
	id         int
	prev, next int
	length     int // bytes of the word covered; 0 once merged away
}

type mergeItem struct {
	pos, rank, newID int
}

func pairKey(a, b int) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// mergeQueue is a min-heap on (rank, pos), as the library's BinaryHeap of Merge. It is
// written out instead of using container/heap to avoid boxing every item.
type mergeQueue []mergeItem

func (q mergeQueue) less(i, j int) bool {
	if q[i].rank != q[j].rank {
		return q[i].rank < q[j].rank
	}
	return q[i].pos < q[j].pos
}

func (q *mergeQueue) push(x mergeItem) {
	*q = append(*q, x)
	h := *q
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (q *mergeQueue) pop() mergeItem {
	h := *q
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && h.less(l, m) {
			m = l
		}
		if r := l + 1; r < n && h.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	*q = h
	return top
}

func (b *bpe) tokenize(word string) ([]token, error) {
	if word == "" {
		return nil, nil
	}
	if b.ignoreMerges {
		if id, ok := b.ids[word]; ok {
			return []token{{id: id, value: word, offsets: [2]int{0, len(word)}}}, nil
		}
	}
	syms, err := b.symbols(word)
	if err != nil {
		return nil, err
	}
	syms = b.mergeAll(syms)
	out := make([]token, 0, len(syms))
	pos := 0
	for _, s := range syms {
		v, _ := b.idToToken(s.id)
		out = append(out, token{id: s.id, value: v, offsets: [2]int{pos, pos + s.length}})
		pos += s.length
	}
	return out, nil
}

// symbols splits word into its initial characters (merge_word without the merging).
func (b *bpe) symbols(word string) ([]symbol, error) {
	syms := make([]symbol, 0, len(word))
	add := func(id, length int) {
		n := len(syms)
		syms = append(syms, symbol{id: id, prev: n - 1, next: -1, length: length})
		if n > 0 {
			syms[n-1].next = n
		}
	}
	unkID, unkLen, haveUnk := 0, 0, false
	var buf []byte
	for i, r := range word {
		sz := utf8.RuneLen(r)
		if sz < 0 {
			sz = 1
		}
		buf = buf[:0]
		if i != 0 {
			buf = append(buf, b.prefix...)
		}
		buf = append(buf, word[i:i+sz]...)
		if i+sz == len(word) {
			buf = append(buf, b.suffix...)
		}
		if id, ok := b.ids[string(buf)]; ok {
			if haveUnk {
				add(unkID, unkLen)
				haveUnk = false
			}
			add(id, sz)
			continue
		}
		if ids, ok := b.fallbackIDs(buf); ok {
			for _, id := range ids {
				add(id, 1) // prefix and suffix bytes count too, as in the library
			}
			continue
		}
		if !b.hasUnk {
			continue // the library drops characters it cannot represent
		}
		id, ok := b.ids[b.unk]
		if !ok {
			return nil, fmt.Errorf("BPE: unk_token %q is not in the vocabulary", b.unk)
		}
		switch {
		case haveUnk && b.fuseUnk:
			unkLen += sz
		case haveUnk:
			add(unkID, unkLen)
			unkID, unkLen = id, sz
		default:
			unkID, unkLen, haveUnk = id, sz, true
		}
	}
	if haveUnk {
		add(unkID, unkLen)
	}
	return syms, nil
}

// fallbackIDs returns the ids of the byte tokens "<0xXX>" of s when byte fallback is on and
// all of them are in the vocabulary.
func (b *bpe) fallbackIDs(s []byte) ([]int, bool) {
	if !b.byteFallback {
		return nil, false
	}
	ids := make([]int, 0, len(s))
	for _, c := range s {
		id, ok := b.ids[fmt.Sprintf("<0x%02X>", c)]
		if !ok {
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}

// mergeAll applies merges lowest rank first, leftmost first among equal ranks (Word::merge_all).
func (b *bpe) mergeAll(syms []symbol) []symbol {
	q := make(mergeQueue, 0, len(syms))
	for i := 0; i+1 < len(syms); i++ {
		if m, ok := b.merges[pairKey(syms[i].id, syms[i+1].id)]; ok {
			q.push(mergeItem{pos: i, rank: m.rank, newID: m.newID})
		}
	}
	for len(q) > 0 {
		top := q.pop()
		cur := &syms[top.pos]
		if cur.length == 0 || cur.next == -1 {
			continue
		}
		nextPos := cur.next
		right := syms[nextPos]
		if m, ok := b.merges[pairKey(cur.id, right.id)]; !ok || m.newID != top.newID {
			continue
		}
		cur.id = top.newID
		cur.length += right.length
		cur.next = right.next
		syms[nextPos].length = 0
		if right.next > -1 && right.next < len(syms) {
			syms[right.next].prev = top.pos
		}
		if cur.prev >= 0 {
			if m, ok := b.merges[pairKey(syms[cur.prev].id, cur.id)]; ok {
				q.push(mergeItem{pos: cur.prev, rank: m.rank, newID: m.newID})
			}
		}
		if cur.next >= 0 && cur.next < len(syms) {
			if m, ok := b.merges[pairKey(cur.id, syms[cur.next].id)]; ok {
				q.push(mergeItem{pos: top.pos, rank: m.rank, newID: m.newID})
			}
		}
	}
	out := syms[:0]
	for _, s := range syms {
		if s.length != 0 {
			out = append(out, s)
		}
	}
	return out
}
