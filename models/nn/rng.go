package nn

import (
	"fmt"
	"math/rand/v2"
)

// RNG is the random source of dropout: a PCG generator that is deterministic
// from its seed and whose state can be saved and restored for an exact resume.
// An RNG is not safe for concurrent use; ops draw from it in tape order.
type RNG struct {
	src *rand.PCG
}

// NewRNG returns an RNG seeded with seed.
func NewRNG(seed uint64) *RNG {
	return &RNG{src: rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)}
}

// Uint64 returns the next 64 random bits.
func (r *RNG) Uint64() uint64 { return r.src.Uint64() }

// MarshalBinary returns the generator state.
func (r *RNG) MarshalBinary() ([]byte, error) {
	b, err := r.src.MarshalBinary()
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

// fillMask sets mask[i] to scale with probability 1-p and to 0 otherwise,
// using 32 random bits per element.
func (r *RNG) fillMask(mask []float32, p float64, scale float32) {
	thr := uint32(p * (1 << 32))
	if p >= 1 {
		clear(mask)
		return
	}
	i := 0
	for ; i+1 < len(mask); i += 2 {
		u := r.src.Uint64()
		mask[i] = pick(uint32(u) >= thr, scale)
		mask[i+1] = pick(uint32(u>>32) >= thr, scale)
	}
	if i < len(mask) {
		mask[i] = pick(uint32(r.src.Uint64()) >= thr, scale)
	}
}

func pick(keep bool, scale float32) float32 {
	if keep {
		return scale
	}
	return 0
}
