package data

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
)

// megaBatchFactor is how many batches' worth of shuffled rows are sorted by
// length together, as transformers' LengthGroupedSampler does (mega-batches
// of 50 * batch size): big enough that batches hold rows of similar length,
// small enough that the order stays random across the epoch.
const megaBatchFactor = 50

// BatchOptions configures a Batcher.
type BatchOptions struct {
	// BatchSize is the number of rows per batch (> 0).
	BatchSize int
	// Shuffle randomises the order each epoch and groups rows by length
	// inside mega-batches; false keeps the dataset order.
	Shuffle bool
	// Seed, with the epoch number, fixes the order.
	Seed uint64
	// PadID fills input_ids past each row's end.
	PadID int32
	// Buckets are the allowed padded lengths, ascending; the last one is the
	// maximum. nil means DefaultBuckets(longest example).
	Buckets []int
	// DropLast drops the epoch's last batch when it is short.
	DropLast bool
}

// Batch is a padded batch in row-major [Size, SeqLen] layout.
type Batch struct {
	Size, SeqLen int
	// InputIDs, AttentionMask and TokenTypeIDs are [Size*SeqLen]; padding is
	// on the right with PadID, mask 0 and type id 0.
	InputIDs, AttentionMask, TokenTypeIDs []int32
	// Labels are the class ids [Size] (single-label classification only).
	Labels []int32
	// FloatLabels are [Size*NumLabels] multi-hot targets (multi-label) or
	// [Size] targets (regression).
	FloatLabels []float32
	// Indices are the dataset rows in the batch, in batch order.
	Indices []int
}

// Batcher cuts a Dataset into padded batches. The batches of epoch e are a
// pure function of (Seed, e), so training can resume mid-epoch by batch
// index: Epoch(e)[k:] or Order(e)[k:].
//
// With Shuffle, each epoch permutes the rows with a PCG generator seeded
// (Seed, e), cuts the permutation into mega-batches of 50*BatchSize rows,
// sorts each mega-batch by length (longest first, ties in shuffled order) and
// cuts it into batches, so rows of similar length share a batch and little
// padding is wasted; the batch holding the longest row of the epoch comes
// first, so an out-of-memory shows at once. Every batch then pads to the
// smallest bucket that fits its longest row, which keeps the number of
// distinct shapes (compiled graphs) small. All batches are full except
// possibly the last one of the epoch.
type Batcher struct {
	d       *Dataset
	o       BatchOptions
	lengths []int
}

// NewBatcher checks the options against the dataset.
func NewBatcher(d *Dataset, o BatchOptions) (*Batcher, error) {
	if d == nil || len(d.Examples) == 0 {
		return nil, errors.New("data: batcher: empty dataset")
	}
	if o.BatchSize <= 0 {
		return nil, fmt.Errorf("data: batcher: BatchSize %d, want > 0", o.BatchSize)
	}
	b := &Batcher{d: d, o: o, lengths: make([]int, len(d.Examples))}
	for i := range d.Examples {
		ex := &d.Examples[i]
		if len(ex.AttentionMask) != len(ex.InputIDs) || len(ex.TokenTypeIDs) != len(ex.InputIDs) {
			return nil, fmt.Errorf("data: batcher: example %d: %d input ids, %d mask, %d type ids",
				i, len(ex.InputIDs), len(ex.AttentionMask), len(ex.TokenTypeIDs))
		}
		b.lengths[i] = len(ex.InputIDs)
	}
	if b.o.Buckets == nil {
		b.o.Buckets = DefaultBuckets(d.MaxLen())
	}
	b.o.Buckets = slices.Clone(b.o.Buckets)
	for i, l := range b.o.Buckets {
		if l <= 0 || (i > 0 && l <= b.o.Buckets[i-1]) {
			return nil, fmt.Errorf("data: batcher: Buckets %v: want positive and strictly ascending", o.Buckets)
		}
	}
	maxLen := b.o.Buckets[len(b.o.Buckets)-1]
	for i, l := range b.lengths {
		if l > maxLen {
			return nil, fmt.Errorf("data: batcher: example %d has %d tokens, longer than the largest bucket %d", i, l, maxLen)
		}
	}
	return b, nil
}

