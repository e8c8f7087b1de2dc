package data

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// expected is testdata/expected.json, written by scripts/data/make_fixtures.mjs
// next to the fixtures: the values every fixture must decode to.
type expected struct {
	NumRows int                          `json:"num_rows"`
	Columns map[string][]json.RawMessage `json:"columns"`
}

func loadExpected(t *testing.T) expected {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e expected
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// fixtureKinds lists, per column, the kind it must be read as; the JS Arrow
// fixtures add large_string, int8 and float16 columns.
var fixtureKinds = map[string]Kind{
	"id": KindInt, "text": KindString, "label": KindInt, "label_name": KindString,
	"score": KindFloat, "f32": KindFloat, "flag": KindBool, "tags": KindStringList,
	"input_ids": KindIntList, "probs": KindFloatList,
	"large_text": KindString, "small": KindInt, "half": KindFloat,
	"fixed": KindFloatList, "big_ids": KindIntList,
}

// aliases maps extra fixture columns to the expected.json column they copy.
var aliases = map[string]string{"large_text": "text", "small": "label", "half": "f32", "fixed": "probs", "big_ids": "input_ids"}

func TestReadFileFixtures(t *testing.T) {
	exp := loadExpected(t)
	base := []string{"id", "text", "label", "label_name", "score", "f32", "flag", "tags", "input_ids", "probs"}
	arrowCols := []string{"id", "text", "label", "label_name", "large_text", "small", "score", "f32", "half", "flag", "tags", "input_ids", "probs", "fixed", "big_ids"}
	rsCols := []string{"id", "text", "label", "label_name", "large_text", "small", "score", "f32", "flag", "tags", "input_ids", "probs", "fixed", "big_ids"}
	tests := []struct {
		file string
		cols []string
	}{
		{"hyparquet_snappy.parquet", base},
		{"hyparquet_plain.parquet", base},
		{"rs_dict_zstd.parquet", rsCols},
		{"rs_bss_gzip.parquet", rsCols},
		{"rs_snappy.parquet", rsCols},
		{"arrowjs_file.arrow", arrowCols},
		{"arrowjs_stream.arrow", arrowCols},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			tbl, err := ReadFile(context.Background(), filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if tbl.NumRows() != exp.NumRows {
				t.Fatalf("NumRows = %d, want %d", tbl.NumRows(), exp.NumRows)
			}
			if got := strings.Join(tbl.Columns(), ","); got != strings.Join(tt.cols, ",") {
				t.Fatalf("Columns = %s, want %s", got, strings.Join(tt.cols, ","))
			}
			for _, name := range tt.cols {
				col, err := tbl.Column(name)
				if err != nil {
					t.Fatal(err)
				}
				if col.Kind() != fixtureKinds[name] {
					t.Errorf("column %s: kind %s, want %s", name, col.Kind(), fixtureKinds[name])
					continue
				}
				src := name
				if a, ok := aliases[name]; ok {
					src = a
				}
				for i, raw := range exp.Columns[src] {
					checkValue(t, col, i, raw)
				}
			}
		})
	}
}

