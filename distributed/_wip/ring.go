package distributed

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
)

// Config describes this process's place in the world and how to reach rank 0.
type Config struct {
	Rank, Size int
	// MasterAddr is the host name or IP of rank 0 ("127.0.0.1", "node01").
	MasterAddr string
	// MasterPort is where rank 0 listens for the rendezvous.
	MasterPort int
	// Timeout is ddp_timeout: the deadline of the rendezvous and of connecting to the ring
	// neighbours, and how long a peer may be silent (no heartbeat, no data) before it is declared
	// dead. A rank that is busy outside collectives is not silent: heartbeats come from a
	// background goroutine. 0 means DefaultTimeout.
	Timeout time.Duration
	// Fingerprint describes what this rank is about to train (config, model, dataset, version
	// digests); it must be equal on every rank, or Join fails on every rank naming the keys that
	// differ.
	Fingerprint map[string]string
	// Logf, when set, receives one line per rendezvous, fault and close.
	Logf func(format string, args ...any)
}

// DefaultTimeout is the Timeout of a Config that sets none.
const DefaultTimeout = 30 * time.Second

// Validate checks the config; an error names the field.
func (c Config) Validate() error {
	switch {
	case c.Size < 1:
		return fmt.Errorf("distributed: Config.Size=%d must be at least 1", c.Size)
	case c.Rank < 0 || c.Rank >= c.Size:
		return fmt.Errorf("distributed: Config.Rank=%d must be in [0, Config.Size=%d)", c.Rank, c.Size)
	case c.Timeout < 0:
		return fmt.Errorf("distributed: Config.Timeout=%v must not be negative", c.Timeout)
	case c.Size > 1 && c.MasterAddr == "":
		return fmt.Errorf("distributed: Config.MasterAddr is empty but Config.Size=%d needs rank 0's host", c.Size)
	case c.Size > 1 && (c.MasterPort < 1 || c.MasterPort > 65535):
		return fmt.Errorf("distributed: Config.MasterPort=%d is not a port (1-65535)", c.MasterPort)
	}
	for k := range c.Fingerprint {
		if k == "" {
			return errors.New("distributed: Config.Fingerprint has an empty key")
		}
	}
	return nil
}

