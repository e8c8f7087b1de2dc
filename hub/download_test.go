package hub

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hftrain/hftrain/hub/hubtest"
)

const testToken = "hf_test_reader"

// fixture is a hubtest server with emu-org/tiny-model: main has config.json, README.md and two
// LFS files; tag v1.0 is the first commit.
type fixture struct {
	srv              *hubtest.Server
	first, second    string // commits
	cfg1, cfg2, safe []byte
	onnx             []byte
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv := hubtest.New(t)
	srv.SetLFSThreshold(1024)
	srv.AddToken(testToken)
	srv.AddRepo("model", "emu-org/tiny-model", hubtest.RepoOptions{})
	rng := rand.New(rand.NewPCG(1, 2))
	f := &fixture{srv: srv, cfg1: []byte(`{"model_type":"gpt2","n_layer":1}` + "\n"), cfg2: []byte(`{"model_type":"gpt2","n_layer":2}` + "\n")}
	f.safe = make([]byte, 65536)
	f.onnx = make([]byte, 3000)
	for i := range f.safe {
		f.safe[i] = byte(rng.Uint32())
	}
	for i := range f.onnx {
		f.onnx[i] = byte(rng.Uint32())
	}
	f.first = srv.Commit("model", "emu-org/tiny-model", "main", "first", map[string][]byte{"config.json": f.cfg1})
	srv.Tag("model", "emu-org/tiny-model", "v1.0", f.first)
	f.second = srv.Commit("model", "emu-org/tiny-model", "main", "second", map[string][]byte{
		"config.json": f.cfg2, "README.md": []byte("# tiny\n"), "model.safetensors": f.safe, "onnx/model.onnx": f.onnx,
	})
	return f
}

func (f *fixture) client(t *testing.T, cache string) *Client {
	return New(Options{Endpoint: f.srv.URL, Token: testToken, CacheDir: cache, Backoff: 10 * time.Millisecond})
}

// gitBlobSHA1 is the git blob id of content, the ETag of a regular file.
func gitBlobSHA1(content []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(content))
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// checkCached verifies that p is snapshots/<commit>/<path>, a relative symlink to
// ../(../)blobs/<etag> holding want.
func checkCached(t *testing.T, cache, folder, commit, path, etag string, p string, want []byte) {
	t.Helper()
	wantPath := filepath.Join(cache, folder, "snapshots", commit, filepath.FromSlash(path))
	if p != wantPath {
		t.Fatalf("path %q, want %q", p, wantPath)
	}
	target, err := os.Readlink(p)
	wantTarget := strings.Repeat("../", strings.Count(path, "/")+2) + "blobs/" + etag
	if err != nil || target != wantTarget {
		t.Fatalf("%s: link %q (%v), want %q", path, target, err, wantTarget)
	}
	got, err := os.ReadFile(p)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%s: content differs (%d bytes, %v), want %d bytes", path, len(got), err, len(want))
	}
}

