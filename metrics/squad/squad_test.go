package squad

import (
	"encoding/json"
	"math"
	"os"
	"reflect"
	"testing"
	"unicode/utf8"
)

const tol = 1e-12

func near(a, b float64) bool { return math.Abs(a-b) <= tol }

type goldenPair struct {
	Pred     string  `json:"pred"`
	Gold     string  `json:"gold"`
	NormPred string  `json:"norm_pred"`
	NormGold string  `json:"norm_gold"`
	Exact    float64 `json:"exact"`
	F1V1     float64 `json:"f1_v1"`
	F1V2     float64 `json:"f1_v2"`
}

type goldenMulti struct {
	Pred  string   `json:"pred"`
	Golds []string `json:"golds"`
	Exact float64  `json:"exact"`
	F1V1  float64  `json:"f1_v1"`
	F1V2  float64  `json:"f1_v2"`
}

type goldenDataset struct {
	Name   string              `json:"name"`
	V2     bool                `json:"v2"`
	Refs   map[string][]string `json:"refs"`
	Preds  map[string]string   `json:"preds"`
	Result map[string]float64  `json:"result"`
}

type goldenUnicode struct {
	UnidataVersion string    `json:"unidata_version"`
	Unassigned     [][2]rune `json:"unassigned"`
	Lower          [][2]any  `json:"lower"`
	Space          []rune    `json:"space"`
	Word           [][2]rune `json:"word"`
	CaseIgnorable  [][2]rune `json:"case_ignorable"`
	Cased          [][2]rune `json:"cased"`
}

type golden struct {
	Pairs    []goldenPair    `json:"pairs"`
	Multi    []goldenMulti   `json:"multi"`
	Datasets []goldenDataset `json:"datasets"`
	Unicode  goldenUnicode   `json:"unicode"`
}

func loadGolden(t *testing.T) golden {
	t.Helper()
	b, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatalf("read golden (regenerate with /usr/bin/python3 scripts/metrics/reference.py generate): %v", err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Pairs) < 300 || len(g.Datasets) == 0 {
		t.Fatalf("golden has %d pairs, %d datasets", len(g.Pairs), len(g.Datasets))
	}
	return g
}

func TestGoldenPairs(t *testing.T) {
	g := loadGolden(t)
	for i, p := range g.Pairs {
		if got := Normalize(p.Pred); got != p.NormPred {
			t.Errorf("pair %d: Normalize(%q) = %q, want %q", i, p.Pred, got, p.NormPred)
		}
		if got := Normalize(p.Gold); got != p.NormGold {
			t.Errorf("pair %d: Normalize(%q) = %q, want %q", i, p.Gold, got, p.NormGold)
		}
		if got := ExactMatch(p.Pred, p.Gold); got != p.Exact {
			t.Errorf("pair %d: ExactMatch(%q, %q) = %v, want %v", i, p.Pred, p.Gold, got, p.Exact)
		}
		if got := F1V1(p.Pred, p.Gold); !near(got, p.F1V1) {
			t.Errorf("pair %d: F1V1(%q, %q) = %v, want %v", i, p.Pred, p.Gold, got, p.F1V1)
		}
		if got := F1(p.Pred, p.Gold); !near(got, p.F1V2) {
			t.Errorf("pair %d: F1(%q, %q) = %v, want %v", i, p.Pred, p.Gold, got, p.F1V2)
		}
	}
	for i, m := range g.Multi {
		if got := MaxOverGolds(ExactMatch, m.Pred, m.Golds); got != m.Exact {
			t.Errorf("multi %d: exact %v want %v", i, got, m.Exact)
		}
		if got := MaxOverGolds(F1V1, m.Pred, m.Golds); !near(got, m.F1V1) {
			t.Errorf("multi %d: f1 v1 %v want %v", i, got, m.F1V1)
		}
		if got := MaxOverGolds(F1, m.Pred, m.Golds); !near(got, m.F1V2) {
			t.Errorf("multi %d: f1 v2 %v want %v", i, got, m.F1V2)
		}
	}
}

