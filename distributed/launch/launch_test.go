//go:build unix

package launch

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// helperVar selects a helper mode: the test binary, re-executed as a worker, runs helper instead
// of the tests (the os/exec tests' pattern).
const helperVar = "LAUNCH_TEST_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperVar); mode != "" {
		os.Exit(helper(mode))
	}
	os.Exit(m.Run())
}

// helper is a worker: what it does depends on mode and on its RANK.
func helper(mode string) int {
	rank, _ := strconv.Atoi(os.Getenv("RANK"))
	switch mode {
	case "env":
		for _, k := range []string{"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "GROUP_RANK", "GROUP_WORLD_SIZE",
			"ROLE_RANK", "ROLE_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "TORCHELASTIC_RESTART_COUNT",
			"TORCHELASTIC_MAX_RESTARTS", "OMP_NUM_THREADS", "HFTRAIN_NUM_THREADS", "KEEP_ME"} {
			fmt.Printf("%s=%s\n", k, os.Getenv(k))
		}
	case "lines": // many long lines, each in three writes, on both streams
		for i := range 300 {
			line := fmt.Sprintf("rank=%d i=%d %s end\n", rank, i, strings.Repeat(string(rune('a'+rank)), 200))
			out := os.Stdout
			if i%2 == 1 {
				out = os.Stderr
			}
			out.WriteString(line[:10])
			out.WriteString(line[10:100])
			out.WriteString(line[100:])
		}
	case "progress":
		for i := 1; i <= 50; i++ {
			fmt.Printf("\rstep %d/50", i)
		}
		fmt.Print("\nsaved\nno newline at the end")
	case "fail":
		if rank == 1 {
			time.Sleep(50 * time.Millisecond)
			fmt.Fprintln(os.Stderr, "boom: the disk is on fire")
			return 3
		}
		time.Sleep(30 * time.Second)
	case "ignoreterm":
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ready")
		if rank == 1 {
			time.Sleep(100 * time.Millisecond)
			return 1
		}
		time.Sleep(30 * time.Second)
	case "term":
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGTERM)
		fmt.Println("ready")
		select {
		case s := <-c:
			fmt.Printf("rank %d got %v\n", rank, s)
		case <-time.After(30 * time.Second):
		}
	case "restart":
		n, _ := strconv.Atoi(os.Getenv("TORCHELASTIC_RESTART_COUNT"))
		fmt.Printf("restart=%d\n", n)
		if rank == 1 && n < 2 {
			return 1
		}
	case "grandchild":
		child := exec.Command(os.Args[0])
		child.Env = append(os.Environ(), helperVar+"=sleep")
		child.Stdout, child.Stderr = os.Stdout, os.Stderr // holds the launcher's pipes open
		if err := child.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		fmt.Printf("child=%d\n", child.Process.Pid)
		return 1
	case "sleep":
		time.Sleep(30 * time.Second)
	default:
		fmt.Fprintln(os.Stderr, "unknown helper mode", mode)
		return 2
	}
	return 0
}

// watcher is a concurrency-safe output sink that can wait for n lines containing a string.
type watcher struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *watcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *watcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func (w *watcher) waitFor(t *testing.T, s string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(w.String(), s) < n {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %d lines with %q; output:\n%s", n, s, w.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// logs collects Logf messages.
type logs struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logs) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, fmt.Sprintf(format, args...))
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.msgs, "\n")
}

// helperOptions runs nproc helper workers in mode, all output into out.
func helperOptions(mode string, nproc int, out *watcher, l *logs) Options {
	return Options{
		NProcPerNode: nproc,
		Command:      []string{os.Args[0]},
		Env:          append(os.Environ(), helperVar+"="+mode),
		Stdout:       out,
		Stderr:       out,
		GracePeriod:  5 * time.Second,
		Logf:         l.logf,
	}
}

