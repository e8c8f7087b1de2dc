package hub

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestDataPatterns runs the split detection on the layouts of datasets'
// tests/test_data_files.py test_get_data_files_patterns: each case lists the files of
// each split, in the order datasets returns the splits, and every file must land in its
// split and nowhere else.
func TestDataPatterns(t *testing.T) {
	shards := func(split string, n int) []string {
		var out []string
		for i := range n {
			out = append(out, "data/"+split+"-0000"+string(rune('0'+i))+"-of-00003.txt")
		}
		return out
	}
	type split struct {
		name  string
		files []string
	}
	tests := []struct {
		name   string
		splits []split
	}{
		{"file named after split at the root", []split{{"train", []string{"train.txt"}}, {"validation", []string{"valid.txt"}}, {"test", []string{"test.txt"}}}},
		{"file named after split in a directory", []split{{"train", []string{"data/train.txt"}}, {"validation", []string{"data/valid.txt"}}, {"test", []string{"data/test.txt"}}}},
		{"directory named after split", []split{{"train", []string{"train/split.txt"}}, {"validation", []string{"valid/split.txt"}}, {"test", []string{"test/split.txt"}}}},
		{"numbered files", []split{{"train", []string{"data/train_0.txt", "data/train_1.txt", "data/train_2.txt"}}, {"validation", []string{"data/validation_0.txt", "data/validation_1.txt"}}, {"test", []string{"data/test_0.txt"}}}},
		{"sharded with a custom split", []split{{"train", shards("train", 3)}, {"validation", shards("validation", 3)}, {"test", shards("test", 3)}, {"random", shards("random", 3)}}},
		{"sharded, custom splits alphabetical", []split{{"train", shards("train", 1)}, {"alpha", shards("alpha", 1)}, {"zeta", shards("zeta", 2)}}},
		{"default to train", []split{{"train", []string{"dataset.txt"}}}},
		{"default to train in a folder", []split{{"train", []string{"data/dataset.txt"}}}},
		{"default to train, several", []split{{"train", []string{"data/image.jpg", "metadata.jsonl"}}}},
		{"prefixed dir", []split{{"train", []string{"my_train_dir/dataset.txt"}}}},
		{"prefixed file", []split{{"train", []string{"data/my_train_file.txt"}}}},
		{"test dir", []split{{"test", []string{"my_test_dir/dataset.txt"}}}},
		{"validation file", []split{{"validation", []string{"data/my_validation_file.txt"}}}},
		{"suffix dir", []split{{"train", []string{"train_dir/dataset.txt"}}}},
		{"my_test/", []split{{"test", []string{"my_test/dataset.txt"}}}},
		{"my_validation.txt", []split{{"validation", []string{"data/my_validation.txt"}}}},
		{"eval is test", []split{{"test", []string{"eval.txt"}}}},
		{"training dir", []split{{"train", []string{"training/a.txt"}}}},
		{"testing file", []split{{"test", []string{"data/testing-1.txt"}}}},
		{"eval dir is test", []split{{"test", []string{"eval/dataset.txt"}}}},
		{"dev is validation", []split{{"validation", []string{"data/dev.txt"}}}},
		{"dev dir", []split{{"validation", []string{"dev/dataset.txt"}}}},
		{"val is validation", []split{{"validation", []string{"val.txt"}}}},
		{"other extension", []split{{"train", []string{"train.parquet"}}, {"validation", []string{"valid.parquet"}}, {"test", []string{"test.parquet"}}}},
		{"developers is not dev", []split{{"train", []string{"developers_list.txt"}}}},
		{"seqeval is not eval", []split{{"train", []string{"data/seqeval_results.txt"}}}},
		{"contest is not test", []split{{"train", []string{"contest.txt"}}}},
		{"dot separators", []split{{"test", []string{"my.test.file.txt"}}}},
		{"dash separators", []split{{"test", []string{"my-test-file.txt"}}}},
		{"space separators", []split{{"test", []string{"my test file.txt"}}}},
		{"digit separator", []split{{"test", []string{"test00001.txt"}}}},
		{"dir wins over file name", []split{{"test", []string{"test/train.txt"}}}},
		{"eval logs", []split{{"logs", []string{"runs/a.eval", "runs/b.eval"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var files []string
			for _, s := range tt.splits {
				files = append(files, s.files...)
			}
			files = append(files, "README.md", ".gitattributes")
			got, err := dataPatterns(files)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, sp := range got {
				names = append(names, sp.name)
			}
			var want []string
			for _, s := range tt.splits {
				want = append(want, s.name)
			}
			if !reflect.DeepEqual(names, want) {
				t.Fatalf("splits %v, want %v", names, want)
			}
			for i, sp := range got {
				m, err := resolvePatterns(files, sp.patterns)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(m, sortedCopy(tt.splits[i].files)) {
					t.Errorf("%s: files %v, want %v", sp.name, m, tt.splits[i].files)
				}
			}
		})
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern string
		match   []string
		miss    []string
	}{
		{"data/*", []string{"data/a.csv"}, []string{"data/x/a.csv", "a.csv"}},
		{"data/**", []string{"data/a.csv", "data/x/y/a.csv"}, []string{"other/a.csv"}},
		{"**", []string{"a", "x/y/z"}, nil},
		{"**/train[-._ 0-9]*", []string{"train.csv", "a/b/train-1.csv", "train 2.csv"}, []string{"training.csv", "mytrain.csv", "a/train"}},
		{"*.csv", []string{"a.csv"}, []string{"d/a.csv", "a.tsv"}},
		{"en/train-*.parquet", []string{"en/train-0.parquet"}, []string{"fr/train-0.parquet", "en/x/train-0.parquet"}},
		{"data/[!t]*", []string{"data/a"}, []string{"data/t1"}},
		{"a?c", []string{"abc"}, []string{"a/c", "ac"}},
		{"we[ird", []string{"we[ird"}, []string{"weird"}},
	}
	for _, tt := range tests {
		re, err := globRegexp(tt.pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range tt.match {
			if !re.MatchString(m) {
				t.Errorf("%q does not match %q", tt.pattern, m)
			}
		}
		for _, m := range tt.miss {
			if re.MatchString(m) {
				t.Errorf("%q matches %q", tt.pattern, m)
			}
		}
	}
}

func TestResolvePatternIgnores(t *testing.T) {
	files := []string{".hidden/a.csv", "data/.b.csv", "__pycache__/c.csv", "README.md", "config.json", "d/dataset_info.json", "e.csv"}
	tests := []struct {
		pattern string
		want    []string
	}{
		{"**", []string{"e.csv"}},
		{".hidden/*", []string{".hidden/a.csv"}},
		{"data/.*", []string{"data/.b.csv"}},
		{"__pycache__/*", []string{"__pycache__/c.csv"}},
		{"README.md", []string{"README.md"}},
		{"*.json", nil},
		{"config.json", []string{"config.json"}},
	}
	for _, tt := range tests {
		got, err := resolvePattern(files, tt.pattern)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: %v (%v), want %v", tt.pattern, got, err, tt.want)
		}
	}
}

const twoConfigs = `---
license: mit
configs:
- config_name: en
  data_files:
  - split: train
    path: "en/train-*.parquet"
  - split: test
    path: en/test.parquet
  default: true
- config_name: fr
  data_files: "fr/*.parquet"
- config_name: de
  data_files:
    - de/a.csv
    - de/b.csv
- config_name: nested
  data_dir: nested
- config_name: dir_and_files
  data_dir: nested
  data_files:
  - split: validation
    path: data/test-*
- config_name: multi
  data_files:
  - split: validation
    path: [fr/x.parquet, fr/y.parquet]
  - split: train
    path: en/train-0.parquet
---
# Card
`

func TestResolveDataFiles(t *testing.T) {
	cfgFiles := []string{".gitattributes", "README.md", "en/train-0.parquet", "en/train-1.parquet", "en/test.parquet",
		"fr/x.parquet", "fr/y.parquet", "de/a.csv", "de/b.csv", "nested/data/train-00000-of-00001.jsonl", "nested/data/test-00000-of-00001.jsonl"}
	type split struct {
		name  string
		files []string
	}
	tests := []struct {
		name, readme, config string
		files                []string
		wantConfig, format   string
		want                 []split
		wantErr              error
		errHas               []string
	}{
		{name: "README default config", readme: twoConfigs, files: cfgFiles, wantConfig: "en", format: "parquet",
			want: []split{{"train", []string{"en/train-0.parquet", "en/train-1.parquet"}}, {"test", []string{"en/test.parquet"}}}},
		{name: "README string data_files is train", readme: twoConfigs, config: "fr", files: cfgFiles, wantConfig: "fr", format: "parquet",
			want: []split{{"train", []string{"fr/x.parquet", "fr/y.parquet"}}}},
		{name: "README list of paths", readme: twoConfigs, config: "de", files: cfgFiles, wantConfig: "de", format: "csv",
			want: []split{{"train", []string{"de/a.csv", "de/b.csv"}}}},
		{name: "README data_dir", readme: twoConfigs, config: "nested", files: cfgFiles, wantConfig: "nested", format: "json",
			want: []split{{"train", []string{"nested/data/train-00000-of-00001.jsonl"}}, {"test", []string{"nested/data/test-00000-of-00001.jsonl"}}}},
		{name: "README data_dir with data_files", readme: twoConfigs, config: "dir_and_files", files: cfgFiles, wantConfig: "dir_and_files", format: "json",
			want: []split{{"validation", []string{"nested/data/test-00000-of-00001.jsonl"}}}},
		{name: "README path list, splits reordered", readme: twoConfigs, config: "multi", files: cfgFiles, wantConfig: "multi", format: "parquet",
			want: []split{{"train", []string{"en/train-0.parquet"}}, {"validation", []string{"fr/x.parquet", "fr/y.parquet"}}}},
		{name: "README config not found", readme: twoConfigs, config: "es", files: cfgFiles, wantErr: ErrConfigNotFound,
			errHas: []string{`"es"`, "en, fr, de, nested, dir_and_files, multi"}},
		{name: "README missing path", readme: "---\nconfigs:\n- config_name: a\n  data_files: nope.csv\n---\n", files: []string{"x.csv"}, wantErr: ErrNoDataFiles, errHas: []string{"nope.csv"}},
		{name: "no default among several", readme: "---\nconfigs:\n- config_name: a\n  data_files: a.csv\n- config_name: b\n  data_files: b.csv\n---\n",
			files: []string{"a.csv", "b.csv"}, wantErr: ErrConfigNotFound, errHas: []string{"a, b"}},
		{name: "single config is the default", readme: "---\nconfigs:\n- config_name: only\n  data_files: a.csv\n---\n",
			files: []string{"a.csv", "b.csv"}, wantConfig: "only", format: "csv", want: []split{{"train", []string{"a.csv"}}}},
		{name: "config named default", readme: "---\nconfigs:\n- config_name: b\n  data_files: b.csv\n- config_name: default\n  data_files: a.csv\n---\n",
			files: []string{"a.csv", "b.csv"}, wantConfig: "default", format: "csv", want: []split{{"train", []string{"a.csv"}}}},
		{name: "push_to_hub layout", readme: "# no metadata\n", files: []string{"README.md", "data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet", "data/validation-00000-of-00001.parquet"},
			wantConfig: "default", format: "parquet",
			want: []split{{"train", []string{"data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"}}, {"validation", []string{"data/validation-00000-of-00001.parquet"}}}},
		{name: "README without configs", readme: "---\nlicense: mit\n---\n", files: []string{"train.jsonl", "dev.jsonl"},
			wantConfig: "default", format: "json", want: []split{{"train", []string{"train.jsonl"}}, {"validation", []string{"dev.jsonl"}}}},
		{name: "csv, compressed and tsv", files: []string{"train.csv.gz", "test.tsv", "LICENSE"}, wantConfig: "default", format: "csv",
			want: []split{{"train", []string{"train.csv.gz"}}, {"test", []string{"test.tsv"}}}},
		{name: "keyword dirs with stray files", files: []string{"train/a.parquet", "train/b.parquet", "train/notes.md", "test/a.parquet", "script.py"},
			wantConfig: "default", format: "parquet", want: []split{{"train", []string{"train/a.parquet", "train/b.parquet"}}, {"test", []string{"test/a.parquet"}}}},
		{name: "most common extension wins", files: []string{"data/a.csv", "data/b.csv", "data/c.json"}, wantConfig: "default", format: "csv",
			want: []split{{"train", []string{"data/a.csv", "data/b.csv"}}}},
		{name: "tie goes to parquet", files: []string{"data/a.csv", "data/b.parquet"}, wantConfig: "default", format: "parquet",
			want: []split{{"train", []string{"data/b.parquet"}}}},
		{name: "default config name on a plain repo", config: "default", files: []string{"a.jsonl"}, wantConfig: "default", format: "json",
			want: []split{{"train", []string{"a.jsonl"}}}},
		{name: "plain repo, unknown config", config: "en", files: []string{"a.jsonl"}, wantErr: ErrConfigNotFound, errHas: []string{`"en"`, "default"}},
		{name: "text files", files: []string{"train.txt", "test.txt"}, wantErr: ErrUnsupportedFormat, errHas: []string{`"text"`, ".txt"}},
		{name: "webdataset", files: []string{"shard-0.tar", "shard-1.tar"}, wantErr: ErrUnsupportedFormat},
		{name: "loading script only", files: []string{"README.md", "squad.py", ".gitattributes"}, wantErr: ErrNoDataFiles},
		{name: "empty repo", files: []string{"README.md", ".gitattributes"}, wantErr: ErrNoDataFiles},
		{name: "bad YAML", readme: "---\nconfigs: [\n---\n", files: []string{"a.csv"}, errHas: []string{"README.md metadata"}},
		{name: "config without name", readme: "---\nconfigs:\n- data_files: a.csv\n---\n", files: []string{"a.csv"}, errHas: []string{"config_name"}},
		{name: "duplicated split", readme: "---\nconfigs:\n- config_name: a\n  data_files:\n  - {split: train, path: a.csv}\n  - {split: train, path: b.csv}\n---\n", files: []string{"a.csv"}, errHas: []string{"duplicated"}},
		{name: "two defaults", readme: "---\nconfigs:\n- config_name: a\n  data_files: a.csv\n  default: true\n- config_name: default\n  data_files: a.csv\n---\n", files: []string{"a.csv"}, errHas: []string{"several default"}},
		{name: "mixed formats across splits", files: []string{"train.csv", "test.parquet"}, errHas: []string{"not all of one format"}},
		{name: "bad sharded split name", files: []string{"data/tr@in-00000-of-00001.parquet"}, errHas: []string{"split name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var readme []byte
			if tt.readme != "" {
				readme = []byte(tt.readme)
			}
			got, err := ResolveDataFiles(tt.files, readme, tt.config)
			if tt.wantErr != nil || tt.errHas != nil {
				if err == nil {
					t.Fatalf("no error; got %+v", got)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				for _, s := range tt.errHas {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not mention %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Config != tt.wantConfig || got.Format != tt.format {
				t.Errorf("config %q format %q, want %q %q", got.Config, got.Format, tt.wantConfig, tt.format)
			}
			var gs []split
			for _, s := range got.Splits {
				gs = append(gs, split{s.Name, s.Files})
			}
			if !reflect.DeepEqual(gs, tt.want) {
				t.Errorf("splits %v, want %v", gs, tt.want)
			}
		})
	}
}

func TestOrderSplits(t *testing.T) {
	got := orderSplits([]string{"zeta", "test", "alpha", "train", "validation"})
	want := []string{"train", "validation", "test", "alpha", "zeta"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%v, want %v", got, want)
	}
}
