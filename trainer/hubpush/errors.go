package hubpush

import (
	"fmt"
	"strings"
)

// PushError is the error of a final push that failed: the output folder is intact and can
// be pushed by hand.
type PushError struct {
	RepoID   string // the repository pushed to
	Revision string // the branch pushed to
	Dir      string // output_dir, left as it was
	Attempts int    // attempts made (0 when none could start)
	Err      error  // the last attempt's error
}

// Error says which folder could not be pushed where, and why.
func (e *PushError) Error() string {
	return fmt.Sprintf("hubpush: the final push of %s to %s failed: %v", e.Dir, e.RepoID, e.Err)
}

// Unwrap returns the last attempt's error, so errors.Is sees the hub sentinels.
func (e *PushError) Unwrap() error { return e.Err }

// Hint tells the user how to push the folder by hand with hftrain push, leaving out what
// the final push leaves out.
func (e *PushError) Hint() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the folder %s is intact; push it by hand with: hftrain push %s --repo-id %s", e.Dir, shellQuote(e.Dir), e.RepoID)
	if e.Revision != "" && e.Revision != "main" {
		fmt.Fprintf(&b, " --revision %s", shellQuote(e.Revision))
	}
	for _, p := range []string{"_*", "checkpoint-*", LastCheckpoint + "/*", ".tmp-checkpoint-*", StagingDir + "/*"} {
		fmt.Fprintf(&b, " --exclude '%s'", p)
	}
	return b.String()
}

// shellQuote quotes s for a POSIX shell when it holds anything but safe characters.
func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@+=,", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