// checkValue compares row i of col with the JSON value raw. Floats are
// compared at float32 precision because some fixtures store float32/float16.
func checkValue(t *testing.T, col Column, i int, raw json.RawMessage) {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if v == nil {
		if !col.Null(i) {
			t.Errorf("%s[%d]: not null, want null", col.Name(), i)
		}
		return
	}
	if col.Null(i) {
		t.Errorf("%s[%d]: null, want %v", col.Name(), i, v)
		return
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }
	if list, ok := v.([]any); ok {
		for j, e := range list {
			if e != nil {
				continue
			}
			// A null element makes the row unreadable as a Go slice.
			_, err1 := col.Strings(i)
			_, err2 := col.Floats(i)
			err := err1
			if col.Kind() != KindStringList {
				err = err2
			}
			if !errors.Is(err, ErrNull) || !strings.Contains(err.Error(), fmt.Sprintf("element %d", j)) {
				t.Errorf("%s[%d]: err = %v, want ErrNull at element %d", col.Name(), i, err, j)
			}
			return
		}
	}
	switch col.Kind() {
	case KindString:
		got, err := col.String(i)
		if err != nil || got != v.(string) {
			t.Errorf("%s[%d] = %q, %v; want %q", col.Name(), i, got, err, v)
		}
	case KindInt:
		got, err := col.Int(i)
		if err != nil || float64(got) != v.(float64) {
			t.Errorf("%s[%d] = %d, %v; want %v", col.Name(), i, got, err, v)
		}
	case KindFloat:
		got, err := col.Float(i)
		if err != nil || !near(got, v.(float64)) {
			t.Errorf("%s[%d] = %v, %v; want %v", col.Name(), i, got, err, v)
		}
	case KindBool:
		got, err := col.Bool(i)
		if err != nil || got != v.(bool) {
			t.Errorf("%s[%d] = %v, %v; want %v", col.Name(), i, got, err, v)
		}
	case KindStringList:
		got, err := col.Strings(i)
		want := v.([]any)
		if err != nil || len(got) != len(want) {
			t.Fatalf("%s[%d] = %q, %v; want %v", col.Name(), i, got, err, want)
		}
		for j := range want {
			if got[j] != want[j].(string) {
				t.Errorf("%s[%d][%d] = %q, want %q", col.Name(), i, j, got[j], want[j])
			}
		}
	case KindIntList, KindFloatList:
		got, err := col.Floats(i)
		want := v.([]any)
		if err != nil || len(got) != len(want) {
			t.Fatalf("%s[%d] = %v, %v; want %v", col.Name(), i, got, err, want)
		}
		for j := range want {
			if !near(got[j], want[j].(float64)) {
				t.Errorf("%s[%d][%d] = %v, want %v", col.Name(), i, j, got[j], want[j])
			}
		}
	}
}

// TestFixturesExercise checks the Parquet fixtures really use what the reader
// claims to handle: several row groups, each codec, dictionary pages and
// BYTE_STREAM_SPLIT. Without it a writer default change could silently make
// the read tests weaker.
func TestFixturesExercise(t *testing.T) {
	tests := []struct {
		file     string
		codec    compress.Compression
		column   string
		encoding parquet.Encoding
	}{
		{"hyparquet_snappy.parquet", compress.Codecs.Snappy, "label_name", parquet.Encodings.RLEDict},
		{"hyparquet_snappy.parquet", compress.Codecs.Snappy, "score", parquet.Encodings.ByteStreamSplit},
		{"hyparquet_snappy.parquet", compress.Codecs.Snappy, "id", parquet.Encodings.DeltaBinaryPacked},
		{"hyparquet_snappy.parquet", compress.Codecs.Snappy, "text", parquet.Encodings.DeltaLengthByteArray},
		{"hyparquet_plain.parquet", compress.Codecs.Uncompressed, "text", parquet.Encodings.Plain},
		{"rs_dict_zstd.parquet", compress.Codecs.Zstd, "label_name", parquet.Encodings.RLEDict},
		{"rs_bss_gzip.parquet", compress.Codecs.Gzip, "score", parquet.Encodings.ByteStreamSplit},
		{"rs_bss_gzip.parquet", compress.Codecs.Gzip, "f32", parquet.Encodings.ByteStreamSplit},
		{"rs_snappy.parquet", compress.Codecs.Snappy, "text", parquet.Encodings.RLEDict},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.column, func(t *testing.T) {
			pf, err := file.OpenParquetFile(filepath.Join("testdata", tt.file), false)
			if err != nil {
				t.Fatal(err)
			}
			defer pf.Close()
			if pf.NumRowGroups() != 4 {
				t.Errorf("row groups = %d, want 4", pf.NumRowGroups())
			}
			md := pf.MetaData()
			idx := md.Schema.ColumnIndexByName(tt.column)
			if idx < 0 {
				t.Fatalf("no leaf column %s", tt.column)
			}
			cc, err := md.RowGroup(0).ColumnChunk(idx)
			if err != nil {
				t.Fatal(err)
			}
			if cc.Compression() != tt.codec {
				t.Errorf("codec = %v, want %v", cc.Compression(), tt.codec)
			}
			found := false
			for _, e := range cc.Encodings() {
				found = found || e == tt.encoding
			}
			if !found {
				t.Errorf("encodings %v lack %v", cc.Encodings(), tt.encoding)
			}
		})
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(filepath.Join("testdata", "hyparquet_snappy.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path, want string
	}{
		{"truncated parquet", write("t.parquet", good[:len(good)-10]), "truncated"},
		{"unknown extension", write("x.bin", []byte("hello there, not data")), "unknown data file format"},
		{"missing", filepath.Join(dir, "nope.parquet"), "no such file"},
		{"bad stream", write("s.arrow", []byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5}), "arrow ipc stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadFile(context.Background(), tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) {
				t.Fatalf("err = %v, want it to contain %q and the path", err, tt.want)
			}
		})
	}
}

