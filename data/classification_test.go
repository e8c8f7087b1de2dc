package data

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hftrain/hftrain/data/tokenizer"
)

// fakeEncoder is a whitespace tokenizer with BERT-style ([CLS] a [SEP] b
// [SEP], type ids 0/1) or RoBERTa-style (<s> a </s></s> b </s>, all type 0)
// special tokens. Word ids come from a fixed vocabulary, unknown words are 100.
type fakeEncoder struct {
	roberta bool
	vocab   map[string]int
	fail    string // Encode fails on this text
}

func newFake(roberta bool) *fakeEncoder {
	v := map[string]int{}
	for i, w := range strings.Fields("a b c d e f g h i j k l m n o p q r s t u v w x y z good bad film plot") {
		v[w] = 1000 + i
	}
	return &fakeEncoder{roberta: roberta, vocab: v}
}

func (f *fakeEncoder) words(s string) []int {
	var ids []int
	for _, w := range strings.Fields(s) {
		id, ok := f.vocab[w]
		if !ok {
			id = 100
		}
		ids = append(ids, id)
	}
	return ids
}

func (f *fakeEncoder) specials() (cls, sep int) {
	if f.roberta {
		return 0, 2
	}
	return 101, 102
}

func (f *fakeEncoder) Encode(text string, add bool) (*tokenizer.Encoding, error) {
	if f.fail != "" && text == f.fail {
		return nil, errors.New("boom")
	}
	return f.build(f.words(text), nil, false, add), nil
}

func (f *fakeEncoder) EncodePair(a, b string, add bool) (*tokenizer.Encoding, error) {
	return f.build(f.words(a), f.words(b), true, add), nil
}

func (f *fakeEncoder) build(a, b []int, pair, add bool) *tokenizer.Encoding {
	e := &tokenizer.Encoding{}
	push := func(id, typ, special int) {
		e.IDs = append(e.IDs, id)
		e.TypeIDs = append(e.TypeIDs, typ)
		e.AttentionMask = append(e.AttentionMask, 1)
		e.SpecialTokensMask = append(e.SpecialTokensMask, special)
	}
	cls, sep := f.specials()
	typeB := 1
	if f.roberta {
		typeB = 0
	}
	if add {
		push(cls, 0, 1)
	}
	for _, id := range a {
		push(id, 0, 0)
	}
	if add {
		push(sep, 0, 1)
	}
	if pair {
		if add && f.roberta {
			push(sep, 0, 1)
		}
		for _, id := range b {
			push(id, typeB, 0)
		}
		if add {
			push(sep, typeB, 1)
		}
	}
	return e
}

func jsonlTable(t *testing.T, lines ...string) *Table {
	t.Helper()
	return mustRead(t, writeTemp(t, "d.jsonl", strings.Join(lines, "\n")+"\n"))
}

