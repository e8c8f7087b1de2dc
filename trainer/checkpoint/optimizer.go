package checkpoint

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/hftrain/hftrain/internal/safetensors"
	"github.com/hftrain/hftrain/optim"
)

// OptimizerName is the file name of the optimizer state in a checkpoint
// (hftrain's replacement for transformers' pickled optimizer.pt).
const OptimizerName = "optimizer.safetensors"

// SaveOptimizer writes s to path as safetensors: one 1-D F32 tensor per state
// key ("exp_avg.<param>", …), in key order, with the step counter in the
// metadata {"format":"hftrain","step":"N"}. The write is atomic and fsynced.
func SaveOptimizer(path string, s *optim.State) error {
	if s == nil {
		return fmt.Errorf("checkpoint: %s: nil optimizer state", path)
	}
	keys := make([]string, 0, len(s.Tensors))
	for k := range s.Tensors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	tensors := make([]safetensors.Tensor, len(keys))
	for i, k := range keys {
		tensors[i] = safetensors.FromFloat32(k, []int{len(s.Tensors[k])}, s.Tensors[k])
	}
	meta := map[string]string{"format": "hftrain", "step": strconv.FormatInt(s.Step, 10)}
	if err := safetensors.WriteFile(path, tensors, meta); err != nil {
		return fmt.Errorf("checkpoint: save optimizer: %w", err)
	}
	return nil
}

// LoadOptimizer reads a file written by SaveOptimizer. Every tensor must be
// F32, so values (NaN payloads included) come back bit for bit.
func LoadOptimizer(path string) (*optim.State, error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: load optimizer: %w", err)
	}
	if got := f.Metadata["format"]; got != "hftrain" {
		return nil, fmt.Errorf("checkpoint: load optimizer %s: metadata format %q, want \"hftrain\"", path, got)
	}
	step, err := strconv.ParseInt(f.Metadata["step"], 10, 64)
	if err != nil || step < 0 {
		return nil, fmt.Errorf("checkpoint: load optimizer %s: metadata step %q is not a non-negative integer", path, f.Metadata["step"])
	}
	st := &optim.State{Step: step, Tensors: make(map[string][]float32, len(f.Tensors))}
	for i := range f.Tensors {
		t := &f.Tensors[i]
		if t.DType != safetensors.F32 {
			return nil, fmt.Errorf("checkpoint: load optimizer %s: tensor %q: dtype %s, want F32", path, t.Name, t.DType)
		}
		v, err := t.Float32()
		if err != nil {
			return nil, fmt.Errorf("checkpoint: load optimizer %s: %w", path, err)
		}
		st.Tensors[t.Name] = v
	}
	return st, nil
}
