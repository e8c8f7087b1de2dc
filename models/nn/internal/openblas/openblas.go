//go:build openblas

package openblas

/*
#cgo LDFLAGS: -lopenblas
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
*/
import "C"

import (
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

// Importing this package with the openblas tag routes both Gorgonia's GEMMs
// and models/nn's through OpenBLAS.
func init() {
	blas32.Use(netlib.Implementation{})
	G.Use(netlib.Implementation{})
}

// SetThreads sets the number of OpenBLAS threads (at least 1).
func SetThreads(n int) {
	C.openblas_set_num_threads(C.int(max(n, 1)))
}

// Threads returns the number of OpenBLAS threads.
func Threads() int { return int(C.openblas_get_num_threads()) }