func TestBuildClassificationLabels(t *testing.T) {
	tests := []struct {
		name      string
		lines     []string
		spec      Spec
		problem   string
		labels    []string
		ids       []int32
		floatRows [][]float32
	}{
		{
			name:    "string labels sorted",
			lines:   []string{`{"text":"a","label":"pos"}`, `{"text":"b","label":"neg"}`, `{"text":"c","label":"neutral"}`, `{"text":"d","label":"pos"}`},
			problem: SingleLabel, labels: []string{"neg", "neutral", "pos"}, ids: []int32{2, 0, 1, 2},
		},
		{
			name:    "int labels are ids",
			lines:   []string{`{"text":"a","label":2}`, `{"text":"b","label":0}`},
			problem: SingleLabel, labels: []string{"0", "1", "2"}, ids: []int32{2, 0},
		},
		{
			name:    "fixed label list",
			lines:   []string{`{"text":"a","label":"b"}`, `{"text":"b","label":"a"}`},
			spec:    Spec{LabelList: []string{"b", "a", "c"}},
			problem: SingleLabel, labels: []string{"b", "a", "c"}, ids: []int32{0, 1},
		},
		{
			name:    "float labels mean regression",
			lines:   []string{`{"text":"a","label":0.5}`, `{"text":"b","label":3}`},
			problem: Regression, floatRows: [][]float32{{0.5}, {3}},
		},
		{
			name:    "int labels forced to regression",
			lines:   []string{`{"text":"a","label":1}`, `{"text":"b","label":4}`},
			spec:    Spec{ProblemType: Regression},
			problem: Regression, floatRows: [][]float32{{1}, {4}},
		},
		{
			name:    "list of names",
			lines:   []string{`{"text":"a","labels":["sports","politics"]}`, `{"text":"b","labels":[]}`, `{"text":"c","labels":["art"]}`},
			problem: MultiLabel, labels: []string{"art", "politics", "sports"},
			floatRows: [][]float32{{0, 1, 1}, {0, 0, 0}, {1, 0, 0}},
		},
		{
			name:    "list of ids",
			lines:   []string{`{"text":"a","label":[0,3]}`, `{"text":"b","label":[1]}`},
			problem: MultiLabel, labels: []string{"0", "1", "2", "3"},
			floatRows: [][]float32{{1, 0, 0, 1}, {0, 1, 0, 0}},
		},
		{
			name:    "multi-hot ints",
			lines:   []string{`{"text":"a","label":[0,1,1]}`, `{"text":"b","label":[1,0,0]}`},
			problem: MultiLabel, labels: []string{"0", "1", "2"},
			floatRows: [][]float32{{0, 1, 1}, {1, 0, 0}},
		},
		{
			name:    "soft multi-hot floats",
			lines:   []string{`{"text":"a","label":[0.25,1]}`, `{"text":"b","label":[1,0]}`},
			problem: MultiLabel, labels: []string{"0", "1"},
			floatRows: [][]float32{{0.25, 1}, {1, 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := BuildClassification(context.Background(), jsonlTable(t, tt.lines...), newFake(false), tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if d.ProblemType != tt.problem {
				t.Errorf("ProblemType = %s, want %s", d.ProblemType, tt.problem)
			}
			if !reflect.DeepEqual(d.Labels, tt.labels) {
				t.Errorf("Labels = %q, want %q", d.Labels, tt.labels)
			}
			wantN := len(tt.labels)
			if tt.problem == Regression {
				wantN = 1
			}
			if d.NumLabels != wantN {
				t.Errorf("NumLabels = %d, want %d", d.NumLabels, wantN)
			}
			for i, ex := range d.Examples {
				if tt.ids != nil && ex.Label != tt.ids[i] {
					t.Errorf("row %d: Label = %d, want %d", i, ex.Label, tt.ids[i])
				}
				if tt.floatRows != nil && !reflect.DeepEqual(ex.FloatLabels, tt.floatRows[i]) {
					t.Errorf("row %d: FloatLabels = %v, want %v", i, ex.FloatLabels, tt.floatRows[i])
				}
			}
		})
	}
}

func TestBuildClassificationErrors(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		spec  Spec
		want  []string
	}{
		{"null label", []string{`{"text":"a","label":1}`, `{"text":"b","label":0}`, `{"text":"c","label":null}`}, Spec{}, []string{`"label"`, "row 2", "null"}},
		{"negative id", []string{`{"text":"a","label":1}`, `{"text":"b","label":-1}`}, Spec{}, []string{`"label"`, "row 1", "negative"}},
		{"NaN regression", []string{`{"text":"a","label":0.5}`, `{"text":"b","label":1.5}`}, Spec{}, nil},
		{"unknown name", []string{`{"text":"a","label":"x"}`, `{"text":"b","label":"zz"}`}, Spec{LabelList: []string{"x", "y"}}, []string{"row 1", `"zz"`}},
		{"id out of range", []string{`{"text":"a","label":1}`, `{"text":"b","label":5}`}, Spec{LabelList: []string{"x", "y"}}, []string{"row 1", "out of range"}},
		{"wrong multi-hot length", []string{`{"text":"a","label":[0.5,1]}`, `{"text":"b","label":[1,0,0.5]}`}, Spec{}, []string{"row 1", "3 entries, want 2"}},
		{"missing label column", []string{`{"text":"a","y":1}`}, Spec{}, []string{`"label"`, "columns: text, y"}},
		{"missing named label column", []string{`{"text":"a","y":1}`}, Spec{LabelColumn: "target"}, []string{`"target"`, "text, y"}},
		{"missing text column", []string{`{"txt":"a","label":1}`, `{"txt":"b","label":0}`}, Spec{TextColumns: []string{"text"}}, []string{`"text"`, "txt, label"}},
		{"no input column", []string{`{"body":"a","label":1}`, `{"body":"b","label":0}`}, Spec{}, []string{"no input column", "body, label"}},
		{"null text", []string{`{"text":"a","label":1}`, `{"text":null,"label":0}`}, Spec{}, []string{`"text"`, "row 1", "null"}},
		{"single class", []string{`{"text":"a","label":0}`, `{"text":"b","label":0}`}, Spec{}, []string{"at least 2"}},
		{"bad problem type", []string{`{"text":"a","label":0}`}, Spec{ProblemType: "ranking"}, []string{"ranking"}},
		{"list label as regression", []string{`{"text":"a","label":[0]}`}, Spec{ProblemType: Regression}, []string{"cannot be a regression"}},
		{"tokenizer error", []string{`{"text":"a","label":1}`, `{"text":"boom","label":0}`}, Spec{}, []string{"row 1", "boom"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == nil {
				t.Skip("NaN cannot be written in JSON; covered by TestRegressionNaN")
			}
			enc := newFake(false)
			enc.fail = "boom"
			_, err := BuildClassification(context.Background(), jsonlTable(t, tt.lines...), enc, tt.spec)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to contain %s", err, w)
				}
			}
		})
	}
}

