package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"unicode/utf8"
)

// MaxHeaderSize is the largest header accepted, in bytes: the Rust crate's
// MAX_HEADER_SIZE. It stops a corrupt length from causing a huge allocation.
const MaxHeaderSize = 100_000_000

// metadataKey is the reserved header key holding the string-to-string map.
const metadataKey = "__metadata__"

// ErrInvalid is wrapped by every error that reports a malformed file, so
// callers can tell corrupt data (errors.Is(err, ErrInvalid)) from I/O errors.
var ErrInvalid = errors.New("invalid safetensors data")

// FormatError describes a malformed safetensors file. It unwraps to
// ErrInvalid.
type FormatError struct {
	File   string // path or name of the file
	Reason string // what is wrong
}

// Error implements error.
func (e *FormatError) Error() string {
	return fmt.Sprintf("safetensors: %s: %s", e.File, e.Reason)
}

// Unwrap returns ErrInvalid.
func (e *FormatError) Unwrap() error { return ErrInvalid }

// ReadFile reads and fully validates the safetensors file at path. The
// returned tensors' Data slices share one buffer holding the whole file.
func ReadFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	return Parse(path, b)
}

// Parse decodes and fully validates a safetensors file held in b; name is
// used in errors and as File.Path. The tensors' Data slices alias b (capped
// so that appending to one cannot overwrite another), so b must not be
// modified while they are in use.
func Parse(name string, b []byte) (*File, error) {
	bad := func(format string, args ...any) error {
		return &FormatError{File: name, Reason: fmt.Sprintf(format, args...)}
	}
	if len(b) < 8 {
		return nil, bad("file is %d bytes, shorter than the 8-byte header length", len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	if n > MaxHeaderSize {
		return nil, bad("header length %d exceeds the %d-byte limit", n, MaxHeaderSize)
	}
	if n > uint64(len(b)-8) {
		return nil, bad("header length %d is larger than the %d bytes after it", n, len(b)-8)
	}
	header := b[8 : 8+n]
	data := b[8+n:]
	entries, meta, err := parseHeader(header)
	if err != nil {
		return nil, bad("header: %v", err)
	}
	if err := checkLayout(entries, len(data)); err != nil {
		return nil, bad("%v", err)
	}
	f := &File{Path: name, Metadata: meta, Tensors: make([]Tensor, len(entries))}
	for i, e := range entries {
		f.Tensors[i] = Tensor{
			Name:  e.name,
			DType: e.dtype,
			Shape: e.shape,
			Data:  data[e.begin:e.end:e.end],
		}
	}
	return f, nil
}

// entry is one tensor's header record after validation of its own fields.
type entry struct {
	name       string
	dtype      DType
	shape      []int
	begin, end int
}

// parseHeader decodes the JSON header in order, rejecting duplicate keys
// (encoding/json would silently keep the last one).
func parseHeader(h []byte) ([]entry, map[string]string, error) {
	if !utf8.Valid(h) {
		return nil, nil, errors.New("not valid UTF-8")
	}
	if len(h) == 0 || h[0] != '{' {
		return nil, nil, errors.New("does not start with '{'")
	}
	dec := json.NewDecoder(bytes.NewReader(h))
	if _, err := dec.Token(); err != nil {
		return nil, nil, fmt.Errorf("invalid JSON: %w", err)
	}
	var (
		entries []entry
		meta    map[string]string
		seen    = map[string]bool{}
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("invalid JSON: %w", err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, nil, fmt.Errorf("invalid JSON: unexpected %v", tok)
		}
		if seen[key] {
			return nil, nil, fmt.Errorf("duplicate key %q", key)
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, fmt.Errorf("invalid JSON in %q: %w", key, err)
		}
		if key == metadataKey {
			if meta, err = parseMetadata(raw); err != nil {
				return nil, nil, err
			}
			continue
		}
		e, err := parseEntry(key, raw)
		if err != nil {
			return nil, nil, err
		}
		entries = append(entries, e)
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if tok, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = fmt.Errorf("unexpected %v", tok)
		}
		return nil, nil, fmt.Errorf("trailing data after the JSON object: %w", err)
	}
	return entries, meta, nil
}

// parseMetadata decodes "__metadata__": null or an object of strings.
func parseMetadata(raw json.RawMessage) (map[string]string, error) {
	if string(raw) == "null" {
		return nil, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, fmt.Errorf("%s is not an object of strings: %w", metadataKey, err)
	}
	meta := make(map[string]string, len(fields))
	for k, v := range fields {
		if len(v) == 0 || v[0] != '"' {
			return nil, fmt.Errorf("%s value of %q is %s, not a string", metadataKey, k, v)
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, fmt.Errorf("%s value of %q: %w", metadataKey, k, err)
		}
		meta[k] = s
	}
	return meta, nil
}

// parseEntry decodes one tensor record and checks it on its own: a known
// dtype, a non-negative shape whose byte size fits in int, and offsets
// [begin, end] with begin <= end matching that byte size. Keys are matched
// exactly (encoding/json would match "DTYPE" to a dtype field); unknown keys
// are ignored, as serde does for the Rust crate.
func parseEntry(name string, raw json.RawMessage) (entry, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return entry{}, fmt.Errorf("tensor %q: not a JSON object", name)
	}
	e := entry{name: name}
	var dt string
	if err := json.Unmarshal(fields["dtype"], &dt); err != nil || fields["dtype"][0] != '"' {
		return entry{}, fmt.Errorf("tensor %q: missing or non-string dtype", name)
	}
	e.dtype = DType(dt)
	info, ok := dtypeTable(e.dtype)
	if !ok {
		return entry{}, fmt.Errorf("tensor %q: unknown dtype %q", name, dt)
	}
	shape, err := parseUints(fields["shape"])
	if err != nil {
		return entry{}, fmt.Errorf("tensor %q: shape: %w", name, err)
	}
	e.shape = make([]int, len(shape))
	for i, d := range shape {
		e.shape[i] = int(d) // parseUints bounds every value by MaxInt64
	}
	nelem, ok := numElements(e.shape)
	if !ok || nelem > math.MaxInt/info.size {
		return entry{}, fmt.Errorf("tensor %q: shape %v of %s overflows", name, e.shape, dt)
	}
	offs, err := parseUints(fields["data_offsets"])
	if err != nil {
		return entry{}, fmt.Errorf("tensor %q: data_offsets: %w", name, err)
	}
	if len(offs) != 2 {
		return entry{}, fmt.Errorf("tensor %q: data_offsets has %d values, want [begin, end]", name, len(offs))
	}
	e.begin, e.end = int(offs[0]), int(offs[1])
	if e.begin > e.end {
		return entry{}, fmt.Errorf("tensor %q: data_offsets [%d, %d] end before begin", name, e.begin, e.end)
	}
	if got, want := e.end-e.begin, nelem*info.size; got != want {
		return entry{}, fmt.Errorf("tensor %q: data_offsets [%d, %d] span %d bytes, shape %v of %s needs %d",
			name, e.begin, e.end, got, e.shape, dt, want)
	}
	return e, nil
}

