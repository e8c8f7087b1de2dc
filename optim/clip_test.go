package optim

import (
	"math"
	"testing"
)

func TestClipGradNorm(t *testing.T) {
	tests := []struct {
		name     string
		grads    [][]float32
		maxNorm  float64
		wantNorm float64
		want     [][]float32 // grads after; nil = unchanged
	}{
		// 3-4-12 triangle: norm 13.
		{"clips to max", [][]float32{{3, 4}, {12}}, 6.5, 13,
			[][]float32{{float32(3 * (6.5 / (13 + 1e-6))), float32(4 * (6.5 / (13 + 1e-6)))}, {float32(12 * (6.5 / (13 + 1e-6)))}}},
		{"below max", [][]float32{{3, 4}, {12}}, 20, 13, nil},
		{"exactly at max is not scaled", [][]float32{{3, 4}}, 5 + 1e-6, 5, nil},
		{"zero max disables clipping", [][]float32{{3, 4}}, 0, 5, nil},
		{"negative max disables clipping", [][]float32{{3, 4}}, -1, 5, nil},
		{"no params", nil, 1, 0, nil},
		{"empty grads", [][]float32{{}, {}}, 1, 0, nil},
		{"inf grad left alone", [][]float32{{float32(math.Inf(1)), 1}}, 1, math.Inf(1), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := make([]Param, len(tt.grads))
			for i, g := range tt.grads {
				ps[i] = Param{Name: "p", Data: make([]float32, len(g)), Grad: append([]float32(nil), g...)}
			}
			got := ClipGradNorm(ps, tt.maxNorm)
			if got != tt.wantNorm && math.Abs(got-tt.wantNorm) > 1e-12*tt.wantNorm {
				t.Errorf("norm %v, want %v", got, tt.wantNorm)
			}
			want := tt.want
			if want == nil {
				want = tt.grads
			}
			for i := range ps {
				for j := range ps[i].Grad {
					if ps[i].Grad[j] != want[i][j] {
						t.Errorf("grad[%d][%d] = %v, want %v", i, j, ps[i].Grad[j], want[i][j])
					}
				}
			}
		})
	}
}

func TestClipGradNormNaN(t *testing.T) {
	ps := []Param{{Name: "p", Data: make([]float32, 2), Grad: []float32{float32(math.NaN()), 1}}}
	if got := ClipGradNorm(ps, 1); !math.IsNaN(got) {
		t.Fatalf("norm %v, want NaN", got)
	}
	if ps[0].Grad[1] != 1 {
		t.Fatalf("a NaN norm scaled the gradients: %v", ps[0].Grad)
	}
}

// TestSumSquaresAccuracy checks the float64 accumulation against a naive sum over a
// length that exercises the unrolled loop and its tail.
func TestSumSquaresAccuracy(t *testing.T) {
	for _, n := range []int{0, 1, 3, 4, 5, 1001} {
		x := make([]float32, n)
		var want float64
		for i := range x {
			x[i] = float32(i%7) - 3.25
			want += float64(x[i]) * float64(x[i])
		}
		if got := sumSquares(x); math.Abs(got-want) > 1e-12*want {
			t.Errorf("n=%d: %v, want %v", n, got, want)
		}
	}
}
