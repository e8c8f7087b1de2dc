package checkpoint

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func f64(v float64) *float64 { return &v }
func intp(v int) *int        { return &v }
func strp(v string) *string  { return &v }

// fullState builds in Go the state that testdata/gen_trainer_state.py builds
// in Python.
func fullState() *TrainerState {
	s := NewTrainerState()
	s.Epoch = f64(2.0)
	s.GlobalStep, s.MaxSteps = 50, 50
	s.LoggingSteps, s.EvalSteps, s.SaveSteps = 10, 25, 25
	s.TrainBatchSize = intp(8)
	s.NumTrainEpochs = 2
	s.NumInputTokensSeen = 102400
	s.TotalFlos = 1.2345678901234568e+17
	s.LogHistory = []map[string]any{
		{"loss": 0.6931, "grad_norm": 3.2145836353302, "learning_rate": 4.2e-05, "epoch": 0.4, "step": 10},
		{"loss": 0.5123, "grad_norm": math.NaN(), "learning_rate": 3.4000000000000007e-05, "epoch": 0.8, "step": 20},
		{"eval_loss": 0.48113322257995605, "eval_accuracy": 0.8125, "eval_runtime": 1.2345,
			"eval_samples_per_second": 103.68, "eval_steps_per_second": 12.96, "epoch": 1.0, "step": 25},
		{"loss": 0.3012, "grad_norm": 1.0000000000000002e-07, "learning_rate": 1e-05, "epoch": 1.2, "step": 30},
		{"eval_loss": 0.4020511507987976, "eval_accuracy": 0.84375, "eval_runtime": 1.1,
			"eval_samples_per_second": 116.364, "eval_steps_per_second": 14.545, "epoch": 2.0, "step": 50},
		{"train_runtime": 61.5, "train_samples_per_second": 6.504, "train_steps_per_second": 0.813,
			"total_flos": 1.2345678901234568e+17, "train_loss": 0.4466, "epoch": 2.0, "step": 50},
	}
	s.BestMetric = f64(0.4020511507987976)
	s.BestGlobalStep = intp(50)
	s.BestModelCheckpoint = strp("out/checkpoint-50")
	s.TrialName = strp("trial \u00e9\u4e2d\U0001F600 \"q\"")
	s.TrialParams = map[string]any{"learning_rate": 5e-05, "seed": 42, "warmup": true, "name": "a/b\tc"}
	s.StatefulCallbacks = map[string]any{
		"EarlyStoppingCallback": map[string]any{
			"args":       map[string]any{"early_stopping_patience": 3, "early_stopping_threshold": 0.0},
			"attributes": map[string]any{"early_stopping_patience_counter": 0},
		},
		"TrainerControl": map[string]any{
			"args": map[string]any{"should_epoch_stop": false, "should_evaluate": false, "should_log": false,
				"should_save": true, "should_training_stop": true},
			"attributes": map[string]any{},
		},
	}
	return s
}

// TestTrainerStateGolden compares the bytes Go writes with the bytes
// Python's json.dumps wrote (testdata/gen_trainer_state.py), and checks that
// reading the Python file and writing it back reproduces it exactly.
func TestTrainerStateGolden(t *testing.T) {
	tests := []struct {
		golden string
		state  *TrainerState
	}{
		{"trainer_state_default.json", NewTrainerState()},
		{"trainer_state_full.json", fullState()},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata", tt.golden))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), TrainerStateName)
			if err := WriteTrainerState(path, tt.state); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("written state differs from Python's:\n%s", lineDiff(got, want))
			}
			back, err := ReadTrainerState(filepath.Join("testdata", tt.golden))
			if err != nil {
				t.Fatal(err)
			}
			again, err := MarshalTrainerState(back)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, want) {
				t.Errorf("read + write differs from the file:\n%s", lineDiff(again, want))
			}
		})
	}
}

// lineDiff reports the first differing line.
func lineDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + a + "\nwant: " + b
		}
	}
	return "(no line differs)"
}

