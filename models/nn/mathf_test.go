package nn

import (
	"math"
	"testing"
)

func TestMathfAccuracy(t *testing.T) {
	tests := []struct {
		name   string
		f      func(float32) float32
		ref    func(float64) float64
		lo, hi float64
		rel    bool
		tol    float64
	}{
		{"expf", expf, math.Exp, -87, 88, true, 4e-7},
		{"expf small", expf, math.Exp, -1e-3, 1e-3, true, 2e-7},
		{"expNeg", expNeg, math.Exp, -87.3, 0, true, 4e-7},
		{"expNeg small", expNeg, math.Exp, -1e-3, 0, true, 2e-7},
		{"erff", erff, math.Erf, -6, 6, false, 5e-7},
		{"erff near 0", erff, math.Erf, -1e-2, 1e-2, true, 1e-6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const steps = 200001
			worst, at := 0.0, 0.0
			for i := 0; i < steps; i++ {
				x := float32(tc.lo + (tc.hi-tc.lo)*float64(i)/(steps-1))
				want := tc.ref(float64(x))
				got := float64(tc.f(x))
				d := math.Abs(got - want)
				if tc.rel {
					d /= math.Abs(want)
				}
				if d > worst {
					worst, at = d, float64(x)
				}
			}
			t.Logf("worst error %.3g at x=%g", worst, at)
			if worst > tc.tol {
				t.Errorf("worst error %.3g at x=%g exceeds %.3g", worst, at, tc.tol)
			}
		})
	}
	if got := expf(-100); got != 0 {
		t.Errorf("expf(-100) = %g, want 0", got)
	}
	if got := expNeg(-100); got != 0 {
		t.Errorf("expNeg(-100) = %g, want 0", got)
	}
	if got := expNeg(-math.MaxFloat32); got != 0 {
		t.Errorf("expNeg(-MaxFloat32) = %g, want 0", got)
	}
	if got := expf(100); !math.IsInf(float64(got), 1) {
		t.Errorf("expf(100) = %g, want +Inf", got)
	}
}

// TestGELUKernels checks the GELU loops (vector kernels where the CPU has
// them, the Go loops for the tail) against float64 formulas, for lengths
// that exercise the tail and for extreme inputs.
func TestGELUKernels(t *testing.T) {
	t.Logf("vector kernels: %t", haveAVX2FMA)
	refF := func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }
	refD := func(x float64) float64 {
		return 0.5*(1+math.Erf(x/math.Sqrt2)) + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi)
	}
	special := []float32{0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 3.9, -3.9, 4.1, -4.1, 13, -13, 40, -40, 1e30, -1e30}
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 1000, 1003} {
		x := make([]float32, n)
		dy := make([]float32, n)
		for i := range x {
			x[i] = float32(math.Sin(float64(i)*1.7)) * 7
			dy[i] = float32(math.Cos(float64(i)))
			if i < len(special) && n > 100 {
				x[i] = special[i]
			}
		}
		y := make([]float32, n)
		d := make([]float32, n)
		geluForward(y, x)
		geluBackward(d, x, dy)
		for i, xi := range x {
			xf := float64(xi)
			if e := math.Abs(float64(y[i])-refF(xf)) / max(1, math.Abs(xf)); e > 1e-6 {
				t.Fatalf("n=%d: GELU(%g) = %g, want %g", n, xi, y[i], refF(xf))
			}
			want := float64(dy[i]) * refD(xf)
			if e := math.Abs(float64(d[i]) - want); e > 1e-6 {
				t.Fatalf("n=%d: dy·GELU'(%g) = %g, want %g", n, xi, d[i], want)
			}
		}
	}
	nan := []float32{float32(math.NaN()), 1, 2, 3, 4, 5, 6, 7}
	y := make([]float32, 8)
	geluForward(y, nan)
	if !math.IsNaN(float64(y[0])) {
		t.Errorf("GELU(NaN) = %g, want NaN", y[0])
	}
}

func TestReductions(t *testing.T) {
	for _, n := range []int{0, 1, 3, 4, 5, 8, 13, 256} {
		a := make([]float32, n)
		b := make([]float32, n)
		var ws, wq, wd float64
		for i := range a {
			a[i] = float32(math.Sin(float64(i) + 1))
			b[i] = float32(math.Cos(float64(i) * 3))
			ws += float64(a[i])
			wq += (float64(a[i]) - 0.25) * (float64(a[i]) - 0.25)
			wd += float64(a[i]) * float64(b[i])
		}
		for _, c := range []struct {
			name      string
			got, want float64
		}{
			{"sum", float64(sum(a)), ws},
			{"sumSqDev", float64(sumSqDev(a, 0.25)), wq},
			{"dot", float64(dot(a, b)), wd},
		} {
			if math.Abs(c.got-c.want) > 1e-5*max(1, float64(n)) {
				t.Errorf("n=%d %s = %g, want %g", n, c.name, c.got, c.want)
			}
		}
	}
}

