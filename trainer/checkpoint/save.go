package checkpoint

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
)

// ManifestName is the file, inside a checkpoint directory, that lists every
// other file with its size and SHA-256. Save writes it last, so its presence
// means every listed file was completely written and synced.
const ManifestName = "hftrain_manifest.json"

// manifestVersion is the format_version that Save writes and Verify accepts.
const manifestVersion = 1

// Prefix is the name prefix of checkpoint directories ("checkpoint-<step>"),
// transformers' PREFIX_CHECKPOINT_DIR.
const Prefix = "checkpoint"

// tempPrefix starts the name of every temporary directory Save creates;
// CleanTemp removes directories with this prefix.
const tempPrefix = ".tmp-" + Prefix + "-"

// Fault-hook stage names, in the order in which Save reaches them.
const (
	// StageBegin: the temporary directory exists and is empty.
	StageBegin = "begin"
	// StageFiles: every file is written and fsynced; no manifest yet.
	StageFiles = "files"
	// StageManifest: the manifest is written and fsynced; not renamed yet.
	StageManifest = "manifest"
	// StageRenamed: the directory is renamed into place; its parent is not
	// fsynced yet.
	StageRenamed = "renamed"
)

// Stages lists the fault-hook stages in order.
func Stages() []string {
	return []string{StageBegin, StageFiles, StageManifest, StageRenamed}
}

// ErrCorrupt is wrapped by Verify's errors when a checkpoint is incomplete or
// does not match its manifest.
var ErrCorrupt = errors.New("checkpoint is incomplete or corrupt")

// Options tunes Save.
type Options struct {
	// Fault, when set, is called with each stage name (see Stages) as Save
	// reaches it. It exists for crash tests: a test panics inside it, a
	// command sends itself SIGKILL. A normal run leaves it nil.
	Fault func(stage string)
}

func (o Options) fault(stage string) {
	if o.Fault != nil {
		o.Fault(stage)
	}
}

// manifest is the JSON content of ManifestName.
type manifest struct {
	FormatVersion int                      `json:"format_version"`
	Files         map[string]manifestEntry `json:"files"`
}

// manifestEntry records one file: its SHA-256 (lower-case hex) and size in bytes.
type manifestEntry struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Dir returns the checkpoint directory for step: outputDir/checkpoint-<step>.
func Dir(outputDir string, step int) string {
	return filepath.Join(outputDir, Prefix+"-"+strconv.Itoa(step))
}

// Save writes outputDir/checkpoint-<step>/ atomically and returns its path.
//
// It creates a temporary directory ".tmp-checkpoint-<step>-*" in outputDir
// (creating outputDir if needed), calls write with it to write every file
// (subdirectories are allowed), fsyncs each file and directory, writes the
// SHA-256 manifest last, renames the directory into place (replacing an
// existing checkpoint-<step>) and fsyncs outputDir. Any error, including one
// from write such as ENOSPC, removes the temporary directory and leaves the
// existing checkpoints untouched.
func Save(ctx context.Context, outputDir string, step int, write func(tmpDir string) error, o Options) (dir string, err error) {
	if step < 0 {
		return "", fmt.Errorf("checkpoint: save step %d: step is negative", step)
	}
	final := Dir(outputDir, step)
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("checkpoint: save %s: %w", final, err)
	}
	if err := os.MkdirAll(outputDir, 0o755); err != nil {
		return "", fmt.Errorf("checkpoint: save %s: %w", final, err)
	}
	tmp, err := os.MkdirTemp(outputDir, tempPrefix+strconv.Itoa(step)+"-*")
	if err != nil {
		return "", fmt.Errorf("checkpoint: save %s: %w", final, err)
	}
	// Cleanup runs only on a returned error: a panic out of the fault hook
	// stands for a kill, and must leave the disk as a kill would.
	defer func() {
		if err != nil {
			_ = os.RemoveAll(tmp) // best effort; err already says what failed
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", fmt.Errorf("checkpoint: save %s: %w", final, err)
	}
	o.fault(StageBegin)
	if err := write(tmp); err != nil {
		return "", fmt.Errorf("checkpoint: save %s: write: %w", final, err)
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("checkpoint: save %s: %w", final, err)
	}
	m, err := hashTree(tmp)
	if err != nil {
		return "", fmt.Errorf("checkpoint: save %s: %w", final, err)
	}
	if len(m.Files) == 0 {
		return "", fmt.Errorf("checkpoint: save %s: write produced no files", final)
	}
	o.fault(StageFiles)
	if err := writeManifest(tmp, m); err != nil {
		return "", fmt.Errorf("checkpoint: save %s: %w", final, err)
	}
	o.fault(StageManifest)
	if err := replaceDir(tmp, final); err != nil {
		return "", fmt.Errorf("checkpoint: save %s: %w", final, err)
	}
	o.fault(StageRenamed)
	if err := syncDir(outputDir); err != nil {
		// The checkpoint is in place and complete; only its durability
		// across a power cut is in doubt, so report without deleting it.
		return final, fmt.Errorf("checkpoint: save %s: sync %s: %w", final, outputDir, err)
	}
	return final, nil
}

