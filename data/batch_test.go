package data

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"testing"
)

// lengthsDataset builds a single-label dataset whose example i has the given
// length, token ids 1000*i+j, type ids j%2 and label i%3.
func lengthsDataset(lengths []int) *Dataset {
	d := &Dataset{ProblemType: SingleLabel, Labels: []string{"a", "b", "c"}, NumLabels: 3}
	for i, n := range lengths {
		ex := Example{Label: int32(i % 3)}
		for j := 0; j < n; j++ {
			ex.InputIDs = append(ex.InputIDs, int32(1000*i+j))
			ex.AttentionMask = append(ex.AttentionMask, 1)
			ex.TokenTypeIDs = append(ex.TokenTypeIDs, int32(j%2))
		}
		d.Examples = append(d.Examples, ex)
	}
	return d
}

func variedLengths(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = 1 + (i*37)%120
	}
	return out
}

func TestDefaultBuckets(t *testing.T) {
	tests := []struct {
		max  int
		want []int
	}{
		{0, nil},
		{10, []int{10}},
		{16, []int{16}},
		{128, []int{16, 32, 64, 96, 128}},
		{130, []int{16, 32, 64, 96, 128, 130}},
		{512, []int{16, 32, 64, 96, 128, 192, 256, 384, 512}},
	}
	for _, tt := range tests {
		if got := DefaultBuckets(tt.max); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("DefaultBuckets(%d) = %v, want %v", tt.max, got, tt.want)
		}
	}
}

func TestBatcherEpochCoversEveryRowOnce(t *testing.T) {
	d := lengthsDataset(variedLengths(1003))
	for _, o := range []BatchOptions{
		{BatchSize: 8, Shuffle: true, Seed: 1},
		{BatchSize: 8, Shuffle: false},
		{BatchSize: 7, Shuffle: true, Seed: 9, DropLast: true},
		{BatchSize: 2000, Shuffle: true, Seed: 3},
	} {
		b, err := NewBatcher(d, o)
		if err != nil {
			t.Fatal(err)
		}
		for e := 0; e < 3; e++ {
			batches := b.Epoch(e)
			if len(batches) != b.NumBatches() {
				t.Fatalf("%+v: %d batches, NumBatches %d", o, len(batches), b.NumBatches())
			}
			var seen []int
			for k, bt := range batches {
				if bt.Size != o.BatchSize && k != len(batches)-1 {
					t.Errorf("%+v epoch %d: batch %d has %d rows, only the last may be short", o, e, k, bt.Size)
				}
				seen = append(seen, bt.Indices...)
			}
			sort.Ints(seen)
			want := len(d.Examples)
			if o.DropLast {
				want -= want % o.BatchSize
			}
			if len(seen) != want {
				t.Fatalf("%+v: %d rows, want %d", o, len(seen), want)
			}
			for i := 1; i < len(seen); i++ {
				if seen[i] == seen[i-1] {
					t.Fatalf("%+v: row %d twice", o, seen[i])
				}
			}
		}
	}
}

func TestBatcherDeterminism(t *testing.T) {
	d := lengthsDataset(variedLengths(500))
	o := BatchOptions{BatchSize: 4, Shuffle: true, Seed: 42}
	b1, _ := NewBatcher(d, o)
	b2, _ := NewBatcher(d, o)
	if !reflect.DeepEqual(b1.Order(3), b2.Order(3)) {
		t.Error("same seed and epoch gave different orders")
	}
	if !reflect.DeepEqual(b1.Epoch(3), b2.Epoch(3)) {
		t.Error("same seed and epoch gave different batches")
	}
	if reflect.DeepEqual(b1.Order(3), b1.Order(4)) {
		t.Error("epochs 3 and 4 have the same order")
	}
	o.Seed = 43
	b3, _ := NewBatcher(d, o)
	if reflect.DeepEqual(b1.Order(3), b3.Order(3)) {
		t.Error("seeds 42 and 43 have the same order")
	}
	// Resuming mid-epoch: batch k is the same however it is reached.
	if !reflect.DeepEqual(b1.Epoch(5)[17], b2.Collate(b2.Order(5)[17])) {
		t.Error("Collate(Order(e)[k]) != Epoch(e)[k]")
	}
	noShuffle, _ := NewBatcher(d, BatchOptions{BatchSize: 4})
	if got := noShuffle.Order(7)[1]; !reflect.DeepEqual(got, []int{4, 5, 6, 7}) {
		t.Errorf("unshuffled batch 1 = %v, want dataset order", got)
	}
}

func TestBatcherGroupsByLength(t *testing.T) {
	d := lengthsDataset(variedLengths(4000))
	o := BatchOptions{BatchSize: 16, Shuffle: true, Seed: 5}
	b, _ := NewBatcher(d, o)
	padded := func(batches []Batch) (pad int) {
		for _, bt := range batches {
			for r := 0; r < bt.Size; r++ {
				pad += bt.SeqLen - len(d.Examples[bt.Indices[r]].InputIDs)
			}
		}
		return pad
	}
	grouped := padded(b.Epoch(0))
	// Reference: the same shuffled rows cut into batches without grouping.
	rng := rngOrder(o.Seed, 0, len(d.Examples))
	var plain []Batch
	for lo := 0; lo < len(rng); lo += o.BatchSize {
		plain = append(plain, b.Collate(rng[lo:min(lo+o.BatchSize, len(rng))]))
	}
	if ungrouped := padded(plain); grouped*4 > ungrouped {
		t.Errorf("grouping left %d padding tokens, ungrouped %d: want at least 4x less", grouped, ungrouped)
	}
	first := b.Epoch(0)[0]
	if first.SeqLen != 120 || !slices.ContainsFunc(first.Indices, func(i int) bool { return len(d.Examples[i].InputIDs) == 120 }) {
		t.Errorf("first batch SeqLen %d does not hold the longest row", first.SeqLen)
	}
}

