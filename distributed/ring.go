package distributed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/experimental"
)

// Config describes this process's place in the world and how to reach rank 0.
type Config struct {
	Rank, Size int
	// MasterAddr is the host name or IP of rank 0 ("127.0.0.1", "node01").
	MasterAddr string
	// MasterPort is where rank 0 listens for the rendezvous (and for its ring neighbour).
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

func (c Config) master() string { return net.JoinHostPort(c.MasterAddr, strconv.Itoa(c.MasterPort)) }

// tuning holds the ring's transport parameters. They are set by rank 0 (from its environment,
// HFTRAIN_RING_CHANNELS and HFTRAIN_RING_CHUNK_KB) and handed to every rank in the rendezvous,
// so that all ranks cut buffers the same way.
type tuning struct {
	Channels int `json:"channels"` // TCP connections (and streams) per neighbour; a buffer is cut into this many parts
	Chunk    int `json:"chunk"`    // bytes per frame of an all-reduce or broadcast
	// Transport carries the chunks: "grpc" (streams of the ring's gRPC service) or "tcp" (plain
	// TCP connections beside it; see ring_tcp.go).
	Transport string `json:"transport"`
}

// defaultTuning: chunks on raw TCP by default, as that is 1.9× the gRPC data plane's bandwidth
// where CPU is short (make bench-allreduce; see ring_tcp.go).
func defaultTuning() tuning { return tuning{Channels: 2, Chunk: 1 << 20, Transport: transportTCP} }

// tuningFromEnv reads rank 0's overrides of the defaults.
func tuningFromEnv(getenv func(string) string) (tuning, error) {
	t := defaultTuning()
	if v := getenv("HFTRAIN_RING_CHANNELS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 16 {
			return t, fmt.Errorf("distributed: HFTRAIN_RING_CHANNELS=%q: want an integer from 1 to 16", v)
		}
		t.Channels = n
	}
	if v := getenv("HFTRAIN_RING_CHUNK_KB"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 4 || n > 64<<10 {
			return t, fmt.Errorf("distributed: HFTRAIN_RING_CHUNK_KB=%q: want an integer from 4 to 65536", v)
		}
		t.Chunk = n << 10
	}
	switch v := getenv("HFTRAIN_RING_TRANSPORT"); v {
	case "":
	case transportGRPC, transportTCP:
		t.Transport = v
	default:
		return t, fmt.Errorf("distributed: HFTRAIN_RING_TRANSPORT=%q: want grpc or tcp", v)
	}
	return t, nil
}

// Flow-control windows and socket buffers of the ring's gRPC transports: large enough that a
// chunk in flight never waits for a window update on a fast link.
const (
	streamWindow = 16 << 20
	connWindow   = 32 << 20
	ioBuffer     = 256 << 10
	maxFrame     = 1 << 30
)

// Join makes this process rank c.Rank of a group of c.Size processes: a ring all-reduce over
// gRPC (see the package documentation). It returns once every rank has joined, the world check
// passed, and this rank is connected to its ring neighbours; it fails within about c.Timeout
// with an error naming the rank and address it could not reach. A Size of 1 returns Single()
// and opens no socket. Every rank should Close the group before it exits.
func Join(ctx context.Context, c Config) (Group, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Size == 1 {
		return Single(), nil
	}
	g := newRingGroup(c)
	if err := g.join(ctx, c); err != nil {
		g.teardown()
		return nil, err
	}
	return g, nil
}

