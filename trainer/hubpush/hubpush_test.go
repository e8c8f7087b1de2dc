package hubpush_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hftrain/hftrain/hub"
	"github.com/hftrain/hftrain/hub/hubtest"
	"github.com/hftrain/hftrain/trainer/hubpush"
)

// run is a training output folder with the files a run leaves beside its checkpoints.
type run struct {
	out   string
	files map[string][]byte // the files of out that a push of out uploads
}

func newRun(t *testing.T, name string) *run {
	r := &run{out: filepath.Join(t.TempDir(), name), files: map[string][]byte{
		"README.md":         []byte("# tiny run\n"),
		"trainer_log.jsonl": []byte("{\"step\": 1}\n"),
		"runs/events.out":   []byte("tensorboard\n"),
	}}
	if err := os.MkdirAll(r.out, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, r.out, r.files)
	// Never pushed: "_*" names, and a local last-checkpoint.
	writeFiles(t, r.out, map[string][]byte{"_scratch.txt": []byte("x"), "last-checkpoint/stale.txt": []byte("old")})
	return r
}

func newPusher(t *testing.T, srv *hubtest.Server, o hubpush.Options, l *logs, rt http.RoundTripper) *hubpush.Pusher {
	t.Helper()
	o.Client = newClient(t, srv, token, rt)
	o.Logf = l.Logf
	o.Backoff = time.Millisecond
	p, err := hubpush.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return p
}

func TestStrategies(t *testing.T) {
	tests := []struct {
		strategy string
		ckpts    func(c1, c2 map[string][]byte) map[string][]byte // checkpoint folders in the repo
		messages []string                                         // commit messages pushed
	}{
		{strategy: "end", ckpts: func(_, _ map[string][]byte) map[string][]byte { return nil }},
		{strategy: "every_save", ckpts: func(_, _ map[string][]byte) map[string][]byte { return nil },
			messages: []string{"Training in progress, step 1", "Training in progress, step 2"}},
		{strategy: "checkpoint", ckpts: func(_, c2 map[string][]byte) map[string][]byte { return withPrefix("last-checkpoint/", c2) },
			messages: []string{"Training in progress, step 1", "Training in progress, step 2",
				"Training in progress, step 1, checkpoint", "Training in progress, step 2, checkpoint"}},
		{strategy: "all_checkpoints", ckpts: func(c1, c2 map[string][]byte) map[string][]byte {
			return merge(withPrefix("checkpoint-1/", c1), withPrefix("checkpoint-2/", c2))
		}, messages: []string{"Training in progress, step 1", "Training in progress, step 2",
			"Training in progress, step 1, checkpoint", "Training in progress, step 2, checkpoint"}},
	}
	for _, tt := range tests {
		t.Run(tt.strategy, func(t *testing.T) {
			srv := newServer(t)
			l := newLogs(t)
			r := newRun(t, "tiny-run")
			p := newPusher(t, srv, hubpush.Options{OutputDir: r.out, Strategy: tt.strategy}, l, nil)
			if p.RepoID() != "emu-user/tiny-run" || p.URL() != srv.URL+"/emu-user/tiny-run" {
				t.Fatalf("repo %q at %q, want emu-user/tiny-run at %s/emu-user/tiny-run", p.RepoID(), p.URL(), srv.URL)
			}
			ctx := context.Background()
			c1, c2 := checkpointFiles(1), checkpointFiles(2)
			for step, files := range []map[string][]byte{c1, c2} {
				dir := writeCheckpoint(t, r.out, step+1, files)
				if err := p.Saved(ctx, dir, step+1, float64(step+1)/2); err != nil {
					t.Fatal(err)
				}
				if err := p.Wait(ctx); err != nil { // each push in turn: none superseded
					t.Fatal(err)
				}
			}
			// The end of training: the final model and one more log line.
			final := map[string][]byte{"config.json": []byte("{\"final\": true}\n"), "model.safetensors": randBytes(99, 3000)}
			writeFiles(t, r.out, final)
			r.files["trainer_log.jsonl"] = append(r.files["trainer_log.jsonl"], "{\"step\": 2}\n"...)
			writeFiles(t, r.out, map[string][]byte{"trainer_log.jsonl": r.files["trainer_log.jsonl"]})
			commit, err := p.Finish(ctx, "")
			noToken(t, err)
			if err != nil {
				t.Fatal(err)
			}
			if len(commit) != 40 {
				t.Errorf("Finish commit %q", commit)
			}
			root := merge(r.files, final)
			if tt.strategy != "end" {
				root["tokenizer.json"] = c2["tokenizer.json"] // copied in from the last checkpoint
			}
			checkTree(t, repoFiles(t, srv, p.RepoID(), "main"), merge(root, tt.ckpts(c1, c2)))
			for _, m := range append(tt.messages, "End of training") {
				if l.count(pushed(m)) != 1 {
					t.Errorf("%q pushed %d times, want once; log:\n%s", m, l.count(pushed(m)), strings.Join(l.all(), "\n"))
				}
			}
			if tt.strategy == "end" && l.count("Training in progress") != 0 {
				t.Errorf("hub_strategy end pushed during training:\n%s", strings.Join(l.all(), "\n"))
			}
			// output_dir got the last checkpoint's modeling files, linked or copied.
			if tt.strategy != "end" {
				if b, _ := os.ReadFile(filepath.Join(r.out, "tokenizer.json")); string(b) != string(c2["tokenizer.json"]) {
					t.Errorf("output_dir/tokenizer.json is not the last checkpoint's")
				}
			}
			left, _ := os.ReadDir(filepath.Join(r.out, hubpush.StagingDir))
			if len(left) != 0 {
				t.Errorf("staging not emptied after Finish: %v", left)
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(r.out, hubpush.StagingDir)); !os.IsNotExist(err) {
				t.Errorf("staging folder left after Close: %v", err)
			}
		})
	}
}

