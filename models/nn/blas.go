package nn

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// gemm computes c = alpha*op(a)*op(b) + beta*c on row-major matrices given by
// their data, dimensions and strides. op(a) is m×k and op(b) is k×n.
func gemm(ta, tb bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ar, ac := m, k
	if ta {
		ar, ac = k, m
	}
	br, bc := k, n
	if tb {
		br, bc = n, k
	}
	blas32.Implementation().Sgemm(trans(ta), trans(tb), m, n, k, alpha,
		a[:(ar-1)*lda+ac], lda, b[:(br-1)*ldb+bc], ldb, beta, c[:(m-1)*ldc+n], ldc)
}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}
