package safetensors

import "math"

// Float32ToF16Bits converts f to IEEE 754 binary16 with round-to-nearest-even.
// Values beyond the binary16 range become ±Inf, values below half of the
// smallest subnormal (2^-25) become ±0, and NaN stays NaN (quiet, keeping the
// top payload bits and the sign).
func Float32ToF16Bits(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant == 0 {
			return sign | 0x7c00
		}
		return sign | 0x7e00 | uint16(mant>>13)
	}
	e := exp - 127 + 15 // binary16 biased exponent
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		// The result is subnormal (or zero): its unit is 2^-24, and the 24-bit
		// significand (implicit bit included) must be shifted right by 14-e.
		if e < -10 {
			return sign
		}
		full := mant | 0x800000
		shift := uint32(14 - e)
		m := full >> shift
		rem := full & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || (rem == half && m&1 == 1) {
			m++ // may carry into the smallest normal, which is the right answer
		}
		return sign | uint16(m)
	}
	h := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++ // a carry out of the mantissa bumps the exponent, up to Inf
	}
	return sign | uint16(h)
}

// F16BitsToFloat32 converts an IEEE 754 binary16 bit pattern to float32.
// Every binary16 value is exactly representable, so the conversion is exact.
func F16BitsToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0:
		// Subnormal: shift until the implicit bit appears, lowering the
		// exponent each time; the value is mant * 2^-24.
		e := uint32(127 - 15 + 1)
		for mant&0x400 == 0 {
			mant <<= 1
			e--
		}
		return math.Float32frombits(sign | e<<23 | (mant&0x3ff)<<13)
	default:
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	}
}

// Float32ToBF16Bits converts f to bfloat16 with round-to-nearest-even, as
// PyTorch does. Finite values that round past the largest bfloat16 become
// ±Inf; NaN stays NaN (quiet, sign and top payload bits kept).
func Float32ToBF16Bits(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40
	}
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}

// BF16BitsToFloat32 converts a bfloat16 bit pattern to float32 (exact).
func BF16BitsToFloat32(h uint16) float32 {
	return math.Float32frombits(uint32(h) << 16)
}
