package auto

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hftrain/hftrain/models"
	"github.com/hftrain/hftrain/models/bert"
	"github.com/hftrain/hftrain/models/distilbert"
	"github.com/hftrain/hftrain/models/roberta"
)

type entry struct {
	load func(ctx context.Context, dir string, o models.Options) (*models.Classifier, error)
	new  func(data []byte, o models.Options) (*models.Classifier, error)
}

// registry maps model_type to its architecture; it is never modified.
func registry() map[string]entry {
	return map[string]entry{
		"bert":       {bert.Load, bert.New},
		"distilbert": {distilbert.Load, distilbert.New},
		"roberta":    {roberta.Load, roberta.New},
	}
}

// ModelTypes lists the model_type values Load and New accept, sorted.
func ModelTypes() []string {
	var out []string
	for k := range registry() {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Load reads a pretrained folder (config.json + model.safetensors or a sharded index) into the
// sequence classifier its model_type names.
func Load(ctx context.Context, dir string, o models.Options) (models.Model, error) {
	data, err := models.ReadConfigFile(dir)
	if err != nil {
		return nil, fmt.Errorf("auto: %w", err)
	}
	mt, err := modelType(data)
	if err != nil {
		return nil, fmt.Errorf("auto: %s: %w", dir, err)
	}
	e, err := lookup(mt)
	if err != nil {
		return nil, fmt.Errorf("auto: %s: %w", dir, err)
	}
	m, err := e.load(ctx, dir, o)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// New makes a randomly initialised model of modelType from the config.json at configPath (a
// file, or a folder holding config.json), or from the defaults of modelType when configPath
// is "". modelType "" takes the file's
// model_type; a file whose model_type differs from modelType is an error.
func New(ctx context.Context, modelType, configPath string, o models.Options) (models.Model, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var data []byte
	if configPath != "" {
		if st, err := os.Stat(configPath); err == nil && st.IsDir() {
			configPath = filepath.Join(configPath, "config.json")
		}
		var err error
		if data, err = os.ReadFile(configPath); err != nil {
			return nil, fmt.Errorf("auto: %w: %w", models.ErrBadConfig, err)
		}
		mt, err := modelTypeOf(data)
		if err != nil {
			return nil, fmt.Errorf("auto: %s: %w", configPath, err)
		}
		switch {
		case modelType == "":
			modelType = mt
		case mt != "" && mt != modelType:
			return nil, fmt.Errorf("auto: %s: %w: model_type %q, but %q was asked for", configPath, models.ErrBadConfig, mt, modelType)
		}
	}
	e, err := lookup(modelType)
	if err != nil {
		return nil, fmt.Errorf("auto: %w", err)
	}
	m, err := e.new(data, o)
	if err != nil {
		return nil, err
	}
	return m, nil
}

func lookup(mt string) (entry, error) {
	e, ok := registry()[mt]
	if !ok {
		return entry{}, fmt.Errorf("%w: model_type %q is not supported (supported: %s)",
			models.ErrBadConfig, mt, strings.Join(ModelTypes(), ", "))
	}
	return e, nil
}

// modelType reads model_type from config.json data; it must be present.
func modelType(data []byte) (string, error) {
	mt, err := modelTypeOf(data)
	if err == nil && mt == "" {
		err = fmt.Errorf("%w: config.json has no model_type", models.ErrBadConfig)
	}
	return mt, err
}

func modelTypeOf(data []byte) (string, error) {
	var head struct {
		ModelType string `json:"model_type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return "", fmt.Errorf("%w: %v", models.ErrBadConfig, err)
	}
	return head.ModelType, nil
}
