package distributed

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// bothTransports runs a test with the chunks on gRPC streams and on raw TCP connections.
func bothTransports(t *testing.T, test func(t *testing.T)) {
	for _, tr := range []string{transportGRPC, transportTCP} {
		t.Run(tr, func(t *testing.T) {
			t.Setenv("HFTRAIN_RING_TRANSPORT", tr)
			test(t)
		})
	}
}

// freePort returns a TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// joinAll starts n ranks of a ring on 127.0.0.1 (goroutines of this process, real sockets)
// and returns their groups, or the errors of those that failed.
func joinAll(t testing.TB, n int, timeout time.Duration, fp func(rank int) map[string]string) ([]Group, []error) {
	t.Helper()
	port := freePort(t)
	groups := make([]Group, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for r := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := Config{Rank: r, Size: n, MasterAddr: "127.0.0.1", MasterPort: port, Timeout: timeout}
			if fp != nil {
				c.Fingerprint = fp(r)
			}
			groups[r], errs[r] = Join(context.Background(), c)
		}()
	}
	wg.Wait()
	return groups, errs
}

func mustJoin(t testing.TB, n int) []Group {
	t.Helper()
	groups, errs := joinAll(t, n, 10*time.Second, nil)
	for r, err := range errs {
		if err != nil {
			t.Fatalf("rank %d: %v", r, err)
		}
	}
	t.Cleanup(func() { closeAll(groups) })
	return groups
}

func closeAll(groups []Group) {
	var wg sync.WaitGroup
	for _, g := range groups {
		if g != nil {
			wg.Add(1)
			go func() { defer wg.Done(); _ = g.Close() }()
		}
	}
	wg.Wait()
}

// each runs fn on every rank concurrently and returns the errors by rank.
func each(groups []Group, fn func(r int, g Group) error) []error {
	errs := make([]error, len(groups))
	var wg sync.WaitGroup
	for r, g := range groups {
		wg.Add(1)
		go func() { defer wg.Done(); errs[r] = fn(r, g) }()
	}
	wg.Wait()
	return errs
}

func noErrors(t *testing.T, errs []error) {
	t.Helper()
	for r, err := range errs {
		if err != nil {
			t.Fatalf("rank %d: %v", r, err)
		}
	}
}

// TestRingAllReduce checks sums and means on every rank: exact where every order gives the same
// value (small integers), bit-identical across ranks and across runs for random floats, and
// within float32 rounding of a float64 reference.
func TestRingAllReduce(t *testing.T) { bothTransports(t, testRingAllReduce) }

