package hubtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// jsDir is scripts/hub, relative to this package.
const jsDir = "../../scripts/hub"

// TestJSClient runs the official JavaScript client (@huggingface/hub, via
// scripts/hub/js_client_test.mjs) against a server started here: it downloads
// a regular and an LFS file, lists a tree over Link pagination, reads repo
// info and paths-info, lists refs/convert/parquet, and reads a private repo.
// Then, with a write token, it creates a repo (and again, expecting 409),
// commits a regular, an LFS (basic transfer) and a multipart LFS file plus
// one that a deleteFile commit removes, and downloads each file back byte for
// byte; the server's view of that upload is checked here.
func TestJSClient(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the JS client run in -short mode")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: skipping the official JS client check (scripts/hub/js_client_test.mjs)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := os.Stat(filepath.Join(jsDir, "node_modules", "@huggingface", "hub")); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			t.Skip("npm is not installed and scripts/hub/node_modules is absent: skipping the JS client check")
		}
		cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = jsDir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in scripts/hub: %v\n%s", err, out)
		}
	}

	f := newFixture(t)
	f.s.SetTreePageSize(2) // make the client follow Link headers
	const writeToken, uploadRepo = "hf_js_write_token", "js-user/js-upload"
	f.s.AddWriteToken(writeToken, "js-user")
	f.s.SetMultipartChunkSize(4096) // LFS objects over 4 KiB go multipart
	hexSum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	stSHA := hexSum(f.safetensors)
	type file struct {
		Path        string `json:"path"`
		Revision    string `json:"revision,omitempty"`
		Size        int    `json:"size"`
		SHA256      string `json:"sha256"`
		ETag        string `json:"etag"`
		Slice       []int  `json:"slice,omitempty"`
		SliceSHA256 string `json:"slice_sha256,omitempty"`
	}
	lfsEntry := func(p string, data []byte) string {
		sum := hexSum(data)
		return "file " + p + " " + gitBlobID(lfsPointer(sum, int64(len(data)))) + " " + strconv.Itoa(len(data)) + " " + sum
	}
	// The fixture's LFS threshold is 1024 bytes: lfs.txt is LFS by size
	// alone (text), big.bin needs three multipart parts.
	type upFile struct {
		Path   string `json:"path"`
		Source string `json:"source"`
		Size   int    `json:"size"`
		SHA256 string `json:"sha256"`
		LFS    bool   `json:"lfs"`
	}
	upDir := t.TempDir()
	upData := []struct {
		path string
		data []byte
		lfs  bool
	}{
		{"small.txt", []byte("hello from the JS client\n"), false},
		{"lfs.txt", bytes.Repeat([]byte("an LFS text line, by size only\n"), 100), true},
		{"big.bin", pattern(10000, 7), true},
		{"drop.txt", []byte("deleted by the next commit\n"), false},
	}
	var upFiles []upFile
	for i, u := range upData {
		src := filepath.Join(upDir, strconv.Itoa(i))
		if err := os.WriteFile(src, u.data, 0o644); err != nil {
			t.Fatal(err)
		}
		upFiles = append(upFiles, upFile{Path: u.path, Source: src, Size: len(u.data), SHA256: hexSum(u.data), LFS: u.lfs})
	}
	f.s.mu.Lock()
	c := f.s.repos[repoKey("model", "emu-org/tiny-model")].commits[f.c2]
	f.s.mu.Unlock()
	expect := map[string]any{
		"model": "emu-org/tiny-model",
		"token": readToken,
		"sha":   f.c2,
		"files": []file{
			{Path: "config.json", Size: len(f.config2), SHA256: hexSum(f.config2), ETag: strconv.Quote(gitBlobID(f.config2))},
			{Path: "config.json", Revision: "v1.0", Size: len(f.config1), SHA256: hexSum(f.config1), ETag: strconv.Quote(gitBlobID(f.config1))},
			{Path: "model.safetensors", Size: len(f.safetensors), SHA256: stSHA, ETag: strconv.Quote(stSHA),
				Slice: []int{100, 200}, SliceSHA256: hexSum(f.safetensors[100:200])},
		},
		"missing": "nope.json",
		"tree": []string{
			"file README.md " + gitBlobID([]byte("# tiny\n")) + " 7 -",
			"file config.json " + gitBlobID(f.config2) + " 34 -",
			lfsEntry("model.safetensors", f.safetensors),
			"directory onnx " + c.treeIDs["onnx"] + " 0 -",
			lfsEntry("onnx/model.onnx", f.onnx),
		},
		"siblings": []string{"README.md", "config.json", "model.safetensors", "onnx/model.onnx"},
		"paths_info": map[string]any{
			"paths": []string{"config.json", "onnx", "nope"},
			"want":  []string{"file config.json " + f.c2, "directory onnx -"},
		},
		"dataset": map[string]any{
			"name": "emu-org/tiny-dataset",
			"sha":  f.parquetC,
			"tree": []string{"directory default", "directory default/test", "file default/test/0000.parquet", "directory default/train", "file default/train/0000.parquet"},
		},
		"private": map[string]any{"name": "emu-org/private-model", "path": "config.json", "token": readToken, "sha256": hexSum([]byte("{}\n"))},
		"upload":  map[string]any{"repo": uploadRepo, "token": writeToken, "files": upFiles, "delete": "drop.txt"},
	}
	data, err := json.MarshalIndent(expect, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	expectPath := filepath.Join(t.TempDir(), "expect.json")
	if err := os.WriteFile(expectPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, node, "js_client_test.mjs", f.s.URL, expectPath)
	cmd.Dir = jsDir
	cmd.Env = append(os.Environ(), "HF_ENDPOINT="+f.s.URL)
	out, err := cmd.CombinedOutput()
	t.Logf("js client:\n%s", out)
	if err != nil {
		t.Fatalf("js client against %s: %v", f.s.URL, err)
	}
	// The official client must never have sent Authorization to the CDN,
	// and the upload must have used both LFS transfers.
	counts := map[string]int{}
	for _, r := range f.s.Requests() {
		if r.Listener == "cdn" && r.HasAuth {
			t.Errorf("JS client sent Authorization to the CDN: %s %s", r.Method, r.Path)
		}
		switch {
		case r.Method == http.MethodPost && r.Path == "/api/repos/create":
			counts["create "+strconv.Itoa(r.Status)]++
		case r.Listener == "cdn" && r.Method == http.MethodPut && strings.HasPrefix(r.Path, "/put/"):
			counts["basic put "+strconv.Itoa(r.Status)]++
		case r.Listener == "cdn" && r.Method == http.MethodPut && strings.HasPrefix(r.Path, "/part/"):
			counts["part put "+strconv.Itoa(r.Status)]++
		case r.Method == http.MethodPost && r.Path == "/api/complete_multipart":
			counts["complete "+strconv.Itoa(r.Status)]++
		case r.Method == http.MethodPost && strings.HasPrefix(r.Path, "/api/models/"+uploadRepo+"/commit/"):
			counts["commit "+strconv.Itoa(r.Status)]++
		}
	}
	wantCounts := map[string]int{"create 200": 1, "create 409": 1, "basic put 200": 1, "part put 200": 3, "complete 200": 1, "commit 200": 2}
	if !reflect.DeepEqual(counts, wantCounts) {
		t.Errorf("upload requests: got %v, want %v", counts, wantCounts)
	}
	for _, u := range upData {
		if !u.lfs {
			continue
		}
		if got, ok := f.s.LFSObject(hexSum(u.data)); !ok || !bytes.Equal(got, u.data) {
			t.Errorf("LFS object of %s: stored %v, equal %v", u.path, ok, bytes.Equal(got, u.data))
		}
	}
	// The deleteFile commit removed drop.txt only.
	for _, c := range []struct {
		path   string
		status int
		body   []byte
	}{
		{"small.txt", http.StatusOK, upData[0].data},
		{"drop.txt", http.StatusNotFound, nil},
	} {
		resp, body := do(t, http.MethodGet, f.s.URL+"/"+uploadRepo+"/resolve/main/"+c.path, nil, "")
		if resp.StatusCode != c.status || (c.body != nil && !bytes.Equal(body, c.body)) {
			t.Errorf("GET %s after the JS upload: status %d, body %q; want %d, %q", c.path, resp.StatusCode, body, c.status, c.body)
		}
	}
}
