package checkpoint

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ErrNoCheckpoint is wrapped by Latest's error when output_dir holds no
// checkpoint that verifies.
var ErrNoCheckpoint = errors.New("no valid checkpoint")

// Info describes one checkpoint directory found by List.
type Info struct {
	// Dir is the directory path, outputDir joined with its name.
	Dir string
	// Step is the N of checkpoint-N.
	Step int
}

// checkpointRE matches a checkpoint directory name, as transformers'
// get_last_checkpoint does (^checkpoint-(\d+)$).
var checkpointRE = regexp.MustCompile(`^` + Prefix + `-([0-9]+)$`)

// List returns the checkpoint-<N> directories of outputDir sorted by N
// ascending (numerically: checkpoint-9 before checkpoint-10; equal N by
// name). Temporary directories, files and other names are ignored. It does
// not verify the checkpoints.
func List(outputDir string) ([]Info, error) {
	entries, err := os.ReadDir(outputDir)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: list: %w", err)
	}
	var out []Info
	for _, e := range entries {
		m := checkpointRE.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		n, err := strconv.Atoi(m[1])
		if err != nil {
			continue // out of int range: not a step hftrain wrote
		}
		path := filepath.Join(outputDir, e.Name())
		if st, err := os.Stat(path); err != nil || !st.IsDir() {
			continue
		}
		out = append(out, Info{Dir: path, Step: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Step != out[j].Step {
			return out[i].Step < out[j].Step
		}
		return out[i].Dir < out[j].Dir
	})
	return out, nil
}

// Latest returns the newest checkpoint in outputDir that verifies. Each newer
// one that does not verify is skipped after a call to warn (when not nil)
// naming it and the reason. It returns an error wrapping ErrNoCheckpoint when
// none verifies.
func Latest(outputDir string, warn func(format string, a ...any)) (string, error) {
	list, err := List(outputDir)
	if err != nil {
		return "", err
	}
	for i := len(list) - 1; i >= 0; i-- {
		err := Verify(list[i].Dir)
		if err == nil {
			return list[i].Dir, nil
		}
		if warn != nil {
			warn("checkpoint: skipping %s: %v", list[i].Dir, err)
		}
	}
	return "", fmt.Errorf("checkpoint: %s: %w (found %d checkpoint directories)", outputDir, ErrNoCheckpoint, len(list))
}

// CleanTemp removes the ".tmp-checkpoint-*" directories that a killed Save
// (or Rotate) left in outputDir. A missing outputDir is not an error. Call
// it only when no other process is saving into outputDir.
func CleanTemp(outputDir string) error {
	entries, err := os.ReadDir(outputDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checkpoint: clean %s: %w", outputDir, err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(outputDir, e.Name())); err != nil {
			return fmt.Errorf("checkpoint: clean %s: %w", outputDir, err)
		}
	}
	return nil
}

// Rotate enforces save_total_limit the way transformers'
// Trainer._rotate_checkpoints and _sorted_checkpoints do, and returns the
// deleted directories:
//
//   - limit <= 0 disables rotation;
//   - the limit counts every checkpoint-<N> in outputDir, in numeric order;
//   - the best checkpoint (best, a path such as "out/checkpoint-500" or a
//     bare "checkpoint-500"; "" for none) is moved to the second-to-last
//     place of the order, just before the newest, so it is never deleted;
//   - with limit 1, and a best that is not the newest, two are kept.
//
// The oldest len-limit of that order are deleted. Each is first renamed to a
// temporary name, so that a kill in the middle of a deletion never leaves a
// half-deleted directory that looks like a checkpoint.
func Rotate(outputDir string, limit int, best string) ([]string, error) {
	if limit <= 0 {
		return nil, nil
	}
	list, err := List(outputDir)
	if err != nil {
		return nil, err
	}
	order := rotationOrder(list, outputDir, best)
	if len(order) <= limit {
		return nil, nil
	}
	if best != "" && limit == 1 && !sameCheckpoint(order[len(order)-1], best, outputDir) {
		limit = 2
	}
	var deleted []string
	for _, dir := range order[:max(0, len(order)-limit)] {
		if err := removeCheckpoint(dir); err != nil {
			return deleted, fmt.Errorf("checkpoint: rotate: %w", err)
		}
		deleted = append(deleted, dir)
	}
	return deleted, nil
}

// rotationOrder is _sorted_checkpoints: numeric order with the best bubbled
// up to index len-2.
func rotationOrder(list []Info, outputDir, best string) []string {
	order := make([]string, len(list))
	for i, c := range list {
		order[i] = c.Dir
	}
	if best == "" {
		return order
	}
	for b, dir := range order {
		if !sameCheckpoint(dir, best, outputDir) {
			continue
		}
		for i := b; i < len(order)-2; i++ {
			order[i], order[i+1] = order[i+1], order[i]
		}
		break
	}
	return order
}

// sameCheckpoint reports whether dir (from List) is the checkpoint that best
// names. A bare name is taken relative to outputDir; paths are compared
// after cleaning and, failing that, as absolute paths.
func sameCheckpoint(dir, best, outputDir string) bool {
	if filepath.Base(best) == best {
		best = filepath.Join(outputDir, best)
	}
	if filepath.Clean(dir) == filepath.Clean(best) {
		return true
	}
	a, err1 := filepath.Abs(dir)
	b, err2 := filepath.Abs(best)
	return err1 == nil && err2 == nil && a == b
}

// removeCheckpoint renames dir to a temporary name and deletes it.
func removeCheckpoint(dir string) error {
	parent, name := filepath.Split(dir)
	tmp, err := os.MkdirTemp(parent, tempPrefix+"deleting-"+name+"-*")
	if err != nil {
		return err
	}
	gone := filepath.Join(tmp, name)
	if err := os.Rename(dir, gone); err != nil {
		_ = os.Remove(tmp) // empty: nothing lost
		return err
	}
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("delete %s: %w", dir, err)
	}
	return nil
}
