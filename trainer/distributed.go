package trainer

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"

	"github.com/hftrain/hftrain/distributed"
)

// Data parallelism, as accelerate's split_batches mode deals it: every rank computes the same
// epoch order of global batches (per_device_train_batch_size × world size rows, from the seed), and
// rank r trains on rows r, r+W, r+2W, … of each. A short last batch is first padded to a multiple of
// W with the epoch's first rows, as DistributedSampler pads by repeating (dataloader_drop_last drops
// it instead), so every rank runs the same number of micro-batches and the collectives stay in
// step. With W = 1 nothing here changes the single-process run.

// isMain reports whether this rank owns the side effects: files, terminal, checkpoints.
func (t *Trainer) isMain() bool { return t.group.Rank() == 0 }

// shard returns this rank's rows of a global batch and the global batch's size after padding.
func (t *Trainer) shard(rows []int, epochFirst []int) ([]int, int) {
	return shardRows(rows, epochFirst, t.group.Rank(), t.group.Size())
}

// shardRows pads rows to a multiple of world with the rows of pad (cycled), then deals rows
// rank, rank+world, rank+2·world, … to rank.
func shardRows(rows, pad []int, rank, world int) ([]int, int) {
	if world == 1 {
		return rows, len(rows)
	}
	if len(rows)%world != 0 {
		padded := make([]int, 0, len(rows)+world)
		padded = append(padded, rows...)
		for i := 0; len(padded)%world != 0; i++ {
			padded = append(padded, pad[i%len(pad)])
		}
		rows = padded
	}
	mine := make([]int, 0, len(rows)/world)
	for i := rank; i < len(rows); i += world {
		mine = append(mine, rows[i])
	}
	return mine, len(rows)
}

// syncGrads sums every gradient, the window's partial loss and the ranks' stop flags in one
// bucket: the ranks then hold the same gradients, clip and update identically, and agree on
// whether to stop after this update.
func (t *Trainer) syncGrads(ctx context.Context, loss float64, stop bool) (float64, bool, error) {
	if t.group.Size() == 1 {
		return loss, stop, nil
	}
	n := 2
	for _, p := range t.params {
		n += len(p.Grad)
	}
	if cap(t.bucket) < n {
		t.bucket = make([]float32, n)
	}
	b := t.bucket[:n]
	off := 0
	for _, p := range t.params {
		off += copy(b[off:], p.Grad)
	}
	b[off] = float32(loss)
	b[off+1] = 0
	if stop {
		b[off+1] = 1
	}
	if err := t.group.AllReduce(ctx, b, distributed.Sum); err != nil {
		return 0, false, fmt.Errorf("all-reduce of the gradients: %w", err)
	}
	off = 0
	for _, p := range t.params {
		off += copy(p.Grad, b[off:])
	}
	return float64(b[off]), b[off+1] > 0, nil
}

// broadcastParams copies rank 0's weights into every rank, as DistributedDataParallel does when
// it wraps a module: ranks start (and, after load_best_model_at_end, end) with the same bits even
// where a random initialisation or a load differed.
func (t *Trainer) broadcastParams(ctx context.Context) error {
	if t.group.Size() == 1 {
		return nil
	}
	params := t.model.Params()
	n := 0
	for _, p := range params {
		n += len(p.Data)
	}
	buf := make([]float32, n)
	off := 0
	for _, p := range params {
		off += copy(buf[off:], p.Data)
	}
	if err := t.group.Broadcast(ctx, float32Bytes(buf), 0); err != nil {
		return fmt.Errorf("trainer: broadcasting rank 0's weights: %w", err)
	}
	off = 0
	for _, p := range params {
		off += copy(p.Data, buf[off:])
	}
	return nil
}

// float32Bytes views a float32 slice as its bytes (native order; every rank of a group runs on
// the same architecture).
func float32Bytes(f []float32) []byte {
	if len(f) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&f[0])), len(f)*4)
}

// sumOverRanks adds one float64 per rank, in rank order, so every rank gets the same bits.
func sumOverRanks(ctx context.Context, g distributed.Group, v float64) (float64, error) {
	if g.Size() == 1 {
		return v, nil
	}
	all, err := g.AllGather(ctx, binary.LittleEndian.AppendUint64(nil, math.Float64bits(v)))
	if err != nil {
		return 0, err
	}
	sum := 0.0
	for r, x := range all {
		if len(x) != 8 {
			return 0, fmt.Errorf("rank %d sent %d bytes for a float64", r, len(x))
		}
		sum += math.Float64frombits(binary.LittleEndian.Uint64(x))
	}
	return sum, nil
}