func TestGoldenDatasets(t *testing.T) {
	g := loadGolden(t)
	var sawHas, sawNo, sawMissing bool
	for _, d := range g.Datasets {
		r := Compute(d.Preds, d.Refs, d.V2)
		got := map[string]float64{}
		for k, v := range r.Map() {
			switch v := v.(type) {
			case float64:
				got[k] = v
			case int:
				got[k] = float64(v)
			}
		}
		if len(got) != len(d.Result) {
			t.Errorf("%s: keys %v, want %v", d.Name, got, d.Result)
		}
		for k, w := range d.Result {
			if v, ok := got[k]; !ok || !near(v, w) {
				t.Errorf("%s: %s = %v (present %v), want %v", d.Name, k, v, ok, w)
			}
		}
		sawHas = sawHas || r.HasAnsTotal > 0
		sawNo = sawNo || r.NoAnsTotal > 0
		sawMissing = sawMissing || len(r.Missing) > 0
	}
	if !sawHas || !sawNo || !sawMissing {
		t.Errorf("golden datasets lack coverage: HasAns %v NoAns %v missing %v", sawHas, sawNo, sawMissing)
	}
}

func inRanges(rs [][2]rune, r rune) bool {
	for _, x := range rs {
		if r >= x[0] && r <= x[1] {
			return true
		}
	}
	return false
}

// TestUnicodeTables checks, code point by code point, the Python string
// semantics Normalize depends on (str.lower, str.isspace, re's \w, and the
// Cased/Case_Ignorable view of CPython's final-sigma rule) against tables
// dumped from the reference interpreter. Code points unassigned in that
// interpreter's Unicode version are skipped: Go's tables may be newer.
func TestUnicodeTables(t *testing.T) {
	u := loadGolden(t).Unicode
	t.Logf("reference unicodedata %s", u.UnidataVersion)
	lower := map[rune]string{}
	for _, e := range u.Lower {
		lower[rune(e[0].(float64))] = e[1].(string)
	}
	space := map[rune]bool{}
	for _, r := range u.Space {
		space[r] = true
	}
	bad := 0
	report := func(format string, args ...any) {
		bad++
		if bad <= 20 {
			t.Errorf(format, args...)
		}
	}
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if space[r] != isPySpace(r) {
			report("isspace(%U): python %v, go %v", r, space[r], isPySpace(r))
		}
		if !utf8.ValidRune(r) || inRanges(u.Unassigned, r) {
			continue
		}
		want, ok := lower[r]
		if !ok {
			want = string(r)
		}
		if got := pyLower(string(r)); got != want {
			report("lower(%U) = %q, python %q", r, got, want)
		}
		if w, g := inRanges(u.Word, r), isPyWord(r); w != g {
			report("\\w(%U): python %v, go %v", r, w, g)
		}
		ign, cased := inRanges(u.CaseIgnorable, r), inRanges(u.Cased, r)
		if gi := isCaseIgnorable(r); gi != ign {
			report("case-ignorable(%U): python %v, go %v", r, ign, gi)
		}
		if !ign && isCased(r) != cased {
			report("cased(%U): python %v, go %v", r, cased, isCased(r))
		}
	}
	if bad > 20 {
		t.Errorf("... %d mismatches in all", bad)
	}
}

