package optim

import (
	"fmt"
	"math"
)

// AdamWConfig holds AdamW's hyper-parameters under the names of Hugging Face's
// TrainingArguments (adam_beta1, adam_beta2, adam_epsilon, weight_decay). The learning
// rate is passed to every Step, so that a schedule can change it.
type AdamWConfig struct {
	Beta1       float64 `json:"adam_beta1" yaml:"adam_beta1"`
	Beta2       float64 `json:"adam_beta2" yaml:"adam_beta2"`
	Eps         float64 `json:"adam_epsilon" yaml:"adam_epsilon"`
	WeightDecay float64 `json:"weight_decay" yaml:"weight_decay"`
}

// DefaultAdamWConfig returns TrainingArguments' defaults: betas (0.9, 0.999), epsilon
// 1e-8 and no weight decay (torch.optim.AdamW alone defaults to 0.01).
func DefaultAdamWConfig() AdamWConfig {
	return AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0}
}

// Validate reports the first out-of-range field, with the checks torch.optim.AdamW makes.
func (c AdamWConfig) Validate() error {
	switch {
	case !(c.Beta1 >= 0 && c.Beta1 < 1):
		return fmt.Errorf("optim: adam_beta1 %v must be in [0, 1)", c.Beta1)
	case !(c.Beta2 >= 0 && c.Beta2 < 1):
		return fmt.Errorf("optim: adam_beta2 %v must be in [0, 1)", c.Beta2)
	case !(c.Eps >= 0) || math.IsInf(c.Eps, 0):
		return fmt.Errorf("optim: adam_epsilon %v must be finite and >= 0", c.Eps)
	case !(c.WeightDecay >= 0) || math.IsInf(c.WeightDecay, 0):
		return fmt.Errorf("optim: weight_decay %v must be finite and >= 0", c.WeightDecay)
	}
	return nil
}

// AdamW is torch.optim.AdamW (amsgrad=False, maximize=False) with Hugging Face's two
// parameter groups: parameters marked NoDecay get weight decay 0. Its state per
// parameter is "exp_avg" and "exp_avg_sq"; one step counter is shared by all
// parameters, which equals torch's per-parameter counters when every parameter is
// stepped every time, as hftrain does.
//
// Step allocates only on the first call (or the first after LoadState).
type AdamW struct {
	cfg     AdamWConfig
	slots   slotTable
	chunks  []adamChunk // this step's work, reused across steps
	workers workers
}

// adamChunk is a range of one parameter's elements with that parameter's coefficients.
type adamChunk struct {
	data, grad, m, v []float32
	c                adamCoeffs
}

// NewAdamW returns an AdamW with no state. An invalid configuration is reported by Step
// (and by c.Validate).
func NewAdamW(c AdamWConfig) *AdamW {
	return &AdamW{cfg: c, slots: newSlotTable("adamw", "exp_avg", "exp_avg_sq")}
}

// Config returns the hyper-parameters the optimizer was built with.
func (o *AdamW) Config() AdamWConfig { return o.cfg }

