package models

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hftrain/hftrain/internal/safetensors"
)

// TransformersVersion is the version of the transformers source the architectures transcribe
// (commit 8ec58104181bfb34d824d89bccc009b4f6be6e0e, the commit the parity fixtures pin);
// Save writes it as config.json's transformers_version.
const TransformersVersion = "4.47.0.dev0"

// ReadConfigFile reads dir/config.json.
func ReadConfigFile(dir string) ([]byte, error) {
	path := filepath.Join(dir, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadConfig, path, err)
	}
	return data, nil
}

// ReadWeights reads the weights of a pretrained folder: model.safetensors or a sharded
// model.safetensors.index.json, in F32, F16 or BF16.
func ReadWeights(dir string) (map[string]*safetensors.Tensor, error) {
	tensors, _, err := safetensors.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	return tensors, nil
}

// LoadClassifier is the from_pretrained path every architecture shares: it reads dir's
// config.json over cfg (the architecture's defaults), reads dir's weights, builds the model
// through a Store scoped to the checkpoint's base prefix (e.g. "bert."), reports unused and
// newly initialised tensors through o.Warnf, and wraps the result as a Classifier.
// name (e.g. "bert") starts the errors; build's errors are expected to start with it already.
func LoadClassifier[C any, PC interface {
	*C
	Config
}, A Arch](ctx context.Context, dir string, o Options, name, prefix string, cfg C, build func(*Store, C) (A, error)) (*Classifier, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := ReadConfigFile(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	changed, err := PrepareConfig(data, PC(&cfg), o)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", name, dir, err)
	}
	tensors, err := ReadWeights(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", name, dir, err)
	}
	store := NewStore(tensors, prefix, o.Seed, changed)
	m, err := build(store, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	store.Warn(o, m.Info().Architecture)
	return NewClassifier(m, o.Seed), nil
}

// NewRandomClassifier is the from_config path every architecture shares: it decodes data
// (config.json bytes; nil keeps cfg, the architecture's defaults) over cfg, applies o, and
// builds a model whose every tensor is initialised as transformers' _init_weights does,
// seeded by o.Seed. name and prefix are as for LoadClassifier.
func NewRandomClassifier[C any, PC interface {
	*C
	Config
}, A Arch](data []byte, o Options, name, prefix string, cfg C, build func(*Store, C) (A, error)) (*Classifier, error) {
	if _, err := PrepareConfig(data, PC(&cfg), o); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	m, err := build(NewStore(nil, prefix, o.Seed, false), cfg)
	if err != nil {
		return nil, err
	}
	return NewClassifier(m, o.Seed), nil
}
