package nn

// The reductions below keep four partial sums: a single float32 accumulator
// makes every addition wait for the previous one (a 4-cycle latency chain),
// while four independent chains keep the adder busy.

// sumGo returns Σ x.
func sumGo(x []float32) float32 {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		s0 += v[0]
		s1 += v[1]
		s2 += v[2]
		s3 += v[3]
	}
	for ; i < len(x); i++ {
		s0 += x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// sumSqDevGo returns Σ (x - m)².
func sumSqDevGo(x []float32, m float32) float32 {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		d0, d1, d2, d3 := v[0]-m, v[1]-m, v[2]-m, v[3]-m
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < len(x); i++ {
		d := x[i] - m
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

// dotGo returns Σ a·b over len(a) elements.
func dotGo(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		u, v := a[i:i+4:i+4], b[i:i+4:i+4]
		s0 += u[0] * v[0]
		s1 += u[1] * v[1]
		s2 += u[2] * v[2]
		s3 += u[3] * v[3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// addGo sets y = a + b.
func addGo(y, a, b []float32) {
	a, b = a[:len(y)], b[:len(y)]
	for i := range y {
		y[i] = a[i] + b[i]
	}
}

// normAffineGo sets y = (x - mean)·rstd·gamma + beta.
func normAffineGo(y, x, gamma, beta []float32, mean, rstd float32) {
	x, gamma, beta = x[:len(y)], gamma[:len(y)], beta[:len(y)]
	for i, e := range x {
		y[i] = (e-mean)*rstd*gamma[i] + beta[i]
	}
}

// lnBackward1Go is the first pass of a layer-norm row's backward: it sets
// xhat = (x - mean)·rstd (xhat may alias x), adds dy·xhat to dgamma and dy to
// dbeta, and returns Σ dy·γ and Σ dy·γ·xhat.
func lnBackward1Go(xhat, x, dy, gamma, dgamma, dbeta []float32, mean, rstd float32) (sg, sgx float32) {
	x, dy, gamma, dgamma, dbeta = x[:len(xhat)], dy[:len(xhat)], gamma[:len(xhat)], dgamma[:len(xhat)], dbeta[:len(xhat)]
	for i, e := range x {
		xh := (e - mean) * rstd
		xhat[i] = xh
		d := dy[i]
		dgamma[i] += d * xh
		dbeta[i] += d
		g := d * gamma[i]
		sg += g
		sgx += g * xh
	}
	return sg, sgx
}

// lnBackward2Go is the second pass: dx = (dy·γ - mg - xhat·mgx)·rstd (dx may
// alias xhat).
func lnBackward2Go(dx, xhat, dy, gamma []float32, mg, mgx, rstd float32) {
	xhat, dy, gamma = xhat[:len(dx)], dy[:len(dx)], gamma[:len(dx)]
	for i, xh := range xhat {
		dx[i] = (dy[i]*gamma[i] - mg - xh*mgx) * rstd
	}
}
