package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randFloats(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(7)-3)))
	}
	return s
}

// TestAddBytesMatchesScalar checks the kernel against dst[i] += src[i] bit for bit, for every
// length around the unrolling boundaries and for misaligned sources.
func TestAddBytesMatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 80; n++ {
		for _, off := range []int{0, 1, 3} {
			a := randFloats(rng, n)
			b := randFloats(rng, n)
			raw := make([]byte, off+4*n)
			copy(raw[off:], Bytes(b))
			got := append([]float32(nil), a...)
			AddBytes(got, raw[off:])
			gen := append([]float32(nil), a...)
			addGeneric(gen, raw[off:])
			for i := range a {
				want := a[i] + b[i]
				if math.Float32bits(got[i]) != math.Float32bits(want) || math.Float32bits(gen[i]) != math.Float32bits(want) {
					t.Fatalf("n=%d off=%d [%d]: kernel %v, generic %v, want %v", n, off, i, got[i], gen[i], want)
				}
			}
		}
	}
}

// TestAdderPieces feeds a stream cut at arbitrary byte positions, floats straddling the cuts.
func TestAdderPieces(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 200; trial++ {
		n := rng.IntN(300)
		a, b := randFloats(rng, n), randFloats(rng, n)
		stream := Bytes(b)
		got := append([]float32(nil), a...)
		var ad Adder
		ad.Reset(got)
		for len(stream) > 0 {
			k := min(len(stream), 1+rng.IntN(41))
			if !ad.Add(stream[:k]) {
				t.Fatal("Add reported overflow on a stream of the right length")
			}
			stream = stream[k:]
		}
		if !ad.Done() {
			t.Fatalf("n=%d: not done after the whole stream", n)
		}
		for i := range a {
			if got[i] != a[i]+b[i] {
				t.Fatalf("n=%d [%d]: %v, want %v", n, i, got[i], a[i]+b[i])
			}
		}
	}
	var ad Adder
	ad.Reset(make([]float32, 1))
	if ad.Add(make([]byte, 8)) {
		t.Fatal("Add accepted 2 floats into a slice of 1")
	}
}

func benchAdd(b *testing.B, n int, f func([]float32, []byte)) {
	dst := make([]float32, n)
	src := make([]byte, 16<<10)
	b.SetBytes(int64(4 * n))
	for b.Loop() {
		for off := 0; off < n; off += len(src) / 4 {
			f(dst[off:min(n, off+len(src)/4)], src)
		}
	}
}

func naive(dst []float32, src []byte) {
	for i := range dst {
		dst[i] += math.Float32frombits(uint32(src[4*i]) | uint32(src[4*i+1])<<8 | uint32(src[4*i+2])<<16 | uint32(src[4*i+3])<<24)
	}
}

// The add's cost, hot (a 16 KiB destination in L1) and cold (64 MiB, from memory), as the
// reduce-scatter meets it: go test -bench Add ./distributed/internal/vec
func BenchmarkAddHotNaive(b *testing.B)   { benchAdd(b, 4<<10, naive) }
func BenchmarkAddHotGeneric(b *testing.B) { benchAdd(b, 4<<10, addGeneric) }
func BenchmarkAddHot(b *testing.B)        { benchAdd(b, 4<<10, AddBytes) }
func BenchmarkAddColdNaive(b *testing.B)  { benchAdd(b, 16<<20, naive) }
func BenchmarkAddCold(b *testing.B)       { benchAdd(b, 16<<20, AddBytes) }
