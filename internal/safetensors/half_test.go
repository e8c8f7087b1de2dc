package safetensors

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"os"
	"testing"
)

func TestFloat32ToF16Bits(t *testing.T) {
	tests := []struct {
		name string
		in   float32
		want uint16
	}{
		{"zero", 0, 0x0000},
		{"negative zero", float32(math.Copysign(0, -1)), 0x8000},
		{"one", 1, 0x3c00},
		{"minus 2.5", -2.5, 0xc100},
		{"max finite", 65504, 0x7bff},
		{"rounds down to max", 65519.996, 0x7bff},
		{"tie rounds to inf", 65520, 0x7c00},
		{"overflow", 1e6, 0x7c00},
		{"max float32", math.MaxFloat32, 0x7c00},
		{"+inf", float32(math.Inf(1)), 0x7c00},
		{"-inf", float32(math.Inf(-1)), 0xfc00},
		{"smallest normal", 0x1p-14, 0x0400},
		{"largest subnormal", 0x3ffp-24, 0x03ff},
		{"smallest subnormal", 0x1p-24, 0x0001},
		{"half of smallest subnormal ties to zero", 0x1p-25, 0x0000},
		{"just above half of smallest subnormal", math.Float32frombits(0x33000001), 0x0001},
		{"1.5 subnormal units tie to even 2", 0x3p-25, 0x0002},
		{"2.5 subnormal units tie to even 2", 0x5p-25, 0x0002},
		{"subnormal rounds up into normal", math.Float32frombits(0x387ff000), 0x0400},
		{"below subnormal range", 1e-10, 0x0000},
		{"float32 subnormal", math.Float32frombits(1), 0x0000},
		{"negative tiny", -1e-10, 0x8000},
		{"tie 1+2^-11 to even 1", 1 + 0x1p-11, 0x3c00},
		{"tie 1+3*2^-11 to even", 1 + 0x3p-11, 0x3c02},
		{"above tie rounds up", 1 + 0x1p-11 + 0x1p-20, 0x3c01},
		{"pi", math.Pi, 0x4248},
		{"0.1", 0.1, 0x2e66},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Float32ToF16Bits(tt.in); got != tt.want {
				t.Errorf("Float32ToF16Bits(%g) = %#04x, want %#04x", tt.in, got, tt.want)
			}
		})
	}
}

func TestFloat32ToBF16Bits(t *testing.T) {
	tests := []struct {
		name string
		in   float32
		want uint16
	}{
		{"zero", 0, 0x0000},
		{"negative zero", float32(math.Copysign(0, -1)), 0x8000},
		{"one", 1, 0x3f80},
		{"minus 2.5", -2.5, 0xc020},
		{"pi", math.Pi, 0x4049},
		{"65504", 65504, 0x4780},
		{"tie to even (down)", math.Float32frombits(0x3f808000), 0x3f80},
		{"tie to even (up)", math.Float32frombits(0x3f818000), 0x3f82},
		{"above tie", math.Float32frombits(0x3f808001), 0x3f81},
		{"max float32 rounds to inf", math.MaxFloat32, 0x7f80},
		{"+inf", float32(math.Inf(1)), 0x7f80},
		{"-inf", float32(math.Inf(-1)), 0xff80},
		{"float32 subnormal kept", math.Float32frombits(0x00010000), 0x0001},
		{"smallest float32 subnormal", math.Float32frombits(1), 0x0000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Float32ToBF16Bits(tt.in); got != tt.want {
				t.Errorf("Float32ToBF16Bits(%g) = %#04x, want %#04x", tt.in, got, tt.want)
			}
		})
	}
}

func TestNaNConversions(t *testing.T) {
	nans := []uint32{0x7fc00000, 0xffc00000, 0x7f800001, 0x7fbfffff, 0xff800001}
	for _, b := range nans {
		f := math.Float32frombits(b)
		h := Float32ToF16Bits(f)
		if h&0x7c00 != 0x7c00 || h&0x3ff == 0 {
			t.Errorf("F16 of NaN %#08x = %#04x, not a NaN", b, h)
		}
		if h>>15 != uint16(b>>31) {
			t.Errorf("F16 of NaN %#08x = %#04x lost the sign", b, h)
		}
		bf := Float32ToBF16Bits(f)
		if bf&0x7f80 != 0x7f80 || bf&0x7f == 0 {
			t.Errorf("BF16 of NaN %#08x = %#04x, not a NaN", b, bf)
		}
		if !math.IsNaN(float64(F16BitsToFloat32(h))) || !math.IsNaN(float64(BF16BitsToFloat32(bf))) {
			t.Errorf("NaN %#08x does not decode back to NaN", b)
		}
	}
}

