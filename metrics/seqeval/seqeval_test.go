package seqeval

import (
	"encoding/json"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
)

const tol = 1e-12

func near(a, b float64) bool { return math.Abs(a-b) <= tol }

type goldenTypeScores struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Number    int     `json:"number"`
}

type goldenCase struct {
	Name             string                      `json:"name"`
	True             [][]string                  `json:"true"`
	Pred             [][]string                  `json:"pred"`
	TrueEntities     [][][]any                   `json:"true_entities"`
	PredEntities     [][][]any                   `json:"pred_entities"`
	FlatTrueEntities [][]any                     `json:"flat_true_entities"`
	OverallPrecision float64                     `json:"overall_precision"`
	OverallRecall    float64                     `json:"overall_recall"`
	OverallF1        float64                     `json:"overall_f1"`
	OverallAccuracy  float64                     `json:"overall_accuracy"`
	PerType          map[string]goldenTypeScores `json:"per_type"`
	Counts           map[string][3]int           `json:"counts"` // tp, predicted, true
}

type golden struct {
	NumSequences int          `json:"num_sequences"`
	Cases        []goldenCase `json:"cases"`
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
	if len(g.Cases) == 0 || g.NumSequences < 300 {
		t.Fatalf("golden has %d cases / %d sequences; want >= 300 sequences", len(g.Cases), g.NumSequences)
	}
	return g
}

func toEntities(t *testing.T, raw [][]any) []Entity {
	t.Helper()
	out := []Entity{}
	for _, r := range raw {
		out = append(out, Entity{Type: r[0].(string), Start: int(r[1].(float64)), End: int(r[2].(float64))})
	}
	return out
}

func entitiesOrEmpty(e []Entity) []Entity {
	if e == nil {
		return []Entity{}
	}
	return e
}

func TestGoldenEntities(t *testing.T) {
	g := loadGolden(t)
	n := 0
	for _, c := range g.Cases {
		check := func(kind string, seqs [][]string, want [][][]any) {
			for i, seq := range seqs {
				got := entitiesOrEmpty(Entities(seq))
				if w := toEntities(t, want[i]); !reflect.DeepEqual(got, w) {
					t.Errorf("%s %s[%d] %q:\n got %v\nwant %v", c.Name, kind, i, seq, got, w)
				}
				n++
			}
		}
		check("true", c.True, c.TrueEntities)
		check("pred", c.Pred, c.PredEntities)
		// seqeval's nested-list form: sequences joined with an "O" after each.
		var flat []string
		for _, s := range c.True {
			flat = append(append(flat, s...), "O")
		}
		if got, w := entitiesOrEmpty(Entities(flat)), toEntities(t, c.FlatTrueEntities); !reflect.DeepEqual(got, w) {
			t.Errorf("%s flattened: got %v want %v", c.Name, got, w)
		}
	}
	t.Logf("%d sequences checked", n)
}

func TestGoldenCompute(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.Cases {
		r, err := Compute(c.True, c.Pred)
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		if !near(r.Precision, c.OverallPrecision) || !near(r.Recall, c.OverallRecall) ||
			!near(r.F1, c.OverallF1) || !near(r.Accuracy, c.OverallAccuracy) {
			t.Errorf("%s: overall p/r/f1/acc = %v %v %v %v, want %v %v %v %v", c.Name,
				r.Precision, r.Recall, r.F1, r.Accuracy, c.OverallPrecision, c.OverallRecall, c.OverallF1, c.OverallAccuracy)
		}
		if len(r.PerType) != len(c.PerType) {
			t.Errorf("%s: types %v, want %d types %v", c.Name, r.Types(), len(c.PerType), c.PerType)
		}
		for typ, w := range c.PerType {
			got, ok := r.PerType[typ]
			if !ok {
				t.Errorf("%s: missing type %q", c.Name, typ)
				continue
			}
			if got.Number != w.Number || !near(got.Precision, w.Precision) || !near(got.Recall, w.Recall) || !near(got.F1, w.F1) {
				t.Errorf("%s/%s: got %+v want %+v", c.Name, typ, got, w)
			}
			cnt := c.Counts[typ]
			if got.TruePositives != cnt[0] || got.Predicted != cnt[1] || got.Number != cnt[2] {
				t.Errorf("%s/%s: counts tp/pred/true = %d/%d/%d, want %v", c.Name, typ, got.TruePositives, got.Predicted, got.Number, cnt)
			}
		}
	}
}

