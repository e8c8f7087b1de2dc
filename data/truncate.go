package data

import (
	"fmt"

	"github.com/hftrain/hftrain/data/tokenizer"
)

// truncationKeep decides which tokens of an encoding survive truncation to
// maxLen (nil: keep all). Special tokens are always kept. For pairs the two
// segments are cut "longest_first" with the same arithmetic as Hugging Face
// tokenizers' truncate_encodings, so an encoding that arrives untruncated
// ends up with the ids a truncating fast tokenizer would give.
//
// Segments are told apart by token type ids when they differ (BERT); else
// (RoBERTa: "<s> A </s></s> B </s>", all type 0) the second segment starts
// after the longest interior run of special tokens.
func truncationKeep(e *tokenizer.Encoding, maxLen int, pair bool) ([]bool, error) {
	n := len(e.IDs)
	if maxLen <= 0 || n <= maxLen {
		return nil, nil
	}
	seg := segments(e, pair)
	var lens [2]int
	special := 0
	for _, s := range seg {
		if s < 0 {
			special++
		} else {
			lens[s]++
		}
	}
	budget := maxLen - special
	if budget < 0 {
		return nil, fmt.Errorf("MaxSeqLength %d leaves no room for the %d special tokens", maxLen, special)
	}
	// The released tokenizers (0.23.2) first cuts each segment to maxLen on
	// its own, which decides who gets the odd token when both segments are
	// that long; TestTruncationOracle pins this against the library.
	keepA, keepB := longestFirst(min(lens[0], maxLen), min(lens[1], maxLen), budget)
	keep := make([]bool, n)
	var seen [2]int
	want := [2]int{keepA, keepB}
	for j, s := range seg {
		if s < 0 {
			keep[j] = true
			continue
		}
		keep[j] = seen[s] < want[s]
		seen[s]++
	}
	return keep, nil
}

// longestFirst returns how many tokens of each segment to keep so that
// together they fit budget: the longer one is cut first, and when both must
// be cut they get budget/2 each, the longer one (on ties the second) the odd
// token. This is the arithmetic of tokenizers' truncate_encodings.
func longestFirst(n1, n2, budget int) (int, int) {
	if n1+n2 <= budget {
		return n1, n2
	}
	swap := n1 > n2
	if swap {
		n1, n2 = n2, n1
	}
	if n1 > budget {
		n2 = n1
	} else {
		n2 = max(n1, budget-n1)
	}
	if n1+n2 > budget {
		n1 = budget / 2
		n2 = n1 + budget%2
	}
	if swap {
		n1, n2 = n2, n1
	}
	return n1, n2
}

// segments labels every token -1 (special), 0 (first segment) or 1 (second).
func segments(e *tokenizer.Encoding, pair bool) []int {
	n := len(e.IDs)
	seg := make([]int, n)
	isSpecial := func(j int) bool { return e.SpecialTokensMask != nil && e.SpecialTokensMask[j] != 0 }
	typed := false
	if pair && e.TypeIDs != nil {
		for j := 0; j < n; j++ {
			if !isSpecial(j) && e.TypeIDs[j] != e.TypeIDs[0] {
				typed = true
				break
			}
		}
	}
	split := n // index where the second segment starts
	if pair && !typed {
		split = secondSegmentStart(n, isSpecial)
	}
	for j := 0; j < n; j++ {
		switch {
		case isSpecial(j):
			seg[j] = -1
		case typed && e.TypeIDs[j] != e.TypeIDs[0]:
			seg[j] = 1
		case !typed && j >= split:
			seg[j] = 1
		}
	}
	return seg
}

// secondSegmentStart finds the end of the longest run of special tokens that
// has ordinary tokens on both sides; n when there is none.
func secondSegmentStart(n int, isSpecial func(int) bool) int {
	first, last := -1, -1
	for j := 0; j < n; j++ {
		if !isSpecial(j) {
			if first < 0 {
				first = j
			}
			last = j
		}
	}
	best, bestLen := n, 0
	for j := first + 1; j <= last && first >= 0; {
		if !isSpecial(j) {
			j++
			continue
		}
		k := j
		for k <= last && isSpecial(k) {
			k++
		}
		if k-j > bestLen {
			best, bestLen = k, k-j
		}
		j = k
	}
	return best
}
