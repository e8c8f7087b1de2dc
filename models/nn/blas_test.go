package nn

import (
	"fmt"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
)

func TestBLASSelection(t *testing.T) {
	impl := fmt.Sprintf("%T", blas32.Implementation())
	t.Logf("BLAS() = %q, blas32 implementation %s", BLAS(), impl)
	want := "gonum."
	if BLAS() == "openblas" {
		want = "netlib."
	}
	if !strings.HasPrefix(impl, want) {
		t.Errorf("BLAS() = %q but blas32 uses %s", BLAS(), impl)
	}
	SetThreads(1)
	// A strided GEMM through the selected BLAS: c = a·bᵀ on sub-matrices.
	a := []float32{1, 2, 9, 3, 4, 9} // [2, 2] with stride 3
	b := []float32{5, 6, 9, 7, 8, 9} // [2, 2] with stride 3
	c := []float32{0, 0, 0, 0}       // [2, 2]
	gemm(false, true, 2, 2, 2, 1, a, 3, b, 3, 0, c, 2)
	want32 := []float32{17, 23, 39, 53}
	for i := range c {
		if c[i] != want32[i] {
			t.Fatalf("gemm = %v, want %v", c, want32)
		}
	}
}
