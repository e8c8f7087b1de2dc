package hubpush

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Names of transformers' modeling files (utils/constants: CONFIG_NAME, WEIGHTS_NAME,
// SAFE_WEIGHTS_NAME, the two index names, and the adapter files of PEFT), the ones
// trainer.py _push_from_checkpoint copies from the checkpoint into output_dir.
var modelingNames = []string{
	"config.json",
	"pytorch_model.bin",
	"model.safetensors",
	"adapter_config.json",
	"adapter_model.bin",
	"adapter_model.safetensors",
}

// indexNames are the sharded-weights indexes; their weight_map names the shards.
var indexNames = []string{"pytorch_model.bin.index.json", "model.safetensors.index.json"}

// tokenizerNames are the files a tokenizer's save_pretrained writes. _push_from_checkpoint
// saves the processing class into output_dir again before each push; hftrain copies these
// from the checkpoint instead (they are small, so they are copied, never linked).
var tokenizerNames = []string{
	"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
	"vocab.txt", "vocab.json", "merges.txt", "spiece.model", "sentencepiece.bpe.model", "tokenizer.model",
}

// modelingFiles returns the modeling files present in dir: the fixed names, each index
// and the shards its weight_map names. A shard name that is not a plain file name is an
// error (it would reach outside dir).
func modelingFiles(dir string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(name string) {
		if !seen[name] && isFile(filepath.Join(dir, name)) {
			seen[name] = true
			out = append(out, name)
		}
	}
	for _, n := range modelingNames {
		add(n)
	}
	for _, idx := range indexNames {
		b, err := os.ReadFile(filepath.Join(dir, idx))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", idx, err)
		}
		var index struct {
			WeightMap map[string]string `json:"weight_map"`
		}
		if err := json.Unmarshal(b, &index); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, idx), err)
		}
		add(idx)
		for _, shard := range index.WeightMap {
			if shard == "" || shard != filepath.Base(shard) || strings.ContainsAny(shard, `/\`) || shard == ".." {
				return nil, fmt.Errorf("%s: shard %q is not a file name", filepath.Join(dir, idx), shard)
			}
			add(shard)
		}
	}
	return out, nil
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// installFromCheckpoint puts the checkpoint's modeling files (hard-linked) and tokenizer
// files (copied) into outputDir, each through a temporary name and a rename, so a reader
// of outputDir never sees half a file. It returns the names of the modeling files.
//
// Hard links are safe because hftrain's writers (checkpoint.Save, the models' Save) never
// rewrite a file in place: they write a new file and rename it over the old one.
func installFromCheckpoint(checkpointDir, outputDir string, link linkFunc) error {
	names, err := modelingFiles(checkpointDir)
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := replaceFile(filepath.Join(checkpointDir, n), filepath.Join(outputDir, n), link); err != nil {
			return err
		}
	}
	for _, n := range tokenizerNames {
		if src := filepath.Join(checkpointDir, n); isFile(src) {
			if err := replaceFile(src, filepath.Join(outputDir, n), nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// linkFunc makes a hard link (os.Link); tests swap in one that fails to exercise copies.
type linkFunc func(oldname, newname string) error

// replaceFile makes dst a link to (or, with link nil or failing, a copy of) src, through a
// temporary name in dst's folder and a rename.
func replaceFile(src, dst string, link linkFunc) error {
	tmp := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".hftrain-push-tmp")
	_ = os.Remove(tmp) // a leftover of a killed run; absent is the usual case
	if err := linkOrCopy(src, tmp, link); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		_ = os.Remove(tmp) // the rename's error is the one to report
		return fmt.Errorf("install %s: %w", dst, err)
	}
	return nil
}

// linkOrCopy makes dst (which must not exist) a hard link to src, or a copy of it when
// link is nil or fails (another file system, or one without hard links).
func linkOrCopy(src, dst string, link linkFunc) error {
	if link != nil && link(src, dst) == nil {
		return nil
	}
	return copyFile(src, dst)
}

// copyFile copies src's content into a new file dst.
func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	defer func() {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("copy %s to %s: %w", src, dst, cerr)
		}
	}()
	if _, err := io.Copy(out, in); err != nil {
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	return nil
}

// skipAtRoot reports whether a top-level entry of output_dir is left out of a push of
// output_dir. transformers ignores "_*" and "checkpoint-*" (fnmatch on the relative path,
// where "*" also matches "/", so both only ever depend on the top-level name); hftrain also
// leaves out its staging folder, unfinished checkpoint folders of trainer/checkpoint and a
// local last-checkpoint/ (see the package doc).
func skipAtRoot(name string) bool {
	return strings.HasPrefix(name, "_") ||
		strings.HasPrefix(name, "checkpoint-") ||
		strings.HasPrefix(name, ".tmp-checkpoint-") ||
		name == StagingDir ||
		name == LastCheckpoint ||
		strings.HasSuffix(name, ".hftrain-push-tmp")
}

// snapshotOutput fills dst (created) with the files of outputDir that a push of outputDir
// uploads and returns how many there are. Modeling files at the top level are hard-linked
// (their writers replace them by rename); everything else is copied, since some files of
// output_dir (trainer_log.jsonl, TensorBoard events) are appended to in place and a link
// would not be a snapshot of them.
func snapshotOutput(outputDir, dst string, link linkFunc) (int, error) {
	linked := map[string]bool{}
	names, err := modelingFiles(outputDir)
	if err != nil {
		return 0, err
	}
	for _, n := range names {
		linked[n] = true
	}
	entries, err := os.ReadDir(outputDir)
	if err != nil {
		return 0, fmt.Errorf("snapshot %s: %w", outputDir, err)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return 0, fmt.Errorf("snapshot %s: %w", outputDir, err)
	}
	n := 0
	for _, e := range entries {
		if skipAtRoot(e.Name()) {
			continue
		}
		src := filepath.Join(outputDir, e.Name())
		var l linkFunc
		if linked[e.Name()] {
			l = link
		}
		k, err := snapshotTree(src, filepath.Join(dst, e.Name()), l)
		if err != nil {
			return 0, err
		}
		n += k
	}
	return n, nil
}

// snapshotTree links (link non-nil) or copies the regular file src, or every regular file
// under the folder src, to dst and returns how many. Symlinks to files are followed, as
// upload_folder follows them; other entries are skipped, and so is an entry that vanished
// while it was walked.
func snapshotTree(src, dst string, link linkFunc) (int, error) {
	n := 0
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		st, err := os.Stat(p) // follows a symlink
		if errors.Is(err, fs.ErrNotExist) || (err == nil && !st.Mode().IsRegular()) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		l := link
		if d.Type()&fs.ModeSymlink != 0 {
			l = nil // a hard link would be to the symlink itself, not its content
		}
		if err := linkOrCopy(p, target, l); errors.Is(err, fs.ErrNotExist) {
			return nil
		} else if err != nil {
			return err
		}
		n++
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("snapshot %s: %w", src, err)
	}
	return n, nil
}
