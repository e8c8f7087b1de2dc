package launch

import (
	"fmt"
	"strings"
	"time"
)

// ExitError reports the worker whose failure ended a group: the first to exit non-zero or be
// killed by a signal (the "root cause" of torchrun's ChildFailedError).
type ExitError struct {
	Rank, LocalRank int
	PID             int
	ExitCode        int    // the exit status, or -N when signal N killed it (as torchrun shows it)
	Signal          string // the signal's name ("SIGKILL") when one killed it, else ""
	Time            time.Time
	Host            string
	LastLine        string   // the last non-blank line it wrote to stderr
	Stopped         int      // the other workers still running, which the launcher then stopped
	Restart         int      // the group's TORCHELASTIC_RESTART_COUNT
	Others          []string // how each stopped worker ended
}

// status says how the worker ended: "exited with status 1", "was killed by SIGKILL".
func (e *ExitError) status() string {
	if e.Signal != "" {
		return "was killed by " + e.Signal
	}
	return fmt.Sprintf("exited with status %d", e.ExitCode)
}

// Error reads "launch: rank 1 (pid 1234) exited with status 1; stopped the other 1 worker;
// last line on stderr: ...".
func (e *ExitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "launch: rank %d (pid %d) %s", e.Rank, e.PID, e.status())
	if e.Stopped > 0 {
		fmt.Fprintf(&b, "; stopped the other %d worker%s", e.Stopped, plural(e.Stopped))
	}
	if e.LastLine != "" {
		fmt.Fprintf(&b, "; last line on stderr: %s", e.LastLine)
	}
	return b.String()
}

// Summary is the failure in the layout of torchrun's ChildFailedError report, for the log.
func (e *ExitError) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "launch: worker group failed (restart count %d)\n", e.Restart)
	b.WriteString("  root cause (first observed failure):\n")
	fmt.Fprintf(&b, "    time      : %s\n", e.Time.Format("2006-01-02_15:04:05"))
	fmt.Fprintf(&b, "    host      : %s\n", e.Host)
	fmt.Fprintf(&b, "    rank      : %d (local_rank: %d)\n", e.Rank, e.LocalRank)
	code := fmt.Sprint(e.ExitCode)
	if e.Signal != "" {
		code += " (" + e.Signal + ")"
	}
	fmt.Fprintf(&b, "    exitcode  : %s (pid: %d)\n", code, e.PID)
	last := e.LastLine
	if last == "" {
		last = "<none>"
	}
	fmt.Fprintf(&b, "    last line : %s\n", last)
	if len(e.Others) == 0 {
		b.WriteString("  other workers: <none stopped>")
	} else {
		b.WriteString("  other workers (stopped by the launcher):")
		for _, o := range e.Others {
			b.WriteString("\n    " + o)
		}
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