func TestNormalizeHandWritten(t *testing.T) {
	cases := []struct{ in, want string }{
		{"The  Quick, brown fox!", "quick brown fox"},
		{"an apple a day", "apple day"},
		{"theater another", "theater another"}, // articles only as whole words
		{"the_end", "theend"},                  // '_' is punctuation, removed before articles
		{"a.b", "ab"},                          // punctuation removed first
		{"A-Team", "ateam"},                    // "a-team" loses its '-' first, so no article remains
		{"İ", "i\u0307"},                       // Python's full lowercase mapping
		{"ΟΔΟΣ", "οδος"},                       // final sigma
		{"ΣΑΣ ΣΑΣ", "σας σας"},                 // final sigma per word
		{"x\x1cy", "x y"},                      // U+001C is whitespace to Python, not to Go
		{"thé", "thé"},                         // é is a word character: no boundary after "th"
		{"the\u0301", "\u0301"},                // combining marks are not \w in Python's re
		{"“the” end", "“ ” end"},               // curly quotes are not in string.punctuation
		{"", ""},
	}
	for _, c := range cases {
		if got := Normalize(c.in); got != c.want {
			t.Errorf("Normalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestScoresHandWritten(t *testing.T) {
	if got := F1("the cat sat", "a cat sat on the mat"); !near(got, 2*1.0*0.5/1.5) {
		t.Errorf("F1 = %v", got)
	}
	if got := F1("cat cat cat", "cat"); !near(got, 0.5) { // Counter semantics: 1 common token
		t.Errorf("F1 repeated = %v", got)
	}
	if F1("", "") != 1 || F1V1("", "") != 0 || F1("", "x") != 0 || F1("a the", "") != 1 {
		t.Errorf("empty-answer rules wrong")
	}
	if ExactMatch("The Cat!", "cat") != 1 || ExactMatch("cats", "cat") != 0 {
		t.Errorf("ExactMatch wrong")
	}
}

func TestComputeHandWritten(t *testing.T) {
	refs := map[string][]string{
		"q1": {"Denver Broncos", "The Denver Broncos"},
		"q2": {"Santa Clara"},
		"q3": {},
		"q4": {" the "}, // normalizes to "": treated as unanswerable, but counted as HasAns
	}
	preds := map[string]string{"q1": "denver broncos!", "q2": "Santa Clara, California", "q3": "", "q4": "", "extra": "x"}
	r := Compute(preds, refs, true)
	f1q2 := 2 * (2.0 / 3) * 1 / (2.0/3 + 1)
	want := Result{V2: true, Total: 4,
		ExactMatch: 100.0 * 3 / 4, F1: 100.0 * (1 + f1q2 + 1 + 1) / 4,
		HasAnsTotal: 3, HasAnsExact: 100.0 * 2 / 3, HasAnsF1: 100.0 * (1 + f1q2 + 1) / 3,
		NoAnsTotal: 1, NoAnsExact: 100, NoAnsF1: 100}
	if !near(r.F1, want.F1) || !near(r.HasAnsF1, want.HasAnsF1) {
		t.Errorf("v2 f1 = %v / %v, want %v / %v", r.F1, r.HasAnsF1, want.F1, want.HasAnsF1)
	}
	r.F1, r.HasAnsF1, want.F1, want.HasAnsF1 = 0, 0, 0, 0
	if !reflect.DeepEqual(r, want) {
		t.Errorf("v2 = %+v\nwant %+v", r, want)
	}

	// v1.1: a missing prediction scores 0 but counts; "" vs "" has F1 0.
	refs1 := map[string][]string{"a": {"x"}, "b": {"y z"}, "c": {""}}
	r1 := Compute(map[string]string{"a": "x", "c": ""}, refs1, false)
	if !near(r1.ExactMatch, 100.0*2/3) || !near(r1.F1, 100.0/3) || !reflect.DeepEqual(r1.Missing, []string{"b"}) {
		t.Errorf("v1 = %+v", r1)
	}
	if m := r1.Map(); len(m) != 2 || m["exact_match"] == nil || m["f1"] == nil {
		t.Errorf("v1 Map = %v", m)
	}
	if r := Compute(nil, nil, true); r.Total != 0 || r.ExactMatch != 0 || r.F1 != 0 {
		t.Errorf("empty = %+v", r)
	}
}
