package hubpush_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hftrain/hftrain/hub"
	"github.com/hftrain/hftrain/hub/hubtest"
	"github.com/hftrain/hftrain/trainer/hubpush"
)

// token is the write token; no log line or error may contain it.
const token = "hf_pushTESTtoken_0123456789"

func newServer(t *testing.T) *hubtest.Server {
	t.Helper()
	srv := hubtest.New(t)
	srv.AddWriteToken(token, "emu-user")
	srv.SetLFSThreshold(1024)
	srv.SetMultipartChunkSize(64 << 10)
	return srv
}

// newClient is a writing client; rt, when not nil, carries its requests.
func newClient(t *testing.T, srv *hubtest.Server, tok string, rt http.RoundTripper) *hub.Client {
	o := hub.Options{Endpoint: srv.URL, Token: tok, CacheDir: t.TempDir(), Backoff: time.Millisecond}
	if rt != nil {
		o.HTTPClient = &http.Client{Transport: rt}
	}
	return hub.New(o)
}

// logs captures Logf output and fails the test if the token ever shows up in it.
type logs struct {
	mu    sync.Mutex
	lines []string
}

func newLogs(t *testing.T) *logs {
	l := &logs{}
	t.Cleanup(func() {
		for _, line := range l.all() {
			if strings.Contains(line, token) {
				t.Errorf("token in a log line: %s", line)
			}
		}
	})
	return l
}

func (l *logs) Logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logs) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// count returns how many lines contain s.
func (l *logs) count(s string) int {
	n := 0
	for _, line := range l.all() {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

// pushed is the log fragment of a successful push of message.
func pushed(message string) string { return fmt.Sprintf("pushed %q to ", message) }

// gate holds every request while armed, until released: a Hub that does not answer.
type gate struct {
	armed   atomic.Bool
	release chan struct{}
	entered chan string // the path of each request that was held
	once    sync.Once
}

func newGate() *gate { return &gate{release: make(chan struct{}), entered: make(chan string, 100)} }

func (g *gate) RoundTrip(r *http.Request) (*http.Response, error) {
	if g.armed.Load() {
		select {
		case g.entered <- r.URL.Path:
		default:
		}
		select {
		case <-g.release:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (g *gate) open() { g.once.Do(func() { close(g.release) }) }

// waitEntered waits until a request is held by the gate.
func (g *gate) waitEntered(t *testing.T) {
	t.Helper()
	select {
	case <-g.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("no push reached the Hub")
	}
}

func randBytes(seed uint64, n int) []byte {
	rng := rand.New(rand.NewPCG(seed, 3))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// checkpointFiles is the content of a checkpoint folder made from seed.
func checkpointFiles(seed uint64) map[string][]byte {
	return map[string][]byte{
		"config.json":        fmt.Appendf(nil, "{\"seed\": %d}\n", seed),
		"model.safetensors":  randBytes(seed, 3000), // LFS at the test threshold
		"optimizer.pt":       randBytes(seed+100, 2000),
		"trainer_state.json": fmt.Appendf(nil, "{\"global_step\": %d}\n", seed),
		"tokenizer.json":     fmt.Appendf(nil, "{\"version\": \"1.0\", \"seed\": %d}\n", seed),
		"rng/rng_state.pth":  randBytes(seed+200, 40),
	}
}

// writeCheckpoint writes out/checkpoint-<step> as trainer/checkpoint does: a temporary
// folder renamed into place, an existing one moved aside and removed.
func writeCheckpoint(t *testing.T, out string, step int, files map[string][]byte) string {
	t.Helper()
	tmp, err := os.MkdirTemp(out, fmt.Sprintf(".tmp-checkpoint-%d-", step))
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, tmp, files)
	final := filepath.Join(out, fmt.Sprintf("checkpoint-%d", step))
	if _, err := os.Stat(final); err == nil {
		if err := os.Rename(final, tmp+"-old"); err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(tmp + "-old")
	}
	if err := os.Rename(tmp, final); err != nil {
		t.Fatal(err)
	}
	return final
}

// writeFiles writes each file under dir through a temporary name and a rename, as the
// model and checkpoint writers do.
func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p+".tmp", b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(p+".tmp", p); err != nil {
			t.Fatal(err)
		}
	}
}

// repoFiles downloads the repository at revision with a fresh client and returns its
// files ("/"-separated path -> content).
func repoFiles(t *testing.T, srv *hubtest.Server, repoID, revision string) map[string][]byte {
	t.Helper()
	c := newClient(t, srv, token, nil)
	dir, err := c.Snapshot(context.Background(), "model", repoID, revision, nil)
	if err != nil {
		t.Fatalf("snapshot %s@%s: %v", repoID, revision, err)
	}
	out := map[string][]byte{}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkTree compares a repository's files with want, naming every difference.
func checkTree(t *testing.T, got, want map[string][]byte) {
	t.Helper()
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s missing from the repo", name)
		case string(g) != string(w):
			t.Errorf("%s: the repo's %d bytes differ from the expected %d", name, len(g), len(w))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s is in the repo but should not be", name)
		}
	}
}

// withPrefix returns files with each path under prefix.
func withPrefix(prefix string, files map[string][]byte) map[string][]byte {
	out := map[string][]byte{}
	for k, v := range files {
		out[prefix+k] = v
	}
	return out
}

func merge(ms ...map[string][]byte) map[string][]byte {
	out := map[string][]byte{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// commitRequests counts the commit calls the server answered with each status.
func commitRequests(srv *hubtest.Server) map[int]int {
	out := map[int]int{}
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && strings.Contains(r.Path, "/commit/") {
			out[r.Status]++
		}
	}
	return out
}

// noToken fails the test if err's text holds the token.
func noToken(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), token) {
		t.Errorf("token in an error: %v", err)
	}
	var pe *hubpush.PushError
	if errors.As(err, &pe) && strings.Contains(pe.Hint(), token) {
		t.Errorf("token in a hint: %s", pe.Hint())
	}
}
