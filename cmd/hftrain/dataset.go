package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hftrain/hftrain/config"
	"github.com/hftrain/hftrain/hub"
)

// dataSource is where the training and evaluation rows come from: local files (train_file,
// validation_file) or the splits of a Hub dataset (dataset_name), resolved to local files in the
// huggingface_hub cache. The names describe each source in messages.
type dataSource struct {
	trainName string
	train     []string
	evalName  string
	eval      []string // nil: no evaluation files (validation_split_percentage may hold some out)
	hub       string   // dataset repo id when the data comes from the Hub
	evalSplit string   // the Hub split evaluated on
}

// resolveData finds the data files the config names. A dataset_name is fetched from the Hub as
// datasets.load_dataset would (README configs, data/<split>-NNNNN-of-NNNNN files, split keywords,
// or the refs/convert/parquet conversion), dataset_config_name choosing the config; a
// dataset_name that is a local folder is read with the same rules, as
// load_dataset("path/to/folder") does. train_split_name (default "train") is trained on and
// validation_split_name (default "validation" when the dataset has it) evaluated on.
func resolveData(ctx context.Context, cfg *config.Config, logf func(string, ...any)) (*dataSource, error) {
	d := cfg.Data
	if d.DatasetName == "" {
		if d.TrainFile == "" {
			return nil, errors.New("train_file or dataset_name is required")
		}
		src := &dataSource{trainName: "train_file " + d.TrainFile, train: []string{d.TrainFile}}
		if d.ValidationFile != "" {
			src.evalName, src.eval = "validation_file "+d.ValidationFile, []string{d.ValidationFile}
		}
		return src, nil
	}
	if d.TrainFile != "" || d.ValidationFile != "" {
		return nil, errors.New("set either dataset_name or train_file/validation_file, not both")
	}
	var ds *hub.DatasetFiles
	var err error
	if isDir(d.DatasetName) {
		ds, err = localDataset(d.DatasetName, d.DatasetConfigName)
	} else {
		ds, err = hubClient(cfg, false).DatasetFiles(ctx, d.DatasetName, "main", d.DatasetConfigName)
	}
	if err != nil {
		return nil, fmt.Errorf("dataset_name %s: %w", d.DatasetName, err)
	}
	names := make([]string, len(ds.Splits))
	for i, s := range ds.Splits {
		names[i] = s.Name
	}
	where := fmt.Sprintf("dataset %s (config %s, commit %.10s)", d.DatasetName, ds.Config, ds.Commit)
	if ds.Commit == "" {
		where = fmt.Sprintf("dataset folder %s (config %s)", d.DatasetName, ds.Config)
	}
	if ds.Converted {
		where += " from its Parquet conversion"
	}
	trainSplit := d.TrainSplitName
	if trainSplit == "" {
		trainSplit = "train"
	}
	tr, ok := ds.Split(trainSplit)
	if !ok {
		return nil, fmt.Errorf("%s has no split %q (splits: %s); set train_split_name", where, trainSplit, strings.Join(names, ", "))
	}
	src := &dataSource{trainName: where + " split " + trainSplit, train: tr.Files}
	if ds.Commit != "" {
		src.hub = d.DatasetName
	}
	evalSplit := d.ValidationSplitName
	if evalSplit == "" {
		evalSplit = "validation"
	}
	if ev, ok := ds.Split(evalSplit); ok {
		src.evalName, src.eval, src.evalSplit = where+" split "+evalSplit, ev.Files, evalSplit
	} else if d.ValidationSplitName != "" {
		return nil, fmt.Errorf("%s has no split %q (splits: %s); set validation_split_name", where, evalSplit, strings.Join(names, ", "))
	}
	logf("data: %s: %s (%d files), evaluation: %s", where, trainSplit, len(tr.Files), orNone(src.evalName))
	return src, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// localDataset maps a local folder's files to splits as load_dataset("path/to/folder") does:
// with the same rules as a Hub dataset repo (README.md configs, data/<split>-NNNNN-of-NNNNN
// names, split keywords).
func localDataset(dir, config string) (*hub.DatasetFiles, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, err
	}
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	df, err := hub.ResolveDataFiles(files, readme, config)
	if err != nil {
		return nil, err
	}
	ds := &hub.DatasetFiles{RepoID: dir, Config: df.Config, Format: df.Format}
	for _, sp := range df.Splits {
		local := hub.DatasetSplit{Name: sp.Name, Partial: sp.Partial}
		for _, f := range sp.Files {
			local.Files = append(local.Files, filepath.Join(dir, filepath.FromSlash(f)))
		}
		ds.Splits = append(ds.Splits, local)
	}
	return ds, nil
}