// TestSavedDoesNotWait: with a Hub that does not answer, Saved returns at once; the
// checkpoint folder is then rotated away and checkpoint-2 saved again with other content,
// and what reaches the Hub is still, byte for byte, what each checkpoint held when Saved
// was called.
func TestSavedDoesNotWait(t *testing.T) {
	srv := newServer(t)
	l := newLogs(t)
	g := newGate()
	defer g.open()
	r := newRun(t, "rotate")
	p := newPusher(t, srv, hubpush.Options{OutputDir: r.out, Strategy: "all_checkpoints", RepoID: "rotated"}, l, g)
	if p.RepoID() != "emu-user/rotated" {
		t.Fatalf("repo %q", p.RepoID())
	}
	g.armed.Store(true)
	ctx := context.Background()
	saved := func(step int, files map[string][]byte) string {
		dir := writeCheckpoint(t, r.out, step, files)
		done := make(chan error, 1)
		start := time.Now()
		go func() { done <- p.Saved(ctx, dir, step, 0) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("Saved(step %d) waited for a Hub that does not answer", step)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Saved took %v", d)
		}
		return dir
	}
	c1, c2 := checkpointFiles(1), checkpointFiles(2)
	dir1 := saved(1, c1)
	g.waitEntered(t) // the push of step 1 is under way, held by the Hub
	if err := os.RemoveAll(dir1); err != nil {
		t.Fatal(err) // rotation
	}
	saved(2, c2)
	writeCheckpoint(t, r.out, 2, checkpointFiles(3)) // a later save replacing checkpoint-2
	writeFiles(t, r.out, map[string][]byte{"model.safetensors": randBytes(77, 3000)})
	g.open()
	if err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	got := repoFiles(t, srv, p.RepoID(), "main")
	checkTree(t, got, merge(r.files, withPrefix("checkpoint-1/", c1), withPrefix("checkpoint-2/", c2), map[string][]byte{
		"config.json": c2["config.json"], "model.safetensors": c2["model.safetensors"], "tokenizer.json": c2["tokenizer.json"],
	}))
	if n := l.count("warning"); n != 0 {
		t.Errorf("%d warnings:\n%s", n, strings.Join(l.all(), "\n"))
	}
}