// Step applies one AdamW update with learning rate lr, in place:
//
//	p  *= 1 - lr*wd                  (decoupled decay, before the Adam update)
//	m   = beta1*m + (1-beta1)*g
//	v   = beta2*v + (1-beta2)*g*g
//	p  -= lr/(1-beta1^t) * m / (sqrt(v)/sqrt(1-beta2^t) + eps)
//
// Each float32 operation is rounded as torch's CPU kernels round it, so results agree
// with torch to a few ulps.
func (o *AdamW) Step(params []Param, lr float64) error {
	if err := o.cfg.Validate(); err != nil {
		return fmt.Errorf("optim: adamw: %w", err)
	}
	if err := checkParams("adamw", params, lr); err != nil {
		return err
	}
	if err := o.slots.prepare(params); err != nil {
		return err
	}
	o.slots.step++
	t := float64(o.slots.step)
	c := adamCoeffs{
		beta1:       float32(o.cfg.Beta1),
		oneMinusB1:  float32(1 - o.cfg.Beta1),
		beta2:       float32(o.cfg.Beta2),
		oneMinusB2:  float32(1 - o.cfg.Beta2),
		negStepSize: float32(-(lr / (1 - math.Pow(o.cfg.Beta1, t)))),
		bc2Sqrt:     float32(math.Sqrt(1 - math.Pow(o.cfg.Beta2, t))),
		eps:         float32(o.cfg.Eps),
	}
	elems := 0
	for i, p := range params {
		c.decay = float32(1 - lr*o.cfg.WeightDecay)
		if p.NoDecay {
			c.decay = 1
		}
		m, v := o.slots.order[i].bufs[0], o.slots.order[i].bufs[1]
		for lo := 0; lo < len(p.Data); lo += chunkElems {
			hi := min(lo+chunkElems, len(p.Data))
			o.chunks = append(o.chunks, adamChunk{p.Data[lo:hi], p.Grad[lo:hi], m[lo:hi], v[lo:hi], c})
		}
		elems += len(p.Data)
	}
	runChunks(&o.workers, o, o, len(o.chunks), elems)
	clear(o.chunks) // drop the references to the caller's slices
	o.chunks = o.chunks[:0]
	return nil
}

func (o *AdamW) runChunk(i int) {
	ch := &o.chunks[i]
	adamWUpdate(ch.data, ch.grad, ch.m, ch.v, &ch.c)
}

// SetWorkers sets how many goroutines share a Step (default 1; a good value is the
// number of cores, runtime.GOMAXPROCS(0)). Steps over fewer than 2^18 elements always
// run on the calling goroutine. Results do not depend on the setting: each element is
// updated by the same code whichever goroutine runs it.
func (o *AdamW) SetWorkers(n int) { o.workers.set(n) }

// Close stops the helper goroutines started by a parallel Step. The optimizer stays
// usable; a later parallel Step starts new ones. It always returns nil.
func (o *AdamW) Close() error {
	o.workers.stop()
	return nil
}

// adamCoeffs are one step's scalars, already rounded to float32 as torch rounds a
// Python scalar for a float32 tensor op.
type adamCoeffs struct {
	decay, beta1, oneMinusB1, beta2, oneMinusB2, negStepSize, bc2Sqrt, eps float32
}

// adamWUpdate is the element loop; it follows the order of torch's
// _single_tensor_adamw: mul_, mul_/add_, mul_/addcmul_, sqrt/div/add_, addcdiv_.
func adamWUpdate(data, grad, m, v []float32, c *adamCoeffs) {
	n := len(data)
	grad, m, v = grad[:n], m[:n], v[:n] // one bounds check for the loop
	for i := range data {
		g := grad[i]
		// The float32 conversions round every product, as torch does, and stop the
		// compiler from fusing multiply-adds on platforms with FMA.
		mi := float32(m[i]*c.beta1) + float32(c.oneMinusB1*g)
		vi := float32(v[i]*c.beta2) + float32(float32(c.oneMinusB2*g)*g)
		m[i], v[i] = mi, vi
		denom := float32(math.Sqrt(float64(vi)))/c.bc2Sqrt + c.eps
		data[i] = float32(data[i]*c.decay) + float32(c.negStepSize*mi)/denom
	}
}

// State returns a deep copy of the step counter and of every "exp_avg.<param>" and
// "exp_avg_sq.<param>" tensor.
func (o *AdamW) State() (*State, error) { return o.slots.state(), nil }

// LoadState replaces the optimizer state with a copy of s. It fails, naming the tensor,
// when one of a parameter's two tensors is missing, when their sizes differ, or when a
// key is not "exp_avg.<param>" or "exp_avg_sq.<param>"; the next Step fails when the
// state does not match its parameters.
func (o *AdamW) LoadState(s *State) error { return o.slots.load(s) }
