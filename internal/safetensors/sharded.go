package safetensors

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// File names used by transformers' save_pretrained for safetensors weights.
const (
	// SingleFileName is the weights file of an unsharded checkpoint.
	SingleFileName = "model.safetensors"
	// IndexFileName is the index of a sharded checkpoint.
	IndexFileName = "model.safetensors.index.json"
)

// isShardName reports whether n looks like a shard WriteSharded produces
// (model-DDDDD-of-DDDDD.safetensors), so stale shards can be removed.
func isShardName(n string) bool {
	const pattern = "model-#####-of-#####.safetensors"
	if len(n) != len(pattern) {
		return false
	}
	for i := 0; i < len(n); i++ {
		if pattern[i] == '#' {
			if n[i] < '0' || n[i] > '9' {
				return false
			}
		} else if n[i] != pattern[i] {
			return false
		}
	}
	return true
}

// Index is the JSON content of model.safetensors.index.json.
type Index struct {
	// Metadata holds "total_size" (the sum of tensor byte sizes) and
	// whatever else the writer recorded.
	Metadata map[string]any `json:"metadata"`
	// WeightMap maps each tensor name to the shard file holding it.
	WeightMap map[string]string `json:"weight_map"`
}

// ReadDir loads the weights of a checkpoint directory: dir/model.safetensors
// if it exists, otherwise dir/model.safetensors.index.json and every shard
// it names. It returns the tensors by name and the names in a stable order:
// header order for a single file; for shards, shard file names sorted, then
// header order within each shard.
//
// Errors: neither file exists (wrapping fs.ErrNotExist, naming the directory
// and both files); the index is not valid JSON or names a shard outside dir;
// a shard is missing or invalid; a tensor in weight_map is absent from its
// shard; a tensor appears in two shards. Tensors found in a shard but not
// listed in weight_map are loaded, as transformers does.
func ReadDir(dir string) (map[string]*Tensor, []string, error) {
	single := filepath.Join(dir, SingleFileName)
	f, err := ReadFile(single)
	switch {
	case err == nil:
		byName := make(map[string]*Tensor, len(f.Tensors))
		names := make([]string, len(f.Tensors))
		for i := range f.Tensors {
			byName[f.Tensors[i].Name] = &f.Tensors[i]
			names[i] = f.Tensors[i].Name
		}
		return byName, names, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, nil, err
	}
	idx, err := readIndex(dir)
	if err != nil {
		return nil, nil, err
	}
	return readShards(dir, idx)
}

