package tokenizer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// minimal returns a small tokenizer.json with the given components spliced in.
func minimal(normalizer, preTokenizer, model, post, decoder string) []byte {
	return []byte(fmt.Sprintf(`{"version":"1.0","truncation":null,"padding":null,
	"added_tokens":[{"id":0,"content":"[PAD]","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true},
	{"id":2,"content":"[CLS]","special":true},{"id":3,"content":"[SEP]","special":true}],
	"normalizer":%s,"pre_tokenizer":%s,"model":%s,"post_processor":%s,"decoder":%s}`,
		normalizer, preTokenizer, model, post, decoder))
}

const tinyWordPiece = `{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##","max_input_chars_per_word":100,
	"vocab":{"[PAD]":0,"[UNK]":1,"[CLS]":2,"[SEP]":3,"hello":4,"world":5,"##s":6,"!":7}}`

func TestUnsupportedComponents(t *testing.T) {
	tests := []struct {
		name string
		json []byte
		want string
	}{ // all but the last two wrap ErrUnsupported
		{"pre_tokenizer", minimal("null", `{"type":"UnicodeScripts"}`, tinyWordPiece, "null", "null"),
			`tokenizer: tokenizer.json: pre_tokenizer type "UnicodeScripts" is not supported`},
		{"normalizer", minimal(`{"type":"Precompiled","precompiled_charsmap":""}`, "null", tinyWordPiece, "null", "null"),
			`tokenizer: tokenizer.json: normalizer type "Precompiled" is not supported`},
		{"nested normalizer", minimal(`{"type":"Sequence","normalizers":[{"type":"NFC"},{"type":"Nmt"}]}`, "null", tinyWordPiece, "null", "null"),
			`tokenizer: tokenizer.json: normalizer type "Nmt" is not supported`},
		{"model", minimal("null", "null", `{"type":"Unigram","vocab":[["a",0.0]]}`, "null", "null"),
			`tokenizer: tokenizer.json: model type "Unigram" is not supported`},
		{"post_processor", minimal("null", "null", tinyWordPiece, `{"type":"Fancy"}`, "null"),
			`tokenizer: tokenizer.json: post_processor type "Fancy" is not supported`},
		{"decoder", minimal("null", "null", tinyWordPiece, "null", `{"type":"CTC"}`),
			`tokenizer: tokenizer.json: decoder type "CTC" is not supported`},
		{"look-around regex", minimal("null", `{"type":"Split","pattern":{"Regex":"a(?=b)"},"behavior":"Isolated","invert":false}`, tinyWordPiece, "null", "null"),
			`tokenizer: tokenizer.json: pre_tokenizer Split: regex "a(?=b)" is not supported (Go regexp has no look-around or backreferences)`},
		{"dropout", minimal("null", "null", `{"type":"BPE","dropout":0.1,"vocab":{"a":0},"merges":[]}`, "null", "null"),
			`tokenizer: tokenizer.json: model BPE: dropout 0.1 is not supported`},
		{"untyped model", minimal("null", "null", `{"vocab":{"a":0}}`, "null", "null"),
			`tokenizer: tokenizer.json: model has no type and its fields match no supported model`},
		{"bad json", []byte(`{`), `tokenizer: tokenizer.json: unexpected end of JSON input`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromBytes("tokenizer.json", tt.json)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("err = %v, want prefix %q", err, tt.want)
			}
			if unsupported := i < len(tests)-2; errors.Is(err, ErrUnsupported) != unsupported {
				t.Errorf("errors.Is(err, ErrUnsupported) = %v, want %v", !unsupported, unsupported)
			}
		})
	}
}

func TestFromFileMissing(t *testing.T) {
	_, err := FromFile(filepath.Join(t.TempDir(), "nope.json"))
	if err == nil || !strings.HasPrefix(err.Error(), "tokenizer: open ") {
		t.Fatalf("err = %v", err)
	}
}

func TestFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokenizer.json")
	b := minimal(`{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,"strip_accents":null,"lowercase":true}`,
		`{"type":"BertPreTokenizer"}`, tinyWordPiece,
		`{"type":"BertProcessing","sep":["[SEP]",3],"cls":["[CLS]",2]}`, `{"type":"WordPiece","prefix":"##","cleanup":true}`)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	tk, err := FromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	e, err := tk.Encode("Hello worlds!", true)
	if err != nil {
		t.Fatal(err)
	}
	want := &Encoding{
		IDs: []int{2, 4, 5, 6, 7, 3}, TypeIDs: []int{0, 0, 0, 0, 0, 0}, AttentionMask: []int{1, 1, 1, 1, 1, 1},
		SpecialTokensMask: []int{1, 0, 0, 0, 0, 1}, Tokens: []string{"[CLS]", "hello", "world", "##s", "!", "[SEP]"},
		Offsets: [][2]int{{0, 0}, {0, 5}, {6, 11}, {11, 12}, {12, 13}, {0, 0}},
	}
	if !reflect.DeepEqual(e, want) {
		t.Fatalf("got %+v\nwant %+v", e, want)
	}
	s, err := tk.Decode(e.IDs, true)
	if err != nil || s != "hello worlds!" {
		t.Fatalf("Decode = %q, %v", s, err)
	}
	if _, err := tk.Decode([]int{99}, false); err == nil {
		t.Fatal("Decode of an unknown id: want an error")
	}
}

func TestVocabLookups(t *testing.T) {
	bert := loadFixture(t, "bert-base-uncased")
	roberta := loadFixture(t, "roberta")
	gpt2 := loadFixture(t, "gpt2")
	tests := []struct {
		tk    *Tokenizer
		tok   string
		id    int
		found bool
	}{
		{bert, "[CLS]", 101, true}, {bert, "hello", 7592, true}, {bert, "##ing", 2075, true}, {bert, "<s>", 0, false},
		{roberta, "<s>", 0, true}, {roberta, "<mask>", 50261, true}, {roberta, "Ġthe", 262 + 4, true},
		{gpt2, "<|endoftext|>", 50256, true}, {gpt2, "Ġthe", 262, true},
	}
	for _, tt := range tests {
		id, ok := tt.tk.TokenToID(tt.tok)
		if ok != tt.found || (ok && id != tt.id) {
			t.Errorf("%s: TokenToID(%q) = %d, %v; want %d, %v", tt.tk.name, tt.tok, id, ok, tt.id, tt.found)
		}
		if !tt.found {
			continue
		}
		if tok, ok := tt.tk.IDToToken(tt.id); !ok || tok != tt.tok {
			t.Errorf("%s: IDToToken(%d) = %q, %v", tt.tk.name, tt.id, tok, ok)
		}
	}
	pads := []struct {
		tk    *Tokenizer
		id    int
		found bool
	}{{bert, 0, true}, {roberta, 1, true}, {gpt2, 0, false}}
	for _, p := range pads {
		if id, ok := p.tk.PadID(); id != p.id || ok != p.found {
			t.Errorf("%s: PadID() = %d, %v; want %d, %v", p.tk.name, id, ok, p.id, p.found)
		}
	}
	if id, ok := gpt2.WithPadding(Padding{PadID: 50256}).PadID(); !ok || id != 50256 {
		t.Errorf("PadID with padding = %d, %v", id, ok)
	}
}

func TestWithCopies(t *testing.T) {
	tk := loadFixture(t, "misc-wordpiece") // stores truncation 24 and padding Fixed 28 (left)
	tr, ok := tk.Truncation()
	if !ok || tr.MaxLength != 24 || tr.Strategy != "LongestFirst" || tr.Direction != "Right" {
		t.Fatalf("Truncation() = %+v, %v", tr, ok)
	}
	p, ok := tk.Padding()
	if !ok || p.Fixed != 28 || !p.Left || p.PadTypeID != 3 {
		t.Fatalf("Padding() = %+v, %v", p, ok)
	}
	text := strings.Repeat("word ", 40)
	short := tk.WithTruncation(5).WithoutPadding()
	e, err := short.Encode(text, true)
	if err != nil {
		t.Fatal(err)
	}
	if e.Len() != 5 {
		t.Errorf("WithTruncation(5): %d tokens", e.Len())
	}
	e, err = tk.Encode(text, true)
	if err != nil {
		t.Fatal(err)
	}
	if e.Len() != 28 || e.AttentionMask[0] != 0 || e.AttentionMask[27] != 1 {
		t.Errorf("original changed by the copies: %d tokens, mask %v", e.Len(), e.AttentionMask)
	}
	e, err = tk.WithTruncation(-1).WithoutPadding().Encode(text, false)
	if err != nil {
		t.Fatal(err)
	}
	if e.Len() != 40 {
		t.Errorf("no truncation: %d tokens", e.Len())
	}
	if _, err := tk.WithTruncationConfig(Truncation{MaxLength: 8, Strategy: "LongestFirst", Direction: "Right", Stride: 2}); err == nil {
		t.Error("stride 2: want an error")
	}
	if _, err := tk.WithTruncation(1).Encode("a", true); err == nil {
		t.Error("max_length below the special tokens: want an error")
	}
}

