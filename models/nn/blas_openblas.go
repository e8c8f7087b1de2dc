//go:build openblas

package nn

import "github.com/hftrain/hftrain/models/nn/internal/openblas"

// BLAS names the BLAS implementation the GEMMs use.
func BLAS() string { return "openblas" }

// SetThreads sets the number of OpenBLAS threads. On two cores the fastest
// setting measured is GOMAXPROCS=1 with 2 OpenBLAS threads: never let Go and
// OpenBLAS both run 2 threads.
func SetThreads(n int) { openblas.SetThreads(n) }

// withBLASThreads runs f with at most n OpenBLAS threads and restores the
// previous number. Attention's per-head GEMMs (S×S×d) are too small to gain
// from a second thread, which only adds hand-off and spinning.
func withBLASThreads(n int, f func()) {
	prev := openblas.Threads()
	if prev <= n {
		f()
		return
	}
	openblas.SetThreads(n)
	defer openblas.SetThreads(prev)
	f()
}
