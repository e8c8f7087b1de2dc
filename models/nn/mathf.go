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

// erff is erf for float32: Eigen's rational approximation (odd degree-13
// numerator over even degree-8 denominator), clamped to ±4 where erf is ±1 in
// float32. Absolute error is below 5e-7 everywhere (tested).
func erff(x float32) float32 {
	if x > 4 {
		x = 4
	} else if x < -4 {
		x = -4
	}
	x2 := x * x
	p := float32(-2.72614225801306e-10)
	p = p*x2 + 2.77068142495902e-08
	p = p*x2 - 2.10102402082508e-06
	p = p*x2 - 5.69250639462346e-05
	p = p*x2 - 7.34990630326855e-04
	p = p*x2 - 2.95459980854025e-03
	p = p*x2 - 1.60960333262415e-02
	p *= x
	q := float32(-1.45660718464996e-05)
	q = q*x2 - 2.13374055278905e-04
	q = q*x2 - 1.68282697438203e-03
	q = q*x2 - 7.37332916720468e-03
	q = q*x2 - 1.42647390514189e-02
	return p / q
}