// TestExpSubSum checks softmax's exponentials (vector kernel where the CPU has
// it, Go for the tail) against math.Exp, including masked scores that must
// give exactly 0.
func TestExpSubSum(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 16, 37, 128} {
		src := make([]float32, n)
		m := float32(3)
		for i := range src {
			src[i] = m - float32(i%23)*4.1 // down to about -87
			if i%5 == 4 {
				src[i] += minFloat32 // a masked key
			}
		}
		dst := make([]float32, n)
		got := float64(expSubSum(dst, src, m))
		want := 0.0
		for i, e := range src {
			w := math.Exp(float64(e) - float64(m))
			if i%5 == 4 {
				w = 0
			}
			want += w
			if math.Abs(float64(dst[i])-w) > 4e-7*w+1.2e-38 || (w == 0 && dst[i] != 0) { // subnormals flush to 0
				t.Fatalf("n=%d: exp(%g - %g) = %g, want %g", n, e, m, dst[i], w)
			}
		}
		if math.Abs(got-want) > 1e-6*max(want, 1e-30) {
			t.Errorf("n=%d: sum %g, want %g", n, got, want)
		}
	}
}

func TestMaskMul(t *testing.T) {
	sc := newMaskScale(0.25)
	for _, n := range []int{0, 3, 8, 13, 64} {
		src := make([]float32, n)
		mask := make([]uint8, n)
		for i := range src {
			src[i] = float32(i) - 5.5
			mask[i] = uint8(i % 3 % 2)
		}
		dst := make([]float32, n)
		maskMul(dst, src, mask, sc)
		for i := range dst {
			want := src[i] * float32(mask[i]) / 0.75
			if math.Abs(float64(dst[i]-want)) > 1e-6*math.Abs(float64(want)) {
				t.Fatalf("n=%d: element %d = %g, want %g", n, i, dst[i], want)
			}
		}
		maskMul(src, src, mask, sc) // in place, as the attention backward does
		for i := range src {
			if src[i] != dst[i] {
				t.Fatalf("n=%d: in place element %d = %g, want %g", n, i, src[i], dst[i])
			}
		}
	}
}

// TestRowKernels compares the dispatching row kernels (vector code where the
// CPU has it) with their Go loops, on lengths that exercise the tail.
func TestRowKernels(t *testing.T) {
	near := func(what string, n int, got, want float32, scale float64) {
		t.Helper()
		if math.Abs(float64(got-want)) > 2e-6*max(scale, 1) {
			t.Fatalf("n=%d %s: %g, want %g", n, what, got, want)
		}
	}
	for _, n := range []int{0, 5, 8, 12, 16, 33, 256} {
		mk := func(f func(i int) float64) []float32 {
			d := make([]float32, n)
			for i := range d {
				d[i] = float32(f(i))
			}
			return d
		}
		x := mk(func(i int) float64 { return math.Sin(float64(i)*0.7) * 3 })
		y := mk(func(i int) float64 { return math.Cos(float64(i)*1.3) - 0.2 })
		gm := mk(func(i int) float64 { return 1 + 0.1*float64(i%5) })
		bt := mk(func(i int) float64 { return 0.05 * float64(i%3) })
		fn := float64(n)
		near("sum", n, sum(x), sumGo(x), fn)
		near("sumSqDev", n, sumSqDev(x, 0.3), sumSqDevGo(x, 0.3), 10*fn)
		near("dot", n, dot(x, y), dotGo(x, y), fn)
		a, b := make([]float32, n), make([]float32, n)
		add(a, x, y)
		addGo(b, x, y)
		for i := range a {
			near("add", n, a[i], b[i], 1)
		}
		normAffine(a, x, gm, bt, 0.2, 1.7)
		normAffineGo(b, x, gm, bt, 0.2, 1.7)
		for i := range a {
			near("normAffine", n, a[i], b[i], 10)
		}
		dg1, db1 := mk(func(int) float64 { return 0.5 }), mk(func(int) float64 { return -0.5 })
		dg2, db2 := mk(func(int) float64 { return 0.5 }), mk(func(int) float64 { return -0.5 })
		xh1, xh2 := make([]float32, n), append([]float32(nil), x...)
		sg1, sgx1 := lnBackward1(xh1, x, y, gm, dg1, db1, 0.2, 1.7)
		sg2, sgx2 := lnBackward1Go(xh2, xh2, y, gm, dg2, db2, 0.2, 1.7) // in place
		near("lnBackward1 sg", n, sg1, sg2, fn)
		near("lnBackward1 sgx", n, sgx1, sgx2, 10*fn)
		for i := range xh1 {
			near("lnBackward1 xhat", n, xh1[i], xh2[i], 10)
			near("lnBackward1 dgamma", n, dg1[i], dg2[i], 10)
			near("lnBackward1 dbeta", n, db1[i], db2[i], 1)
		}
		lnBackward2(a, xh1, y, gm, 0.1, -0.3, 1.7)
		lnBackward2Go(xh2, xh2, y, gm, 0.1, -0.3, 1.7) // in place
		for i := range a {
			near("lnBackward2", n, a[i], xh2[i], 10)
		}
	}
}
