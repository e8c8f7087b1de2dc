package modelcard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// splitCard returns the YAML between the first two "---" lines and the Markdown after them.
func splitCard(t *testing.T, md []byte) (front, body string) {
	t.Helper()
	s := string(md)
	if !strings.HasPrefix(s, "---\n") {
		t.Fatalf("card does not start with ---:\n%s", s)
	}
	front, body, ok := strings.Cut(s[len("---\n"):], "\n---\n")
	if !ok {
		t.Fatalf("no closing ---:\n%s", s)
	}
	return front + "\n", body
}

// topKeys are the front matter's keys in order.
func topKeys(t *testing.T, front string) []string {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(front), &doc); err != nil {
		t.Fatalf("front matter does not parse: %v\n%s", err, front)
	}
	m := doc.Content[0]
	var keys []string
	for i := 0; i < len(m.Content); i += 2 {
		keys = append(keys, m.Content[i].Value)
	}
	return keys
}

// fullCard is a fine-tuned text classifier with a Hub dataset and evaluations every epoch.
func fullCard(t *testing.T) *Card {
	return &Card{
		ModelName:     "bert-sst2",
		BaseModel:     "google-bert/bert-base-uncased",
		Datasets:      []string{"stanfordnlp/sst2"},
		DatasetConfig: "default",
		DatasetSplit:  "validation",
		Task:          Task{Type: "text-classification"},
		License:       "apache-2.0",
		Language:      []string{"en"},
		Tags:          []string{"sentiment"},
		Hyperparameters: Hyperparameters(TrainingArgs{
			LearningRate: 2e-05, TrainBatchSize: 16, EvalBatchSize: 32, Seed: 42,
			AdamBeta1: 0.9, AdamBeta2: 0.999, AdamEpsilon: 1e-08, WarmupRatio: 0.1, NumTrainEpochs: 3,
		}),
		LogHistory: readHistory(t, filepath.Join("testdata", "history", "epoch_eval.json")),
		PlotFile:   "training_curves.png",
		Versions:   []Param{{"hftrain", "0.1.0"}, {"Go", "go1.26.0"}, {"Gorgonia", "v0.9.18"}},
	}
}

// cardCase is a testdata/cards/*.json description, read by scripts/modelcard/golden.py too.
type cardCase struct {
	ModelName     string   `json:"model_name"`
	BaseModel     string   `json:"base_model"`
	Datasets      []string `json:"datasets"`
	LocalData     bool     `json:"local_data"`
	DatasetConfig string   `json:"dataset_config"`
	DatasetSplit  string   `json:"dataset_split"`
	Task          struct {
		Type string `json:"type"`
	} `json:"task"`
	License  string   `json:"license"`
	Language []string `json:"language"`
	Tags     []string `json:"tags"`
	Args     *struct {
		LearningRate    float64 `json:"learning_rate"`
		TrainBatchSize  int     `json:"train_batch_size"`
		EvalBatchSize   int     `json:"eval_batch_size"`
		Seed            uint64  `json:"seed"`
		WorldSize       int     `json:"world_size"`
		DistributedType string  `json:"distributed_type"`
		GradAccum       int     `json:"gradient_accumulation_steps"`
		Optim           string  `json:"optim"`
		OptimArgs       string  `json:"optim_args"`
		AdamBeta1       float64 `json:"adam_beta1"`
		AdamBeta2       float64 `json:"adam_beta2"`
		AdamEpsilon     float64 `json:"adam_epsilon"`
		Scheduler       string  `json:"lr_scheduler_type"`
		WarmupRatio     float64 `json:"warmup_ratio"`
		WarmupSteps     int     `json:"warmup_steps"`
		MaxSteps        int     `json:"max_steps"`
		NumTrainEpochs  float64 `json:"num_train_epochs"`
		LabelSmoothing  float64 `json:"label_smoothing_factor"`
	} `json:"args"`
	History  string      `json:"history"`
	PlotFile string      `json:"plot_file"`
	Versions [][2]string `json:"versions"`
}

