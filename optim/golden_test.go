package optim

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// The fixtures in testdata/ are written by scripts/optim/make_goldens.py with PyTorch.

type goldenParam struct {
	Name    string    `json:"name"`
	NoDecay bool      `json:"no_decay"`
	Init    []float32 `json:"init"`
}

type goldenStep struct {
	LR    float64              `json:"lr"`
	Grads map[string][]float32 `json:"grads"`
	After map[string][]float32 `json:"after"`
}

type optimCase struct {
	Name         string        `json:"name"`
	SplitNoDecay bool          `json:"split_no_decay"`
	Params       []goldenParam `json:"params"`
	Steps        []goldenStep  `json:"steps"`
	// AdamW
	Beta1, Beta2, Eps float64
	WeightDecay       float64 `json:"weight_decay"`
	// SGD
	Momentum, Dampening float64
	Nesterov            bool
}

type clipCase struct {
	Name    string      `json:"name"`
	MaxNorm float64     `json:"max_norm"`
	Grads   [][]float32 `json:"grads"`
	NormF32 float64     `json:"norm_f32"`
	NormF64 float64     `json:"norm_f64"`
	After   [][]float32 `json:"after"`
}

type scheduleCase struct {
	Name    string          `json:"name"`
	Options ScheduleOptions `json:"options"`
	BaseLR  float64         `json:"base_lr"`
	Warmup  int             `json:"warmup"`
	Total   int             `json:"total"`
	LRs     []float64       `json:"lrs"`
}

type warmupCase struct {
	WarmupSteps int     `json:"warmup_steps"`
	WarmupRatio float64 `json:"warmup_ratio"`
	Total       int     `json:"total"`
	Want        int     `json:"want"`
}

func readGolden(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read golden: %v (regenerate with scripts/optim/make_goldens.py)", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode golden %s: %v", name, err)
	}
}

// params builds fresh Params from a case's initial values; NoDecay only applies when the
// case put no-decay parameters in their own group.
func (c *optimCase) params() []Param {
	ps := make([]Param, len(c.Params))
	for i, gp := range c.Params {
		ps[i] = Param{
			Name:    gp.Name,
			Data:    append([]float32(nil), gp.Init...),
			Grad:    make([]float32, len(gp.Init)),
			NoDecay: c.SplitNoDecay && gp.NoDecay,
		}
	}
	return ps
}

// closeness compares float32 tensors: |got-want| <= rtol*(|want| + floor*max|want|).
// The floor is there because Adam's moments are running sums of terms of both signs:
// an element that cancels to near zero carries the rounding error of its terms, whose
// size follows the tensor's scale, not the element's (torch's vectorized kernels use
// fused multiply-adds on some elements, so both sides round slightly differently). It returns a description of the worst element, or "" when all pass.
func closeness(got, want []float32, rtol, floor float64) string {
	if len(got) != len(want) {
		return fmt.Sprintf("length %d, want %d", len(got), len(want))
	}
	var maxAbs float64
	for _, w := range want {
		maxAbs = math.Max(maxAbs, math.Abs(float64(w)))
	}
	worst, worstAt := 0.0, -1
	for i := range want {
		g, w := float64(got[i]), float64(want[i])
		ratio := math.Abs(g-w) / (rtol * (math.Abs(w) + floor*maxAbs))
		if math.IsNaN(g) != math.IsNaN(w) {
			ratio = math.Inf(1)
		}
		if ratio > worst || math.IsNaN(ratio) && worstAt < 0 {
			worst, worstAt = ratio, i
		}
	}
	if worst > 1 {
		return fmt.Sprintf("worst element %d: got %g, want %g (%.2fx the tolerance)",
			worstAt, got[worstAt], want[worstAt], worst)
	}
	return ""
}

// runGolden replays a case's steps through opt and compares every tensor after every
// step with torch's.
func runGolden(t *testing.T, c *optimCase, opt Optimizer, kinds []string) {
	t.Helper()
	ps := c.params()
	for k, st := range c.Steps {
		for i := range ps {
			copy(ps[i].Grad, st.Grads[ps[i].Name])
		}
		if err := opt.Step(ps, st.LR); err != nil {
			t.Fatalf("step %d: %v", k, err)
		}
		state, err := opt.State()
		if err != nil {
			t.Fatalf("step %d: state: %v", k, err)
		}
		if state.Step != int64(k+1) {
			t.Fatalf("step %d: state step %d, want %d", k, state.Step, k+1)
		}
		for _, p := range ps {
			if msg := closeness(p.Data, st.After[p.Name], 1e-5, 1e-2); msg != "" {
				t.Fatalf("step %d: param %s: %s", k, p.Name, msg)
			}
			for _, kind := range kinds {
				key := kind + "." + p.Name
				if msg := closeness(state.Tensors[key], st.After[key], 1e-5, 1e-2); msg != "" {
					t.Fatalf("step %d: %s: %s", k, key, msg)
				}
			}
		}
	}
}

func TestAdamWMatchesTorch(t *testing.T) {
	var g struct{ Cases []optimCase }
	readGolden(t, "adamw.json", &g)
	if len(g.Cases) == 0 {
		t.Fatal("no cases in adamw.json")
	}
	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			opt := NewAdamW(AdamWConfig{Beta1: c.Beta1, Beta2: c.Beta2, Eps: c.Eps, WeightDecay: c.WeightDecay})
			runGolden(t, &c, opt, []string{"exp_avg", "exp_avg_sq"})
		})
	}
}

