package distributed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/experimental"
	"google.golang.org/grpc/status"
)

// The ring's gRPC service. Both methods are bidirectional streams whose messages are frames
// (codec.go); the first frame from the client is a hello naming the world and the caller.
const (
	ringService   = "hftrain.distributed.Ring"
	methodControl = "/" + ringService + "/Control"
	methodData    = "/" + ringService + "/Data"
)

// maxFrameBytes bounds one message: a chunk, or one all-gather value.
const maxFrameBytes = 1 << 30

var bidi = grpc.StreamDesc{ClientStreams: true, ServerStreams: true}

func ringServiceDesc() *grpc.ServiceDesc {
	return &grpc.ServiceDesc{
		ServiceName: ringService,
		HandlerType: (*any)(nil),
		Streams: []grpc.StreamDesc{
			{StreamName: "Control", ClientStreams: true, ServerStreams: true, Handler: func(srv any, st grpc.ServerStream) error {
				return srv.(*ringGroup).serveStream(st, true)
			}},
			{StreamName: "Data", ClientStreams: true, ServerStreams: true, Handler: func(srv any, st grpc.ServerStream) error {
				return srv.(*ringGroup).serveStream(st, false)
			}},
		},
	}
}

// hello is the payload of a stream's first frame.
type hello struct {
	Session string `json:"session"`
	From    int    `json:"from"`
	Channel int    `json:"channel"` // -1: the control stream
}

// windows returns the per-stream and per-connection flow-control windows.
func (t ringTuning) windows() (stream, conn int32) {
	return int32(t.Window), int32(min(t.Window*(t.Channels+1), 1<<30))
}

func (t ringTuning) writeBuffer() int {
	if t.Gather > 0 {
		return 0 // gatherConn does the batching, without the copy
	}
	return t.WriteBuf
}

// startServer serves the ring service on ln (prev connects to it).
func (g *ringGroup) startServer(ln net.Listener) {
	sw, cw := g.tune.windows()
	g.server = grpc.NewServer(
		grpc.ForceServerCodecV2(frameCodec{}),
		grpc.InitialWindowSize(sw), grpc.InitialConnWindowSize(cw),
		grpc.ReadBufferSize(g.tune.ReadBuf), grpc.WriteBufferSize(g.tune.writeBuffer()),
		grpc.MaxRecvMsgSize(maxFrameBytes), grpc.MaxSendMsgSize(maxFrameBytes),
		experimental.BufferPool(g.pool),
		grpc.WaitForHandlers(true),
	)
	g.server.RegisterService(ringServiceDesc(), g)
	if g.tune.Gather > 0 {
		ln = gatherListener{ln, g.tune.Gather}
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		_ = g.server.Serve(ln) // returns when teardown stops the server
	}()
}

// serveStream handles a stream opened by prev: the hello, then the control loop or the data
// channel's receive loop, until the group ends.
func (g *ringGroup) serveStream(st grpc.ServerStream, ctrl bool) error {
	var f inFrame
	if err := st.RecvMsg(&f); err != nil {
		return err
	}
	var h hello
	err := json.Unmarshal(f.bytes(), &h)
	kind := f.hdr.kind
	f.release()
	if err != nil || kind != kindHello {
		return status.Error(codes.InvalidArgument, "distributed: expected a hello frame")
	}
	select {
	case <-g.ready:
	case <-g.ctx.Done():
		return status.Error(codes.Unavailable, "distributed: group closed")
	}
	if err := g.admit(h, ctrl); err != nil {
		return status.Error(codes.PermissionDenied, err.Error())
	}
	if err := st.SendMsg(newOutFrame(frameHeader{kind: kindHello}, nil)); err != nil {
		return err
	}
	g.in.touch()
	if ctrl {
		gs := &guardedStream{st: st}
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			g.ctrlWriter(g.in, gs.send)
		}()
		g.ctrlLoop(g.in, st.RecvMsg)
		gs.close()
		return nil
	}
	g.dataLoop(st, h.Channel)
	return nil
}

// admit checks a hello from a stream prev opened and records the stream.
func (g *ringGroup) admit(h hello, ctrl bool) error {
	if h.Session != g.session {
		return fmt.Errorf("distributed: a stream from rank %d of another world (session %q, this world's is %q)", h.From, h.Session, g.session)
	}
	if h.From != g.prev {
		return fmt.Errorf("distributed: rank %d connected, but this rank's ring predecessor is rank %d", h.From, g.prev)
	}
	g.inMu.Lock()
	defer g.inMu.Unlock()
	switch {
	case ctrl && h.Channel == -1 && !g.inCtrl:
		g.inCtrl = true
	case !ctrl && h.Channel >= 0 && h.Channel < len(g.inData) && !g.inData[h.Channel]:
		g.inData[h.Channel] = true
	default:
		return fmt.Errorf("distributed: unexpected or duplicate stream %d from rank %d", h.Channel, h.From)
	}
	g.inCount++
	if g.inCount == len(g.inData)+1 {
		close(g.inReady)
	}
	return nil
}

// dataLoop runs the receive side of every collective on channel j.
func (g *ringGroup) dataLoop(st grpc.ServerStream, j int) {
	for {
		select {
		case jb := <-g.jobs[j]:
			jb.done <- g.runRecvJob(st, jb)
		case <-g.ctx.Done():
			return
		}
	}
}

// guardedStream lets a goroutine other than the handler send on a server stream without
// sending after the handler has returned.
type guardedStream struct {
	mu     sync.Mutex
	st     grpc.ServerStream
	closed bool
}

func (s *guardedStream) send(f *outFrame) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	return s.st.SendMsg(f)
}

func (s *guardedStream) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