func testRingAllReduce(t *testing.T) {
	t.Setenv("HFTRAIN_RING_CHUNK_KB", "4") // many chunks per segment even for small buffers
	for _, tc := range []struct {
		ranks, length, channels int
	}{
		{2, 0, 1}, {2, 1, 1}, {2, 7, 2}, {3, 1000, 2}, {4, 3, 1}, {4, 300_001, 2}, {3, 100_000, 3},
	} {
		t.Run(fmt.Sprintf("n%d_len%d_ch%d", tc.ranks, tc.length, tc.channels), func(t *testing.T) {
			t.Setenv("HFTRAIN_RING_CHANNELS", fmt.Sprint(tc.channels))
			groups := mustJoin(t, tc.ranks)
			rng := rand.New(rand.NewPCG(7, uint64(tc.length)))
			ints := make([][]float32, tc.ranks)
			floats := make([][]float32, tc.ranks)
			for r := range ints {
				ints[r] = make([]float32, tc.length)
				floats[r] = make([]float32, tc.length)
				for i := range ints[r] {
					ints[r][i] = float32(rng.IntN(2001) - 1000)
					floats[r][i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(5)-2)))
				}
			}
			want := make([]float32, tc.length)
			ref := make([]float64, tc.length)
			for r := range ints {
				for i := range want {
					want[i] += ints[r][i]
					ref[i] += float64(floats[r][i])
				}
			}
			var runs [2][][]float32
			for run := range runs {
				bufs := make([][]float32, tc.ranks)
				sums := make([][]float32, tc.ranks)
				noErrors(t, each(groups, func(r int, g Group) error {
					sums[r] = append([]float32(nil), ints[r]...)
					if err := g.AllReduce(context.Background(), sums[r], Sum); err != nil {
						return err
					}
					bufs[r] = append([]float32(nil), floats[r]...)
					return g.AllReduce(context.Background(), bufs[r], Mean)
				}))
				for r := range sums {
					for i := range want {
						if sums[r][i] != want[i] {
							t.Fatalf("rank %d sum[%d] = %v, want %v", r, i, sums[r][i], want[i])
						}
						if math.Float32bits(bufs[r][i]) != math.Float32bits(bufs[0][i]) {
							t.Fatalf("rank %d mean[%d] = %v, rank 0 has %v: not bit-identical", r, i, bufs[r][i], bufs[0][i])
						}
						mean := ref[i] / float64(tc.ranks)
						if d := math.Abs(float64(bufs[r][i]) - mean); d > 1e-6*(1+math.Abs(mean))*float64(tc.ranks) {
							t.Fatalf("rank %d mean[%d] = %v, float64 reference %v", r, i, bufs[r][i], mean)
						}
					}
				}
				runs[run] = bufs
			}
			for i := range want {
				if math.Float32bits(runs[0][0][i]) != math.Float32bits(runs[1][0][i]) {
					t.Fatalf("mean[%d] differs between two runs: %v then %v", i, runs[0][0][i], runs[1][0][i])
				}
			}
		})
	}
}

func TestRingBroadcastAllGatherBarrier(t *testing.T) {
	bothTransports(t, testRingBroadcastAllGatherBarrier)
}

func testRingBroadcastAllGatherBarrier(t *testing.T) {
	t.Setenv("HFTRAIN_RING_CHUNK_KB", "4")
	groups := mustJoin(t, 3)
	const n = 50_000
	for root := range 3 {
		bufs := make([][]byte, 3)
		noErrors(t, each(groups, func(r int, g Group) error {
			bufs[r] = make([]byte, n)
			if r == root {
				for i := range bufs[r] {
					bufs[r][i] = byte(i*7 + root)
				}
			}
			return g.Broadcast(context.Background(), bufs[r], root)
		}))
		for r := range bufs {
			for i, b := range bufs[r] {
				if b != byte(i*7+root) {
					t.Fatalf("broadcast from %d: rank %d byte %d = %d", root, r, i, b)
				}
			}
		}
	}
	got := make([][][]byte, 3)
	noErrors(t, each(groups, func(r int, g Group) error {
		var err error
		got[r], err = g.AllGather(context.Background(), []byte(strings.Repeat("x", r*3)))
		if err == nil {
			err = g.Barrier(context.Background())
		}
		return err
	}))
	for r := range got {
		for k, v := range got[r] {
			if string(v) != strings.Repeat("x", k*3) {
				t.Fatalf("rank %d: all-gather value of rank %d = %q", r, k, v)
			}
		}
	}
}

// TestRingMismatchedCollectives: ranks that pass different lengths fail, not mix data.
func TestRingMismatchedCollectives(t *testing.T) { bothTransports(t, testRingMismatchedCollectives) }

func testRingMismatchedCollectives(t *testing.T) {
	groups := mustJoin(t, 2)
	errs := each(groups, func(r int, g Group) error {
		return g.AllReduce(context.Background(), make([]float32, 10+r), Sum)
	})
	for r, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "different lengths") {
			t.Errorf("rank %d: got %v, want an error about different lengths", r, err)
		}
	}
}

func TestRendezvousFingerprintMismatch(t *testing.T) {
	_, errs := joinAll(t, 3, 10*time.Second, func(r int) map[string]string {
		fp := map[string]string{"hftrain_version": "1", "model": "abc"}
		if r == 2 {
			fp["model"] = "def"
		}
		return fp
	})
	for r, err := range errs {
		if err == nil {
			t.Fatalf("rank %d joined a world whose fingerprints differ", r)
		}
		if msg := err.Error(); !strings.Contains(msg, "model differs (rank 2 has def; ranks 0,1 have abc)") || strings.Contains(msg, "hftrain_version") {
			t.Errorf("rank %d: %v", r, err)
		}
	}
}