func TestColumnMissingListsColumns(t *testing.T) {
	tbl, err := ReadFile(context.Background(), filepath.Join("testdata", "rs_snappy.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = tbl.Column("sentence")
	if err == nil || !strings.Contains(err.Error(), `"sentence"`) || !strings.Contains(err.Error(), "label_name") {
		t.Fatalf("err = %v", err)
	}
}

func TestColumnConversions(t *testing.T) {
	tbl, err := ReadFile(context.Background(), filepath.Join("testdata", "arrowjs_stream.arrow"))
	if err != nil {
		t.Fatal(err)
	}
	col := func(n string) Column {
		c, err := tbl.Column(n)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if v, err := col("small").Float(2); err != nil || v != 2 {
		t.Errorf("int8 -> Float = %v, %v", v, err)
	}
	if v, err := col("f32").Int(2); err != nil || v != 3 {
		t.Errorf("integral float -> Int = %v, %v", v, err)
	}
	if _, err := col("f32").Int(1); !errors.Is(err, ErrType) {
		t.Errorf("1.5 -> Int err = %v, want ErrType", err)
	}
	if v, err := col("flag").Int(0); err != nil || v != 1 {
		t.Errorf("bool -> Int = %v, %v", v, err)
	}
	if _, err := col("text").String(3); !errors.Is(err, ErrNull) || !strings.Contains(err.Error(), "row 3") {
		t.Errorf("null text err = %v", err)
	}
	if _, err := col("text").Int(0); !errors.Is(err, ErrType) {
		t.Errorf("string -> Int err = %v", err)
	}
	if v, err := col("input_ids").Ints(9); err != nil || len(v) != 2 || v[1] != 901 {
		t.Errorf("Ints(9) = %v, %v", v, err)
	}
	if v, err := col("label_name").String(2); err != nil || v != "neutral" {
		t.Errorf("dictionary String(2) = %q, %v", v, err)
	}
}

func TestClassNamesFromHFMetadata(t *testing.T) {
	for _, f := range []string{"hyparquet_snappy.parquet", "rs_dict_zstd.parquet", "arrowjs_file.arrow", "arrowjs_stream.arrow"} {
		tbl := mustRead(t, filepath.Join("testdata", f))
		if got := tbl.ClassNames("label"); !reflect.DeepEqual(got, []string{"neg", "pos", "neutral"}) {
			t.Errorf("%s: ClassNames(label) = %q", f, got)
		}
		if got := tbl.ClassNames("tags"); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
			t.Errorf("%s: ClassNames(tags) = %q", f, got)
		}
		if got := tbl.ClassNames("id"); got != nil {
			t.Errorf("%s: ClassNames(id) = %q, want nil for a Value feature", f, got)
		}
	}
	csv := mustRead(t, writeTemp(t, "x.csv", "label\n1\n"))
	if csv.ClassNames("label") != nil {
		t.Error("CSV has no ClassLabel names")
	}
}
