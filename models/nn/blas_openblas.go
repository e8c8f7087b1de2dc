//go:build openblas

package nn

import "github.com/hftrain/hftrain/models/nn/internal/openblas"

// BLAS names the BLAS implementation the GEMMs use.
func BLAS() string { return "openblas" }

// SetThreads sets the number of OpenBLAS threads. On two cores the fastest
// setting measured is GOMAXPROCS=1 with 2 OpenBLAS threads: never let Go and
// OpenBLAS both run 2 threads.
func SetThreads(n int) { openblas.SetThreads(n) }