func loadCardCase(t *testing.T, name string) *Card {
	t.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var cc cardCase
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, d := range cc.Datasets {
		if IsLocalData(d) != cc.LocalData {
			t.Fatalf("%s: IsLocalData(%q) = %v, the case says local_data %v", name, d, !cc.LocalData, cc.LocalData)
		}
	}
	c := &Card{
		ModelName: cc.ModelName, BaseModel: cc.BaseModel, Datasets: cc.Datasets,
		DatasetConfig: cc.DatasetConfig, DatasetSplit: cc.DatasetSplit, Task: Task{Type: cc.Task.Type},
		License: cc.License, Language: cc.Language, Tags: cc.Tags, PlotFile: cc.PlotFile,
		LogHistory: readHistory(t, filepath.Join("testdata", "history", cc.History)),
	}
	if a := cc.Args; a != nil {
		c.Hyperparameters = Hyperparameters(TrainingArgs{
			LearningRate: a.LearningRate, TrainBatchSize: a.TrainBatchSize, EvalBatchSize: a.EvalBatchSize,
			Seed: a.Seed, WorldSize: a.WorldSize, DistributedType: a.DistributedType, GradAccum: a.GradAccum,
			Optim: a.Optim, OptimArgs: a.OptimArgs, AdamBeta1: a.AdamBeta1, AdamBeta2: a.AdamBeta2,
			AdamEpsilon: a.AdamEpsilon, Scheduler: a.Scheduler, WarmupRatio: a.WarmupRatio,
			WarmupSteps: a.WarmupSteps, MaxSteps: a.MaxSteps, NumTrainEpochs: a.NumTrainEpochs,
			LabelSmoothing: a.LabelSmoothing,
		})
	}
	for _, v := range cc.Versions {
		c.Versions = append(c.Versions, Param{v[0], v[1]})
	}
	return c
}

// keyPaths lists every mapping key of a YAML document with its path, in document order, so
// that two documents compare equal only with the same keys in the same order.
func keyPaths(n *yaml.Node, prefix string, out []string) []string {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			out = keyPaths(c, prefix, out)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			out = keyPaths(c, fmt.Sprintf("%s[%d]", prefix, i), out)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := prefix + "." + n.Content[i].Value
			out = append(out, p)
			out = keyPaths(n.Content[i+1], p, out)
		}
	}
	return out
}

// TestCardsAgainstTransformers compares whole cards with the ones transformers' own
// TrainingSummary writes for the same inputs (scripts/modelcard/golden.py): the Markdown body
// byte for byte, the front matter as parsed data with every key in the same order.
func TestCardsAgainstTransformers(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "cards", "*.json"))
	if err != nil || len(files) < 3 {
		t.Fatalf("want at least 3 cards in testdata/cards, got %d (%v)", len(files), err)
	}
	for _, f := range files {
		base := strings.TrimSuffix(f, ".json")
		t.Run(filepath.Base(base), func(t *testing.T) {
			got, err := loadCardCase(t, f).Markdown()
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(base + ".md")
			if err != nil {
				t.Fatal(err)
			}
			gotFront, gotBody := splitCard(t, got)
			wantFront, wantBody := splitCard(t, want)
			if gotBody != wantBody {
				t.Errorf("body differs from transformers'\n got:\n%s\nwant:\n%s", gotBody, wantBody)
			}
			var gotDoc, wantDoc yaml.Node
			if err := yaml.Unmarshal([]byte(gotFront), &gotDoc); err != nil {
				t.Fatalf("front matter does not parse: %v\n%s", err, gotFront)
			}
			if err := yaml.Unmarshal([]byte(wantFront), &wantDoc); err != nil {
				t.Fatal(err)
			}
			if g, w := keyPaths(&gotDoc, "", nil), keyPaths(&wantDoc, "", nil); !reflect.DeepEqual(g, w) {
				t.Errorf("front matter keys\n got: %v\nwant: %v", g, w)
			}
			var gotVal, wantVal any
			_ = gotDoc.Decode(&gotVal)
			_ = wantDoc.Decode(&wantVal)
			if !reflect.DeepEqual(gotVal, wantVal) {
				t.Errorf("front matter differs from transformers'\n got:\n%s\nwant:\n%s", gotFront, wantFront)
			}
			// yaml.v3, set up as encodeYAML does, lays these out exactly as PyYAML's yaml.dump.
			if gotFront != wantFront {
				t.Errorf("front matter parses the same but is laid out differently from PyYAML's:\n got:\n%s\nwant:\n%s", gotFront, wantFront)
			}
		})
	}
}

