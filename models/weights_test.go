package models

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/hftrain/hftrain/internal/safetensors"
)

func tensorMap(ts ...safetensors.Tensor) map[string]*safetensors.Tensor {
	m := map[string]*safetensors.Tensor{}
	for i := range ts {
		m[ts[i].Name] = &ts[i]
	}
	return m
}

func seq(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i) + 0.5
	}
	return v
}

func TestBuilderLoads(t *testing.T) {
	tests := []struct {
		name string
		ts   map[string]*safetensors.Tensor
	}{
		{"prefixed keys", tensorMap(safetensors.FromFloat32("bert.enc.dense.weight", []int{3, 2}, seq(6)),
			safetensors.FromFloat32("bert.enc.dense.bias", []int{3}, seq(3)))},
		{"bare base-model keys", tensorMap(safetensors.FromFloat32("enc.dense.weight", []int{3, 2}, seq(6)),
			safetensors.FromFloat32("enc.dense.bias", []int{3}, seq(3)))},
		{"f16 keys", tensorMap(safetensors.Float32ToF16("bert.enc.dense.weight", []int{3, 2}, seq(6)),
			safetensors.Float32ToBF16("enc.dense.bias", []int{3}, seq(3)))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewStore(tc.ts, "bert.", 1, false)
			l, err := s.Root().Push("bert").Push("enc").Linear("dense", 2, 3, 0.02)
			if err != nil {
				t.Fatal(err)
			}
			if l.Weight.Name != "bert.enc.dense.weight" || !slices.Equal(l.Weight.Data, seq(6)) || !slices.Equal(l.Bias.Data, seq(3)) {
				t.Errorf("loaded %s = %v, %v", l.Weight.Name, l.Weight.Data, l.Bias.Data)
			}
			if l.Weight.NoDecay || !l.Bias.NoDecay {
				t.Errorf("NoDecay weight %v bias %v, want false, true", l.Weight.NoDecay, l.Bias.NoDecay)
			}
			if len(s.UnusedKeys()) != 0 || len(s.NewKeys()) != 0 {
				t.Errorf("unused %v new %v", s.UnusedKeys(), s.NewKeys())
			}
		})
	}
}

func TestBuilderErrors(t *testing.T) {
	ts := tensorMap(safetensors.FromFloat32("bert.w.weight", []int{2, 2}, seq(4)),
		safetensors.FromFloat32("classifier.weight", []int{2, 4}, seq(8)))
	tests := []struct {
		name       string
		reinitHead bool
		build      func(s *Store) error
		wantErr    error
		contains   []string
		newKeys    int
	}{
		{name: "missing backbone tensor", build: func(s *Store) error {
			_, err := s.Root().Push("bert").Param("x.weight", []int{2}, Init{Kind: InitOnes}, true)
			return err
		}, wantErr: ErrMissingTensor, contains: []string{"bert.x.weight", "[2]"}},
		{name: "mis-shaped tensor", build: func(s *Store) error {
			_, err := s.Root().Push("bert").Param("w.weight", []int{4}, Init{Kind: InitOnes}, false)
			return err
		}, wantErr: ErrShapeMismatch, contains: []string{"bert.w.weight", "[2 2]", "[4]"}},
		{name: "mis-shaped head", build: func(s *Store) error {
			_, err := s.Root().Head().Param("classifier.weight", []int{3, 4}, Normal(0.02), false)
			return err
		}, wantErr: ErrShapeMismatch, contains: []string{"classifier.weight", "[2 4]", "[3 4]"}},
		{name: "mis-shaped head after a label change", reinitHead: true, build: func(s *Store) error {
			_, err := s.Root().Head().Param("classifier.weight", []int{3, 4}, Normal(0.02), false)
			return err
		}, newKeys: 1},
		{name: "missing head", build: func(s *Store) error {
			_, err := s.Root().Head().Param("classifier.bias", []int{3}, Init{Kind: InitZeros}, true)
			return err
		}, newKeys: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewStore(ts, "bert.", 1, tc.reinitHead)
			err := tc.build(s)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if len(s.NewKeys()) != tc.newKeys {
					t.Errorf("new keys %v", s.NewKeys())
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			for _, c := range tc.contains {
				if !strings.Contains(err.Error(), c) {
					t.Errorf("error %q does not mention %q", err, c)
				}
			}
		})
	}
}

