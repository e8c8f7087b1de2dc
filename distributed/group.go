package distributed

import (
	"context"
	"errors"
	"fmt"
)

// Op is the reduction an AllReduce applies.
type Op int

const (
	// Sum adds the buffers of every rank element-wise.
	Sum Op = iota
	// Mean is Sum divided by the group's size.
	Mean
)

// String names the reduction as torch.distributed.ReduceOp does.
func (o Op) String() string {
	switch o {
	case Sum:
		return "SUM"
	case Mean:
		return "AVG"
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

// Group is a fixed set of processes (ranks 0..Size-1) that run collectives together. Every rank
// calls the same collectives in the same order with buffers of the same length; a collective
// returns once this rank's part is done. Collectives are not safe for concurrent use on one Group.
//
// Results are deterministic: the same inputs give bit-identical outputs on every rank and in
// every run, because each element is reduced in an order that depends only on the group's size
// and the buffer's length, never on timing.
type Group interface {
	// Rank is this process's index in the group, 0..Size-1.
	Rank() int
	// Size is the number of ranks.
	Size() int
	// AllReduce replaces buf on every rank with the element-wise reduction of all ranks' bufs.
	AllReduce(ctx context.Context, buf []float32, op Op) error
	// Broadcast copies root's buf into every other rank's buf (all the same length).
	Broadcast(ctx context.Context, buf []byte, root int) error
	// AllGather returns every rank's value, indexed by rank (values may differ in length). It is
	// meant for small values: metrics, RNG states, fingerprints.
	AllGather(ctx context.Context, value []byte) ([][]byte, error)
	// Barrier returns once every rank has called it.
	Barrier(ctx context.Context) error
	// Close releases the group's connections; collectives after Close fail with ErrClosed.
	Close() error
}

// ErrClosed is returned by collectives on a closed group.
var ErrClosed = errors.New("distributed: group closed")

// PeerError says which rank failed a collective and where it was: a dead or hung peer, a dropped
// connection, a rank that aborted. Every rank that sees a failure returns one (wrapped).
type PeerError struct {
	Rank int    // the rank at fault
	Addr string // its address, host:port ("" for in-process groups)
	Op   string // what this rank was doing: "all-reduce", "rendezvous", ...
	Err  error  // the cause
}

func (e *PeerError) Error() string {
	where := ""
	if e.Addr != "" {
		where = " at " + e.Addr
	}
	return fmt.Sprintf("distributed: %s: rank %d%s: %v", e.Op, e.Rank, where, e.Err)
}

func (e *PeerError) Unwrap() error { return e.Err }

// single is the group of one process: every collective is a no-op and nothing touches the network.
type single struct{ closed bool }

// Single returns the group of size 1 that a run without distributed environment uses.
func Single() Group { return &single{} }

func (s *single) Rank() int { return 0 }
func (s *single) Size() int { return 1 }

func (s *single) AllReduce(ctx context.Context, _ []float32, _ Op) error { return s.check(ctx) }

func (s *single) Broadcast(ctx context.Context, _ []byte, root int) error {
	if root != 0 {
		return fmt.Errorf("distributed: broadcast from rank %d in a group of 1", root)
	}
	return s.check(ctx)
}

func (s *single) AllGather(ctx context.Context, v []byte) ([][]byte, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	return [][]byte{append([]byte(nil), v...)}, nil
}

func (s *single) Barrier(ctx context.Context) error { return s.check(ctx) }
func (s *single) Close() error                      { s.closed = true; return nil }

func (s *single) check(ctx context.Context) error {
	if s.closed {
		return ErrClosed
	}
	return ctx.Err()
}