// DefaultBuckets returns padded lengths 16, 32, 64, 96, 128, 192, 256, 384,
// 512, 768, ... (powers of two and 1.5 times powers of two from 64 on, so
// padding wastes at most a third) below maxLen, followed by maxLen itself.
func DefaultBuckets(maxLen int) []int {
	if maxLen <= 0 {
		return nil
	}
	var out []int
	for _, l := range []int{16, 32} {
		if l < maxLen {
			out = append(out, l)
		}
	}
	for p := 64; p < maxLen; p *= 2 {
		out = append(out, p)
		if q := p + p/2; q < maxLen {
			out = append(out, q)
		}
	}
	return append(out, maxLen)
}

// Buckets returns the padded lengths in use.
func (b *Batcher) Buckets() []int { return slices.Clone(b.o.Buckets) }

// NumBatches returns the number of batches per epoch.
func (b *Batcher) NumBatches() int {
	n := len(b.lengths)
	if b.o.DropLast {
		return n / b.o.BatchSize
	}
	return (n + b.o.BatchSize - 1) / b.o.BatchSize
}

// Order returns the dataset rows of every batch of epoch e, in order.
func (b *Batcher) Order(e int) [][]int {
	n := len(b.lengths)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	if b.o.Shuffle {
		rng := rand.New(rand.NewPCG(b.o.Seed, uint64(e)))
		rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		b.groupByLength(order)
	}
	bs := b.o.BatchSize
	out := make([][]int, 0, b.NumBatches())
	for lo := 0; lo < n; lo += bs {
		hi := min(lo+bs, n)
		if hi-lo < bs && b.o.DropLast {
			break
		}
		out = append(out, order[lo:hi:hi])
	}
	return out
}

// groupByLength sorts each mega-batch of order by length, longest first, and
// moves the epoch's longest row to the front of the first mega-batch.
func (b *Batcher) groupByLength(order []int) {
	mega := megaBatchFactor * b.o.BatchSize
	longest, at := -1, 0
	for lo := 0; lo < len(order); lo += mega {
		m := order[lo:min(lo+mega, len(order))]
		sort.SliceStable(m, func(i, j int) bool { return b.lengths[m[i]] > b.lengths[m[j]] })
		if b.lengths[m[0]] > longest {
			longest, at = b.lengths[m[0]], lo
		}
	}
	order[0], order[at] = order[at], order[0]
}

// Epoch returns all batches of epoch e, in order.
func (b *Batcher) Epoch(e int) []Batch {
	order := b.Order(e)
	out := make([]Batch, len(order))
	for k, idx := range order {
		out[k] = b.Collate(idx)
	}
	return out
}

// Bucket returns the smallest bucket that holds a row of length n (the
// largest bucket if none does).
func (b *Batcher) Bucket(n int) int {
	i := sort.SearchInts(b.o.Buckets, n)
	return b.o.Buckets[min(i, len(b.o.Buckets)-1)]
}

// Collate pads the given dataset rows into one batch.
func (b *Batcher) Collate(indices []int) Batch {
	longest := 0
	for _, i := range indices {
		longest = max(longest, b.lengths[i])
	}
	size, seq := len(indices), b.Bucket(longest)
	bt := Batch{
		Size: size, SeqLen: seq,
		InputIDs:      make([]int32, size*seq),
		AttentionMask: make([]int32, size*seq),
		TokenTypeIDs:  make([]int32, size*seq),
		Indices:       slices.Clone(indices),
	}
	if b.d.ProblemType == SingleLabel {
		bt.Labels = make([]int32, size)
	}
	for r, i := range indices {
		ex := &b.d.Examples[i]
		row := bt.InputIDs[r*seq : (r+1)*seq]
		n := copy(row, ex.InputIDs)
		for j := n; j < seq; j++ {
			row[j] = b.o.PadID
		}
		copy(bt.AttentionMask[r*seq:], ex.AttentionMask)
		copy(bt.TokenTypeIDs[r*seq:], ex.TokenTypeIDs)
		if bt.Labels != nil {
			bt.Labels[r] = ex.Label
		}
		bt.FloatLabels = append(bt.FloatLabels, ex.FloatLabels...)
	}
	return bt
}
