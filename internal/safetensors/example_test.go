package safetensors_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/hftrain/hftrain/internal/safetensors"
)

// Example writes a small weights file the way transformers does (metadata
// {"format": "pt"}), then reads it back.
func Example() {
	dir, err := os.MkdirTemp("", "safetensors-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, safetensors.SingleFileName)

	tensors := []safetensors.Tensor{
		safetensors.FromFloat32("classifier.weight", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}),
		safetensors.Float32ToBF16("classifier.bias", []int{2}, []float32{0.5, -0.25}),
		safetensors.FromInt64("embeddings.position_ids", []int{1, 4}, []int64{0, 1, 2, 3}),
	}
	if err := safetensors.WriteFile(path, tensors, map[string]string{"format": "pt"}); err != nil {
		log.Fatal(err)
	}

	f, err := safetensors.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range f.Tensors { // stored by dtype alignment, then name
		fmt.Println(t.Name, t.DType, t.Shape)
	}
	bias, _ := f.Tensor("classifier.bias")
	values, err := bias.Float32()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(values, f.Metadata["format"])
	// Output:
	// embeddings.position_ids I64 [1 4]
	// classifier.weight F32 [2 3]
	// classifier.bias BF16 [2]
	// [0.5 -0.25] pt
}

// ExampleWriteSharded splits a checkpoint into shards of at most 32 bytes
// and loads it back with ReadDir.
func ExampleWriteSharded() {
	dir, err := os.MkdirTemp("", "safetensors-sharded")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	tensors := []safetensors.Tensor{
		safetensors.FromFloat32("a", []int{4}, []float32{1, 2, 3, 4}), // 16 bytes
		safetensors.FromFloat32("b", []int{4}, []float32{5, 6, 7, 8}), // 16 bytes
		safetensors.FromFloat32("c", []int{2}, []float32{9, 10}),      // 8 bytes
	}
	if err := safetensors.WriteSharded(dir, tensors, map[string]string{"format": "pt"}, 32); err != nil {
		log.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		fmt.Println(e.Name())
	}
	byName, names, err := safetensors.ReadDir(dir)
	if err != nil {
		log.Fatal(err)
	}
	c, _ := byName["c"].Float32()
	fmt.Println(names, c)
	// Output:
	// model-00001-of-00002.safetensors
	// model-00002-of-00002.safetensors
	// model.safetensors.index.json
	// [a b c] [9 10]
}