// readIndex reads and decodes dir's index file.
func readIndex(dir string) (*Index, error) {
	path := filepath.Join(dir, IndexFileName)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("safetensors: %s: neither %s nor %s exists: %w",
			dir, SingleFileName, IndexFileName, fs.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	var idx Index
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, &FormatError{File: path, Reason: fmt.Sprintf("invalid index JSON: %v", err)}
	}
	if idx.WeightMap == nil {
		return nil, &FormatError{File: path, Reason: "no weight_map"}
	}
	for name, shard := range idx.WeightMap {
		if shard == "" || shard != filepath.Base(shard) || strings.ContainsAny(shard, `/\`) || shard == ".." {
			return nil, &FormatError{File: path,
				Reason: fmt.Sprintf("tensor %q: shard %q is not a file name in the checkpoint directory", name, shard)}
		}
	}
	return &idx, nil
}

// readShards loads every shard named by idx and cross-checks it with the
// weight map.
func readShards(dir string, idx *Index) (map[string]*Tensor, []string, error) {
	indexPath := filepath.Join(dir, IndexFileName)
	want := map[string][]string{} // shard -> tensor names listed for it
	for name, shard := range idx.WeightMap {
		want[shard] = append(want[shard], name)
	}
	shards := make([]string, 0, len(want))
	for s := range want {
		shards = append(shards, s)
	}
	sort.Strings(shards)

	byName := map[string]*Tensor{}
	from := map[string]string{} // tensor -> shard it was read from
	var names []string
	for _, shard := range shards {
		path := filepath.Join(dir, shard)
		f, err := ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("safetensors: %s: shard %s listed in %s is missing: %w",
				dir, shard, IndexFileName, fs.ErrNotExist)
		}
		if err != nil {
			return nil, nil, err
		}
		for i := range f.Tensors {
			t := &f.Tensors[i]
			if other, dup := from[t.Name]; dup {
				return nil, nil, &FormatError{File: path,
					Reason: fmt.Sprintf("tensor %q is also in shard %s", t.Name, other)}
			}
			from[t.Name] = shard
			byName[t.Name] = t
			names = append(names, t.Name)
		}
		listed := want[shard]
		sort.Strings(listed)
		for _, name := range listed {
			if from[name] != shard {
				return nil, nil, &FormatError{File: indexPath,
					Reason: fmt.Sprintf("tensor %q is mapped to %s but that shard does not contain it", name, shard)}
			}
		}
	}
	return byName, names, nil
}

// WriteSharded saves tensors into dir the way transformers' save_pretrained
// does. Tensors are assigned to shards in the order given, using
// huggingface_hub's rule: a tensor larger than maxShardBytes gets a shard of
// its own; otherwise a new shard starts when the tensor would push the
// current one past maxShardBytes. With one shard the result is
// model.safetensors and no index; with n > 1 it is model-0000k-of-0000n
// .safetensors files and model.safetensors.index.json ({"metadata":
// {"total_size": sum of tensor byte sizes}, "weight_map": ...}, keys sorted,
// indented by 2, as transformers writes it). Every file gets metadata.
//
// Files are written atomically, the index after its shards; then weight
// files left from an earlier save (a stale model.safetensors, index or
// shard of another count) are removed, so ReadDir sees exactly this save.
func WriteSharded(dir string, tensors []Tensor, metadata map[string]string, maxShardBytes int64) error {
	if maxShardBytes <= 0 {
		return fmt.Errorf("safetensors: %s: max shard size %d must be positive", dir, maxShardBytes)
	}
	if _, _, err := encodeHeader(tensors, nil); err != nil {
		return fmt.Errorf("safetensors: %s: %w", dir, err)
	}
	shards := planShards(tensors, maxShardBytes)
	keep := map[string]bool{}
	if len(shards) == 1 {
		if err := WriteFile(filepath.Join(dir, SingleFileName), tensors, metadata); err != nil {
			return err
		}
		keep[SingleFileName] = true
		return removeStale(dir, keep)
	}
	idx := Index{Metadata: map[string]any{}, WeightMap: map[string]string{}}
	var total int64
	for k, shard := range shards {
		name := fmt.Sprintf("model-%05d-of-%05d.safetensors", k+1, len(shards))
		part := make([]Tensor, len(shard))
		for j, i := range shard {
			part[j] = tensors[i]
			idx.WeightMap[tensors[i].Name] = name
			total += int64(len(tensors[i].Data))
		}
		if err := WriteFile(filepath.Join(dir, name), part, metadata); err != nil {
			return err
		}
		keep[name] = true
	}
	idx.Metadata["total_size"] = total
	b, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return fmt.Errorf("safetensors: %s: encode index: %w", dir, err)
	}
	b = append(b, '\n')
	write := func(w io.Writer) error { _, err := w.Write(b); return err }
	if err := writeAtomic(filepath.Join(dir, IndexFileName), write); err != nil {
		return fmt.Errorf("safetensors: %s: %w", dir, err)
	}
	keep[IndexFileName] = true
	return removeStale(dir, keep)
}

// planShards groups tensor indices into shards (see WriteSharded).
func planShards(tensors []Tensor, maxBytes int64) [][]int {
	var shards [][]int
	var cur []int
	var curSize int64
	for i := range tensors {
		size := int64(len(tensors[i].Data))
		if size > maxBytes {
			shards = append(shards, []int{i})
			continue
		}
		if len(cur) > 0 && curSize+size > maxBytes {
			shards = append(shards, cur)
			cur, curSize = nil, 0
		}
		cur = append(cur, i)
		curSize += size
	}
	if len(cur) > 0 || len(shards) == 0 {
		shards = append(shards, cur)
	}
	return shards
}

// removeStale deletes weight files in dir from an earlier save that are not
// part of the one just written.
func removeStale(dir string, keep map[string]bool) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	for _, e := range ents {
		n := e.Name()
		if keep[n] || e.IsDir() {
			continue
		}
		if n == SingleFileName || n == IndexFileName || isShardName(n) {
			if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("safetensors: remove stale weights: %w", err)
			}
		}
	}
	return nil
}
