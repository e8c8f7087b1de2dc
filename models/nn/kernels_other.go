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

// sum returns Σ x.
func sum(x []float32) float32 { return sumGo(x) }

// sumSqDev returns Σ (x - m)².
func sumSqDev(x []float32, m float32) float32 { return sumSqDevGo(x, m) }

// dot returns Σ a·b over len(a) elements.
func dot(a, b []float32) float32 { return dotGo(a, b) }

// add sets y = a + b.
func add(y, a, b []float32) { addGo(y, a, b) }

// normAffine sets y = (x - mean)·rstd·gamma + beta.
func normAffine(y, x, gamma, beta []float32, mean, rstd float32) {
	normAffineGo(y, x, gamma, beta, mean, rstd)
}

// lnBackward1 is lnBackward1Go.
func lnBackward1(xhat, x, dy, gamma, dgamma, dbeta []float32, mean, rstd float32) (sg, sgx float32) {
	return lnBackward1Go(xhat, x, dy, gamma, dgamma, dbeta, mean, rstd)
}

// lnBackward2 is lnBackward2Go.
func lnBackward2(dx, xhat, dy, gamma []float32, mg, mgx, rstd float32) {
	lnBackward2Go(dx, xhat, dy, gamma, mg, mgx, rstd)
}
