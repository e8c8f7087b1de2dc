package modelcard

import (
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readHistory reads a log history JSON file of testdata/history.
func readHistory(t *testing.T, name string) []map[string]float64 {
	t.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var h []map[string]float64
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return h
}

// readGolden returns the golden file's text and whether it exists.
func readGolden(t *testing.T, name string) (string, bool) {
	t.Helper()
	b, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b), true
}

// TestHistoryGoldens compares parse_log_history + make_markdown_table and the results lines
// with the output of transformers' own functions (scripts/modelcard/golden.py).
func TestHistoryGoldens(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "history", "*.json"))
	if err != nil || len(files) < 3 {
		t.Fatalf("want at least 3 log histories in testdata/history, got %d (%v)", len(files), err)
	}
	for _, f := range files {
		base := strings.TrimSuffix(f, ".json")
		t.Run(filepath.Base(base), func(t *testing.T) {
			lines, results := parseLogHistory(readHistory(t, f))

			wantTable, tableExists := readGolden(t, base+".table.md")
			if (lines != nil) != tableExists {
				t.Fatalf("lines != nil is %v, but golden table exists is %v", lines != nil, tableExists)
			}
			if got := makeMarkdownTable(lines); got != wantTable {
				t.Errorf("table differs from transformers'\n got:\n%s\nwant:\n%s", got, wantTable)
			}

			wantResults, resultsExist := readGolden(t, base+".results.md")
			if (results != nil) != resultsExist {
				t.Fatalf("results != nil is %v, but golden results exist is %v", results != nil, resultsExist)
			}
			if results != nil {
				if got := resultLines(results) + "\n"; got != wantResults {
					t.Errorf("results differ from transformers'\n got:\n%s\nwant:\n%s", got, wantResults)
				}
			}
		})
	}
}

// TestMaybeRoundGolden checks Python's str(float) and _maybe_round on awkward values.
func TestMaybeRoundGolden(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "maybe_round.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pairs [][2]any
	if err := json.Unmarshal(raw, &pairs); err != nil {
		t.Fatal(err)
	}
	if len(pairs) == 0 {
		t.Fatal("no values")
	}
	for _, p := range pairs {
		v, want := p[0].(float64), p[1].(string)
		if got := maybeRound(pyFloatValue(v)); got != want {
			t.Errorf("_maybe_round(%v) = %q, Python says %q", v, got, want)
		}
	}
}

func TestPyFloatRepr(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1, "1.0"},
		{3, "3.0"},
		{0.1, "0.1"},
		{2e-05, "2e-05"},
		{1e-4, "0.0001"},
		{1.5e-10, "1.5e-10"},
		{1e16, "1e+16"},
		{123456789012345.6, "123456789012345.6"},
		{1e100, "1e+100"},
		{math.NaN(), "nan"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
	} {
		if got := pyFloatRepr(tc.in); got != tc.want {
			t.Errorf("pyFloatRepr(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMaybeRoundTypes(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   pyValue
		want string
	}{
		{"string", pyStrValue("No log"), "No log"},
		{"int step", logValue("step", 500), "500"},
		{"float epoch", logValue("epoch", 1), "1.0"},
		{"long float", logValue("eval_loss", 0.123456), "0.1235"},
		{"four decimals", logValue("eval_loss", 0.1234), "0.1234"},
		{"non-integral step stays float", logValue("step", 2.5), "2.5"},
		{"nan", logValue("loss", math.NaN()), "nan"},
	} {
		if got := maybeRound(tc.in); got != tc.want {
			t.Errorf("%s: maybeRound = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestParseLogHistoryEdges(t *testing.T) {
	for _, tc := range []struct {
		name        string
		history     []map[string]float64
		wantTable   string
		wantLines   bool
		wantResults string // "" means nil
	}{
		{name: "empty"},
		{name: "only training logs, no summary", history: []map[string]float64{{"loss": 1, "step": 1, "epoch": 0.5}}},
		{
			name: "missing epoch and step print None",
			history: []map[string]float64{
				{"loss": 0.5},
				{"eval_loss": 0.25},
				{"train_runtime": 1},
				{"eval_loss": 0.125},
			},
			wantLines: true,
			wantTable: "| Training Loss | Epoch | Step | Validation Loss |\n" +
				"|:-------------:|:-----:|:----:|:---------------:|\n" +
				"| 0.5           | None  | None | 0.25            |\n",
			wantResults: "- Loss: 0.125",
		},
		{
			name: "NaN loss and metric with the same column name",
			history: []map[string]float64{
				{"loss": math.NaN(), "step": 2, "epoch": 1},
				{"eval_loss": 0.5, "eval_f1": 0.75, "test_f1": 0.25, "step": 2, "epoch": 1},
				{"train_runtime": 1},
			},
			wantLines: true,
			// eval_f1 and test_f1 both name "F1": the later key (by name) wins, in the
			// first one's place, as a Python dict assignment does.
			wantTable: "| Training Loss | Epoch | Step | Validation Loss | F1   |\n" +
				"|:-------------:|:-----:|:----:|:---------------:|:----:|\n" +
				"| nan           | 1.0   | 2    | 0.5             | 0.25 |\n",
			wantResults: "- Loss: 0.5\n- F1: 0.75\n- Test F1: 0.25",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines, results := parseLogHistory(tc.history)
			if (lines != nil) != tc.wantLines {
				t.Fatalf("lines = %v, want non-nil %v", lines, tc.wantLines)
			}
			if got := makeMarkdownTable(lines); got != tc.wantTable {
				t.Errorf("table\n got:\n%s\nwant:\n%s", got, tc.wantTable)
			}
			got := ""
			if results != nil {
				got = resultLines(results)
			}
			if got != tc.wantResults {
				t.Errorf("results\n got:\n%s\nwant:\n%s", got, tc.wantResults)
			}
		})
	}
}

// TestTableUnevenRows: Python raises on a row with a key the first row lacks; hftrain writes
// the union of the columns and leaves missing cells empty.
func TestTableUnevenRows(t *testing.T) {
	lines, _ := parseLogHistory([]map[string]float64{
		{"eval_loss": 1, "step": 1, "epoch": 1},
		{"eval_loss": 0.5, "eval_accuracy": 0.5, "step": 2, "epoch": 2},
		{"train_runtime": 1},
	})
	want := "| Training Loss | Epoch | Step | Validation Loss | Accuracy |\n" +
		"|:-------------:|:-----:|:----:|:---------------:|:--------:|\n" +
		"| No log        | 1.0   | 1    | 1.0             |          |\n" +
		"| No log        | 2.0   | 2    | 0.5             | 0.5      |\n"
	if got := makeMarkdownTable(lines); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
