package hub

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hftrain/hftrain/hub/hubtest"
)

const (
	writeToken = "hf_test_writer"
	readToken  = "hf_test_reader_only"
)

// newUploadServer is a hubtest server with a writer (user emu-user) and a read-only token,
// LFS from 1 KiB and multipart parts of 64 KiB.
func newUploadServer(t *testing.T) *hubtest.Server {
	t.Helper()
	srv := hubtest.New(t)
	srv.AddWriteToken(writeToken, "emu-user")
	srv.AddToken(readToken)
	srv.SetLFSThreshold(1024)
	srv.SetMultipartChunkSize(64 << 10)
	return srv
}

func uploadClient(t *testing.T, srv *hubtest.Server, token string) *Client {
	return New(Options{Endpoint: srv.URL, Token: token, CacheDir: t.TempDir(), Backoff: time.Millisecond})
}

func randBytes(seed uint64, n int) []byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func TestCreateRepo(t *testing.T) {
	srv := newUploadServer(t)
	ctx := context.Background()
	w := uploadClient(t, srv, writeToken)
	tests := []struct {
		name     string
		c        *Client
		typ, id  string
		private  bool
		existOK  bool
		wantURL  string
		wantKind error
		status   int
	}{
		{name: "model", c: w, typ: "model", id: "emu-user/m", wantURL: srv.URL + "/emu-user/m"},
		{name: "exists", c: w, typ: "model", id: "emu-user/m", wantKind: ErrConflict, status: 409},
		{name: "exists ok", c: w, typ: "model", id: "emu-user/m", existOK: true, wantURL: srv.URL + "/emu-user/m"},
		{name: "private dataset", c: w, typ: "dataset", id: "emu-user/d", private: true, wantURL: srv.URL + "/datasets/emu-user/d"},
		{name: "no token", c: uploadClient(t, srv, ""), typ: "model", id: "emu-user/x", wantKind: ErrUnauthorized, status: 401},
		{name: "bad token", c: uploadClient(t, srv, "hf_nope"), typ: "model", id: "emu-user/x", wantKind: ErrUnauthorized, status: 401},
		{name: "read-only token", c: uploadClient(t, srv, readToken), typ: "model", id: "emu-user/x", wantKind: ErrUnauthorized, status: 403},
		{name: "bad id", c: w, typ: "model", id: "a/b/c", wantKind: errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := tt.c.CreateRepo(ctx, tt.typ, tt.id, tt.private, tt.existOK)
			checkErr(t, err, tt.wantKind, tt.status)
			if u != tt.wantURL {
				t.Errorf("url %q, want %q", u, tt.wantURL)
			}
		})
	}
	// The private dataset is invisible without a token, visible with it.
	if _, err := uploadClient(t, srv, "").Snapshot(ctx, "dataset", "emu-user/d", "", nil); !errors.Is(err, ErrRepoNotFound) && !errors.Is(err, ErrUnauthorized) {
		t.Errorf("private dataset without token: %v", err)
	}
}

// errAny marks a case that must fail, whatever the kind.
var errAny = errors.New("any error")

func checkErr(t *testing.T, err, kind error, status int) {
	t.Helper()
	switch {
	case kind == nil && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case kind == nil:
	case err == nil:
		t.Fatalf("no error, want %v", kind)
	case kind != errAny && !errors.Is(err, kind):
		t.Fatalf("error %v, want kind %v", err, kind)
	case status != 0:
		var he *Error
		if !errors.As(err, &he) || he.Status != status {
			t.Fatalf("error %v: want HTTP %d", err, status)
		}
	}
}

