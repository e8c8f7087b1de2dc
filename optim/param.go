package optim

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Param is one trainable tensor seen as flat float32 slices. Data and Grad have the same
// length; an optimizer updates Data in place and only reads Grad.
type Param struct {
	// Name identifies the parameter in optimizer state; it must be unique within a step.
	Name string
	// Data holds the weights, updated in place.
	Data []float32
	// Grad holds the gradient of the loss with respect to Data.
	Grad []float32
	// NoDecay excludes the parameter from weight decay, as Hugging Face's Trainer does
	// for biases and LayerNorm weights (its second parameter group).
	NoDecay bool
}

// Optimizer updates parameters from their gradients.
type Optimizer interface {
	// Step applies one update with learning rate lr to every parameter. Every call must
	// pass the same parameters (by name and size) as the first one.
	Step(params []Param, lr float64) error
	// State returns a deep copy of the optimizer's state, suitable for saving.
	State() (*State, error)
	// LoadState replaces the optimizer's state with a copy of s. Sizes are checked
	// against the parameters at the next Step.
	LoadState(s *State) error
}

// State is the saveable state of an optimizer: the number of steps taken and named
// float32 tensors such as "exp_avg.<param>" and "exp_avg_sq.<param>".
type State struct {
	// Step is the number of optimizer steps taken so far.
	Step int64
	// Tensors maps "<kind>.<param name>" to a tensor with the parameter's length.
	Tensors map[string][]float32
}

// ErrStateMismatch is returned (wrapped) when loaded state does not fit the parameters
// or the optimizer: a missing, extra or mis-sized tensor.
var ErrStateMismatch = errors.New("optimizer state does not match parameters")

// checkParams validates one Step's arguments: a finite non-negative lr, named parameters
// and matching Data/Grad lengths. Duplicate names are caught by slotTable.prepare.
func checkParams(op string, params []Param, lr float64) error {
	if lr < 0 || math.IsNaN(lr) || math.IsInf(lr, 0) {
		return fmt.Errorf("optim: %s: learning rate %v must be finite and >= 0", op, lr)
	}
	for i, p := range params {
		if p.Name == "" {
			return fmt.Errorf("optim: %s: parameter %d has no name", op, i)
		}
		if len(p.Data) != len(p.Grad) {
			return fmt.Errorf("optim: %s: parameter %q: %d weights but %d gradients",
				op, p.Name, len(p.Data), len(p.Grad))
		}
	}
	return nil
}

// copyState deep-copies tensors into a new State.
func copyState(step int64, tensors map[string][]float32) *State {
	s := &State{Step: step, Tensors: make(map[string][]float32, len(tensors))}
	for k, v := range tensors {
		s.Tensors[k] = append([]float32(nil), v...)
	}
	return s
}

// splitKey splits "exp_avg.bert.pooler.dense.weight" into its kind and parameter name
// given the kinds an optimizer knows.
func splitKey(key string, kinds []string) (kind, name string, ok bool) {
	for _, k := range kinds {
		if rest, found := strings.CutPrefix(key, k+"."); found && rest != "" {
			return k, rest, true
		}
	}
	return "", "", false
}

// sortedKeys returns the keys of m in order, for deterministic error messages.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