func TestRendezvousTimeouts(t *testing.T) {
	port := freePort(t)
	start := time.Now()
	_, err := Join(context.Background(), Config{Rank: 1, Size: 2, MasterAddr: "127.0.0.1", MasterPort: port, Timeout: time.Second})
	var pe *PeerError
	if !errors.As(err, &pe) || pe.Rank != 0 || pe.Addr != fmt.Sprintf("127.0.0.1:%d", port) {
		t.Fatalf("rank 1 without rank 0: got %v, want a PeerError naming rank 0 at 127.0.0.1:%d", err, port)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("rank 1 gave up after %v, timeout 1s", d)
	}
	start = time.Now()
	_, err = Join(context.Background(), Config{Rank: 0, Size: 3, MasterAddr: "127.0.0.1", MasterPort: port, Timeout: time.Second})
	if err == nil || !strings.Contains(err.Error(), "rank(s) 1, 2 did not register") {
		t.Fatalf("rank 0 alone: got %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("rank 0 gave up after %v, timeout 1s", d)
	}
}

// TestRingPeerCrash: a rank whose sockets vanish (as on kill -9) makes every other rank fail
// with an error naming it, well within the timeout.
func TestRingPeerCrash(t *testing.T) { bothTransports(t, testRingPeerCrash) }

func testRingPeerCrash(t *testing.T) {
	groups, errs := joinAll(t, 4, 5*time.Second, nil)
	noErrors(t, errs)
	defer closeAll(groups)
	noErrors(t, each(groups, func(r int, g Group) error { return g.AllReduce(context.Background(), make([]float32, 1000), Sum) }))
	start := time.Now()
	errs = each(groups, func(r int, g Group) error {
		if r == 2 {
			g.(*ringGroup).teardown()
			return nil
		}
		return g.AllReduce(context.Background(), make([]float32, 1000), Sum)
	})
	for r, err := range errs {
		if r == 2 {
			continue
		}
		var pe *PeerError
		if !errors.As(err, &pe) || pe.Rank != 2 {
			t.Errorf("rank %d: got %v, want a PeerError naming rank 2", r, err)
		}
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("ranks took %v to fail", d)
	}
}

// TestRingCancel: a rank whose context ends mid-collective fails the others, naming it.
func TestRingCancel(t *testing.T) { bothTransports(t, testRingCancel) }

func testRingCancel(t *testing.T) {
	groups := mustJoin(t, 3)
	errs := each(groups, func(r int, g Group) error {
		ctx := context.Background()
		if r == 1 {
			c, cancel := context.WithCancel(ctx)
			cancel()
			ctx = c
		} else {
			time.Sleep(50 * time.Millisecond)
		}
		return g.AllReduce(ctx, make([]float32, 100), Sum)
	})
	for r, err := range errs {
		var pe *PeerError
		if !errors.As(err, &pe) || pe.Rank != 1 {
			t.Errorf("rank %d: got %v, want a PeerError naming rank 1", r, err)
		}
	}
}

// TestRingCloseAtDifferentTimes: ranks that close one after another, with the others idle, see
// no error; collectives after Close fail with ErrClosed.
func TestRingCloseAtDifferentTimes(t *testing.T) { bothTransports(t, testRingCloseAtDifferentTimes) }

func testRingCloseAtDifferentTimes(t *testing.T) {
	groups, errs := joinAll(t, 3, 2*time.Second, nil)
	noErrors(t, errs)
	noErrors(t, each(groups, func(r int, g Group) error { return g.Barrier(context.Background()) }))
	noErrors(t, each(groups, func(r int, g Group) error {
		time.Sleep(time.Duration(r) * 300 * time.Millisecond)
		return g.Close()
	}))
	if err := groups[0].Barrier(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("barrier after close: %v", err)
	}
}

// logSink collects a rank's log lines.
type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (l *logSink) logf(format string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, a...))
}

