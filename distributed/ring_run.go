package distributed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/hftrain/hftrain/distributed/internal/vec"
)

// plan is one collective as this rank runs it: per channel, the frames it sends to next and
// the frames it receives from prev, in order.
type plan struct {
	op    opCode
	total uint64 // bytes of the buffer (all-reduce, broadcast), checked on every frame
	aux   uint32 // broadcast root, op of an all-reduce
	chans []chanPlan
}

type chanPlan struct {
	sends []sendItem
	recvs []recvItem
}

// sendItem is one frame to send once dep frames of the channel have been received.
type sendItem struct {
	dep     int
	payload func() []byte
}

// recvItem is one frame to receive: want is its payload length (-1: any), apply consumes it.
type recvItem struct {
	want  int
	apply func(f *inFrame) error
	// raw consumes the payload of n bytes from a raw connection (tcp transport); scratch is
	// the channel's reusable buffer.
	raw func(r io.Reader, n int, scratch []byte) error
}

// run executes p: a sender goroutine and a receiver goroutine per channel. When every frame has
// arrived, this rank acknowledges the collective to prev; it returns once next has acknowledged
// it too, so that no frame of the caller's buffer is still in flight when the caller reuses it.
func (g *ringGroup) run(ctx context.Context, name string, p plan) error {
	seq := g.seq
	g.gotAll.Store(false)
	g.inColl.Store(seq + 1)
	defer g.inColl.Store(0)
	if err := g.ensureGood(name); err != nil {
		return err
	}
	g.seq++
	stop := make(chan struct{})
	var stopOnce sync.Once
	halt := func() { stopOnce.Do(func() { close(stop) }) }
	defer halt()
	go func() {
		select {
		case <-ctx.Done():
			g.setFault(g.localFault(g.rank, fmt.Errorf("rank %d left the %s: %w", g.rank, name, context.Cause(ctx))))
			halt()
		case <-g.broken:
			halt()
		case <-stop:
		}
	}()

	var wg sync.WaitGroup
	errs := make(chan error, 2*len(p.chans))
	for j := range p.chans {
		cp := &p.chans[j]
		var received atomic.Int64
		kick := make(chan struct{}, 1)
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := g.sendChannel(j, seq, p, cp, &received, kick, stop); err != nil {
				errs <- err
			}
		}()
		go func() {
			defer wg.Done()
			if err := g.recvChannel(j, seq, p, cp, &received, kick, stop); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return g.settle(g.collectiveErr(name, err))
	default:
	}
	g.gotAll.Store(true)
	if err := g.in[0].send(newOutFrame(frameHeader{kind: kindAck, seq: seq}, nil)); err != nil {
		g.suspect(g.prev, err)
		select {
		case <-g.broken:
			return g.settle(g.faultErr(name))
		case <-time.After(time.Second):
			return g.settle(&PeerError{Rank: g.prev, Addr: g.addrs[g.prev], Op: name, Err: fmt.Errorf("could not acknowledge the collective: %w", err)})
		}
	}
	for g.acked.Load() <= seq {
		if g.nextGone.Load() {
			return g.settle(&PeerError{Rank: g.next, Addr: g.addrs[g.next], Op: name, Err: errors.New("it closed the group during the collective")})
		}
		select {
		case <-g.ackKick:
		case <-g.broken:
			return g.settle(g.faultErr(name))
		}
	}
	return nil
}

// settle returns a collective's error once the group's teardown has finished (bounded), so that
// gRPC holds no reference to the caller's buffer when the caller gets the error.
func (g *ringGroup) settle(err error) error {
	select {
	case <-g.broken:
		select {
		case <-g.down:
		case <-time.After(3 * time.Second):
		}
	default:
	}
	return err
}

// errStopped is what a channel's goroutine returns when the collective was stopped by a fault.
var errStopped = errors.New("distributed: stopped")

// collectiveErr turns a channel's error into the collective's: the group's fault when there is
// one (the channel's error is usually its consequence).
func (g *ringGroup) collectiveErr(name string, err error) error {
	wait := time.Duration(0)
	if err == errStopped {
		wait = time.Second // a broken stream becomes a fault after suspect's grace period
	}
	select {
	case <-g.broken:
		return g.faultErr(name)
	case <-time.After(wait):
	}
	if g.prevGone.Load() || g.nextGone.Load() {
		peer := g.next
		if g.prevGone.Load() {
			peer = g.prev
		}
		return &PeerError{Rank: peer, Addr: g.addrs[peer], Op: name, Err: errors.New("it closed the group during the collective")}
	}
	return fmt.Errorf("distributed: %s: %w", name, err)
}

