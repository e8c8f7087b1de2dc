package models

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// testConfig is a small architecture config for exercising the shared config code.
type testConfig struct {
	PretrainedConfig
	HiddenSize int      `json:"hidden_size"`
	Dropout    float64  `json:"dropout"`
	Act        string   `json:"act"`
	UseCache   bool     `json:"use_cache"`
	ClsDropout *float64 `json:"classifier_dropout"`
}

func (c *testConfig) Validate() error {
	if c.HiddenSize <= 0 {
		return errors.New("hidden_size must be positive")
	}
	return nil
}

func defaultTestConfig() testConfig {
	c := testConfig{HiddenSize: 8, Dropout: 0.1, Act: "gelu", UseCache: true}
	c.ModelType = "test"
	c.SetLabels(DefaultLabels(2))
	return c
}

func TestPrepareConfig(t *testing.T) {
	tests := []struct {
		name      string
		data      string
		opts      Options
		labels    map[int]string
		problem   string
		changed   bool
		wantErr   error
		errSubstr string
		check     func(t *testing.T, c *testConfig)
	}{
		{name: "defaults", labels: map[int]string{0: "LABEL_0", 1: "LABEL_1"}},
		{name: "id2label replaces the default labels", data: `{"id2label": {"0": "only"}}`, labels: map[int]string{0: "only"}},
		{name: "num_labels without id2label", data: `{"num_labels": 3}`, labels: DefaultLabels(3)},
		{name: "id2label wins over stale num_labels", data: `{"num_labels": 5, "id2label": {"0": "a", "1": "b"}}`, labels: map[int]string{0: "a", 1: "b"}},
		{name: "NumLabels option", data: `{"id2label": {"0": "a", "1": "b"}}`, opts: Options{NumLabels: 4}, labels: DefaultLabels(4), changed: true},
		{name: "same NumLabels keeps names", data: `{"id2label": {"0": "a", "1": "b"}}`, opts: Options{NumLabels: 2}, labels: map[int]string{0: "a", 1: "b"}},
		{name: "ID2Label option", opts: Options{ID2Label: map[int]string{0: "x", 1: "y", 2: "z"}}, labels: map[int]string{0: "x", 1: "y", 2: "z"}, changed: true},
		{name: "problem type option", opts: Options{ProblemType: Regression, NumLabels: 1}, labels: DefaultLabels(1), problem: Regression, changed: true},
		{name: "problem type from file", data: `{"problem_type": "multi_label_classification"}`, labels: DefaultLabels(2), problem: MultiLabel},
		{name: "num_labels override", opts: Options{ConfigOverrides: "num_labels=3"}, labels: DefaultLabels(3), changed: true},
		{name: "overrides by field type", opts: Options{ConfigOverrides: "hidden_size=16, dropout=0.25,act=relu,use_cache=False,classifier_dropout=0.5"},
			labels: DefaultLabels(2), check: func(t *testing.T, c *testConfig) {
				if c.HiddenSize != 16 || c.Dropout != 0.25 || c.Act != "relu" || c.UseCache || c.ClsDropout == nil || *c.ClsDropout != 0.5 {
					t.Errorf("overrides not applied: %+v", c)
				}
			}},
		{name: "None override", data: `{"classifier_dropout": 0.3}`, opts: Options{ConfigOverrides: "classifier_dropout=None"},
			labels: DefaultLabels(2), check: func(t *testing.T, c *testConfig) {
				if c.ClsDropout != nil {
					t.Errorf("classifier_dropout %v, want nil", *c.ClsDropout)
				}
			}},
		{name: "extra key override", data: `{"custom": "a", "count": 1}`, opts: Options{ConfigOverrides: "custom=b,count=2"},
			labels: DefaultLabels(2), check: func(t *testing.T, c *testConfig) {
				if string(c.Extra["custom"]) != `"b"` || string(c.Extra["count"]) != `2` {
					t.Errorf("extra %s", c.Extra)
				}
			}},
		{name: "unknown override key", opts: Options{ConfigOverrides: "hiden_size=3"}, wantErr: ErrUnknownConfigKey, errSubstr: `"hidden_size"`},
		{name: "malformed override", opts: Options{ConfigOverrides: "hidden_size"}, errSubstr: "not key=value"},
		{name: "override of wrong type", opts: Options{ConfigOverrides: "dropout=high"}, errSubstr: "not a number"},
		{name: "invalid json", data: `{"hidden_size": }`, wantErr: ErrBadConfig},
		{name: "wrong json type", data: `{"hidden_size": "big"}`, wantErr: ErrBadConfig},
		{name: "bad label id", data: `{"id2label": {"zero": "a"}}`, wantErr: ErrBadConfig, errSubstr: "zero"},
		{name: "label ids with a hole", data: `{"id2label": {"0": "a", "2": "b"}}`, wantErr: ErrBadConfig, errSubstr: "lacks id 1"},
		{name: "bad problem type", data: `{"problem_type": "ranking"}`, wantErr: ErrBadConfig, errSubstr: "ranking"},
		{name: "validation", opts: Options{ConfigOverrides: "hidden_size=0"}, wantErr: ErrBadConfig, errSubstr: "hidden_size"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := defaultTestConfig()
			var data []byte
			if tc.data != "" {
				data = []byte(tc.data)
			}
			changed, err := PrepareConfig(data, &c, tc.opts)
			if tc.wantErr != nil || tc.errSubstr != "" {
				if err == nil {
					t.Fatal("no error")
				}
				if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
					t.Errorf("error %v is not %v", err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.errSubstr) {
					t.Errorf("error %q does not contain %q", err, tc.errSubstr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Labels()
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.labels) {
				t.Fatalf("labels %v, want %v", got, tc.labels)
			}
			for i, n := range tc.labels {
				if got[i] != n || c.Label2ID[n] != i {
					t.Errorf("label %d = %q (label2id %d), want %q", i, got[i], c.Label2ID[n], n)
				}
			}
			if c.Problem() != tc.problem {
				t.Errorf("problem %q, want %q", c.Problem(), tc.problem)
			}
			if changed != tc.changed {
				t.Errorf("labelsChanged %v, want %v", changed, tc.changed)
			}
			if tc.check != nil {
				tc.check(t, &c)
			}
		})
	}
}

// TestConfigRoundTrip: unknown keys survive decode + encode, id2label keys are strings,
// num_labels is not written and a null problem_type stays null.
func TestConfigRoundTrip(t *testing.T) {
	in := `{"model_type": "test", "hidden_size": 4, "id2label": {"0": "neg", "1": "pos"}, "num_labels": 2,
		"custom_list": [1, 2], "nested": {"a": true}, "problem_type": null}`
	c := defaultTestConfig()
	if _, err := PrepareConfig([]byte(in), &c, Options{}); err != nil {
		t.Fatal(err)
	}
	out, err := MarshalForSave(&c, "TestForSequenceClassification")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"custom_list":          `[1,2]`,
		"nested":               `{"a":true}`,
		"id2label":             `{"0":"neg","1":"pos"}`,
		"label2id":             `{"neg":0,"pos":1}`,
		"problem_type":         `null`,
		"architectures":        `["TestForSequenceClassification"]`,
		"torch_dtype":          `"float32"`,
		"transformers_version": `"` + TransformersVersion + `"`,
		"hidden_size":          `4`,
		"classifier_dropout":   `null`,
	}
	for k, v := range want {
		var compact bytes.Buffer
		if err := json.Compact(&compact, got[k]); err != nil {
			t.Errorf("%s: %v", k, err)
			continue
		}
		if compact.String() != v {
			t.Errorf("%s = %s, want %s", k, compact.String(), v)
		}
	}
	if _, ok := got["num_labels"]; ok {
		t.Error("num_labels written")
	}
}

