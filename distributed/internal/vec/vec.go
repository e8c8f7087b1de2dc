// Package vec holds the float32 kernels of the ring all-reduce: adding a received chunk, given as
// raw bytes straight from the network buffers, into a float32 slice, and scaling a slice.
//
// The bytes are native-endian float32 values with no alignment guarantee, so the kernels read
// them with unaligned loads; on amd64 with AVX2 the add runs 32 floats per iteration. Each
// element is computed as dst[i] + src[i] with one IEEE rounding, whichever kernel runs, so every
// rank and every run get the same bits.
package vec

import (
	"encoding/binary"
	"math"
	"unsafe"
)

// AddBytes adds the len(dst) native-endian float32 values in src to dst: dst[i] += src[i]. src
// must hold at least 4*len(dst) bytes.
func AddBytes(dst []float32, src []byte) {
	if len(dst) == 0 {
		return
	}
	if len(src) < 4*len(dst) {
		panic("vec: AddBytes: src shorter than dst")
	}
	addBytes(dst, src[:4*len(dst)])
}

// addGeneric is the portable kernel, unrolled by four.
func addGeneric(dst []float32, src []byte) {
	src = src[:4*len(dst)]
	i := 0
	for ; i+4 <= len(dst); i += 4 {
		d := dst[i : i+4 : i+4]
		s := src[4*i : 4*i+16 : 4*i+16]
		d[0] += math.Float32frombits(binary.NativeEndian.Uint32(s[0:]))
		d[1] += math.Float32frombits(binary.NativeEndian.Uint32(s[4:]))
		d[2] += math.Float32frombits(binary.NativeEndian.Uint32(s[8:]))
		d[3] += math.Float32frombits(binary.NativeEndian.Uint32(s[12:]))
	}
	for ; i < len(dst); i++ {
		dst[i] += math.Float32frombits(binary.NativeEndian.Uint32(src[4*i:]))
	}
}

// Scale multiplies every element of dst by f.
func Scale(dst []float32, f float32) {
	for i := range dst {
		dst[i] *= f
	}
}

// Bytes is the memory of s seen as bytes (no copy).
func Bytes(s []float32) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), 4*len(s))
}

// Adder adds a stream of float32 bytes that arrives in pieces of any length (a float may straddle
// two pieces) into a destination slice, in order.
type Adder struct {
	dst   []float32
	carry [4]byte
	nc    int
}

// Reset starts adding into dst from its first element.
func (a *Adder) Reset(dst []float32) { *a = Adder{dst: dst} }

// Add consumes the next piece of the stream; it returns false when the stream is longer than the
// destination (the excess is ignored).
func (a *Adder) Add(p []byte) bool {
	if a.nc > 0 {
		k := copy(a.carry[a.nc:], p)
		a.nc += k
		p = p[k:]
		if a.nc < 4 {
			return true
		}
		if len(a.dst) == 0 {
			return false
		}
		AddBytes(a.dst[:1], a.carry[:])
		a.dst = a.dst[1:]
		a.nc = 0
	}
	whole := len(p) / 4
	if whole > len(a.dst) {
		AddBytes(a.dst, p)
		a.dst = a.dst[len(a.dst):]
		return false
	}
	AddBytes(a.dst[:whole], p)
	a.dst = a.dst[whole:]
	a.nc = copy(a.carry[:], p[4*whole:])
	return true
}

// Done reports whether the whole destination has been filled and no partial float is pending.
func (a *Adder) Done() bool { return len(a.dst) == 0 && a.nc == 0 }