// ringGroup is a Group whose ranks are processes connected in a ring by gRPC. Rank r is the gRPC
// client of rank r+1 ("next": chunks go there on the request side of the streams, acks and
// heartbeats come back on the response side) and the server of rank r-1 ("prev"). Each
// neighbour pair has tune.Channels streams, each on its own TCP connection.
type ringGroup struct {
	rank, size, prev, next int
	timeout                time.Duration
	logf                   func(format string, args ...any)
	serverPool, clientPool *framePool // gRPC buffers of frames from prev and from next

	// Set by the rendezvous, before ready is closed.
	addrs   []string
	session string
	tune    tuning
	ready   chan struct{}

	ctx    context.Context // lifetime of streams and goroutines; cancelled by teardown
	cancel context.CancelFunc

	lis  net.Listener
	dlis net.Listener // the data port (tcp transport)
	// The tcp transport's connections, per channel; guarded by mu while connecting.
	dataAddrs     []string
	rawIn, rawOut []net.Conn
	rawN          int
	rawAll        chan struct{} // closed when prev has opened every data connection
	server        *grpc.Server
	rdv           *rendezvous // rank 0 only
	conns         []*grpc.ClientConn
	out           []*outLink // to next, per channel
	in            []*inLink  // from prev, per channel
	inMu          sync.Mutex
	inN           int
	inAll         chan struct{} // closed when prev has opened every channel

	heardPrev, heardNext atomic.Int64 // unix nanoseconds of the last frame from each neighbour
	prevGone, nextGone   atomic.Bool  // the neighbour closed its side gracefully
	acked                atomic.Uint64
	ackKick              chan struct{}

	mu       sync.Mutex // guards fault, torn, conns, out (while connecting) and spawning goroutines
	torn     bool       // teardown has begun: no new connections or goroutines
	fault    *fault
	broken   chan struct{} // closed at the first fault
	downOnce sync.Once
	down     chan struct{} // closed when teardown has finished

	inColl  atomic.Uint64 // seq+1 of the collective in progress, 0 between collectives
	gotAll  atomic.Bool   // this rank has received every frame of that collective
	seq     uint64        // collectives started
	closing atomic.Bool
	closed  atomic.Bool
	wg      sync.WaitGroup
}

// fault is the first failure the group saw: the rank at fault, its address and the cause.
type fault struct {
	rank   int
	addr   string
	err    error  // as this rank reports it
	note   string // as the abort frame passes it on (the cause without "seen by")
	seenBy int    // the rank that detected it
}

// localFault is a fault this rank detected itself.
func (g *ringGroup) localFault(rank int, err error) *fault {
	return &fault{rank: rank, addr: g.addrs[rank], err: err, note: err.Error(), seenBy: g.rank}
}

// spawn runs fn in a goroutine counted by g.wg, unless teardown has begun.
func (g *ringGroup) spawn(fn func()) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.torn {
		return false
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		fn()
	}()
	return true
}

// abortNote is the payload of an abort frame: the fault, as the rank that saw it describes it.
type abortNote struct {
	Rank   int    `json:"rank"`
	Addr   string `json:"addr"`
	Err    string `json:"err"`
	SeenBy int    `json:"seen_by"`
}

// linkHello is the payload of the first frame of a ring stream.
type linkHello struct {
	Session string `json:"session"`
	From    int    `json:"from"`
	Channel int    `json:"channel"`
}

// outLink is this rank's stream to next on one channel.
type outLink struct {
	mu sync.Mutex // one sender at a time
	cs grpc.ClientStream
}

func (l *outLink) send(f *outFrame) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cs.SendMsg(f)
}

// inLink is prev's stream to this rank on one channel: its frames queue in q, the reverse
// direction carries acks and heartbeats back.
type inLink struct {
	mu sync.Mutex
	ss grpc.ServerStream
	q  frameQueue
}

func (l *inLink) send(f *outFrame) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ss.SendMsg(f)
}

// frameQueue holds received data frames until the collective that owns them reads them. It is
// unbounded so that the stream's reader never stops reading (heartbeats come behind data);
// its size is bounded by the protocol, as prev cannot get more than one collective ahead.
type frameQueue struct {
	mu     sync.Mutex
	frames []*inFrame
	kick   chan struct{}
}

func (q *frameQueue) push(f *inFrame) {
	q.mu.Lock()
	q.frames = append(q.frames, f)
	q.mu.Unlock()
	select {
	case q.kick <- struct{}{}:
	default:
	}
}

// pop waits for the next frame; it returns nil when stop is closed first.
func (q *frameQueue) pop(stop <-chan struct{}) *inFrame {
	for {
		q.mu.Lock()
		if len(q.frames) > 0 {
			f := q.frames[0]
			q.frames[0] = nil
			q.frames = q.frames[1:]
			q.mu.Unlock()
			return f
		}
		q.mu.Unlock()
		select {
		case <-q.kick:
		case <-stop:
			return nil
		}
	}
}

