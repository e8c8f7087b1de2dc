package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// RNG is the random source of dropout: a PCG generator that is deterministic
// from its seed and whose state can be saved and restored for an exact resume.
// The zero RNG behaves as NewRNG(0). An RNG is not safe for concurrent use;
// ops draw from it in tape order.
type RNG struct {
	src *rand.PCG
}

// NewRNG returns an RNG seeded with seed.
func NewRNG(seed uint64) *RNG {
	return &RNG{src: rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)}
}

// Uint64 returns the next 64 random bits.
func (r *RNG) Uint64() uint64 { return r.pcg().Uint64() }

// pcg returns the generator, seeding a zero RNG as NewRNG(0) does.
func (r *RNG) pcg() *rand.PCG {
	if r.src == nil {
		r.src = NewRNG(0).src
	}
	return r.src
}

// MarshalBinary returns the generator state.
func (r *RNG) MarshalBinary() ([]byte, error) {
	b, err := r.pcg().MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("nn: rng: %w", err)
	}
	return b, nil
}

// UnmarshalBinary restores a state written by MarshalBinary.
func (r *RNG) UnmarshalBinary(b []byte) error {
	if r.src == nil {
		r.src = &rand.PCG{}
	}
	if err := r.src.UnmarshalBinary(b); err != nil {
		return fmt.Errorf("nn: rng: %w", err)
	}
	return nil
}

// keepThreshold returns the 16-bit threshold at or above which an element is
// kept: dropout probabilities are rounded to a multiple of 2⁻¹⁶ (0.1 becomes
// 0.100006), which lets one 64-bit draw decide four elements.
func keepThreshold(p float64) uint32 { return uint32(math.Round(p * (1 << 16))) }

// dropMask sets mask[i] to 1 (keep) with probability 1-p and to 0 otherwise.
func (r *RNG) dropMask(mask []uint8, p float64) {
	thr := keepThreshold(p)
	src := r.pcg()
	i := 0
	for ; i+4 <= len(mask); i += 4 {
		u := src.Uint64()
		m := mask[i : i+4 : i+4]
		m[0] = keep(uint32(u&0xffff), thr)
		m[1] = keep(uint32(u>>16&0xffff), thr)
		m[2] = keep(uint32(u>>32&0xffff), thr)
		m[3] = keep(uint32(u>>48), thr)
	}
	if i < len(mask) {
		u := src.Uint64()
		for ; i < len(mask); i++ {
			mask[i] = keep(uint32(u&0xffff), thr)
			u >>= 16
		}
	}
}

func keep(bits, thr uint32) uint8 {
	var k uint8
	if bits >= thr {
		k = 1
	}
	return k
}

// maskScale maps a mask byte to the factor it applies: 0, or 1/(1-p).
type maskScale [2]float32

func newMaskScale(p float64) maskScale { return maskScale{0, float32(1 / (1 - p))} }

// maskMulGo sets dst = src·sc[mask].
func maskMulGo(dst, src []float32, mask []uint8, sc maskScale) {
	src, mask = src[:len(dst)], mask[:len(dst)]
	for i, m := range mask {
		dst[i] = src[i] * sc[m&1]
	}
}