// rngOrder repeats the Batcher's documented shuffle: PCG seeded (seed, epoch).
func rngOrder(seed uint64, epoch, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	r := rand.New(rand.NewPCG(seed, uint64(epoch)))
	r.Shuffle(n, func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func TestCollatePadding(t *testing.T) {
	d := lengthsDataset([]int{3, 17, 5})
	d.Examples[1].AttentionMask[16] = 0 // a real zero inside the row must survive
	b, err := NewBatcher(d, BatchOptions{BatchSize: 3, PadID: 7, Buckets: []int{4, 8, 32}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		rows   []int
		seqLen int
	}{
		{[]int{0}, 4},
		{[]int{0, 2}, 8},
		{[]int{2, 1, 0}, 32},
	}
	for _, tt := range tests {
		bt := b.Collate(tt.rows)
		if bt.SeqLen != tt.seqLen || bt.Size != len(tt.rows) {
			t.Fatalf("rows %v: SeqLen %d Size %d, want %d %d", tt.rows, bt.SeqLen, bt.Size, tt.seqLen, len(tt.rows))
		}
		for r, i := range tt.rows {
			ex := d.Examples[i]
			for j := 0; j < bt.SeqLen; j++ {
				k := r*bt.SeqLen + j
				id, mask, typ := int32(7), int32(0), int32(0)
				if j < len(ex.InputIDs) {
					id, mask, typ = ex.InputIDs[j], ex.AttentionMask[j], ex.TokenTypeIDs[j]
				}
				if bt.InputIDs[k] != id || bt.AttentionMask[k] != mask || bt.TokenTypeIDs[k] != typ {
					t.Fatalf("rows %v: [%d,%d] = %d/%d/%d, want %d/%d/%d", tt.rows, r, j,
						bt.InputIDs[k], bt.AttentionMask[k], bt.TokenTypeIDs[k], id, mask, typ)
				}
			}
			if bt.Labels[r] != ex.Label {
				t.Errorf("label %d = %d, want %d", r, bt.Labels[r], ex.Label)
			}
		}
	}
	if got := b.Bucket(9); got != 32 {
		t.Errorf("Bucket(9) = %d", got)
	}
	if got := b.Bucket(8); got != 8 {
		t.Errorf("Bucket(8) = %d", got)
	}
}

func TestCollateFloatLabels(t *testing.T) {
	d := lengthsDataset([]int{2, 3})
	d.ProblemType, d.NumLabels = MultiLabel, 2
	d.Examples[0].FloatLabels = []float32{1, 0}
	d.Examples[1].FloatLabels = []float32{0.5, 1}
	b, _ := NewBatcher(d, BatchOptions{BatchSize: 2})
	bt := b.Collate([]int{1, 0})
	if !reflect.DeepEqual(bt.FloatLabels, []float32{0.5, 1, 1, 0}) || bt.Labels != nil {
		t.Errorf("FloatLabels %v Labels %v", bt.FloatLabels, bt.Labels)
	}
}

func TestNewBatcherErrors(t *testing.T) {
	d := lengthsDataset([]int{3, 40})
	tests := []struct {
		name string
		d    *Dataset
		o    BatchOptions
	}{
		{"empty", &Dataset{}, BatchOptions{BatchSize: 1}},
		{"zero batch", d, BatchOptions{}},
		{"unsorted buckets", d, BatchOptions{BatchSize: 1, Buckets: []int{64, 32}}},
		{"row longer than buckets", d, BatchOptions{BatchSize: 1, Buckets: []int{16, 32}}},
	}
	for _, tt := range tests {
		if _, err := NewBatcher(tt.d, tt.o); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

func TestSplitValidation(t *testing.T) {
	d := lengthsDataset(variedLengths(1000))
	train, val := SplitValidation(d, 10, 7)
	if len(val.Examples) != 100 || len(train.Examples) != 900 {
		t.Fatalf("sizes %d/%d", len(train.Examples), len(val.Examples))
	}
	// Example i's first token is 1000*i: use it to recover row ids.
	rows := func(ds *Dataset) []int {
		var out []int
		for _, ex := range ds.Examples {
			out = append(out, int(ex.InputIDs[0])/1000)
		}
		return out
	}
	inTrain := map[int]bool{}
	for _, r := range rows(train) {
		inTrain[r] = true
	}
	for _, r := range rows(val) {
		if inTrain[r] {
			t.Fatalf("row %d is in both splits", r)
		}
	}
	if len(inTrain)+len(val.Examples) != 1000 {
		t.Fatal("rows lost")
	}
	if !sort.IntsAreSorted(rows(val)) || !sort.IntsAreSorted(rows(train)) {
		t.Error("splits do not keep dataset order")
	}
	_, val2 := SplitValidation(d, 10, 7)
	_, val3 := SplitValidation(d, 10, 8)
	if !reflect.DeepEqual(rows(val), rows(val2)) || reflect.DeepEqual(rows(val), rows(val3)) {
		t.Error("split is not a pure function of the seed")
	}
	if train.NumLabels != 3 || val.ProblemType != SingleLabel {
		t.Error("label metadata not carried over")
	}
	if _, v := SplitValidation(lengthsDataset([]int{1, 2, 3}), 1, 0); len(v.Examples) != 1 {
		t.Error("1% of 3 rows should hold out one row")
	}
	if _, v := SplitValidation(d, 0, 0); len(v.Examples) != 0 {
		t.Error("0% should hold out nothing")
	}
}
