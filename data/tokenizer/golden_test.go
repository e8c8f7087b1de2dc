package tokenizer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
)

// goldenRecord is one line of testdata/golden_<name>.jsonl.gz, written by
// scripts/tokenizer/make_goldens.js with the official Rust library (npm tokenizers@0.23.2).
type goldenRecord struct {
	Text    string  `json:"text"`
	Pair    *string `json:"pair"`
	Special bool    `json:"special"`
	Trunc   *struct {
		MaxLength int    `json:"max_length"`
		Strategy  string `json:"strategy"`
		Direction string `json:"direction"`
	} `json:"trunc"`
	Pad *struct {
		Fixed     int    `json:"fixed"`
		Direction string `json:"direction"`
		PadID     int    `json:"pad_id"`
		PadToken  string `json:"pad_token"`
	} `json:"pad"`
	IDs               []int    `json:"ids"`
	TypeIDs           []int    `json:"type_ids"`
	AttentionMask     []int    `json:"attention_mask"`
	SpecialTokensMask []int    `json:"special_tokens_mask"`
	Tokens            []string `json:"tokens"`
	Offsets           [][2]int `json:"offsets"`
	Decoded           *string  `json:"decoded"`
	DecodedSkip       *string  `json:"decoded_skip"`
	Error             string   `json:"error"`

	// A batch record: inputs {text, pair or null}, encoded with EncodeBatch / EncodePairBatch
	// and batch-longest padding.
	Batch     [][2]*string   `json:"batch"`
	Encodings []goldenRecord `json:"encodings"`
}

type goldenMeta struct {
	Meta struct {
		VocabSize      int `json:"vocab_size"`
		ModelVocabSize int `json:"model_vocab_size"`
	} `json:"meta"`
}

var fixtureNames = []string{"bert-base-uncased", "bert-notype", "gpt2", "roberta", "misc-wordpiece", "misc-bpe",
	"misc-bytefallback", "gpt2-prefix", "roberta-prefix"}

// variants are fixtures made by editing another one; scripts/tokenizer/make_goldens.js makes
// the same edits (VARIANTS) before encoding.
var variants = map[string]struct {
	base string
	edit func(j map[string]any)
}{
	"gpt2-prefix": {"gpt2", func(j map[string]any) {
		j["pre_tokenizer"].(map[string]any)["add_prefix_space"] = true
		j["post_processor"].(map[string]any)["trim_offsets"] = true
		j["added_tokens"] = append(j["added_tokens"].([]any), map[string]any{"id": 50257, "content": "<sep>",
			"single_word": false, "lstrip": false, "rstrip": true, "normalized": false, "special": true})
	}},
	"roberta-prefix": {"roberta", func(j map[string]any) {
		j["pre_tokenizer"].(map[string]any)["add_prefix_space"] = true
		j["post_processor"].(map[string]any)["add_prefix_space"] = true
	}},
}