func TestRegressionNaN(t *testing.T) {
	tbl := mustRead(t, writeTemp(t, "r.csv", "text,label\na,0.5\nb,NaN\n"))
	_, err := BuildClassification(context.Background(), tbl, newFake(false), Spec{})
	if err == nil || !strings.Contains(err.Error(), "row 1") || !strings.Contains(err.Error(), "NaN") {
		t.Fatalf("err = %v", err)
	}
}

func TestBuildClassificationWithLabels(t *testing.T) {
	train, err := BuildClassification(context.Background(), jsonlTable(t,
		`{"text":"a","label":"pos"}`, `{"text":"b","label":"neg"}`, `{"text":"c","label":"mid"}`), newFake(false), Spec{})
	if err != nil {
		t.Fatal(err)
	}
	// The validation split only has "pos": its ids must still be the train ones.
	val, err := BuildClassificationWithLabels(context.Background(), jsonlTable(t, `{"text":"d","label":"pos"}`), newFake(false), Spec{}, train.Labels)
	if err != nil {
		t.Fatal(err)
	}
	if val.NumLabels != 3 || val.Examples[0].Label != 2 {
		t.Errorf("val NumLabels = %d, Label = %d; want 3, 2", val.NumLabels, val.Examples[0].Label)
	}
	_, err = BuildClassificationWithLabels(context.Background(), jsonlTable(t, `{"text":"d","label":"other"}`), newFake(false), Spec{}, train.Labels)
	if err == nil || !strings.Contains(err.Error(), `"other"`) {
		t.Errorf("unknown validation label err = %v", err)
	}
}

