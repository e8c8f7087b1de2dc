package modelcard

import "strings"

// The front matter, in the key order of transformers' TrainingSummary.create_metadata
// (src/transformers/modelcard.py @ 028965d43978995d6b9cc4a4a4922085e64c9580), with
// library_name hftrain and the optional pipeline_tag after it.

type metadata struct {
	LibraryName string       `yaml:"library_name"`
	PipelineTag string       `yaml:"pipeline_tag,omitempty"`
	Language    []string     `yaml:"language,omitempty"`
	License     string       `yaml:"license,omitempty"`
	BaseModel   string       `yaml:"base_model,omitempty"`
	Tags        []string     `yaml:"tags,omitempty"`
	Datasets    []string     `yaml:"datasets,omitempty"`
	Metrics     []string     `yaml:"metrics,omitempty"`
	ModelIndex  []modelIndex `yaml:"model-index"`
}

type modelIndex struct {
	Name    string   `yaml:"name"`
	Results []result `yaml:"results"`
}

type result struct {
	Task    taskMeta     `yaml:"task"`
	Dataset datasetMeta  `yaml:"dataset"`
	Metrics []metricMeta `yaml:"metrics"`
}

type taskMeta struct {
	Name string `yaml:"name"`
	Type string `yaml:"type"`
}

type datasetMeta struct {
	Name   string `yaml:"name"`
	Type   string `yaml:"type"`
	Config string `yaml:"config,omitempty"`
	Split  string `yaml:"split,omitempty"`
	Args   string `yaml:"args,omitempty"`
}

type metricMeta struct {
	Name  string  `yaml:"name"`
	Type  string  `yaml:"type"`
	Value float64 `yaml:"value"`
}

// metricMapping is infer_metric_tags_from_eval_results: metric type -> result name, for the
// results whose snake_cased name is a known metric (rouge1 counts as rouge).
func metricMapping(results *orderedMap) (types []string, names map[string]string) {
	names = map[string]string{}
	if results == nil {
		return nil, names
	}
	for _, k := range results.keys {
		tag := strings.ReplaceAll(strings.ToLower(k), " ", "_")
		switch {
		case metricTags[tag]:
		case strings.ToLower(k) == "rouge1":
			tag = "rouge"
		default:
			continue
		}
		if _, ok := names[tag]; !ok {
			types = append(types, tag)
		}
		names[tag] = k
	}
	return types, names
}

// frontMatter is create_metadata, encoded as YAML.
func (c *Card) frontMatter(results *orderedMap) ([]byte, error) {
	types, names := metricMapping(results)
	m := metadata{
		LibraryName: "hftrain",
		PipelineTag: c.PipelineTag,
		Language:    nonEmpty(c.Language),
		License:     c.License,
		BaseModel:   c.BaseModel,
		Tags:        c.tags(),
		Datasets:    c.hubDatasets(),
		Metrics:     types,
		ModelIndex:  []modelIndex{c.modelIndex(types, names, results)},
	}
	return encodeYAML(m)
}

// modelIndex is create_model_index: one result per (task, Hub dataset), kept only when it has
// a task, a dataset and at least one metric, so that the Hub does not reject the card.
func (c *Card) modelIndex(types []string, names map[string]string, results *orderedMap) modelIndex {
	mi := modelIndex{Name: c.title(), Results: []result{}}
	task := taskMeta{Type: c.Task.Type, Name: c.Task.Name}
	if task.Name == "" {
		task.Name = taskNames[task.Type]
	}
	if task.Type == "" || task.Name == "" || len(types) == 0 {
		return mi
	}
	metrics := make([]metricMeta, len(types))
	for i, t := range types {
		metrics[i] = metricMeta{Name: names[t], Type: t, Value: results.vals[names[t]].f}
	}
	for _, ds := range c.hubDatasets() {
		mi.Results = append(mi.Results, result{
			Task: task,
			// from_trainer sets both dataset_metadata's config and dataset_args to config_name.
			Dataset: datasetMeta{Name: ds, Type: ds, Config: c.DatasetConfig, Split: c.DatasetSplit, Args: c.DatasetConfig},
			Metrics: metrics,
		})
	}
	return mi
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
