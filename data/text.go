package data

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// rawColumns accumulates the rows of a text file (JSON or CSV) before the
// column kinds are inferred: types are only known once every row is seen.
type rawColumns struct {
	names []string
	index map[string]int
	vals  [][]any // vals[col][row]; nil is null
	lines []int   // source line (JSON Lines, CSV) or element number (JSON array) of each row
	n     int
}

func (rc *rawColumns) col(name string) int {
	if rc.index == nil {
		rc.index = make(map[string]int)
	}
	j, ok := rc.index[name]
	if !ok {
		j = len(rc.names)
		rc.index[name] = j
		rc.names = append(rc.names, name)
		rc.vals = append(rc.vals, make([]any, rc.n))
	}
	return j
}

// addRow appends one row given as (name, value) pairs in source order.
func (rc *rawColumns) addRow(keys []string, vals []any, line int) {
	for k, name := range keys {
		j := rc.col(name)
		rc.vals[j] = append(rc.vals[j], vals[k])
	}
	rc.n++
	rc.lines = append(rc.lines, line)
	for j := range rc.vals {
		if len(rc.vals[j]) < rc.n { // a key this row lacks is null
			rc.vals[j] = append(rc.vals[j], nil)
		}
	}
}

func (rc *rawColumns) table() *Table {
	t := &Table{n: rc.n}
	for j, name := range rc.names {
		t.add(inferColumn(name, rc.vals[j], rc.lines))
	}
	return t
}

// readJSON reads JSON Lines (one object per line; blank lines skipped) or, if
// the first non-space byte is '[', one JSON array of objects.
func readJSON(ctx context.Context, r io.Reader) (*Table, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		b, err := br.Peek(1)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return &Table{}, nil
			}
			return nil, err
		}
		if b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n' {
			_, _ = br.ReadByte()
			continue
		}
		if bytes.HasPrefix(b, []byte{0xef}) { // UTF-8 byte order mark
			if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xef, 0xbb, 0xbf}) {
				_, _ = br.Discard(3)
				continue
			}
		}
		if b[0] == '[' {
			return readJSONArray(ctx, br)
		}
		return readJSONLines(ctx, br)
	}
}

func readJSONLines(ctx context.Context, br *bufio.Reader) (*Table, error) {
	var rc rawColumns
	for line := 1; ; line++ {
		raw, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if len(bytes.TrimSpace(raw)) > 0 {
			if line%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			keys, vals, derr := decodeObject(dec)
			if derr == nil {
				if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
					derr = errors.New("unexpected data after the object")
				}
			}
			if derr != nil {
				return nil, fmt.Errorf("line %d: invalid JSON Lines record: %w", line, derr)
			}
			rc.addRow(keys, vals, line)
		}
		if errors.Is(err, io.EOF) {
			return rc.table(), nil
		}
	}
}

func readJSONArray(ctx context.Context, br *bufio.Reader) (*Table, error) {
	dec := json.NewDecoder(br)
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // '['
		return nil, fmt.Errorf("JSON array: %w", err)
	}
	var rc rawColumns
	for i := 0; dec.More(); i++ {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		keys, vals, err := decodeObject(dec)
		if err != nil {
			return nil, fmt.Errorf("JSON array element %d (near byte %d): %w", i, dec.InputOffset(), err)
		}
		rc.addRow(keys, vals, i)
	}
	if _, err := dec.Token(); err != nil { // ']'
		return nil, fmt.Errorf("JSON array: %w", err)
	}
	return rc.table(), nil
}

// decodeObject decodes one JSON object, keeping its keys in source order so
// that column order follows the file.
func decodeObject(dec *json.Decoder) ([]string, []any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, nil, fmt.Errorf("want a JSON object, got %v", tok)
	}
	var keys []string
	var vals []any
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		key, _ := tok.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, nil, fmt.Errorf("key %q: %w", key, err)
		}
		for _, k := range keys {
			if k == key {
				return nil, nil, fmt.Errorf("duplicate key %q", key)
			}
		}
		keys = append(keys, key)
		vals = append(vals, v)
	}
	if _, err := dec.Token(); err != nil { // '}'
		return nil, nil, err
	}
	return keys, vals, nil
}

// readCSV reads delimited text with a header row. Quoted fields may hold the
// delimiter, quotes ("") and newlines. Empty fields are null, as pandas (which
// Hugging Face datasets uses for CSV) reads them.
func readCSV(ctx context.Context, r io.Reader, comma rune) (*Table, error) {
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xef, 0xbb, 0xbf}) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty file: want a header row")
		}
		return nil, fmt.Errorf("header: %w", err)
	}
	seen := make(map[string]bool)
	for _, h := range header {
		if seen[h] {
			return nil, fmt.Errorf("header: duplicate column %q", h)
		}
		seen[h] = true
	}
	var rc rawColumns
	vals := make([]any, len(header))
	for i := 0; ; i++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err // *csv.ParseError names the line
		}
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		for j, s := range rec {
			if s == "" {
				vals[j] = nil
			} else {
				vals[j] = csvField(s)
			}
		}
		line, _ := cr.FieldPos(0)
		rc.addRow(header, vals, line)
	}
	if rc.n == 0 {
		for _, h := range header {
			rc.col(h)
		}
	}
	return rc.table(), nil
}