// TestNewestWins: while a push is held, three more saves come; only the newest push of
// output_dir is kept, and all_checkpoints still pushes the checkpoint folders that the
// bound on waiting checkpoints keeps (see TestAllCheckpointsBound).
func TestNewestWins(t *testing.T) {
	tests := []struct {
		strategy  string
		staged    []string // staging entries while step 1 is held and 2..4 were saved
		pushed    []string
		notPushed []string
	}{
		{
			strategy:  "every_save",
			staged:    []string{"1", "1/root", "4", "4/root"},
			pushed:    []string{"Training in progress, step 1", "Training in progress, step 4"},
			notPushed: []string{"Training in progress, step 2", "Training in progress, step 3"},
		},
		{
			// At most two checkpoints wait behind the one uploading: step 2's is dropped.
			strategy: "all_checkpoints",
			staged:   []string{"1", "1/checkpoint", "1/root", "3", "3/checkpoint", "4", "4/checkpoint", "4/root"},
			pushed: []string{"Training in progress, step 1", "Training in progress, step 4", "Training in progress, step 1, checkpoint",
				"Training in progress, step 3, checkpoint", "Training in progress, step 4, checkpoint"},
			notPushed: []string{"Training in progress, step 2", "Training in progress, step 3", "Training in progress, step 2, checkpoint"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.strategy, func(t *testing.T) {
			srv := newServer(t)
			l := newLogs(t)
			g := newGate()
			defer g.open()
			r := newRun(t, "coalesce")
			p := newPusher(t, srv, hubpush.Options{OutputDir: r.out, Strategy: tt.strategy}, l, g)
			g.armed.Store(true)
			ctx := context.Background()
			for step := 1; step <= 4; step++ {
				dir := writeCheckpoint(t, r.out, step, checkpointFiles(uint64(step)))
				if err := p.Saved(ctx, dir, step, 0); err != nil {
					t.Fatal(err)
				}
				if step == 1 {
					g.waitEntered(t)
				}
			}
			if got := stagedEntries(t, filepath.Join(r.out, hubpush.StagingDir)); strings.Join(got, " ") != strings.Join(tt.staged, " ") {
				t.Errorf("staging holds %v, want %v", got, tt.staged)
			}
			srv.ResetRequests()
			g.open()
			if err := p.Wait(ctx); err != nil {
				t.Fatal(err)
			}
			for _, m := range tt.pushed {
				if l.count(pushed(m)) != 1 {
					t.Errorf("%q pushed %d times, want once", m, l.count(pushed(m)))
				}
			}
			for _, m := range tt.notPushed {
				if l.count(pushed(m)) != 0 {
					t.Errorf("%q pushed, but a newer save superseded it", m)
				}
			}
			if want := len(tt.pushed); commitRequests(srv)[200] != want {
				t.Errorf("commits %v, want %d", commitRequests(srv), want)
			}
			if got := stagedEntries(t, filepath.Join(r.out, hubpush.StagingDir)); len(got) != 0 {
				t.Errorf("staging not emptied: %v", got)
			}
		})
	}
}

// stagedEntries lists the staging folder two levels deep, sorted.
func stagedEntries(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	top, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range top {
		out = append(out, e.Name())
		sub, _ := os.ReadDir(filepath.Join(dir, e.Name()))
		for _, s := range sub {
			out = append(out, e.Name()+"/"+s.Name())
		}
	}
	sort.Strings(out)
	return out
}

func TestRetries(t *testing.T) {
	srv := newServer(t)
	l := newLogs(t)
	r := newRun(t, "flaky")
	p := newPusher(t, srv, hubpush.Options{OutputDir: r.out, Retries: 3}, l, nil)
	// Two 503s on the commit (the client never retries a commit itself) and one on the
	// preupload (the client retries that one).
	srv.SetFault(hubtest.Fault{Listener: "hub", Method: http.MethodPost, Path: "/api/models/emu-user/flaky/commit/main", Status: 503, Times: 2})
	srv.SetFault(hubtest.Fault{Listener: "hub", Method: http.MethodPost, Path: "/api/models/emu-user/flaky/preupload/main", Status: 503})
	ctx := context.Background()
	c1 := checkpointFiles(1)
	if err := p.Saved(ctx, writeCheckpoint(t, r.out, 1, c1), 1, 0); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if got := commitRequests(srv); got[503] != 2 || got[200] != 1 {
		t.Errorf("commit answers %v, want two 503 then one 200", got)
	}
	if l.count("retrying") != 2 || l.count(pushed("Training in progress, step 1")) != 1 || l.count("warning") != 0 {
		t.Errorf("log:\n%s", strings.Join(l.all(), "\n"))
	}
	checkTree(t, repoFiles(t, srv, p.RepoID(), "main"), merge(r.files, map[string][]byte{
		"config.json": c1["config.json"], "model.safetensors": c1["model.safetensors"], "tokenizer.json": c1["tokenizer.json"],
	}))
}

// TestHubDown: every commit fails. Training sees no error, only a warning; Finish returns
// a *PushError after its retries, the folder is intact, and nothing panics.
func TestHubDown(t *testing.T) {
	srv := newServer(t)
	l := newLogs(t)
	r := newRun(t, "down")
	p := newPusher(t, srv, hubpush.Options{OutputDir: r.out, Strategy: "checkpoint", Retries: 2}, l, nil)
	srv.SetFault(hubtest.Fault{Listener: "hub", Method: http.MethodPost, Path: "/api/models/emu-user/down/commit/main", Status: 503, Times: 1000})
	ctx := context.Background()
	if err := p.Saved(ctx, writeCheckpoint(t, r.out, 1, checkpointFiles(1)), 1, 0); err != nil {
		t.Fatalf("Saved failed because of the Hub: %v", err)
	}
	if err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if n := l.count("warning"); n != 2 {
		t.Errorf("%d warnings, want 2 (output_dir and last-checkpoint):\n%s", n, strings.Join(l.all(), "\n"))
	}
	_, err := p.Finish(ctx, "")
	noToken(t, err)
	var pe *hubpush.PushError
	if !errors.As(err, &pe) || !errors.Is(err, hub.ErrHTTP) {
		t.Fatalf("Finish: %v, want a *PushError wrapping hub.ErrHTTP", err)
	}
	if pe.Attempts != 3 || pe.RepoID != "emu-user/down" || pe.Dir != r.out {
		t.Errorf("PushError %+v", pe)
	}
	if h := pe.Hint(); !strings.Contains(h, "hftrain push "+r.out+" --repo-id emu-user/down") {
		t.Errorf("hint %q", h)
	}
	// 3 attempts for output_dir, 3 for last-checkpoint, 3 for the final push.
	if got := commitRequests(srv); got[503] != 9 || len(got) != 1 {
		t.Errorf("commit answers %v, want nine 503", got)
	}
	// The hint's command (hftrain push is UploadFolder with the excludes) pushes what the
	// final push would have.
	_, cmd, _ := strings.Cut(pe.Hint(), "hftrain push ")
	args := strings.Fields(cmd)
	var excludes []string
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "--exclude" {
			excludes = append(excludes, strings.Trim(args[i+1], "'"))
		}
	}
	srv.ClearFaults()
	commit, err := newClient(t, srv, token, nil).UploadFolder(ctx, "model", pe.RepoID, "", args[0], "by hand", nil, excludes)
	if err != nil {
		t.Fatal(err)
	}
	c1 := checkpointFiles(1)
	checkTree(t, repoFiles(t, srv, pe.RepoID, commit), merge(r.files, map[string][]byte{
		"config.json": c1["config.json"], "model.safetensors": c1["model.safetensors"], "tokenizer.json": c1["tokenizer.json"],
	}))
	for name, want := range r.files {
		if b, err := os.ReadFile(filepath.Join(r.out, name)); err != nil || string(b) != string(want) {
			t.Errorf("%s changed or gone after the failed push: %v", name, err)
		}
	}
}

