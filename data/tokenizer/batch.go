package tokenizer

import (
	"fmt"
	"runtime"
	"sync"
)

// EncodeBatch encodes texts in parallel (up to GOMAXPROCS goroutines). With batch-longest
// padding (Padding.Fixed == 0) every encoding is padded to the longest of the batch, as the
// library's encode_batch does.
func (t *Tokenizer) EncodeBatch(texts []string, addSpecialTokens bool) ([]*Encoding, error) {
	return t.encodeBatch(len(texts), func(i int) (*Encoding, error) {
		return t.Encode(texts[i], addSpecialTokens)
	})
}

// EncodePairBatch encodes pairs[i] = {first, second} in parallel, padded like EncodeBatch.
func (t *Tokenizer) EncodePairBatch(pairs [][2]string, addSpecialTokens bool) ([]*Encoding, error) {
	return t.encodeBatch(len(pairs), func(i int) (*Encoding, error) {
		return t.EncodePair(pairs[i][0], pairs[i][1], addSpecialTokens)
	})
}

func (t *Tokenizer) encodeBatch(n int, encode func(i int) (*Encoding, error)) ([]*Encoding, error) {
	out := make([]*Encoding, n)
	errs := make([]error, n)
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				out[i], errs[i] = encode(i)
			}
		}(w)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("tokenizer: batch item %d: %w", i, err)
		}
	}
	if p := t.padding; p != nil && p.Fixed == 0 {
		longest := 0
		for _, e := range out {
			longest = max(longest, e.Len())
		}
		batch := *p
		batch.Fixed = longest
		for _, e := range out {
			batch.pad(e)
		}
	}
	return out, nil
}
