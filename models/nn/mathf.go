package nn

import "math"

// expf is exp for float32, accurate to about 2 ulp: x = n·ln2 + r with
// |r| ≤ ln2/2, e^r from a degree-6 polynomial, 2^n put in the exponent bits.
// Inputs below -87.3 give 0 (the float32 normal range), above 88.7 give +Inf.
func expf(x float32) float32 {
	if x < -87.33654 {
		return 0
	}
	if x > 88.72283 {
		return float32(math.Inf(1))
	}
	const (
		log2e = 1.44269504088896341
		ln2hi = 0.693359375
		ln2lo = -2.12194440e-4
	)
	fn := x*log2e + 0.5
	n := int32(fn)
	if fn < 0 && float32(n) != fn {
		n-- // floor
	}
	nf := float32(n)
	r := x - nf*ln2hi - nf*ln2lo
	// Cephes expf polynomial for e^r - 1 - r on [-ln2/2, ln2/2].
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	e := p*r*r + r + 1
	// 2^n may need two steps near the range ends (n in [-126, 128]).
	if n < -125 {
		return e * math.Float32frombits(uint32(n+127+64)<<23) * (1.0 / (1 << 32) / (1 << 32))
	}
	if n > 127 {
		return e * math.Float32frombits(uint32(n+127-1)<<23) * 2
	}
	return e * math.Float32frombits(uint32(n+127)<<23)
}

// expNeg is expf for x ≤ 0 (softmax after subtracting the row maximum, the
// Gaussian in GELU's derivative), without expf's data-dependent branches
// except the underflow clamp: rounding n = round(x·log2e) is a truncation
// because x·log2e - 0.5 is negative, and 2^n is a normal float32.
func expNeg(x float32) float32 {
	const (
		log2e = 1.44269504088896341
		ln2hi = 0.693359375
		ln2lo = -2.12194440e-4
	)
	if x < -87.33654 {
		return 0
	}
	n := int32(x*log2e - 0.5)
	r := x - float32(n)*ln2hi - float32(n)*ln2lo
	p := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r + 5.0000001201e-1
	return ((p*r+1)*r + 1) * math.Float32frombits(uint32(n+127)<<23)
}

// expSubSumGo sets dst = exp(src - m) for src ≤ m and returns Σ dst.
func expSubSumGo(dst, src []float32, m float32) float32 {
	src = src[:len(dst)]
	for i, e := range src {
		dst[i] = expNeg(e - m)
	}
	return sum(dst)
}

// Coefficients of erff's rational approximation (Eigen's
// generic_fast_erf_float): erf(x) ≈ x·P(x²)/Q(x²) on [-4, 4].
const (
	erfP6 = -2.72614225801306e-10
	erfP5 = 2.77068142495902e-08
	erfP4 = -2.10102402082508e-06
	erfP3 = -5.69250639462346e-05
	erfP2 = -7.34990630326855e-04
	erfP1 = -2.95459980854025e-03
	erfP0 = -1.60960333262415e-02
	erfQ4 = -1.45660718464996e-05
	erfQ3 = -2.13374055278905e-04
	erfQ2 = -1.68282697438203e-03
	erfQ1 = -7.37332916720468e-03
	erfQ0 = -1.42647390514189e-02
)

// erff is erf for float32: Eigen's rational approximation (odd degree-13
// numerator over even degree-8 denominator), clamped to ±4 where erf is ±1 in
// float32. Absolute error is below 5e-7 everywhere (tested). The GELU loops
// repeat this body inline: the call does not inline.
func erff(x float32) float32 {
	x = clamp4(x)
	x2 := x * x
	p := ((((((erfP6*x2+erfP5)*x2+erfP4)*x2+erfP3)*x2+erfP2)*x2+erfP1)*x2 + erfP0) * x
	q := (((erfQ4*x2+erfQ3)*x2+erfQ2)*x2+erfQ1)*x2 + erfQ0
	return p / q
}

// clamp4 clamps x to [-4, 4]. The builtin min and max are slower here: they
// must order NaNs and signed zeros.
func clamp4(x float32) float32 {
	if x > 4 {
		return 4
	}
	if x < -4 {
		return -4
	}
	return x
}

// geluForwardGo sets y = 0.5·x·(1 + erf(x/√2)).
func geluForwardGo(y, x []float32) {
	x = x[:len(y)]
	for i, xi := range x {
		t := clamp4(xi * invSqrt2)
		t2 := t * t
		p := ((((((erfP6*t2+erfP5)*t2+erfP4)*t2+erfP3)*t2+erfP2)*t2+erfP1)*t2 + erfP0) * t
		q := (((erfQ4*t2+erfQ3)*t2+erfQ2)*t2+erfQ1)*t2 + erfQ0
		y[i] = 0.5 * xi * (1 + p/q)
	}
}

// geluBackwardGo sets d = dy·(Φ(x) + x·φ(x)), the derivative of the exact GELU.
func geluBackwardGo(d, x, dy []float32) {
	x, dy = x[:len(d)], dy[:len(d)]
	for i, xi := range x {
		t := clamp4(xi * invSqrt2)
		t2 := t * t
		p := ((((((erfP6*t2+erfP5)*t2+erfP4)*t2+erfP3)*t2+erfP2)*t2+erfP1)*t2 + erfP0) * t
		q := (((erfQ4*t2+erfQ3)*t2+erfQ2)*t2+erfQ1)*t2 + erfQ0
		cdf := 0.5 * (1 + p/q)
		pdf := invSqrt2Pi * expNeg(-0.5*xi*xi)
		d[i] = dy[i] * (cdf + xi*pdf)
	}
}