func TestInferProblemType(t *testing.T) {
	tests := []struct {
		labels int
		b      Batch
		want   string
	}{
		{1, Batch{FloatLabels: []float32{1}}, Regression},
		{1, Batch{Labels: []int32{1}}, Regression},
		{3, Batch{Labels: []int32{1}}, SingleLabel},
		{3, Batch{FloatLabels: []float32{1, 0, 1}}, MultiLabel},
		{3, Batch{}, ""},
	}
	for _, tc := range tests {
		if got := InferProblemType(tc.labels, &tc.b); got != tc.want {
			t.Errorf("InferProblemType(%d, %+v) = %q, want %q", tc.labels, tc.b, got, tc.want)
		}
	}
}

func TestHeadInfo(t *testing.T) {
	regression := Regression
	tests := []struct {
		name string
		cfg  PretrainedConfig
		want Info
	}{
		{"default labels", PretrainedConfig{ID2Label: map[string]string{"0": "LABEL_0", "1": "LABEL_1"}},
			Info{ModelType: "m", Architecture: "A", NumLabels: 2, ID2Label: map[int]string{0: "LABEL_0", 1: "LABEL_1"}}},
		{"regression", PretrainedConfig{ID2Label: map[string]string{"0": "score"}, ProblemType: &regression},
			Info{ModelType: "m", Architecture: "A", NumLabels: 1, ProblemType: Regression, ID2Label: map[int]string{0: "score"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.cfg.HeadInfo("m", "A"); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("HeadInfo = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestFieldErrors(t *testing.T) {
	tests := []struct {
		name string
		add  func(e *FieldErrors)
		want string // "" for no error
	}{
		{"positive", func(e *FieldErrors) { e.Positive("n", 1) }, ""},
		{"zero", func(e *FieldErrors) { e.Positive("n", 0) }, "n must be positive, got 0"},
		{"probability", func(e *FieldErrors) { e.Probability("p", 0) }, ""},
		{"probability 1", func(e *FieldErrors) { e.Probability("p", 1) }, "p must be in [0,1), got 1"},
		{"non-negative 0", func(e *FieldErrors) { e.NonNegative("std", 0) }, ""},
		{"negative", func(e *FieldErrors) { e.NonNegative("std", -0.5) }, "std must not be negative, got -0.5"},
		{"token id", func(e *FieldErrors) { e.TokenID("pad_token_id", 29, 30) }, ""},
		{"token id past the vocabulary", func(e *FieldErrors) { e.TokenID("pad_token_id", 30, 30) }, "pad_token_id 30 outside the vocabulary of 30"},
		{"negative token id", func(e *FieldErrors) { e.TokenID("pad_token_id", -1, 30) }, "pad_token_id -1 outside the vocabulary of 30"},
		{"check", func(e *FieldErrors) { e.Check(false, "x %d", 1) }, "x 1"},
		{"joined", func(e *FieldErrors) { e.Positive("a", -1); e.NonNegative("b", -1) }, "a must be positive, got -1\nb must not be negative, got -1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var e FieldErrors
			tc.add(&e)
			err := e.Err()
			if tc.want == "" {
				if err != nil {
					t.Errorf("error %v, want none", err)
				}
				return
			}
			if err == nil || err.Error() != tc.want {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}