// TestEnvTwoNodesTwoProcs runs both nodes of a 2×2 job and checks every worker's variables.
func TestEnvTwoNodesTwoProcs(t *testing.T) {
	for node := range 2 {
		out, l := &watcher{}, &logs{}
		o := helperOptions("env", 2, out, l)
		o.NNodes, o.NodeRank, o.MasterAddr, o.MasterPort, o.MaxRestarts = 2, node, "10.0.0.1", 29511, 3
		// A Kubeflow pod's RANK (its node) must not leak through; other variables must.
		o.Env = append(o.Env, "RANK=99", "KEEP_ME=yes", "OMP_NUM_THREADS=", "HFTRAIN_NUM_THREADS=7")
		if err := Run(context.Background(), o); err != nil {
			t.Fatalf("node %d: %v\n%s", node, err, out)
		}
		threads := strconv.Itoa(threads(o))
		for local := range 2 {
			rank := node*2 + local
			want := map[string]string{
				"RANK": strconv.Itoa(rank), "WORLD_SIZE": "4", "LOCAL_RANK": strconv.Itoa(local),
				"LOCAL_WORLD_SIZE": "2", "GROUP_RANK": strconv.Itoa(node), "GROUP_WORLD_SIZE": "2",
				"ROLE_RANK": strconv.Itoa(rank), "ROLE_WORLD_SIZE": "4", "MASTER_ADDR": "10.0.0.1",
				"MASTER_PORT": "29511", "TORCHELASTIC_RESTART_COUNT": "0", "TORCHELASTIC_MAX_RESTARTS": "3",
				"OMP_NUM_THREADS":     threads, // the base value was empty: set
				"HFTRAIN_NUM_THREADS": "7",     // automatic ThreadsPerProc keeps the user's value
				"KEEP_ME":             "yes",
			}
			for k, v := range want {
				line := fmt.Sprintf("[rank%d]: %s=%s\n", rank, k, v)
				if !strings.Contains(out.String(), line) {
					t.Errorf("node %d: no line %q in:\n%s", node, line, out)
				}
			}
		}
	}
}

// TestWorkerVarsGolden pins the variables of node 1 of a 2×2 job, third attempt, explicit
// threads (an explicit value replaces the base environment's).
func TestWorkerVarsGolden(t *testing.T) {
	o := Options{NProcPerNode: 2, NNodes: 2, NodeRank: 1, MasterAddr: "node01", MasterPort: 29500,
		MaxRestarts: 3, ThreadsPerProc: 4, Env: []string{"OMP_NUM_THREADS=16"}}
	var b strings.Builder
	for local := range 2 {
		fmt.Fprintf(&b, "# node 1, local rank %d, restart 2\n", local)
		for _, kv := range workerVars(o, local, 2) {
			b.WriteString(kv + "\n")
		}
	}
	const golden = "testdata/worker_env_2x2_node1.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -run TestWorkerVarsGolden -update creates it)", err)
	}
	if b.String() != string(want) {
		t.Errorf("worker variables:\n%s\nwant (%s):\n%s", b.String(), golden, want)
	}
}

