package auto_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hftrain/hftrain/models"
)

type stepsMeta struct {
	LR          float32   `json:"lr"`
	Betas       []float32 `json:"betas"`
	Eps         float32   `json:"eps"`
	WeightDecay float32   `json:"weight_decay"`
	Steps       int       `json:"steps"`
	NoDecay     []string  `json:"no_decay"`
	StepLosses  []float32 `json:"step_losses"`
}

// adamW is a float32 transcription of torch.optim.AdamW's single-tensor step (decoupled decay,
// bias-corrected moments), enough to replay the fixtures' ten steps; the real optimizer lives
// in package optim.
type adamW struct {
	m, v [][]float32
	t    int
}

func (o *adamW) step(params []*models.Param, meta stepsMeta) {
	if o.m == nil {
		for _, p := range params {
			o.m = append(o.m, make([]float32, len(p.Data)))
			o.v = append(o.v, make([]float32, len(p.Data)))
		}
	}
	o.t++
	b1, b2 := meta.Betas[0], meta.Betas[1]
	bc1 := 1 - float32(math.Pow(float64(b1), float64(o.t)))
	bc2 := 1 - float32(math.Pow(float64(b2), float64(o.t)))
	stepSize := meta.LR / bc1
	sqrtBC2 := float32(math.Sqrt(float64(bc2)))
	for i, p := range params {
		wd := meta.WeightDecay
		if p.NoDecay {
			wd = 0
		}
		m, v := o.m[i], o.v[i]
		for j, g := range p.Grad {
			p.Data[j] *= 1 - meta.LR*wd
			m[j] = b1*m[j] + (1-b1)*g
			v[j] = b2*v[j] + (1-b2)*g*g
			denom := float32(math.Sqrt(float64(v[j])))/sqrtBC2 + meta.Eps
			p.Data[j] -= stepSize * m[j] / denom
		}
	}
}

// TestTenAdamWSteps replays the fixtures' ten AdamW steps through the cached graphs (the
// optimizer updates Param.Data in place, which every graph reads) and compares the losses and
// the final weights with PyTorch's, end to end at rtol 1e-4. It also checks the NoDecay flags
// against Trainer.get_decay_parameter_names.
func TestTenAdamWSteps(t *testing.T) {
	for _, c := range parityCases(t) {
		t.Run(c, func(t *testing.T) {
			dir := filepath.Join(parityDir, c)
			var meta stepsMeta
			raw, err := os.ReadFile(filepath.Join(dir, "meta.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &meta); err != nil {
				t.Fatal(err)
			}
			m, _ := load(t, filepath.Join(dir, "model"), models.Options{})
			for _, p := range m.Params() {
				if p.NoDecay != slices.Contains(meta.NoDecay, p.Name) {
					t.Errorf("%s: NoDecay %v, fixture no_decay list disagrees", p.Name, p.NoDecay)
				}
			}
			steps := readST(t, filepath.Join(dir, "steps.safetensors"))
			var opt adamW
			for k := range meta.Steps {
				for _, p := range m.Params() {
					clear(p.Grad)
				}
				out, err := m.ForwardBackward(context.Background(), batchFrom(t, steps, fmt.Sprintf("step%d.", k)), 1)
				if err != nil {
					t.Fatal(err)
				}
				if k < len(meta.StepLosses) {
					if d := math.Abs(float64(out.Loss - meta.StepLosses[k])); d > 1e-4*math.Abs(float64(meta.StepLosses[k]))+1e-6 {
						t.Errorf("step %d loss %g, PyTorch %g", k, out.Loss, meta.StepLosses[k])
					}
				}
				opt.step(m.Params(), meta)
			}
			for _, p := range m.Params() {
				ref := tensorF32(t, steps, "after."+p.Name)
				at := 1e-5
				if isKeyBias(p.Name) {
					// The key bias adds q·b to a whole row of scores, which softmax ignores:
					// its exact gradient is 0, both sides compute rounding noise (~1e-9), and
					// Adam scales noise up to steps of up to lr. Only that bound holds.
					at = float64(meta.LR) * float64(meta.Steps)
				}
				if ok, msg := closeToTol(p.Data, ref, 1e-4, at); !ok {
					t.Errorf("%s after %d steps: %s", p.Name, meta.Steps, msg)
				}
			}
		})
	}
}

// closeToTol checks max|got-ref| <= rt*max|ref| + at and describes the worst element.
func closeToTol(got, ref []float32, rt, at float64) (bool, string) {
	if len(got) != len(ref) {
		return false, fmt.Sprintf("%d values, want %d", len(got), len(ref))
	}
	var maxRef, worst float64
	wi := 0
	for i := range ref {
		maxRef = math.Max(maxRef, math.Abs(float64(ref[i])))
		if d := math.Abs(float64(got[i]) - float64(ref[i])); d > worst || math.IsNaN(d) {
			worst, wi = d, i
		}
	}
	if len(ref) == 0 {
		return true, "empty"
	}
	tol := rt*maxRef + at
	msg := fmt.Sprintf("worst |got-ref| %.3g at %d (got %g, ref %g), tolerance %.3g", worst, wi, got[wi], ref[wi], tol)
	return worst <= tol && !math.IsNaN(worst), msg
}

func isKeyBias(name string) bool {
	return strings.HasSuffix(name, "attention.self.key.bias") || strings.HasSuffix(name, "attention.k_lin.bias")
}
