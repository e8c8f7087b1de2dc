package optim

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// parallelOptimizer is what both optimizers offer besides the Optimizer interface.
type parallelOptimizer interface {
	Optimizer
	SetWorkers(n int)
	Close() error
}

// TestParallelStepIsBitIdentical checks that splitting a step across goroutines changes
// nothing, for sizes around the chunk boundaries.
func TestParallelStepIsBitIdentical(t *testing.T) {
	mks := map[string]func() parallelOptimizer{
		"adamw": func() parallelOptimizer {
			return NewAdamW(AdamWConfig{Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, WeightDecay: 0.1})
		},
		"sgd": func() parallelOptimizer {
			return NewSGD(SGDConfig{Momentum: 0.9, WeightDecay: 0.1, Nesterov: true})
		},
	}
	for name, mk := range mks {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 12))
			serial := randParams(rng, parallelMinElems, chunkElems+1, 3, 2*chunkElems-1, 7)
			parallel := cloneParams(serial)
			a, b := mk(), mk()
			b.SetWorkers(4)
			defer b.Close()
			for step := range 3 {
				fillGrads(rng, serial)
				for i := range serial {
					copy(parallel[i].Grad, serial[i].Grad)
				}
				if err := a.Step(serial, 1e-2); err != nil {
					t.Fatal(err)
				}
				if err := b.Step(parallel, 1e-2); err != nil {
					t.Fatal(err)
				}
				if step == 1 {
					b.Close() // a closed optimizer keeps working and restarts its helpers
				}
				for i := range serial {
					for j := range serial[i].Data {
						if serial[i].Data[j] != parallel[i].Data[j] {
							t.Fatalf("step %d: %s[%d]: serial %v, parallel %v", step, serial[i].Name, j,
								serial[i].Data[j], parallel[i].Data[j])
						}
					}
				}
			}
			allocs := testing.AllocsPerRun(5, func() {
				if err := b.Step(parallel, 1e-2); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Fatalf("parallel step: %v allocations, want 0", allocs)
			}
		})
	}
}

// TestCloseStopsHelpers checks that Close ends the helper goroutines and that an
// optimizer dropped without Close does not leak them.
func TestCloseStopsHelpers(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	ps := randParams(rng, parallelMinElems)
	fillGrads(rng, ps)
	base := runtime.NumGoroutine()
	opt := NewAdamW(DefaultAdamWConfig())
	opt.SetWorkers(5)
	if err := opt.Step(ps, 1e-3); err != nil {
		t.Fatal(err)
	}
	if n := runtime.NumGoroutine(); n < base+4 {
		t.Fatalf("%d goroutines after a parallel step, want at least %d", n, base+4)
	}
	if err := opt.Close(); err != nil {
		t.Fatal(err)
	}
	waitGoroutines(t, base, "after Close")

	dropped := NewSGD(SGDConfig{Momentum: 0.9})
	dropped.SetWorkers(5)
	if err := dropped.Step(ps, 1e-3); err != nil {
		t.Fatal(err)
	}
	dropped = nil
	waitGoroutines(t, base, "after the optimizer was collected")
}

func waitGoroutines(t *testing.T, want int, when string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines %s, want %d", runtime.NumGoroutine(), when, want)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}
