package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary serve as a rank: runPair re-executes os.Executable(), which in a
// test is this binary, with ALLREDUCE_BENCH_ROLE set.
func TestMain(m *testing.M) {
	if role := os.Getenv(envRole); role != "" {
		if err := workerMain(role); err != nil {
			fmt.Fprintf(os.Stderr, "allreduce-bench %s rank %s: %v\n", role, os.Getenv("RANK"), err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func tinyOptions(modes ...string) options {
	return options{
		modes: modes, sizes: []int64{1 << 20}, iters: 2, warmup: 1,
		python: defPython, script: filepath.Join("..", "..", defScript), pairTimeout: 2 * time.Minute,
	}
}

func checkResults(t *testing.T, o options, res []result) {
	t.Helper()
	if len(res) != len(o.modes) {
		t.Fatalf("got %d results, want %d: %+v", len(res), len(o.modes), res)
	}
	for i, r := range res {
		if r.Impl != o.modes[i] || r.Bytes != 1<<20 || r.World != 2 || r.Iters != 2 || r.Warmup != 1 {
			t.Errorf("result %d: %+v, want impl %s, 1 MiB, world 2, 2 iters, 1 warm-up", i, r, o.modes[i])
		}
		if !r.Verified {
			t.Errorf("%s: result not verified", r.Impl)
		}
		if r.MedianMS <= 0 || r.MinMS <= 0 || r.MinMS > r.MedianMS || r.BusbwGBs <= 0 || r.BusbwGBs != r.AlgbwGBs {
			t.Errorf("%s: implausible timings %+v", r.Impl, r)
		}
	}
	var sb strings.Builder
	printTable(&sb, o, res)
	if !strings.Contains(sb.String(), "busbw") || strings.Count(sb.String(), "\n") != 3 {
		t.Errorf("table:\n%s", sb.String())
	}
	t.Logf("\n%s", sb.String())
}

func TestHarnessHftrainAndTCP(t *testing.T) {
	o := tinyOptions("hftrain", "tcp")
	res, err := run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	checkResults(t, o, res)
}

func TestHarnessGloo(t *testing.T) {
	if out, err := exec.Command(defPython, "-c", "import torch.distributed as d; assert d.is_gloo_available()").CombinedOutput(); err != nil {
		t.Skipf("skipping the gloo side: %s cannot import torch with gloo (make deps-bench installs python3-torch): %v %s", defPython, err, out)
	}
	o := tinyOptions("hftrain", "gloo")
	res, err := run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	checkResults(t, o, res)
}

// A worker given a bad environment fails instead of measuring something else.
func TestWorkerRejectsBadEnvironment(t *testing.T) {
	t.Setenv(envRole, "hftrain")
	t.Setenv("RANK", "0")
	t.Setenv("WORLD_SIZE", "2")
	t.Setenv("MASTER_PORT", "1")
	t.Setenv(envBytes, "6") // not a multiple of 4
	t.Setenv(envIters, "1")
	t.Setenv(envWarmup, "0")
	if err := workerMain("hftrain"); err == nil {
		t.Fatal("worker accepted a buffer of 6 bytes")
	}
}

func TestParse(t *testing.T) {
	if s, err := parseSizes("1,0.5,256"); err != nil || len(s) != 3 || s[1] != 1<<19 || s[2] != 256<<20 {
		t.Errorf("parseSizes: %v %v", s, err)
	}
	if _, err := parseSizes("1,x"); err == nil {
		t.Error("parseSizes accepted x")
	}
	if m, err := parseModes("all"); err != nil || len(m) != 4 {
		t.Errorf("parseModes(all): %v %v", m, err)
	}
	if _, err := parseModes("nccl"); err == nil {
		t.Error("parseModes accepted nccl")
	}
	if itersFor(256<<20) != 20 || itersFor(1<<20) != 200 || itersFor(4<<30) != 5 {
		t.Errorf("itersFor: %d %d %d", itersFor(256<<20), itersFor(1<<20), itersFor(4<<30))
	}
}
