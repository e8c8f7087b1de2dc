package data

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustRead(t *testing.T, path string) *Table {
	t.Helper()
	tbl, err := ReadFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

func mustCol(t *testing.T, tbl *Table, name string) Column {
	t.Helper()
	c, err := tbl.Column(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const sampleJSONL = `{"text": "good film", "label": 1, "score": 0.5, "tags": ["a", "b"], "ids": [101, 7, 102], "w": [1, 2.5]}
{"text": "bad, \"very\" bad", "label": 0, "score": 2, "tags": [], "ids": [101, 102], "w": null}

{"label": 1, "score": null, "tags": null, "ids": [101, 9, 9, 102], "w": [3]}
{"text": "naïve\nnewline", "label": 2, "score": -1e-3, "tags": ["c"], "ids": [101, 102], "w": [0]}
`

func TestReadJSONLines(t *testing.T) {
	tbl := mustRead(t, writeTemp(t, "x.jsonl", sampleJSONL))
	if tbl.NumRows() != 4 {
		t.Fatalf("NumRows = %d, want 4 (blank line skipped)", tbl.NumRows())
	}
	if got := strings.Join(tbl.Columns(), ","); got != "text,label,score,tags,ids,w" {
		t.Fatalf("Columns = %s", got)
	}
	kinds := map[string]Kind{"text": KindString, "label": KindInt, "score": KindFloat, "tags": KindStringList, "ids": KindIntList, "w": KindFloatList}
	for name, k := range kinds {
		if got := mustCol(t, tbl, name).Kind(); got != k {
			t.Errorf("%s kind = %s, want %s", name, got, k)
		}
	}
	text := mustCol(t, tbl, "text")
	if !text.Null(2) {
		t.Error("missing key should be null")
	}
	if s, _ := text.String(1); s != `bad, "very" bad` {
		t.Errorf("text[1] = %q", s)
	}
	if s, _ := text.String(3); s != "naïve\nnewline" {
		t.Errorf("text[3] = %q", s)
	}
	if v, _ := mustCol(t, tbl, "score").Float(3); v != -1e-3 {
		t.Errorf("score[3] = %v", v)
	}
	if v, _ := mustCol(t, tbl, "score").Float(1); v != 2 {
		t.Errorf("score[1] (int in a float column) = %v", v)
	}
	if v, err := mustCol(t, tbl, "tags").Strings(1); err != nil || len(v) != 0 {
		t.Errorf("tags[1] = %v, %v; want empty", v, err)
	}
	if v, _ := mustCol(t, tbl, "ids").Ints(2); len(v) != 4 || v[3] != 102 {
		t.Errorf("ids[2] = %v", v)
	}
	if v, _ := mustCol(t, tbl, "w").Floats(0); len(v) != 2 || v[1] != 2.5 {
		t.Errorf("w[0] = %v", v)
	}
}

func TestReadJSONArrayAndGzip(t *testing.T) {
	arr := `[{"text": "x", "label": "pos"}, {"text": "y", "label": "neg"}]`
	tbl := mustRead(t, writeTemp(t, "a.json", arr))
	if tbl.NumRows() != 2 {
		t.Fatalf("NumRows = %d", tbl.NumRows())
	}
	if s, _ := mustCol(t, tbl, "label").String(1); s != "neg" {
		t.Errorf("label[1] = %q", s)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(sampleJSONL))
	_ = zw.Close()
	gz := mustRead(t, writeTemp(t, "x.jsonl.gz", buf.String()))
	if gz.NumRows() != 4 {
		t.Errorf("gzip NumRows = %d", gz.NumRows())
	}
}

func TestReadJSONErrors(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"malformed line", "{\"a\": 1}\n{\"a\": 2}\n{\"a\": 3,}\n", "line 3"},
		{"not an object", "{\"a\": 1}\n[1, 2]\n", "line 2"},
		{"trailing data", "{\"a\": 1} {\"a\": 2}\n", "line 1"},
		{"duplicate key", "{\"a\": 1, \"a\": 2}\n", "duplicate key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadFile(context.Background(), writeTemp(t, "bad.jsonl", tt.content))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestJSONMixedTypesIsUnsupportedColumn(t *testing.T) {
	tbl := mustRead(t, writeTemp(t, "m.jsonl", "{\"a\": 1, \"b\": {\"x\": 1}}\n{\"a\": \"one\", \"b\": null}\n"))
	a := mustCol(t, tbl, "a")
	if a.Kind() != KindUnsupported {
		t.Fatalf("kind = %s", a.Kind())
	}
	if _, err := a.Int(0); !errors.Is(err, ErrType) || !strings.Contains(err.Error(), "mixed") {
		t.Errorf("err = %v", err)
	}
	if b := mustCol(t, tbl, "b"); b.Kind() != KindUnsupported {
		t.Errorf("nested object kind = %s", b.Kind())
	}
}

func TestReadCSV(t *testing.T) {
	content := "\ufefftext,label,score,flag,code\n" +
		"\"hello, world\",1,0.5,true,007\n" +
		"\"multi\nline \"\"quoted\"\"\",0,,False,abc\n" +
		",2,3,true,12\n"
	tbl := mustRead(t, writeTemp(t, "d.csv", content))
	if tbl.NumRows() != 3 {
		t.Fatalf("NumRows = %d", tbl.NumRows())
	}
	if got := strings.Join(tbl.Columns(), ","); got != "text,label,score,flag,code" {
		t.Fatalf("Columns = %q (BOM must be stripped)", got)
	}
	text := mustCol(t, tbl, "text")
	if s, _ := text.String(0); s != "hello, world" {
		t.Errorf("text[0] = %q", s)
	}
	if s, _ := text.String(1); s != "multi\nline \"quoted\"" {
		t.Errorf("text[1] = %q", s)
	}
	if !text.Null(2) {
		t.Error("empty field should be null")
	}
	kinds := map[string]Kind{"label": KindInt, "score": KindFloat, "flag": KindBool, "code": KindString}
	for name, k := range kinds {
		if got := mustCol(t, tbl, name).Kind(); got != k {
			t.Errorf("%s kind = %s, want %s", name, got, k)
		}
	}
	if s, _ := mustCol(t, tbl, "code").String(0); s != "007" {
		t.Errorf("code[0] = %q: a text column keeps numeric-looking cells verbatim", s)
	}
	if !mustCol(t, tbl, "score").Null(1) {
		t.Error("score[1] should be null")
	}
}

func TestReadTSVAndCSVErrors(t *testing.T) {
	tbl := mustRead(t, writeTemp(t, "d.tsv", "sentence1\tsentence2\tlabel\na, b\tc\t1\n"))
	if s, _ := mustCol(t, tbl, "sentence1").String(0); s != "a, b" {
		t.Errorf("sentence1[0] = %q", s)
	}
	tests := []struct{ name, content, want string }{
		{"ragged row", "a,b\n1,2\n3\n", "line 3"},
		{"duplicate header", "a,a\n1,2\n", "duplicate column"},
		{"bare quote", "a,b\n1,x\"y\n", "line 2"},
		{"empty", "", "header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadFile(context.Background(), writeTemp(t, "bad.csv", tt.content))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestDetectByMagicNotExtension(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "rs_snappy.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	stream, err := os.ReadFile(filepath.Join("testdata", "arrowjs_stream.arrow"))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"parquet.json": src, "stream.csv": stream, "noext": stream} {
		tbl := mustRead(t, writeTemp(t, name, string(b)))
		if tbl.NumRows() != 10 {
			t.Errorf("%s: NumRows = %d", name, tbl.NumRows())
		}
	}
}
