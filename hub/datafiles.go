package hub

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Errors of dataset resolution, tested with errors.Is.
var (
	// ErrConfigNotFound: the dataset has no config of that name, or several configs and no
	// default while none was named. The message lists the available configs.
	ErrConfigNotFound = errors.New("dataset config not found")
	// ErrNoDataFiles: the repository (or the config) has no data file that datasets would
	// read: nothing but ignored, hidden or unknown files.
	ErrNoDataFiles = errors.New("no (supported) data files")
	// ErrUnsupportedFormat: the data files are of a format datasets reads but hftrain does not
	// (text, webdataset, image or audio folders, ...): only the Parquet conversion can serve it.
	ErrUnsupportedFormat = errors.New("data files of an unsupported format")
)

// DataFiles is the data files of one config of a dataset repository, resolved from its file
// list as the datasets library resolves them.
type DataFiles struct {
	Config  string         // the config resolved
	Configs []string       // every config of the repository ("default" when README declares none)
	Format  string         // the builder datasets picks: "parquet", "arrow", "json" or "csv"
	Splits  []DatasetSplit // train, validation, test, then the others alphabetically; Files are repository paths
}

// DatasetSplit is one split of a dataset config and its files.
type DatasetSplit struct {
	Name  string
	Files []string // local paths under the snapshot folder (repository paths from ResolveDataFiles)
	// Partial is true for a refs/convert/parquet split stored as partial-{split}: the
	// conversion holds only the first rows of a large split.
	Partial bool
}

// splitPattern is a split name and the patterns of its files.
type splitPattern struct {
	name     string
	patterns []string
}

// sharded is SPLIT_PATTERN_SHARDED, the layout push_to_hub writes.
const sharded = "data/{split}-[0-9][0-9][0-9][0-9][0-9]-of-[0-9][0-9][0-9][0-9][0-9]*.*"

var (
	// shardedSplit takes the split out of a sharded base name (py_utils.string_to_dict with
	// the pattern's tail read as a regexp).
	shardedSplit = regexp.MustCompile(`^(.+)-[0-9][0-9][0-9][0-9][0-9]-of-[0-9][0-9][0-9][0-9][0-9]*.*`)
	// splitName is naming._split_re: what a split may be called.
	splitName = regexp.MustCompile(`^\w+(\.\w+)*$`)
)

// splitKeywords are data_files.py SPLIT_KEYWORDS, in DEFAULT_SPLITS order.
var splitKeywords = []struct {
	split    string
	keywords []string
}{
	{"train", []string{"train", "training"}},
	{"validation", []string{"validation", "valid", "dev", "val"}},
	{"test", []string{"test", "testing", "eval", "evaluation"}},
}

// keywordPatterns builds DEFAULT_PATTERNS_SPLIT_IN_DIR_NAME (dir true) or
// DEFAULT_PATTERNS_SPLIT_IN_FILENAME from the base patterns of fsspec ≥ 2023.12, with the
// separators NON_WORDS_CHARS "-._ 0-9".
func keywordPatterns(dir bool) []splitPattern {
	const sep = "[-._ 0-9]"
	bases := []string{"**/{k}" + sep + "*", "**/*" + sep + "{k}" + sep + "*"}
	if dir {
		bases = []string{"**/{k}/**", "**/{k}" + sep + "*/**", "**/*" + sep + "{k}/**", "**/*" + sep + "{k}" + sep + "*/**"}
	}
	out := make([]splitPattern, 0, len(splitKeywords))
	for _, sk := range splitKeywords {
		sp := splitPattern{name: sk.split}
		for _, k := range sk.keywords {
			for _, b := range bases {
				sp.patterns = append(sp.patterns, strings.ReplaceAll(b, "{k}", k))
			}
		}
		out = append(out, sp)
	}
	return out
}

// defaultPatterns is ALL_DEFAULT_PATTERNS, tried in order after the sharded layout: logs
// (**/*.eval), Harbor tasks, keyword directories, keyword file names, then everything as
// train (datasets commit 00724a7d).
func defaultPatterns() [][]splitPattern {
	return [][]splitPattern{
		{{"logs", []string{"**/*.eval"}}},
		{{"test", []string{"**/task.toml", "**/instruction.md"}}},
		keywordPatterns(true),
		keywordPatterns(false),
		{{"train", []string{"**"}}},
	}
}