// TestInitFromScratch checks _init_weights: normal(0, std) weights, zero biases, LayerNorm
// 1/0, the padding row zeroed; the same seed gives the same weights.
func TestInitFromScratch(t *testing.T) {
	build := func(seed uint64) (Linear, LayerNorm, Embedding) {
		s := NewStore(nil, "", seed, false)
		l, err := s.Root().Linear("dense", 64, 100, 0.02)
		if err != nil {
			t.Fatal(err)
		}
		ln, err := s.Root().LayerNorm("LayerNorm", 64, 1e-12)
		if err != nil {
			t.Fatal(err)
		}
		e, err := s.Root().Embedding("word_embeddings", 50, 64, 1, 0.5)
		if err != nil {
			t.Fatal(err)
		}
		return l, ln, e
	}
	l, ln, e := build(42)
	checkNormal(t, l.Weight.Data, 0.02)
	checkNormal(t, e.Weight.Data[2*64:], 0.5)
	for i, v := range l.Bias.Data {
		if v != 0 {
			t.Fatalf("bias[%d] = %g", i, v)
		}
	}
	for i := range ln.Weight.Data {
		if ln.Weight.Data[i] != 1 || ln.Bias.Data[i] != 0 {
			t.Fatalf("LayerNorm[%d] = %g, %g", i, ln.Weight.Data[i], ln.Bias.Data[i])
		}
	}
	for i, v := range e.Weight.Data[64:128] {
		if v != 0 {
			t.Fatalf("padding row [%d] = %g", i, v)
		}
	}
	if e.Weight.Data[0] == 0 {
		t.Error("row 0 is zero")
	}
	if !ln.Weight.NoDecay || !ln.Bias.NoDecay || e.Weight.NoDecay {
		t.Error("NoDecay flags wrong")
	}
	l2, _, e2 := build(42)
	l3, _, _ := build(43)
	if !slices.Equal(l.Weight.Data, l2.Weight.Data) || !slices.Equal(e.Weight.Data, e2.Weight.Data) {
		t.Error("same seed, different weights")
	}
	if slices.Equal(l.Weight.Data, l3.Weight.Data) {
		t.Error("different seeds, same weights")
	}
}

func checkNormal(t *testing.T, v []float32, std float64) {
	t.Helper()
	var s, ss float64
	for _, x := range v {
		s += float64(x)
		ss += float64(x) * float64(x)
	}
	n := float64(len(v))
	mean, sd := s/n, math.Sqrt(ss/n-(s/n)*(s/n))
	if math.Abs(mean) > 5*std/math.Sqrt(n) || math.Abs(sd/std-1) > 0.05 {
		t.Errorf("mean %.4g std %.4g over %d values, want normal(0, %g)", mean, sd, len(v), std)
	}
}

func TestUnusedKeysSkipBuffers(t *testing.T) {
	s := NewStore(tensorMap(
		safetensors.FromFloat32("cls.predictions.bias", []int{2}, seq(2)),
		safetensors.FromInt64("bert.embeddings.position_ids", []int{1, 4}, []int64{0, 1, 2, 3}),
		safetensors.FromInt64("embeddings.token_type_ids", []int{1, 4}, []int64{0, 0, 0, 0}),
	), "bert.", 0, false)
	if got := s.UnusedKeys(); !slices.Equal(got, []string{"cls.predictions.bias"}) {
		t.Errorf("unused %v", got)
	}
	var warned []string
	s.Warn(Options{Warnf: func(f string, a ...any) { warned = append(warned, f) }}, "X")
	if len(warned) != 1 {
		t.Errorf("warnings %v", warned)
	}
}
