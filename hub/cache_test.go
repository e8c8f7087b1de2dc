package hub

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Commits and etags of the cache tree that huggingface_hub 1.29 wrote in the recorded run
// (hub-traces/py-cache-layout.txt), reconstructed here entry by entry.
const (
	pyMain    = "7b95543344ecd5662981e74a60ff693c43b3244a" // tiny-model main
	pyV10     = "2ef77eb623667d5bc8d5f34553ba53f8b662e7a4" // tiny-model tag v1.0
	pyDSMain  = "1cef74225143d35256f0fc5e5fdb8289d1d6e83c" // tiny-dataset main
	pyParquet = "7818f143c653f34599da1a398220c8aa98bf3e8b" // tiny-dataset refs/convert/parquet
)

// pyEntry is one file of that tree: a blob, a ref, a .no_exist marker or a snapshot symlink
// with the exact target Python wrote.
type pyEntry struct {
	kind   string // "blob", "ref", "noexist", "link", "lock"
	path   string // relative to the cache root
	target string // link target, or ref content, or blob content
}

func pyTree() []pyEntry {
	m := "models--emu-org--tiny-model/"
	d := "datasets--emu-org--tiny-dataset/"
	return []pyEntry{
		{"blob", m + "blobs/c80add9bb80d9bcfffad3cb3d889d8b69d195b68", `{"model_type":"gpt2","n_layer":2}` + "\n"},
		{"blob", m + "blobs/139d95d84e37e3e09571e71abe5dda5122246f87", `{"model_type":"gpt2","n_layer":1}` + "\n"},
		{"blob", m + "blobs/54ff07cba8a8e3e8563c5fd3d85b8f2b0a51fc9b5eaacc9c7d8d5f4fd842f12e", "safetensors bytes"},
		{"blob", m + "blobs/b33de614bef80379cd36088a3b42ed09a9d07da1cdbf51fc1c93c91d76c97d6a", "onnx bytes"},
		{"blob", m + "blobs/1291007bc3e39fae0be018863f2a36fa53a851ca", "*.bin filter=lfs\n"},
		{"blob", m + "blobs/f664d5985d17f5004d2700b6e662a2c485b09f6a", "# tiny\n"},
		{"ref", m + "refs/main", pyMain},
		{"ref", m + "refs/v1.0", pyV10},
		{"noexist", m + ".no_exist/" + pyMain + "/nope.json", ""},
		{"link", m + "snapshots/" + pyV10 + "/config.json", "../../blobs/139d95d84e37e3e09571e71abe5dda5122246f87"},
		{"link", m + "snapshots/" + pyMain + "/.gitattributes", "../../blobs/1291007bc3e39fae0be018863f2a36fa53a851ca"},
		{"link", m + "snapshots/" + pyMain + "/README.md", "../../blobs/f664d5985d17f5004d2700b6e662a2c485b09f6a"},
		{"link", m + "snapshots/" + pyMain + "/config.json", "../../blobs/c80add9bb80d9bcfffad3cb3d889d8b69d195b68"},
		{"link", m + "snapshots/" + pyMain + "/model.safetensors", "../../blobs/54ff07cba8a8e3e8563c5fd3d85b8f2b0a51fc9b5eaacc9c7d8d5f4fd842f12e"},
		{"link", m + "snapshots/" + pyMain + "/onnx/model.onnx", "../../../blobs/b33de614bef80379cd36088a3b42ed09a9d07da1cdbf51fc1c93c91d76c97d6a"},
		{"lock", ".locks/models--emu-org--tiny-model/c80add9bb80d9bcfffad3cb3d889d8b69d195b68.lock", ""},
		{"blob", d + "blobs/4ee2192e6bd0b9d61d5fd644f86aad8e533990e988ab60bf43313edac9dba8e6", "PAR1 train"},
		{"blob", d + "blobs/6fae800f0c16aa9f97115900561d465299c7de94c57123fc06acc9cd3c031bb2", "PAR1 test"},
		{"ref", d + "refs/main", pyDSMain},
		{"ref", d + "refs/refs/convert/parquet", pyParquet},
		{"link", d + "snapshots/" + pyDSMain + "/data/train-00000-of-00001.parquet", "../../../blobs/4ee2192e6bd0b9d61d5fd644f86aad8e533990e988ab60bf43313edac9dba8e6"},
		{"link", d + "snapshots/" + pyDSMain + "/data/test-00000-of-00001.parquet", "../../../blobs/6fae800f0c16aa9f97115900561d465299c7de94c57123fc06acc9cd3c031bb2"},
		{"link", d + "snapshots/" + pyParquet + "/default/train/0000.parquet", "../../../../blobs/4ee2192e6bd0b9d61d5fd644f86aad8e533990e988ab60bf43313edac9dba8e6"},
	}
}