func TestTrainerStateRoundTrip(t *testing.T) {
	s := fullState()
	path := filepath.Join(t.TempDir(), TrainerStateName)
	if err := WriteTrainerState(path, s); err != nil {
		t.Fatal(err)
	}
	r, err := ReadTrainerState(path)
	if err != nil {
		t.Fatal(err)
	}
	if *r.Epoch != 2 || r.GlobalStep != 50 || r.MaxSteps != 50 || r.LoggingSteps != 10 || r.EvalSteps != 25 ||
		r.SaveSteps != 25 || *r.TrainBatchSize != 8 || r.NumTrainEpochs != 2 || r.NumInputTokensSeen != 102400 ||
		r.TotalFlos != s.TotalFlos || *r.BestMetric != *s.BestMetric || *r.BestGlobalStep != 50 ||
		*r.BestModelCheckpoint != "out/checkpoint-50" || !r.IsLocalProcessZero || !r.IsWorldProcessZero ||
		r.IsHyperParamSearch || *r.TrialName != *s.TrialName || len(r.LogHistory) != 6 || len(r.StatefulCallbacks) != 2 {
		t.Errorf("round trip: %+v", r)
	}
	if gn, ok := r.LogHistory[1]["grad_norm"].(float64); !ok || !math.IsNaN(gn) {
		t.Errorf("NaN grad_norm came back as %v", r.LogHistory[1]["grad_norm"])
	}
	if step, _ := r.LogHistory[0]["step"].(json.Number); step != "10" {
		t.Errorf("step came back as %#v", r.LogHistory[0]["step"])
	}
}

func TestReadTrainerState(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		wantErr string
		check   func(*TrainerState) bool
	}{
		{"unknown keys tolerated", `{"global_step": 7, "future_field": [1, 2], "epoch": 0.5}`, "",
			func(s *TrainerState) bool { return s.GlobalStep == 7 && *s.Epoch == 0.5 && s.LoggingSteps == 500 }},
		{"nulls take defaults", `{"log_history": null, "stateful_callbacks": null, "trial_params": null}`, "",
			func(s *TrainerState) bool {
				return s.LogHistory != nil && len(s.LogHistory) == 0 && s.StatefulCallbacks != nil && s.TrialParams == nil
			}},
		{"infinity", `{"best_metric": -Infinity, "log_history": [{"loss": Infinity, "note": "NaN"}]}`, "",
			func(s *TrainerState) bool {
				return math.IsInf(*s.BestMetric, -1) && math.IsInf(s.LogHistory[0]["loss"].(float64), 1) &&
					s.LogHistory[0]["note"] == "NaN"
			}},
		{"wrong type", `{"global_step": "7"}`, `"global_step": want a number`, nil},
		{"fractional int", `{"global_step": 7.5}`, `"global_step": want an integer`, nil},
		{"bad log entry", `{"log_history": [1]}`, `"log_history[0]": want an object`, nil},
		{"not an object", `[]`, "decode trainer state", nil},
		{"truncated", `{"global_step": 7`, "decode trainer state", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := UnmarshalTrainerState([]byte(tt.json))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(s) {
				t.Errorf("got %+v", s)
			}
			out, err := MarshalTrainerState(s)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(out, []byte("future_field")) {
				t.Error("unknown key written back")
			}
		})
	}
}

// TestPyFloat checks the float formatter against Python's repr, written by
// testdata/gen_trainer_state.py for special and random doubles.
func TestPyFloat(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "float_repr.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		hexBits, want, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			t.Fatalf("bad line %q", sc.Text())
		}
		bits, err := strconv.ParseUint(hexBits, 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		if got := pyFloat(math.Float64frombits(bits)); got != want {
			t.Errorf("pyFloat(%s) = %s, want %s", hexBits, got, want)
		}
		n++
	}
	if n < 600 {
		t.Errorf("only %d reference values", n)
	}
	for v, want := range map[float64]string{math.NaN(): "NaN", math.Inf(1): "Infinity", math.Inf(-1): "-Infinity"} {
		if got := pyFloat(v); got != want {
			t.Errorf("pyFloat(%v) = %s", v, got)
		}
	}
}