// TestNotRetried: a refused token is not retried.
func TestNotRetried(t *testing.T) {
	srv := newServer(t)
	l := newLogs(t)
	r := newRun(t, "refused")
	p := newPusher(t, srv, hubpush.Options{OutputDir: r.out, RepoID: "emu-user/refused", Strategy: "end", Retries: 3}, l, nil)
	srv.SetFault(hubtest.Fault{Listener: "hub", Method: http.MethodPost, Path: "/api/models/emu-user/refused/commit/main", Status: 403, Times: 1000})
	_, err := p.Finish(context.Background(), "done")
	noToken(t, err)
	var pe *hubpush.PushError
	if !errors.As(err, &pe) || pe.Attempts != 1 || !errors.Is(err, hub.ErrUnauthorized) {
		t.Fatalf("Finish: %v, want one attempt refused as unauthorized", err)
	}
}

func TestNew(t *testing.T) {
	srv := newServer(t)
	srv.AddToken("hf_readonly")
	ctx := context.Background()
	tests := []struct {
		name    string
		o       hubpush.Options
		tok     string
		wantID  string
		wantErr string
		private bool
	}{
		{name: "default is output_dir's name", o: hubpush.Options{}, wantID: "emu-user/out-dir"},
		{name: "name only", o: hubpush.Options{RepoID: "named"}, wantID: "emu-user/named"},
		{name: "full id", o: hubpush.Options{RepoID: "emu-user/full", Private: true}, wantID: "emu-user/full", private: true},
		{name: "exists", o: hubpush.Options{RepoID: "emu-user/full"}, wantID: "emu-user/full", private: true}, // stays private
		{name: "bad strategy", o: hubpush.Options{Strategy: "sometimes"}, wantErr: "hub_strategy \"sometimes\""},
		{name: "bad token", o: hubpush.Options{}, tok: "hf_unknown", wantErr: "namespace"},
		{name: "read-only token", o: hubpush.Options{RepoID: "emu-user/ro"}, tok: "hf_readonly", wantErr: "create emu-user/ro"},
		{name: "bad id", o: hubpush.Options{RepoID: "a/b/c"}, wantErr: "invalid repo id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out-dir")
			stale := filepath.Join(out, hubpush.StagingDir, "7", "root", "x.bin")
			writeFiles(t, filepath.Dir(stale), map[string][]byte{"x.bin": []byte("left by a killed run")})
			tok := tt.tok
			if tok == "" {
				tok = token
			}
			o := tt.o
			o.Client, o.OutputDir = newClient(t, srv, tok, nil), out
			p, err := hubpush.New(ctx, o)
			noToken(t, err)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New: %v, want an error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if p.RepoID() != tt.wantID || p.URL() != srv.URL+"/"+tt.wantID {
				t.Errorf("repo %q at %q, want %q", p.RepoID(), p.URL(), tt.wantID)
			}
			if _, err := os.Stat(stale); !os.IsNotExist(err) {
				t.Errorf("stale staging file not removed: %v", err)
			}
			_, err = newClient(t, srv, "", nil).Snapshot(ctx, "model", tt.wantID, "main", nil)
			if hidden := errors.Is(err, hub.ErrRepoNotFound) || errors.Is(err, hub.ErrUnauthorized); hidden != tt.private {
				t.Errorf("anonymous read of %s: %v; want private=%v", tt.wantID, err, tt.private)
			}
		})
	}
}

