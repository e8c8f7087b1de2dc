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
func sumAVX2(x *float32, n int) float32

//go:noescape
func sumSqDevAVX2(x *float32, n int, m float32) float32

//go:noescape
func dotAVX2(a, b *float32, n int) float32

//go:noescape
func addAVX2(y, a, b *float32, n int)

//go:noescape
func normAffineAVX2(y, x, gamma, beta *float32, n int, mean, rstd float32)

//go:noescape
func lnBackward1AVX2(xhat, x, dy, gamma, dgamma, dbeta *float32, n int, mean, rstd float32) (sg, sgx float32)

//go:noescape
func lnBackward2AVX2(dx, xhat, dy, gamma *float32, n int, mg, mgx, rstd float32)

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

// vec returns how many leading elements of an n-element loop the vector
// kernels take: a multiple of 8, or 0 without AVX2 and FMA.
func vec(n int) int {
	if !haveAVX2FMA {
		return 0
	}
	return n &^ 7
}

// sum returns Σ x.
func sum(x []float32) float32 {
	n := vec(len(x))
	if n == 0 {
		return sumGo(x)
	}
	return sumAVX2(&x[0], n) + sumGo(x[n:])
}

// sumSqDev returns Σ (x - m)².
func sumSqDev(x []float32, m float32) float32 {
	n := vec(len(x))
	if n == 0 {
		return sumSqDevGo(x, m)
	}
	return sumSqDevAVX2(&x[0], n, m) + sumSqDevGo(x[n:], m)
}

// dot returns Σ a·b over len(a) elements.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	n := vec(len(a))
	if n == 0 {
		return dotGo(a, b)
	}
	return dotAVX2(&a[0], &b[0], n) + dotGo(a[n:], b[n:])
}

// add sets y = a + b.
func add(y, a, b []float32) {
	a, b = a[:len(y)], b[:len(y)]
	if n := vec(len(y)); n > 0 {
		addAVX2(&y[0], &a[0], &b[0], n)
		y, a, b = y[n:], a[n:], b[n:]
	}
	addGo(y, a, b)
}

// normAffine sets y = (x - mean)·rstd·gamma + beta.
func normAffine(y, x, gamma, beta []float32, mean, rstd float32) {
	x, gamma, beta = x[:len(y)], gamma[:len(y)], beta[:len(y)]
	if n := vec(len(y)); n > 0 {
		normAffineAVX2(&y[0], &x[0], &gamma[0], &beta[0], n, mean, rstd)
		y, x, gamma, beta = y[n:], x[n:], gamma[n:], beta[n:]
	}
	normAffineGo(y, x, gamma, beta, mean, rstd)
}

// lnBackward1 is lnBackward1Go, vectorised.
func lnBackward1(xhat, x, dy, gamma, dgamma, dbeta []float32, mean, rstd float32) (sg, sgx float32) {
	m := len(xhat)
	x, dy, gamma, dgamma, dbeta = x[:m], dy[:m], gamma[:m], dgamma[:m], dbeta[:m]
	if n := vec(m); n > 0 {
		sg, sgx = lnBackward1AVX2(&xhat[0], &x[0], &dy[0], &gamma[0], &dgamma[0], &dbeta[0], n, mean, rstd)
		xhat, x, dy, gamma, dgamma, dbeta = xhat[n:], x[n:], dy[n:], gamma[n:], dgamma[n:], dbeta[n:]
	}
	tg, tgx := lnBackward1Go(xhat, x, dy, gamma, dgamma, dbeta, mean, rstd)
	return sg + tg, sgx + tgx
}

// lnBackward2 is lnBackward2Go, vectorised.
func lnBackward2(dx, xhat, dy, gamma []float32, mg, mgx, rstd float32) {
	xhat, dy, gamma = xhat[:len(dx)], dy[:len(dx)], gamma[:len(dx)]
	if n := vec(len(dx)); n > 0 {
		lnBackward2AVX2(&dx[0], &xhat[0], &dy[0], &gamma[0], n, mg, mgx, rstd)
		dx, xhat, dy, gamma = dx[n:], xhat[n:], dy[n:], gamma[n:]
	}
	lnBackward2Go(dx, xhat, dy, gamma, mg, mgx, rstd)
}
