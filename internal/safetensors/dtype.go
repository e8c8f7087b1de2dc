package safetensors

// DType is the element type of a tensor, spelled as in the safetensors
// header ("F32", "BF16", ...).
type DType string

// The element types this codec reads and writes. The set is the one the
// reference Rust crate supported before the FP8/FP4 additions; files using
// other types are rejected with an "unknown dtype" error rather than being
// misread.
const (
	F64  DType = "F64"  // IEEE 754 binary64
	F32  DType = "F32"  // IEEE 754 binary32
	F16  DType = "F16"  // IEEE 754 binary16
	BF16 DType = "BF16" // bfloat16: the upper half of a binary32
	I64  DType = "I64"  // signed 64-bit integer
	I32  DType = "I32"  // signed 32-bit integer
	I16  DType = "I16"  // signed 16-bit integer
	I8   DType = "I8"   // signed 8-bit integer
	U64  DType = "U64"  // unsigned 64-bit integer
	U32  DType = "U32"  // unsigned 32-bit integer
	U16  DType = "U16"  // unsigned 16-bit integer
	U8   DType = "U8"   // unsigned 8-bit integer
	BOOL DType = "BOOL" // one byte per element, zero is false
)

// dtypeInfo holds the element size and the position of a dtype in the Rust
// crate's Dtype enum. The enum is declared in increasing alignment order and
// the writer sorts tensors by that position (descending), so rank is what
// makes Encode's tensor order match safetensors.torch.save_file.
type dtypeInfo struct {
	size int
	rank int
}

// dtypeTable returns the facts about d; ok is false for an unknown dtype.
// A switch rather than a package-level map keeps the package free of
// mutable globals.
func dtypeTable(d DType) (dtypeInfo, bool) {
	switch d {
	case BOOL:
		return dtypeInfo{1, 0}, true
	case U8:
		return dtypeInfo{1, 1}, true
	case I8:
		return dtypeInfo{1, 2}, true
	case I16:
		return dtypeInfo{2, 5}, true
	case U16:
		return dtypeInfo{2, 6}, true
	case F16:
		return dtypeInfo{2, 7}, true
	case BF16:
		return dtypeInfo{2, 8}, true
	case I32:
		return dtypeInfo{4, 9}, true
	case U32:
		return dtypeInfo{4, 10}, true
	case F32:
		return dtypeInfo{4, 11}, true
	case F64:
		return dtypeInfo{8, 12}, true
	case I64:
		return dtypeInfo{8, 13}, true
	case U64:
		return dtypeInfo{8, 14}, true
	}
	return dtypeInfo{}, false
}

// Size returns the size of one element in bytes, or 0 for an unknown dtype.
func (d DType) Size() int {
	info, _ := dtypeTable(d)
	return info.size
}

// Valid reports whether d is one of the dtypes this package supports.
func (d DType) Valid() bool {
	_, ok := dtypeTable(d)
	return ok
}

// DTypes returns every supported dtype, in the Rust crate's enum order.
func DTypes() []DType {
	return []DType{BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64}
}
