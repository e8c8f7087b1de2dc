package optim

import (
	"math/rand/v2"
	"testing"
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
