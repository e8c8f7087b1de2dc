package models

import (
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
