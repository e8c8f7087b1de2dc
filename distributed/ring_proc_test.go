package distributed

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The tests in this file run ranks as separate processes (this test binary, re-executed as a
// worker) so that a rank can be killed with SIGKILL or frozen with SIGSTOP, as happens to real
// workers. Workers run with GOMAXPROCS=1, as hftrain's workers do with OpenBLAS.

const workerEnv = "HFTRAIN_RING_TEST_WORKER"

// TestRingWorkerProcess is the worker's body; it does nothing in a normal test run. A worker
// all-reduces a 1M-float buffer forever, printing "step N" after each, and prints "ERR: …"
// and exits with status 3 when a collective fails.
func TestRingWorkerProcess(t *testing.T) {
	if os.Getenv(workerEnv) != "1" {
		t.Skip("only runs as a worker of the process tests")
	}
	atoi := func(k string) int { n, _ := strconv.Atoi(os.Getenv(k)); return n }
	c := Config{Rank: atoi("RANK"), Size: atoi("WORLD_SIZE"), MasterAddr: "127.0.0.1", MasterPort: atoi("MASTER_PORT"),
		Timeout: time.Duration(atoi("RING_TIMEOUT_MS")) * time.Millisecond}
	g, err := Join(context.Background(), c)
	if err != nil {
		fmt.Printf("ERR: %v\n", err)
		os.Exit(3)
	}
	buf := make([]float32, 1<<20)
	for step := 1; ; step++ {
		for i := range buf {
			buf[i] = float32(c.Rank + i%7)
		}
		if err := g.AllReduce(context.Background(), buf, Sum); err != nil {
			fmt.Printf("ERR: %v\n", err)
			os.Exit(3)
		}
		fmt.Printf("step %d\n", step)
		time.Sleep(20 * time.Millisecond)
	}
}

type worker struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	steps int
	done  chan struct{}
}

func (w *worker) output() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.lines, "\n")
}

func startWorkers(t *testing.T, n int, timeout time.Duration) []*worker {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	ws := make([]*worker, n)
	for r := range n {
		cmd := exec.Command(exe, "-test.run=^TestRingWorkerProcess$", "-test.v=false")
		cmd.Env = append(os.Environ(), workerEnv+"=1", "GOMAXPROCS=1", fmt.Sprintf("RANK=%d", r), fmt.Sprintf("WORLD_SIZE=%d", n),
			fmt.Sprintf("MASTER_PORT=%d", port), fmt.Sprintf("RING_TIMEOUT_MS=%d", timeout.Milliseconds()))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = cmd.Stdout
		w := &worker{cmd: cmd, done: make(chan struct{})}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func(out io.Reader) {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				w.mu.Lock()
				w.lines = append(w.lines, sc.Text())
				if strings.HasPrefix(sc.Text(), "step ") {
					w.steps++
				}
				w.mu.Unlock()
			}
			_ = cmd.Wait()
			close(w.done)
		}(out)
		ws[r] = w
	}
	t.Cleanup(func() {
		for _, w := range ws {
			_ = w.cmd.Process.Kill()
			<-w.done
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for _, w := range ws {
		for {
			w.mu.Lock()
			s := w.steps
			w.mu.Unlock()
			if s >= 3 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("workers did not run 3 steps: %q", w.output())
			}
			select {
			case <-w.done:
				t.Fatalf("worker exited early: %s", w.output())
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	return ws
}

func TestRingProcessFaults(t *testing.T) { bothTransports(t, testRingProcessFaults) }

func testRingProcessFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	for _, tc := range []struct {
		name   string
		victim int
		sig    syscall.Signal
		want   string
	}{
		{"sigkill", 1, syscall.SIGKILL, "connection lost"},
		{"sigstop", 2, syscall.SIGSTOP, "not even a heartbeat"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const timeout = 2 * time.Second
			ws := startWorkers(t, 3, timeout)
			start := time.Now()
			if err := ws[tc.victim].cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			for r, w := range ws {
				if r == tc.victim {
					continue
				}
				select {
				case <-w.done:
				case <-time.After(timeout + 5*time.Second):
					t.Fatalf("rank %d still running %v after rank %d got %v: %s", r, time.Since(start), tc.victim, tc.sig, w.output())
				}
				out := w.output()
				wantRank := fmt.Sprintf("rank %d at 127.0.0.1:", tc.victim)
				if !strings.Contains(out, "ERR: ") || !strings.Contains(out, wantRank) || !strings.Contains(out, tc.want) {
					t.Errorf("rank %d: output does not name %q with %q:\n%s", r, wantRank, tc.want, out[max(0, len(out)-600):])
				}
				if code := w.cmd.ProcessState.ExitCode(); code != 3 {
					t.Errorf("rank %d exit status %d, want 3", r, code)
				}
			}
			t.Logf("%s of rank %d: the other ranks stopped within %v (timeout %v)", tc.sig, tc.victim, time.Since(start).Round(time.Millisecond), timeout)
			if tc.sig == syscall.SIGSTOP {
				_ = ws[tc.victim].cmd.Process.Signal(syscall.SIGCONT)
			}
		})
	}
}
