package safetensors

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// shardTensors returns tensors of 16, 40, 8, 24 and 4 bytes.
func shardTensors() []Tensor {
	return []Tensor{
		FromFloat32("a", []int{4}, []float32{1, 2, 3, 4}),
		FromInt64("b", []int{5}, []int64{1, 2, 3, 4, 5}),
		FromFloat32("c", []int{2}, []float32{5, 6}),
		FromInt64("d", []int{3}, []int64{7, 8, 9}),
		Float32ToF16("e", []int{2}, []float32{1, 2}),
	}
}

func TestPlanShards(t *testing.T) {
	sizes := func(ns ...int) []Tensor {
		var ts []Tensor
		for i, n := range ns {
			ts = append(ts, Tensor{Name: string(rune('a' + i)), DType: U8, Shape: []int{n}, Data: make([]byte, n)})
		}
		return ts
	}
	tests := []struct {
		name  string
		sizes []Tensor
		max   int64
		want  [][]int
	}{
		{"no tensors", nil, 10, [][]int{nil}},
		{"all fit", sizes(3, 3, 4), 10, [][]int{{0, 1, 2}}},
		{"split when exceeding", sizes(6, 5, 5), 10, [][]int{{0}, {1, 2}}},
		{"exact fit", sizes(5, 5, 1), 10, [][]int{{0, 1}, {2}}},
		// huggingface_hub puts an oversized tensor in its own shard at once,
		// ahead of the shard still being filled.
		{"oversized tensor alone", sizes(3, 20, 4, 5), 10, [][]int{{1}, {0, 2}, {3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := planShards(tt.sizes, tt.max); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("planShards = %v, want %v", got, tt.want)
			}
		})
	}
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func checkSame(t *testing.T, got map[string]*Tensor, names []string, want []Tensor) {
	t.Helper()
	if len(got) != len(want) || len(names) != len(want) {
		t.Fatalf("got %d tensors / %d names, want %d", len(got), len(names), len(want))
	}
	for _, w := range want {
		g, ok := got[w.Name]
		if !ok {
			t.Errorf("tensor %q missing", w.Name)
			continue
		}
		if g.DType != w.DType || !reflect.DeepEqual(g.Shape, w.Shape) || !bytes.Equal(g.Data, w.Data) {
			t.Errorf("tensor %q differs: %+v", w.Name, g)
		}
	}
}

func TestWriteShardedReadDir(t *testing.T) {
	dir := t.TempDir()
	in := shardTensors()
	meta := map[string]string{"format": "pt"}
	if err := WriteSharded(dir, in, meta, 56); err != nil {
		t.Fatal(err)
	}
	// a(16)+b(40) | c(8)+d(24)+e(4)
	wantFiles := []string{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", IndexFileName}
	if got := listDir(t, dir); !reflect.DeepEqual(got, wantFiles) {
		t.Fatalf("files %v, want %v", got, wantFiles)
	}
	raw, err := os.ReadFile(filepath.Join(dir, IndexFileName))
	if err != nil {
		t.Fatal(err)
	}
	wantIndex := `{
  "metadata": {
    "total_size": 92
  },
  "weight_map": {
    "a": "model-00001-of-00002.safetensors",
    "b": "model-00001-of-00002.safetensors",
    "c": "model-00002-of-00002.safetensors",
    "d": "model-00002-of-00002.safetensors",
    "e": "model-00002-of-00002.safetensors"
  }
}
`
	if string(raw) != wantIndex {
		t.Errorf("index\n%s\nwant\n%s", raw, wantIndex)
	}
	shard2, err := ReadFile(filepath.Join(dir, "model-00002-of-00002.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if shard2.Metadata["format"] != "pt" || len(shard2.Tensors) != 3 {
		t.Errorf("shard 2: metadata %v, %d tensors", shard2.Metadata, len(shard2.Tensors))
	}
	got, names, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkSame(t, got, names, in)
	// Stable order: shards by name, header order inside (I64 before F32).
	if want := []string{"b", "a", "d", "c", "e"}; !reflect.DeepEqual(names, want) {
		t.Errorf("names %v, want %v", names, want)
	}

	// Saving again unsharded replaces the shards and the index.
	if err := WriteSharded(dir, in[:2], meta, 1<<20); err != nil {
		t.Fatal(err)
	}
	if got := listDir(t, dir); !reflect.DeepEqual(got, []string{SingleFileName}) {
		t.Fatalf("after single-file save: files %v", got)
	}
	got, names, err = ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkSame(t, got, names, in[:2])
	if !reflect.DeepEqual(names, []string{"b", "a"}) {
		t.Errorf("single-file names %v, want header order [b a]", names)
	}

	// And sharded again removes the stale model.safetensors, which ReadDir
	// would otherwise prefer.
	if err := os.WriteFile(filepath.Join(dir, "model-00009-of-00009.safetensors"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteSharded(dir, in, meta, 30); err != nil {
		t.Fatal(err)
	}
	// b(40) alone | a(16)+c(8) | d(24)+e(4)
	wantFiles = []string{"config.json", IndexFileName, "model-00001-of-00003.safetensors",
		"model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"}
	gotFiles := listDir(t, dir)
	sort.Strings(wantFiles)
	if !reflect.DeepEqual(gotFiles, wantFiles) {
		t.Fatalf("files %v, want %v", gotFiles, wantFiles)
	}
	var idx Index
	if raw, err = os.ReadFile(filepath.Join(dir, IndexFileName)); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &idx); err != nil {
		t.Fatal(err)
	}
	if idx.WeightMap["b"] != "model-00001-of-00003.safetensors" || idx.WeightMap["a"] != "model-00002-of-00003.safetensors" {
		t.Errorf("oversized tensor b not alone in the first shard: %v", idx.WeightMap)
	}
	got, names, err = ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkSame(t, got, names, in)
}

func TestWriteShardedRejects(t *testing.T) {
	dir := t.TempDir()
	if err := WriteSharded(dir, shardTensors(), nil, 0); err == nil || !strings.Contains(err.Error(), "must be positive") {
		t.Errorf("max 0: %v", err)
	}
	dup := append(shardTensors(), FromFloat32("a", []int{1}, []float32{1}))
	if err := WriteSharded(dir, dup, nil, 8); err == nil || !strings.Contains(err.Error(), `duplicate tensor name "a"`) {
		t.Errorf("duplicate: %v", err)
	}
	if got := listDir(t, dir); len(got) != 0 {
		t.Errorf("rejected save left files %v", got)
	}
}

// writeIndex writes an index with the given weight map into dir.
func writeIndex(t *testing.T, dir string, wm map[string]string) {
	t.Helper()
	b, err := json.Marshal(Index{Metadata: map[string]any{"total_size": 0}, WeightMap: wm})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, IndexFileName), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadDirErrors(t *testing.T) {
	one := []Tensor{FromFloat32("a", []int{1}, []float32{1})}
	two := []Tensor{FromFloat32("a", []int{1}, []float32{1}), FromFloat32("b", []int{1}, []float32{2})}
	tests := []struct {
		name     string
		setup    func(t *testing.T, dir string)
		want     string
		notExist bool
	}{
		{"neither file", func(t *testing.T, dir string) {}, "neither model.safetensors nor model.safetensors.index.json exists", true},
		{"shard missing", func(t *testing.T, dir string) {
			writeIndex(t, dir, map[string]string{"a": "model-00001-of-00001.safetensors"})
		}, "shard model-00001-of-00001.safetensors listed in model.safetensors.index.json is missing", true},
		{"name missing from its shard", func(t *testing.T, dir string) {
			if err := WriteFile(filepath.Join(dir, "s1.safetensors"), one, nil); err != nil {
				t.Fatal(err)
			}
			writeIndex(t, dir, map[string]string{"a": "s1.safetensors", "z": "s1.safetensors"})
		}, `tensor "z" is mapped to s1.safetensors but that shard does not contain it`, false},
		{"name mapped to the wrong shard", func(t *testing.T, dir string) {
			if err := WriteFile(filepath.Join(dir, "s1.safetensors"), one, nil); err != nil {
				t.Fatal(err)
			}
			if err := WriteFile(filepath.Join(dir, "s2.safetensors"), []Tensor{two[1]}, nil); err != nil {
				t.Fatal(err)
			}
			writeIndex(t, dir, map[string]string{"a": "s2.safetensors", "b": "s1.safetensors"})
		}, "but that shard does not contain it", false},
		{"tensor in two shards", func(t *testing.T, dir string) {
			if err := WriteFile(filepath.Join(dir, "s1.safetensors"), one, nil); err != nil {
				t.Fatal(err)
			}
			if err := WriteFile(filepath.Join(dir, "s2.safetensors"), two, nil); err != nil {
				t.Fatal(err)
			}
			writeIndex(t, dir, map[string]string{"a": "s1.safetensors", "b": "s2.safetensors"})
		}, `tensor "a" is also in shard s1.safetensors`, false},
		{"invalid index JSON", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, IndexFileName), []byte("{"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "invalid index JSON", false},
		{"index without weight_map", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, IndexFileName), []byte(`{"metadata":{}}`), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "no weight_map", false},
		{"shard path escapes the directory", func(t *testing.T, dir string) {
			writeIndex(t, dir, map[string]string{"a": "../x.safetensors"})
		}, "is not a file name in the checkpoint directory", false},
		{"corrupt shard", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "s1.safetensors"), []byte{1, 2}, 0o644); err != nil {
				t.Fatal(err)
			}
			writeIndex(t, dir, map[string]string{"a": "s1.safetensors"})
		}, "s1.safetensors: file is 2 bytes", false},
		{"corrupt single file", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, SingleFileName), []byte{1, 2}, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "model.safetensors: file is 2 bytes", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.setup(t, dir)
			_, _, err := ReadDir(dir)
			if err == nil {
				t.Fatalf("ReadDir succeeded, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), dir) {
				t.Errorf("error %q does not contain %q and the directory", err, tt.want)
			}
			if got := errors.Is(err, fs.ErrNotExist); got != tt.notExist {
				t.Errorf("errors.Is(err, fs.ErrNotExist) = %v, want %v", got, tt.notExist)
			}
		})
	}
}

// TestReadDirUnlistedTensor: a tensor present in a shard but absent from
// weight_map is still loaded (transformers loads whole shards).
func TestReadDirUnlistedTensor(t *testing.T) {
	dir := t.TempDir()
	two := []Tensor{FromFloat32("a", []int{1}, []float32{1}), FromFloat32("b", []int{1}, []float32{2})}
	if err := WriteFile(filepath.Join(dir, "s1.safetensors"), two, nil); err != nil {
		t.Fatal(err)
	}
	writeIndex(t, dir, map[string]string{"a": "s1.safetensors"})
	got, names, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkSame(t, got, names, two)
}
