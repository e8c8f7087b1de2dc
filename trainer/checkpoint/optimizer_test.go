package checkpoint

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hftrain/hftrain/internal/safetensors"
	"github.com/hftrain/hftrain/optim"
)

func TestOptimizerRoundTrip(t *testing.T) {
	weird := []float32{0, float32(math.Copysign(0, -1)), math.Float32frombits(0x7fc00001), math.Float32frombits(0xffbfffff),
		float32(math.Inf(1)), math.SmallestNonzeroFloat32, math.MaxFloat32, 1e-30, -3.25}
	tests := []struct {
		name string
		st   *optim.State
	}{
		{"empty", &optim.State{Step: 0, Tensors: map[string][]float32{}}},
		{"adamw", &optim.State{Step: 123456789012, Tensors: map[string][]float32{
			"exp_avg.bert.embeddings.word_embeddings.weight":    {1.5, -2, 3e-8},
			"exp_avg_sq.bert.embeddings.word_embeddings.weight": weird,
			"exp_avg.classifier.bias":                           {},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), OptimizerName)
			if err := SaveOptimizer(path, tt.st); err != nil {
				t.Fatal(err)
			}
			got, err := LoadOptimizer(path)
			if err != nil {
				t.Fatal(err)
			}
			if got.Step != tt.st.Step || len(got.Tensors) != len(tt.st.Tensors) {
				t.Fatalf("got step %d, %d tensors", got.Step, len(got.Tensors))
			}
			for k, want := range tt.st.Tensors {
				g, ok := got.Tensors[k]
				if !ok || len(g) != len(want) {
					t.Fatalf("%s: got %v", k, g)
				}
				for i := range want {
					if math.Float32bits(g[i]) != math.Float32bits(want[i]) {
						t.Errorf("%s[%d]: bits %08x, want %08x", k, i, math.Float32bits(g[i]), math.Float32bits(want[i]))
					}
				}
			}
		})
	}
}

func TestLoadOptimizerRefuses(t *testing.T) {
	tests := []struct {
		name    string
		tensors []safetensors.Tensor
		meta    map[string]string
		wantErr string
	}{
		{"foreign format", nil, map[string]string{"format": "pt", "step": "1"}, `metadata format "pt"`},
		{"no step", nil, map[string]string{"format": "hftrain"}, `metadata step ""`},
		{"negative step", nil, map[string]string{"format": "hftrain", "step": "-1"}, `metadata step "-1"`},
		{"f16 tensor", []safetensors.Tensor{safetensors.Float32ToF16("exp_avg.w", []int{1}, []float32{1})},
			map[string]string{"format": "hftrain", "step": "1"}, `"exp_avg.w": dtype F16`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), OptimizerName)
			if err := safetensors.WriteFile(path, tt.tensors, tt.meta); err != nil {
				t.Fatal(err)
			}
			_, err := LoadOptimizer(path)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %v, want %q and the path", err, tt.wantErr)
			}
		})
	}
	if err := SaveOptimizer(filepath.Join(t.TempDir(), "x"), nil); err == nil {
		t.Error("SaveOptimizer(nil) succeeded")
	}
}
