//go:build !unix

package launch

import (
	"os"
	"os/exec"
	"syscall"
)

// ownProcessGroup is a no-op where there are no process groups.
func ownProcessGroup(*exec.Cmd) {}

// signalGroup stops the worker itself: without Unix signals, SIGTERM and SIGKILL are both a kill.
func signalGroup(p *os.Process, _ syscall.Signal) error { return p.Kill() }

func describeExit(ps *os.ProcessState) (code int, signal string) { return ps.ExitCode(), "" }
