package data

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadFilesConcatenates(t *testing.T) {
	ctx := context.Background()
	a, b := filepath.Join("testdata", "arrowjs_file.arrow"), filepath.Join("testdata", "arrowjs_stream.arrow")
	tbl, err := ReadFiles(ctx, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if tbl.NumRows() != 20 {
		t.Fatalf("NumRows = %d", tbl.NumRows())
	}
	exp := loadExpected(t)
	for _, name := range []string{"text", "label", "score", "tags", "input_ids", "probs"} {
		col := mustCol(t, tbl, name)
		if col.Len() != 20 {
			t.Fatalf("%s: Len %d", name, col.Len())
		}
		for i, raw := range exp.Columns[name] {
			checkValue(t, col, i, raw)
			checkValue(t, col, i+10, raw)
		}
	}
	if got := tbl.ClassNames("label"); len(got) != 3 {
		t.Errorf("ClassNames lost: %q", got)
	}
}

func TestReadFilesUnifiesKinds(t *testing.T) {
	p1 := writeTemp(t, "a.jsonl", `{"x": 1, "l": [1], "s": null, "e": []}`+"\n")
	p2 := writeTemp(t, "b.jsonl", `{"x": 2.5, "l": [0.5, 2], "s": "hi", "e": ["z"]}`+"\n")
	tbl, err := ReadFiles(context.Background(), p1, p2)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		col  string
		kind Kind
	}{{"x", KindFloat}, {"l", KindFloatList}, {"s", KindString}, {"e", KindStringList}}
	for _, tt := range tests {
		if k := mustCol(t, tbl, tt.col).Kind(); k != tt.kind {
			t.Errorf("%s: kind %s, want %s", tt.col, k, tt.kind)
		}
	}
	if v, _ := mustCol(t, tbl, "x").Float(0); v != 1 {
		t.Errorf("x[0] = %v", v)
	}
	if v, _ := mustCol(t, tbl, "l").Floats(1); len(v) != 2 || v[0] != 0.5 {
		t.Errorf("l[1] = %v", v)
	}
	if !mustCol(t, tbl, "s").Null(0) {
		t.Error("s[0] should stay null")
	}
	if v, _ := mustCol(t, tbl, "e").Strings(1); len(v) != 1 || v[0] != "z" {
		t.Errorf("e[1] = %v", v)
	}
}

func TestReadFilesErrors(t *testing.T) {
	p1 := writeTemp(t, "a.jsonl", `{"x": 1, "y": "a"}`+"\n")
	p2 := writeTemp(t, "b.jsonl", `{"x": "one", "y": "b"}`+"\n")
	p3 := writeTemp(t, "c.jsonl", `{"x": 1}`+"\n")
	tests := []struct {
		name  string
		paths []string
		want  []string
	}{
		{"kind clash", []string{p1, p2}, []string{`"x"`, "int", "string", p1, p2}},
		{"column sets differ", []string{p1, p3}, []string{"x, y", p3}},
		{"no files", nil, []string{"no files"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadFiles(context.Background(), tt.paths...)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want %q", err, w)
				}
			}
		})
	}
}
