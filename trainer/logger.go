package trainer

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// LogFileName is the JSON Lines file in output_dir that receives every log entry.
const LogFileName = "trainer_log.jsonl"

// LogEntry is one element of the log history: values plus the epoch and step they were taken at,
// flattened into one JSON object as in trainer_state.json's log_history.
type LogEntry struct {
	Values map[string]float64
	Epoch  float64
	Step   int
}

// MarshalJSON writes the entry as one flat object; NaN and infinities become null.
func (e LogEntry) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(e.Values)+2)
	for k, v := range e.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			m[k] = nil
		} else {
			m[k] = v
		}
	}
	m["epoch"] = e.Epoch
	m["step"] = e.Step
	return json.Marshal(m)
}

// Logger writes log entries to output_dir/trainer_log.jsonl and readable lines to a terminal.
type Logger struct {
	file *os.File
	buf  *bufio.Writer
	out  io.Writer
	tty  bool
	bar  bool // a progress line is on screen and must be cleared before printing
}

// NewLogger creates output_dir (if needed) and starts its log file afresh (a resumed run rewrites
// the checkpoint's log history into it first, so entries of a killed run after its last
// checkpoint do not linger).
func NewLogger(outputDir string, out io.Writer) (*Logger, error) {
	if err := os.MkdirAll(outputDir, 0o755); err != nil {
		return nil, fmt.Errorf("trainer: creating output_dir: %w", err)
	}
	path := filepath.Join(outputDir, LogFileName)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("trainer: opening the log: %w", err)
	}
	if out == nil {
		out = io.Discard
	}
	l := &Logger{file: f, buf: bufio.NewWriter(f), out: out}
	if fi, ok := out.(*os.File); ok {
		if st, err := fi.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			l.tty = true
		}
	}
	return l, nil
}

// Write appends an entry to the file (flushed, so a crash loses at most the line being written)
// and prints it.
func (l *Logger) Write(e LogEntry) error {
	if err := l.record(e); err != nil {
		return err
	}
	vals := map[string]float64{"epoch": e.Epoch}
	for k, v := range e.Values {
		vals[k] = v
	}
	l.Printf("%s", formatValues(vals))
	return nil
}

// NewConsoleLogger is a Logger without a log file: the ranks other than 0 of a distributed run
// print through it and leave output_dir to rank 0.
func NewConsoleLogger(out io.Writer) *Logger {
	if out == nil {
		out = io.Discard
	}
	return &Logger{out: out}
}

// record appends an entry to the file only (nothing for a console logger).
func (l *Logger) record(e LogEntry) error {
	if l.buf == nil {
		return nil
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("trainer: encoding a log entry: %w", err)
	}
	b = append(b, '\n')
	if _, err := l.buf.Write(b); err != nil {
		return fmt.Errorf("trainer: writing the log: %w", err)
	}
	if err := l.buf.Flush(); err != nil {
		return fmt.Errorf("trainer: writing the log: %w", err)
	}
	return nil
}

// Printf prints one line for the user, above the progress bar.
func (l *Logger) Printf(format string, args ...any) {
	if l.bar {
		fmt.Fprint(l.out, "\r\033[K")
		l.bar = false
	}
	fmt.Fprintf(l.out, format+"\n", args...)
}

// Close flushes and closes the log file.
func (l *Logger) Close() error {
	if l.file == nil {
		return nil
	}
	err := l.buf.Flush()
	if cerr := l.file.Close(); err == nil {
		err = cerr
	}
	l.file = nil
	return err
}

// progress draws a one-line progress bar on a terminal (tqdm-like); elsewhere it stays silent and
// the log lines tell the progress.
type progress struct {
	l     *Logger
	total int
	start time.Time
	last  time.Time
	off   bool
}

func newProgress(l *Logger, total int, enabled bool) *progress {
	return &progress{l: l, total: total, start: time.Now(), off: !enabled}
}

func (p *progress) update(step int, loss float64) {
	if p.off || !p.l.tty || (time.Since(p.last) < 200*time.Millisecond && step != p.total) {
		return
	}
	p.last = time.Now()
	const width = 30
	filled := width * step / max(p.total, 1)
	el := time.Since(p.start)
	eta := time.Duration(float64(el) / float64(step) * float64(p.total-step))
	fmt.Fprintf(p.l.out, "\r\033[K%3d%% |%s%s| %d/%d [%s<%s, %.2f it/s] loss %.4f",
		100*step/max(p.total, 1), strings.Repeat("█", filled), strings.Repeat(" ", width-filled),
		step, p.total, el.Round(time.Second), eta.Round(time.Second), float64(step)/el.Seconds(), loss)
	p.l.bar = true
}

func (p *progress) done() {
	if p.l.bar {
		fmt.Fprintln(p.l.out)
		p.l.bar = false
	}
}
