package data

import (
	"math/rand/v2"
	"sort"
)

// SplitValidation holds out percent% of d's examples (rounded down, at least
// one when percent > 0 and d has two or more examples) as a validation set.
// The choice is a pure function of seed; both halves keep d's row order and
// share its label metadata and example slices (treat them as read-only).
func SplitValidation(d *Dataset, percent int, seed uint64) (train, val *Dataset) {
	n := len(d.Examples)
	nVal := n * min(max(percent, 0), 100) / 100
	if nVal == 0 && percent > 0 && n >= 2 {
		nVal = 1
	}
	perm := rand.New(rand.NewPCG(seed, 0x5eed_5917)).Perm(n)
	held := perm[:nVal]
	sort.Ints(held)
	inVal := make([]bool, n)
	for _, i := range held {
		inVal[i] = true
	}
	train = &Dataset{ProblemType: d.ProblemType, Labels: d.Labels, NumLabels: d.NumLabels, Examples: make([]Example, 0, n-nVal)}
	val = &Dataset{ProblemType: d.ProblemType, Labels: d.Labels, NumLabels: d.NumLabels, Examples: make([]Example, 0, nVal)}
	for i, ex := range d.Examples {
		if inVal[i] {
			val.Examples = append(val.Examples, ex)
		} else {
			train.Examples = append(train.Examples, ex)
		}
	}
	return train, val
}
