package optim

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// randParams returns named params with random weights and a grad function that draws
// fresh gradients for each step from rng.
func randParams(rng *rand.Rand, sizes ...int) []Param {
	names := []string{"a.weight", "a.bias", "b.weight", "b.bias", "c"}
	ps := make([]Param, len(sizes))
	for i, n := range sizes {
		ps[i] = Param{Name: names[i], Data: make([]float32, n), Grad: make([]float32, n), NoDecay: i%2 == 1}
		for j := range ps[i].Data {
			ps[i].Data[j] = float32(rng.NormFloat64())
		}
	}
	return ps
}

func fillGrads(rng *rand.Rand, ps []Param) {
	for _, p := range ps {
		for j := range p.Grad {
			p.Grad[j] = float32(rng.NormFloat64())
		}
	}
}

func cloneParams(ps []Param) []Param {
	out := make([]Param, len(ps))
	for i, p := range ps {
		out[i] = Param{Name: p.Name, Data: append([]float32(nil), p.Data...),
			Grad: append([]float32(nil), p.Grad...), NoDecay: p.NoDecay}
	}
	return out
}

func optimizers() map[string]func() Optimizer {
	return map[string]func() Optimizer{
		"adamw": func() Optimizer {
			return NewAdamW(AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01})
		},
		"sgd_momentum": func() Optimizer { return NewSGD(SGDConfig{Momentum: 0.9, WeightDecay: 0.01}) },
		"sgd_plain":    func() Optimizer { return NewSGD(SGDConfig{}) },
	}
}

// TestStateRoundTripIsBitIdentical runs 10 steps, saves, continues 10 steps, and checks
// that a new optimizer loaded from the saved state continues identically.
func TestStateRoundTripIsBitIdentical(t *testing.T) {
	for name, mk := range optimizers() {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			ps := randParams(rng, 17, 5, 33)
			a := mk()
			for range 10 {
				fillGrads(rng, ps)
				if err := a.Step(ps, 1e-2); err != nil {
					t.Fatal(err)
				}
			}
			saved, err := a.State()
			if err != nil {
				t.Fatal(err)
			}
			resumed := cloneParams(ps)
			b := mk()
			if err := b.LoadState(saved); err != nil {
				t.Fatal(err)
			}
			// Mutating the saved copy must not reach either optimizer.
			for _, v := range saved.Tensors {
				v[0] = 42
			}
			for step := range 10 {
				fillGrads(rng, ps)
				for i := range ps {
					copy(resumed[i].Grad, ps[i].Grad)
				}
				if err := a.Step(ps, 1e-2); err != nil {
					t.Fatal(err)
				}
				if err := b.Step(resumed, 1e-2); err != nil {
					t.Fatal(err)
				}
				for i := range ps {
					for j := range ps[i].Data {
						if ps[i].Data[j] != resumed[i].Data[j] {
							t.Fatalf("step %d: %s[%d]: original %v, resumed %v",
								step, ps[i].Name, j, ps[i].Data[j], resumed[i].Data[j])
						}
					}
				}
			}
			sa, _ := a.State()
			sb, _ := b.State()
			if sa.Step != 20 || sb.Step != 20 {
				t.Fatalf("steps %d and %d, want 20", sa.Step, sb.Step)
			}
			for k, v := range sa.Tensors {
				w := sb.Tensors[k]
				for j := range v {
					if v[j] != w[j] {
						t.Fatalf("%s[%d]: %v vs %v", k, j, v[j], w[j])
					}
				}
			}
		})
	}
}

func TestAdamWStateKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	ps := randParams(rng, 4, 2)
	opt := NewAdamW(DefaultAdamWConfig())
	fillGrads(rng, ps)
	if err := opt.Step(ps, 1e-3); err != nil {
		t.Fatal(err)
	}
	s, err := opt.State()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"exp_avg.a.bias", "exp_avg.a.weight", "exp_avg_sq.a.bias", "exp_avg_sq.a.weight"}
	got := sortedKeys(s.Tensors)
	if strings.Join(got, " ") != strings.Join(want, " ") || s.Step != 1 {
		t.Fatalf("state keys %v step %d, want %v step 1", got, s.Step, want)
	}
}