// TestClose: Close during a held push stops it without a warning; the pusher then refuses
// further use.
func TestClose(t *testing.T) {
	srv := newServer(t)
	l := newLogs(t)
	g := newGate()
	defer g.open()
	r := newRun(t, "closing")
	o := hubpush.Options{OutputDir: r.out, Client: newClient(t, srv, token, g), Logf: l.Logf, Backoff: time.Millisecond}
	p, err := hubpush.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	g.armed.Store(true)
	ctx := context.Background()
	if err := p.Saved(ctx, writeCheckpoint(t, r.out, 1, checkpointFiles(1)), 1, 0); err != nil {
		t.Fatal(err)
	}
	g.waitEntered(t)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if l.count("warning") != 0 || l.count("was stopped") != 1 {
		t.Errorf("log:\n%s", strings.Join(l.all(), "\n"))
	}
	if err := p.Saved(ctx, filepath.Join(r.out, "checkpoint-1"), 1, 0); !errors.Is(err, hubpush.ErrClosed) {
		t.Errorf("Saved after Close: %v", err)
	}
	if _, err := p.Finish(ctx, ""); !errors.Is(err, hubpush.ErrClosed) {
		t.Errorf("Finish after Close: %v", err)
	}
	if _, err := os.Stat(filepath.Join(r.out, hubpush.StagingDir)); !os.IsNotExist(err) {
		t.Errorf("staging left: %v", err)
	}
}

