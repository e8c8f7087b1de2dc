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
