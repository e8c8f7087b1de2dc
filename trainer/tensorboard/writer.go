package tensorboard

import (
	"bufio"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// FileVersion is the file_version string of the first event in every file.
const FileVersion = "brain.Event:2"

// ErrClosed is returned by a Writer's methods after Close.
var ErrClosed = errors.New("tensorboard: writer is closed")

// castagnoli is the CRC-32C table used by TFRecord framing; it is read-only.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Field numbers of tensorflow.Event, tensorflow.Summary and
// tensorflow.Summary.Value (event.proto, summary.proto).
const (
	eventWallTime    protowire.Number = 1
	eventStep        protowire.Number = 2
	eventFileVersion protowire.Number = 3
	eventSummary     protowire.Number = 5
	summaryValue     protowire.Number = 1
	valueTag         protowire.Number = 1
	valueSimpleValue protowire.Number = 2
)

// maxNameTries bounds the search for a free file-name suffix.
const maxNameTries = 1000

// Writer appends scalar events to one tfevents file.
type Writer struct {
	mu   sync.Mutex
	path string
	f    *os.File
	bw   *bufio.Writer
	buf  []byte // reused record buffer
	err  error  // first write error; sticky
}

// NewWriter creates dir (and its parents) if needed, creates a new event file
// in it named as TensorBoard names them, and writes the file_version event.
func NewWriter(dir string) (*Writer, error) {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return newWriter(dir, time.Now(), host, os.Getpid())
}

// newWriter is NewWriter with the clock, host name and process id given, so
// that tests can write byte-identical files.
func newWriter(dir string, now time.Time, host string, pid int) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("tensorboard: %s: %w", dir, err)
	}
	var f *os.File
	var path string
	for n := 0; ; n++ {
		if n == maxNameTries {
			return nil, fmt.Errorf("tensorboard: %s: no free event file name after %d tries", dir, n)
		}
		name := fmt.Sprintf("events.out.tfevents.%010d.%s.%d.%d", now.Unix(), host, pid, n)
		path = filepath.Join(dir, name)
		var err error
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("tensorboard: %w", err)
		}
	}
	w := &Writer{path: path, f: f, bw: bufio.NewWriter(f)}
	if err := w.writeEvent(fileVersionEvent(now)); err != nil {
		_ = f.Close()
		return nil, err
	}
	if err := w.Flush(); err != nil {
		_ = f.Close()
		return nil, err
	}
	return w, nil
}

// Path returns the event file's path.
func (w *Writer) Path() string { return w.path }

// AddScalar appends one event holding the scalar value under tag at step.
// The value is stored as a float32 (simple_value); NaN and ±Inf are kept.
func (w *Writer) AddScalar(tag string, step int64, value float64, wallTime time.Time) error {
	if tag == "" {
		return fmt.Errorf("tensorboard: %s: empty tag", w.path)
	}
	return w.writeEvent(scalarEvent(tag, step, value, wallTime))
}

// Flush writes buffered events to the file, so that a running TensorBoard
// sees them.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flushLocked()
}

// Close flushes buffered events, syncs and closes the file. Later calls
// return ErrClosed.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return ErrClosed
	}
	err := w.flushLocked()
	if err == nil {
		if serr := w.f.Sync(); serr != nil {
			err = fmt.Errorf("tensorboard: %s: %w", w.path, serr)
		}
	}
	if cerr := w.f.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("tensorboard: %s: %w", w.path, cerr)
	}
	w.f, w.bw = nil, nil
	return err
}

func (w *Writer) flushLocked() error {
	if w.f == nil {
		return ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		w.err = fmt.Errorf("tensorboard: %s: %w", w.path, err)
		return w.err
	}
	return nil
}

// writeEvent frames one serialized Event as a TFRecord and buffers it.
func (w *Writer) writeEvent(event []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	w.buf = appendRecord(w.buf[:0], event)
	if _, err := w.bw.Write(w.buf); err != nil {
		w.err = fmt.Errorf("tensorboard: %s: %w", w.path, err)
		return w.err
	}
	return nil
}

// appendRecord appends data framed as a TFRecord to b.
func appendRecord(b, data []byte) []byte {
	start := len(b)
	b = protowire.AppendFixed64(b, uint64(len(data)))
	b = protowire.AppendFixed32(b, maskedCRC(b[start:]))
	b = append(b, data...)
	return protowire.AppendFixed32(b, maskedCRC(data))
}

// maskedCRC is TFRecord's masked CRC-32C; masking keeps a CRC of data that
// itself holds CRCs from being trivially predictable.
func maskedCRC(data []byte) uint32 {
	c := crc32.Checksum(data, castagnoli)
	return ((c >> 15) | (c << 17)) + 0xa282ead8
}

// wallSeconds is the Event.wall_time encoding: seconds since the epoch.
// Whole seconds and the fraction are converted apart, because UnixNano
// (about 1.7e18) is not exact in a float64 and would blur the fraction.
func wallSeconds(t time.Time) float64 {
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9
}

// appendEventHeader appends wall_time and step; a zero step is omitted as
// proto3 omits default scalars.
func appendEventHeader(b []byte, wallTime time.Time, step int64) []byte {
	b = protowire.AppendTag(b, eventWallTime, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, math.Float64bits(wallSeconds(wallTime)))
	if step != 0 {
		b = protowire.AppendTag(b, eventStep, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(step))
	}
	return b
}

// fileVersionEvent encodes Event{wall_time, file_version: FileVersion}.
func fileVersionEvent(wallTime time.Time) []byte {
	b := appendEventHeader(nil, wallTime, 0)
	b = protowire.AppendTag(b, eventFileVersion, protowire.BytesType)
	return protowire.AppendString(b, FileVersion)
}

// scalarEvent encodes Event{wall_time, step, summary{value{tag, simple_value}}}.
func scalarEvent(tag string, step int64, value float64, wallTime time.Time) []byte {
	var v []byte
	v = protowire.AppendTag(v, valueTag, protowire.BytesType)
	v = protowire.AppendString(v, tag)
	// simple_value is in a oneof, so it is written even when zero.
	v = protowire.AppendTag(v, valueSimpleValue, protowire.Fixed32Type)
	v = protowire.AppendFixed32(v, math.Float32bits(float32(value)))

	var s []byte
	s = protowire.AppendTag(s, summaryValue, protowire.BytesType)
	s = protowire.AppendBytes(s, v)

	b := appendEventHeader(nil, wallTime, step)
	b = protowire.AppendTag(b, eventSummary, protowire.BytesType)
	return protowire.AppendBytes(b, s)
}
