package auto_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hftrain/hftrain/internal/safetensors"
	"github.com/hftrain/hftrain/models"
	"github.com/hftrain/hftrain/models/auto"
)

// The parity fixtures are written by scripts/parity/reference.py (a plain-PyTorch
// transcription of transformers' classes): models/testdata/parity/<case>/.
const parityDir = "../testdata/parity"

const (
	rtol = 1e-5
	atol = 1e-6
)

type parityMeta struct {
	Case         string `json:"case"`
	Architecture string `json:"architecture"`
	ProblemType  string `json:"problem_type"`
	NumLabels    int    `json:"num_labels"`
}

// parityCases lists the fixture directories that carry expected outputs.
func parityCases(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(parityDir)
	if err != nil {
		t.Fatalf("parity fixtures: %v", err)
	}
	var cases []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(parityDir, e.Name(), "expected.safetensors")); err == nil {
			cases = append(cases, e.Name())
		}
	}
	if len(cases) == 0 {
		t.Fatal("no parity fixtures found")
	}
	return cases
}

func readST(t *testing.T, path string) *safetensors.File {
	t.Helper()
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func tensorF32(t *testing.T, f *safetensors.File, name string) []float32 {
	t.Helper()
	ts, ok := f.Tensor(name)
	if !ok {
		t.Fatalf("%s: no tensor %s", f.Path, name)
	}
	v, err := ts.Float32()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func tensorI32(t *testing.T, f *safetensors.File, name string) ([]int32, []int) {
	t.Helper()
	ts, ok := f.Tensor(name)
	if !ok {
		return nil, nil
	}
	v, err := ts.Int64()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int32, len(v))
	for i, x := range v {
		out[i] = int32(x)
	}
	return out, ts.Shape
}

// batchFrom reads a batch stored as <prefix>input_ids, <prefix>attention_mask,
// [<prefix>token_type_ids] and <prefix>labels (I64 class ids or F32 targets).
func batchFrom(t *testing.T, f *safetensors.File, prefix string) *models.Batch {
	t.Helper()
	ids, shape := tensorI32(t, f, prefix+"input_ids")
	mask, _ := tensorI32(t, f, prefix+"attention_mask")
	types, _ := tensorI32(t, f, prefix+"token_type_ids")
	b := &models.Batch{Size: shape[0], SeqLen: shape[1], InputIDs: ids, AttentionMask: mask, TokenTypeIDs: types}
	lt, ok := f.Tensor(prefix + "labels")
	switch {
	case !ok:
		t.Fatalf("%s: no %slabels", f.Path, prefix)
	case lt.DType == "I64":
		b.Labels, _ = tensorI32(t, f, prefix+"labels")
	default:
		b.FloatLabels = tensorF32(t, f, prefix+"labels")
	}
	return b
}

// closeTo checks max|got-ref| <= rtol*max|ref| + atol and describes the worst element.
func closeTo(got, ref []float32) (bool, string) { return closeToTol(got, ref, rtol, atol) }

func TestParity(t *testing.T) {
	for _, c := range parityCases(t) {
		t.Run(c, func(t *testing.T) {
			dir := filepath.Join(parityDir, c)
			var meta parityMeta
			raw, err := os.ReadFile(filepath.Join(dir, "meta.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &meta); err != nil {
				t.Fatal(err)
			}
			var warnings []string
			m, err := auto.Load(context.Background(), filepath.Join(dir, "model"), models.Options{
				Warnf: func(f string, a ...any) { warnings = append(warnings, fmt.Sprintf(f, a...)) },
			})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if len(warnings) > 0 {
				t.Errorf("unexpected load warnings: %q", warnings)
			}
			if info := m.Info(); info.Architecture != meta.Architecture || info.NumLabels != meta.NumLabels {
				t.Errorf("info %+v, want %s with %d labels", info, meta.Architecture, meta.NumLabels)
			}
			b := batchFrom(t, readST(t, filepath.Join(dir, "inputs.safetensors")), "")
			exp := readST(t, filepath.Join(dir, "expected.safetensors"))

			out, err := m.ForwardBackward(context.Background(), b, 1)
			if err != nil {
				t.Fatal(err)
			}
			if p := m.Info().ProblemType; p != meta.ProblemType {
				t.Errorf("problem type %q, want %q", p, meta.ProblemType)
			}
			if ok, msg := closeTo(out.Logits, tensorF32(t, exp, "logits")); !ok {
				t.Errorf("train logits: %s", msg)
			}
			if ok, msg := closeTo([]float32{out.Loss}, tensorF32(t, exp, "loss")); !ok {
				t.Errorf("loss: %s", msg)
			}
			checkGrads(t, m.Params(), exp)

			eval, err := m.Forward(context.Background(), b)
			if err != nil {
				t.Fatal(err)
			}
			if ok, msg := closeTo(eval.Logits, tensorF32(t, exp, "logits")); !ok {
				t.Errorf("eval logits: %s", msg)
			}
			if ok, msg := closeTo([]float32{eval.Loss}, tensorF32(t, exp, "loss")); !ok {
				t.Errorf("eval loss: %s", msg)
			}
		})
	}
}

// checkGrads compares every Param.Grad with "grad.<name>" and checks that both sets of names
// are the same.
func checkGrads(t *testing.T, params []*models.Param, exp *safetensors.File) {
	t.Helper()
	want := map[string]bool{}
	for _, ts := range exp.Tensors {
		if name, ok := strings.CutPrefix(ts.Name, "grad."); ok {
			want[name] = true
		}
	}
	var bad []string
	for _, p := range params {
		if !want[p.Name] {
			t.Errorf("param %s has no reference gradient", p.Name)
			continue
		}
		delete(want, p.Name)
		if ok, msg := closeTo(p.Grad, tensorF32(t, exp, "grad."+p.Name)); !ok {
			bad = append(bad, p.Name+": "+msg)
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Errorf("gradient %s", b)
	}
	for name := range want {
		t.Errorf("reference gradient %s has no param", name)
	}
}
