package distributed

import (
	"encoding/binary"
	"net"
)

// gatherConn is the TCP connection under a ring link's gRPC transport when write gathering is
// on. gRPC cuts every message into HTTP/2 DATA frames of at most 16 KiB and, with its write
// buffer on, copies each frame into that buffer before a write(2) every 32 KiB or so: for a
// chunk of gradients that is one user-space copy per byte and dozens of system calls per MiB,
// which on a loaded 2-core machine is most of the gap between a gRPC ring and a plain TCP one.
// With gRPC's write buffer off (WriteBufferSize 0) the transport instead writes each frame as
// a 9-byte header followed by its payload pieces, which are slices of the message as the codec
// marshalled it; gatherConn keeps references to those pieces and hands a whole message (up to
// threshold bytes) to the kernel in one writev(2), so the payload is copied once, by the kernel.
//
// Why holding references is safe here: every DATA frame on a ring connection is a frameCodec
// message, whose payload is memory the ring does not touch until the receiver has acknowledged
// it (a chunk of the caller's buffer) or that is never reused (headers, control frames); the
// 9-byte frame header, which gRPC reuses, is copied. Bytes go out in exactly the order they were
// written, so gathering only changes when they leave, never what leaves.
//
// Why it cannot stall: held bytes are flushed at the end of every gRPC message, before any
// non-DATA frame (settings, pings, window updates, headers, resets), and whenever threshold bytes
// are held. A message whose frames stop halfway (flow control) holds at most threshold bytes; the
// flow-control windows are at least 4×threshold, so the receiver has been sent enough to grant
// more window (gRPC grants when a quarter of a window is consumed) and the message completes.
type gatherConn struct {
	net.Conn
	threshold int
	iov       net.Buffers
	arena     []byte // copies of frame headers referenced by iov
	held      int
	frameLeft int    // payload bytes of the current DATA frame still to come
	stream    uint32 // its stream
	endFrame  bool   // flush when the current frame ends
	msgs      map[uint32]*gatherMsg
	direct    bool // the writes stopped following gRPC's pattern: no more gathering
	err       error
}

// gatherMsg tracks where the next gRPC message boundary is on one HTTP/2 stream: each message
// is a 5-byte prefix (flag, big-endian length) and the message.
type gatherMsg struct {
	prefix  [5]byte
	nprefix int
	left    int
}

// http2FrameData is the type byte of an HTTP/2 DATA frame; http2FlagEndStream its END_STREAM flag.
const (
	http2FrameHeaderLen = 9
	http2FrameData      = 0
	http2FlagEndStream  = 1
)

func newGatherConn(c net.Conn, threshold int) *gatherConn {
	return &gatherConn{Conn: c, threshold: threshold, msgs: map[uint32]*gatherMsg{}, arena: make([]byte, 0, 1024)}
}

// Write implements net.Conn.
func (c *gatherConn) Write(b []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n := len(b)
	switch {
	case c.direct:
	case c.frameLeft > 0 && len(b) > c.frameLeft:
		c.direct = true // a frame longer than its header said: stop interpreting
	case c.frameLeft > 0:
		c.iov = append(c.iov, b)
		c.held += len(b)
		c.frameLeft -= len(b)
		c.track(b)
		if c.frameLeft == 0 && (c.endFrame || c.held >= c.threshold) {
			return n, c.flush()
		}
		return n, nil
	case c.frameLeft == 0 && len(b) == http2FrameHeaderLen && b[3] == http2FrameData:
		length := int(b[0])<<16 | int(b[1])<<8 | int(b[2])
		if length == 0 {
			break
		}
		if cap(c.arena)-len(c.arena) < len(b) {
			c.arena = make([]byte, 0, 1024) // the old one stays alive through iov
		}
		s := len(c.arena)
		c.arena = append(c.arena, b...)
		c.iov = append(c.iov, c.arena[s:len(c.arena):len(c.arena)])
		c.held += len(b)
		c.frameLeft = length
		c.stream = binary.BigEndian.Uint32(b[5:]) & 0x7fffffff
		c.endFrame = b[4]&http2FlagEndStream != 0
		return n, nil
	}
	// Anything else (a whole control frame, an empty DATA frame, a write after the pattern
	// broke) goes out now, after what is held, and is not retained.
	c.frameLeft = 0
	c.iov = append(c.iov, b)
	return n, c.flush()
}

// track advances the message boundary of the current stream over a payload piece.
func (c *gatherConn) track(b []byte) {
	m := c.msgs[c.stream]
	if m == nil {
		m = &gatherMsg{}
		c.msgs[c.stream] = m
	}
	for len(b) > 0 {
		if m.nprefix < len(m.prefix) {
			k := copy(m.prefix[m.nprefix:], b)
			m.nprefix += k
			b = b[k:]
			if m.nprefix < len(m.prefix) {
				continue
			}
			m.left = int(binary.BigEndian.Uint32(m.prefix[1:]))
		} else {
			k := min(len(b), m.left)
			m.left -= k
			b = b[k:]
		}
		if m.nprefix == len(m.prefix) && m.left == 0 {
			m.nprefix = 0
			c.endFrame = true // a message ended in this frame
		}
	}
}

// flush writes everything held with one writev.
func (c *gatherConn) flush() error {
	c.endFrame = false
	if len(c.iov) == 0 {
		return nil
	}
	bufs := c.iov // WriteTo consumes its receiver; keep c.iov's backing array
	_, err := bufs.WriteTo(c.Conn)
	clear(c.iov)
	c.iov = c.iov[:0]
	c.arena = c.arena[:0]
	c.held = 0
	if err != nil {
		c.err = err
	}
	return err
}

// gatherListener wraps the connections a ring's data server accepts in gatherConns.
type gatherListener struct {
	net.Listener
	threshold int
}

func (l gatherListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newGatherConn(c, l.threshold), nil
}
