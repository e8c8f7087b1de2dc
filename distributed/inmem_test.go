package distributed

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"
)

// runRanks calls f for every rank of gs concurrently and returns their errors by rank.
func runRanks(gs []Group, f func(g Group) error) []error {
	errs := make([]error, len(gs))
	var wg sync.WaitGroup
	for i, g := range gs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(g)
		}()
	}
	wg.Wait()
	return errs
}

func TestInMemoryCollectives(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			gs := NewInMemory(n)
			ctx := context.Background()
			const l = 7
			got := make([][]float32, n)
			gathered := make([][][]byte, n)
			errs := runRanks(gs, func(g Group) error {
				r := g.Rank()
				buf := make([]float32, l)
				for i := range buf {
					buf[i] = float32(r+1) * (0.1 + float32(i))
				}
				if err := g.AllReduce(ctx, buf, Mean); err != nil {
					return err
				}
				got[r] = buf
				b := []byte{byte(r), 0, 0}
				if err := g.Broadcast(ctx, b, n-1); err != nil {
					return err
				}
				if b[0] != byte(n-1) {
					return fmt.Errorf("rank %d: broadcast gave %v", r, b)
				}
				v, err := g.AllGather(ctx, make([]byte, r))
				if err != nil {
					return err
				}
				gathered[r] = v
				return g.Barrier(ctx)
			})
			for r, err := range errs {
				if err != nil {
					t.Fatalf("rank %d: %v", r, err)
				}
			}
			for r := range n {
				for i := range l {
					want := 0.0
					for k := range n {
						want += float64(k+1) * (0.1 + float64(i))
					}
					want /= float64(n)
					if math.Abs(float64(got[r][i])-want) > 1e-5*math.Abs(want) {
						t.Errorf("rank %d [%d] = %v, want %v", r, i, got[r][i], want)
					}
					if math.Float32bits(got[r][i]) != math.Float32bits(got[0][i]) {
						t.Errorf("rank %d [%d] differs from rank 0 in its bits", r, i)
					}
				}
				for k, v := range gathered[r] {
					if len(v) != k {
						t.Errorf("rank %d: gathered value of rank %d has %d bytes, want %d", r, k, len(v), k)
					}
				}
			}
		})
	}
}

func TestInMemoryFault(t *testing.T) {
	gs := NewInMemory(3)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	errs := runRanks(gs, func(g Group) error {
		if g.Rank() == 2 {
			return g.Close() // leaves before the collective the others wait in
		}
		return g.AllReduce(ctx, make([]float32, 4), Sum)
	})
	for r := range 2 {
		var pe *PeerError
		if !errors.As(errs[r], &pe) || pe.Rank != 2 {
			t.Errorf("rank %d: got %v, want a PeerError naming rank 2", r, errs[r])
		}
	}
	if err := gs[2].Barrier(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("collective after Close: %v, want ErrClosed", err)
	}
}
