package main

import (
	"bytes"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hftrain/hftrain/internal/safetensors"
)

// noDropout is writeConfig's model without dropout: one process with batch 2B and two with B then
// see the same rows per update and compute the same function, so only rounding may differ.
const noDropout = "config_overrides=hidden_size=32,num_hidden_layers=1,num_attention_heads=2,intermediate_size=64," +
	"max_position_embeddings=64,hidden_dropout_prob=0,attention_probs_dropout_prob=0"

// readWeights reads every tensor of a model folder as float32.
func readWeights(t *testing.T, dir string) map[string][]float32 {
	t.Helper()
	ts, _, err := safetensors.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]float32{}
	for name, tn := range ts {
		if out[name], err = tn.Float32(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestLaunchTwoProcessesMatchesOne: `hftrain launch --nproc-per-node 2` with per-device batch 4
// ends with the weights of one process with batch 8 (24 updates, rtol 1e-5 of max|w|); only rank
// 0 writes output_dir, and its log names the world.
func TestLaunchTwoProcessesMatchesOne(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	base := t.TempDir()
	cfg := writeConfig(t, base, "")
	one, two := filepath.Join(base, "one"), filepath.Join(base, "two")
	common := []string{"--config", cfg, "--set", noDropout, "--set", "eval_strategy=no"}
	if out, err := runBinary(t, bin, nil, append(common, "--set", "output_dir="+one, "--set", "per_device_train_batch_size=8")...); err != nil {
		t.Fatalf("one process: %v\n%s", err, out)
	}
	log, err := runBinary(t, bin, nil, append([]string{"launch", "--nproc-per-node", "2", "--master-port", strconv.Itoa(freePort(t)), "--"},
		append(common, "--set", "output_dir="+two, "--set", "per_device_train_batch_size=4")...)...)
	if err != nil {
		t.Fatalf("two processes: %v\n%s", err, log)
	}
	if !strings.Contains(log, "x 2 processes") {
		t.Errorf("rank 0's log does not name the world size:\n%s", log)
	}
	a, b := readWeights(t, one), readWeights(t, two)
	var diff, scale float64
	where := ""
	for name, wa := range a {
		if strings.HasSuffix(name, "attention.self.key.bias") {
			// The loss does not depend on the key bias (it adds the same q·b to every score of a
			// query, which softmax cancels), so its gradient is rounding noise, which Adam scales
			// up to full-size steps of random sign: it differs between any two summation orders,
			// in PyTorch too. Checked separately below.
			continue
		}
		wb, ok := b[name]
		if !ok || len(wb) != len(wa) {
			t.Fatalf("%s missing or resized in the 2-process model", name)
		}
		for i := range wa {
			scale = math.Max(scale, math.Abs(float64(wa[i])))
			if d := math.Abs(float64(wa[i] - wb[i])); d > diff {
				diff, where = d, fmt.Sprintf("%s[%d]", name, i)
			}
		}
	}
	// Key biases start at 0 and move by at most lr (3e-3) per Adam update: 24 updates.
	var keyDiff float64
	for name, wa := range a {
		if strings.HasSuffix(name, "attention.self.key.bias") {
			for i := range wa {
				keyDiff = math.Max(keyDiff, math.Abs(float64(wa[i]-b[name][i])))
			}
		}
	}
	if keyDiff > 2*3e-3*24 {
		t.Errorf("key biases differ by %.3g, more than two runs of 24 Adam steps of lr 3e-3 can move them apart", keyDiff)
	}
	t.Logf("2 processes x batch 4 vs 1 x batch 8: max|dw| %.3g at %s, max|w| %.3g (key biases: %.3g)", diff, where, scale, keyDiff)
	if diff > 1e-5*scale {
		t.Errorf("weights differ by %.3g at %s (> 1e-5 x %.3g)", diff, where, scale)
	}
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncBuffer is a bytes.Buffer that a process's output goroutines and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// workerPID finds the hftrain worker of a launcher (its child) whose environment has RANK=rank.
// A Go launcher forks from any of its threads, and /proc lists a child under the thread that
// forked it, so every thread's children file is read.
func workerPID(launcher, rank int) int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", launcher))
	for _, task := range tasks {
		kids, _ := os.ReadFile(task)
		for _, f := range strings.Fields(string(kids)) {
			pid, _ := strconv.Atoi(f)
			env, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
			for _, kv := range bytes.Split(env, []byte{0}) {
				if string(kv) == "RANK="+strconv.Itoa(rank) {
					return pid
				}
			}
		}
	}
	return 0
}

// startLaunch starts `hftrain launch` and returns it with its combined output.
func startLaunch(t *testing.T, bin string, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, out
}

// killWhen waits for a checkpoint of at least step to appear in dir, then SIGKILLs rank's worker.
func killWhen(t *testing.T, launcher *exec.Cmd, out *syncBuffer, dir string, step, rank int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("checkpoint-%d", step))); err == nil {
			if pid := workerPID(launcher.Process.Pid, rank); pid > 0 {
				if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no checkpoint-%d in %s within 2 minutes; output:\n%s", step, dir, out)
}

// TestLaunchKilledWorkerStopsAllAndRestarts: SIGKILL of rank 1 mid-run stops rank 0 too with an
// error naming rank 1; with --max-restarts 1 the group restarts from the newest complete
// checkpoint and ends with the uninterrupted run's model, bit for bit.
func TestLaunchKilledWorkerStopsAllAndRestarts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	base := t.TempDir()
	cfg := writeConfig(t, base, "")
	common := func(out string) []string {
		return []string{"--config", cfg, "--set", "output_dir=" + out, "--set", "per_device_train_batch_size=4",
			"--set", "num_train_epochs=30", "--set", "save_strategy=steps", "--set", "save_steps=20",
			"--set", "eval_strategy=no", "--set", "ddp_timeout=5"}
	}
	launch := func(extra ...string) []string {
		return append([]string{"launch", "--nproc-per-node", "2", "--master-port", strconv.Itoa(freePort(t))}, extra...)
	}
	ref := filepath.Join(base, "ref")
	if out, err := runBinary(t, bin, nil, append(launch("--"), common(ref)...)...); err != nil {
		t.Fatalf("uninterrupted: %v\n%s", err, out)
	}

	t.Run("no restarts", func(t *testing.T) {
		dir := filepath.Join(base, "killed")
		cmd, out := startLaunch(t, bin, append(launch("--"), common(dir)...)...)
		killWhen(t, cmd, out, dir, 40, 1)
		start := time.Now()
		err := cmd.Wait()
		if err == nil {
			t.Fatalf("the launcher succeeded after rank 1 was killed:\n%s", out)
		}
		if el := time.Since(start); el > 30*time.Second {
			t.Errorf("the group took %s to stop", el)
		}
		// The launcher names the killed worker; rank 0's own error names rank 1 and its address.
		if !strings.Contains(out.String(), "rank 1 (pid") || !strings.Contains(out.String(), "rank 1 at 127.0.0.1:") {
			t.Errorf("the output does not name rank 1 and its address:\n%s", out)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		t.Logf("stopped %v after the kill; last lines:\n%s", time.Since(start).Round(time.Millisecond), strings.Join(lines[max(0, len(lines)-14):], "\n"))
	})

	t.Run("max-restarts 1", func(t *testing.T) {
		dir := filepath.Join(base, "restarted")
		cmd, out := startLaunch(t, bin, append(launch("--max-restarts", "1", "--"), common(dir)...)...)
		killWhen(t, cmd, out, dir, 40, 1)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("restarted run: %v\n%s", err, out)
		}
		if !strings.Contains(out.String(), "resuming from the newest complete checkpoint") {
			t.Errorf("the restarted workers do not say where they resumed:\n%s", out)
		}
		want, err := os.ReadFile(filepath.Join(ref, "model.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, "model.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Error("the restarted run's model differs from the uninterrupted run's")
		}
	})
}