func TestDownloadRevisions(t *testing.T) {
	f := newFixture(t)
	cache := t.TempDir()
	c := f.client(t, cache)
	ctx := context.Background()
	folder := "models--emu-org--tiny-model"
	tests := []struct {
		rev, path, commit, etag string
		want                    []byte
	}{
		{"main", "config.json", f.second, gitBlobSHA1(f.cfg2), f.cfg2},
		{"", "README.md", f.second, gitBlobSHA1([]byte("# tiny\n")), []byte("# tiny\n")},
		{"v1.0", "config.json", f.first, gitBlobSHA1(f.cfg1), f.cfg1},
		{f.first, "config.json", f.first, gitBlobSHA1(f.cfg1), f.cfg1},
		{"main", "model.safetensors", f.second, sha256Hex(f.safe), f.safe},
		{f.second, "onnx/model.onnx", f.second, sha256Hex(f.onnx), f.onnx},
	}
	for _, tt := range tests {
		p, err := c.Download(ctx, "model", "emu-org/tiny-model", tt.rev, tt.path)
		if err != nil {
			t.Fatalf("%s@%s: %v", tt.path, tt.rev, err)
		}
		checkCached(t, cache, folder, tt.commit, tt.path, tt.etag, p, tt.want)
	}
	for rev, want := range map[string]string{"main": f.second, "v1.0": f.first} {
		if b, err := os.ReadFile(filepath.Join(cache, folder, "refs", rev)); err != nil || string(b) != want {
			t.Errorf("refs/%s = %q (%v), want %q", rev, b, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(cache, folder, "refs", f.first)); err == nil {
		t.Errorf("a ref was written for a commit revision")
	}
	lock := filepath.Join(cache, ".locks", folder, sha256Hex(f.safe)+".lock")
	if _, err := os.Stat(lock); err != nil {
		t.Errorf("lock file: %v", err)
	}
	for _, r := range settled(f.srv) {
		if r.Listener == "cdn" && r.HasAuth {
			t.Errorf("token sent to the CDN origin: %s %s", r.Method, r.Path)
		}
		if r.Listener == "hub" && !r.HasAuth {
			t.Errorf("no token on a Hub request: %s %s", r.Method, r.Path)
		}
	}
	// Cached now: a branch costs one HEAD, a commit nothing.
	settled(f.srv)
	f.srv.ResetRequests()
	if _, err := c.Download(ctx, "model", "emu-org/tiny-model", "main", "model.safetensors"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Download(ctx, "model", "emu-org/tiny-model", f.second, "config.json"); err != nil {
		t.Fatal(err)
	}
	if reqs := settled(f.srv); len(reqs) != 1 || reqs[0].Method != "HEAD" {
		t.Errorf("cached downloads sent %d requests (%v), want one HEAD", len(reqs), reqs)
	}
}

func TestDownloadErrors(t *testing.T) {
	f := newFixture(t)
	f.srv.AddRepo("model", "emu-org/private", hubtest.RepoOptions{Private: true, Token: "hf_owner"})
	f.srv.Commit("model", "emu-org/private", "main", "c", map[string][]byte{"config.json": []byte("{}")})
	f.srv.AddRepo("model", "emu-org/gated", hubtest.RepoOptions{Gated: true, Token: "hf_owner"})
	f.srv.Commit("model", "emu-org/gated", "main", "c", map[string][]byte{"config.json": []byte("{}")})
	tests := []struct {
		name, token, repo, rev, path string
		kind                         error
		status                       int
	}{
		{"missing repo", testToken, "emu-org/nope", "main", "config.json", ErrRepoNotFound, 404},
		{"missing repo no token", "", "emu-org/nope", "main", "config.json", ErrRepoNotFound, 401},
		{"private no token", "", "emu-org/private", "main", "config.json", ErrRepoNotFound, 401},
		{"private other token", testToken, "emu-org/private", "main", "config.json", ErrRepoNotFound, 404},
		{"gated no token", "", "emu-org/gated", "main", "config.json", ErrGated, 401},
		{"gated not granted", testToken, "emu-org/gated", "main", "config.json", ErrGated, 403},
		{"bad token", "hf_unknown", "emu-org/tiny-model", "main", "config.json", ErrUnauthorized, 401},
		{"missing revision", testToken, "emu-org/tiny-model", "no-such-branch", "config.json", ErrRevisionNotFound, 404},
		{"missing file", testToken, "emu-org/tiny-model", "main", "nope.json", ErrEntryNotFound, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cache := t.TempDir()
			c := New(Options{Endpoint: f.srv.URL, Token: tt.token, CacheDir: cache, Backoff: time.Millisecond})
			p, err := c.Download(context.Background(), "model", tt.repo, tt.rev, tt.path)
			var he *Error
			if !errors.As(err, &he) || !errors.Is(err, tt.kind) || he.Status != tt.status {
				t.Fatalf("got %q, %v; want %v with HTTP %d", p, err, tt.kind, tt.status)
			}
			for _, s := range []string{tt.repo, "@" + tt.rev, tt.path} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not name %q", err, s)
				}
			}
		})
	}
	// A missing file is remembered in .no_exist, and refs/main is written.
	cache := t.TempDir()
	c := f.client(t, cache)
	if _, err := c.Download(context.Background(), "model", "emu-org/tiny-model", "main", "sub/nope.json"); !errors.Is(err, ErrEntryNotFound) {
		t.Fatal(err)
	}
	dir := filepath.Join(cache, "models--emu-org--tiny-model")
	if _, err := os.Stat(filepath.Join(dir, ".no_exist", f.second, "sub", "nope.json")); err != nil {
		t.Errorf(".no_exist: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "refs", "main")); string(b) != f.second {
		t.Errorf("refs/main %q", b)
	}
	off := New(Options{Endpoint: f.srv.URL, CacheDir: cache, Offline: true, HTTPClient: noNetwork(t)})
	if _, err := off.Download(context.Background(), "model", "emu-org/tiny-model", "main", "sub/nope.json"); !errors.Is(err, ErrEntryNotFound) {
		t.Errorf("offline known-missing: %v", err)
	}
}

// TestDownloadResume drops the CDN connection mid-file: the client resumes with Range from
// the bytes it has; a server that then ignores the Range makes it start over.
func TestDownloadResume(t *testing.T) {
	for _, ignoreRange := range []bool{false, true} {
		t.Run(fmt.Sprintf("ignoreRange=%v", ignoreRange), func(t *testing.T) {
			f := newFixture(t)
			lfsPath := "/lfs/" + sha256Hex(f.safe)
			f.srv.SetFault(hubtest.Fault{Listener: "cdn", Method: "GET", Path: lfsPath, Drop: true, DropAfter: 20000})
			if ignoreRange {
				f.srv.SetFault(hubtest.Fault{Listener: "cdn", Method: "GET", Path: lfsPath, IgnoreRange: true})
			}
			cache := t.TempDir()
			c := f.client(t, cache)
			p, err := c.Download(context.Background(), "model", "emu-org/tiny-model", "main", "model.safetensors")
			if err != nil {
				t.Fatal(err)
			}
			checkCached(t, cache, "models--emu-org--tiny-model", f.second, "model.safetensors", sha256Hex(f.safe), p, f.safe)
			var gets []hubtest.Request
			for _, r := range settled(f.srv) {
				if r.Listener == "cdn" {
					gets = append(gets, r)
				}
			}
			if len(gets) != 2 || !gets[0].Dropped {
				t.Fatalf("CDN requests %+v, want a dropped GET then one more", gets)
			}
			if got := gets[1].Header.Get("Range"); got != "bytes=20000-" {
				t.Errorf("resume Range %q, want bytes=20000-", got)
			}
			wantStatus := 206
			if ignoreRange {
				wantStatus = 200
			}
			if gets[1].Status != wantStatus {
				t.Errorf("resume status %d, want %d", gets[1].Status, wantStatus)
			}
			leftovers, _ := filepath.Glob(filepath.Join(cache, "models--emu-org--tiny-model", "blobs", "*.incomplete"))
			if len(leftovers) != 0 {
				t.Errorf("incomplete files left: %v", leftovers)
			}
		})
	}
}

// TestDownloadRetries: 429 with Retry-After on the HEAD and 503 on the CDN are retried;
// a status that never clears is reported, and nothing partial is left in blobs/.
func TestDownloadRetries(t *testing.T) {
	f := newFixture(t)
	cache := t.TempDir()
	c := f.client(t, cache)
	f.srv.SetFault(hubtest.Fault{Listener: "hub", Method: "HEAD", Status: 429, RetryAfter: 1})
	f.srv.SetFault(hubtest.Fault{Listener: "cdn", Method: "GET", Status: 503, Times: 2})
	start := time.Now()
	p, err := c.Download(context.Background(), "model", "emu-org/tiny-model", "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("took %v: Retry-After: 1 not honoured", d)
	}
	checkCached(t, cache, "models--emu-org--tiny-model", f.second, "model.safetensors", sha256Hex(f.safe), p, f.safe)

	f.srv.SetFault(hubtest.Fault{Listener: "cdn", Method: "GET", Status: 503, Times: 100})
	_, err = c.Download(context.Background(), "model", "emu-org/tiny-model", "main", "onnx/model.onnx")
	var he *Error
	if !errors.As(err, &he) || !strings.Contains(err.Error(), "503") || he.Path != "onnx/model.onnx" {
		t.Fatalf("persistent 503: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(cache, "models--emu-org--tiny-model", "blobs"))
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".incomplete") || e.Name() == sha256Hex(f.onnx) {
			t.Errorf("left in blobs/: %s", e.Name())
		}
	}
}

// TestRedirectStripsToken follows the Hub's 302 to the CDN (another port on the same host)
// with the client that content GETs use: Authorization must not reach the CDN, which
// refuses it like a presigned URL does.
func TestRedirectStripsToken(t *testing.T) {
	f := newFixture(t)
	c := f.client(t, t.TempDir())
	r, _ := newRepoRef("model", "emu-org/tiny-model")
	ctx := context.Background()
	req, err := c.newRequest(ctx, "GET", c.fileURL(r, "main", "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if req.Header.Get("Authorization") == "" {
		t.Fatal("no token on the Hub request")
	}
	resp, err := c.follow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !bytes.Equal(body, f.safe) {
		t.Fatalf("content via redirect: %d bytes, %v", len(body), err)
	}
	if resp.StatusCode != 200 || resp.Request.URL.Host == req.URL.Host {
		t.Fatalf("status %d at %s, want 200 from the CDN", resp.StatusCode, resp.Request.URL)
	}
	reqs := settled(f.srv)
	if len(reqs) != 2 || !reqs[0].HasAuth || reqs[1].Listener != "cdn" || reqs[1].HasAuth {
		t.Fatalf("requests %+v: want the token on the Hub only", reqs)
	}
	// A token is never put on a request to another origin in the first place.
	cdnReq, err := c.newRequest(ctx, "GET", f.srv.CDNURL+"/lfs/x")
	if err != nil || cdnReq.Header.Get("Authorization") != "" {
		t.Fatalf("token on a CDN request: %v", err)
	}
}

func TestRenamedRepoAndParquetRef(t *testing.T) {
	f := newFixture(t)
	f.srv.AddRepo("model", "emu-org/old-name", hubtest.RepoOptions{})
	f.srv.Commit("model", "emu-org/old-name", "main", "c", map[string][]byte{"config.json": f.cfg2})
	f.srv.Rename("model", "emu-org/old-name", "emu-org/new-name")
	f.srv.AddRepo("dataset", "emu-org/tiny-dataset", hubtest.RepoOptions{})
	f.srv.Commit("dataset", "emu-org/tiny-dataset", "main", "c", map[string][]byte{"README.md": []byte("# ds\n")})
	pq := f.srv.Commit("dataset", "emu-org/tiny-dataset", "refs/convert/parquet", "convert", map[string][]byte{"default/train/0000.parquet": f.onnx})
	cache := t.TempDir()
	c := f.client(t, cache)
	ctx := context.Background()
	p, err := c.Download(ctx, "model", "emu-org/old-name", "main", "config.json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p, "models--emu-org--old-name") {
		t.Errorf("renamed repo cached at %s, want the requested id's folder", p)
	}
	p, err = c.Download(ctx, "dataset", "emu-org/tiny-dataset", "refs/convert/parquet", "default/train/0000.parquet")
	if err != nil {
		t.Fatal(err)
	}
	checkCached(t, cache, "datasets--emu-org--tiny-dataset", pq, "default/train/0000.parquet", sha256Hex(f.onnx), p, f.onnx)
	if b, _ := os.ReadFile(filepath.Join(cache, "datasets--emu-org--tiny-dataset", "refs", "refs", "convert", "parquet")); string(b) != pq {
		t.Errorf("refs/refs/convert/parquet = %q, want %q", b, pq)
	}
}

func TestSnapshotAllowPatternsThenOffline(t *testing.T) {
	f := newFixture(t)
	cache := t.TempDir()
	c := f.client(t, cache)
	ctx := context.Background()
	dir, err := c.Snapshot(ctx, "model", "emu-org/tiny-model", "main", []string{"*.json", "onnx/"})
	if err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(cache, "models--emu-org--tiny-model")
	if dir != filepath.Join(folder, "snapshots", f.second) {
		t.Fatalf("snapshot dir %s", dir)
	}
	var got []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return nil
	})
	if strings.Join(got, ",") != "config.json,onnx/model.onnx" {
		t.Errorf("snapshot files %v, want config.json and onnx/model.onnx", got)
	}
	off := New(Options{Endpoint: f.srv.URL, CacheDir: cache, Offline: true, HTTPClient: noNetwork(t)})
	if d, err := off.Snapshot(ctx, "model", "emu-org/tiny-model", "main", nil); err != nil || d != dir {
		t.Fatalf("offline snapshot %q, %v", d, err)
	}
	if p, err := off.Download(ctx, "model", "emu-org/tiny-model", "main", "onnx/model.onnx"); err != nil || p != filepath.Join(dir, "onnx", "model.onnx") {
		t.Fatalf("offline download %q, %v", p, err)
	}
	_, err = off.Download(ctx, "model", "emu-org/tiny-model", "main", "model.safetensors")
	if !errors.Is(err, ErrOffline) || !strings.Contains(err.Error(), filepath.Join(f.second, "model.safetensors")) {
		t.Fatalf("offline missing file: %v", err)
	}
	// The server going away falls back to the cache too.
	f.srv.Close()
	if p, err := c.Download(ctx, "model", "emu-org/tiny-model", "main", "config.json"); err != nil || p != filepath.Join(dir, "config.json") {
		t.Fatalf("fallback with the Hub down: %q, %v", p, err)
	}
}