func TestLoadStateErrors(t *testing.T) {
	tests := []struct {
		name    string
		opt     Optimizer
		state   *State
		wantErr string
	}{
		{"nil", NewAdamW(DefaultAdamWConfig()), nil, "nil state"},
		{"missing exp_avg_sq", NewAdamW(DefaultAdamWConfig()),
			&State{Step: 3, Tensors: map[string][]float32{"exp_avg.w": {1, 2}}}, `missing tensor "exp_avg_sq.w"`},
		{"size mismatch between kinds", NewAdamW(DefaultAdamWConfig()),
			&State{Step: 3, Tensors: map[string][]float32{"exp_avg.w": {1, 2}, "exp_avg_sq.w": {1}}},
			`tensor "exp_avg_sq.w" has 1 elements but "exp_avg.w" has 2`},
		{"unknown key", NewAdamW(DefaultAdamWConfig()),
			&State{Step: 3, Tensors: map[string][]float32{"momentum_buffer.w": {1}}}, `unknown tensor "momentum_buffer.w"`},
		{"negative step", NewAdamW(DefaultAdamWConfig()), &State{Step: -1}, "step -1"},
		{"sgd without momentum has no tensors", NewSGD(SGDConfig{}),
			&State{Step: 1, Tensors: map[string][]float32{"momentum_buffer.w": {1}}}, `unknown tensor "momentum_buffer.w"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opt.LoadState(tt.state)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("LoadState error %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

// TestStepChecksLoadedState loads state and then steps with parameters that do not fit.
func TestStepChecksLoadedState(t *testing.T) {
	good := map[string][]float32{"exp_avg.w": {0, 0, 0}, "exp_avg_sq.w": {0, 0, 0}}
	tests := []struct {
		name    string
		tensors map[string][]float32
		params  []Param
		wantErr string
	}{
		{"mis-sized", good, []Param{{Name: "w", Data: make([]float32, 4), Grad: make([]float32, 4)}},
			`state tensor "exp_avg.w" has 3 elements, parameter has 4`},
		{"missing param state", good, []Param{
			{Name: "w", Data: make([]float32, 3), Grad: make([]float32, 3)},
			{Name: "v", Data: make([]float32, 1), Grad: make([]float32, 1)}},
			`loaded state has no tensors for parameter "v"`},
		{"extra state", map[string][]float32{"exp_avg.w": {0}, "exp_avg_sq.w": {0}, "exp_avg.x": {0}, "exp_avg_sq.x": {0}},
			[]Param{{Name: "w", Data: make([]float32, 1), Grad: make([]float32, 1)}},
			`state has tensors for "x" but no such parameter was passed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := NewAdamW(DefaultAdamWConfig())
			if err := opt.LoadState(&State{Step: 5, Tensors: tt.tensors}); err != nil {
				t.Fatal(err)
			}
			before := append([]float32(nil), tt.params[0].Data...)
			err := opt.Step(tt.params, 1e-3)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrStateMismatch) {
				t.Fatalf("Step error %v, want ErrStateMismatch containing %q", err, tt.wantErr)
			}
			if s, _ := opt.State(); s.Step != 5 {
				t.Errorf("failed step advanced the counter to %d", s.Step)
			}
			for j, v := range tt.params[0].Data {
				if v != before[j] {
					t.Fatalf("failed step changed the weights")
				}
			}
		})
	}
}

func TestStepArgumentErrors(t *testing.T) {
	p := func(name string, n, g int) Param {
		return Param{Name: name, Data: make([]float32, n), Grad: make([]float32, g)}
	}
	tests := []struct {
		name    string
		opt     Optimizer
		params  []Param
		lr      float64
		wantErr string
	}{
		{"negative lr", NewAdamW(DefaultAdamWConfig()), []Param{p("w", 1, 1)}, -1, "learning rate -1"},
		{"grad length", NewAdamW(DefaultAdamWConfig()), []Param{p("w", 2, 1)}, 1e-3, `"w": 2 weights but 1 gradients`},
		{"no name", NewSGD(SGDConfig{}), []Param{p("", 1, 1)}, 1e-3, "parameter 0 has no name"},
		{"duplicate", NewSGD(SGDConfig{Momentum: 0.9}), []Param{p("w", 1, 1), p("w", 1, 1)}, 1e-3, `"w" appears twice`},
		{"bad beta", NewAdamW(AdamWConfig{Beta1: 1, Beta2: 0.9}), []Param{p("w", 1, 1)}, 1e-3, "adam_beta1 1 must be in [0, 1)"},
		{"nesterov without momentum", NewSGD(SGDConfig{Nesterov: true}), []Param{p("w", 1, 1)}, 1e-3, "nesterov needs momentum > 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opt.Step(tt.params, tt.lr)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Step error %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

// TestStepRejectsChangedParams: after the first step the parameter set is fixed, since
// the shared step counter would give a newcomer the wrong bias correction.
func TestStepRejectsChangedParams(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	ps := randParams(rng, 3, 2, 4)
	for name, mk := range optimizers() {
		t.Run(name, func(t *testing.T) {
			opt := mk()
			if err := opt.Step(ps[:2], 1e-3); err != nil {
				t.Fatal(err)
			}
			for _, bad := range [][]Param{ps, ps[:1], {ps[0], ps[2]}} {
				if err := opt.Step(bad, 1e-3); !errors.Is(err, ErrStateMismatch) {
					t.Errorf("Step with %d params: error %v, want ErrStateMismatch", len(bad), err)
				}
			}
			if err := opt.Step(ps[:2], 1e-3); err != nil {
				t.Fatalf("the original params no longer step: %v", err)
			}
			dup := []Param{ps[0], ps[0]}
			if err := opt.Step(dup, 1e-3); err == nil || !strings.Contains(err.Error(), "appears twice") {
				t.Errorf("duplicate params: error %v", err)
			}
		})
	}
}

func TestStepDoesNotAllocate(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	ps := randParams(rng, 64, 8, 128, 8, 3)
	fillGrads(rng, ps)
	for name, mk := range optimizers() {
		t.Run(name, func(t *testing.T) {
			opt := mk()
			if err := opt.Step(ps, 1e-4); err != nil {
				t.Fatal(err)
			}
			allocs := testing.AllocsPerRun(20, func() {
				if err := opt.Step(ps, 1e-4); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Fatalf("%v allocations per step, want 0", allocs)
			}
		})
	}
	allocs := testing.AllocsPerRun(20, func() { ClipGradNorm(ps, 1) })
	if allocs != 0 {
		t.Fatalf("ClipGradNorm: %v allocations, want 0", allocs)
	}
}
