package models

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hftrain/hftrain/internal/safetensors"
	G "gorgonia.org/gorgonia"
)

// testArch is the smallest Arch: one Linear under "test.dense", built from testConfig.
type testArch struct {
	cfg    testConfig
	dense  Linear
	params []*Param
}

// errBuild is what buildTestArch returns for hidden_size 7, standing for a build failure
// after the config was accepted (e.g. a missing tensor).
var errBuild = errors.New("test: build failed")

func buildTestArch(s *Store, c testConfig) (*testArch, error) {
	if c.HiddenSize == 7 {
		return nil, errBuild
	}
	d, err := s.Root().Push("test").Linear("dense", c.HiddenSize, c.HiddenSize, 0.02)
	if err != nil {
		return nil, fmt.Errorf("test: %w", err)
	}
	return &testArch{cfg: c, dense: d, params: s.Params()}, nil
}

func (a *testArch) Info() Info {
	return Info{ModelType: "test", Architecture: "TestForSequenceClassification", NumLabels: a.cfg.NumLabels()}
}
func (a *testArch) Params() []*Param                      { return a.params }
func (a *testArch) Logits(*GraphBuilder) (*G.Node, error) { return nil, errors.New("not used") }
func (a *testArch) PositionIDs(b *Batch, dst []float32)   { AbsolutePositions(b, dst) }
func (a *testArch) TypeVocabSize() int                    { return 0 }
func (a *testArch) Embeddings() []Embedding               { return nil }
func (a *testArch) ConfigJSON(string) ([]byte, error) {
	return MarshalForSave(&a.cfg, "TestForSequenceClassification")
}

// writeTestFolder writes config (skipped when "") and tensors (skipped when nil) into a new
// folder.
func writeTestFolder(t *testing.T, config string, tensors []safetensors.Tensor) string {
	t.Helper()
	dir := t.TempDir()
	if config != "" {
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if tensors != nil {
		if err := safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), tensors, nil); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestLoadClassifier pins the error of every step of the shared from_pretrained path (the
// architecture packages' tests rely on these messages) and the warnings of a good load.
func TestLoadClassifier(t *testing.T) {
	dense := []safetensors.Tensor{
		safetensors.FromFloat32("test.dense.weight", []int{2, 2}, []float32{1, 2, 3, 4}),
		safetensors.FromFloat32("test.dense.bias", []int{2}, []float32{5, 6}),
	}
	good := `{"hidden_size": 2}`
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		dir     string
		want    string // the whole error with DIR standing for the folder; "" for none
		wantIs  error
		warning string
	}{
		{name: "canceled", ctx: canceled, dir: writeTestFolder(t, good, dense), want: "context canceled", wantIs: context.Canceled},
		{name: "no config.json", dir: writeTestFolder(t, "", dense), wantIs: ErrBadConfig,
			want: "test: invalid config: DIR/config.json: open DIR/config.json: no such file or directory"},
		{name: "invalid config", dir: writeTestFolder(t, `{"hidden_size": 0}`, dense), wantIs: ErrBadConfig,
			want: "test: DIR: invalid config: hidden_size must be positive"},
		{name: "no weights", dir: writeTestFolder(t, good, nil), want: "test: DIR: weights: "},
		{name: "build fails", dir: writeTestFolder(t, `{"hidden_size": 7}`, dense), wantIs: errBuild,
			want: "DIR: test: build failed"},
		{name: "missing tensor", dir: writeTestFolder(t, good, dense[:1]), wantIs: ErrMissingTensor,
			want: "DIR: test: "},
		{name: "loads", dir: writeTestFolder(t, good, append(slices.Clone(dense), safetensors.FromFloat32("x.weight", []int{1}, []float32{0}))),
			warning: "TestForSequenceClassification: some checkpoint weights were not used: x.weight"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := tc.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			var warnings []string
			o := Options{Seed: 1, Warnf: func(f string, a ...any) { warnings = append(warnings, fmt.Sprintf(f, a...)) }}
			c, err := LoadClassifier(ctx, tc.dir, o, "test", "test.", defaultTestConfig(), buildTestArch)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := c.Params()[0].Data; !slices.Equal(got, []float32{1, 2, 3, 4}) {
					t.Errorf("test.dense.weight = %v, want the checkpoint's [1 2 3 4]", got)
				}
				if len(warnings) != 1 || warnings[0] != tc.warning {
					t.Errorf("warnings %q, want [%q]", warnings, tc.warning)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			want := strings.ReplaceAll(tc.want, "DIR", tc.dir)
			if got := err.Error(); got != want && !(strings.HasSuffix(want, " ") && strings.HasPrefix(got, want)) {
				t.Errorf("error %q, want %q", got, want)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("error %v is not %v", err, tc.wantIs)
			}
		})
	}
}

// TestNewRandomClassifier pins the errors of the shared from_config path and checks that
// every tensor is initialised.
func TestNewRandomClassifier(t *testing.T) {
	tests := []struct {
		name   string
		data   []byte
		o      Options
		want   string // the whole error; "" for none
		wantIs error
		hidden int
	}{
		{name: "defaults", hidden: 8},
		{name: "config.json", data: []byte(`{"hidden_size": 3}`), hidden: 3},
		{name: "override", o: Options{ConfigOverrides: "hidden_size=4"}, hidden: 4},
		{name: "invalid config", data: []byte(`{"hidden_size": -1}`), wantIs: ErrBadConfig,
			want: "test: invalid config: hidden_size must be positive"},
		{name: "unknown override", o: Options{ConfigOverrides: "hiden_size=4"}, wantIs: ErrUnknownConfigKey, want: "test: "},
		{name: "build fails", data: []byte(`{"hidden_size": 7}`), wantIs: errBuild, want: "test: build failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewRandomClassifier(tc.data, tc.o, "test", "test.", defaultTestConfig(), buildTestArch)
			if tc.want != "" {
				if err == nil {
					t.Fatalf("no error, want %q", tc.want)
				}
				if got := err.Error(); got != tc.want && !(strings.HasSuffix(tc.want, " ") && strings.HasPrefix(got, tc.want)) {
					t.Errorf("error %q, want %q", got, tc.want)
				}
				if !errors.Is(err, tc.wantIs) {
					t.Errorf("error %v is not %v", err, tc.wantIs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			ps := c.Params()
			if len(ps) != 2 || ps[0].Name != "test.dense.weight" || !slices.Equal(ps[0].Shape, []int{tc.hidden, tc.hidden}) {
				t.Fatalf("params %v, want test.dense.weight [%d %d] and its bias", ps, tc.hidden, tc.hidden)
			}
			if slices.Equal(ps[0].Data, make([]float32, len(ps[0].Data))) {
				t.Error("test.dense.weight is all zeros, want normal(0, 0.02)")
			}
		})
	}
}