// csvField is a CSV cell awaiting type inference.
type csvField string

// valueClass names the JSON/CSV value classes for type inference.
type valueClass int

const (
	classNull valueClass = iota
	classString
	classInt
	classFloat
	classBool
	classList
	classObject
)

var classNames = [...]string{"null", "string", "integer", "float", "bool", "list", "object"}

func classify(v any) valueClass {
	switch x := v.(type) {
	case nil:
		return classNull
	case string:
		return classString
	case bool:
		return classBool
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return classInt
		}
		return classFloat
	case []any:
		return classList
	case csvField:
		s := string(x)
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			return classInt
		}
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return classFloat
		}
		if _, ok := csvBool(s); ok {
			return classBool
		}
		return classString
	}
	return classObject
}

func csvBool(s string) (bool, bool) {
	switch s {
	case "true", "True", "TRUE":
		return true, true
	case "false", "False", "FALSE":
		return false, true
	}
	return false, false
}

// scalarKind reduces the set of value classes seen to one Kind: ints and
// floats together are Float; anything else mixed is unsupported.
func scalarKind(seen map[valueClass]int) (Kind, string) {
	delete(seen, classNull)
	if seen[classInt] > 0 && seen[classFloat] > 0 {
		delete(seen, classInt)
	}
	if len(seen) > 1 {
		var parts []string
		for c, line := range seen {
			parts = append(parts, fmt.Sprintf("%s (row from line/element %d)", classNames[c], line))
		}
		return KindUnsupported, "mixed value types: " + strings.Join(sortedStrings(parts), ", ")
	}
	for c := range seen {
		switch c {
		case classString:
			return KindString, ""
		case classInt:
			return KindInt, ""
		case classFloat:
			return KindFloat, ""
		case classBool:
			return KindBool, ""
		case classList:
			return KindIntList, "" // refined by the caller
		default:
			return KindUnsupported, "nested objects are not supported"
		}
	}
	return KindString, "" // all null
}

func inferColumn(name string, vals []any, lines []int) *column {
	seen := make(map[valueClass]int)
	elems := make(map[valueClass]int)
	for i, v := range vals {
		c := classify(v)
		if _, ok := seen[c]; !ok {
			seen[c] = lines[i]
		}
		if c == classList {
			for _, e := range v.([]any) {
				ec := classify(e)
				if _, ok := elems[ec]; !ok {
					elems[ec] = lines[i]
				}
			}
		}
	}
	_, csvText := firstNonNull(vals).(csvField)
	if _, isString := seen[classString]; csvText && isString {
		// pandas reads a CSV column with any non-numeric cell as text.
		seen = map[valueClass]int{classString: 0}
	}
	kind, reason := scalarKind(seen)
	if kind == KindIntList {
		ek, er := scalarKind(elems)
		switch ek {
		case KindString:
			kind = KindStringList
		case KindFloat:
			kind = KindFloatList
		case KindInt, KindBool:
			kind = KindIntList
		default:
			kind, reason = KindUnsupported, "list elements: "+er
		}
		if len(elems) == 0 {
			kind = KindIntList // only empty or null-only lists
		}
	}
	if kind == KindUnsupported {
		return unsupported(name, len(vals), reason)
	}
	b := newBuilder(name, kind)
	for _, v := range vals {
		if v == nil {
			b.appendNull()
			continue
		}
		if l, ok := v.([]any); ok {
			for _, e := range l {
				if e == nil {
					b.nullElem()
					continue
				}
				addValue(b, e)
				b.elemAdded()
			}
		} else {
			addValue(b, v)
		}
		b.endRow()
	}
	return b.c
}

// addValue appends a JSON or CSV scalar whose class matches the column kind
// (guaranteed by inferColumn).
func addValue(b *builder, v any) {
	s := ""
	switch x := v.(type) {
	case string:
		b.addString(x)
		return
	case bool:
		if b.c.kind == KindIntList {
			b.addInt(boolInt(x))
		} else {
			b.addBool(x)
		}
		return
	case json.Number:
		s = string(x)
	case csvField:
		s = string(x)
	}
	switch b.c.kind {
	case KindString:
		b.addString(s)
	case KindBool:
		bv, _ := csvBool(s)
		b.addBool(bv)
	case KindInt, KindIntList:
		n, _ := strconv.ParseInt(s, 10, 64)
		b.addInt(n)
	default:
		f, _ := strconv.ParseFloat(s, 64)
		b.addFloat(f)
	}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func sortedStrings(s []string) []string {
	sort.Strings(s)
	return s
}

func firstNonNull(vals []any) any {
	for _, v := range vals {
		if v != nil {
			return v
		}
	}
	return nil
}
