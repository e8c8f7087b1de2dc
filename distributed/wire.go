package distributed

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/mem"
)

// The ring's wire format. Every gRPC message on a ring stream is one frame: a fixed 27-byte
// header, then the payload as raw bytes (float32 values in native byte order for an all-reduce).
// No protobuf: frameCodec hands the payload to gRPC by reference and hands received payloads
// back as gRPC's own pooled buffers, which the reduction reads in place.
//
// 27 bytes, because gRPC prefixes each message with 5: the payload then starts 32 bytes into
// the stream of the message, so floats stay 4-byte aligned in the 16 KiB frame buffers and
// rarely straddle two of them.
const frameHeaderLen = 27

// frameKind says what a frame carries.
type frameKind uint8

const (
	kindData      frameKind = 1 + iota // a chunk of a collective
	kindAck                            // every chunk of collective seq arrived (receiver to sender)
	kindHello                          // first frame of a stream: who is calling, for which world (JSON)
	kindWelcome                        // the server accepted the hello (JSON answer on the rendezvous)
	kindHeartbeat                      // I am alive
	kindAbort                          // the group failed; payload names the culprit (JSON abortNote)
	kindBye                            // the sender is closing the group (on the response side, to prev)
)

// opCode names a collective in data frames, so that ranks that call different collectives, or
// the same one with different lengths, fail instead of mixing data.
type opCode uint8

const (
	opAllReduce opCode = 1 + iota
	opBroadcast
	opAllGather
	opBarrier
)