// TestFinishSupersedes: Finish drops a queued push of output_dir (the final push carries
// newer files) but still pushes the queued checkpoint folder, after the push in flight.
func TestFinishSupersedes(t *testing.T) {
	srv := newServer(t)
	l := newLogs(t)
	g := newGate()
	defer g.open()
	r := newRun(t, "finishing")
	p := newPusher(t, srv, hubpush.Options{OutputDir: r.out, Strategy: "checkpoint"}, l, g)
	g.armed.Store(true)
	ctx := context.Background()
	c2 := checkpointFiles(2)
	for step, files := range []map[string][]byte{checkpointFiles(1), c2} {
		if err := p.Saved(ctx, writeCheckpoint(t, r.out, step+1, files), step+1, 0); err != nil {
			t.Fatal(err)
		}
		if step == 0 {
			g.waitEntered(t)
		}
	}
	type result struct {
		commit string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		c, err := p.Finish(ctx, "")
		done <- result{c, err}
	}()
	for deadline := time.Now().Add(10 * time.Second); l.count("waiting for the current checkpoint push") == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("Finish did not start waiting")
		}
	}
	if err := p.Saved(ctx, filepath.Join(r.out, "checkpoint-2"), 3, 0); !errors.Is(err, hubpush.ErrClosed) {
		t.Errorf("Saved during Finish: %v, want ErrClosed", err)
	}
	g.open()
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	for m, want := range map[string]int{
		"Training in progress, step 1": 1, "Training in progress, step 1, checkpoint": 1,
		"Training in progress, step 2": 0, "Training in progress, step 2, checkpoint": 1, "End of training": 1,
	} {
		if got := l.count(pushed(m)); got != want {
			t.Errorf("%q pushed %d times, want %d", m, got, want)
		}
	}
	got := repoFiles(t, srv, p.RepoID(), res.commit)
	checkTree(t, got, merge(r.files, withPrefix("last-checkpoint/", c2), map[string][]byte{
		"config.json": c2["config.json"], "model.safetensors": c2["model.safetensors"], "tokenizer.json": c2["tokenizer.json"],
	}))
}

// TestShardedByEpoch: a sharded checkpoint's index and every shard it names reach the
// repository root; with save_strategy epoch the message names the epoch.
func TestShardedByEpoch(t *testing.T) {
	srv := newServer(t)
	l := newLogs(t)
	r := newRun(t, "sharded")
	p := newPusher(t, srv, hubpush.Options{OutputDir: r.out, SaveByEpoch: true}, l, nil)
	ckpt := map[string][]byte{
		"config.json": []byte("{}\n"),
		"model.safetensors.index.json": []byte(`{"metadata": {"total_size": 6000}, "weight_map": {` +
			`"a.weight": "model-00001-of-00002.safetensors", "b.weight": "model-00002-of-00002.safetensors"}}`),
		"model-00001-of-00002.safetensors": randBytes(5, 3000),
		"model-00002-of-00002.safetensors": randBytes(6, 3000),
		"scheduler.pt":                     []byte("s"),
	}
	ctx := context.Background()
	if err := p.Saved(ctx, writeCheckpoint(t, r.out, 40, ckpt), 40, 2.0); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if l.count(pushed("Training in progress, epoch 2")) != 1 {
		t.Errorf("log:\n%s", strings.Join(l.all(), "\n"))
	}
	want := merge(r.files, ckpt)
	delete(want, "scheduler.pt") // not a modeling file: only in the checkpoint
	checkTree(t, repoFiles(t, srv, p.RepoID(), "main"), want)
}
