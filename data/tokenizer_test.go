package data

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/hftrain/hftrain/data/tokenizer"
)

// The real tokenizer satisfies Encoder.
var _ Encoder = (*tokenizer.Tokenizer)(nil)

type goldenCase struct {
	Roberta bool    `json:"roberta"`
	MaxLen  int     `json:"max_len"`
	First   string  `json:"first"`
	Second  *string `json:"second"`
	IDs     []int32 `json:"ids"`
	TypeIDs []int32 `json:"type_ids"`
}

func loadTruncationGolden(t *testing.T) []goldenCase {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "truncation_golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 1000 {
		t.Fatalf("only %d golden cases", len(cases))
	}
	return cases
}

func tinyTokenizer(t *testing.T, roberta bool) *tokenizer.Tokenizer {
	t.Helper()
	name := "tiny_bert.tokenizer.json"
	if roberta {
		name = "tiny_roberta.tokenizer.json"
	}
	tok, err := tokenizer.FromFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestTruncationOracle compares with Hugging Face tokenizers (Rust) itself:
// testdata/truncation_golden.json holds what a truncating fast tokenizer
// returns for many pair lengths and max lengths (written by
// scripts/data/make_truncation_golden.mjs). Package data must produce the
// same ids from the untruncated output of both the fake encoder and package
// tokenizer loading the same tokenizer.json.
func TestTruncationOracle(t *testing.T) {
	cases := loadTruncationGolden(t)
	encoders := map[string]func(roberta bool) Encoder{
		"fake":      func(r bool) Encoder { return newFake(r) },
		"tokenizer": func(r bool) Encoder { return tinyTokenizer(t, r) },
	}
	for name, mk := range encoders {
		t.Run(name, func(t *testing.T) {
			encs := map[bool]Encoder{false: mk(false), true: mk(true)}
			for _, c := range cases {
				enc := encs[c.Roberta]
				var e *tokenizer.Encoding
				var err error
				if c.Second != nil {
					e, err = enc.EncodePair(c.First, *c.Second, true)
				} else {
					e, err = enc.Encode(c.First, true)
				}
				if err != nil {
					t.Fatal(err)
				}
				var ex Example
				if err := setEncoding(&ex, e, c.MaxLen, c.Second != nil); err != nil {
					t.Fatalf("%+v: %v", c, err)
				}
				if !reflect.DeepEqual(ex.InputIDs, c.IDs) || !reflect.DeepEqual(ex.TokenTypeIDs, c.TypeIDs) {
					t.Errorf("roberta=%v max=%d %q|%q: ids %v types %v; tokenizers gives %v %v",
						c.Roberta, c.MaxLen, c.First, deref(c.Second), ex.InputIDs, ex.TokenTypeIDs, c.IDs, c.TypeIDs)
				}
			}
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return "<none>"
	}
	return *s
}

func TestBuildClassificationRealTokenizerPairs(t *testing.T) {
	tbl := jsonlTable(t,
		`{"sentence1":"a b c","sentence2":"n o","label":"yes"}`,
		`{"sentence1":"d","sentence2":"p q r s t u v","label":"no"}`)
	d, err := BuildClassification(context.Background(), tbl, tinyTokenizer(t, false), Spec{MaxSeqLength: 8})
	if err != nil {
		t.Fatal(err)
	}
	want := []Example{
		{InputIDs: []int32{101, 1000, 1001, 1002, 102, 1013, 1014, 102}, TokenTypeIDs: []int32{0, 0, 0, 0, 0, 1, 1, 1}, Label: 1},
		{InputIDs: []int32{101, 1003, 102, 1015, 1016, 1017, 1018, 102}, TokenTypeIDs: []int32{0, 0, 0, 1, 1, 1, 1, 1}, Label: 0},
	}
	for i, w := range want {
		got := d.Examples[i]
		if !reflect.DeepEqual(got.InputIDs, w.InputIDs) || !reflect.DeepEqual(got.TokenTypeIDs, w.TokenTypeIDs) || got.Label != w.Label {
			t.Errorf("row %d: %+v, want %+v", i, got, w)
		}
		for j, m := range got.AttentionMask {
			if m != 1 {
				t.Errorf("row %d: attention_mask[%d] = %d", i, j, m)
			}
		}
	}
	if !reflect.DeepEqual(d.Labels, []string{"no", "yes"}) {
		t.Errorf("Labels = %q", d.Labels)
	}
}

// A tokenizer.json that saves its own padding and truncation (many do) must
// not pad examples or truncate them to its own length: BuildClassification
// overrides both, as transformers' tokenizer call does.
func TestBuildClassificationOverridesSavedPaddingAndTruncation(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "tiny_bert.tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tj map[string]any
	if err := json.Unmarshal(raw, &tj); err != nil {
		t.Fatal(err)
	}
	tj["padding"] = map[string]any{"strategy": map[string]any{"Fixed": 16}, "direction": "Right", "pad_to_multiple_of": nil,
		"pad_id": 0, "pad_type_id": 0, "pad_token": "[UNK]"}
	tj["truncation"] = map[string]any{"max_length": 4, "strategy": "LongestFirst", "direction": "Right", "stride": 0}
	b, _ := json.Marshal(tj)
	tok, err := tokenizer.FromBytes("saved", b)
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := tok.Encode("a b c d e", true); len(e.IDs) != 16 {
		t.Fatalf("fixture tokenizer does not pad: %d ids", len(e.IDs))
	}
	tbl := jsonlTable(t, `{"text":"a b c d e","label":0}`, `{"text":"a b c d e f g h i j","label":1}`)
	d, err := BuildClassification(context.Background(), tbl, tok, Spec{MaxSeqLength: 8})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Examples[0].InputIDs; !reflect.DeepEqual(got, []int32{101, 1000, 1001, 1002, 1003, 1004, 102}) {
		t.Errorf("row 0 = %v", got)
	}
	if got := len(d.Examples[1].InputIDs); got != 8 {
		t.Errorf("row 1 has %d ids, want MaxSeqLength 8", got)
	}
}
