package hubpush_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hftrain/hftrain/hub"
	"github.com/hftrain/hftrain/hub/hubtest"
	"github.com/hftrain/hftrain/trainer/hubpush"
)

// TestRevisionMissing: a hub_revision branch that does not exist is refused by New, with an
// error that names the repository and the branch and says to create it; nothing is pushed
// and no staging folder is made.
func TestRevisionMissing(t *testing.T) {
	srv := newServer(t)
	r := newRun(t, "branchless")
	srv.ResetRequests()
	o := hubpush.Options{OutputDir: r.out, RepoID: "emu-user/branchless", Revision: "experiment-1", Client: newClient(t, srv, token, nil)}
	p, err := hubpush.New(context.Background(), o)
	noToken(t, err)
	if err == nil {
		p.Close()
		t.Fatal("New accepted a hub_revision that does not exist on the Hub")
	}
	if !errors.Is(err, hub.ErrRevisionNotFound) {
		t.Errorf("New: %v, want it to wrap hub.ErrRevisionNotFound", err)
	}
	for _, s := range []string{"emu-user/branchless", `"experiment-1"`, "create the branch"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("New: %q does not say %q", err, s)
		}
	}
	if _, err := os.Stat(filepath.Join(r.out, hubpush.StagingDir)); !os.IsNotExist(err) {
		t.Errorf("staging folder made by a refused New: %v", err)
	}
	if got := commitRequests(srv); len(got) != 0 {
		t.Errorf("commits %v after a refused New", got)
	}
}

// TestRevisionBranch: an existing branch is accepted and the pushes go to it, not to main.
func TestRevisionBranch(t *testing.T) {
	srv := newServer(t)
	l := newLogs(t)
	srv.AddRepo("model", "emu-user/branched", hubtest.RepoOptions{})
	srv.Commit("model", "emu-user/branched", "main", "init", map[string][]byte{"README.md": []byte("main\n")})
	srv.Commit("model", "emu-user/branched", "dev", "branch", map[string][]byte{"dev.txt": []byte("dev\n")})
	r := newRun(t, "branched")
	p := newPusher(t, srv, hubpush.Options{OutputDir: r.out, Revision: "dev", Strategy: "checkpoint"}, l, nil)
	ctx := context.Background()
	c1 := checkpointFiles(1)
	if err := p.Saved(ctx, writeCheckpoint(t, r.out, 1, c1), 1, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Finish(ctx, ""); err != nil {
		t.Fatal(err)
	}
	checkTree(t, repoFiles(t, srv, p.RepoID(), "main"), map[string][]byte{"README.md": []byte("main\n")})
	checkTree(t, repoFiles(t, srv, p.RepoID(), "dev"), merge(r.files, withPrefix("last-checkpoint/", c1), map[string][]byte{
		"dev.txt": []byte("dev\n"), "config.json": c1["config.json"], "model.safetensors": c1["model.safetensors"], "tokenizer.json": c1["tokenizer.json"],
	}))
	if n := l.count("warning"); n != 0 {
		t.Errorf("%d warnings:\n%s", n, strings.Join(l.all(), "\n"))
	}
}

// TestFailureWarning: the warning of a failed background push says that the next push will
// try again only when another try can help.
func TestFailureWarning(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		want      []string
		retryable bool
	}{
		{name: "refused", status: 403, want: []string{"will not be retried", "write access"}},
		{name: "unavailable", status: 503, want: []string{"the next push will try again"}, retryable: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			l := newLogs(t)
			r := newRun(t, "warned")
			p := newPusher(t, srv, hubpush.Options{OutputDir: r.out, Retries: 1}, l, nil)
			srv.SetFault(hubtest.Fault{Listener: "hub", Method: http.MethodPost, Path: "/api/models/emu-user/warned/commit/main", Status: tt.status, Times: 1000})
			ctx := context.Background()
			if err := p.Saved(ctx, writeCheckpoint(t, r.out, 1, checkpointFiles(1)), 1, 0); err != nil {
				t.Fatal(err)
			}
			if err := p.Wait(ctx); err != nil {
				t.Fatal(err)
			}
			var warning string
			for _, line := range l.all() {
				if strings.HasPrefix(line, "warning:") {
					if warning != "" {
						t.Errorf("a second warning: %s", line)
					}
					warning = line
				}
			}
			for _, s := range tt.want {
				if !strings.Contains(warning, s) {
					t.Errorf("warning %q does not say %q", warning, s)
				}
			}
			if !tt.retryable && strings.Contains(warning, "try again") {
				t.Errorf("warning %q promises another try for a permanent error", warning)
			}
		})
	}
}

