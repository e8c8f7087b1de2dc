package modelcard

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// FileName is the model card's name in a model folder and on the Hub.
const FileName = "README.md"

// Card is what the model card says about a run. Every field is optional except that the card
// needs a title: ModelName, or BaseModel when ModelName is empty.
//
// A Card has no token field and Markdown copies its fields verbatim into a file that is
// published: callers pass names and values that are safe to publish (a Hub id, never a URL
// with credentials; hyperparameters without hub_token).
type Card struct {
	ModelName string // the repo name (last part of hub_model_id): the card's title
	// BaseModel is the Hub id the model was fine-tuned from; "" when trained from scratch or
	// from a local folder.
	BaseModel string
	// Datasets are Hub dataset ids, or file names for local data. Local ones (see IsLocalData)
	// are named in the text only: they are not Hub ids, so they stay out of the metadata.
	Datasets      []string
	DatasetConfig string // the datasets' config name, for model-index ("" when unknown)
	DatasetSplit  string // the evaluation split, for model-index (usually "validation")
	Task          Task
	License       string
	Language      []string
	// Tags are written after the user's own; "hftrain" and "generated_from_trainer" are always
	// added (the latter, as transformers does, marks a card written from a trainer's records
	// that a person should proofread).
	Tags []string
	// PipelineTag is the Hub's pipeline_tag, written only when set (transformers' Trainer card
	// has none; HUB.md suggests it for hftrain).
	PipelineTag     string
	Hyperparameters []Param // as extract_hyperparameters_from_trainer orders them; see Hyperparameters
	// EvalResults are the final metrics, keys as logged (eval_loss, eval_accuracy, ...). Nil
	// means: take them from LogHistory as parse_log_history does.
	EvalResults map[string]float64
	// LogHistory is the trainer's log history: loss/learning_rate/epoch/step entries, eval_*
	// entries and the train_runtime summary, in order. It gives the "Training results" table.
	LogHistory []map[string]float64
	PlotFile   string  // a picture in the model folder (training_curves.png), embedded when set
	Versions   []Param // framework versions, e.g. from DefaultVersions
}

// Task is the model-index task: the Hub pipeline type and its display name.
type Task struct{ Type, Name string }

// Param is one name/value line of the card (a hyperparameter or a framework version).
type Param struct{ Name, Value string }

// taskNames is transformers' TASK_TAG_TO_NAME_MAPPING, used when Task.Name is empty.
var taskNames = map[string]string{
	"fill-mask":                    "Masked Language Modeling",
	"image-classification":         "Image Classification",
	"image-segmentation":           "Image Segmentation",
	"multiple-choice":              "Multiple Choice",
	"object-detection":             "Object Detection",
	"question-answering":           "Question Answering",
	"summarization":                "Summarization",
	"table-question-answering":     "Table Question Answering",
	"text-classification":          "Text Classification",
	"text-generation":              "Causal Language Modeling",
	"text2text-generation":         "Sequence-to-sequence Language Modeling",
	"token-classification":         "Token Classification",
	"translation":                  "Translation",
	"zero-shot-classification":     "Zero Shot Classification",
	"automatic-speech-recognition": "Automatic Speech Recognition",
	"audio-classification":         "Audio Classification",
}

// metricTags is transformers' METRIC_TAGS: the only metrics that reach the metadata.
var metricTags = map[string]bool{
	"accuracy": true, "bleu": true, "f1": true, "matthews_correlation": true, "pearsonr": true,
	"precision": true, "recall": true, "rouge": true, "sacrebleu": true, "spearmanr": true, "wer": true,
}

// localExts are the extensions of files data.ReadFile reads: a Datasets entry ending in one
// is a local file, as transformers leaves the csv/json/parquet/text builders out of metadata.
var localExts = []string{".csv", ".tsv", ".json", ".jsonl", ".parquet", ".txt", ".arrow"}

