//go:build !amd64 || purego

package nn

// haveAVX2FMA is false: there are no vector kernels on this build.
const haveAVX2FMA = false

// geluForward sets y = GELU(x).
func geluForward(y, x []float32) { geluForwardGo(y, x) }

// geluBackward sets d = dy·GELU'(x).
func geluBackward(d, x, dy []float32) { geluBackwardGo(d, x, dy) }

// expSubSum sets dst = exp(src - m) (src ≤ m) and returns Σ dst.
func expSubSum(dst, src []float32, m float32) float32 { return expSubSumGo(dst, src, m) }

// maskMul sets dst = src·sc[mask] (dropout's forward and backward).
func maskMul(dst, src []float32, mask []uint8, sc maskScale) { maskMulGo(dst, src, mask, sc) }
