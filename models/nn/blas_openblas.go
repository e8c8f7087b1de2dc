//go:build openblas

package nn

/*
#cgo LDFLAGS: -lopenblas
void openblas_set_num_threads(int num_threads);
*/
import "C"

import (
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

// Importing this package with the openblas tag routes both Gorgonia's GEMMs
// and this package's through OpenBLAS.
func init() {
	blas32.Use(netlib.Implementation{})
	G.Use(netlib.Implementation{})
}

// BLAS names the BLAS implementation the GEMMs use.
func BLAS() string { return "openblas" }

// SetThreads sets the number of OpenBLAS threads. On two cores the fastest
// setting measured is GOMAXPROCS=1 with 2 OpenBLAS threads.
func SetThreads(n int) {
	if n < 1 {
		n = 1
	}
	C.openblas_set_num_threads(C.int(n))
}
