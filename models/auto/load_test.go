package auto_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hftrain/hftrain/internal/safetensors"
	"github.com/hftrain/hftrain/models"
	"github.com/hftrain/hftrain/models/auto"
)

// goldenKeys reads models/testdata/keys/<arch>.txt (the sorted state_dict keys of the
// PyTorch class for a 2-layer config).
func goldenKeys(t *testing.T, arch string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("../testdata/keys", arch+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var keys []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k := strings.TrimSpace(sc.Text()); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

func paramNames(m models.Model) []string {
	var names []string
	for _, p := range m.Params() {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	return names
}

type warnings []string

func (w *warnings) warnf(f string, a ...any) { *w = append(*w, fmt.Sprintf(f, a...)) }

func load(t *testing.T, dir string, o models.Options) (models.Model, warnings) {
	t.Helper()
	var w warnings
	o.Warnf = w.warnf
	m, err := auto.Load(context.Background(), dir, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, w
}

// TestKeysMatchGolden: every head's params, and the keys Save writes, are exactly the
// state_dict keys of the transformers class.
func TestKeysMatchGolden(t *testing.T) {
	tests := []struct{ arch, fixture string }{
		{"BertForSequenceClassification", "bert_single"},
		{"DistilBertForSequenceClassification", "distilbert_single"},
		{"RobertaForSequenceClassification", "roberta_single"},
	}
	for _, tc := range tests {
		t.Run(tc.arch, func(t *testing.T) {
			want := goldenKeys(t, tc.arch)
			// From scratch, with the fixture's 2-layer config.
			m, err := auto.New(context.Background(), "", filepath.Join(parityDir, tc.fixture, "model", "config.json"), models.Options{Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if got := paramNames(m); !slices.Equal(got, want) {
				t.Errorf("params:\n got %q\nwant %q", got, want)
			}
			dir := t.TempDir()
			if err := m.Save(dir); err != nil {
				t.Fatal(err)
			}
			f := readST(t, filepath.Join(dir, "model.safetensors"))
			var saved []string
			for _, ts := range f.Tensors {
				saved = append(saved, ts.Name)
			}
			sort.Strings(saved)
			if !slices.Equal(saved, want) {
				t.Errorf("saved keys:\n got %q\nwant %q", saved, want)
			}
			if f.Metadata["format"] != "pt" {
				t.Errorf("metadata %v, want format=pt", f.Metadata)
			}
		})
	}
}

// TestSaveLoadRoundTrip: loading what Save wrote gives bit-identical params, the same config
// (extra keys included) and the same outputs; F16, BF16 and sharded inputs are covered by the
// fixtures the loop visits.
func TestSaveLoadRoundTrip(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range parityCases(t) {
		t.Run(c, func(t *testing.T) {
			src := filepath.Join(parityDir, c, "model")
			m, w := load(t, src, models.Options{})
			if len(w) > 0 {
				t.Errorf("warnings: %q", w)
			}
			noteFormat(t, src, seen)
			b := batchFrom(t, readST(t, filepath.Join(parityDir, c, "inputs.safetensors")), "")
			out1, err := m.Forward(context.Background(), b)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := m.Save(dir); err != nil {
				t.Fatal(err)
			}
			m2, w2 := load(t, dir, models.Options{})
			if len(w2) > 0 {
				t.Errorf("reload warnings: %q", w2)
			}
			p1, p2 := m.Params(), m2.Params()
			if len(p1) != len(p2) {
				t.Fatalf("%d params after reload, want %d", len(p2), len(p1))
			}
			for i := range p1 {
				if p1[i].Name != p2[i].Name || !bitEqual(p1[i].Data, p2[i].Data) {
					t.Errorf("param %s changed in the round trip", p1[i].Name)
				}
			}
			out2, err := m2.Forward(context.Background(), b)
			if err != nil {
				t.Fatal(err)
			}
			if !bitEqual(out1.Logits, out2.Logits) {
				t.Errorf("logits differ after reload")
			}
			if !reflectEqual(m.Info(), m2.Info()) {
				t.Errorf("info %+v after reload, want %+v", m2.Info(), m.Info())
			}
			checkSavedConfig(t, src, dir)
		})
	}
	for _, f := range []string{"F16", "BF16", "sharded"} {
		if !seen[f] {
			t.Errorf("no fixture loads %s weights", f)
		}
	}
}

// noteFormat records the weight formats a fixture folder exercises.
func noteFormat(t *testing.T, dir string, seen map[string]bool) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "model.safetensors.index.json")); err == nil {
		seen["sharded"] = true
	}
	tensors, _, err := safetensors.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range tensors {
		seen[string(ts.DType)] = true
	}
}

// checkSavedConfig: the saved config.json keeps every key of the source (values may only
// differ where Save sets them) and writes what transformers needs.
func checkSavedConfig(t *testing.T, srcDir, dir string) {
	t.Helper()
	var src, got map[string]any
	for path, dst := range map[string]*map[string]any{filepath.Join(srcDir, "config.json"): &src, filepath.Join(dir, "config.json"): &got} {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range src {
		if _, ok := got[k]; !ok {
			t.Errorf("saved config.json lost key %q", k)
			continue
		}
		switch k {
		case "problem_type", "transformers_version", "torch_dtype":
			continue
		}
		if !reflectEqual(v, got[k]) {
			t.Errorf("saved config.json %q = %v, want %v", k, got[k], v)
		}
	}
	for _, k := range []string{"architectures", "model_type", "id2label", "label2id", "problem_type", "torch_dtype", "transformers_version"} {
		if got[k] == nil {
			t.Errorf("saved config.json lacks %q", k)
		}
	}
	if _, ok := got["num_labels"]; ok {
		t.Errorf("saved config.json writes num_labels (id2label implies it)")
	}
}

func reflectEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func bitEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// TestBaseCheckpointWithoutHead: a checkpoint saved from BertModel (keys without "bert.")
// loads into the classifier; the head is new and the warning names its tensors.
func TestBaseCheckpointWithoutHead(t *testing.T) {
	dir := filepath.Join(parityDir, "bert_base_nohead")
	var meta struct {
		MissingKeys []string `json:"missing_keys"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		t.Fatal(err)
	}
	m, w := load(t, filepath.Join(dir, "model"), models.Options{Seed: 7})
	if len(w) != 1 {
		t.Fatalf("warnings %q, want one naming the new head", w)
	}
	for _, k := range meta.MissingKeys {
		if !strings.Contains(w[0], k) {
			t.Errorf("warning %q does not name %s", w[0], k)
		}
	}
	if got := paramNames(m); !slices.Equal(got, goldenKeys(t, "BertForSequenceClassification")) {
		t.Errorf("params %q", got)
	}
	file := readST(t, filepath.Join(dir, "model", "model.safetensors"))
	for _, p := range m.Params() {
		if slices.Contains(meta.MissingKeys, p.Name) {
			checkInit(t, p, 0.02)
			continue
		}
		if !bitEqual(p.Data, tensorF32(t, file, strings.TrimPrefix(p.Name, "bert."))) {
			t.Errorf("%s not loaded from the base checkpoint", p.Name)
		}
	}
}

// checkInit checks _init_weights for a Linear: weight ~ normal(0, std), bias 0.
func checkInit(t *testing.T, p *models.Param, std float64) {
	t.Helper()
	if strings.HasSuffix(p.Name, "bias") {
		for _, v := range p.Data {
			if v != 0 {
				t.Errorf("%s: new bias not zero", p.Name)
				return
			}
		}
		return
	}
	var s, ss float64
	for _, v := range p.Data {
		s += float64(v)
		ss += float64(v) * float64(v)
	}
	n := float64(len(p.Data))
	mean, sd := s/n, math.Sqrt(ss/n-(s/n)*(s/n))
	if math.Abs(mean) > 4*std/math.Sqrt(n) || math.Abs(sd-std) > 0.25*std {
		t.Errorf("%s: new weight mean %.4g std %.4g, want normal(0, %g)", p.Name, mean, sd, std)
	}
}

// writeCheckpoint copies a fixture model folder with edited tensors: drop removes keys,
// add/replace puts tensors in.
func writeCheckpoint(t *testing.T, fixture string, drop []string, put ...safetensors.Tensor) string {
	t.Helper()
	src := filepath.Join(parityDir, fixture, "model")
	tensors, _, err := safetensors.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	var out []safetensors.Tensor
	for _, k := range slices.Sorted(mapsKeys(tensors)) {
		if slices.Contains(drop, k) || slices.ContainsFunc(put, func(p safetensors.Tensor) bool { return p.Name == k }) {
			continue
		}
		out = append(out, *tensors[k])
	}
	out = append(out, put...)
	dir := t.TempDir()
	if err := safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), out, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(filepath.Join(src, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestExtraKeysAreWarned(t *testing.T) {
	dir := writeCheckpoint(t, "bert_single", nil,
		safetensors.FromFloat32("cls.predictions.bias", []int{100}, make([]float32, 100)),
		safetensors.FromFloat32("lm_head.dense.weight", []int{2, 2}, make([]float32, 4)),
		safetensors.FromInt64("bert.embeddings.position_ids", []int{1, 64}, make([]int64, 64)), // old buffer: silent
	)
	_, w := load(t, dir, models.Options{})
	if len(w) != 1 || !strings.Contains(w[0], "cls.predictions.bias") || !strings.Contains(w[0], "lm_head.dense.weight") ||
		strings.Contains(w[0], "position_ids") {
		t.Errorf("warnings %q, want one listing cls.predictions.bias and lm_head.dense.weight only", w)
	}
}

func TestLoadErrors(t *testing.T) {
	const key = "bert.encoder.layer.1.output.dense.weight"
	corrupt := t.TempDir()
	if err := os.WriteFile(filepath.Join(corrupt, "config.json"), []byte(`{"model_type": "bert", "hidden_size": `), 0o644); err != nil {
		t.Fatal(err)
	}
	badType := t.TempDir()
	if err := os.WriteFile(filepath.Join(badType, "config.json"), []byte(`{"model_type": "gpt2"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		dir      string
		opts     models.Options
		wantErr  error
		contains []string
	}{
		{"missing tensor", writeCheckpoint(t, "bert_single", []string{key}), models.Options{}, models.ErrMissingTensor, []string{key, "[32 37]"}},
		{"mis-shaped tensor", writeCheckpoint(t, "bert_single", nil, safetensors.FromFloat32(key, []int{32, 36}, make([]float32, 32*36))),
			models.Options{}, models.ErrShapeMismatch, []string{key, "[32 36]", "[32 37]"}},
		{"mis-shaped head without label change", writeCheckpoint(t, "bert_single", nil, safetensors.FromFloat32("classifier.weight", []int{2, 32}, make([]float32, 64))),
			models.Options{}, models.ErrShapeMismatch, []string{"classifier.weight", "[2 32]", "[3 32]"}},
		{"corrupt config.json", corrupt, models.Options{}, models.ErrBadConfig, []string{"unexpected end"}},
		{"unsupported model_type", badType, models.Options{}, models.ErrBadConfig, []string{"gpt2"}},
		{"unknown override", filepath.Join(parityDir, "bert_single", "model"), models.Options{ConfigOverrides: "hiden_size=4"},
			models.ErrUnknownConfigKey, []string{"hiden_size", "hidden_size"}},
		{"bad override value", filepath.Join(parityDir, "bert_single", "model"), models.Options{ConfigOverrides: "num_hidden_layers=two"},
			nil, []string{"num_hidden_layers", "not an integer"}},
		{"override breaks shapes", filepath.Join(parityDir, "bert_single", "model"), models.Options{ConfigOverrides: "intermediate_size=40"},
			models.ErrShapeMismatch, []string{"intermediate.dense.weight"}},
		{"missing folder", filepath.Join(t.TempDir(), "nope"), models.Options{}, models.ErrBadConfig, []string{"config.json"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := auto.Load(context.Background(), tc.dir, tc.opts)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v is not %v", err, tc.wantErr)
			}
			for _, s := range tc.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

// TestNumLabelsOverrideReinitialisesHead mirrors ignore_mismatched_sizes=True: the classifier
// tensors whose shape changes are new (with a warning), the rest is loaded.
func TestNumLabelsOverrideReinitialisesHead(t *testing.T) {
	tests := []struct {
		fixture string
		changed []string
	}{
		{"bert_single", []string{"classifier.weight", "classifier.bias"}},
		{"distilbert_single", []string{"classifier.weight", "classifier.bias"}},
		{"roberta_single", []string{"classifier.out_proj.weight", "classifier.out_proj.bias"}},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			dir := filepath.Join(parityDir, tc.fixture, "model")
			m, w := load(t, dir, models.Options{NumLabels: 5, Seed: 1})
			if m.Info().NumLabels != 5 || m.Info().ID2Label[4] != "LABEL_4" {
				t.Errorf("info %+v, want 5 labels", m.Info())
			}
			if len(w) != 1 {
				t.Fatalf("warnings %q", w)
			}
			for _, k := range tc.changed {
				if !strings.Contains(w[0], k) {
					t.Errorf("warning %q does not name %s", w[0], k)
				}
			}
			orig, _ := load(t, dir, models.Options{})
			for i, p := range m.Params() {
				if slices.Contains(tc.changed, p.Name) {
					continue
				}
				if !bitEqual(p.Data, orig.Params()[i].Data) {
					t.Errorf("%s was not loaded", p.Name)
				}
			}
		})
	}
}
