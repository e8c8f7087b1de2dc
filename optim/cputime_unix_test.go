//go:build unix

package optim

import (
	"syscall"
	"time"
)

// processCPU returns the user+system CPU time of the process, which a benchmark can
// report next to wall time on a machine shared with other work.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