// dataPatterns finds the split patterns of a folder as get_data_patterns does: the sharded
// layout data/{split}-NNNNN-of-NNNNN*.* first, then the first group of defaultPatterns that
// matches any file.
func dataPatterns(files []string) ([]splitPattern, error) {
	shards, err := resolvePattern(files, strings.ReplaceAll(sharded, "{split}", "*"))
	if err != nil {
		return nil, err
	}
	if len(shards) > 0 {
		seen := map[string]bool{}
		var names []string
		for _, f := range shards {
			m := shardedSplit.FindStringSubmatch(path.Base(f))
			if m == nil {
				continue
			}
			if !splitName.MatchString(m[1]) {
				return nil, fmt.Errorf("hub: split name should match %s but got %q (%s)", splitName, m[1], f)
			}
			if !seen[m[1]] {
				seen[m[1]] = true
				names = append(names, m[1])
			}
		}
		out := make([]splitPattern, 0, len(names))
		for _, n := range orderSplits(names) {
			out = append(out, splitPattern{n, []string{strings.ReplaceAll(sharded, "{split}", n)}})
		}
		return out, nil
	}
	for _, group := range defaultPatterns() {
		var out []splitPattern
		for _, sp := range group {
			for _, p := range sp.patterns {
				m, err := resolvePattern(files, p)
				if err != nil {
					return nil, err
				}
				if len(m) > 0 {
					out = append(out, sp)
					break
				}
			}
		}
		if len(out) > 0 {
			return out, nil
		}
	}
	return nil, fmt.Errorf("%w: the repository has no data files", ErrNoDataFiles)
}

// orderSplits orders split names train, validation, test, then the others alphabetically.
func orderSplits(names []string) []string {
	rank := map[string]int{"train": 0, "validation": 1, "test": 2}
	out := append([]string(nil), names...)
	sort.SliceStable(out, func(i, j int) bool {
		ri, iok := rank[out[i]]
		rj, jok := rank[out[j]]
		switch {
		case iok && jok:
			return ri < rj
		case iok != jok:
			return iok
		}
		return out[i] < out[j]
	})
	return out
}

// cardConfig is one entry of the README's `configs:` (datasets utils/metadata.py
// MetadataConfigs); the builder parameters beside these are not needed to find files.
type cardConfig struct {
	name      string
	dataDir   string
	isDefault bool
	splits    []splitPattern // data_files; when absent (hasFiles false) they are detected in dataDir
	hasFiles  bool
}

// frontMatter is huggingface_hub's REGEX_YAML_BLOCK: the YAML between a leading "---" line
// and the next "---" line.
var frontMatter = regexp.MustCompile(`\A\s*---[\r\n]+([\s\S]*?)[\r\n]+---(?:\r\n|\n|\z)`)

// readmeConfigs parses the configs of a dataset card; nil when it declares none.
func readmeConfigs(readme []byte) ([]cardConfig, error) {
	m := frontMatter.FindSubmatch(readme)
	if m == nil {
		return nil, nil
	}
	var card struct {
		Configs []map[string]yaml.Node `yaml:"configs"`
	}
	if err := yaml.Unmarshal(m[1], &card); err != nil {
		return nil, fmt.Errorf("hub: README.md metadata: %w", err)
	}
	out := make([]cardConfig, 0, len(card.Configs))
	seen := map[string]bool{}
	for i, raw := range card.Configs {
		cc := cardConfig{}
		nameNode, ok := raw["config_name"]
		if !ok || nameNode.Kind != yaml.ScalarNode || nameNode.Value == "" {
			return nil, fmt.Errorf("hub: README.md configs[%d]: each config needs a config_name", i)
		}
		cc.name = nameNode.Value
		if seen[cc.name] {
			return nil, fmt.Errorf("hub: README.md configs: config %q is declared twice", cc.name)
		}
		seen[cc.name] = true
		if n, ok := raw["data_dir"]; ok {
			cc.dataDir = strings.Trim(n.Value, "/")
		}
		if n, ok := raw["default"]; ok {
			if err := n.Decode(&cc.isDefault); err != nil {
				return nil, fmt.Errorf("hub: README.md config %q: default: %w", cc.name, err)
			}
		}
		if n, ok := raw["data_files"]; ok {
			sp, err := sanitizePatterns(&n)
			if err != nil {
				return nil, fmt.Errorf("hub: README.md config %q: data_files: %w", cc.name, err)
			}
			cc.splits, cc.hasFiles = sp, true
		}
		out = append(out, cc)
	}
	return out, nil
}