func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// joinLogged is joinAll with each rank's log kept.
func joinLogged(t *testing.T, n int, timeout time.Duration) ([]Group, []*logSink) {
	t.Helper()
	port := freePort(t)
	groups := make([]Group, n)
	logs := make([]*logSink, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for r := range n {
		logs[r] = &logSink{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			groups[r], errs[r] = Join(context.Background(), Config{Rank: r, Size: n, MasterAddr: "127.0.0.1", MasterPort: port, Timeout: timeout, Logf: logs[r].logf})
		}()
	}
	wg.Wait()
	noErrors(t, errs)
	t.Cleanup(func() { closeAll(groups) })
	return groups, logs
}

// TestRingCloseIsNotAFault: a rank that closes while the others are idle is not reported as
// dead; their next collective fails at once, naming it as having closed the group.
func TestRingCloseIsNotAFault(t *testing.T) { bothTransports(t, testRingCloseIsNotAFault) }

func testRingCloseIsNotAFault(t *testing.T) {
	groups, logs := joinLogged(t, 3, 5*time.Second)
	noErrors(t, each(groups, func(r int, g Group) error { return g.Barrier(context.Background()) }))
	if err := groups[0].Close(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond) // longer than the grace a broken stream gets before it is a fault
	for r := 1; r < 3; r++ {
		if strings.Contains(logs[r].String(), "group failed") {
			t.Errorf("rank %d took rank 0's Close for a failure:\n%s", r, logs[r])
		}
	}
	start := time.Now()
	err := groups[1].Barrier(context.Background())
	var pe *PeerError
	if !errors.As(err, &pe) || pe.Rank != 0 || !strings.Contains(err.Error(), "closed the group") {
		t.Errorf("rank 1's barrier after rank 0 closed: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("rank 1 took %v to fail", d)
	}
}

// TestRingCloseDuringCollective: a rank that closes while its peer waits for it in a collective
// fails the peer at once (not after the heartbeat timeout), naming it.
func TestRingCloseDuringCollective(t *testing.T) { bothTransports(t, testRingCloseDuringCollective) }

func testRingCloseDuringCollective(t *testing.T) {
	groups, _ := joinLogged(t, 2, 10*time.Second)
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- groups[0].AllReduce(context.Background(), make([]float32, 1000), Sum) }()
	time.Sleep(100 * time.Millisecond)
	_ = groups[1].Close()
	select {
	case err := <-done:
		var pe *PeerError
		if !errors.As(err, &pe) || pe.Rank != 1 || !strings.Contains(err.Error(), "closed the group") {
			t.Errorf("rank 0: %v, want a PeerError saying rank 1 closed the group", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("rank 0 failed after %v", d)
		}
	case <-time.After(8 * time.Second):
		t.Fatal("rank 0 still waits in its all-reduce 8s after rank 1 closed")
	}
}

// TestRendezvousRegistrationRetry: a rank that registered, gave up and joins again (as a
// restarted process does) replaces its dead registration instead of failing the world.
func TestRendezvousRegistrationRetry(t *testing.T) {
	port := freePort(t)
	cfg := func(r int, timeout time.Duration) Config {
		return Config{Rank: r, Size: 3, MasterAddr: "127.0.0.1", MasterPort: port, Timeout: timeout}
	}
	groups := make([]Group, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); groups[0], errs[0] = Join(context.Background(), cfg(0, 10*time.Second)) }()
	if _, err := Join(context.Background(), cfg(1, 500*time.Millisecond)); err == nil {
		t.Fatal("rank 1 joined a world without rank 2")
	}
	for r := 1; r < 3; r++ {
		wg.Add(1)
		go func() { defer wg.Done(); groups[r], errs[r] = Join(context.Background(), cfg(r, 10*time.Second)) }()
	}
	wg.Wait()
	defer closeAll(groups)
	noErrors(t, errs)
	noErrors(t, each(groups, func(r int, g Group) error { return g.Barrier(context.Background()) }))
}
