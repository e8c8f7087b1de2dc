package optim

import (
	"fmt"
	"math"
)

// SGDConfig holds torch.optim.SGD's hyper-parameters (the learning rate is passed to
// every Step).
type SGDConfig struct {
	Momentum    float64 `json:"momentum" yaml:"momentum"`
	WeightDecay float64 `json:"weight_decay" yaml:"weight_decay"`
	// Dampening scales the gradient added to the momentum buffer by 1-Dampening.
	Dampening float64 `json:"dampening" yaml:"dampening"`
	// Nesterov uses Nesterov momentum; it needs Momentum > 0 and Dampening 0.
	Nesterov bool `json:"nesterov" yaml:"nesterov"`
}

// Validate reports the first out-of-range field, with the checks torch.optim.SGD makes.
func (c SGDConfig) Validate() error {
	switch {
	case !(c.Momentum >= 0) || math.IsInf(c.Momentum, 0):
		return fmt.Errorf("optim: momentum %v must be finite and >= 0", c.Momentum)
	case !(c.WeightDecay >= 0) || math.IsInf(c.WeightDecay, 0):
		return fmt.Errorf("optim: weight_decay %v must be finite and >= 0", c.WeightDecay)
	case math.IsNaN(c.Dampening) || math.IsInf(c.Dampening, 0):
		return fmt.Errorf("optim: dampening %v must be finite", c.Dampening)
	case c.Nesterov && (c.Momentum <= 0 || c.Dampening != 0):
		return fmt.Errorf("optim: nesterov needs momentum > 0 (got %v) and dampening 0 (got %v)",
			c.Momentum, c.Dampening)
	}
	return nil
}

// SGD is torch.optim.SGD (maximize=False): L2 weight decay added to the gradient
// (skipped for NoDecay parameters), then optional momentum, whose buffer starts as a
// copy of the first step's gradient. With Momentum > 0 its state per parameter is
// "momentum_buffer"; with Momentum 0 it keeps only the step counter.
type SGD struct {
	cfg     SGDConfig
	slots   slotTable
	chunks  []sgdChunk // this step's work, reused across steps
	workers workers
}

// sgdChunk is a range of one parameter's elements with that parameter's coefficients;
// buf is nil without momentum.
type sgdChunk struct {
	data, grad, buf []float32
	c               sgdCoeffs
}

// NewSGD returns an SGD with no state. An invalid configuration is reported by Step (and
// by c.Validate).
func NewSGD(c SGDConfig) *SGD {
	kinds := []string{}
	if c.Momentum != 0 {
		kinds = append(kinds, "momentum_buffer")
	}
	return &SGD{cfg: c, slots: newSlotTable("sgd", kinds...)}
}

// Config returns the hyper-parameters the optimizer was built with.
func (o *SGD) Config() SGDConfig { return o.cfg }

// Step applies one SGD update with learning rate lr, in place:
//
//	d  = g + wd*p
//	b  = d (first step) or momentum*b + (1-dampening)*d
//	d  = b, or d + momentum*b with Nesterov
//	p -= lr*d
func (o *SGD) Step(params []Param, lr float64) error {
	if err := o.cfg.Validate(); err != nil {
		return fmt.Errorf("optim: sgd: %w", err)
	}
	if err := checkParams("sgd", params, lr); err != nil {
		return err
	}
	if err := o.slots.prepare(params); err != nil {
		return err
	}
	first := o.slots.step == 0
	o.slots.step++
	c := sgdCoeffs{
		momentum:   float32(o.cfg.Momentum),
		oneMinusDm: float32(1 - o.cfg.Dampening),
		negLR:      float32(-lr),
		nesterov:   o.cfg.Nesterov,
		first:      first,
	}
	elems := 0
	for i, p := range params {
		c.wd = float32(o.cfg.WeightDecay)
		if p.NoDecay {
			c.wd = 0
		}
		var buf []float32
		if s := o.slots.order[i]; len(s.bufs) > 0 {
			buf = s.bufs[0]
		}
		for lo := 0; lo < len(p.Data); lo += chunkElems {
			hi := min(lo+chunkElems, len(p.Data))
			ch := sgdChunk{data: p.Data[lo:hi], grad: p.Grad[lo:hi], c: c}
			if buf != nil {
				ch.buf = buf[lo:hi]
			}
			o.chunks = append(o.chunks, ch)
		}
		elems += len(p.Data)
	}
	runChunks(&o.workers, o, o, len(o.chunks), elems)
	clear(o.chunks) // drop the references to the caller's slices
	o.chunks = o.chunks[:0]
	return nil
}

func (o *SGD) runChunk(i int) {
	ch := &o.chunks[i]
	sgdUpdate(ch.data, ch.grad, ch.buf, &ch.c)
}

// SetWorkers sets how many goroutines share a Step, as AdamW.SetWorkers does.
func (o *SGD) SetWorkers(n int) { o.workers.set(n) }

// Close stops the helper goroutines started by a parallel Step. The optimizer stays
// usable. It always returns nil.
func (o *SGD) Close() error {
	o.workers.stop()
	return nil
}

// sgdCoeffs are one step's scalars, rounded to float32 as torch rounds them.
type sgdCoeffs struct {
	wd, momentum, oneMinusDm, negLR float32
	nesterov, first                 bool
}

// sgdUpdate is the element loop of torch's _single_tensor_sgd; buf is nil without
// momentum.
func sgdUpdate(data, grad, buf []float32, c *sgdCoeffs) {
	n := len(data)
	grad = grad[:n]
	if buf != nil {
		buf = buf[:n]
	}
	for i := range data {
		d := grad[i]
		if c.wd != 0 {
			d += float32(c.wd * data[i])
		}
		if buf != nil {
			b := d
			if !c.first {
				b = float32(buf[i]*c.momentum) + float32(c.oneMinusDm*d)
			}
			buf[i] = b
			if c.nesterov {
				d += float32(c.momentum * b)
			} else {
				d = b
			}
		}
		data[i] += float32(c.negLR * d)
	}
}

// State returns a deep copy of the step counter and of every "momentum_buffer.<param>"
// tensor.
func (o *SGD) State() (*State, error) { return o.slots.state(), nil }

// LoadState replaces the optimizer state with a copy of s. It fails, naming the tensor,
// on a key other than "momentum_buffer.<param>" (any key, without momentum); the next
// Step fails when the state does not match its parameters.
func (o *SGD) LoadState(s *State) error { return o.slots.load(s) }