func TestReadmeExample(t *testing.T) {
	yTrue := [][]string{{"O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"}, {"B-PER", "I-PER", "O"}}
	yPred := [][]string{{"O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"}, {"B-PER", "I-PER", "O"}}
	r, err := Compute(yTrue, yPred)
	if err != nil {
		t.Fatal(err)
	}
	if r.Precision != 0.5 || r.Recall != 0.5 || r.F1 != 0.5 || r.Accuracy != 0.8 {
		t.Errorf("overall = %+v", r)
	}
	if got, want := r.PerType["MISC"], (TypeScores{Number: 1, Predicted: 1}); got != want {
		t.Errorf("MISC = %+v, want %+v", got, want)
	}
	if got, want := r.PerType["PER"], (TypeScores{1, 1, 1, 1, 1, 1}); got != want {
		t.Errorf("PER = %+v, want %+v", got, want)
	}
	if got := r.Types(); !reflect.DeepEqual(got, []string{"MISC", "PER"}) {
		t.Errorf("types = %v", got)
	}
	m := r.Map()
	for _, k := range []string{"overall_precision", "overall_recall", "overall_f1", "overall_accuracy", "MISC", "PER"} {
		if _, ok := m[k]; !ok {
			t.Errorf("Map lacks %q", k)
		}
	}
	if m["PER"].(map[string]any)["number"] != 1 {
		t.Errorf("Map PER = %v", m["PER"])
	}
}

func TestHandWritten(t *testing.T) {
	cases := []struct {
		name          string
		yTrue, yPred  [][]string
		p, r, f1, acc float64
		per           map[string][3]float64 // precision, recall, f1
	}{
		{
			// seqeval f1_score docstring: micro 0.666..., per type MISC 0.5, PER 1.
			name:  "f1_docstring",
			yTrue: [][]string{{"O", "O", "B-MISC", "I-MISC", "B-MISC", "O", "O"}, {"B-PER", "I-PER", "O"}},
			yPred: [][]string{{"O", "O", "B-MISC", "I-MISC", "B-MISC", "I-MISC", "O"}, {"B-PER", "I-PER", "O"}},
			p:     2.0 / 3, r: 2.0 / 3, f1: 2.0 / 3, acc: 0.9,
			per: map[string][3]float64{"MISC": {0.5, 0.5, 0.5}, "PER": {1, 1, 1}},
		},
		{
			name:  "no entities anywhere: zero division gives 0",
			yTrue: [][]string{{"O", "O"}}, yPred: [][]string{{"O", "O"}},
			acc: 1, per: map[string][3]float64{},
		},
		{
			name:  "predicted-only type is reported with number 0",
			yTrue: [][]string{{"O", "B-PER"}}, yPred: [][]string{{"B-LOC", "B-PER"}},
			p: 0.5, r: 1, f1: 2.0 / 3, acc: 0.5,
			per: map[string][3]float64{"LOC": {0, 0, 0}, "PER": {1, 1, 1}},
		},
		{
			name:  "IOBES prediction against IOB2 reference still matches spans",
			yTrue: [][]string{{"B-PER", "I-PER", "O", "B-LOC"}}, yPred: [][]string{{"B-PER", "E-PER", "O", "S-LOC"}},
			p: 1, r: 1, f1: 1, acc: 0.5,
			per: map[string][3]float64{"LOC": {1, 1, 1}, "PER": {1, 1, 1}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Compute(c.yTrue, c.yPred)
			if err != nil {
				t.Fatal(err)
			}
			if !near(r.Precision, c.p) || !near(r.Recall, c.r) || !near(r.F1, c.f1) || !near(r.Accuracy, c.acc) {
				t.Errorf("got p/r/f1/acc %v %v %v %v want %v %v %v %v", r.Precision, r.Recall, r.F1, r.Accuracy, c.p, c.r, c.f1, c.acc)
			}
			if len(r.PerType) != len(c.per) {
				t.Errorf("types %v, want %v", r.Types(), c.per)
			}
			for typ, w := range c.per {
				g := r.PerType[typ]
				if !near(g.Precision, w[0]) || !near(g.Recall, w[1]) || !near(g.F1, w[2]) {
					t.Errorf("%s: %+v want %v", typ, g, w)
				}
			}
		})
	}
}