func TestBuildClassificationInputs(t *testing.T) {
	ctx := context.Background()
	t.Run("single text", func(t *testing.T) {
		d, err := BuildClassification(ctx, jsonlTable(t, `{"text":"good film","label":1}`, `{"text":"bad","label":0}`), newFake(false), Spec{})
		if err != nil {
			t.Fatal(err)
		}
		ex := d.Examples[0]
		if !reflect.DeepEqual(ex.InputIDs, []int32{101, 1026, 1028, 102}) || !reflect.DeepEqual(ex.AttentionMask, []int32{1, 1, 1, 1}) ||
			!reflect.DeepEqual(ex.TokenTypeIDs, []int32{0, 0, 0, 0}) {
			t.Errorf("example = %+v", ex)
		}
	})
	t.Run("pair gets type ids 1 on the second segment", func(t *testing.T) {
		d, err := BuildClassification(ctx, jsonlTable(t, `{"sentence1":"a b","sentence2":"c","label":1}`, `{"sentence1":"x","sentence2":"y z","label":0}`), newFake(false), Spec{})
		if err != nil {
			t.Fatal(err)
		}
		ex := d.Examples[0]
		if !reflect.DeepEqual(ex.InputIDs, []int32{101, 1000, 1001, 102, 1002, 102}) || !reflect.DeepEqual(ex.TokenTypeIDs, []int32{0, 0, 0, 0, 1, 1}) {
			t.Errorf("example = %+v", ex)
		}
	})
	t.Run("ready input_ids", func(t *testing.T) {
		d, err := BuildClassification(ctx, jsonlTable(t,
			`{"text":"ignored","input_ids":[101,5,102],"token_type_ids":[0,0,0],"attention_mask":[1,1,1],"label":1}`,
			`{"text":"ignored","input_ids":[101,102],"token_type_ids":[0,1],"attention_mask":[1,1],"label":0}`), nil, Spec{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(d.Examples[0].InputIDs, []int32{101, 5, 102}) || !reflect.DeepEqual(d.Examples[1].TokenTypeIDs, []int32{0, 1}) {
			t.Errorf("examples = %+v", d.Examples)
		}
	})
	t.Run("ready input_ids length mismatch", func(t *testing.T) {
		_, err := BuildClassification(ctx, jsonlTable(t,
			`{"input_ids":[101,5,102],"attention_mask":[1,1],"label":1}`), nil, Spec{LabelList: []string{"a", "b"}})
		if err == nil || !strings.Contains(err.Error(), `"attention_mask": row 0`) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestTruncation(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		roberta bool
		line    string
		maxLen  int
		want    []int32
		types   []int32
	}{
		{"single", false, `{"text":"a b c d e","label":0}`, 4, []int32{101, 1000, 1001, 102}, []int32{0, 0, 0, 0}},
		{"pair cuts longer first", false, `{"sentence1":"a b c d e","sentence2":"f","label":0}`, 6, []int32{101, 1000, 1001, 102, 1005, 102}, []int32{0, 0, 0, 0, 1, 1}},
		{"pair both cut", false, `{"sentence1":"a b c d e","sentence2":"f g h i","label":0}`, 8, []int32{101, 1000, 1001, 1002, 102, 1005, 1006, 102}, []int32{0, 0, 0, 0, 0, 1, 1, 1}},
		{"roberta pair", true, `{"sentence1":"a b c d e","sentence2":"f g h i","label":0}`, 8, []int32{0, 1000, 1001, 2, 2, 1005, 1006, 2}, []int32{0, 0, 0, 0, 0, 0, 0, 0}},
		{"no truncation needed", false, `{"text":"a b","label":0}`, 4, []int32{101, 1000, 1001, 102}, []int32{0, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tbl := jsonlTable(t, tt.line)
			d, err := BuildClassification(ctx, tbl, newFake(tt.roberta), Spec{MaxSeqLength: tt.maxLen, LabelList: []string{"x", "y"}})
			if err != nil {
				t.Fatal(err)
			}
			ex := d.Examples[0]
			if !reflect.DeepEqual(ex.InputIDs, tt.want) || !reflect.DeepEqual(ex.TokenTypeIDs, tt.types) {
				t.Errorf("ids %v types %v; want %v %v", ex.InputIDs, ex.TokenTypeIDs, tt.want, tt.types)
			}
		})
	}
	_, err := BuildClassification(ctx, jsonlTable(t, `{"sentence1":"a","sentence2":"b","label":0}`), newFake(true), Spec{MaxSeqLength: 3, LabelList: []string{"x"}})
	if err == nil || !strings.Contains(err.Error(), "special tokens") {
		t.Errorf("too short MaxSeqLength err = %v", err)
	}
}

func TestBuildClassificationUsesClassLabelNames(t *testing.T) {
	tbl := mustRead(t, filepath.Join("testdata", "rs_snappy.parquet"))
	d, err := BuildClassification(context.Background(), tbl, newFake(false), Spec{TextColumns: []string{"label_name"}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d.Labels, []string{"neg", "pos", "neutral"}) || d.NumLabels != 3 {
		t.Errorf("Labels = %q NumLabels = %d", d.Labels, d.NumLabels)
	}
	if d.Examples[4].Label != 1 {
		t.Errorf("row 4 label = %d, want 1", d.Examples[4].Label)
	}
	// An explicit LabelList wins over the file's names.
	d, err = BuildClassification(context.Background(), tbl, newFake(false), Spec{TextColumns: []string{"label_name"}, LabelList: []string{"x", "y", "z", "w"}})
	if err != nil || d.NumLabels != 4 {
		t.Errorf("NumLabels = %v, %v", d, err)
	}
	// Null text at row 3 is an error naming the column and row.
	_, err = BuildClassification(context.Background(), tbl, newFake(false), Spec{TextColumns: []string{"text"}})
	if err == nil || !strings.Contains(err.Error(), `"text": row 3`) {
		t.Errorf("err = %v", err)
	}
	// By default the ready input_ids are used; row 6 is null there.
	_, err = BuildClassification(context.Background(), tbl, newFake(false), Spec{})
	if err == nil || !strings.Contains(err.Error(), `"input_ids": row 6`) {
		t.Errorf("err = %v", err)
	}
}

func TestTokenizeRowsParallelMatchesSequential(t *testing.T) {
	lines := make([]string, 3000)
	for i := range lines {
		words := strings.Fields("a b c d e f g h i j k l m")
		lines[i] = fmt.Sprintf(`{"text":%q,"label":%d}`, strings.Join(words[:1+i%len(words)], " "), i%2)
	}
	tbl := jsonlTable(t, lines...)
	d, err := BuildClassification(context.Background(), tbl, newFake(false), Spec{MaxSeqLength: 8})
	if err != nil {
		t.Fatal(err)
	}
	for i, ex := range d.Examples {
		n := 1 + i%13
		want := []int32{101}
		for j := 0; j < min(n, 6); j++ {
			want = append(want, int32(1000+j))
		}
		want = append(want, 102)
		if !reflect.DeepEqual(ex.InputIDs, want) {
			t.Fatalf("row %d: %v, want %v", i, ex.InputIDs, want)
		}
	}
	// With failures in several chunks, the first failing row is reported.
	lines[2900] = `{"text":"boom","label":0}`
	lines[1400] = `{"text":"boom","label":0}`
	enc := newFake(false)
	enc.fail = "boom"
	_, err = BuildClassification(context.Background(), jsonlTable(t, lines...), enc, Spec{})
	if err == nil || !strings.Contains(err.Error(), "row 1400") {
		t.Errorf("err = %v, want row 1400", err)
	}
}

// paddingEncoder pads every encoding to 12 on the left, like a tokenizer
// configured with padding.
type paddingEncoder struct{ *fakeEncoder }

func (p paddingEncoder) pad(e *tokenizer.Encoding) *tokenizer.Encoding {
	out := &tokenizer.Encoding{}
	for j := len(e.IDs); j < 12; j++ {
		out.IDs = append(out.IDs, 0)
		out.TypeIDs = append(out.TypeIDs, 0)
		out.AttentionMask = append(out.AttentionMask, 0)
		out.SpecialTokensMask = append(out.SpecialTokensMask, 1)
	}
	out.IDs = append(out.IDs, e.IDs...)
	out.TypeIDs = append(out.TypeIDs, e.TypeIDs...)
	out.AttentionMask = append(out.AttentionMask, e.AttentionMask...)
	out.SpecialTokensMask = append(out.SpecialTokensMask, e.SpecialTokensMask...)
	return out
}

func (p paddingEncoder) Encode(s string, add bool) (*tokenizer.Encoding, error) {
	e, err := p.fakeEncoder.Encode(s, add)
	return p.pad(e), err
}

func (p paddingEncoder) EncodePair(a, b string, add bool) (*tokenizer.Encoding, error) {
	e, err := p.fakeEncoder.EncodePair(a, b, add)
	return p.pad(e), err
}

func TestPaddedEncoderOutputIsUnpadded(t *testing.T) {
	tbl := jsonlTable(t, `{"sentence1":"a b c","sentence2":"d e f g","label":0}`, `{"sentence1":"a","sentence2":"b","label":1}`)
	d, err := BuildClassification(context.Background(), tbl, paddingEncoder{newFake(false)}, Spec{MaxSeqLength: 6})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int32{{101, 1000, 102, 1003, 1004, 102}, {101, 1000, 102, 1001, 102}}
	for i, w := range want {
		if got := d.Examples[i].InputIDs; !reflect.DeepEqual(got, w) {
			t.Errorf("row %d = %v, want %v", i, got, w)
		}
	}
}

func TestBuildInputs(t *testing.T) {
	tbl := jsonlTable(t, `{"text":"good film"}`, `{"text":"bad plot d e f"}`)
	d, err := BuildInputs(context.Background(), tbl, newFake(false), Spec{MaxSeqLength: 4})
	if err != nil {
		t.Fatal(err)
	}
	if d.ProblemType != "" || d.Labels != nil || len(d.Examples) != 2 {
		t.Fatalf("dataset = %+v", d)
	}
	if got := d.Examples[1].InputIDs; !reflect.DeepEqual(got, []int32{101, 1027, 1029, 102}) {
		t.Errorf("row 1 = %v", got)
	}
	b, err := NewBatcher(d, BatchOptions{BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if bt := b.Epoch(0)[0]; bt.Labels != nil || bt.FloatLabels != nil || bt.SeqLen != 4 {
		t.Errorf("batch = %+v", bt)
	}
	if _, err := BuildInputs(context.Background(), tbl, newFake(false), Spec{TextColumns: []string{"body"}}); err == nil || !strings.Contains(err.Error(), `"body"`) {
		t.Errorf("err = %v", err)
	}
}

// TestLabelsColumnUnderDefaultName: label_column_name's default "label" finds a "labels" column
// when there is no "label" (as transformers' collators take either); an explicit other name
// does not fall back.
func TestLabelsColumnUnderDefaultName(t *testing.T) {
	rows := []string{`{"text":"a","labels":"pos"}`, `{"text":"b","labels":"neg"}`}
	for _, name := range []string{"", "label"} {
		d, err := BuildClassification(context.Background(), jsonlTable(t, rows...), newFake(false), Spec{LabelColumn: name})
		if err != nil {
			t.Fatalf("LabelColumn %q: %v", name, err)
		}
		if d.NumLabels != 2 || d.Examples[0].Label == d.Examples[1].Label {
			t.Errorf("LabelColumn %q: labels %v, examples %+v", name, d.Labels, d.Examples)
		}
	}
	if _, err := BuildClassification(context.Background(), jsonlTable(t, rows...), newFake(false), Spec{LabelColumn: "target"}); err == nil || !strings.Contains(err.Error(), `"target"`) {
		t.Errorf("LabelColumn target: %v", err)
	}
}
