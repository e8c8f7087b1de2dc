package safetensors

import (
	"bytes"
	"os"
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics and that whatever it accepts
// survives Encode then Parse unchanged (names, dtypes, shapes, bytes and
// metadata), and that the decoders do not panic on accepted tensors.
func FuzzParse(f *testing.F) {
	seeds := [][]Tensor{
		nil,
		{FromFloat32("a", []int{2, 2}, []float32{1, 2, 3, 4}), FromInt64("b", []int{2}, []int64{5, 6})},
		{Float32ToF16("h", []int{3}, []float32{1, -2, 3}), Float32ToBF16("bf", []int{}, []float32{7})},
		{{Name: "z", DType: F32, Shape: []int{0, 5}}, {Name: "m", DType: BOOL, Shape: []int{2}, Data: []byte{1, 0}}},
	}
	for _, ts := range seeds {
		for _, meta := range []map[string]string{nil, {"format": "pt"}} {
			b, err := Encode(ts, meta)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	if golden, err := os.ReadFile("testdata/golden.safetensors"); err == nil {
		f.Add(golden)
	}
	f.Add(rawFile(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}`, make([]byte, 24)))
	f.Add(rawFile(`{"__metadata__":{"format":1}}`, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse("fuzz", b)
		if err != nil {
			return
		}
		for i := range file.Tensors {
			_, _ = file.Tensors[i].Float32()
			_, _ = file.Tensors[i].Int64()
		}
		again, err := Encode(file.Tensors, file.Metadata)
		if err != nil {
			t.Fatalf("Encode of a parsed file failed: %v", err)
		}
		back, err := Parse("again", again)
		if err != nil {
			t.Fatalf("Parse of a re-encoded file failed: %v", err)
		}
		if len(back.Tensors) != len(file.Tensors) || !reflect.DeepEqual(back.Metadata, file.Metadata) {
			t.Fatalf("round trip changed the file: %d tensors %v -> %d tensors %v",
				len(file.Tensors), file.Metadata, len(back.Tensors), back.Metadata)
		}
		for _, want := range file.Tensors {
			got, ok := back.Tensor(want.Name)
			if !ok || got.DType != want.DType || !reflect.DeepEqual(got.Shape, want.Shape) || !bytes.Equal(got.Data, want.Data) {
				t.Fatalf("tensor %q changed in the round trip", want.Name)
			}
		}
	})
}
