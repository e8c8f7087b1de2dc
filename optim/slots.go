package optim

import (
	"fmt"
	"math"
)

// slot holds one parameter's state buffers, one per kind of the owning optimizer.
type slot struct {
	bufs [][]float32
	// stamp is the prepare call that last saw this parameter; it detects duplicates
	// without allocating a set on every step.
	stamp uint64
}

// slotTable is the per-parameter state shared by AdamW and SGD: buffers keyed by
// parameter name, one step counter for all parameters (bias correction in AdamW uses
// it), and the slots of the current call in parameter order.
type slotTable struct {
	op    string   // "adamw" or "sgd", for error messages
	kinds []string // state tensor kinds, e.g. "exp_avg", "exp_avg_sq"
	step  int64
	// loaded is true from LoadState until the first Step has checked the state
	// against real parameters, so errors can say where the mismatch came from.
	loaded bool
	byName map[string]*slot
	stamp  uint64
	order  []*slot // slots of the params of the current Step, same order
}

func newSlotTable(op string, kinds ...string) slotTable {
	return slotTable{op: op, kinds: kinds, byName: map[string]*slot{}}
}

// prepare checks params against the table and fills t.order. The first Step of a fresh
// optimizer allocates zeroed buffers; every later Step must pass exactly the same
// parameters with the same sizes. Nothing is modified when an error is returned, apart
// from the stamps.
func (t *slotTable) prepare(params []Param) error {
	t.stamp++
	if cap(t.order) < len(params) {
		t.order = make([]*slot, len(params))
	}
	t.order = t.order[:len(params)]
	// A fresh optimizer, or one restored from a state saved before any step, gets new
	// zeroed buffers; so does one that keeps no per-parameter tensors at all.
	if len(t.byName) == 0 && (t.step == 0 || len(t.kinds) == 0) {
		return t.allocate(params)
	}
	for i, p := range params {
		s, ok := t.byName[p.Name]
		if !ok {
			if t.loaded {
				return fmt.Errorf("optim: %s: loaded state has no tensors for parameter %q (%w)",
					t.op, p.Name, ErrStateMismatch)
			}
			return fmt.Errorf("optim: %s: parameter %q was not passed to earlier steps (%w)",
				t.op, p.Name, ErrStateMismatch)
		}
		if s.stamp == t.stamp {
			return fmt.Errorf("optim: %s: parameter %q appears twice", t.op, p.Name)
		}
		s.stamp = t.stamp
		for k, b := range s.bufs {
			if len(b) != len(p.Data) {
				return fmt.Errorf("optim: %s: state tensor %q has %d elements, parameter has %d (%w)",
					t.op, t.kinds[k]+"."+p.Name, len(b), len(p.Data), ErrStateMismatch)
			}
		}
		t.order[i] = s
	}
	if len(params) != len(t.byName) {
		for _, name := range sortedKeys(t.byName) {
			if t.byName[name].stamp != t.stamp {
				return fmt.Errorf("optim: %s: state has tensors for %q but no such parameter was passed (%w)",
					t.op, name, ErrStateMismatch)
			}
		}
	}
	t.loaded = false
	return nil
}

// allocate creates zeroed buffers for the first Step of a fresh optimizer.
func (t *slotTable) allocate(params []Param) error {
	fresh := make(map[string]*slot, len(params))
	for i, p := range params {
		if _, dup := fresh[p.Name]; dup {
			return fmt.Errorf("optim: %s: parameter %q appears twice", t.op, p.Name)
		}
		s := &slot{bufs: make([][]float32, len(t.kinds)), stamp: t.stamp}
		for k := range s.bufs {
			s.bufs[k] = make([]float32, len(p.Data))
		}
		fresh[p.Name] = s
		t.order[i] = s
	}
	t.byName = fresh
	t.loaded = false
	return nil
}

// state returns a deep copy of the table as a State.
func (t *slotTable) state() *State {
	tensors := make(map[string][]float32, len(t.byName)*len(t.kinds))
	for name, s := range t.byName {
		for k, kind := range t.kinds {
			tensors[kind+"."+name] = s.bufs[k]
		}
	}
	return copyState(t.step, tensors)
}

// load replaces the table with a copy of st after checking that every parameter has
// every kind, with equal sizes, and that no key is unknown.
func (t *slotTable) load(st *State) error {
	if st == nil {
		return fmt.Errorf("optim: %s: load state: nil state", t.op)
	}
	if st.Step < 0 || st.Step == math.MaxInt64 {
		return fmt.Errorf("optim: %s: load state: step %d out of range", t.op, st.Step)
	}
	byName := map[string]*slot{}
	for _, key := range sortedKeys(st.Tensors) {
		kind, name, ok := splitKey(key, t.kinds)
		if !ok {
			return fmt.Errorf("optim: %s: load state: unknown tensor %q (want %v.<param>) (%w)",
				t.op, key, t.kinds, ErrStateMismatch)
		}
		s := byName[name]
		if s == nil {
			s = &slot{bufs: make([][]float32, len(t.kinds))}
			byName[name] = s
		}
		for k, kd := range t.kinds {
			if kd == kind {
				s.bufs[k] = append([]float32{}, st.Tensors[key]...)
			}
		}
	}
	for _, name := range sortedKeys(byName) {
		s := byName[name]
		for k, b := range s.bufs {
			if b == nil {
				return fmt.Errorf("optim: %s: load state: missing tensor %q (%w)",
					t.op, t.kinds[k]+"."+name, ErrStateMismatch)
			}
			if len(b) != len(s.bufs[0]) {
				return fmt.Errorf("optim: %s: load state: tensor %q has %d elements but %q has %d (%w)",
					t.op, t.kinds[k]+"."+name, len(b), t.kinds[0]+"."+name, len(s.bufs[0]), ErrStateMismatch)
			}
		}
	}
	t.step = st.Step
	t.byName = byName
	t.loaded = true
	t.order = t.order[:0]
	return nil
}