func TestF16BitsToFloat32(t *testing.T) {
	tests := []struct {
		in   uint16
		want float32
	}{
		{0x0000, 0},
		{0x3c00, 1},
		{0xc100, -2.5},
		{0x7bff, 65504},
		{0x0001, 0x1p-24},
		{0x03ff, 0x3ffp-24},
		{0x0400, 0x1p-14},
		{0x3555, 0x555p-12}, // (1 + 0x155/1024) / 4
		{0x7c00, float32(math.Inf(1))},
		{0xfc00, float32(math.Inf(-1))},
	}
	for _, tt := range tests {
		if got := F16BitsToFloat32(tt.in); got != tt.want {
			t.Errorf("F16BitsToFloat32(%#04x) = %g, want %g", tt.in, got, tt.want)
		}
	}
	if got := math.Float32bits(F16BitsToFloat32(0x8000)); got != 0x80000000 {
		t.Errorf("F16BitsToFloat32(0x8000) bits = %#08x, want negative zero", got)
	}
}

// TestHalfRoundTrip checks every binary16 pattern: decoding is exact, so
// encoding the decoded value must give the pattern back.
func TestHalfRoundTrip(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		f := F16BitsToFloat32(h)
		if math.IsNaN(float64(f)) {
			continue
		}
		if got := Float32ToF16Bits(f); got != h {
			t.Fatalf("F16 %#04x -> %g -> %#04x", h, f, got)
		}
		bf := BF16BitsToFloat32(h)
		if math.IsNaN(float64(bf)) {
			continue
		}
		if got := Float32ToBF16Bits(bf); got != h {
			t.Fatalf("BF16 %#04x -> %g -> %#04x", h, bf, got)
		}
	}
}

// TestHalfAgainstTorch compares with conversions done by PyTorch
// (testdata/make_half_golden.py; the layout is described there).
func TestHalfAgainstTorch(t *testing.T) {
	b, err := os.ReadFile("testdata/half_golden.bin")
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 32 || (len(b)-32)%8 != 0 {
		t.Fatalf("half_golden.bin has bad length %d", len(b))
	}
	table := make([]byte, 4<<16)
	for i := 0; i < 1<<16; i++ {
		f := F16BitsToFloat32(uint16(i))
		bits := math.Float32bits(f)
		if math.IsNaN(float64(f)) {
			bits = 0x7fc00000
		}
		binary.LittleEndian.PutUint32(table[4*i:], bits)
	}
	if sum := sha256.Sum256(table); string(sum[:]) != string(b[:32]) {
		t.Errorf("F16BitsToFloat32 over all 65536 patterns differs from PyTorch (sha256 %x, want %x)", sum, b[:32])
	}
	var nF16, nBF16, cases int
	for rec := b[32:]; len(rec) >= 8; rec = rec[8:] {
		cases++
		in := binary.LittleEndian.Uint32(rec)
		wantH := binary.LittleEndian.Uint16(rec[4:])
		wantB := binary.LittleEndian.Uint16(rec[6:])
		f := math.Float32frombits(in)
		if math.IsNaN(float64(f)) {
			// PyTorch canonicalizes NaN payloads; only NaN-ness must agree.
			if h := Float32ToF16Bits(f); h&0x7fff <= 0x7c00 {
				t.Errorf("F16(%#08x) = %#04x, want a NaN", in, h)
			}
			if bf := Float32ToBF16Bits(f); bf&0x7fff <= 0x7f80 {
				t.Errorf("BF16(%#08x) = %#04x, want a NaN", in, bf)
			}
			continue
		}
		if got := Float32ToF16Bits(f); got != wantH {
			nF16++
			if nF16 <= 10 {
				t.Errorf("F16(%#08x = %g) = %#04x, torch %#04x", in, f, got, wantH)
			}
		}
		if got := Float32ToBF16Bits(f); got != wantB {
			nBF16++
			if nBF16 <= 10 {
				t.Errorf("BF16(%#08x = %g) = %#04x, torch %#04x", in, f, got, wantB)
			}
		}
	}
	if nF16+nBF16 > 0 {
		t.Errorf("%d F16 and %d BF16 mismatches out of %d cases", nF16, nBF16, cases)
	}
	if cases < 1000 {
		t.Errorf("only %d cases in half_golden.bin", cases)
	}
}

func TestFloat32ToHalfTensors(t *testing.T) {
	in := []float32{1, -2.5, 65504, 0x1p-24}
	h := Float32ToF16("h", []int{2, 2}, in)
	bf := Float32ToBF16("b", []int{4}, in)
	if h.DType != F16 || bf.DType != BF16 {
		t.Fatalf("dtypes %s %s", h.DType, bf.DType)
	}
	wantH := []byte{0x00, 0x3c, 0x00, 0xc1, 0xff, 0x7b, 0x01, 0x00}
	if string(h.Data) != string(wantH) {
		t.Errorf("F16 bytes % x, want % x", h.Data, wantH)
	}
	got, err := h.Float32()
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		if got[i] != in[i] {
			t.Errorf("F16 round trip [%d] = %g, want %g", i, got[i], in[i])
		}
	}
	gotB, err := bf.Float32()
	if err != nil {
		t.Fatal(err)
	}
	wantB := []float32{1, -2.5, 65536, 0x1p-24}
	for i := range wantB {
		if gotB[i] != wantB[i] {
			t.Errorf("BF16 round trip [%d] = %g, want %g", i, gotB[i], wantB[i])
		}
	}
}
