package optim

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// benchParams is an 11M-parameter set shaped like a small BERT layer stack: big
// matrices plus biases.
func benchParams(b *testing.B) []Param {
	b.Helper()
	rng := rand.New(rand.NewPCG(9, 10))
	var ps []Param
	total := 0
	for i := 0; total < 11_000_000; i++ {
		n := 768 * 768
		if i%4 == 3 {
			n = 768
		}
		p := Param{Name: "p" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Data: make([]float32, n),
			Grad: make([]float32, n), NoDecay: i%4 == 3}
		for j := range p.Data {
			p.Data[j] = float32(rng.NormFloat64())
			p.Grad[j] = float32(rng.NormFloat64()) * 1e-3
		}
		ps = append(ps, p)
		total += n
	}
	return ps
}

func countParams(ps []Param) int {
	n := 0
	for _, p := range ps {
		n += len(p.Data)
	}
	return n
}

func benchStep(b *testing.B, opt Optimizer) {
	ps := benchParams(b)
	if err := opt.Step(ps, 1e-5); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for b.Loop() {
		if err := opt.Step(ps, 1e-5); err != nil {
			b.Fatal(err)
		}
	}
	n := float64(b.N) * float64(countParams(ps))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/param")
	// CPU time summed over all threads: with one worker, the cost of a step on an
	// otherwise idle core even when the machine is busy.
	b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/n, "cpu-ns/param")
}

func BenchmarkAdamW11M(b *testing.B) {
	benchStep(b, NewAdamW(AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01}))
}

func BenchmarkSGDMomentum11M(b *testing.B) {
	benchStep(b, NewSGD(SGDConfig{Momentum: 0.9, WeightDecay: 0.01}))
}

func BenchmarkClipGradNorm11M(b *testing.B) {
	ps := benchParams(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ClipGradNorm(ps, 1e9) // measures the norm; nothing is scaled
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(countParams(ps)), "ns/param")
}

func BenchmarkAdamW11MParallel(b *testing.B) {
	opt := NewAdamW(AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01})
	opt.SetWorkers(runtime.GOMAXPROCS(0))
	defer opt.Close()
	benchStep(b, opt)
}