// writePyTree materialises pyTree under root, the way Python left it on disk.
func writePyTree(t *testing.T, root string) {
	t.Helper()
	for _, e := range pyTree() {
		p := filepath.Join(root, filepath.FromSlash(e.path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch e.kind {
		case "link":
			err = os.Symlink(e.target, p)
		default:
			err = os.WriteFile(p, []byte(e.target), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// noNetwork is an http.Client whose every request fails the test: offline and cached calls
// must not send anything.
func noNetwork(t *testing.T) *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
		return nil, errors.New("no network in this test")
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRepoFolderAndLockPaths(t *testing.T) {
	tests := []struct {
		typ, id, folder string
	}{
		{"model", "emu-org/tiny-model", "models--emu-org--tiny-model"},
		{"", "bert-base-uncased", "models--bert-base-uncased"},
		{"dataset", "emu-org/tiny-dataset", "datasets--emu-org--tiny-dataset"},
	}
	for _, tt := range tests {
		r, err := newRepoRef(tt.typ, tt.id)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.typ, tt.id, err)
		}
		if r.folder != tt.folder {
			t.Errorf("%s %s: folder %q, want %q", tt.typ, tt.id, r.folder, tt.folder)
		}
		rc := repoCache{root: "/c", repo: r}
		if got, want := rc.lockFile("abc"), "/c/.locks/"+tt.folder+"/abc.lock"; got != want {
			t.Errorf("lock %q, want %q", got, want)
		}
	}
	for _, bad := range []string{"", "a/b/c", "a--b/c", "../x", "a/..", "/x", "a/", "-a/b", `a\b/c`} {
		if _, err := newRepoRef("model", bad); err == nil {
			t.Errorf("repo id %q accepted", bad)
		}
	}
	if _, err := newRepoRef("space", "a/b"); err == nil {
		t.Error("repo type space accepted")
	}
}

func TestCheckRepoPath(t *testing.T) {
	tests := []struct {
		path string
		ok   bool
	}{
		{"config.json", true},
		{"onnx/model.onnx", true},
		{".gitattributes", true},
		{"a..b", true},
		{"", false},
		{"/etc/passwd", false},
		{"../x", false},
		{"a/../../x", false},
		{"a//b", false},
		{"./a", false},
		{`a\..\b`, false},
		{"a/..", false},
	}
	for _, tt := range tests {
		if err := checkRepoPath(tt.path); (err == nil) != tt.ok {
			t.Errorf("checkRepoPath(%q) = %v, want ok=%v", tt.path, err, tt.ok)
		}
	}
}

// TestLayoutMatchesPython writes refs and links with the cache code and compares every path
// and symlink target with the tree huggingface_hub wrote.
func TestLayoutMatchesPython(t *testing.T) {
	root := t.TempDir()
	for _, e := range pyTree() {
		folder, rest, _ := strings.Cut(e.path, "/")
		typ, id := "model", "emu-org/tiny-model"
		if strings.HasPrefix(folder, "datasets--") {
			typ, id = "dataset", "emu-org/tiny-dataset"
		}
		r, err := newRepoRef(typ, id)
		if err != nil {
			t.Fatal(err)
		}
		rc := repoCache{root: root, repo: r}
		switch e.kind {
		case "ref":
			if err := rc.writeRef(strings.TrimPrefix(rest, "refs/"), e.target); err != nil {
				t.Fatal(err)
			}
		case "link":
			parts := strings.SplitN(strings.TrimPrefix(rest, "snapshots/"), "/", 2)
			etag := filepath.Base(e.target)
			if _, err := rc.link(parts[0], parts[1], etag); err != nil {
				t.Fatal(err)
			}
		case "noexist":
			parts := strings.SplitN(strings.TrimPrefix(rest, ".no_exist/"), "/", 2)
			if err := rc.markMissing(parts[0], parts[1]); err != nil {
				t.Fatal(err)
			}
		case "lock":
			lk, err := lockFile(context.Background(), rc.lockFile(strings.TrimSuffix(filepath.Base(rest), ".lock")))
			if err != nil {
				t.Fatal(err)
			}
			if err := lk.unlock(); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, e := range pyTree() {
		p := filepath.Join(root, filepath.FromSlash(e.path))
		switch e.kind {
		case "link":
			got, err := os.Readlink(p)
			if err != nil || got != e.target {
				t.Errorf("%s: link %q (%v), want %q", e.path, got, err, e.target)
			}
		case "ref":
			got, err := os.ReadFile(p)
			if err != nil || string(got) != e.target {
				t.Errorf("%s: ref %q (%v), want %q with no newline", e.path, got, err, e.target)
			}
		case "noexist", "lock":
			if st, err := os.Lstat(p); err != nil || !st.Mode().IsRegular() || st.Size() != 0 {
				t.Errorf("%s: want an empty regular file, got %v", e.path, err)
			}
		}
	}
}

// TestReadPythonCache serves downloads from a cache tree that Python wrote, offline and for
// cached commits online, without a single request.
func TestReadPythonCache(t *testing.T) {
	root := t.TempDir()
	writePyTree(t, root)
	m := filepath.Join(root, "models--emu-org--tiny-model", "snapshots")
	d := filepath.Join(root, "datasets--emu-org--tiny-dataset", "snapshots")
	tests := []struct {
		name               string
		offline            bool
		typ, id, rev, path string
		want, content      string
		wantErr            error
		wantInMsg          string
	}{
		{"main config", true, "model", "emu-org/tiny-model", "", "config.json", filepath.Join(m, pyMain, "config.json"), `{"model_type":"gpt2","n_layer":2}` + "\n", nil, ""},
		{"tag v1.0", true, "model", "emu-org/tiny-model", "v1.0", "config.json", filepath.Join(m, pyV10, "config.json"), `{"model_type":"gpt2","n_layer":1}` + "\n", nil, ""},
		{"nested", true, "model", "emu-org/tiny-model", "main", "onnx/model.onnx", filepath.Join(m, pyMain, "onnx/model.onnx"), "onnx bytes", nil, ""},
		{"parquet ref", true, "dataset", "emu-org/tiny-dataset", "refs/convert/parquet", "default/train/0000.parquet", filepath.Join(d, pyParquet, "default/train/0000.parquet"), "PAR1 train", nil, ""},
		{"commit online no request", false, "model", "emu-org/tiny-model", pyMain, "model.safetensors", filepath.Join(m, pyMain, "model.safetensors"), "safetensors bytes", nil, ""},
		{"not at that ref", true, "model", "emu-org/tiny-model", "v1.0", "model.safetensors", "", "", ErrOffline, pyV10 + "/model.safetensors"},
		{"known missing", true, "model", "emu-org/tiny-model", "main", "nope.json", "", "", ErrEntryNotFound, ".no_exist"},
		{"unknown ref", true, "model", "emu-org/tiny-model", "dev", "config.json", "", "", ErrOffline, "no refs/dev"},
		{"unknown repo", true, "model", "emu-org/other", "main", "config.json", "", "", ErrOffline, "models--emu-org--other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(Options{Endpoint: "http://127.0.0.1:1", CacheDir: root, Offline: tt.offline, HTTPClient: noNetwork(t)})
			got, err := c.Download(context.Background(), tt.typ, tt.id, tt.rev, tt.path)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantInMsg) {
					t.Fatalf("err %v, want %v naming %q", err, tt.wantErr, tt.wantInMsg)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
			b, err := os.ReadFile(got)
			if err != nil || string(b) != tt.content {
				t.Fatalf("content %q, %v; want %q", b, err, tt.content)
			}
		})
	}
	c := New(Options{Endpoint: "http://127.0.0.1:1", CacheDir: root, Offline: true, HTTPClient: noNetwork(t)})
	dir, err := c.Snapshot(context.Background(), "model", "emu-org/tiny-model", "main", nil)
	if err != nil || dir != filepath.Join(m, pyMain) {
		t.Fatalf("offline snapshot %q, %v", dir, err)
	}
	if _, err := c.Snapshot(context.Background(), "dataset", "emu-org/tiny-dataset", "v2", nil); !errors.Is(err, ErrOffline) {
		t.Fatalf("offline snapshot of unknown ref: %v", err)
	}
}