func (q *frameQueue) drain() {
	q.mu.Lock()
	for _, f := range q.frames {
		f.release()
	}
	q.frames = nil
	q.mu.Unlock()
}

func newRingGroup(c Config) *ringGroup {
	ctx, cancel := context.WithCancel(context.Background())
	logf := c.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	g := &ringGroup{
		rank: c.Rank, size: c.Size, prev: mod(c.Rank-1, c.Size), next: mod(c.Rank+1, c.Size),
		timeout: c.timeout(), logf: logf,
		ready: make(chan struct{}), ctx: ctx, cancel: cancel,
		inAll: make(chan struct{}), rawAll: make(chan struct{}), ackKick: make(chan struct{}, 1),
		broken: make(chan struct{}), down: make(chan struct{}),
	}
	g.serverPool = &framePool{heard: &g.heardPrev}
	g.clientPool = &framePool{heard: &g.heardNext}
	now := time.Now().UnixNano()
	g.heardPrev.Store(now)
	g.heardNext.Store(now)
	return g
}

// The ring's gRPC service: two bidirectional streaming methods whose messages are frames.
const (
	ringService      = "hftrain.distributed.v1.Ring"
	methodRendezvous = "/" + ringService + "/Rendezvous"
	methodLink       = "/" + ringService + "/Link"
)

var bidiDesc = grpc.StreamDesc{ClientStreams: true, ServerStreams: true}

func (g *ringGroup) serviceDesc() *grpc.ServiceDesc {
	return &grpc.ServiceDesc{
		ServiceName: ringService,
		HandlerType: (*any)(nil),
		Streams: []grpc.StreamDesc{
			{StreamName: "Rendezvous", ClientStreams: true, ServerStreams: true, Handler: func(_ any, ss grpc.ServerStream) error {
				return g.serveRendezvous(ss)
			}},
			{StreamName: "Link", ClientStreams: true, ServerStreams: true, Handler: func(_ any, ss grpc.ServerStream) error {
				return g.serveLink(ss)
			}},
		},
	}
}

// listen opens this rank's server: on MasterPort for rank 0 (all interfaces, as torchrun's
// store does), on a free port for the others.
func (g *ringGroup) listen(c Config) error {
	port := 0
	if g.rank == 0 {
		port = c.MasterPort
	}
	lis, err := net.Listen("tcp", net.JoinHostPort("", strconv.Itoa(port)))
	if err != nil {
		if g.rank == 0 {
			return fmt.Errorf("distributed: rank 0 cannot listen on MASTER_PORT %d (another run on this port?): %w", port, err)
		}
		return fmt.Errorf("distributed: rank %d cannot open its ring port: %w", g.rank, err)
	}
	g.lis = lis
	g.server = grpc.NewServer(
		grpc.ForceServerCodecV2(frameCodec{}),
		grpc.InitialWindowSize(streamWindow), grpc.InitialConnWindowSize(connWindow),
		grpc.ReadBufferSize(ioBuffer), grpc.WriteBufferSize(ioBuffer),
		grpc.MaxRecvMsgSize(maxFrame), grpc.MaxSendMsgSize(maxFrame),
		experimental.BufferPool(g.serverPool),
	)
	g.server.RegisterService(g.serviceDesc(), nil)
	g.spawn(func() { _ = g.server.Serve(lis) })
	return nil
}

