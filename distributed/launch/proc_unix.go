//go:build unix

package launch

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// ownProcessGroup puts the worker in a process group of its own, so that signals reach the
// children it starts too, and a Ctrl-C on the terminal reaches only the launcher (which then stops
// the workers in order) rather than every process at once.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// signalGroup sends sig to the worker's process group; a group that is gone already is not an
// error.
func signalGroup(p *os.Process, sig syscall.Signal) error {
	err := syscall.Kill(-p.Pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// describeExit says how a worker ended: its exit code, or the signal that killed it
// (code -N, as torchrun reports it, and the signal's name).
func describeExit(ps *os.ProcessState) (code int, signal string) {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		sig := ws.Signal()
		name := unix.SignalName(sig)
		if name == "" {
			name = fmt.Sprintf("signal %d", int(sig))
		}
		return -int(sig), name
	}
	return ps.ExitCode(), ""
}