// sanitizePatterns reads data_files as data_files.py sanitize_patterns does: a string or a
// list of strings is the train split; a list of {split, path} maps splits to a path or a
// list of paths; a mapping {split: path(s)} is accepted too.
func sanitizePatterns(n *yaml.Node) ([]splitPattern, error) {
	strs := func(n *yaml.Node) ([]string, error) {
		var one string
		if n.Kind == yaml.ScalarNode {
			err := n.Decode(&one)
			return []string{one}, err
		}
		var many []string
		err := n.Decode(&many)
		return many, err
	}
	switch n.Kind {
	case yaml.ScalarNode:
		p, err := strs(n)
		return []splitPattern{{"train", p}}, err
	case yaml.MappingNode:
		var out []splitPattern
		for i := 0; i+1 < len(n.Content); i += 2 {
			p, err := strs(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			out = append(out, splitPattern{n.Content[i].Value, p})
		}
		return out, nil
	case yaml.SequenceNode:
		if len(n.Content) == 0 || n.Content[0].Kind == yaml.ScalarNode {
			p, err := strs(n)
			return []splitPattern{{"train", p}}, err
		}
		var out []splitPattern
		seen := map[string]bool{}
		for _, item := range n.Content {
			var e struct {
				Split string    `yaml:"split"`
				Path  yaml.Node `yaml:"path"`
			}
			if item.Kind != yaml.MappingNode || len(item.Content) != 4 {
				return nil, fmt.Errorf("each item must be {split: <name>, path: <path or list>} (line %d)", item.Line)
			}
			if err := item.Decode(&e); err != nil {
				return nil, err
			}
			if e.Split == "" || e.Path.Kind == 0 {
				return nil, fmt.Errorf("each item must be {split: <name>, path: <path or list>} (line %d)", item.Line)
			}
			if seen[e.Split] {
				return nil, fmt.Errorf("split %q is duplicated", e.Split)
			}
			seen[e.Split] = true
			p, err := strs(&e.Path)
			if err != nil {
				return nil, err
			}
			out = append(out, splitPattern{e.Split, p})
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected YAML %v", n.Tag)
}

// defaultConfig is MetadataConfigs.get_default_config_name: the config marked default: true
// or named "default" (two of them is an error); else the only config there is.
func defaultConfig(cfgs []cardConfig) (string, error) {
	def := ""
	for _, c := range cfgs {
		if c.isDefault || c.name == "default" {
			if def != "" {
				return "", fmt.Errorf("hub: README.md declares several default configs: %q and %q", def, c.name)
			}
			def = c.name
		}
	}
	if def == "" && len(cfgs) == 1 {
		def = cfgs[0].name
	}
	return def, nil
}

// ResolveDataFiles maps the files of a dataset repository (paths relative to its root) and
// its README.md (nil when there is none) to the data files of config, as
// datasets.load_dataset(repo, config) finds them (huggingface/datasets src/datasets/load.py
// HubDatasetModuleFactory, data_files.py get_data_patterns):
//
//  1. the README's YAML `configs:` when present: config_name, data_files (a glob or list of
//     globs for train, or a list of {split, path}), data_dir, default: true;
//  2. else data/{split}-NNNNN-of-NNNNN*.* (any split name);
//  3. else keyword folders, then keyword file names (train|training,
//     validation|valid|dev|val, test|testing|eval|evaluation, separated by "-._ 0-9");
//  4. else every file is train.
//
// Globs are relative to the repository root: "*" stays in one folder, "**" crosses them;
// hidden files, "__x" folders and README.md, config.json, dataset_info(s).json,
// dataset_dict.json, dummy_data.zip are left out unless a pattern names them. The builder
// is the most common known extension (ties: .parquet, .jsonl, .json, .csv) and only files of
// its extensions are kept. hftrain reads the parquet (.parquet), arrow (.arrow), json (.json,
// .jsonl: JSON Lines or one JSON array) and csv (.csv, .tsv with tab separators) builders,
// compressed or not (.csv.gz); a text, webdataset or media dataset is ErrUnsupportedFormat.
// An empty config picks the default; a config that does not exist is ErrConfigNotFound,
// whose message lists the configs.
func ResolveDataFiles(files []string, readme []byte, config string) (*DataFiles, error) {
	cfgs, err := readmeConfigs(readme)
	if err != nil {
		return nil, err
	}
	if len(cfgs) == 0 {
		cfgs = []cardConfig{{name: "default"}}
	}
	names := make([]string, len(cfgs))
	for i, c := range cfgs {
		names[i] = c.name
	}
	if config == "" {
		if config, err = defaultConfig(cfgs); err != nil {
			return nil, err
		}
		if config == "" {
			return nil, fmt.Errorf("%w: no config named and no default one; pick one of: %s", ErrConfigNotFound, strings.Join(names, ", "))
		}
	}
	var cc *cardConfig
	for i := range cfgs {
		if cfgs[i].name == config {
			cc = &cfgs[i]
		}
	}
	if cc == nil {
		return nil, fmt.Errorf("%w: %q; available configs: %s", ErrConfigNotFound, config, strings.Join(names, ", "))
	}
	splits, err := configFiles(files, cc)
	if err != nil {
		return nil, fmt.Errorf("hub: config %q: %w", config, err)
	}
	return &DataFiles{Config: config, Configs: names, Format: splits.format, Splits: splits.splits}, nil
}

// resolved is the files of one config and their builder.
type resolved struct {
	format string
	splits []DatasetSplit
}

// configFiles resolves the patterns of one config to files and picks the builder.
func configFiles(files []string, cc *cardConfig) (*resolved, error) {
	// data_dir is the base of the config's patterns, given or detected
	// (BuilderConfig._resolve_data_files joins it to the repository root).
	base := files
	if cc.dataDir != "" {
		base = nil
		for _, f := range files {
			if rest, ok := strings.CutPrefix(f, cc.dataDir+"/"); ok {
				base = append(base, rest)
			}
		}
	}
	patterns := cc.splits
	if !cc.hasFiles {
		var err error
		if patterns, err = dataPatterns(base); err != nil {
			return nil, err
		}
	}
	var all []string
	var out []DatasetSplit
	for _, sp := range patterns {
		m, err := resolvePatterns(base, sp.patterns)
		if err != nil {
			return nil, fmt.Errorf("split %s: %w", sp.name, err)
		}
		if cc.dataDir != "" {
			for i := range m {
				m[i] = cc.dataDir + "/" + m[i]
			}
		}
		all = append(all, m...)
		out = append(out, DatasetSplit{Name: sp.name, Files: m})
	}
	module, ext := "", ""
	for _, s := range out {
		if len(s.Files) == 0 {
			continue
		}
		m, e := inferFormat(s.Files)
		if m == "" {
			continue // nothing datasets can read: filtered out below
		}
		if module != "" && m != module {
			return nil, fmt.Errorf("hub: the splits are not all of one format (%s reads as %q, others as %q), which datasets refuses too", s.Name, m, module)
		}
		module, ext = m, e
	}
	if module == "" {
		return nil, fmt.Errorf("%w (files: %s)", ErrNoDataFiles, someFiles(all))
	}
	if _, ok := supportedFormats[module]; !ok {
		return nil, fmt.Errorf("%w: datasets would read these files (mostly %s) with its %q builder; hftrain reads Parquet, Arrow, JSON Lines, CSV and TSV", ErrUnsupportedFormat, ext, module)
	}
	var kept []DatasetSplit
	for _, s := range out {
		if s.Files = keepFormat(s.Files, module); len(s.Files) > 0 {
			kept = append(kept, s)
		}
	}
	byName := map[string]DatasetSplit{}
	names := make([]string, 0, len(kept))
	for _, s := range kept {
		byName[s.Name] = s
		names = append(names, s.Name)
	}
	if len(kept) == 0 {
		return nil, fmt.Errorf("%w: no file has a %s extension (files: %s)", ErrNoDataFiles, module, someFiles(all))
	}
	sorted := make([]DatasetSplit, 0, len(kept))
	for _, n := range orderSplits(names) {
		sorted = append(sorted, byName[n])
	}
	return &resolved{format: module, splits: sorted}, nil
}

// someFiles lists at most five paths, for messages.
func someFiles(files []string) string {
	if len(files) == 0 {
		return "none"
	}
	if len(files) > 5 {
		return strings.Join(files[:5], ", ") + fmt.Sprintf(" and %d more", len(files)-5)
	}
	return strings.Join(files, ", ")
}
