package main

import (
	"fmt"
	"runtime"

	"github.com/hftrain/hftrain/models/nn"
)

// setupThreads applies num_threads (0 = every core). With OpenBLAS the measured best setting on
// few cores is one Go thread and n BLAS threads: Go's scheduler and OpenBLAS's pool spinning on the
// same cores run 1.6-1.8x slower (see the README's performance section). It returns a description.
func setupThreads(n int) string {
	if n <= 0 {
		n = runtime.NumCPU()
	}
	blas := nn.BLAS()
	if blas == "openblas" {
		runtime.GOMAXPROCS(1)
		nn.SetThreads(n)
		return fmt.Sprintf("BLAS %s, %d threads", blas, n)
	}
	runtime.GOMAXPROCS(n)
	return fmt.Sprintf("BLAS %s (build with `make build` for OpenBLAS), %d threads", blas, n)
}