// IsLocalData reports whether a Datasets entry names local data rather than a Hub dataset id:
// a path (absolute, relative, or with more than one "/"), or a data file name.
func IsLocalData(name string) bool {
	if strings.HasPrefix(name, "/") || strings.HasPrefix(name, ".") || strings.Contains(name, `\`) ||
		strings.Count(name, "/") > 1 {
		return true
	}
	lower := strings.ToLower(name)
	for _, ext := range localExts {
		if strings.HasSuffix(lower, ext) || strings.HasSuffix(lower, ext+".gz") {
			return true
		}
	}
	return false
}

// ErrNoTitle is returned for a Card that has neither ModelName nor BaseModel.
var ErrNoTitle = errors.New("modelcard: the card needs a ModelName (or a BaseModel)")

// Markdown renders README.md: the YAML front matter (create_metadata) and the Markdown body
// (to_model_card) of transformers' TrainingSummary, for hftrain.
func (c *Card) Markdown() ([]byte, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	lines, results := parseLogHistory(c.LogHistory)
	if c.EvalResults != nil {
		results = evalResults(c.EvalResults)
	}
	meta, err := c.frontMatter(results)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("---\n")
	b.Write(meta)
	b.WriteString("---\n")
	c.body(&b, lines, results)
	return b.Bytes(), nil
}

// title is the card's heading: from_trainer falls back to finetuned_from for an empty name.
func (c *Card) title() string {
	if c.ModelName != "" {
		return c.ModelName
	}
	return c.BaseModel
}

// validate refuses what would break the Markdown: no title, a line break in a one-line field,
// or a PlotFile that is not a plain relative path inside the model folder.
func (c *Card) validate() error {
	if c.title() == "" {
		return ErrNoTitle
	}
	oneLine := map[string]string{"ModelName": c.ModelName, "BaseModel": c.BaseModel, "PlotFile": c.PlotFile}
	for i, d := range c.Datasets {
		oneLine[fmt.Sprintf("Datasets[%d]", i)] = d
	}
	for field, v := range oneLine {
		if strings.ContainsAny(v, "\r\n") {
			return fmt.Errorf("modelcard: %s %q: has a line break", field, v)
		}
	}
	if p := c.PlotFile; p != "" {
		if filepath.IsAbs(p) || strings.HasPrefix(p, "/") || strings.Contains(p, `\`) || !filepath.IsLocal(p) {
			return fmt.Errorf("modelcard: PlotFile %q: must be a relative path inside the model folder", p)
		}
	}
	return nil
}

// evalResults turns metrics as logged into the card's results, as the last loop of
// parse_log_history does.
func evalResults(m map[string]float64) *orderedMap {
	out := newOrderedMap()
	for _, k := range orderedKeys(m) {
		key := strings.TrimPrefix(k, "eval_")
		if !evalResultsDropped[key] {
			out.set(capitalizeJoin(strings.Split(key, "_")), logValue(k, m[k]))
		}
	}
	return out
}

// hubDatasets are the Datasets entries that are Hub ids.
func (c *Card) hubDatasets() []string {
	var ids []string
	for _, d := range c.Datasets {
		if d != "" && !IsLocalData(d) {
			ids = append(ids, d)
		}
	}
	return ids
}

// tags are the user's tags, then hftrain and generated_from_trainer, without repeats.
func (c *Card) tags() []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range append(append([]string{}, c.Tags...), "hftrain", "generated_from_trainer") {
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// body writes to_model_card's Markdown after the front matter.
func (c *Card) body(b *bytes.Buffer, lines []*orderedMap, results *orderedMap) {
	b.WriteString("\n<!-- This model card has been generated automatically according to the information hftrain had access to. You\nshould probably proofread and complete it, then remove this comment. -->\n")
	fmt.Fprintf(b, "\n# %s\n\n", c.title())
	if c.BaseModel == "" {
		b.WriteString("This model was trained from scratch on ")
	} else {
		fmt.Fprintf(b, "This model is a fine-tuned version of [%s](https://huggingface.co/%s) on ", c.BaseModel, c.BaseModel)
	}
	b.WriteString(datasetPhrase(c.Datasets))
	if results != nil && results.len() > 0 {
		b.WriteString("\nIt achieves the following results on the evaluation set:\n")
		b.WriteString(resultLines(results))
	}
	b.WriteString("\n")

	b.WriteString("\n## Model description\n\nMore information needed\n")
	b.WriteString("\n## Intended uses & limitations\n\nMore information needed\n")
	b.WriteString("\n## Training and evaluation data\n\nMore information needed\n")

	b.WriteString("\n## Training procedure\n")
	b.WriteString("\n### Training hyperparameters\n")
	if len(c.Hyperparameters) > 0 {
		b.WriteString("\nThe following hyperparameters were used during training:\n")
		for _, p := range c.Hyperparameters {
			fmt.Fprintf(b, "- %s: %s\n", p.Name, p.Value)
		}
	} else {
		b.WriteString("\nMore information needed\n")
	}
	if lines != nil {
		b.WriteString("\n### Training results\n\n")
		b.WriteString(makeMarkdownTable(lines))
		b.WriteString("\n")
	}
	if c.PlotFile != "" {
		if !bytes.HasSuffix(b.Bytes(), []byte("\n\n")) { // the results table already ends in a blank line
			b.WriteString("\n")
		}
		fmt.Fprintf(b, "![Training curves](%s)\n", escapePath(c.PlotFile))
	}
	b.WriteString("\n### Framework versions\n\n")
	for _, v := range c.Versions {
		fmt.Fprintf(b, "- %s %s\n", v.Name, v.Value)
	}
}

// resultLines are the "- Name: value" lines of the results, without a final newline.
func resultLines(results *orderedMap) string {
	rows := make([]string, 0, results.len())
	for _, k := range results.keys {
		rows = append(rows, fmt.Sprintf("- %s: %s", k, maybeRound(results.vals[k])))
	}
	return strings.Join(rows, "\n")
}

// datasetPhrase ends the "trained on" sentence as to_model_card does.
func datasetPhrase(names []string) string {
	var ds []string
	for _, d := range names {
		if d != "" {
			ds = append(ds, d)
		}
	}
	switch len(ds) {
	case 0:
		return "an unknown dataset."
	case 1:
		return fmt.Sprintf("the %s dataset.", ds[0])
	}
	the := make([]string, len(ds)-1)
	for i, d := range ds[:len(ds)-1] {
		the[i] = "the " + d
	}
	return strings.Join(the, ", ") + fmt.Sprintf(" and the %s datasets.", ds[len(ds)-1])
}

// escapePath escapes each segment of a relative path for a Markdown link target.
func escapePath(p string) string {
	segs := strings.Split(path.Clean(filepath.ToSlash(p)), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// Write renders c and writes dir/README.md atomically: a temporary file in dir, synced, then
// renamed over README.md, so a reader (or an upload) never sees half a card.
func Write(dir string, c *Card) error {
	md, err := c.Markdown()
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, FileName), md)
}

func writeAtomic(name string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(name), ".README.md.tmp-*")
	if err != nil {
		return fmt.Errorf("modelcard: write %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("modelcard: write %s: %w", name, err)
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("modelcard: write %s: %w", name, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("modelcard: write %s: sync: %w", name, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("modelcard: write %s: close: %w", name, err)
	}
	if err = os.Rename(f.Name(), name); err != nil {
		return fmt.Errorf("modelcard: write %s: %w", name, err)
	}
	return nil
}

// encodeYAML writes v as PyYAML's yaml.dump would lay it out (two-space indent, sequences not
// indented under their key); yaml.v3 picks the quoting, so any string parses back unchanged.
func encodeYAML(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	enc.CompactSeqIndent()
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("modelcard: encode metadata: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("modelcard: encode metadata: %w", err)
	}
	return buf.Bytes(), nil
}