// TestIntegrityCheck fetches real CDN content against metadata that promises other content
// (wrong sha256, wrong size): the download fails with ErrIntegrity and leaves nothing in blobs/.
func TestIntegrityCheck(t *testing.T) {
	f := newFixture(t)
	cache := t.TempDir()
	c := f.client(t, cache)
	r, _ := newRepoRef("model", "emu-org/tiny-model")
	rc := repoCache{root: cache, repo: r}
	ctx := context.Background()
	good, err := c.fileMetadata(ctx, r, "main", "model.safetensors", 0)
	if err != nil {
		t.Fatal(err)
	}
	if good.etag != sha256Hex(f.safe) || good.size != int64(len(f.safe)) || good.commit != f.second || !strings.HasPrefix(good.url, f.srv.CDNURL) {
		t.Fatalf("metadata %+v", good)
	}
	tests := []struct {
		name string
		mod  func(m *fileMeta)
	}{
		{"sha256", func(m *fileMeta) { m.etag = sha256Hex([]byte("other")) }},
		{"size short", func(m *fileMeta) { m.size-- }},
		{"size long", func(m *fileMeta) { m.size++ }},
	}
	for _, tt := range tests {
		m := *good
		tt.mod(&m)
		err := c.fetchBlob(ctx, rc, "main", "model.safetensors", &m)
		if !errors.Is(err, ErrIntegrity) {
			t.Errorf("%s: %v, want ErrIntegrity", tt.name, err)
		}
		entries, _ := os.ReadDir(filepath.Join(rc.dir(), "blobs"))
		if len(entries) != 0 {
			t.Errorf("%s: blobs/ holds %v", tt.name, entries)
		}
	}
}

// settled returns the server's request log once it has stopped growing: hubtest appends a
// request after its handler returns, which can be just after the client has its answer.
func settled(srv *hubtest.Server) []hubtest.Request {
	reqs := srv.Requests()
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		next := srv.Requests()
		if len(next) == len(reqs) {
			return next
		}
		reqs = next
	}
	return reqs
}
