package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// minimal are the --set values without which no config validates.
var minimal = []string{"output_dir=out", "model_type=bert"}

func withMinimal(sets ...string) []string {
	return append(append([]string(nil), minimal...), sets...)
}

// writeYAML writes body to a temporary config file and returns its path.
func writeYAML(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "finetune.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadPrecedence(t *testing.T) {
	file := writeYAML(t, "output_dir: out\nmodel_type: bert\nlearning_rate: 1e-4\nseed: 1\nrun_name: file\ndo_train: false\ntrain_file: t.csv\n")
	tests := []struct {
		name    string
		path    string
		env     []string
		sets    []string
		lr      float64
		seed    int
		runName string
		doTrain bool
	}{
		{name: "defaults", sets: minimal, lr: 5e-5, seed: 42, runName: ""},
		{name: "file", path: file, lr: 1e-4, seed: 1, runName: "file"},
		{name: "env over file", path: file,
			env: []string{"HFTRAIN_LEARNING_RATE=3e-5", "HFTRAIN_RUN_NAME=env", "HFTRAIN_DO_TRAIN=true"},
			lr:  3e-5, seed: 1, runName: "env", doTrain: true},
		{name: "set over env over file", path: file,
			env:  []string{"HFTRAIN_LEARNING_RATE=3e-5", "HFTRAIN_RUN_NAME=env", "HFTRAIN_SEED=7"},
			sets: []string{"learning_rate=2e-5", "run_name=set"},
			lr:   2e-5, seed: 7, runName: "set"},
		{name: "set over env, no file",
			env:  []string{"HFTRAIN_SEED=7", "HFTRAIN_OUTPUT_DIR=a"},
			sets: []string{"seed=8", "model_type=bert"},
			lr:   5e-5, seed: 8},
		{name: "later env entry wins", sets: minimal,
			env: []string{"HFTRAIN_SEED=7", "HFTRAIN_SEED=9"},
			lr:  5e-5, seed: 9},
		{name: "later set wins", sets: withMinimal("seed=3", "seed=4"), lr: 5e-5, seed: 4},
		{name: "unrelated and reserved env ignored", sets: minimal,
			env: []string{"PATH=/bin", "HFTRAIN_CONFIG=x.yaml", "NOEQUALS"},
			lr:  5e-5, seed: 42},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(tt.path, tt.env, tt.sets)
			if err != nil {
				t.Fatal(err)
			}
			tr := cfg.Training
			if tr.LearningRate != tt.lr || tr.Seed != tt.seed || tr.RunName != tt.runName || tr.DoTrain != tt.doTrain {
				t.Errorf("got lr=%g seed=%d run_name=%q do_train=%v, want lr=%g seed=%d run_name=%q do_train=%v",
					tr.LearningRate, tr.Seed, tr.RunName, tr.DoTrain, tt.lr, tt.seed, tt.runName, tt.doTrain)
			}
		})
	}
}

