package safetensors

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"math/rand"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestRoundTripEveryDType encodes one tensor of every dtype (random bytes,
// several shapes) and checks Parse returns it unchanged.
func TestRoundTripEveryDType(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	shapes := [][]int{{}, {0}, {3}, {2, 3}, {1, 2, 1, 3}}
	for _, dt := range DTypes() {
		for _, shape := range shapes {
			n, _ := numElements(shape)
			data := make([]byte, n*dt.Size())
			rng.Read(data)
			in := []Tensor{{Name: "t." + string(dt), DType: dt, Shape: shape, Data: data}}
			b, err := Encode(in, map[string]string{"format": "pt"})
			if err != nil {
				t.Fatalf("%s %v: Encode: %v", dt, shape, err)
			}
			f, err := Parse("rt", b)
			if err != nil {
				t.Fatalf("%s %v: Parse: %v", dt, shape, err)
			}
			if len(f.Tensors) != 1 {
				t.Fatalf("%s %v: %d tensors", dt, shape, len(f.Tensors))
			}
			got := f.Tensors[0]
			if got.Name != in[0].Name || got.DType != dt || !reflect.DeepEqual(got.Shape, append([]int{}, shape...)) ||
				!bytes.Equal(got.Data, data) {
				t.Errorf("%s %v: round trip gave %+v", dt, shape, got)
			}
			if f.Metadata["format"] != "pt" {
				t.Errorf("%s: metadata %v", dt, f.Metadata)
			}
		}
	}
}

// TestEncodeOrderAndAlignment checks the Rust crate's order (dtype
// alignment descending, then name) and that every buffer is aligned to its
// element size within the file.
func TestEncodeOrderAndAlignment(t *testing.T) {
	var in []Tensor
	for i, dt := range DTypes() {
		n := 1 + i%3
		in = append(in, Tensor{Name: string(rune('z' - i)), DType: dt, Shape: []int{n}, Data: make([]byte, n*dt.Size())})
	}
	in = append(in, FromFloat32("a", []int{1}, []float32{1}), FromFloat32("b", []int{1}, []float32{2}))
	b, err := Encode(in, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse("order", b)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ten := range f.Tensors {
		got = append(got, string(ten.DType)+":"+ten.Name)
	}
	want := "U64:n I64:o F64:p F32:a F32:b F32:q U32:r I32:s BF16:t F16:u U16:v I16:w I8:x U8:y BOOL:z"
	if strings.Join(got, " ") != want {
		t.Errorf("order\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	hlen := int(binary.LittleEndian.Uint64(b))
	if hlen%8 != 0 {
		t.Errorf("header length %d not a multiple of 8", hlen)
	}
	base := 8 + hlen
	for _, ten := range f.Tensors {
		if len(ten.Data) == 0 {
			continue
		}
		off := base + int(uintptrOffset(b, ten.Data))
		if off%ten.DType.Size() != 0 {
			t.Errorf("tensor %q (%s) at file offset %d is misaligned", ten.Name, ten.DType, off)
		}
	}
	if f.Metadata != nil {
		t.Errorf("nil metadata encoded as %v", f.Metadata)
	}
}

// uintptrOffset returns where sub starts within the data section of b.
func uintptrOffset(b, sub []byte) int {
	hlen := int(binary.LittleEndian.Uint64(b))
	data := b[8+hlen:]
	for i := 0; i+len(sub) <= len(data); i++ {
		if &data[i] == &sub[0] {
			return i
		}
	}
	return -1
}

// TestEncodeMatchesRustCrate compares with byte layouts asserted by the
// Rust crate's own tests (safetensors/src/tensor.rs).
func TestEncodeMatchesRustCrate(t *testing.T) {
	pad := func(h string) string { return h + strings.Repeat(" ", (8-len(h)%8)%8) }
	tests := []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
		header  string
	}{
		{"empty", nil, nil, `{}`},
		{"empty with metadata", nil, map[string]string{"framework": "pt"}, `{"__metadata__":{"framework":"pt"}}`},
		{"forced alignment", []Tensor{FromFloat32("attn0", []int{1, 1, 2, 3}, []float32{0, 1, 2, 3, 4, 5})}, nil,
			`{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}`},
		{"no HTML escaping", []Tensor{{Name: "a<b>&c", DType: U8, Shape: []int{}, Data: []byte{3}}}, map[string]string{"k": "<v>"},
			`{"__metadata__":{"k":"<v>"},"a<b>&c":{"dtype":"U8","shape":[],"data_offsets":[0,1]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Encode(tt.tensors, tt.meta)
			if err != nil {
				t.Fatal(err)
			}
			h := pad(tt.header)
			want := make([]byte, 8)
			binary.LittleEndian.PutUint64(want, uint64(len(h)))
			want = append(want, h...)
			for _, ten := range tt.tensors {
				want = append(want, ten.Data...)
			}
			if !bytes.Equal(b, want) {
				t.Errorf("Encode\n got %q\nwant %q", b, want)
			}
		})
	}
}

func TestEncodeRejects(t *testing.T) {
	ok := FromFloat32("w", []int{2}, []float32{1, 2})
	tests := []struct {
		name    string
		tensors []Tensor
		want    string
	}{
		{"unknown dtype", []Tensor{{Name: "x", DType: "F8", Shape: []int{1}, Data: []byte{0}}}, `unknown dtype "F8"`},
		{"short data", []Tensor{FromFloat32("x", []int{3}, []float32{1, 2})}, "8 data bytes, shape [3] of F32 needs 12"},
		{"long data", []Tensor{FromInt64("x", []int{}, []int64{1, 2})}, "16 data bytes"},
		{"negative dim", []Tensor{{Name: "x", DType: U8, Shape: []int{-1}}}, "invalid shape [-1]"},
		{"overflowing shape", []Tensor{{Name: "x", DType: F64, Shape: []int{math.MaxInt / 4, 4}}}, "invalid shape"},
		{"duplicate name", []Tensor{ok, ok}, `duplicate tensor name "w"`},
		{"reserved name", []Tensor{{Name: "__metadata__", DType: U8, Shape: []int{}, Data: []byte{1}}}, "reserved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Encode(tt.tensors, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "safetensors: encode: ") {
				t.Errorf("Encode error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestFloat32AndInt64(t *testing.T) {
	tests := []struct {
		name    string
		tensor  Tensor
		floats  []float32 // nil: Float32 must fail
		ints    []int64
		intsErr string
	}{
		{"F32", FromFloat32("x", []int{3}, []float32{1.5, -2, 3e38}), []float32{1.5, -2, 3e38}, nil, "not an integer type"},
		{"F64", Tensor{Name: "x", DType: F64, Shape: []int{2}, Data: f64Bytes(0.1, -1e300)},
			[]float32{0.1, float32(math.Inf(-1))}, nil, "not an integer type"},
		{"I64", FromInt64("x", []int{3}, []int64{-1, 0, 1 << 40}), []float32{-1, 0, 1 << 40}, []int64{-1, 0, 1 << 40}, ""},
		{"I32", Tensor{Name: "x", DType: I32, Shape: []int{2}, Data: []byte{0xff, 0xff, 0xff, 0xff, 7, 0, 0, 0}},
			[]float32{-1, 7}, []int64{-1, 7}, ""},
		{"I16", Tensor{Name: "x", DType: I16, Shape: []int{2}, Data: []byte{0, 0x80, 1, 0}}, []float32{-32768, 1}, []int64{-32768, 1}, ""},
		{"I8", Tensor{Name: "x", DType: I8, Shape: []int{2}, Data: []byte{0x80, 0x7f}}, []float32{-128, 127}, []int64{-128, 127}, ""},
		{"U8", Tensor{Name: "x", DType: U8, Shape: []int{2}, Data: []byte{0xff, 1}}, []float32{255, 1}, []int64{255, 1}, ""},
		{"U16", Tensor{Name: "x", DType: U16, Shape: []int{1}, Data: []byte{0xff, 0xff}}, []float32{65535}, []int64{65535}, ""},
		{"U32", Tensor{Name: "x", DType: U32, Shape: []int{1}, Data: []byte{0xff, 0xff, 0xff, 0xff}}, []float32{4294967295}, []int64{4294967295}, ""},
		{"U64 in range", Tensor{Name: "x", DType: U64, Shape: []int{1}, Data: []byte{5, 0, 0, 0, 0, 0, 0, 0}}, []float32{5}, []int64{5}, ""},
		{"U64 overflow", Tensor{Name: "x", DType: U64, Shape: []int{1}, Data: bytes.Repeat([]byte{0xff}, 8)}, []float32{1 << 64}, nil, "overflows int64"},
		{"BOOL", Tensor{Name: "x", DType: BOOL, Shape: []int{3}, Data: []byte{0, 1, 2}}, []float32{0, 1, 1}, []int64{0, 1, 1}, ""},
		{"F16", Float32ToF16("x", []int{2}, []float32{-2.5, 65504}), []float32{-2.5, 65504}, nil, "not an integer type"},
		{"BF16", Float32ToBF16("x", []int{2}, []float32{-2.5, 1}), []float32{-2.5, 1}, nil, "not an integer type"},
		{"bad size", Tensor{Name: "x", DType: F32, Shape: []int{2}, Data: []byte{1}}, nil, nil, "1 data bytes"},
		{"bad dtype", Tensor{Name: "x", DType: "Q", Shape: []int{1}, Data: []byte{1}}, nil, nil, "unknown dtype"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := tt.tensor.Float32()
			if tt.floats == nil && err == nil {
				t.Errorf("Float32 = %v, want an error", fs)
			}
			if tt.floats != nil {
				if err != nil {
					t.Fatalf("Float32: %v", err)
				}
				if !reflect.DeepEqual(fs, tt.floats) {
					t.Errorf("Float32 = %v, want %v", fs, tt.floats)
				}
			}
			is, err := tt.tensor.Int64()
			if tt.intsErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.intsErr) {
					t.Errorf("Int64 error = %v, want %q", err, tt.intsErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Int64: %v", err)
			}
			if !reflect.DeepEqual(is, tt.ints) {
				t.Errorf("Int64 = %v, want %v", is, tt.ints)
			}
		})
	}
}

func f64Bytes(vs ...float64) []byte {
	b := make([]byte, 8*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
	}
	return b
}

func TestConstructorsCopy(t *testing.T) {
	shape := []int{2}
	vals := []float32{1, 2}
	ten := FromFloat32("x", shape, vals)
	shape[0], vals[0] = 9, 9
	got, err := ten.Float32()
	if err != nil || ten.Shape[0] != 2 || got[0] != 1 {
		t.Errorf("FromFloat32 aliases its inputs: shape %v values %v err %v", ten.Shape, got, err)
	}
	if s := FromInt64("s", nil, []int64{3}).Shape; s == nil || len(s) != 0 {
		t.Errorf("nil shape became %#v, want empty non-nil", s)
	}
}

func TestWriteFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/w.safetensors"
	in := []Tensor{FromFloat32("a", []int{2}, []float32{1, 2}), FromInt64("b", []int{1}, []int64{3})}
	if err := WriteFile(path, in, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Encode(in, map[string]string{"format": "pt"})
	got, _ := os.ReadFile(path)
	if !bytes.Equal(got, want) {
		t.Error("WriteFile bytes differ from Encode")
	}
	if f.Path != path || len(f.Tensors) != 2 {
		t.Errorf("ReadFile = %+v", f)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("directory holds %d entries, want only the file (temp file left?)", len(ents))
	}
	if _, err := ReadFile(dir + "/missing.safetensors"); err == nil || !strings.Contains(err.Error(), "missing.safetensors") {
		t.Errorf("ReadFile of a missing file: %v", err)
	}
}

// TestWriteAtomicFailure simulates a write failing part-way (as on a full
// disk): the destination must keep its old content and no temp file remain.
func TestWriteAtomicFailure(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/m.safetensors"
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	errFull := os.ErrDeadlineExceeded // any distinctive error
	err := writeAtomic(path, func(w io.Writer) error {
		if _, err := w.Write(bytes.Repeat([]byte{1}, 3<<20)); err != nil {
			return err
		}
		return errFull
	})
	if err != errFull {
		t.Fatalf("writeAtomic error = %v, want %v", err, errFull)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("destination changed to %d bytes", len(b))
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("%d entries in dir after failure, want 1", len(ents))
	}
	// A new path that fails must not appear at all.
	if err := writeAtomic(dir+"/new.safetensors", func(io.Writer) error { return errFull }); err == nil {
		t.Fatal("no error")
	}
	if _, err := os.Stat(dir + "/new.safetensors"); !os.IsNotExist(err) {
		t.Errorf("failed write left new.safetensors: %v", err)
	}
	if err := WriteFile(dir+"/no/such/dir/x.safetensors", nil, nil); err == nil ||
		!strings.Contains(err.Error(), "no/such/dir/x.safetensors") {
		t.Errorf("WriteFile into a missing directory: %v", err)
	}
	if err := WriteFile(dir+"/bad.safetensors", []Tensor{{Name: "x", DType: "F9"}}, nil); err == nil {
		t.Error("WriteFile accepted an invalid tensor")
	}
	if _, err := os.Stat(dir + "/bad.safetensors"); !os.IsNotExist(err) {
		t.Errorf("invalid tensor left a file: %v", err)
	}
}
