package safetensors

import (
	"bytes"
	"math"
	"os"
	"reflect"
	"testing"
)

// goldenTensors are the tensors of testdata/golden.safetensors, written by
// testdata/make_golden.py (an independent Python writer mirroring
// safetensors.torch.save_file). Values are typed here by hand, not derived
// from the file.
func goldenTensors() []Tensor {
	le16 := func(vs ...uint16) []byte {
		b := make([]byte, 0, 2*len(vs))
		for _, v := range vs {
			b = append(b, byte(v), byte(v>>8))
		}
		return b
	}
	return []Tensor{
		FromFloat32("embeddings.weight", []int{2, 3}, []float32{0, 1, -2.5, 3.25, 1e-3, -65504}),
		FromFloat32("scalar", []int{}, []float32{42}),
		FromFloat32("empty", []int{0, 3}, nil),
		// 1+2^-11 is a tie between 1 and 1+2^-10: Python rounds it to even (1).
		{Name: "half", DType: F16, Shape: []int{5}, Data: le16(0x3c00, 0xc100, 0x7bff, 0x0001, 0x3c00)},
		// 3.14159 = 0x40490fd0 in float32 rounds to bfloat16 0x4049.
		{Name: "brain", DType: BF16, Shape: []int{3}, Data: le16(0x3f80, 0xc020, 0x4049)},
		{Name: "doubles", DType: F64, Shape: []int{2}, Data: f64Bytes(0.1, -1e300)},
		FromInt64("ids", []int{3}, []int64{0, -1, 1 << 40}),
		{Name: "big", DType: U64, Shape: []int{2}, Data: []byte{1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{Name: "ints", DType: I32, Shape: []int{2}, Data: []byte{0xf9, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}},
		{Name: "uints", DType: U32, Shape: []int{1}, Data: []byte{0x00, 0x28, 0x6b, 0xee}}, // 4e9
		{Name: "shorts", DType: I16, Shape: []int{2}, Data: []byte{0x00, 0x80, 0x39, 0x30}},
		{Name: "ushorts", DType: U16, Shape: []int{1}, Data: []byte{0xff, 0xff}},
		{Name: "small", DType: I8, Shape: []int{2}, Data: []byte{0x80, 0x7f}},
		{Name: "bytes", DType: U8, Shape: []int{3}, Data: []byte{0, 127, 255}},
		{Name: "mask", DType: BOOL, Shape: []int{2, 2}, Data: []byte{1, 0, 0, 1}},
	}
}

func TestGoldenRead(t *testing.T) {
	f, err := ReadFile("testdata/golden.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.Metadata, map[string]string{"format": "pt"}) {
		t.Errorf("metadata %v", f.Metadata)
	}
	want := goldenTensors()
	if len(f.Tensors) != len(want) {
		t.Fatalf("%d tensors, want %d", len(f.Tensors), len(want))
	}
	for _, w := range want {
		got, ok := f.Tensor(w.Name)
		if !ok {
			t.Errorf("tensor %q missing", w.Name)
			continue
		}
		if got.DType != w.DType || !reflect.DeepEqual(got.Shape, w.Shape) || !bytes.Equal(got.Data, w.Data) {
			t.Errorf("tensor %q = %s %v % x, want %s %v % x", w.Name, got.DType, got.Shape, got.Data, w.DType, w.Shape, w.Data)
		}
	}
	checks := []struct {
		name string
		want []float32
	}{
		{"half", []float32{1, -2.5, 65504, 0x1p-24, 1}},
		{"brain", []float32{1, -2.5, 3.140625}},
		{"doubles", []float32{0.1, float32(math.Inf(-1))}},
		{"mask", []float32{1, 0, 0, 1}},
	}
	for _, c := range checks {
		ten, _ := f.Tensor(c.name)
		got, err := ten.Float32()
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s.Float32() = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	ints, _ := f.Tensor("ints")
	if got, err := ints.Int64(); err != nil || !reflect.DeepEqual(got, []int64{-7, math.MaxInt32}) {
		t.Errorf("ints.Int64() = %v, %v", got, err)
	}
}

// TestGoldenWrite checks that Encode reproduces the independent writer's
// file byte for byte: same tensor order, header JSON, padding and data.
func TestGoldenWrite(t *testing.T) {
	want, err := os.ReadFile("testdata/golden.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Encode(goldenTensors(), map[string]string{"format": "pt"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Encode differs from golden.safetensors\n got %q\nwant %q", got, want)
	}
}
