package safetensors

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// rawFile builds a file from a literal header (unpadded) and data bytes.
func rawFile(header string, data []byte) []byte {
	b := make([]byte, 8, 8+len(header)+len(data))
	binary.LittleEndian.PutUint64(b, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

// validFile is a two-tensor file used as the base for corruptions.
func validFile(t *testing.T) []byte {
	t.Helper()
	b, err := Encode([]Tensor{
		FromFloat32("a", []int{2, 2}, []float32{1, 2, 3, 4}),
		FromInt64("b", []int{2}, []int64{5, 6}),
	}, map[string]string{"format": "pt"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func withHeaderLen(b []byte, n uint64) []byte {
	c := append([]byte(nil), b...)
	binary.LittleEndian.PutUint64(c, n)
	return c
}

func TestParseRejectsCorruption(t *testing.T) {
	valid := validFile(t)
	const f32x4 = `"dtype":"F32","shape":[4]`
	tests := []struct {
		name string
		in   []byte
		want string // substring of the error
	}{
		{"empty file", nil, "shorter than the 8-byte header length"},
		{"7 bytes", []byte{1, 0, 0, 0, 0, 0, 0}, "shorter than the 8-byte"},
		{"truncated data", valid[:len(valid)-1], "run past the"},
		{"truncated header", valid[:20], "larger than the"},
		{"header length one too large", withHeaderLen(valid, uint64(len(valid)-7)), "larger than the"},
		{"header length one too small", withHeaderLen(valid, binary.LittleEndian.Uint64(valid)-1), "but tensors cover only"},
		{"header length flipped high bit", withHeaderLen(valid, binary.LittleEndian.Uint64(valid)|1<<63), "exceeds the"},
		{"header length above 100MB", withHeaderLen(valid, MaxHeaderSize+1), "exceeds the 100000000-byte limit"},
		{"header not JSON", rawFile(`{"a":`, nil), "invalid JSON"},
		{"header is an array", rawFile(`[]`, nil), "does not start with '{'"},
		{"header is a string", rawFile(`"x"`, nil), "does not start with '{'"},
		{"header with leading space", rawFile(` {}`, nil), "does not start with '{'"},
		{"header not UTF-8", rawFile("{\"\xff\":1}", nil), "not valid UTF-8"},
		{"trailing garbage", rawFile(`{} x`, nil), "trailing data"},
		{"unterminated header", rawFile(`{"a":{"dtype":"U8"`, nil), "invalid JSON"},
		{"two objects", rawFile(`{}{}`, nil), "trailing data"},
		{"unknown dtype", rawFile(`{"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}`, make([]byte, 1)), `unknown dtype "F8_E4M3"`},
		{"lowercase dtype", rawFile(`{"a":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)), "unknown dtype"},
		{"dtype not a string", rawFile(`{"a":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)), "non-string dtype"},
		{"missing dtype", rawFile(`{"a":{"shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)), "missing or non-string dtype"},
		{"key case differs", rawFile(`{"a":{"DTYPE":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)), "missing or non-string dtype"},
		{"missing shape", rawFile(`{"a":{"dtype":"F32","data_offsets":[0,4]}}`, make([]byte, 4)), "shape: missing"},
		{"shape not array", rawFile(`{"a":{"dtype":"F32","shape":4,"data_offsets":[0,16]}}`, make([]byte, 16)), "not an array"},
		{"negative dim", rawFile(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}`, nil), "negative value -1"},
		{"fractional dim", rawFile(`{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}`, make([]byte, 4)), "not a non-negative integer"},
		{"exponent dim", rawFile(`{"a":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}`, make([]byte, 4)), "not a non-negative integer"},
		{"quoted dim", rawFile(`{"a":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}}`, make([]byte, 4)), "not a non-negative integer"},
		{"dim too large", rawFile(`{"a":{"dtype":"U8","shape":[9223372036854775808],"data_offsets":[0,0]}}`, nil), "too large"},
		{"shape product overflow", rawFile(`{"a":{"dtype":"U8","shape":[4294967296,4294967296,4],"data_offsets":[0,0]}}`, nil), "overflows"},
		{"byte size overflow", rawFile(`{"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}}`, nil), "overflows"},
		{"offsets one value", rawFile(`{"a":{`+f32x4+`,"data_offsets":[0]}}`, make([]byte, 16)), "want [begin, end]"},
		{"offsets three values", rawFile(`{"a":{`+f32x4+`,"data_offsets":[0,16,16]}}`, make([]byte, 16)), "want [begin, end]"},
		{"offsets negative", rawFile(`{"a":{`+f32x4+`,"data_offsets":[-16,0]}}`, make([]byte, 16)), "negative value"},
		{"offsets not array", rawFile(`{"a":{`+f32x4+`,"data_offsets":{"0":16}}}`, make([]byte, 16)), "not an array"},
		{"missing offsets", rawFile(`{"a":{`+f32x4+`}}`, make([]byte, 16)), "data_offsets: missing"},
		{"begin after end", rawFile(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}}`, make([]byte, 8)), "end before begin"},
		{"end beyond data", rawFile(`{"a":{`+f32x4+`,"data_offsets":[0,16]}}`, make([]byte, 12)), "run past the 12-byte data section"},
		{"huge end", rawFile(`{"a":{"dtype":"U8","shape":[9000000000000000000],"data_offsets":[0,9000000000000000000]}}`, nil), "run past"},
		{"wrong byte count", rawFile(`{"a":{`+f32x4+`,"data_offsets":[0,12]}}`, make([]byte, 12)), "span 12 bytes, shape [4] of F32 needs 16"},
		{"overlapping tensors", rawFile(`{"a":{`+f32x4+`,"data_offsets":[0,16]},"b":{`+f32x4+`,"data_offsets":[8,24]}}`, make([]byte, 24)), `tensor "b": data_offsets [8, 24] overlap tensor "a"`},
		{"identical offsets", rawFile(`{"a":{`+f32x4+`,"data_offsets":[0,16]},"b":{`+f32x4+`,"data_offsets":[0,16]}}`, make([]byte, 16)), "overlap"},
		{"hole between tensors", rawFile(`{"a":{`+f32x4+`,"data_offsets":[0,16]},"b":{`+f32x4+`,"data_offsets":[20,36]}}`, make([]byte, 36)), "leave a hole after offset 16"},
		{"hole at start", rawFile(`{"a":{`+f32x4+`,"data_offsets":[4,20]}}`, make([]byte, 20)), "leave a hole after offset 0"},
		{"trailing bytes", rawFile(`{"a":{`+f32x4+`,"data_offsets":[0,16]}}`, make([]byte, 17)), "data section is 17 bytes but tensors cover only 16"},
		{"data but no tensors", rawFile(`{}`, make([]byte, 8)), "cover only 0"},
		{"duplicate names", rawFile(`{"a":{`+f32x4+`,"data_offsets":[0,16]},"a":{`+f32x4+`,"data_offsets":[16,32]}}`, make([]byte, 32)), `duplicate key "a"`},
		{"duplicate metadata", rawFile(`{"__metadata__":{},"__metadata__":{}}`, nil), `duplicate key "__metadata__"`},
		{"metadata value number", rawFile(`{"__metadata__":{"format":1}}`, nil), `value of "format" is 1, not a string`},
		{"metadata value object", rawFile(`{"__metadata__":{"format":{}}}`, nil), "not a string"},
		{"metadata value null", rawFile(`{"__metadata__":{"format":null}}`, nil), "not a string"},
		{"metadata not object", rawFile(`{"__metadata__":"pt"}`, nil), "not an object of strings"},
		{"tensor entry a number", rawFile(`{"a":5}`, nil), `tensor "a": not a JSON object`},
		{"tensor entry null", rawFile(`{"a":null}`, nil), `tensor "a": not a JSON object`},
		{"tensor entry array", rawFile(`{"a":[]}`, nil), "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("bad.safetensors", tt.in)
			if err == nil {
				t.Fatalf("Parse succeeded with %d tensors; want error containing %q", len(f.Tensors), tt.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "safetensors: bad.safetensors: ") {
				t.Errorf("error %q does not name the file", msg)
			}
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not contain %q", msg, tt.want)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name  string
		in    []byte
		names []string
		meta  map[string]string
	}{
		{"empty header", rawFile(`{}`, nil), nil, nil},
		{"empty header padded", rawFile(`{}      `, nil), nil, nil},
		{"null metadata", rawFile(`{"__metadata__":null}`, nil), nil, nil},
		{"empty metadata", rawFile(`{"__metadata__":{}}`, nil), nil, map[string]string{}},
		{"metadata after tensors, header order kept, offsets unordered",
			rawFile(`{"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"__metadata__":{"format":"pt"}}`, []byte{7, 9}),
			[]string{"b", "a"}, map[string]string{"format": "pt"}},
		{"zero-size tensors share an offset",
			rawFile(`{"z1":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"z2":{"dtype":"I64","shape":[3,0],"data_offsets":[0,0]},"a":{"dtype":"U8","shape":[],"data_offsets":[0,1]}}`, []byte{1}),
			[]string{"z1", "z2", "a"}, nil},
		{"unknown fields ignored, whitespace allowed",
			rawFile("{ \"a\" : {\"dtype\":\"U8\",\"shape\":[ 1 ],\"data_offsets\":[0,1],\"extra\":[1,2]}\n}\t ", []byte{1}),
			[]string{"a"}, nil},
		{"escaped name", rawFile(`{"a\"b\u00e9":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]}}`, []byte{1}),
			[]string{"a\"b\u00e9"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("ok", tt.in)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, ten := range f.Tensors {
				names = append(names, ten.Name)
			}
			if strings.Join(names, ",") != strings.Join(tt.names, ",") {
				t.Errorf("names %q, want %q", names, tt.names)
			}
			if (f.Metadata == nil) != (tt.meta == nil) || len(f.Metadata) != len(tt.meta) {
				t.Errorf("metadata %v, want %v", f.Metadata, tt.meta)
			}
			for k, v := range tt.meta {
				if f.Metadata[k] != v {
					t.Errorf("metadata[%q] = %q, want %q", k, f.Metadata[k], v)
				}
			}
		})
	}
}

func TestParseDataIsCapped(t *testing.T) {
	f, err := Parse("x", validFile(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, ten := range f.Tensors {
		if cap(ten.Data) != len(ten.Data) {
			t.Errorf("tensor %q: cap %d > len %d; an append would overwrite its neighbour", ten.Name, cap(ten.Data), len(ten.Data))
		}
	}
}

func TestFileTensor(t *testing.T) {
	f, err := Parse("x", validFile(t))
	if err != nil {
		t.Fatal(err)
	}
	if ten, ok := f.Tensor("b"); !ok || ten.Name != "b" || ten.DType != I64 {
		t.Errorf("Tensor(b) = %v, %v", ten, ok)
	}
	if _, ok := f.Tensor("missing"); ok {
		t.Error("Tensor(missing) found")
	}
}
