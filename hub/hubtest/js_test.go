package hubtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// jsDir is scripts/hub, relative to this package.
const jsDir = "../../scripts/hub"

// TestJSClient runs the official JavaScript client (@huggingface/hub, via
// scripts/hub/js_client_test.mjs) against a server started here: it downloads
// a regular and an LFS file, lists a tree over Link pagination, reads repo
// info and paths-info, lists refs/convert/parquet, and reads a private repo.
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
	// The official client must never have sent Authorization to the CDN.
	for _, r := range f.s.Requests() {
		if r.Listener == "cdn" && r.HasAuth {
			t.Errorf("JS client sent Authorization to the CDN: %s %s", r.Method, r.Path)
		}
	}
}
