package launch

import (
	"strings"
	"testing"
	"time"
)

// fakeClock is a settable time for lineWriter's progress rate.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestLineWriter(t *testing.T) {
	type step struct {
		write string
		after time.Duration // clock advance before the write
	}
	for _, tc := range []struct {
		name  string
		steps []step
		want  string // after Flush
	}{
		{"lines", []step{{write: "a\nb\n"}}, "P a\nP b\n"},
		{"split writes", []step{{write: "hel"}, {write: "lo\nwor"}, {write: "ld\n"}}, "P hello\nP world\n"},
		{"empty line kept", []step{{write: "a\n\nb\n"}}, "P a\nP \nP b\n"},
		{"partial last line flushed", []step{{write: "a\nno newline"}}, "P a\nP no newline\n"},
		{"crlf", []step{{write: "a\r\nb\r\n"}}, "P a\nP b\n"},
		{"crlf split", []step{{write: "a\r"}, {write: "\nb\r\n"}}, "P a\nP b\n"},
		{"progress bar: first and final state", []step{
			{write: "\r 10%"}, {write: "\r 20%", after: time.Second}, {write: "\r 30%", after: time.Second},
			{write: "\r100%\n", after: time.Second}, {write: "done\n"},
		}, "P  10%\nP 100%\nP done\n"},
		{"progress bar: one redraw every 10s", []step{
			// A segment counts when the \r that ends it arrives: "1" at 6s, "3" at 18s.
			{write: "\r1"}, {write: "\r2", after: 6 * time.Second}, {write: "\r3", after: 6 * time.Second},
			{write: "\r4", after: 6 * time.Second}, {write: "\r5", after: time.Second}, {write: "\n"},
		}, "P 1\nP 3\nP 5\n"},
		{"bar ending in \\r then flushed", []step{{write: "\r1\r2\r3\r"}}, "P 1\nP 3\n"},
		{"bar shown at the \\r, then newline adds nothing", []step{{write: "\rall done\r"}, {write: "\n"}}, "P all done\n"},
		{"clear-line escape then text", []step{{write: "\r\x1b[K50%"}, {write: "\r\x1b[Kloss 0.1\n"}}, "P \x1b[K50%\nP \x1b[Kloss 0.1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			clock := &fakeClock{t: time.Unix(1e9, 0)}
			w := newLineWriter(&console{}, &out, "P ")
			w.now = clock.now
			for _, s := range tc.steps {
				clock.advance(s.after)
				if n, err := w.Write([]byte(s.write)); n != len(s.write) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			w.Flush()
			if out.String() != tc.want {
				t.Errorf("got %q\nwant %q", out.String(), tc.want)
			}
		})
	}
}

func TestLineWriterLongLine(t *testing.T) {
	var out strings.Builder
	w := newLineWriter(&console{}, &out, "P ")
	long := strings.Repeat("x", maxLine+10)
	w.Write([]byte(long))
	w.Write([]byte("\n"))
	want := "P " + long[:maxLine] + "\nP " + long[maxLine:] + "\n"
	if out.String() != want {
		t.Errorf("a line of %d bytes came out as %d bytes, want two lines", len(long), out.Len())
	}
}

func TestLineWriterLastLine(t *testing.T) {
	var out strings.Builder
	w := newLineWriter(&console{}, &out, "")
	w.Write([]byte("warning: x\nhftrain: train: out of memory\n\n  \n"))
	if got := w.lastLine(); got != "hftrain: train: out of memory" {
		t.Errorf("lastLine = %q", got)
	}
}