// replaceDir renames tmp to final. An existing final is first moved aside to
// a temporary name (so that no moment shows a mixture of old and new files),
// and removed once the new directory is in place. Between the two renames no
// checkpoint-<step> exists, which is safe: a kill there leaves only
// temporary directories behind.
func replaceDir(tmp, final string) error {
	old := ""
	if _, err := os.Lstat(final); err == nil {
		old = tmp + "-old"
		if err := os.Rename(final, old); err != nil {
			return fmt.Errorf("move aside existing %s: %w", final, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		if old != "" {
			_ = os.Rename(old, final) // put the previous checkpoint back
		}
		return err
	}
	if old != "" {
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("remove replaced checkpoint: %w", err)
		}
	}
	return nil
}

// hashTree fsyncs every regular file under root and every directory
// (deepest first, root last) and returns the manifest of the files.
// Symbolic links and other special files are refused: a checkpoint must be
// self-contained.
func hashTree(root string) (*manifest, error) {
	m := &manifest{FormatVersion: manifestVersion, Files: map[string]manifestEntry{}}
	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			dirs = append(dirs, path)
			return nil
		case !d.Type().IsRegular():
			return fmt.Errorf("%s: not a regular file", rel)
		case rel == ManifestName:
			return fmt.Errorf("%s: reserved for the manifest", rel)
		}
		e, err := hashFile(path, true)
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		m.Files[filepath.ToSlash(rel)] = e
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := syncDir(dirs[i]); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// hashFile returns the size and SHA-256 of a file, fsyncing it first when
// sync is set.
func hashFile(path string, sync bool) (manifestEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return manifestEntry{}, err
	}
	defer f.Close() // read-only: Close cannot lose data
	if sync {
		if err := f.Sync(); err != nil {
			return manifestEntry{}, fmt.Errorf("fsync: %w", err)
		}
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return manifestEntry{}, err
	}
	return manifestEntry{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}, nil
}

// writeManifest writes the manifest into dir and fsyncs it and dir.
func writeManifest(dir string, m *manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	return writeFileSynced(filepath.Join(dir, ManifestName), append(b, '\n'))
}

// Verify checks that dir holds a manifest and that every file it lists is
// present with the recorded size and SHA-256. Errors wrap ErrCorrupt (or the
// I/O error) and name the directory and the file, for example
// "checkpoint out/checkpoint-20: model.safetensors: sha256 mismatch".
// Files not listed in the manifest are ignored.
func Verify(dir string) error {
	m, err := readManifest(dir)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(m.Files))
	for name := range m.Files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := verifyFile(dir, name, m.Files[name]); err != nil {
			return fmt.Errorf("checkpoint %s: %s: %w", dir, name, err)
		}
	}
	return nil
}

// readManifest reads and validates dir's manifest.
func readManifest(dir string) (*manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(dir); serr != nil {
			return nil, fmt.Errorf("checkpoint %s: %w", dir, serr)
		}
		return nil, fmt.Errorf("checkpoint %s: %s: missing (checkpoint incomplete or not written by hftrain): %w", dir, ManifestName, ErrCorrupt)
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %s: %v: %w", dir, ManifestName, err, ErrCorrupt)
	}
	if m.FormatVersion != manifestVersion {
		return nil, fmt.Errorf("checkpoint %s: %s: format_version %d, want %d: %w", dir, ManifestName, m.FormatVersion, manifestVersion, ErrCorrupt)
	}
	if len(m.Files) == 0 {
		return nil, fmt.Errorf("checkpoint %s: %s: lists no files: %w", dir, ManifestName, ErrCorrupt)
	}
	return &m, nil
}

// verifyFile checks one manifest entry.
func verifyFile(dir, name string, want manifestEntry) error {
	if !filepath.IsLocal(filepath.FromSlash(name)) || name == ManifestName {
		return fmt.Errorf("invalid name in manifest: %w", ErrCorrupt)
	}
	path := filepath.Join(dir, filepath.FromSlash(name))
	// Stat follows symbolic links: a checkpoint downloaded from the Hub lies in the
	// huggingface_hub cache as links to blobs. The content is hashed, so a link is accepted only
	// when what it points to is exactly what the manifest lists.
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("missing: %w", ErrCorrupt)
	}
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("not a regular file: %w", ErrCorrupt)
	}
	if st.Size() != want.Size {
		return fmt.Errorf("size %d, manifest says %d (truncated or overwritten): %w", st.Size(), want.Size, ErrCorrupt)
	}
	got, err := hashFile(path, false)
	if err != nil {
		return err
	}
	if got.SHA256 != want.SHA256 {
		return fmt.Errorf("sha256 mismatch: %w", ErrCorrupt)
	}
	return nil
}