// TestLoadFile checks every value of the committed example file.
func TestLoadFile(t *testing.T) {
	cfg, err := Load("testdata/finetune.yaml", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Model.ModelNameOrPath = "distilbert-base-uncased"
	want.Data.TrainFile = "data/mrpc/train.csv"
	want.Data.ValidationFile = "data/mrpc/validation.csv"
	want.Data.TextColumnNames = "sentence1, sentence2"
	want.Data.MaxTrainSamples = 1000
	tr := &want.Training
	tr.OutputDir = "out/mrpc"
	tr.OverwriteOutputDir = true
	tr.DoTrain, tr.DoEval = true, true
	tr.PerDeviceTrainBatchSize, tr.PerDeviceEvalBatchSize = 16, 32
	tr.WeightDecay = 0.01
	tr.WarmupRatio = 0.1
	tr.EvalStrategy, tr.SaveStrategy = StrategyEpoch, StrategyEpoch
	tr.SaveTotalLimit = 2
	tr.LoadBestModelAtEnd = true
	tr.MetricForBestModel = "accuracy"
	better := true // derived: "accuracy" does not end in "loss"
	tr.GreaterIsBetter = &better
	tr.LoggingSteps = 50
	tr.Seed = 1234
	if !reflect.DeepEqual(*cfg, want) {
		t.Errorf("Load(finetune.yaml):\n got %+v\nwant %+v", *cfg, want)
	}
	if got := cfg.TextColumns(); !reflect.DeepEqual(got, []string{"sentence1", "sentence2"}) {
		t.Errorf("TextColumns() = %q", got)
	}
}

func TestLoadErrors(t *testing.T) {
	listFile := writeYAML(t, "output_dir: out\nmodel_type: bert\nlearning_rate: [1, 2]\nrun_name: {a: 1}\n")
	typoFile := writeYAML(t, "output_dir: out\nmodel_type: bert\nlearning_rat: 3e-5\n")
	nullTypo := writeYAML(t, "output_dir: out\nmodel_type: bert\nsede:\n")
	badYAML := writeYAML(t, "output_dir: [unclosed\n")
	dupFile := writeYAML(t, "seed: 1\nseed: 2\n")
	tests := []struct {
		name string
		path string
		env  []string
		sets []string
		want string // the exact error text
		is   error
	}{
		{name: "unknown key in file", path: typoFile,
			want: `config: unknown key "learning_rat" in ` + typoFile + ` (did you mean "learning_rate"?)`, is: ErrUnknownKey},
		{name: "unknown null-valued key in file", path: nullTypo,
			want: `config: unknown key "sede" in ` + nullTypo + ` (did you mean "seed"?)`, is: ErrUnknownKey},
		{name: "unknown key without suggestion", sets: withMinimal("zzzqqqxx=1"),
			want: `config: unknown key "zzzqqqxx" in --set`, is: ErrUnknownKey},
		{name: "unknown key hint", sets: withMinimal("lr=1e-4"),
			want: `config: unknown key "lr" in --set (did you mean "learning_rate"?)`, is: ErrUnknownKey},
		{name: "unknown key is case-sensitive", sets: withMinimal("Seed=1"),
			want: `config: unknown key "Seed" in --set (did you mean "seed"?)`, is: ErrUnknownKey},
		{name: "unknown env var", sets: minimal, env: []string{"HFTRAIN_LEARNING_RAT=3e-5"},
			want: `config: unknown environment variable HFTRAIN_LEARNING_RAT (did you mean HFTRAIN_LEARNING_RATE?)`, is: ErrUnknownKey},
		{name: "unknown env var without suggestion", sets: minimal, env: []string{"HFTRAIN_XYZZY_PLUGH=1"},
			want: `config: unknown environment variable HFTRAIN_XYZZY_PLUGH`, is: ErrUnknownKey},
		{name: "not a number from --set", sets: withMinimal("learning_rate=fast"),
			want: `config: learning_rate: "fast" is not a number (from --set)`, is: ErrInvalid},
		{name: "not a finite number", sets: withMinimal("learning_rate=NaN"),
			want: `config: learning_rate: "NaN" is not a finite number (from --set)`, is: ErrInvalid},
		{name: "not an integer from env", sets: minimal, env: []string{"HFTRAIN_SEED=abc"},
			want: `config: seed: "abc" is not an integer (from HFTRAIN_SEED)`, is: ErrInvalid},
		{name: "fraction is not an integer", sets: withMinimal("save_steps=2.5"),
			want: `config: save_steps: "2.5" is not an integer (from --set)`, is: ErrInvalid},
		{name: "step ratios not supported yet", sets: withMinimal("save_steps=0.5"),
			want: `config: save_steps: 0.5 is a ratio of the total steps, which hftrain does not support yet; give a number of steps (from --set)`,
			is:   ErrUnsupported},
		{name: "warmup ratio given twice", sets: withMinimal("warmup_steps=0.1", "warmup_ratio=0.2"),
			want: `config: both warmup_steps 0.1 (a ratio) and warmup_ratio are set in --set`, is: ErrInvalid},
		{name: "duplicate key in file", path: dupFile,
			want: "config: " + dupFile + ": yaml: unmarshal errors:\n  line 2: mapping key \"seed\" already defined at line 1"},
		{name: "not a boolean", sets: withMinimal("do_train=maybe"),
			want: `config: do_train: "maybe" is not a boolean (use true or false) (from --set)`, is: ErrInvalid},
		{name: "list and map for scalars in file", path: listFile,
			want: "config: learning_rate: a list is not a number (from " + listFile + ")\n" +
				"config: run_name: a map is not a string (from " + listFile + ")", is: ErrInvalid},
		{name: "unsupported TrainingArguments option", sets: withMinimal("fp16=true"),
			want: `config: fp16 is a Hugging Face TrainingArguments option that hftrain does not support yet (from --set)`, is: ErrUnsupported},
		{name: "unsupported option from env", sets: minimal, env: []string{"HFTRAIN_DEEPSPEED=ds.json"},
			want: `config: deepspeed is a Hugging Face TrainingArguments option that hftrain does not support yet (from HFTRAIN_DEEPSPEED)`, is: ErrUnsupported},
		{name: "unsupported example-script option", sets: withMinimal("pad_to_max_length=false"),
			want: `config: pad_to_max_length is a Hugging Face example-script option that hftrain does not support yet (from --set)`, is: ErrUnsupported},
		{name: "unsupported option with a wrong type", sets: withMinimal("bf16=sometimes"),
			want: `config: bf16: "sometimes" is not a boolean (use true or false) (from --set)`, is: ErrInvalid},
		{name: "deprecated hub option is never echoed", sets: withMinimal("push_to_hub_token=hf_secret"),
			want: `config: push_to_hub_token is a Hugging Face TrainingArguments option that hftrain does not support yet (from --set)`, is: ErrUnsupported},
		{name: "unknown hub strategy", sets: withMinimal("hub_strategy=sometimes"),
			want: `config: hub_strategy: "sometimes" is not one of end, every_save, checkpoint, all_checkpoints`, is: ErrInvalid},
		{name: "checkpoint strategy needs saves", sets: withMinimal("push_to_hub=true", "hub_strategy=checkpoint", "save_strategy=no"),
			want: `config: hub_strategy "checkpoint" pushes checkpoints, but save_strategy is "no"`, is: ErrInvalid},
		{name: "malformed --set", sets: withMinimal("learning_rate"),
			want: `config: --set "learning_rate": want key=value`, is: ErrInvalid},
		{name: "empty --set key", sets: withMinimal("=1"),
			want: `config: --set "=1": want key=value`, is: ErrInvalid},
		{name: "deprecated alias and new name together", sets: withMinimal("evaluation_strategy=epoch", "eval_strategy=epoch"),
			want: `config: both eval_strategy and its deprecated alias evaluation_strategy are set in --set`, is: ErrInvalid},
		{name: "errors from all layers are joined", sets: withMinimal("seed=x"), env: []string{"HFTRAIN_FP16=1"},
			want: "config: fp16 is a Hugging Face TrainingArguments option that hftrain does not support yet (from HFTRAIN_FP16)\n" +
				`config: seed: "x" is not an integer (from --set)`},
		{name: "validation runs after loading", sets: []string{"model_type=bert"},
			want: `config: output_dir must be set`, is: ErrInvalid},
		{name: "invalid YAML names the file", path: badYAML, want: "config: " + badYAML + ": yaml: line 1: did not find expected ',' or ']'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.path, tt.env, tt.sets)
			if err == nil {
				t.Fatalf("Load succeeded, want error %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %q\nwant %q", err.Error(), tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(err, %v) = false", tt.is)
			}
			if strings.Contains(err.Error(), "hf_secret") {
				t.Errorf("error leaks the token: %v", err)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), nil, minimal)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v, want fs.ErrNotExist", err)
	}
}

// TestLoadAccepted covers values that must load, and what they load as.
func TestLoadAccepted(t *testing.T) {
	file := writeYAML(t, "output_dir: out\nmodel_type: bert\nevaluation_strategy: epoch\nvalidation_file: v.csv\n"+
		"learning_rate: \"5e-5\"\nmax_steps: 1e3\nfp16: false\ntf32:\ndeepspeed:\nreport_to: [none]\nmodel_revision: 1.0\n")
	tests := []struct {
		name  string
		path  string
		env   []string
		sets  []string
		check func(*Config) string
	}{
		{name: "yaml values", path: file, check: func(c *Config) string {
			tr := c.Training
			switch {
			case tr.EvalStrategy != StrategyEpoch || !tr.DoEval:
				return "evaluation_strategy was not applied as eval_strategy"
			case len(c.Notes) != 1 || !strings.Contains(c.Notes[0], "evaluation_strategy"):
				return "no deprecation note: " + strings.Join(c.Notes, ";")
			case tr.LearningRate != 5e-5 || tr.MaxSteps != 1000:
				return "numbers"
			case !reflect.DeepEqual(tr.ReportTo, []string{"none"}):
				return "report_to"
			case c.Model.ModelRevision != "1":
				return "model_revision " + c.Model.ModelRevision
			}
			return ""
		}},
		{name: "strtobool spellings", sets: withMinimal("do_train=yes", "train_file=t.csv", "shuffle=off", "disable_tqdm=1"),
			check: func(c *Config) string {
				if !c.Training.DoTrain || c.Data.Shuffle || !c.Training.DisableTqdm {
					return "booleans"
				}
				return ""
			}},
		{name: "eval_steps defaults to logging_steps", sets: withMinimal("eval_strategy=steps", "logging_steps=50", "validation_file=v.csv"),
			check: func(c *Config) string {
				if c.Training.EvalSteps != 50 || !c.Training.DoEval {
					return "eval_steps/do_eval not derived"
				}
				return ""
			}},
		{name: "optim alias", sets: withMinimal("optim=adamw_hf"), check: func(c *Config) string {
			if c.Training.Optim != OptimAdamWTorch || len(c.Notes) != 1 {
				return "optim " + c.Training.Optim
			}
			return ""
		}},
		{name: "best model metric and direction", sets: withMinimal("load_best_model_at_end=true", "eval_strategy=epoch",
			"save_strategy=epoch", "validation_file=v.csv"), check: func(c *Config) string {
			tr := c.Training
			if tr.MetricForBestModel != "loss" || tr.GreaterIsBetter == nil || *tr.GreaterIsBetter {
				return "metric_for_best_model/greater_is_better not derived"
			}
			return ""
		}},
		{name: "data_seed", sets: withMinimal("data_seed=0"), check: func(c *Config) string {
			if c.Training.DataSeed == nil || c.Training.DataSeedOrSeed() != 0 {
				return "data_seed"
			}
			return ""
		}},
		{name: "home expansion, relative paths kept", env: []string{"HOME=/home/u"},
			sets: withMinimal("output_dir=~/runs/a", "train_file=data/t.csv", "cache_dir=~other/x"),
			check: func(c *Config) string {
				if c.Training.OutputDir != "/home/u/runs/a" || c.Data.TrainFile != "data/t.csv" || c.Model.CacheDir != "~other/x" {
					return c.Training.OutputDir + " " + c.Data.TrainFile + " " + c.Model.CacheDir
				}
				return ""
			}},
		{name: "warmup_steps ratio as in transformers v5", sets: withMinimal("warmup_steps=0.1"), check: func(c *Config) string {
			if c.Training.WarmupRatio != 0.1 || c.Training.WarmupSteps != 0 || len(c.Notes) != 1 {
				return "warmup_steps 0.1 not read as warmup_ratio"
			}
			return ""
		}},
		{name: "report_to comma list", sets: withMinimal("report_to=none, all"), check: func(c *Config) string {
			if !reflect.DeepEqual(c.Training.ReportTo, []string{"none", "all"}) {
				return "report_to"
			}
			return ""
		}},
		{name: "value with equals sign", sets: withMinimal("config_overrides=n_embd=10,resid_pdrop=0.2"), check: func(c *Config) string {
			if c.Model.ConfigOverrides != "n_embd=10,resid_pdrop=0.2" {
				return c.Model.ConfigOverrides
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(tt.path, tt.env, tt.sets)
			if err != nil {
				t.Fatal(err)
			}
			if msg := tt.check(cfg); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func TestKeysAndRedacted(t *testing.T) {
	cfg, err := Load("", nil, withMinimal("token=hf_abc", "hub_token=hf_def"))
	if err != nil {
		t.Fatal(err)
	}
	keys := cfg.Keys()
	red := cfg.Redacted()
	if len(keys) != len(red) {
		t.Fatalf("%d keys but %d redacted values", len(keys), len(red))
	}
	for i, k := range keys {
		if i > 0 && keys[i-1] >= k {
			t.Errorf("Keys not sorted/unique at %q", k)
		}
		if _, ok := red[k]; !ok {
			t.Errorf("Redacted lacks %q", k)
		}
	}
	for _, k := range []string{"fp16", "push_to_hub_token", "evaluation_strategy"} {
		if _, ok := red[k]; ok {
			t.Errorf("Keys includes unsupported %q", k)
		}
	}
	want := map[string]any{"token": "<redacted>", "hub_token": "<redacted>", "learning_rate": 5e-5, "data_seed": nil, "output_dir": "out",
		"report_to": []string{"none"}, "max_steps": -1, "shuffle": true}
	for k, v := range want {
		if !reflect.DeepEqual(red[k], v) {
			t.Errorf("Redacted()[%q] = %#v, want %#v", k, red[k], v)
		}
	}
	if cfg.Model.Token != "hf_abc" {
		t.Error("Redacted modified the config")
	}
	def := Default()
	if def.Redacted()["token"] != "" {
		t.Error("an empty token should stay empty")
	}
}
