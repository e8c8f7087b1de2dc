//go:build !openblas

package nn

// BLAS names the BLAS implementation the GEMMs use.
func BLAS() string { return "gonum (pure Go, slower)" }

// SetThreads sets the number of OpenBLAS threads; without the openblas build
// tag it does nothing (gonum's Go BLAS schedules goroutines by GOMAXPROCS).
func SetThreads(n int) {}

// withBLASThreads runs f: gonum's BLAS has no thread setting.
func withBLASThreads(n int, f func()) { f() }