// TestConcurrentEncode checks that one Tokenizer gives the same results from many goroutines
// (run with -race to check for data races).
func TestConcurrentEncode(t *testing.T) {
	for _, name := range []string{"bert-base-uncased", "roberta"} {
		tk := loadFixture(t, name)
		_, recs := loadGoldens(t, name)
		var wg sync.WaitGroup
		errs := make(chan string, 8)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := g; i < len(recs); i += 8 {
					if d := diffRecord(tk, &recs[i]); d != "" {
						errs <- fmt.Sprintf("%s record %d: %s", name, i, d)
						return
					}
				}
			}(g)
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	}
}

func TestInvalidUTF8(t *testing.T) {
	tk := loadFixture(t, "gpt2")
	a, err := tk.Encode("ab\xffc", false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := tk.Encode("ab\uFFFDc", false)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.IDs, b.IDs) {
		t.Errorf("invalid UTF-8: %v, want %v", a.IDs, b.IDs)
	}
}

func TestGPT2Scanner(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Hello world", []string{"Hello", " world"}},
		{"  two", []string{" ", " two"}},
		{"a   ", []string{"a", "   "}},
		{"a \n b", []string{"a", " \n", " b"}},
		{"it's 'sup I'LL", []string{"it", "'s", " '", "sup", " I", "'", "LL"}},
		{"x123 4,5!!", []string{"x", "123", " 4", ",", "5", "!!"}},
		{"héllo wörld", []string{"héllo", " wörld"}},
		{"\t\tx", []string{"\t", "\t", "x"}}, // only a space joins the next word
		{"", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, m := range gpt2Matches(tt.in) {
			got = append(got, tt.in[m[0]:m[1]])
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("gpt2Matches(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func BenchmarkEncodeBERT(b *testing.B) { benchEncode(b, "bert-base-uncased") }
func BenchmarkEncodeGPT2(b *testing.B) { benchEncode(b, "gpt2") }

func BenchmarkEncodeBatchBERT(b *testing.B) { benchEncodeBatch(b, "bert-base-uncased") }
func BenchmarkEncodeBatchGPT2(b *testing.B) { benchEncodeBatch(b, "gpt2") }

// benchTexts returns the single-sequence texts of the goldens.
func benchTexts(b *testing.B, name string) []string {
	_, recs := loadGoldens(b, name)
	var texts []string
	for _, r := range recs {
		if r.Batch == nil && r.Pair == nil && r.Trunc == nil && r.Pad == nil && r.Special {
			texts = append(texts, r.Text)
		}
	}
	return texts
}

// benchEncodeBatch encodes the golden corpus with EncodeBatch (all cores) and reports tokens/s.
func benchEncodeBatch(b *testing.B, name string) {
	tk := loadFixture(b, name)
	texts := benchTexts(b, name)
	b.ResetTimer()
	tokens := 0
	for i := 0; i < b.N; i++ {
		encs, err := tk.EncodeBatch(texts, true)
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range encs {
			tokens += e.Len()
		}
	}
	b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
}

// benchEncode encodes the golden corpus sequentially and reports tokens/s.
func benchEncode(b *testing.B, name string) {
	tk := loadFixture(b, name)
	texts := benchTexts(b, name)
	b.ResetTimer()
	tokens := 0
	for i := 0; i < b.N; i++ {
		e, err := tk.Encode(texts[i%len(texts)], true)
		if err != nil {
			b.Fatal(err)
		}
		tokens += e.Len()
	}
	b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
}
