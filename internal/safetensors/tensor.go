package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Tensor is one named tensor: its dtype, its shape (row-major, an empty
// shape is a scalar) and its raw little-endian bytes.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
}

// File is a decoded safetensors file.
type File struct {
	// Path is the file path, or the name given to Parse.
	Path string
	// Metadata is the header's "__metadata__" map; nil when the header has none.
	Metadata map[string]string
	// Tensors are in header order.
	Tensors []Tensor
}

// Tensor returns the tensor called name.
func (f *File) Tensor(name string) (*Tensor, bool) {
	for i := range f.Tensors {
		if f.Tensors[i].Name == name {
			return &f.Tensors[i], true
		}
	}
	return nil, false
}

// NumElements returns the product of the shape (1 for a scalar), or -1 if a
// dimension is negative or the product overflows int.
func (t *Tensor) NumElements() int {
	n, ok := numElements(t.Shape)
	if !ok {
		return -1
	}
	return n
}

// numElements multiplies the dims, refusing negatives and int overflow.
func numElements(shape []int) (int, bool) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		if d != 0 && n > math.MaxInt/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// check verifies that the dtype is known and that Data holds exactly
// product(Shape) elements; it returns the element count.
func (t *Tensor) check() (int, error) {
	info, ok := dtypeTable(t.DType)
	if !ok {
		return 0, fmt.Errorf("tensor %q: unknown dtype %q", t.Name, t.DType)
	}
	n, ok := numElements(t.Shape)
	if !ok || n > math.MaxInt/info.size {
		return 0, fmt.Errorf("tensor %q: invalid shape %v", t.Name, t.Shape)
	}
	if len(t.Data) != n*info.size {
		return 0, fmt.Errorf("tensor %q: %d data bytes, shape %v of %s needs %d",
			t.Name, len(t.Data), t.Shape, t.DType, n*info.size)
	}
	return n, nil
}

// Float32 decodes the tensor to float32. Floating types are converted (F64
// rounds to nearest), integer types and BOOL are converted by value (large
// 64-bit integers lose precision).
func (t *Tensor) Float32() ([]float32, error) {
	n, err := t.check()
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	out := make([]float32, n)
	d := t.Data
	le := binary.LittleEndian
	// One loop per dtype: this runs over every weight of a model at load.
	switch t.DType {
	case F32:
		for i := range out {
			out[i] = math.Float32frombits(le.Uint32(d[4*i:]))
		}
	case F16:
		for i := range out {
			out[i] = F16BitsToFloat32(le.Uint16(d[2*i:]))
		}
	case BF16:
		for i := range out {
			out[i] = BF16BitsToFloat32(le.Uint16(d[2*i:]))
		}
	case F64:
		for i := range out {
			out[i] = float32(math.Float64frombits(le.Uint64(d[8*i:])))
		}
	case U64:
		for i := range out {
			out[i] = float32(le.Uint64(d[8*i:])) // may exceed int64, so not via intAt
		}
	default:
		for i := range out {
			v, err := t.intAt(i)
			if err != nil {
				return nil, fmt.Errorf("safetensors: %w", err)
			}
			out[i] = float32(v)
		}
	}
	return out, nil
}

// Int64 decodes an integer (or BOOL) tensor to int64. Floating tensors are
// an error, as is a U64 value above math.MaxInt64.
func (t *Tensor) Int64() ([]int64, error) {
	n, err := t.check()
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	out := make([]int64, n)
	for i := range out {
		v, err := t.intAt(i)
		if err != nil {
			return nil, fmt.Errorf("safetensors: %w", err)
		}
		out[i] = v
	}
	return out, nil
}

// intAt reads element i of an integer or BOOL tensor whose size was checked.
func (t *Tensor) intAt(i int) (int64, error) {
	d := t.Data
	le := binary.LittleEndian
	switch t.DType {
	case I64:
		return int64(le.Uint64(d[8*i:])), nil
	case I32:
		return int64(int32(le.Uint32(d[4*i:]))), nil
	case I16:
		return int64(int16(le.Uint16(d[2*i:]))), nil
	case I8:
		return int64(int8(d[i])), nil
	case U64:
		u := le.Uint64(d[8*i:])
		if u > math.MaxInt64 {
			return 0, fmt.Errorf("tensor %q: element %d = %d overflows int64", t.Name, i, u)
		}
		return int64(u), nil
	case U32:
		return int64(le.Uint32(d[4*i:])), nil
	case U16:
		return int64(le.Uint16(d[2*i:])), nil
	case U8:
		return int64(d[i]), nil
	case BOOL:
		if d[i] != 0 {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("tensor %q: dtype %s is not an integer type", t.Name, t.DType)
}

// FromFloat32 builds an F32 tensor holding a copy of data. It does not check
// that len(data) matches the shape; Encode and WriteFile do.
func FromFloat32(name string, shape []int, data []float32) Tensor {
	b := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return Tensor{Name: name, DType: F32, Shape: cloneShape(shape), Data: b}
}

// FromInt64 builds an I64 tensor holding a copy of data (shape unchecked,
// as for FromFloat32).
func FromInt64(name string, shape []int, data []int64) Tensor {
	b := make([]byte, 8*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
	}
	return Tensor{Name: name, DType: I64, Shape: cloneShape(shape), Data: b}
}

// Float32ToF16 builds an F16 tensor from float32 values, rounding each to
// nearest-even (see Float32ToF16Bits). The shape is not checked.
func Float32ToF16(name string, shape []int, data []float32) Tensor {
	b := make([]byte, 2*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint16(b[2*i:], Float32ToF16Bits(v))
	}
	return Tensor{Name: name, DType: F16, Shape: cloneShape(shape), Data: b}
}

// Float32ToBF16 builds a BF16 tensor from float32 values, rounding each to
// nearest-even (see Float32ToBF16Bits). The shape is not checked.
func Float32ToBF16(name string, shape []int, data []float32) Tensor {
	b := make([]byte, 2*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint16(b[2*i:], Float32ToBF16Bits(v))
	}
	return Tensor{Name: name, DType: BF16, Shape: cloneShape(shape), Data: b}
}

// cloneShape copies a shape so callers can reuse their slice; a nil shape
// becomes an empty (scalar) one so that it encodes as [] rather than null.
func cloneShape(shape []int) []int {
	return append(make([]int, 0, len(shape)), shape...)
}