func (o opCode) String() string {
	switch o {
	case opAllReduce:
		return "all-reduce"
	case opBroadcast:
		return "broadcast"
	case opAllGather:
		return "all-gather"
	case opBarrier:
		return "barrier"
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

// frameHeader is the fixed part of every frame.
type frameHeader struct {
	kind  frameKind
	op    opCode
	seq   uint64 // collective number, from 0
	total uint64 // length of the collective's buffer in bytes (all-reduce, broadcast)
	index uint32 // chunk number within the channel's schedule
	aux   uint32 // broadcast root; hello channel
}

func (h *frameHeader) put(b []byte) {
	_ = b[frameHeaderLen-1]
	b[0], b[1], b[2] = byte(h.kind), byte(h.op), 0
	binary.LittleEndian.PutUint64(b[3:], h.seq)
	binary.LittleEndian.PutUint64(b[11:], h.total)
	binary.LittleEndian.PutUint32(b[19:], h.index)
	binary.LittleEndian.PutUint32(b[23:], h.aux)
}

func (h *frameHeader) parse(b []byte) {
	_ = b[frameHeaderLen-1]
	h.kind, h.op = frameKind(b[0]), opCode(b[1])
	h.seq = binary.LittleEndian.Uint64(b[3:])
	h.total = binary.LittleEndian.Uint64(b[11:])
	h.index = binary.LittleEndian.Uint32(b[19:])
	h.aux = binary.LittleEndian.Uint32(b[23:])
}

// outFrame is a frame to send. The payload is referenced, not copied: the caller keeps it
// unchanged until the receiver has acknowledged it (see the ack in ring.go).
type outFrame struct {
	hdr     [frameHeaderLen]byte
	payload []byte
}

func newOutFrame(h frameHeader, payload []byte) *outFrame {
	f := &outFrame{payload: payload}
	h.put(f.hdr[:])
	return f
}

// inFrame is a received frame. Its payload stays in gRPC's receive buffers until release.
type inFrame struct {
	hdr  frameHeader
	bufs mem.BufferSlice // the whole message, header included
	n    int             // payload length
}

// each calls fn with the payload's pieces in order.
func (f *inFrame) each(fn func(p []byte) bool) {
	skip := frameHeaderLen
	for _, b := range f.bufs {
		p := b.ReadOnlyData()
		if skip >= len(p) {
			skip -= len(p)
			continue
		}
		if !fn(p[skip:]) {
			return
		}
		skip = 0
	}
}

// copyTo copies the payload into dst (len(dst) == f.n).
func (f *inFrame) copyTo(dst []byte) {
	f.each(func(p []byte) bool {
		dst = dst[copy(dst, p):]
		return true
	})
}

// bytes returns a copy of the payload.
func (f *inFrame) bytes() []byte {
	b := make([]byte, f.n)
	f.copyTo(b)
	return b
}

// release gives the payload's buffers back to gRPC's pool.
func (f *inFrame) release() {
	f.bufs.Free()
	f.bufs = nil
}

// frameCodec is the gRPC codec of the ring streams, installed per connection with
// grpc.ForceCodecV2 / grpc.ForceServerCodecV2 (never registered globally).
type frameCodec struct{}

func (frameCodec) Name() string { return "hftrain-ring" }

func (frameCodec) Marshal(v any) (mem.BufferSlice, error) {
	f, ok := v.(*outFrame)
	if !ok {
		return nil, fmt.Errorf("distributed: frame codec cannot marshal %T", v)
	}
	if len(f.payload) == 0 {
		return mem.BufferSlice{mem.SliceBuffer(f.hdr[:])}, nil
	}
	return mem.BufferSlice{mem.SliceBuffer(f.hdr[:]), mem.SliceBuffer(f.payload)}, nil
}

func (frameCodec) Unmarshal(data mem.BufferSlice, v any) error {
	f, ok := v.(*inFrame)
	if !ok {
		return fmt.Errorf("distributed: frame codec cannot unmarshal into %T", v)
	}
	n := data.Len()
	if n < frameHeaderLen {
		return fmt.Errorf("distributed: frame of %d bytes is shorter than its header", n)
	}
	var hdr [frameHeaderLen]byte
	rest := hdr[:]
	for _, b := range data {
		rest = rest[copy(rest, b.ReadOnlyData()):]
		if len(rest) == 0 {
			break
		}
	}
	f.hdr.parse(hdr[:])
	f.n = n - frameHeaderLen
	data.Ref() // gRPC frees its reference when Unmarshal returns; ours lasts until release
	f.bufs = data
	return nil
}

// framePool is the gRPC buffer pool of the ring connections: gRPC reads every HTTP/2 DATA
// frame (at most 16 KiB) into a buffer from it. Unlike gRPC's default pool it does not zero a
// buffer it hands out (that costs a pass over every received byte); the buffers are filled by
// the read before anyone looks at them. Each group has its own.
//
// Because gRPC takes a buffer for every DATA frame it reads, Get also stamps heard: bytes are
// arriving from the peer even while a large message is still incomplete, so a slow but live
// neighbour is never mistaken for a silent one. The server side (frames from prev) and the
// client side (frames from next) have a pool each.
type framePool struct {
	p     sync.Pool
	heard *atomic.Int64 // unix nanoseconds of the last frame read
}

const framePoolSize = 16 << 10

func (fp *framePool) Get(n int) *[]byte {
	if fp.heard != nil {
		fp.heard.Store(time.Now().UnixNano())
	}
	if n <= framePoolSize {
		if b, ok := fp.p.Get().(*[]byte); ok {
			*b = (*b)[:n]
			return b
		}
		b := make([]byte, n, framePoolSize)
		return &b
	}
	b := make([]byte, n)
	return &b
}

func (fp *framePool) Put(b *[]byte) {
	if cap(*b) == framePoolSize {
		fp.p.Put(b)
	}
}

// decodeJSON checks that f is a frame of kind k and decodes its JSON payload into v.
func (f *inFrame) decodeJSON(k frameKind, v any) error {
	if f.hdr.kind != k {
		return fmt.Errorf("distributed: expected a frame of kind %d, got kind %d", k, f.hdr.kind)
	}
	if err := json.Unmarshal(f.bytes(), v); err != nil {
		return fmt.Errorf("distributed: bad frame payload: %w", err)
	}
	return nil
}

// sender is a gRPC stream's send side (client or server).
type sender interface{ SendMsg(m any) error }

// sendJSON sends a frame of kind k whose payload is v as JSON.
func sendJSON(s sender, k frameKind, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.SendMsg(newOutFrame(frameHeader{kind: k}, b))
}