// dialOptions are the options of the connection to next.
func (g *ringGroup) dialOptions() []grpc.DialOption {
	sw, cw := g.tune.windows()
	gather := g.tune.Gather
	return []grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithNoProxy(),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
			if err != nil || gather == 0 {
				return c, err
			}
			return newGatherConn(c, gather), nil
		}),
		grpc.WithDefaultCallOptions(grpc.ForceCodecV2(frameCodec{}),
			grpc.MaxCallRecvMsgSize(maxFrameBytes), grpc.MaxCallSendMsgSize(maxFrameBytes)),
		grpc.WithInitialWindowSize(sw), grpc.WithInitialConnWindowSize(cw),
		grpc.WithReadBufferSize(g.tune.ReadBuf), grpc.WithWriteBufferSize(g.tune.writeBuffer()),
		grpc.WithDisableRetry(), // retries would keep every message for replay
		grpc.WithIdleTimeout(0),
		experimental.WithBufferPool(g.pool),
	}
}

// connect opens the streams to next and waits for prev's; ctx bounds both.
func (g *ringGroup) connect(ctx context.Context) error {
	stop := context.AfterFunc(ctx, g.teardown) // unblocks whatever waits below
	errc := make(chan error, 1)
	go func() { errc <- g.dialNext(ctx) }()
	var err error
	select {
	case <-g.inReady:
		err = <-errc
	case err = <-errc:
		if err == nil {
			select {
			case <-g.inReady:
			case <-ctx.Done():
				err = &PeerError{Rank: g.prev, Addr: g.in.addr, Op: "connect",
					Err: fmt.Errorf("rank %d did not connect within %v", g.prev, g.timeout)}
			}
		}
	}
	if !stop() && err == nil { // the deadline passed as the last stream opened
		err = &PeerError{Rank: g.next, Addr: g.out.addr, Op: "connect", Err: ctx.Err()}
	}
	return err
}

// dialNext connects to next and opens the control stream and every data stream.
func (g *ringGroup) dialNext(ctx context.Context) error {
	peerErr := func(err error) error {
		if ctx.Err() != nil {
			err = fmt.Errorf("not connected within %v: %w", g.timeout, err)
		}
		return &PeerError{Rank: g.next, Addr: g.out.addr, Op: "connect", Err: err}
	}
	cc, err := grpc.NewClient("passthrough:///"+g.out.addr, g.dialOptions()...)
	if err != nil {
		return peerErr(err)
	}
	g.cc = cc
	cc.Connect()
	for s := cc.GetState(); s != connectivity.Ready; s = cc.GetState() {
		if !cc.WaitForStateChange(ctx, s) {
			return peerErr(fmt.Errorf("connection %v", s))
		}
	}
	ctrl, err := g.openStream(cc, methodControl, -1)
	if err != nil {
		return peerErr(err)
	}
	g.outCtrl = ctrl
	g.outData = make([]grpc.ClientStream, g.tune.Channels)
	for j := range g.outData {
		if g.outData[j], err = g.openStream(cc, methodData, j); err != nil {
			return peerErr(err)
		}
	}
	return nil
}

// openStream opens a stream to next that lives as long as the group and says hello on it.
func (g *ringGroup) openStream(cc *grpc.ClientConn, method string, channel int) (grpc.ClientStream, error) {
	st, err := cc.NewStream(g.ctx, &bidi, method)
	if err != nil {
		return nil, err
	}
	b, _ := json.Marshal(hello{Session: g.session, From: g.rank, Channel: channel})
	if err := st.SendMsg(newOutFrame(frameHeader{kind: kindHello}, b)); err != nil {
		return nil, recvStatus(st, err)
	}
	var f inFrame
	if err := st.RecvMsg(&f); err != nil {
		return nil, err
	}
	kind := f.hdr.kind
	f.release()
	if kind != kindHello {
		return nil, fmt.Errorf("expected a hello in reply, got frame kind %d", kind)
	}
	g.out.touch()
	return st, nil
}

// recvStatus turns the io.EOF a client stream's SendMsg returns when the server ended the
// stream into the server's status.
func recvStatus(st grpc.ClientStream, err error) error {
	var f inFrame
	if rerr := st.RecvMsg(&f); rerr != nil {
		return rerr
	}
	f.release()
	return err
}

// describe makes a gRPC stream error readable: the peer's reset or EOF, not a status dump.
func describe(err error) string {
	if s, ok := status.FromError(err); ok {
		msg := s.Message()
		if s.Code() == codes.Unavailable || s.Code() == codes.Canceled {
			msg = strings.TrimPrefix(msg, "error reading from server: ")
		}
		return fmt.Sprintf("%s (%s)", msg, s.Code())
	}
	return err.Error()
}

// bindHost is the host a listener of rank 0 binds for MasterAddr: an IP literal itself (a
// network namespace's interface, 127.0.0.1), and every interface for a host name, which may
// resolve to another address on rank 0 (Debian maps its own host name to 127.0.1.1) than on
// the other ranks.
func bindHost(masterAddr string) string {
	if ip := net.ParseIP(masterAddr); ip != nil {
		return masterAddr
	}
	return ""
}

// dialRetry dials addr until it answers or deadline passes: ranks start in any order.
func dialRetry(ctx context.Context, addr string, deadline time.Time) (net.Conn, error) {
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	wait := 20 * time.Millisecond
	for {
		c, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", addr)
		if err == nil {
			return c, nil
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait):
		}
		wait = min(2*wait, 500*time.Millisecond)
	}
}

// hostPort joins host and a listener's port.
func hostPort(host string, ln net.Listener) string {
	return net.JoinHostPort(host, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
}

var errAborted = errors.New("distributed: aborted")