func TestCommitRoundTrip(t *testing.T) {
	srv := newUploadServer(t)
	ctx := context.Background()
	c := uploadClient(t, srv, writeToken)
	if _, err := c.CreateRepo(ctx, "model", "emu-user/rt", false, false); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string][]byte{
		"config.json":       []byte(`{"model_type":"bert"}` + "\n"),
		"weights.bin":       randBytes(1, 40<<10),           // LFS basic (under one part)
		"model.safetensors": randBytes(2, 3*(64<<10)+12345), // LFS multipart, 4 parts
		"empty.txt":         {},
		"sub dir/notes.md":  []byte("# notes\n"),
	}
	for _, name := range []string{"weights.bin", "model.safetensors"} {
		if err := os.WriteFile(filepath.Join(dir, name), files[name], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ops := []CommitOperation{
		{PathInRepo: "config.json", Content: files["config.json"]},
		{PathInRepo: "weights.bin", LocalPath: filepath.Join(dir, "weights.bin")},
		{PathInRepo: "model.safetensors", LocalPath: filepath.Join(dir, "model.safetensors")},
		{PathInRepo: "empty.txt", Content: files["empty.txt"]},
		{PathInRepo: "sub dir/notes.md", Content: files["sub dir/notes.md"]},
	}
	srv.ResetRequests()
	first, err := c.CreateCommit(ctx, "model", "emu-user/rt", "", "add files", ops, "")
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	var parts, puts, completions, cdn int
	for _, r := range reqs {
		if r.Listener == "cdn" {
			cdn++
			if r.HasAuth {
				t.Errorf("token sent to the CDN origin: %s %s", r.Method, r.Path)
			}
		}
		switch {
		case r.Listener == "cdn" && strings.HasPrefix(r.Path, "/part/"):
			parts++
		case r.Listener == "cdn" && r.Method == http.MethodPut:
			puts++
		case strings.HasPrefix(r.Path, "/api/complete_multipart"):
			completions++
			if r.HasAuth {
				t.Errorf("token sent with the multipart completion")
			}
		}
	}
	if parts != 4 || puts != 1 || completions != 1 {
		t.Errorf("%d part PUTs, %d basic PUTs, %d completions; want 4, 1, 1 (requests: %+v)", parts, puts, completions, reqs)
	}
	// Download everything back through the download code, into a fresh cache.
	d := uploadClient(t, srv, writeToken)
	for name, want := range files {
		p, err := d.Download(ctx, "model", "emu-user/rt", first, name)
		if err != nil {
			t.Fatalf("download %s: %v", name, err)
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: downloaded %d bytes differ from the %d uploaded", name, len(got), len(want))
		}
	}
	for _, oid := range []string{sha256Hex(files["weights.bin"]), sha256Hex(files["model.safetensors"])} {
		if _, ok := srv.LFSObject(oid); !ok {
			t.Errorf("LFS object %s not stored", oid)
		}
	}

	// A delete, with parentCommit = the head: accepted.
	second, err := c.CreateCommit(ctx, "model", "emu-user/rt", "main", "remove config", []CommitOperation{{PathInRepo: "config.json", Delete: true}}, first)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Download(ctx, "model", "emu-user/rt", second, "config.json"); !errors.Is(err, ErrEntryNotFound) {
		t.Errorf("deleted file: %v, want ErrEntryNotFound", err)
	}
	// parentCommit no longer the head: refused, naming the repo and revision.
	_, err = c.CreateCommit(ctx, "model", "emu-user/rt", "main", "stale", []CommitOperation{{PathInRepo: "x.txt", Content: []byte("x")}}, first)
	checkErr(t, err, ErrConflict, http.StatusPreconditionFailed)
	if !strings.Contains(err.Error(), "emu-user/rt@main") {
		t.Errorf("error does not name repo and revision: %v", err)
	}
	// Re-adding stored LFS content uploads nothing.
	srv.ResetRequests()
	if _, err := c.CreateCommit(ctx, "model", "emu-user/rt", "main", "copy", []CommitOperation{{PathInRepo: "copy/weights.bin", LocalPath: filepath.Join(dir, "weights.bin")}}, ""); err != nil {
		t.Fatal(err)
	}
	for _, r := range srv.Requests() {
		if r.Listener == "cdn" {
			t.Errorf("stored object uploaded again: %s %s", r.Method, r.Path)
		}
	}
}

func TestCommitAuthErrors(t *testing.T) {
	srv := newUploadServer(t)
	ctx := context.Background()
	if _, err := uploadClient(t, srv, writeToken).CreateRepo(ctx, "model", "emu-user/auth", false, false); err != nil {
		t.Fatal(err)
	}
	ops := []CommitOperation{{PathInRepo: "a.txt", Content: []byte("a")}}
	tests := []struct {
		name   string
		token  string
		status int
	}{
		{"no token", "", 401},
		{"unknown token", "hf_nope", 401},
		{"read-only token", readToken, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := uploadClient(t, srv, tt.token).CreateCommit(ctx, "model", "emu-user/auth", "main", "m", ops, "")
			checkErr(t, err, ErrUnauthorized, tt.status)
		})
	}
	if _, err := uploadClient(t, srv, writeToken).CreateCommit(ctx, "model", "emu-user/auth", "main", "", ops, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty message: %v, want ErrInvalid", err)
	}
}

func TestWhoAmI(t *testing.T) {
	srv := newUploadServer(t)
	tests := []struct {
		name, token, want string
		kind              error
	}{
		{"writer", writeToken, "emu-user", nil},
		{"unknown token", "hf_nope", "", ErrUnauthorized},
		{"no token", "", "", ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := uploadClient(t, srv, tt.token).WhoAmI(context.Background())
			checkErr(t, err, tt.kind, 0)
			if got != tt.want {
				t.Errorf("name %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUploadFolderRetries(t *testing.T) {
	srv := newUploadServer(t)
	ctx := context.Background()
	c := uploadClient(t, srv, writeToken)
	if _, err := c.CreateRepo(ctx, "dataset", "emu-user/folder", false, false); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string][]byte{"data/train.parquet": randBytes(3, 5000), "README.md": []byte("---\nlicense: mit\n---\n"), "logs/x.txt": []byte("x")}
	for name, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// One 503 with Retry-After on each idempotent step: preupload, batch, and the PUT.
	srv.SetFault(hubtest.Fault{Listener: "hub", Method: http.MethodPost, Path: "/api/datasets/emu-user/folder/preupload/main", Status: 503, RetryAfter: 0})
	srv.SetFault(hubtest.Fault{Listener: "hub", Method: http.MethodPost, Path: "/datasets/emu-user/folder.git/info/lfs/objects/batch", Status: 429})
	srv.SetFault(hubtest.Fault{Listener: "cdn", Method: http.MethodPut, Status: 503})
	srv.ResetRequests()
	commit, err := c.UploadFolder(ctx, "dataset", "emu-user/folder", "", dir, "", nil, []string{"logs/"})
	if err != nil {
		t.Fatal(err)
	}
	var failed int
	for _, r := range srv.Requests() {
		if r.Status >= 429 {
			failed++
		}
	}
	if failed != 3 {
		t.Errorf("%d failed requests seen, want the 3 injected faults", failed)
	}
	d := uploadClient(t, srv, "")
	for name, want := range files {
		p, err := d.Download(ctx, "dataset", "emu-user/folder", commit, name)
		if name == "logs/x.txt" {
			if !errors.Is(err, ErrEntryNotFound) {
				t.Errorf("ignored %s: %v, want ErrEntryNotFound", name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got, _ := os.ReadFile(p); !bytes.Equal(got, want) {
			t.Errorf("%s differs after the round trip", name)
		}
	}
}