func TestSGDMatchesTorch(t *testing.T) {
	var g struct{ Cases []optimCase }
	readGolden(t, "sgd.json", &g)
	if len(g.Cases) == 0 {
		t.Fatal("no cases in sgd.json")
	}
	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			opt := NewSGD(SGDConfig{Momentum: c.Momentum, WeightDecay: c.WeightDecay,
				Dampening: c.Dampening, Nesterov: c.Nesterov})
			var kinds []string
			if c.Momentum != 0 {
				kinds = []string{"momentum_buffer"}
			}
			runGolden(t, &c, opt, kinds)
		})
	}
}

func TestClipGradNormMatchesTorch(t *testing.T) {
	var g struct{ Cases []clipCase }
	readGolden(t, "clip.json", &g)
	if len(g.Cases) == 0 {
		t.Fatal("no cases in clip.json")
	}
	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			ps := make([]Param, len(c.Grads))
			for i, gr := range c.Grads {
				ps[i] = Param{Name: fmt.Sprint(i), Data: make([]float32, len(gr)), Grad: append([]float32(nil), gr...)}
			}
			total := ClipGradNorm(ps, c.MaxNorm)
			if rel := math.Abs(total-c.NormF64) / c.NormF64; rel > 1e-12 {
				t.Errorf("norm %.17g, float64 reference %.17g (rel %.3g)", total, c.NormF64, rel)
			}
			if rel := math.Abs(total-c.NormF32) / c.NormF32; rel > 1e-6 {
				t.Errorf("norm %.9g, torch %.9g (rel %.3g)", total, c.NormF32, rel)
			}
			for i, p := range ps {
				if msg := closeness(p.Grad, c.After[i], 1e-6, 0); msg != "" {
					t.Errorf("grad %d after clipping: %s", i, msg)
				}
			}
		})
	}
}

func TestSchedulesMatchTorch(t *testing.T) {
	var g struct {
		Cases       []scheduleCase
		WarmupSteps []warmupCase `json:"warmup_steps"`
	}
	readGolden(t, "schedules.json", &g)
	if len(g.Cases) == 0 || len(g.WarmupSteps) == 0 {
		t.Fatal("no cases in schedules.json")
	}
	seen := map[string]bool{}
	for _, c := range g.Cases {
		seen[c.Name] = true
		name := fmt.Sprintf("%s/%+v/lr=%g,warmup=%d,total=%d", c.Name, c.Options, c.BaseLR, c.Warmup, c.Total)
		t.Run(name, func(t *testing.T) {
			s, err := NewSchedule(c.Name, c.BaseLR, c.Warmup, c.Total, c.Options)
			if err != nil {
				t.Fatal(err)
			}
			for step, want := range c.LRs {
				got := s.LR(step)
				if math.Abs(got-want) > 1e-6*math.Abs(want) || (want == 0) != (got == 0) {
					t.Errorf("LR(%d) = %.17g, torch %.17g", step, got, want)
				}
			}
		})
	}
	for _, name := range ScheduleNames() {
		if !seen[name] {
			t.Errorf("schedules.json has no case for %q", name)
		}
	}
	for _, c := range g.WarmupSteps {
		if got := WarmupSteps(c.WarmupSteps, c.WarmupRatio, c.Total); got != c.Want {
			t.Errorf("WarmupSteps(%d, %v, %d) = %d, want %d", c.WarmupSteps, c.WarmupRatio, c.Total, got, c.Want)
		}
	}
}

// TestAdamWResumesFromTorchState loads torch's state after step 10 (its exp_avg,
// exp_avg_sq and step count) into a fresh AdamW and checks that the remaining steps
// match torch's, which pins down what State.Step means for bias correction.
func TestAdamWResumesFromTorchState(t *testing.T) {
	var g struct{ Cases []optimCase }
	readGolden(t, "adamw.json", &g)
	const resumeAfter = 10
	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			ps := c.params()
			saved := &State{Step: resumeAfter, Tensors: map[string][]float32{}}
			after := c.Steps[resumeAfter-1].After
			for i := range ps {
				copy(ps[i].Data, after[ps[i].Name])
				for _, kind := range []string{"exp_avg", "exp_avg_sq"} {
					saved.Tensors[kind+"."+ps[i].Name] = after[kind+"."+ps[i].Name]
				}
			}
			opt := NewAdamW(AdamWConfig{Beta1: c.Beta1, Beta2: c.Beta2, Eps: c.Eps, WeightDecay: c.WeightDecay})
			if err := opt.LoadState(saved); err != nil {
				t.Fatal(err)
			}
			for k := resumeAfter; k < len(c.Steps); k++ {
				st := c.Steps[k]
				for i := range ps {
					copy(ps[i].Grad, st.Grads[ps[i].Name])
				}
				if err := opt.Step(ps, st.LR); err != nil {
					t.Fatalf("step %d: %v", k, err)
				}
				for _, p := range ps {
					if msg := closeness(p.Data, st.After[p.Name], 1e-5, 1e-2); msg != "" {
						t.Fatalf("step %d: param %s: %s", k, p.Name, msg)
					}
				}
			}
		})
	}
}