// TestFrontMatter parses the YAML back and compares it with the structure create_metadata
// builds for the same inputs.
func TestFrontMatter(t *testing.T) {
	for _, tc := range []struct {
		name     string
		card     *Card
		wantKeys []string
		want     map[string]any
	}{
		{
			name: "fine-tuned with Hub dataset and metrics",
			card: &Card{
				ModelName: "m", BaseModel: "org/base", Datasets: []string{"org/ds"},
				DatasetConfig: "cfg", DatasetSplit: "validation",
				Task: Task{Type: "text-classification"}, License: "mit", Language: []string{"en", "fr"},
				EvalResults: map[string]float64{"eval_loss": 0.3, "eval_accuracy": 0.9, "eval_f1": 0.8,
					"eval_runtime": 2, "eval_rouge1": 0.5, "eval_custom": 1, "epoch": 3},
			},
			wantKeys: []string{"library_name", "language", "license", "base_model", "tags", "datasets", "metrics", "model-index"},
			want: map[string]any{
				"library_name": "hftrain",
				"language":     []any{"en", "fr"},
				"license":      "mit",
				"base_model":   "org/base",
				"tags":         []any{"hftrain", "generated_from_trainer"},
				"datasets":     []any{"org/ds"},
				"metrics":      []any{"accuracy", "f1", "rouge"},
				"model-index": []any{map[string]any{
					"name": "m",
					"results": []any{map[string]any{
						"task":    map[string]any{"name": "Text Classification", "type": "text-classification"},
						"dataset": map[string]any{"name": "org/ds", "type": "org/ds", "config": "cfg", "split": "validation", "args": "cfg"},
						"metrics": []any{
							map[string]any{"name": "Accuracy", "type": "accuracy", "value": 0.9},
							map[string]any{"name": "F1", "type": "f1", "value": 0.8},
							map[string]any{"name": "Rouge1", "type": "rouge", "value": 0.5},
						},
					}},
				}},
			},
		},
		{
			name:     "scratch, local data, no metrics: empty results as transformers writes them",
			card:     &Card{ModelName: "m", Datasets: []string{"data/train.jsonl"}, Tags: []string{"hftrain", "x"}},
			wantKeys: []string{"library_name", "tags", "model-index"},
			want: map[string]any{
				"library_name": "hftrain",
				"tags":         []any{"hftrain", "x", "generated_from_trainer"},
				"model-index":  []any{map[string]any{"name": "m", "results": []any{}}},
			},
		},
		{
			name: "unknown task without a name drops the result; pipeline_tag when set",
			card: &Card{ModelName: "m", Datasets: []string{"ds"}, Task: Task{Type: "my-task"}, PipelineTag: "text-classification",
				EvalResults: map[string]float64{"eval_accuracy": 1}},
			wantKeys: []string{"library_name", "pipeline_tag", "tags", "datasets", "metrics", "model-index"},
			want: map[string]any{
				"library_name": "hftrain",
				"pipeline_tag": "text-classification",
				"tags":         []any{"hftrain", "generated_from_trainer"},
				"datasets":     []any{"ds"},
				"metrics":      []any{"accuracy"},
				"model-index":  []any{map[string]any{"name": "m", "results": []any{}}},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			md, err := tc.card.Markdown()
			if err != nil {
				t.Fatal(err)
			}
			front, _ := splitCard(t, md)
			if got := topKeys(t, front); !reflect.DeepEqual(got, tc.wantKeys) {
				t.Errorf("keys %v, want %v", got, tc.wantKeys)
			}
			var got map[string]any
			if err := yaml.Unmarshal([]byte(front), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("metadata\n got: %#v\nwant: %#v\nyaml:\n%s", got, tc.want, front)
			}
		})
	}
}

// TestTrickyNames: names with YAML syntax in them parse back unchanged.
func TestTrickyNames(t *testing.T) {
	tricky := []string{
		`org/data: "v2"`,
		`it's # not a comment`,
		`- dash`,
		`yes`,
		`0.10`,
		`{curly}`,
		`*star`,
		`née/ünïcode`,
		``,
	}
	for _, name := range tricky {
		c := &Card{
			ModelName: name + "x", BaseModel: "org/b", Datasets: []string{name + "-d"}, License: name + "l",
			Tags: []string{name}, Task: Task{Type: "text-classification", Name: name + "t"},
			EvalResults: map[string]float64{"eval_accuracy": 0.5},
		}
		md, err := c.Markdown()
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		front, _ := splitCard(t, md)
		var got struct {
			License    string   `yaml:"license"`
			Tags       []string `yaml:"tags"`
			Datasets   []string `yaml:"datasets"`
			ModelIndex []struct {
				Name    string `yaml:"name"`
				Results []struct {
					Task    map[string]string `yaml:"task"`
					Dataset map[string]string `yaml:"dataset"`
				} `yaml:"results"`
			} `yaml:"model-index"`
		}
		if err := yaml.Unmarshal([]byte(front), &got); err != nil {
			t.Fatalf("%q: front matter does not parse: %v\n%s", name, err, front)
		}
		wantTags := []string{"hftrain", "generated_from_trainer"}
		if name != "" {
			wantTags = append([]string{name}, wantTags...)
		}
		if got.License != name+"l" || !reflect.DeepEqual(got.Tags, wantTags) ||
			!reflect.DeepEqual(got.Datasets, []string{name + "-d"}) || got.ModelIndex[0].Name != name+"x" ||
			got.ModelIndex[0].Results[0].Dataset["name"] != name+"-d" || got.ModelIndex[0].Results[0].Task["name"] != name+"t" {
			t.Errorf("%q did not round-trip: %+v\n%s", name, got, front)
		}
	}
}

