package optim

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// chunkElems is the number of elements one task updates: large enough to amortise the
// scheduling, small enough to balance the load across workers.
const chunkElems = 1 << 15

// parallelMinElems is the smallest step worth waking helpers for.
const parallelMinElems = 1 << 18

// chunkRunner is an optimizer step cut into independent chunks of elements.
type chunkRunner interface {
	runChunk(i int)
}

// pool is a fixed set of helper goroutines that share the chunks of one step with the
// calling goroutine. Every element is updated by exactly one chunk with the same code, so
// the result does not depend on the number of workers. A run allocates nothing.
type pool struct {
	helpers int
	wake    chan chunkRunner // one token per helper per run
	wg      sync.WaitGroup
	next    atomic.Int64
	n       int64 // chunks in the current run, written before the tokens are sent
	once    sync.Once
}

func newPool(workers int) *pool {
	p := &pool{helpers: workers - 1, wake: make(chan chunkRunner)}
	for range p.helpers {
		go p.loop()
	}
	return p
}

func (p *pool) loop() {
	for r := range p.wake {
		p.drain(r)
		p.wg.Done()
	}
}

func (p *pool) drain(r chunkRunner) {
	for {
		i := p.next.Add(1) - 1
		if i >= p.n {
			return
		}
		r.runChunk(int(i))
	}
}

// run executes chunks 0..n-1 of r and returns when all are done.
func (p *pool) run(r chunkRunner, n int) {
	p.n = int64(n)
	p.next.Store(0)
	p.wg.Add(p.helpers)
	for range p.helpers {
		p.wake <- r
	}
	p.drain(r)
	p.wg.Wait()
}

func (p *pool) close() { p.once.Do(func() { close(p.wake) }) }

// workers is the parallelism setting an optimizer embeds: a lazily started pool, stopped
// by Close or, as a safety net, when the optimizer is garbage collected.
type workers struct {
	n       int
	pool    *pool
	cleanup runtime.Cleanup
}

// runChunks runs n chunks of r, in parallel when it is worth it. owner is the optimizer
// that embeds w; the pool is tied to its lifetime.
func runChunks[T any](w *workers, owner *T, r chunkRunner, n, elems int) {
	if w.n <= 1 || elems < parallelMinElems || n < 2 {
		for i := range n {
			r.runChunk(i)
		}
		return
	}
	if w.pool == nil {
		w.pool = newPool(w.n)
		w.cleanup = runtime.AddCleanup(owner, func(p *pool) { p.close() }, w.pool)
	}
	w.pool.run(r, n)
}

// set changes the number of workers, stopping a running pool.
func (w *workers) set(n int) {
	if n != w.n {
		w.stop()
		w.n = n
	}
}

// stop ends the helper goroutines; the next parallel step starts new ones.
func (w *workers) stop() {
	if w.pool != nil {
		w.cleanup.Stop()
		w.pool.close()
		w.pool = nil
	}
}