func (g *ringGroup) join(ctx context.Context, c Config) error {
	start := time.Now()
	setup, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	if g.rank == 0 {
		g.rdv = &rendezvous{arrive: make(chan arrival), done: make(chan struct{}), over: make(chan struct{})}
	}
	if err := g.listen(c); err != nil {
		return err
	}
	if err := g.listenData(); err != nil {
		return err
	}
	var ans rendezvousAnswer
	var err error
	if g.rank == 0 {
		ans, err = g.lead(setup, c)
	} else {
		ans, err = g.register(setup, c)
	}
	if err != nil {
		return err
	}
	g.addrs, g.dataAddrs, g.session, g.tune = ans.Addrs, ans.DataAddrs, ans.Session, ans.Tuning
	g.in = make([]*inLink, g.tune.Channels)
	if g.tune.Transport == transportTCP {
		g.rawIn = make([]net.Conn, g.tune.Channels)
		g.rawOut = make([]net.Conn, g.tune.Channels)
	}
	close(g.ready)
	if g.tune.Transport == transportTCP {
		g.spawn(g.acceptData)
		if err := g.connectData(); err != nil {
			return err
		}
	}
	if err := g.connect(setup); err != nil {
		return err
	}
	if g.tune.Transport == transportTCP {
		select {
		case <-g.rawAll:
		case <-g.broken:
			return g.faultErr("connecting the ring")
		case <-setup.Done():
			return &PeerError{Rank: g.prev, Addr: g.addrs[g.prev], Op: "connecting the ring",
				Err: fmt.Errorf("did not open its data connections to rank %d within %v", g.rank, g.timeout)}
		}
	}
	g.spawn(g.heartbeat)
	g.spawn(g.watchdog)
	g.logf("distributed: rank %d/%d joined in %v (listening on %s; next rank %d at %s; %d %s channels)",
		g.rank, g.size, time.Since(start).Round(time.Millisecond), g.lis.Addr(), g.next, g.addrs[g.next], g.tune.Channels, g.tune.Transport)
	return nil
}

// dial opens a gRPC connection to addr with the ring's transport settings.
func (g *ringGroup) dial(addr string) (*grpc.ClientConn, error) {
	return grpc.NewClient("passthrough:///"+addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodecV2(frameCodec{}),
			grpc.MaxCallRecvMsgSize(maxFrame), grpc.MaxCallSendMsgSize(maxFrame)),
		grpc.WithInitialWindowSize(streamWindow), grpc.WithInitialConnWindowSize(connWindow),
		grpc.WithReadBufferSize(ioBuffer), grpc.WithWriteBufferSize(ioBuffer),
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 20 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: time.Second},
			MinConnectTimeout: g.timeout,
		}),
		experimental.WithBufferPool(g.clientPool),
	)
}

// connect opens every channel to next and waits for prev to open every channel to this rank.
func (g *ringGroup) connect(ctx context.Context) error {
	addr := g.addrs[g.next]
	out := make([]*outLink, g.tune.Channels)
	g.mu.Lock()
	g.out = out
	g.mu.Unlock()
	for j := range out {
		cc, err := g.dial(addr)
		if err != nil {
			return fmt.Errorf("distributed: rank %d: connecting to next rank %d at %s: %w", g.rank, g.next, addr, err)
		}
		g.mu.Lock()
		if g.torn {
			g.mu.Unlock()
			_ = cc.Close()
			return g.faultErr("connecting the ring")
		}
		g.conns = append(g.conns, cc)
		g.mu.Unlock()
		cs, err := cc.NewStream(g.ctx, &bidiDesc, methodLink, grpc.WaitForReady(true))
		if err == nil {
			err = sendJSON(cs, kindHello, linkHello{Session: g.session, From: g.rank, Channel: j})
		}
		if err == nil {
			err = awaitWelcome(ctx, cs)
		}
		if err != nil {
			return &PeerError{Rank: g.next, Addr: addr, Op: "connecting the ring", Err: fmt.Errorf("rank %d could not open channel %d within %v: %w", g.rank, j, g.timeout, err)}
		}
		g.mu.Lock()
		out[j] = &outLink{cs: cs}
		g.mu.Unlock()
		if !g.spawn(func() { g.readOut(j, cs) }) {
			return g.faultErr("connecting the ring")
		}
	}
	select {
	case <-g.inAll:
		select {
		case <-g.broken:
			return g.faultErr("connecting the ring")
		default:
		}
		return nil
	case <-g.broken:
		return g.faultErr("connecting the ring")
	case <-ctx.Done():
		return &PeerError{Rank: g.prev, Addr: g.addrs[g.prev], Op: "connecting the ring",
			Err: fmt.Errorf("did not connect to rank %d within %v", g.rank, g.timeout)}
	}
}

