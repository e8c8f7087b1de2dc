package launch

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// RankPrefix is what every output line of a worker starts with: "[rank3]: ", the form PyTorch
// gives worker tracebacks. torchrun's --tee prefixes "[<role><local rank>]:" ("[default0]:");
// hftrain uses the global rank, which stays unique across nodes.
func RankPrefix(rank int) string { return fmt.Sprintf("[rank%d]: ", rank) }

const (
	// maxLine bounds a line kept in memory: a longer run of bytes without a newline is shown in
	// pieces of this size.
	maxLine = 64 << 10
	// progressEvery is how often a line redrawn with \r (a progress bar) is shown: once when it
	// first appears, then at most every progressEvery, then in its final state.
	progressEvery = 10 * time.Second
)

// console serialises whole lines from every worker (and the launcher's own messages) onto the
// launcher's stdout and stderr, so lines of different workers never mix mid-line.
type console struct {
	mu sync.Mutex
}

func (c *console) writeLine(dst io.Writer, prefix string, line []byte) {
	b := make([]byte, 0, len(prefix)+len(line)+1)
	b = append(append(append(b, prefix...), line...), '\n')
	c.mu.Lock()
	defer c.mu.Unlock()
	_, _ = dst.Write(b) // like a terminal, the launcher keeps going when its output fails
}

// logf is the default Options.Logf: one line on dst.
func (c *console) logf(dst io.Writer) func(string, ...any) {
	return func(format string, args ...any) {
		msg := strings.TrimSuffix(fmt.Sprintf(format, args...), "\n")
		for _, line := range strings.Split(msg, "\n") {
			c.writeLine(dst, "", []byte(line))
		}
	}
}

// lineWriter is one stream (stdout or stderr) of one worker: it cuts the bytes into lines and
// writes each, prefixed, to the console.
//
// A carriage return ends a segment that the next one overwrites (a progress bar redrawing
// itself); such segments are not lines: the newest is kept, shown when it first appears and then
// at most every progressEvery, and the final state is shown when the line ends with \n. Turning
// every \r into a line would flood the log with one line per redraw, and passing \r through
// would let the bars of several workers overwrite each other and the other ranks' lines.
type lineWriter struct {
	con    *console
	dst    io.Writer
	prefix string
	now    func() time.Time
	every  time.Duration

	mu           sync.Mutex
	buf          []byte    // the segment being written
	pending      []byte    // the newest \r-ended segment, nil if none
	pendingShown bool      // pending was already shown
	lastShown    time.Time // when a \r segment was last shown
	last         string    // the last non-blank line shown, for failure reports
}

func newLineWriter(con *console, dst io.Writer, prefix string) *lineWriter {
	return &lineWriter{con: con, dst: dst, prefix: prefix, now: time.Now, every: progressEvery}
}

// Write implements io.Writer; it never fails.
func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexAny(p, "\r\n")
		if i < 0 {
			w.buf = append(w.buf, p...)
			for len(w.buf) >= maxLine {
				w.show(w.buf[:maxLine])
				w.buf = append(w.buf[:0], w.buf[maxLine:]...)
			}
			break
		}
		w.buf = append(w.buf, p[:i]...)
		if p[i] == '\n' {
			w.endLine()
		} else {
			w.carriageReturn()
		}
		p = p[i+1:]
	}
	return n, nil
}

func (w *lineWriter) endLine() {
	switch {
	case len(w.buf) > 0 || w.pending == nil:
		w.show(w.buf)
	case !w.pendingShown: // "text\r\n", or a bar whose last redraw ended with \r
		w.show(w.pending)
	}
	w.buf, w.pending, w.pendingShown = w.buf[:0], nil, false
}

func (w *lineWriter) carriageReturn() {
	if len(w.buf) == 0 {
		return // "\r\r", or \r at the start of a redraw
	}
	w.pending = append(w.pending[:0], w.buf...)
	w.buf = w.buf[:0]
	w.pendingShown = false
	if now := w.now(); w.lastShown.IsZero() || now.Sub(w.lastShown) >= w.every {
		w.show(w.pending)
		w.pendingShown, w.lastShown = true, now
	}
}

// Flush shows a last line that has no newline (or a progress bar's last unshown state).
func (w *lineWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 || (w.pending != nil && !w.pendingShown) {
		w.endLine()
	}
}

func (w *lineWriter) show(line []byte) {
	w.con.writeLine(w.dst, w.prefix, line)
	if s := strings.TrimSpace(string(line)); s != "" {
		w.last = s
	}
}

// lastLine is the last non-blank line the worker wrote to this stream.
func (w *lineWriter) lastLine() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last
}