func TestEntitiesRules(t *testing.T) {
	cases := []struct {
		tags []string
		want []Entity
	}{
		{[]string{"B-PER", "I-PER", "O", "B-LOC"}, []Entity{{"PER", 0, 1}, {"LOC", 3, 3}}}, // get_entities docstring
		{[]string{"O", "I-PER", "I-PER"}, []Entity{{"PER", 1, 2}}},                         // I after O starts a chunk (IOB1)
		{[]string{"I-PER", "I-LOC"}, []Entity{{"PER", 0, 0}, {"LOC", 1, 1}}},               // type change ends one
		{[]string{"I-PER", "B-PER", "I-PER"}, []Entity{{"PER", 0, 0}, {"PER", 1, 2}}},
		{[]string{"B-PER", "B-PER"}, []Entity{{"PER", 0, 0}, {"PER", 1, 1}}},
		{[]string{"S-PER", "I-PER", "E-PER"}, []Entity{{"PER", 0, 0}, {"PER", 1, 2}}},
		{[]string{"E-PER", "E-PER"}, []Entity{{"PER", 0, 0}, {"PER", 1, 1}}},
		{[]string{"I-PER", "E-PER", "I-PER"}, []Entity{{"PER", 0, 1}, {"PER", 2, 2}}}, // IOE
		{[]string{"PER", "PER", "O"}, []Entity{{"ER", 0, 1}}},                         // no prefix: tag 'P', type "ER"
		{[]string{"B", "I", "O"}, []Entity{{"_", 0, 1}}},                              // bare prefixes: type "_"
		{[]string{"B-A-B"}, []Entity{{"A-B", 0, 0}}},                                  // split on the first '-' only
		{[]string{"Ü-PER", "O"}, []Entity{{"PER", 0, 0}}},                             // tag 'Ü': starts/ends only on type changes
		{[]string{"O", "O"}, []Entity{}},
		{nil, []Entity{}},
	}
	for _, c := range cases {
		if got := entitiesOrEmpty(Entities(c.tags)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Entities(%q) = %v, want %v", c.tags, got, c.want)
		}
	}
}

func TestComputeErrors(t *testing.T) {
	cases := []struct {
		yTrue, yPred [][]string
		want         string
	}{
		{[][]string{{"O"}}, [][]string{{"O"}, {"O"}}, "1 reference sequences but 2 predicted"},
		{[][]string{{"O"}, {"O", "B-PER"}}, [][]string{{"O"}, {"O"}}, "sequence 1:"},
		{[][]string{{"O", ""}}, [][]string{{"O", "O"}}, "sequence 0, token 1: empty label"},
		{nil, nil, "no tokens"},
		{[][]string{{}}, [][]string{{}}, "no tokens"},
	}
	for _, c := range cases {
		_, err := Compute(c.yTrue, c.yPred)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Compute(%q, %q) error = %v, want containing %q", c.yTrue, c.yPred, err, c.want)
		}
	}
}