// TestOutputPrefixedWholeLines has four workers write long lines in pieces on both streams into
// one writer: every line must arrive whole, prefixed with its own rank.
func TestOutputPrefixedWholeLines(t *testing.T) {
	out, l := &watcher{}, &logs{}
	if err := Run(context.Background(), helperOptions("lines", 4, out, l)); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^\[rank(\d)\]: rank=(\d) i=\d+ ([a-d])+ end$`)
	counts := map[string]int{}
	for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		m := re.FindStringSubmatch(line)
		if m == nil || m[1] != m[2] || m[3] != string(rune('a'+m[1][0]-'0')) {
			t.Fatalf("mangled or misattributed line %q", line)
		}
		counts[m[1]]++
	}
	for r := range 4 {
		if n := counts[strconv.Itoa(r)]; n != 300 {
			t.Errorf("rank %d: %d lines, want 300", r, n)
		}
	}
}

func TestOutputProgressAndPartialLine(t *testing.T) {
	out, l := &watcher{}, &logs{}
	if err := Run(context.Background(), helperOptions("progress", 1, out, l)); err != nil {
		t.Fatal(err)
	}
	want := "[rank0]: step 1/50\n[rank0]: step 50/50\n[rank0]: saved\n[rank0]: no newline at the end\n"
	if out.String() != want {
		t.Errorf("output %q\nwant %q", out, want)
	}
}

// TestFailureStopsTheOthers: rank 1 exits 3; ranks 0 and 2 (asleep for 30s) must be stopped
// with SIGTERM at once.
func TestFailureStopsTheOthers(t *testing.T) {
	out, l := &watcher{}, &logs{}
	start := time.Now()
	err := Run(context.Background(), helperOptions("fail", 3, out, l))
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Run took %v to stop the group", took)
	}
	var ee *ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("Run = %v, want an *ExitError", err)
	}
	want := fmt.Sprintf("launch: rank 1 (pid %d) exited with status 3; stopped the other 2 workers; last line on stderr: boom: the disk is on fire", ee.PID)
	if err.Error() != want {
		t.Errorf("error %q\nwant  %q", err, want)
	}
	if ee.Rank != 1 || ee.LocalRank != 1 || ee.ExitCode != 3 || ee.Signal != "" || ee.Stopped != 2 || len(ee.Others) != 2 {
		t.Errorf("ExitError = %+v", ee)
	}
	for _, o := range ee.Others {
		if !strings.HasSuffix(o, "killed by SIGTERM") {
			t.Errorf("other worker: %q, want killed by SIGTERM", o)
		}
	}
	for _, s := range []string{"root cause (first observed failure)", "rank      : 1 (local_rank: 1)", "exitcode  : 3 (pid: ", "last line : boom: the disk is on fire"} {
		if !strings.Contains(l.String(), s) {
			t.Errorf("summary lacks %q:\n%s", s, l)
		}
	}
	if !strings.Contains(out.String(), "[rank1]: boom: the disk is on fire\n") {
		t.Errorf("rank 1's stderr is missing:\n%s", out)
	}
}

// TestSIGKILLAfterGracePeriod: rank 0 ignores SIGTERM, so it is killed once the grace period is
// over.
func TestSIGKILLAfterGracePeriod(t *testing.T) {
	out, l := &watcher{}, &logs{}
	o := helperOptions("ignoreterm", 2, out, l)
	o.GracePeriod = 300 * time.Millisecond
	start := time.Now()
	err := Run(context.Background(), o)
	took := time.Since(start)
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Rank != 1 {
		t.Fatalf("Run = %v, want rank 1's failure", err)
	}
	if took < o.GracePeriod || took > 5*time.Second {
		t.Errorf("Run took %v; want the grace period (%v) and not much more", took, o.GracePeriod)
	}
	if len(ee.Others) != 1 || !strings.HasSuffix(ee.Others[0], "killed by SIGKILL") {
		t.Errorf("others = %q, want rank 0 killed by SIGKILL", ee.Others)
	}
	if !strings.Contains(l.String(), "still running 300ms after SIGTERM; sending SIGKILL") {
		t.Errorf("no SIGKILL message in the log:\n%s", l)
	}
}

// TestCancelForwardsSIGTERM: ending ctx (SIGINT/SIGTERM in the command) reaches every worker.
func TestCancelForwardsSIGTERM(t *testing.T) {
	out, l := &watcher{}, &logs{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- Run(ctx, helperOptions("term", 2, out, l)) }()
	out.waitFor(t, "ready", 2)
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "launch: interrupted") {
			t.Errorf("Run = %v, want interrupted, wrapping context.Canceled", err)
		}
		var ee *ExitError
		if errors.As(err, &ee) {
			t.Errorf("an interruption is not a worker failure: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	for r := range 2 {
		if s := fmt.Sprintf("[rank%d]: rank %d got terminated\n", r, r); !strings.Contains(out.String(), s) {
			t.Errorf("no %q in:\n%s", s, out)
		}
	}
}

// TestRestartsCountUp: rank 1 fails on attempts 0 and 1; with two restarts the third attempt
// succeeds, and each attempt's TORCHELASTIC_RESTART_COUNT is one higher.
func TestRestartsCountUp(t *testing.T) {
	out, l := &watcher{}, &logs{}
	o := helperOptions("restart", 2, out, l)
	o.MaxRestarts = 2
	if err := Run(context.Background(), o); err != nil {
		t.Fatalf("Run = %v\n%s", err, l)
	}
	// Rank 0 of a failing attempt may be stopped before it prints: only rank 1 (which prints,
	// then fails) and the last attempt are certain.
	for _, s := range []string{"[rank1]: restart=0", "[rank1]: restart=1", "[rank0]: restart=2", "[rank1]: restart=2"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("no %q in:\n%s", s, out)
		}
	}
	for i := 1; i <= 2; i++ {
		s := fmt.Sprintf("launch: rank 1 failed (exited with status 1); restarting the group (restart %d of 2); workers resume from the newest complete checkpoint", i)
		if !strings.Contains(l.String(), s) {
			t.Errorf("log lacks %q:\n%s", s, l)
		}
	}
}

func TestRestartsExhausted(t *testing.T) {
	out, l := &watcher{}, &logs{}
	o := helperOptions("restart", 2, out, l)
	o.MaxRestarts = 1
	err := Run(context.Background(), o)
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Restart != 1 || !strings.HasSuffix(err.Error(), "; no restarts left (1 of 1 used)") {
		t.Fatalf("Run = %v, want rank 1's failure on restart 1 with no restarts left", err)
	}
}

// TestChildrenOfAFailedWorkerAreKilled: a worker's own child (same process group) holding the
// output pipes neither delays the report nor outlives the group.
func TestChildrenOfAFailedWorkerAreKilled(t *testing.T) {
	out, l := &watcher{}, &logs{}
	start := time.Now()
	err := Run(context.Background(), helperOptions("grandchild", 1, out, l))
	if took := time.Since(start); took > drainDelay {
		t.Errorf("Run took %v: the child's open pipes delayed it", took)
	}
	var ee *ExitError
	if !errors.As(err, &ee) || ee.ExitCode != 1 {
		t.Fatalf("Run = %v, want exit status 1", err)
	}
	m := regexp.MustCompile(`child=(\d+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no child pid in:\n%s", out)
	}
	pid, _ := strconv.Atoi(m[1])
	deadline := time.Now().Add(3 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("child %d outlived its worker's group", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// alive reports a process that exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil // no /proc: a zombie counts as alive
	}
	// pid (comm) state ...: the state follows the last ')'.
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}

func TestStartFailure(t *testing.T) {
	out, l := &watcher{}, &logs{}
	o := helperOptions("sleep", 2, out, l)
	o.Command = []string{"/nonexistent/hftrain"}
	err := Run(context.Background(), o)
	if err == nil || !strings.HasPrefix(err.Error(), "launch: starting rank 0: ") {
		t.Fatalf("Run = %v, want a start error for rank 0", err)
	}
}

func TestOptionsErrors(t *testing.T) {
	ok := Options{NProcPerNode: 1, Command: []string{"x"}}
	for _, tc := range []struct {
		mutate func(*Options)
		want   string
	}{
		{func(o *Options) { o.NProcPerNode = 0 }, "launch: NProcPerNode is 0; want at least 1"},
		{func(o *Options) { o.NNodes = -1 }, "launch: NNodes is -1; want at least 1"},
		{func(o *Options) { o.NNodes, o.NodeRank, o.MasterAddr = 2, 2, "m" }, "launch: NodeRank is 2; want 0..1 (NNodes is 2)"},
		{func(o *Options) { o.NNodes = 2 }, "launch: MasterAddr is required when NNodes is 2 (the host of rank 0, the same on every node)"},
		{func(o *Options) { o.MasterPort = 65536 }, "launch: MasterPort is 65536; want 1..65535"},
		{func(o *Options) { o.MaxRestarts = -1 }, "launch: MaxRestarts is -1; want 0 or more"},
		{func(o *Options) { o.ThreadsPerProc = -1 }, "launch: ThreadsPerProc is -1; want 0 (automatic) or more"},
		{func(o *Options) { o.Command = nil }, "launch: Command is empty"},
	} {
		o := ok
		tc.mutate(&o)
		if err := Run(context.Background(), o); err == nil || err.Error() != tc.want {
			t.Errorf("Run(%+v) = %v, want %q", o, err, tc.want)
		}
	}
	o, err := ok.resolve()
	if err != nil || o.MasterAddr != "127.0.0.1" || o.MasterPort != 29500 || o.NNodes != 1 || o.GracePeriod != 30*time.Second {
		t.Errorf("defaults: %+v, %v", o, err)
	}
}

func TestWorkerEnvReplaces(t *testing.T) {
	o := Options{NProcPerNode: 1, NNodes: 1, MasterAddr: "h", MasterPort: 1, Env: []string{"RANK=5", "A=1", "WORLD_SIZE=9"}}
	env := workerEnv(o, 0, 0)
	if slices.Contains(env, "RANK=5") || slices.Contains(env, "WORLD_SIZE=9") || !slices.Contains(env, "A=1") || !slices.Contains(env, "RANK=0") {
		t.Errorf("workerEnv = %q", env)
	}
}