// parseUints decodes a JSON array of non-negative integers no larger than
// math.MaxInt64, accepting only plain digits (no sign, fraction, exponent or
// quoted numbers), as a Rust usize field does.
func parseUints(raw json.RawMessage) ([]uint64, error) {
	if len(raw) == 0 {
		return nil, errors.New("missing")
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || items == nil {
		return nil, fmt.Errorf("%s is not an array", raw)
	}
	out := make([]uint64, len(items))
	for i, it := range items {
		if len(it) > 0 && it[0] == '-' {
			return nil, fmt.Errorf("negative value %s", it)
		}
		var v uint64
		for _, c := range it {
			if c < '0' || c > '9' {
				return nil, fmt.Errorf("value %s is not a non-negative integer", it)
			}
			if v > (math.MaxInt64-uint64(c-'0'))/10 {
				return nil, fmt.Errorf("value %s is too large", it)
			}
			v = v*10 + uint64(c-'0')
		}
		out[i] = v
	}
	return out, nil
}

// checkLayout verifies that the tensors tile the data section exactly:
// sorted by offsets, each begins where the previous ended, the first at 0
// and the last at dataLen. This rejects overlaps, holes, out-of-range
// offsets and trailing bytes.
func checkLayout(entries []entry, dataLen int) error {
	order := make([]int, len(entries))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		ea, eb := entries[order[a]], entries[order[b]]
		if ea.begin != eb.begin {
			return ea.begin < eb.begin
		}
		return ea.end < eb.end
	})
	pos, prev := 0, ""
	for _, i := range order {
		e := entries[i]
		if e.end > dataLen {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] run past the %d-byte data section",
				e.name, e.begin, e.end, dataLen)
		}
		switch {
		case e.begin < pos:
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] overlap tensor %q ending at %d",
				e.name, e.begin, e.end, prev, pos)
		case e.begin > pos:
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] leave a hole after offset %d",
				e.name, e.begin, e.end, pos)
		}
		pos, prev = e.end, e.name
	}
	if pos != dataLen {
		return fmt.Errorf("data section is %d bytes but tensors cover only %d", dataLen, pos)
	}
	return nil
}
