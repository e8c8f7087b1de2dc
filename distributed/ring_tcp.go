package distributed

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/hftrain/hftrain/distributed/internal/vec"
)

// The "tcp" data plane (HFTRAIN_RING_TRANSPORT=tcp, chosen by rank 0 for the whole world):
// the chunks of a collective travel on plain TCP connections, one per channel, instead of gRPC
// streams, while gRPC keeps the rendezvous, the hello that names the session, heartbeats, acks,
// aborts and byes. Why: gRPC cuts every message into 16 KiB HTTP/2 frames and copies each byte
// into its write buffer on one side and out of its read buffer on the other; on a machine whose
// cores are busy (two ranks on two cores) that CPU is the bandwidth. On a raw connection a chunk
// leaves with one writev straight from the caller's buffer and arrives with reads straight
// into it (all-gather) or into a small scratch buffer that is added in place (reduce-scatter).
//
// A raw frame is the 27-byte frame header, the payload's length (8 bytes, little endian) and
// the payload. The first frame on a connection is a hello (JSON linkHello), so a connection
// from another run or from the wrong rank is refused, as on the gRPC streams.

const rawHeaderLen = frameHeaderLen + 8

// Transports of tuning.Transport.
const (
	transportGRPC = "grpc"
	transportTCP  = "tcp"
)

// rawScratch is how much of a chunk is read before it is added (it stays in cache).
const rawScratch = 128 << 10

func putRawHeader(b []byte, h frameHeader, n int) {
	h.put(b[:frameHeaderLen])
	binary.LittleEndian.PutUint64(b[frameHeaderLen:rawHeaderLen], uint64(n))
}

// sendRaw writes one frame with a single writev; the payload is not copied in user space, and
// the kernel has its own copy when the call returns.
func sendRaw(c net.Conn, h frameHeader, payload []byte) error {
	var hdr [rawHeaderLen]byte
	putRawHeader(hdr[:], h, len(payload))
	bufs := net.Buffers{hdr[:], payload}
	_, err := bufs.WriteTo(c)
	return err
}

// readRawHeader reads a frame's header and payload length.
func readRawHeader(r io.Reader) (frameHeader, int, error) {
	var hdr [rawHeaderLen]byte
	var h frameHeader
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return h, 0, err
	}
	h.parse(hdr[:frameHeaderLen])
	n := binary.LittleEndian.Uint64(hdr[frameHeaderLen:])
	if n > maxFrame {
		return h, 0, fmt.Errorf("distributed: raw frame of %d bytes", n)
	}
	return h, int(n), nil
}

// listenData opens this rank's data port (every rank opens one; it is used when rank 0 picks
// the tcp transport).
func (g *ringGroup) listenData() error {
	lis, err := net.Listen("tcp", ":0")
	if err != nil {
		return fmt.Errorf("distributed: rank %d cannot open its data port: %w", g.rank, err)
	}
	g.dlis = lis
	return nil
}

// acceptData takes prev's raw connections, one per channel, for the group's lifetime.
func (g *ringGroup) acceptData() {
	for {
		c, err := g.dlis.Accept()
		if err != nil {
			return
		}
		if !g.spawn(func() { g.admitData(c) }) {
			_ = c.Close()
			return
		}
	}
}

// admitData checks a raw connection's hello and files it under its channel.
func (g *ringGroup) admitData(c net.Conn) {
	_ = c.SetReadDeadline(time.Now().Add(g.timeout))
	h, n, err := readRawHeader(c)
	var hello linkHello
	if err == nil && (h.kind != kindHello || n > 4096) {
		err = errors.New("not a hello")
	}
	if err == nil {
		b := make([]byte, n)
		if _, err = io.ReadFull(c, b); err == nil {
			err = json.Unmarshal(b, &hello)
		}
	}
	_ = c.SetReadDeadline(time.Time{})
	if err == nil {
		select {
		case <-g.ready:
		case <-g.ctx.Done():
			err = errors.New("shutting down")
		}
	}
	if err == nil && (hello.Session != g.session || hello.From != g.prev || hello.Channel < 0 || hello.Channel >= len(g.rawIn)) {
		err = fmt.Errorf("refused hello %+v", hello)
	}
	if err != nil {
		g.logf("distributed: rank %d: refused a data connection from %s: %v", g.rank, c.RemoteAddr(), err)
		_ = c.Close()
		return
	}
	g.mu.Lock()
	if g.torn || g.rawIn[hello.Channel] != nil {
		g.mu.Unlock()
		_ = c.Close()
		return
	}
	g.rawIn[hello.Channel] = c
	g.rawN++
	if g.rawN == len(g.rawIn) {
		close(g.rawAll)
	}
	g.mu.Unlock()
}

// connectData dials next's data port once per channel and says hello.
func (g *ringGroup) connectData() error {
	addr := g.dataAddrs[g.next]
	d := net.Dialer{Timeout: g.timeout}
	for j := range g.rawOut {
		c, err := d.DialContext(g.ctx, "tcp", addr)
		if err == nil {
			var b []byte
			if b, err = json.Marshal(linkHello{Session: g.session, From: g.rank, Channel: j}); err == nil {
				err = sendRaw(c, frameHeader{kind: kindHello}, b)
			}
			if err != nil {
				_ = c.Close()
			}
		}
		if err != nil {
			return &PeerError{Rank: g.next, Addr: addr, Op: "connecting the ring", Err: fmt.Errorf("data channel %d: %w", j, err)}
		}
		g.mu.Lock()
		if g.torn {
			g.mu.Unlock()
			_ = c.Close()
			return g.faultErr("connecting the ring")
		}
		g.rawOut[j] = c
		g.mu.Unlock()
	}
	return nil
}

// closeRaw closes the raw connections and the data port (teardown).
func (g *ringGroup) closeRaw() {
	g.mu.Lock()
	conns := append(append([]net.Conn{}, g.rawIn...), g.rawOut...)
	g.mu.Unlock()
	if g.dlis != nil {
		_ = g.dlis.Close()
	}
	for _, c := range conns {
		if c != nil {
			_ = c.Close()
		}
	}
}

// rawAdd reads n bytes of float32 values from r and adds them into dst.
func rawAdd(r io.Reader, dst []float32, n int, scratch []byte) error {
	if n != 4*len(dst) {
		return fmt.Errorf("chunk of %d bytes for %d values", n, len(dst))
	}
	for len(dst) > 0 {
		k := min(len(scratch)/4, len(dst))
		b := scratch[:4*k]
		if _, err := io.ReadFull(r, b); err != nil {
			return err
		}
		vec.AddBytes(dst[:k], b)
		dst = dst[k:]
	}
	return nil
}
