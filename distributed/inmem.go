package distributed

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// NewInMemory returns the n ranks of a group whose members are goroutines of this process, as
// hashicorp/raft keeps an in-memory transport beside the real one: every multi-rank behaviour of
// the trainer is unit-tested in one process with it. Each rank's Group must be used by one
// goroutine. AllReduce adds the ranks' buffers in rank order (((b0+b1)+b2)+…), so every rank gets
// the same bits. A rank that closes, or whose context ends inside a collective, makes the
// collectives of every other rank fail with a *PeerError naming it.
func NewInMemory(n int) []Group {
	if n < 1 {
		panic(fmt.Sprintf("distributed: NewInMemory(%d): want at least 1 rank", n))
	}
	w := &inmemWorld{n: n, rounds: map[int]*inmemRound{}, broken: make(chan struct{})}
	gs := make([]Group, n)
	for r := range gs {
		gs[r] = &inmemRank{w: w, rank: r}
	}
	return gs
}

// inmemWorld is the state the ranks share: one round per collective call, keyed by its sequence
// number (every rank calls the same collectives in the same order).
type inmemWorld struct {
	n      int
	mu     sync.Mutex
	rounds map[int]*inmemRound
	broken chan struct{} // closed once a rank failed; fault says which
	fault  error
}

type inmemRound struct {
	op      string
	vals    []any
	arrived int
	read    int
	done    chan struct{} // closed when every rank has arrived
}

type inmemRank struct {
	w      *inmemWorld
	rank   int
	seq    int
	closed bool
}

func (g *inmemRank) Rank() int { return g.rank }
func (g *inmemRank) Size() int { return g.w.n }

// exchange deposits this rank's value for the next collective and returns every rank's value once
// all have arrived.
func (g *inmemRank) exchange(ctx context.Context, op string, v any) ([]any, error) {
	if g.closed {
		return nil, ErrClosed
	}
	w := g.w
	seq := g.seq
	g.seq++
	w.mu.Lock()
	if w.fault != nil {
		err := w.fault
		w.mu.Unlock()
		return nil, fmt.Errorf("distributed: %s: %w", op, err)
	}
	r := w.rounds[seq]
	if r == nil {
		r = &inmemRound{op: op, vals: make([]any, w.n), done: make(chan struct{})}
		w.rounds[seq] = r
	}
	if r.op != op {
		w.mu.Unlock()
		err := &PeerError{Rank: g.rank, Op: op, Err: fmt.Errorf("collective #%d is %s on another rank: ranks called different collectives", seq, r.op)}
		w.fail(err)
		return nil, err
	}
	r.vals[g.rank] = v
	r.arrived++
	if r.arrived == w.n {
		close(r.done)
	}
	w.mu.Unlock()
	select {
	case <-r.done:
	case <-ctx.Done():
		err := &PeerError{Rank: g.rank, Op: op, Err: ctx.Err()}
		w.fail(err)
		return nil, fmt.Errorf("distributed: %s: %w", op, ctx.Err())
	case <-w.broken:
		select {
		case <-r.done: // everyone arrived before the fault: this collective is complete
		default:
			return nil, fmt.Errorf("distributed: %s: %w", op, w.fault)
		}
	}
	w.mu.Lock()
	vals := r.vals
	r.read++
	if r.read == w.n {
		delete(w.rounds, seq)
	}
	w.mu.Unlock()
	return vals, nil
}

// fail marks the world broken by err (the first fault wins).
func (w *inmemWorld) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fault == nil {
		w.fault = err
		close(w.broken)
	}
}

func (g *inmemRank) AllReduce(ctx context.Context, buf []float32, op Op) error {
	if op != Sum && op != Mean {
		return fmt.Errorf("distributed: all-reduce: unknown op %v", op)
	}
	vals, err := g.exchange(ctx, "all-reduce", append([]float32(nil), buf...))
	if err != nil {
		return err
	}
	for _, v := range vals {
		if len(v.([]float32)) != len(buf) {
			return &PeerError{Rank: g.rank, Op: "all-reduce", Err: fmt.Errorf("buffer lengths differ across ranks (%d here, %d elsewhere)", len(buf), len(v.([]float32)))}
		}
	}
	copy(buf, vals[0].([]float32))
	for _, v := range vals[1:] {
		for i, x := range v.([]float32) {
			buf[i] += x
		}
	}
	if op == Mean {
		inv := 1 / float32(g.w.n)
		for i := range buf {
			buf[i] *= inv
		}
	}
	return nil
}

func (g *inmemRank) Broadcast(ctx context.Context, buf []byte, root int) error {
	if root < 0 || root >= g.w.n {
		return fmt.Errorf("distributed: broadcast from rank %d in a group of %d", root, g.w.n)
	}
	var v []byte
	if g.rank == root {
		v = append([]byte(nil), buf...)
	}
	vals, err := g.exchange(ctx, "broadcast", v)
	if err != nil {
		return err
	}
	src := vals[root].([]byte)
	if len(src) != len(buf) {
		return fmt.Errorf("distributed: broadcast: root has %d bytes, rank %d %d", len(src), g.rank, len(buf))
	}
	copy(buf, src)
	return nil
}

func (g *inmemRank) AllGather(ctx context.Context, value []byte) ([][]byte, error) {
	vals, err := g.exchange(ctx, "all-gather", append([]byte(nil), value...))
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(vals))
	for i, v := range vals {
		out[i] = append([]byte(nil), v.([]byte)...)
	}
	return out, nil
}

func (g *inmemRank) Barrier(ctx context.Context) error {
	_, err := g.exchange(ctx, "barrier", nil)
	return err
}

// Close leaves the group; a rank still waiting for this one in a collective fails.
func (g *inmemRank) Close() error {
	if g.closed {
		return nil
	}
	g.closed = true
	g.w.fail(&PeerError{Rank: g.rank, Op: "close", Err: errors.New("rank left the group")})
	return nil
}