// awaitWelcome reads the server's answer to a hello, bounded by ctx.
func awaitWelcome(ctx context.Context, cs grpc.ClientStream) error {
	done := make(chan error, 1)
	go func() {
		var f inFrame
		err := cs.RecvMsg(&f)
		if err == nil {
			if f.hdr.kind != kindWelcome {
				err = fmt.Errorf("expected a welcome frame, got kind %d", f.hdr.kind)
			}
			f.release()
		}
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// serveLink handles prev's stream on one channel; it reads the stream for its whole life.
func (g *ringGroup) serveLink(ss grpc.ServerStream) error {
	var f inFrame
	if err := ss.RecvMsg(&f); err != nil {
		return err
	}
	var h linkHello
	err := f.decodeJSON(kindHello, &h)
	f.release()
	if err != nil {
		return err
	}
	select {
	case <-g.ready:
	case <-g.ctx.Done():
		return errors.New("distributed: group is shutting down")
	case <-time.After(g.timeout):
		return errors.New("distributed: this rank did not finish its rendezvous in time")
	}
	switch {
	case h.Session != g.session:
		return fmt.Errorf("distributed: rank %d belongs to another run (session %q, this world's is %q)", h.From, h.Session, g.session)
	case h.From != g.prev:
		return fmt.Errorf("distributed: rank %d expects its ring predecessor %d, not rank %d", g.rank, g.prev, h.From)
	case h.Channel < 0 || h.Channel >= len(g.in):
		return fmt.Errorf("distributed: channel %d out of range [0, %d)", h.Channel, len(g.in))
	}
	l := &inLink{ss: ss, q: frameQueue{kick: make(chan struct{}, 1)}}
	g.inMu.Lock()
	if g.in[h.Channel] != nil {
		g.inMu.Unlock()
		return fmt.Errorf("distributed: rank %d opened channel %d twice", h.From, h.Channel)
	}
	g.in[h.Channel] = l
	g.inN++
	if g.inN == len(g.in) {
		close(g.inAll)
	}
	g.inMu.Unlock()
	if err := l.send(newOutFrame(frameHeader{kind: kindWelcome}, nil)); err != nil {
		return err
	}
	for {
		f := &inFrame{}
		err := ss.RecvMsg(f)
		if err != nil {
			if errors.Is(err, io.EOF) {
				g.prevGone.Store(true)
				if g.inColl.Load() != 0 && !g.gotAll.Load() && !g.closing.Load() {
					g.setFault(g.localFault(g.prev, errors.New("it closed the group in the middle of a collective")))
				}
				return nil
			}
			g.suspect(g.prev, err)
			return err
		}
		g.heardPrev.Store(time.Now().UnixNano())
		switch f.hdr.kind {
		case kindData:
			l.q.push(f)
			continue
		case kindAbort:
			g.noteAbort(f)
		}
		f.release()
	}
}

// readOut reads the response side of this rank's stream to next: acks, heartbeats, aborts.
func (g *ringGroup) readOut(j int, cs grpc.ClientStream) {
	for {
		var f inFrame
		err := cs.RecvMsg(&f)
		if err != nil {
			if errors.Is(err, io.EOF) {
				g.nextLeft()
			} else {
				g.suspect(g.next, err)
			}
			return
		}
		g.heardNext.Store(time.Now().UnixNano())
		switch f.hdr.kind {
		case kindAck:
			for {
				old := g.acked.Load()
				if f.hdr.seq+1 <= old || g.acked.CompareAndSwap(old, f.hdr.seq+1) {
					break
				}
			}
			select {
			case g.ackKick <- struct{}{}:
			default:
			}
		case kindAbort:
			g.noteAbort(&f)
		case kindBye:
			g.nextLeft()
		}
		f.release()
	}
}

// nextLeft records that next closed the group gracefully: a fault if this rank still waits for
// next's part of a collective.
func (g *ringGroup) nextLeft() {
	g.nextGone.Store(true)
	if s := g.inColl.Load(); s != 0 && g.acked.Load() < s && !g.closing.Load() {
		g.setFault(g.localFault(g.next, errors.New("it closed the group in the middle of a collective")))
	}
	select {
	case g.ackKick <- struct{}{}:
	default:
	}
}

// heartbeatEvery is how often a rank tells its neighbours it is alive.
func (g *ringGroup) heartbeatEvery() time.Duration {
	return min(max(g.timeout/5, 20*time.Millisecond), 2*time.Second)
}

// heartbeat sends a heartbeat to both neighbours on channel 0, each direction from its own
// goroutine so that a stalled neighbour (full flow-control window) delays only its own.
func (g *ringGroup) heartbeat() {
	beat := func(send func(*outFrame) error) {
		t := time.NewTicker(g.heartbeatEvery())
		defer t.Stop()
		for {
			select {
			case <-g.ctx.Done():
				return
			case <-t.C:
				if send(newOutFrame(frameHeader{kind: kindHeartbeat}, nil)) != nil {
					return
				}
			}
		}
	}
	g.spawn(func() { beat(g.in[0].send) })
	beat(g.out[0].send)
}

// watchdog declares a neighbour dead when nothing (data or heartbeat) came from it for timeout.
func (g *ringGroup) watchdog() {
	t := time.NewTicker(g.heartbeatEvery() / 2)
	defer t.Stop()
	for {
		select {
		case <-g.ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		for _, n := range []struct {
			rank  int
			heard *atomic.Int64
			gone  *atomic.Bool
		}{{g.prev, &g.heardPrev, &g.prevGone}, {g.next, &g.heardNext, &g.nextGone}} {
			if n.gone.Load() || g.closing.Load() {
				continue
			}
			if quiet := now.Sub(time.Unix(0, n.heard.Load())); quiet > g.timeout {
				g.setFault(g.localFault(n.rank, fmt.Errorf(
					"sent nothing, not even a heartbeat, for %v (ddp_timeout %v): the process is stopped, hung or unreachable",
					quiet.Round(time.Millisecond), g.timeout)))
				return
			}
		}
	}
}

// suspect handles a broken stream to or from peer: unless an abort naming the real culprit
// arrives within a moment (a neighbour tearing down after someone else's fault also breaks its
// streams), peer is the fault.
func (g *ringGroup) suspect(peer int, err error) {
	if g.closing.Load() {
		return
	}
	if (peer == g.prev && g.prevGone.Load()) || (peer == g.next && g.nextGone.Load()) {
		return
	}
	time.AfterFunc(300*time.Millisecond, func() {
		g.setFault(g.localFault(peer, fmt.Errorf("connection lost (the process died or closed its socket): %w", err)))
	})
}

// noteAbort records the fault an abort frame reports.
func (g *ringGroup) noteAbort(f *inFrame) {
	var n abortNote
	if err := f.decodeJSON(kindAbort, &n); err != nil {
		g.setFault(g.localFault(g.prev, err))
		return
	}
	err := errors.New(n.Err)
	if n.SeenBy != g.rank {
		err = fmt.Errorf("%s (seen by rank %d)", n.Err, n.SeenBy)
	}
	g.setFault(&fault{rank: n.Rank, addr: n.Addr, err: err, note: n.Err, seenBy: n.SeenBy})
}

// setFault records the group's first fault, tells both neighbours (who tell theirs), and tears
// the group down: every collective in progress or to come fails with the fault.
func (g *ringGroup) setFault(f *fault) {
	g.mu.Lock()
	if g.fault != nil || g.closed.Load() {
		g.mu.Unlock()
		return
	}
	g.fault = f
	close(g.broken)
	g.mu.Unlock()
	g.logf("distributed: rank %d: group failed: rank %d at %s: %v", g.rank, f.rank, f.addr, f.err)
	go func() {
		g.sendAbort(abortNote{Rank: f.rank, Addr: f.addr, Err: f.note, SeenBy: f.seenBy})
		g.teardown()
	}()
}

// sendAbort passes the note to both neighbours, waiting at most a second for each.
func (g *ringGroup) sendAbort(n abortNote) {
	b, _ := json.Marshal(n)
	var wg sync.WaitGroup
	for _, send := range g.linkSenders() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = send(newOutFrame(frameHeader{kind: kindAbort}, b))
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		time.Sleep(100 * time.Millisecond) // let the frames leave before the streams are cut
	case <-time.After(time.Second):
	}
}

// linkSenders are the channel-0 senders to next and prev that exist so far.
func (g *ringGroup) linkSenders() []func(*outFrame) error {
	var s []func(*outFrame) error
	g.mu.Lock()
	if len(g.out) > 0 && g.out[0] != nil {
		s = append(s, g.out[0].send)
	}
	g.mu.Unlock()
	g.inMu.Lock()
	if len(g.in) > 0 && g.in[0] != nil {
		s = append(s, g.in[0].send)
	}
	g.inMu.Unlock()
	return s
}

// faultErr is the error a collective returns after a fault.
func (g *ringGroup) faultErr(op string) error {
	g.mu.Lock()
	f := g.fault
	g.mu.Unlock()
	if f == nil {
		return ErrClosed
	}
	return &PeerError{Rank: f.rank, Addr: f.addr, Op: op, Err: f.err}
}

// teardown closes every stream, connection and the server, once.
func (g *ringGroup) teardown() {
	g.downOnce.Do(func() {
		g.mu.Lock()
		g.torn = true
		conns := g.conns
		g.mu.Unlock()
		g.cancel()
		g.closeRaw()
		for _, cc := range conns {
			_ = cc.Close()
		}
		if g.rdv != nil {
			g.rdv.stop()
		}
		if g.server != nil {
			if g.rdv != nil && len(g.out) == 0 {
				// Rank 0 failed its rendezvous: let the answers that say why reach the others.
				t := time.AfterFunc(time.Second, g.server.Stop)
				g.server.GracefulStop()
				t.Stop()
			}
			g.server.Stop()
		}
		g.wg.Wait()
		for _, l := range g.in {
			if l != nil {
				l.q.drain()
			}
		}
		close(g.down)
	})
}

func (g *ringGroup) Rank() int { return g.rank }
func (g *ringGroup) Size() int { return g.size }

// Close ends this rank's membership: it half-closes its streams to next (so that next sees a
// clean end, not a failure), waits briefly for next to acknowledge, and closes everything.
// Collectives already acknowledged by every neighbour are complete; nothing is lost.
func (g *ringGroup) Close() error {
	if g.closed.Load() {
		return nil
	}
	g.closing.Store(true)
	// Tell prev first (on the response side of its streams, after any ack): its streams to this
	// rank are about to end, and that is not a failure.
	g.inMu.Lock()
	in := g.in
	g.inMu.Unlock()
	if len(in) > 0 && in[0] != nil {
		done := make(chan struct{})
		go func() {
			_ = in[0].send(newOutFrame(frameHeader{kind: kindBye}, nil))
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(time.Second):
		}
	}
	for _, l := range g.out {
		l.mu.Lock()
		_ = l.cs.CloseSend()
		l.mu.Unlock()
	}
	deadline := time.Now().Add(min(g.timeout, 2*time.Second))
	for !g.nextGone.Load() && time.Now().Before(deadline) {
		select {
		case <-g.broken:
			deadline = time.Now()
		case <-time.After(5 * time.Millisecond):
		}
	}
	g.closed.Store(true)
	g.teardown()
	g.logf("distributed: rank %d/%d closed after %d collectives", g.rank, g.size, g.seq)
	return nil
}

// ensureGood fails a collective before it starts on a closed or failed group.
func (g *ringGroup) ensureGood(op string) error {
	if g.closed.Load() || g.closing.Load() {
		return ErrClosed
	}
	select {
	case <-g.broken:
		return g.faultErr(op)
	default:
	}
	if g.prevGone.Load() {
		return &PeerError{Rank: g.prev, Addr: g.addrs[g.prev], Op: op, Err: errors.New("it has closed the group")}
	}
	if g.nextGone.Load() {
		return &PeerError{Rank: g.next, Addr: g.addrs[g.next], Op: op, Err: errors.New("it has closed the group")}
	}
	return nil
}

// rank0Tuning is the tuning rank 0 hands every rank in the rendezvous, from its environment.
func rank0Tuning() (tuning, error) { return tuningFromEnv(os.Getenv) }
