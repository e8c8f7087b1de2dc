package models

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Problem types, as transformers' PretrainedConfig.problem_type names them.
const (
	SingleLabel = "single_label_classification"
	MultiLabel  = "multi_label_classification"
	Regression  = "regression"
)

// Sentinel errors callers can test with errors.Is.
var (
	// ErrMissingTensor: the checkpoint lacks a tensor the model needs.
	ErrMissingTensor = errors.New("missing tensor")
	// ErrShapeMismatch: a checkpoint tensor has a different shape from the model's.
	ErrShapeMismatch = errors.New("shape mismatch")
	// ErrUnknownConfigKey: a config override names a key the config does not have.
	ErrUnknownConfigKey = errors.New("unknown config key")
	// ErrBadConfig: config.json cannot be decoded or fails validation.
	ErrBadConfig = errors.New("invalid config")
	// ErrBadBatch: a batch does not fit the model (shape, ids out of range, missing labels).
	ErrBadBatch = errors.New("invalid batch")
)

// Options choose the task head and the seeds when a model is loaded or created, mirroring the
// keyword arguments of AutoModelForSequenceClassification.from_pretrained / from_config.
type Options struct {
	// NumLabels overrides the number of labels of the config (0 keeps it). When it differs from
	// the checkpoint's head, the head tensors whose shape changes are re-initialised with a
	// warning, as transformers does with ignore_mismatched_sizes=True.
	NumLabels int
	// ProblemType overrides problem_type ("" keeps it).
	ProblemType string
	// ID2Label overrides id2label (nil keeps it); it implies NumLabels = len(ID2Label).
	ID2Label map[int]string
	// ConfigOverrides is run_clm's --config_overrides syntax, "k=v,k=v", applied on top of the
	// loaded or default config; an unknown key is an error.
	ConfigOverrides string
	// Seed drives the initialisation of new tensors and the dropout RNG.
	Seed uint64
	// Warnf receives warnings (unused checkpoint keys, newly initialised tensors); nil drops them.
	Warnf func(format string, args ...any)
}

// Warn calls o.Warnf when it is set.
func (o Options) Warn(format string, args ...any) {
	if o.Warnf != nil {
		o.Warnf(format, args...)
	}
}

// ValidProblemType reports whether s is "" (infer) or one of the three problem types.
func ValidProblemType(s string) bool {
	switch s {
	case "", SingleLabel, MultiLabel, Regression:
		return true
	}
	return false
}

// DefaultLabels returns transformers' default id2label for n labels: LABEL_0 ... LABEL_{n-1}.
func DefaultLabels(n int) map[int]string {
	m := make(map[int]string, n)
	for i := 0; i < n; i++ {
		m[i] = fmt.Sprintf("LABEL_%d", i)
	}
	return m
}

// InferProblemType mirrors the inference in transformers' *ForSequenceClassification.forward
// when config.problem_type is unset: one label is regression, integer labels are single-label
// classification, float labels are multi-label classification. It returns "" when the batch
// carries no labels.
func InferProblemType(numLabels int, b *Batch) string {
	switch {
	case numLabels == 1:
		return Regression
	case b.Labels != nil:
		return SingleLabel
	case b.FloatLabels != nil:
		return MultiLabel
	}
	return ""
}

// ParseOverrides splits run_clm's "k=v,k=v" syntax into ordered key/value pairs.
func ParseOverrides(s string) ([][2]string, error) {
	var out [][2]string
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("config overrides: %q is not key=value", kv)
		}
		out = append(out, [2]string{k, strings.TrimSpace(v)})
	}
	return out, nil
}

// sortedKeys returns the keys of m in order, for stable warnings.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