// fixtureJSON returns the tokenizer.json of a fixture or variant.
func fixtureJSON(t testing.TB, name string) []byte {
	t.Helper()
	v, ok := variants[name]
	if !ok {
		return gunzipFile(t, filepath.Join("testdata", name+".json.gz"))
	}
	var j map[string]any
	if err := json.Unmarshal(gunzipFile(t, filepath.Join("testdata", v.base+".json.gz")), &j); err != nil {
		t.Fatal(err)
	}
	v.edit(j)
	b, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gunzipFile(t testing.TB, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

// fixtures caches the parsed test tokenizers; parsing the 50k-merge files takes a while.
var fixtures sync.Map

func loadFixture(t testing.TB, name string) *Tokenizer {
	t.Helper()
	if tk, ok := fixtures.Load(name); ok {
		return tk.(*Tokenizer)
	}
	tk, err := FromBytes(name+".json", fixtureJSON(t, name))
	if err != nil {
		t.Fatal(err)
	}
	fixtures.Store(name, tk)
	return tk
}

func loadGoldens(t testing.TB, name string) (goldenMeta, []goldenRecord) {
	t.Helper()
	return loadGoldensAt(t, filepath.Join("testdata", "golden_"+name+".jsonl.gz"))
}

func loadGoldensAt(t testing.TB, path string) (goldenMeta, []goldenRecord) {
	t.Helper()
	b := gunzipFile(t, path)
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var meta goldenMeta
	var recs []goldenRecord
	for first := true; sc.Scan(); first = false {
		if first {
			if err := json.Unmarshal(sc.Bytes(), &meta); err != nil {
				t.Fatal(err)
			}
			continue
		}
		var r goldenRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return meta, recs
}

// configure applies the record's truncation and padding, if any, over the file's settings.
func configure(tk *Tokenizer, r *goldenRecord) (*Tokenizer, error) {
	if r.Trunc != nil {
		var err error
		tk, err = tk.WithTruncationConfig(Truncation{MaxLength: r.Trunc.MaxLength, Strategy: r.Trunc.Strategy, Direction: r.Trunc.Direction})
		if err != nil {
			return nil, err
		}
	}
	if r.Pad != nil {
		p := Padding{Fixed: r.Pad.Fixed, Left: r.Pad.Direction == "Left", PadID: r.Pad.PadID, PadToken: r.Pad.PadToken}
		if old, ok := tk.Padding(); ok {
			p.PadToMultipleOf = old.PadToMultipleOf // setPadding in the oracle keeps it too
		}
		tk = tk.WithPadding(p)
	}
	return tk, nil
}

func encodeRecord(tk *Tokenizer, r *goldenRecord) (*Encoding, error) {
	tk, err := configure(tk, r)
	if err != nil {
		return nil, err
	}
	if r.Pair != nil {
		return tk.EncodePair(r.Text, *r.Pair, r.Special)
	}
	return tk.Encode(r.Text, r.Special)
}

// diffBatch describes the first difference of a batch record (all singles or all pairs).
func diffBatch(tk *Tokenizer, r *goldenRecord) string {
	tk = tk.WithPadding(Padding{Left: r.Pad.Direction == "Left", PadID: r.Pad.PadID, PadToken: r.Pad.PadToken})
	var texts []string
	var pairs [][2]string
	for _, in := range r.Batch {
		if in[1] == nil {
			texts = append(texts, *in[0])
		} else {
			pairs = append(pairs, [2]string{*in[0], *in[1]})
		}
	}
	var encs []*Encoding
	var err error
	switch {
	case len(pairs) == 0:
		encs, err = tk.EncodeBatch(texts, r.Special)
	case len(texts) == 0:
		encs, err = tk.EncodePairBatch(pairs, r.Special)
	default:
		return "golden batch mixes singles and pairs"
	}
	if err != nil {
		return fmt.Sprintf("unexpected error: %v", err)
	}
	for i := range encs {
		if d := diffEncoding(encs[i], &r.Encodings[i]); d != "" {
			return fmt.Sprintf("batch item %d: %s", i, d)
		}
	}
	return ""
}

// diffRecord describes the first difference between the encoding and the golden record.
func diffRecord(tk *Tokenizer, r *goldenRecord) string {
	if r.Batch != nil {
		return diffBatch(tk, r)
	}
	e, err := encodeRecord(tk, r)
	if r.Error != "" {
		if err == nil {
			return fmt.Sprintf("want error %q, got %v", r.Error, e.Tokens)
		}
		return ""
	}
	if err != nil {
		return fmt.Sprintf("unexpected error: %v", err)
	}
	if d := diffEncoding(e, r); d != "" {
		return d
	}
	if r.Decoded != nil {
		for _, d := range []struct {
			skip bool
			want string
		}{{false, *r.Decoded}, {true, *r.DecodedSkip}} {
			got, err := tk.Decode(r.IDs, d.skip)
			if err != nil || got != d.want {
				return fmt.Sprintf("decode(skip=%v): got %q (err %v), want %q", d.skip, got, err, d.want)
			}
		}
	}
	return ""
}

func diffEncoding(e *Encoding, r *goldenRecord) string {
	for _, f := range []struct {
		name      string
		got, want any
	}{
		{"tokens", e.Tokens, r.Tokens}, {"ids", e.IDs, r.IDs}, {"type_ids", e.TypeIDs, r.TypeIDs},
		{"attention_mask", e.AttentionMask, r.AttentionMask},
		{"special_tokens_mask", e.SpecialTokensMask, r.SpecialTokensMask}, {"offsets", e.Offsets, r.Offsets},
	} {
		if !reflect.DeepEqual(f.got, f.want) {
			return fmt.Sprintf("%s:\n got  %v\n want %v", f.name, f.got, f.want)
		}
	}
	return ""
}

func TestGoldens(t *testing.T) {
	for _, name := range fixtureNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tk := loadFixture(t, name)
			meta, recs := loadGoldens(t, name)
			if len(recs) < 300 {
				t.Fatalf("only %d golden records", len(recs))
			}
			if got := tk.VocabSize(); got != meta.Meta.VocabSize {
				t.Errorf("VocabSize() = %d, want %d", got, meta.Meta.VocabSize)
			}
			bad := 0
			for i := range recs {
				r := &recs[i]
				if d := diffRecord(tk, r); d != "" {
					if bad < 5 {
						t.Errorf("record %d text=%q pair=%v special=%v trunc=%v pad=%v: %s", i, r.Text, deref(r.Pair), r.Special, r.Trunc, r.Pad, d)
					}
					bad++
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d golden encodings differ", bad, len(recs))
			}
		})
	}
}

func deref(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}
