//go:build amd64 && !purego

package nn

import "golang.org/x/sys/cpu"

// haveAVX2FMA selects the vector GELU kernels; it is fixed at start-up.
var haveAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func geluFwdAVX2(y, x *float32, n int)

//go:noescape
func geluBwdAVX2(d, x, dy *float32, n int)

//go:noescape
func maskMulAVX2(dst, src *float32, mask *uint8, n int, scale float32)

//go:noescape
func expSubSumAVX2(dst, src *float32, n int, m float32) float32

// geluForward sets y = GELU(x), eight lanes at a time where the CPU allows.
func geluForward(y, x []float32) {
	x = x[:len(y)]
	n := len(y) &^ 7
	if haveAVX2FMA && n > 0 {
		geluFwdAVX2(&y[0], &x[0], n)
		y, x = y[n:], x[n:]
	}
	geluForwardGo(y, x)
}

// geluBackward sets d = dy·GELU'(x), eight lanes at a time where the CPU allows.
func geluBackward(d, x, dy []float32) {
	x, dy = x[:len(d)], dy[:len(d)]
	n := len(d) &^ 7
	if haveAVX2FMA && n > 0 {
		geluBwdAVX2(&d[0], &x[0], &dy[0], n)
		d, x, dy = d[n:], x[n:], dy[n:]
	}
	geluBackwardGo(d, x, dy)
}

// expSubSum sets dst = exp(src - m) (src ≤ m) and returns Σ dst.
func expSubSum(dst, src []float32, m float32) float32 {
	src = src[:len(dst)]
	n := len(dst) &^ 7
	var s float32
	if haveAVX2FMA && n > 0 {
		s = expSubSumAVX2(&dst[0], &src[0], n, m)
		dst, src = dst[n:], src[n:]
	}
	return s + expSubSumGo(dst, src, m)
}

// maskMul sets dst = src·sc[mask] (dropout's forward and backward).
func maskMul(dst, src []float32, mask []uint8, sc maskScale) {
	src, mask = src[:len(dst)], mask[:len(dst)]
	n := len(dst) &^ 7
	if haveAVX2FMA && n > 0 {
		maskMulAVX2(&dst[0], &src[0], &mask[0], n, sc[1])
		dst, src, mask = dst[n:], src[n:], mask[n:]
	}
	maskMulGo(dst, src, mask, sc)
}