func TestIsLocalData(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"stanfordnlp/sst2", false},
		{"imdb", false},
		{"org/data.v2", false},
		{"train.csv", true},
		{"TRAIN.JSONL", true},
		{"data.parquet", true},
		{"train.json.gz", true},
		{"./data", true},
		{"/abs/dir", true},
		{"a/b/c", true},
		{`C:\data`, true},
	} {
		if got := IsLocalData(tc.in); got != tc.want {
			t.Errorf("IsLocalData(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestBodySentences(t *testing.T) {
	for _, tc := range []struct {
		name string
		card Card
		want []string
		not  []string
	}{
		{"scratch, unknown dataset", Card{ModelName: "m"},
			[]string{"# m\n\nThis model was trained from scratch on an unknown dataset.\n\n## Model description"},
			[]string{"It achieves", "### Training results", "![", "The following hyperparameters"}},
		{"name falls back to the base model", Card{BaseModel: "org/base", Datasets: []string{"a"}},
			[]string{"\n# org/base\n\nThis model is a fine-tuned version of [org/base](https://huggingface.co/org/base) on the a dataset.\n"}, nil},
		{"three datasets", Card{ModelName: "m", Datasets: []string{"a", "b", "c"}},
			[]string{"on the a, the b and the c datasets.\n"}, nil},
		{"explicit eval results, rounded", Card{ModelName: "m", EvalResults: map[string]float64{"eval_loss": 0.123456, "eval_accuracy": 0.9, "eval_runtime": 3, "step": 9}},
			[]string{"It achieves the following results on the evaluation set:\n- Loss: 0.1235\n- Accuracy: 0.9\n\n## Model description"},
			[]string{"Runtime", "Step"}},
		{"plot with a space is escaped", Card{ModelName: "m", PlotFile: "plots/my curves.png"},
			[]string{"\n![Training curves](plots/my%20curves.png)\n\n### Framework versions\n"}, nil},
		{"no hyperparameters", Card{ModelName: "m"},
			[]string{"### Training hyperparameters\n\nMore information needed\n"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			md, err := tc.card.Markdown()
			if err != nil {
				t.Fatal(err)
			}
			_, body := splitCard(t, md)
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q:\n%s", w, body)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(body, n) {
					t.Errorf("body has %q:\n%s", n, body)
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		card Card
		want string
	}{
		{"no title", Card{}, "ModelName"},
		{"newline in name", Card{ModelName: "a\nb"}, "ModelName"},
		{"newline in dataset", Card{ModelName: "m", Datasets: []string{"ok", "x\r"}}, "Datasets[1]"},
		{"absolute plot", Card{ModelName: "m", PlotFile: "/tmp/p.png"}, "PlotFile"},
		{"plot outside", Card{ModelName: "m", PlotFile: "../p.png"}, "PlotFile"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.card.Markdown()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %s", err, tc.want)
			}
		})
	}
	if _, err := (&Card{}).Markdown(); !errors.Is(err, ErrNoTitle) {
		t.Errorf("empty card: %v, want ErrNoTitle", err)
	}
}

// TestNoTokenField guards the rule that a Card cannot carry a credential.
func TestNoTokenField(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeOf(Card{}), reflect.TypeOf(TrainingArgs{})} {
		for i := 0; i < typ.NumField(); i++ {
			if n := strings.ToLower(typ.Field(i).Name); strings.Contains(n, "token") || strings.Contains(n, "secret") {
				t.Errorf("%s has field %s", typ.Name(), typ.Field(i).Name)
			}
		}
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	c := fullCard(t)
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("old card"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(dir, c); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := c.Markdown()
	if !bytes.Equal(got, want) {
		t.Error("README.md is not the card's Markdown")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	if err := Write(filepath.Join(dir, "missing"), c); err == nil || !strings.Contains(err.Error(), "modelcard") {
		t.Errorf("write into a missing folder: %v", err)
	}
	if err := Write(dir, &Card{}); !errors.Is(err, ErrNoTitle) {
		t.Errorf("invalid card: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, FileName)); !bytes.Equal(b, want) {
		t.Error("a failed Write changed README.md")
	}
}