func (c Config) timeout() time.Duration {
	if c.Timeout == 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

func (c Config) master() string { return net.JoinHostPort(c.MasterAddr, fmt.Sprint(c.MasterPort)) }

// Join makes this process rank c.Rank of a group of c.Size processes: a ring all-reduce over
// gRPC (see the package documentation). It returns once every rank has joined and this rank is
// connected to its ring neighbours, or fails within about c.Timeout. A Size of 1 returns Single()
// and opens no socket. The group must be closed; every rank should Close it before exiting.
func Join(ctx context.Context, c Config) (Group, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Size == 1 {
		return Single(), nil
	}
	tune, err := parseTuning(os.Getenv(tuningEnv))
	if err != nil {
		return nil, err
	}
	g := newRingGroup(c, tune)
	if err := g.join(ctx, c); err != nil {
		g.teardown()
		g.wg.Wait()
		return nil, err
	}
	return g, nil
}

// ringGroup is a Group whose ranks are processes connected in a ring by gRPC. Rank r is the
// gRPC client of rank r+1 (out: chunks go to next) and the server of rank r-1 (in: chunks come
// from prev); each direction has one control stream (hello, heartbeats, abort, bye) and
// tune.Channels data streams.
type ringGroup struct {
	rank, size int
	prev, next int
	timeout    time.Duration
	tune       ringTuning
	logf       func(format string, args ...any)
	pool       *framePool
	epoch      time.Time // lastHeard clocks count from here

	addrs   []string // data address of every rank, from the rendezvous
	session string   // rank 0's random token for this world; every hello carries it
	ready   chan struct{}

	ctx    context.Context // lifetime of the streams; cancelled by teardown
	cancel context.CancelFunc

	server    *grpc.Server // the data server: streams from prev
	rdvServer *grpc.Server // rank 0's rendezvous server, until everyone has its answer
	cc        *grpc.ClientConn
	out, in   *link
	outCtrl   grpc.ClientStream
	outData   []grpc.ClientStream
	inMu      sync.Mutex
	inCtrl    bool   // prev has opened the control stream
	inData    []bool // and these data channels
	inCount   int
	inReady   chan struct{}   // closed when prev has opened every stream
	jobs      []chan *recvJob // per channel: the receive side of the current collective

	mu       sync.Mutex
	fault    *fault
	broken   chan struct{} // closed with the first fault
	tearOnce sync.Once

	seq    atomic.Uint64 // collectives completed
	active atomic.Bool   // inside a collective
	closed atomic.Bool
	wg     sync.WaitGroup // background goroutines
}

func newRingGroup(c Config, tune ringTuning) *ringGroup {
	ctx, cancel := context.WithCancel(context.Background())
	logf := c.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	g := &ringGroup{
		rank: c.Rank, size: c.Size,
		prev: mod(c.Rank-1, c.Size), next: mod(c.Rank+1, c.Size),
		timeout: c.timeout(), tune: tune, logf: logf,
		pool: &framePool{}, epoch: time.Now(),
		ready: make(chan struct{}), ctx: ctx, cancel: cancel,
		inReady: make(chan struct{}), broken: make(chan struct{}),
	}
	g.out = newLink(g, g.next, "next")
	g.in = newLink(g, g.prev, "prev")
	return g
}

// join runs the rendezvous, then connects the ring and starts the heartbeats.
func (g *ringGroup) join(ctx context.Context, c Config) error {
	start := time.Now()
	ln, res, err := g.rendezvous(ctx, c)
	if err != nil {
		return err
	}
	g.addrs, g.session, g.tune = res.Addrs, res.Session, res.Tuning
	g.out.addr, g.in.addr = g.addrs[g.next], g.addrs[g.prev]
	g.inData = make([]bool, g.tune.Channels)
	g.jobs = make([]chan *recvJob, g.tune.Channels)
	for j := range g.jobs {
		g.jobs[j] = make(chan *recvJob, 1)
	}
	close(g.ready)
	setup, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	if err := g.connect(setup); err != nil {
		return err
	}
	g.startBackground()
	g.logf("distributed: rank %d/%d joined in %v: data at %s, next rank %d at %s, %d channels",
		g.rank, g.size, time.Since(start).Round(time.Millisecond), ln.Addr(), g.next, g.out.addr, g.tune.Channels)
	return nil
}

func (g *ringGroup) Rank() int { return g.rank }
func (g *ringGroup) Size() int { return g.size }

// AllReduce reduces buf in place on every rank (see the package documentation for the ring).
func (g *ringGroup) AllReduce(ctx context.Context, buf []float32, op Op) error {
	if op != Sum && op != Mean {
		return fmt.Errorf("distributed: all-reduce: unknown op %v", op)
	}
	return g.run(ctx, g.allReducePlan(buf, op))
}

// Broadcast copies root's buf into every rank's buf, chunks pipelined round the ring.
func (g *ringGroup) Broadcast(ctx context.Context, buf []byte, root int) error {
	if root < 0 || root >= g.size {
		return fmt.Errorf("distributed: broadcast from rank %d in a group of %d", root, g.size)
	}
	return g.run(ctx, g.broadcastPlan(buf, root))
}

// AllGather passes every rank's value round the ring (n-1 steps).
func (g *ringGroup) AllGather(ctx context.Context, value []byte) ([][]byte, error) {
	out := make([][]byte, g.size)
	out[g.rank] = append([]byte{}, value...)
	if err := g.run(ctx, g.allGatherPlan(opAllGather, out)); err != nil {
		return nil, err
	}
	return out, nil
}

// Barrier is an all-gather of nothing: no rank leaves before every rank's frame has gone round.
func (g *ringGroup) Barrier(ctx context.Context) error {
	return g.run(ctx, g.allGatherPlan(opBarrier, make([][]byte, g.size)))
}