// TestAllCheckpointsBound: with all_checkpoints and a Hub that does not answer, the staging
// folder never holds more than the checkpoint being pushed and two waiting ones; each
// checkpoint dropped to keep that bound is named in a warning and never pushed.
func TestAllCheckpointsBound(t *testing.T) {
	srv := newServer(t)
	l := newLogs(t)
	g := newGate()
	defer g.open()
	r := newRun(t, "bounded")
	p := newPusher(t, srv, hubpush.Options{OutputDir: r.out, Strategy: "all_checkpoints"}, l, g)
	g.armed.Store(true)
	staging := filepath.Join(r.out, hubpush.StagingDir)

	// A watcher counts the checkpoint snapshots in staging the whole time.
	var most atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			n := int64(0)
			jobs, _ := os.ReadDir(staging)
			for _, j := range jobs {
				if _, err := os.Stat(filepath.Join(staging, j.Name(), "checkpoint")); err == nil {
					n++
				}
			}
			if n > most.Load() {
				most.Store(n)
			}
			select {
			case <-stop:
				return
			default:
				time.Sleep(100 * time.Microsecond)
			}
		}
	}()

	ctx := context.Background()
	const saves = 7
	for step := 1; step <= saves; step++ {
		dir := writeCheckpoint(t, r.out, step, checkpointFiles(uint64(step)))
		if err := p.Saved(ctx, dir, step, 0); err != nil {
			t.Fatal(err)
		}
		if step == 1 {
			g.waitEntered(t) // step 1 is uploading, held
		}
		if got := stagedCheckpoints(t, staging); len(got) > 3 {
			t.Errorf("after step %d, staging holds %d checkpoint snapshots %v, want at most 3 (1 uploading, 2 waiting)", step, len(got), got)
		}
		if step >= 3 {
			if err := os.RemoveAll(filepath.Join(r.out, fmt.Sprintf("checkpoint-%d", step-2))); err != nil {
				t.Fatal(err) // save_total_limit 2
			}
		}
	}
	close(stop)
	wg.Wait()
	if n := most.Load(); n > 3 {
		t.Errorf("staging held %d checkpoint snapshots at once, want at most 3", n)
	}
	if got := stagedCheckpoints(t, staging); strings.Join(got, " ") != "1 6 7" {
		t.Errorf("staging holds the checkpoints of jobs %v, want 1 6 7", got)
	}
	for step := 2; step <= 5; step++ {
		if n := l.count(fmt.Sprintf("warning: hub: checkpoint-%d (step %d) will not be pushed", step, step)); n != 1 {
			t.Errorf("%d warnings that checkpoint-%d is dropped, want 1:\n%s", n, step, strings.Join(l.all(), "\n"))
		}
	}
	g.open()
	if err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	for step := 1; step <= saves; step++ {
		want := 0
		if step == 1 || step >= 6 {
			want = 1
		}
		if n := l.count(pushed(fmt.Sprintf("Training in progress, step %d, checkpoint", step))); n != want {
			t.Errorf("checkpoint-%d pushed %d times, want %d", step, n, want)
		}
	}
	if got := stagedCheckpoints(t, staging); len(got) != 0 {
		t.Errorf("staging not emptied: %v", got)
	}
}

// stagedCheckpoints lists the staging jobs that hold a checkpoint folder, sorted.
func stagedCheckpoints(t *testing.T, staging string) []string {
	var out []string
	for _, e := range stagedEntries(t, staging) {
		if job, ok := strings.CutSuffix(e, "/checkpoint"); ok {
			out = append(out, job)
		}
	}
	return out
}

// TestCloseDuringSaved: Close while Saved is snapshotting waits for it and leaves no
// staging folder behind; a Saved after Close creates nothing.
func TestCloseDuringSaved(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	// Many files make the snapshot slow enough for Close to land in the middle of it.
	ckpt := checkpointFiles(1)
	for i := range 300 {
		ckpt[fmt.Sprintf("extra/f%03d.bin", i)] = randBytes(uint64(i), 64)
	}
	for i := range 30 {
		out := filepath.Join(t.TempDir(), "racing")
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		l := newLogs(t)
		o := hubpush.Options{OutputDir: out, RepoID: "emu-user/racing", Strategy: "all_checkpoints",
			Client: newClient(t, srv, token, nil), Logf: l.Logf, Backoff: time.Millisecond}
		p, err := hubpush.New(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		dir := writeCheckpoint(t, out, 1, ckpt)
		staging := filepath.Join(out, hubpush.StagingDir)
		done := make(chan error, 1)
		go func() { done <- p.Saved(ctx, dir, 1, 0) }()
		if i%2 == 0 { // half the time, wait until the snapshot has begun
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
				if e, _ := os.ReadDir(staging); len(e) > 0 {
					break
				}
				runtime.Gosched()
			}
		}
		if err := p.Close(); err != nil {
			t.Fatalf("round %d: Close: %v", i, err)
		}
		savedErr := <-done
		if _, err := os.Stat(staging); !os.IsNotExist(err) {
			left, _ := os.ReadDir(staging)
			t.Errorf("round %d: staging folder left after Close (%v): %v", i, err, left)
		}
		if savedErr != nil && !errors.Is(savedErr, hubpush.ErrClosed) {
			t.Errorf("round %d: Saved racing Close: %v, want nil or ErrClosed", i, savedErr)
		}
		if t.Failed() {
			return
		}
		dir2 := writeCheckpoint(t, out, 2, checkpointFiles(2))
		if err := p.Saved(ctx, dir2, 2, 0); !errors.Is(err, hubpush.ErrClosed) {
			t.Fatalf("round %d: Saved after Close: %v, want ErrClosed", i, err)
		}
		if _, err := os.Stat(staging); !os.IsNotExist(err) {
			t.Fatalf("round %d: Saved after Close made the staging folder: %v", i, err)
		}
	}
}
