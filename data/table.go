package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Table is a whole dataset file held in memory column by column. Every column
// has NumRows rows. A Table is read-only after ReadFile returns and is safe for
// concurrent readers.
type Table struct {
	n          int
	names      []string
	cols       map[string]*column
	classNames map[string][]string // Hugging Face ClassLabel names by column
}

// ErrUnknownFormat is returned (wrapped) by ReadFile when neither the file's
// magic bytes nor its extension name a supported format.
var ErrUnknownFormat = errors.New("unknown data file format")

// NumRows returns the number of rows.
func (t *Table) NumRows() int { return t.n }

// Columns returns the column names in file order.
func (t *Table) Columns() []string { return append([]string(nil), t.names...) }

// Has reports whether the table has a column called name.
func (t *Table) Has(name string) bool { _, ok := t.cols[name]; return ok }

// Column returns the named column. The error names the missing column and
// lists the ones the table has.
func (t *Table) Column(name string) (Column, error) {
	c, ok := t.cols[name]
	if !ok {
		return nil, fmt.Errorf("no column %q (columns: %s)", name, t.columnList())
	}
	return c, nil
}

func (t *Table) columnList() string {
	if len(t.names) == 0 {
		return "none"
	}
	return strings.Join(t.names, ", ")
}

func (t *Table) add(c *column) {
	if t.cols == nil {
		t.cols = make(map[string]*column)
	}
	t.names = append(t.names, c.name)
	t.cols[c.name] = c
}

// format is a file format ReadFile understands.
type format int

const (
	formatUnknown format = iota
	formatParquet
	formatIPCFile
	formatIPCStream
	formatJSON
	formatCSV
	formatTSV
)

// ReadFile reads a whole dataset file. The format comes from the file's magic
// bytes, not its name: Parquet ("PAR1" at both ends), Arrow IPC file
// ("ARROW1"), Arrow IPC stream (a 0xFFFFFFFF continuation marker, or a
// pre-0.15 stream that starts with a message length; Hugging Face datasets'
// .arrow cache files are streams). Only then does the extension decide:
// .jsonl/.ndjson/.json (JSON Lines, or one top-level JSON array of objects),
// .csv and .tsv (with a header row). Gzip-compressed text files (.jsonl.gz,
// .csv.gz, ...) are decompressed first.
//
// Parquet reads check the rows read against the footer's num_rows.
func ReadFile(ctx context.Context, path string) (*Table, error) {
	t, err := readFile(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("data: %s: %w", path, err)
	}
	return t, nil
}

func readFile(ctx context.Context, path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, errors.New("is a directory, want a file")
	}
	head := make([]byte, 8)
	nh, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	head = head[:nh]
	var tail []byte
	if st.Size() >= 8 {
		tail = make([]byte, 4)
		if _, err := f.ReadAt(tail, st.Size()-4); err != nil {
			return nil, err
		}
	}
	name := path
	gz := bytes.HasPrefix(head, []byte{0x1f, 0x8b})
	if gz {
		name = strings.TrimSuffix(name, filepath.Ext(name))
	}
	fm, err := detect(head, tail, name)
	if err != nil {
		return nil, err
	}
	switch fm {
	case formatParquet:
		return readParquet(ctx, path)
	case formatIPCFile:
		return readIPCFile(ctx, path)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	var r io.Reader = bufio.NewReaderSize(f, 1<<20)
	if gz {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		r = bufio.NewReaderSize(zr, 1<<20)
	}
	switch fm {
	case formatIPCStream:
		return readIPCStream(ctx, r)
	case formatJSON:
		return readJSON(ctx, r)
	case formatCSV:
		return readCSV(ctx, r, ',')
	default:
		return readCSV(ctx, r, '\t')
	}
}

// detect picks the format from the first 8 bytes, the last 4 and the name.
func detect(head, tail []byte, name string) (format, error) {
	switch {
	case bytes.HasPrefix(head, []byte("PAR1")):
		if !bytes.Equal(tail, []byte("PAR1")) {
			return formatUnknown, errors.New(`starts with Parquet magic "PAR1" but does not end with it (truncated file?)`)
		}
		return formatParquet, nil
	case bytes.HasPrefix(head, []byte("ARROW1")):
		return formatIPCFile, nil
	case bytes.HasPrefix(head, []byte{0xff, 0xff, 0xff, 0xff}):
		return formatIPCStream, nil
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".json", ".ndjson":
		return formatJSON, nil
	case ".csv":
		return formatCSV, nil
	case ".tsv":
		return formatTSV, nil
	}
	// A stream written before Arrow 0.15 starts directly with the int32
	// length of its first flatbuffer message. Text starts with a printable
	// byte, which as the length's top byte would make it >= 2^24.
	if len(head) >= 8 {
		if l := binary.LittleEndian.Uint32(head); l > 0 && l < 1<<24 {
			return formatIPCStream, nil
		}
	}
	exts := []string{".parquet", ".arrow", ".jsonl", ".json", ".csv", ".tsv"}
	sort.Strings(exts)
	return formatUnknown, fmt.Errorf("%w: no Parquet/Arrow magic bytes and extension %q is not one of %s",
		ErrUnknownFormat, filepath.Ext(name), strings.Join(exts, " "))
}