func (g *ringGroup) sendChannel(j int, seq uint64, p plan, cp *chanPlan, received *atomic.Int64, kick <-chan struct{}, stop <-chan struct{}) error {
	for i, s := range cp.sends {
		for received.Load() < int64(s.dep) {
			select {
			case <-kick:
			case <-stop:
				return errStopped
			case <-g.broken:
				return errStopped
			}
		}
		h := frameHeader{kind: kindData, op: p.op, seq: seq, total: p.total, index: uint32(i), aux: p.aux}
		var err error
		if g.rawOut != nil {
			err = sendRaw(g.rawOut[j], h, s.payload())
		} else {
			err = g.out[j].send(newOutFrame(h, s.payload()))
		}
		if err != nil {
			g.suspect(g.next, err)
			return errStopped
		}
	}
	return nil
}

func (g *ringGroup) recvChannel(j int, seq uint64, p plan, cp *chanPlan, received *atomic.Int64, kick chan<- struct{}, stop <-chan struct{}) error {
	if g.rawIn != nil {
		return g.recvRaw(j, seq, p, cp, received, kick)
	}
	q := &g.in[j].q
	for i, r := range cp.recvs {
		f := q.pop(stop)
		if f == nil {
			return errStopped
		}
		h := f.hdr
		if h.op != p.op || h.seq != seq || h.index != uint32(i) || h.total != p.total || h.aux != p.aux || (r.want >= 0 && f.n != r.want) {
			f.release()
			err := fmt.Errorf("rank %d sent %s #%d (frame %d, %d bytes of %d) where this rank expected %s #%d (frame %d, %d bytes of %d): "+
				"the ranks called different collectives or passed buffers of different lengths",
				g.prev, h.op, h.seq, h.index, f.n, h.total, p.op, seq, i, r.want, p.total)
			g.setFault(g.localFault(g.prev, err))
			return errStopped
		}
		err := r.apply(f)
		f.release()
		if err != nil {
			g.setFault(g.localFault(g.prev, err))
			return errStopped
		}
		received.Store(int64(i + 1))
		select {
		case kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// recvRaw is recvChannel on the tcp transport: frames are read from the connection as the
// schedule needs them (a blocked read ends when a fault tears the group down).
func (g *ringGroup) recvRaw(j int, seq uint64, p plan, cp *chanPlan, received *atomic.Int64, kick chan<- struct{}) error {
	c := g.rawIn[j]
	var scratch []byte
	for i, r := range cp.recvs {
		h, n, err := readRawHeader(c)
		if err != nil {
			g.suspect(g.prev, err)
			return errStopped
		}
		if h.kind != kindData || h.op != p.op || h.seq != seq || h.index != uint32(i) || h.total != p.total || h.aux != p.aux || (r.want >= 0 && n != r.want) {
			err := fmt.Errorf("rank %d sent %s #%d (frame %d, %d bytes of %d) where this rank expected %s #%d (frame %d, %d bytes of %d): "+
				"the ranks called different collectives or passed buffers of different lengths",
				g.prev, h.op, h.seq, h.index, n, h.total, p.op, seq, i, r.want, p.total)
			g.setFault(g.localFault(g.prev, err))
			return errStopped
		}
		if scratch == nil {
			scratch = make([]byte, rawScratch)
		}
		if err := r.raw(c, n, scratch); err != nil {
			g.suspect(g.prev, err)
			return errStopped
		}
		received.Store(int64(i + 1))
		select {
		case kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// floatBytes is the memory of s seen as bytes (no copy).
func floatBytes(s []float32) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), 4*len(s))
}

// allReducePlan is the ring all-reduce of buf (ring_plan.go) with chunk-sized frames.
func (g *ringGroup) allReducePlan(buf []float32, op Op) plan {
	chunk := max(1, g.tune.Chunk/4)
	channels := channelsFor(4*len(buf), 4*chunk, g.tune.Channels)
	scheds := allReduceSchedule(g.rank, g.size, len(buf), channels, chunk)
	p := plan{op: opAllReduce, total: uint64(4 * len(buf)), aux: uint32(op), chans: make([]chanPlan, channels)}
	inv := 1 / float32(g.size)
	for j, cs := range scheds {
		cp := &p.chans[j]
		for _, t := range cs.sends {
			b := floatBytes(buf[t.sp.lo:t.sp.hi])
			cp.sends = append(cp.sends, sendItem{dep: t.dep, payload: func() []byte { return b }})
		}
		for _, t := range cs.recvs {
			dst := buf[t.sp.lo:t.sp.hi]
			var apply func(f *inFrame) error
			var raw func(r io.Reader, n int, scratch []byte) error
			if t.add {
				final := t.final && op == Mean
				apply = func(f *inFrame) error {
					var a vec.Adder
					a.Reset(dst)
					f.each(a.Add)
					if final {
						vec.Scale(dst, inv)
					}
					return nil
				}
				raw = func(r io.Reader, n int, scratch []byte) error {
					if err := rawAdd(r, dst, n, scratch); err != nil {
						return err
					}
					if final {
						vec.Scale(dst, inv)
					}
					return nil
				}
			} else {
				apply = func(f *inFrame) error { f.copyTo(floatBytes(dst)); return nil }
				raw = func(r io.Reader, n int, _ []byte) error { _, err := io.ReadFull(r, floatBytes(dst)); return err }
			}
			cp.recvs = append(cp.recvs, recvItem{want: 4 * t.sp.len(), apply: apply, raw: raw})
		}
	}
	return p
}

// broadcastPlan pipelines root's buf round the ring chunk by chunk.
func (g *ringGroup) broadcastPlan(buf []byte, root int) plan {
	chunk := max(1, g.tune.Chunk)
	channels := channelsFor(len(buf), chunk, g.tune.Channels)
	scheds := broadcastSchedule(g.rank, g.size, root, len(buf), channels, chunk)
	p := plan{op: opBroadcast, total: uint64(len(buf)), aux: uint32(root), chans: make([]chanPlan, channels)}
	for j, cs := range scheds {
		cp := &p.chans[j]
		for _, t := range cs.sends {
			b := buf[t.sp.lo:t.sp.hi]
			cp.sends = append(cp.sends, sendItem{dep: t.dep, payload: func() []byte { return b }})
		}
		for _, t := range cs.recvs {
			dst := buf[t.sp.lo:t.sp.hi]
			cp.recvs = append(cp.recvs, recvItem{want: len(dst),
				apply: func(f *inFrame) error { f.copyTo(dst); return nil },
				raw:   func(r io.Reader, n int, _ []byte) error { _, err := io.ReadFull(r, dst); return err }})
		}
	}
	return p
}

// allGatherPlan passes every rank's value round the ring on channel 0: at step t rank r sends
// the value of rank r-t (its own first, then the one it received at step t-1).
func (g *ringGroup) allGatherPlan(op opCode, vals [][]byte) plan {
	p := plan{op: op, chans: make([]chanPlan, 1)}
	cp := &p.chans[0]
	for t := 0; t < g.size-1; t++ {
		src := mod(g.rank-t, g.size)
		dst := mod(g.rank-t-1, g.size)
		cp.sends = append(cp.sends, sendItem{dep: t, payload: func() []byte { return vals[src] }})
		cp.recvs = append(cp.recvs, recvItem{want: -1, apply: func(f *inFrame) error {
			if op == opBarrier && f.n != 0 {
				return fmt.Errorf("barrier frame with %d bytes", f.n)
			}
			vals[dst] = f.bytes()
			return nil
		}, raw: func(r io.Reader, n int, _ []byte) error {
			if op == opBarrier && n != 0 {
				return fmt.Errorf("barrier frame with %d bytes", n)
			}
			b := make([]byte, n)
			_, err := io.ReadFull(r, b)
			vals[dst] = b
			return err
		}})
	}
	return p
}

// AllReduce reduces buf in place on every rank (see ring_plan.go for the schedule).
func (g *ringGroup) AllReduce(ctx context.Context, buf []float32, op Op) error {
	if op != Sum && op != Mean {
		return fmt.Errorf("distributed: all-reduce: unknown op %v", op)
	}
	return g.run(ctx, "all-reduce", g.allReducePlan(buf, op))
}

// Broadcast copies root's buf into every rank's buf, chunks pipelined round the ring.
func (g *ringGroup) Broadcast(ctx context.Context, buf []byte, root int) error {
	if root < 0 || root >= g.size {
		return fmt.Errorf("distributed: broadcast from rank %d in a group of %d", root, g.size)
	}
	return g.run(ctx, "broadcast", g.broadcastPlan(buf, root))
}

// AllGather passes every rank's value round the ring (n-1 steps).
func (g *ringGroup) AllGather(ctx context.Context, value []byte) ([][]byte, error) {
	vals := make([][]byte, g.size)
	vals[g.rank] = append([]byte{}, value...)
	if err := g.run(ctx, "all-gather", g.allGatherPlan(opAllGather, vals)); err != nil {
		return nil, err
	}
	return vals, nil
}

// Barrier is an all-gather of nothing: no rank leaves before every rank's frame has gone round.
func (g *ringGroup) Barrier(ctx context.Context) error {
	return g.run(ctx, "barrier", g.allGatherPlan(opBarrier, make([][]byte, g.size)))
}
