package hub

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHelperDownload is the child of TestTwoProcessesOneDownload: it downloads one file with
// the settings in its environment and prints the path.
func TestHelperDownload(t *testing.T) {
	if os.Getenv("HUB_TEST_HELPER") != "1" {
		t.Skip("child process of TestTwoProcessesOneDownload")
	}
	c := New(Options{Endpoint: os.Getenv("HUB_TEST_ENDPOINT"), Token: testToken, CacheDir: os.Getenv("HUB_TEST_CACHE")})
	p, err := c.Download(context.Background(), "model", "emu-org/tiny-model", "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("PATH=" + p + "\n")
}

// TestTwoProcessesOneDownload starts two OS processes that download the same LFS file into
// one cache while this process holds the blob's lock (.locks/<folder>/<etag>.lock, the file
// Python's filelock takes): both must wait, and once the lock is released exactly one of them
// fetches the content while the other finds the finished blob.
func TestTwoProcessesOneDownload(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	f := newFixture(t)
	cache := t.TempDir()
	rc := repoCache{root: cache, repo: repoRef{typ: "model", id: "emu-org/tiny-model", folder: "models--emu-org--tiny-model"}}
	lk, err := lockFile(context.Background(), rc.lockFile(sha256Hex(f.safe)))
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 2)
	for range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperDownload$", "-test.v")
		cmd.Env = append(os.Environ(), "HUB_TEST_HELPER=1", "HUB_TEST_ENDPOINT="+f.srv.URL, "HUB_TEST_CACHE="+cache)
		go func() {
			out, err := cmd.CombinedOutput()
			done <- result{out, err}
		}()
	}
	// Wait until both children have sent their HEAD and are blocked on the lock.
	deadline := time.Now().Add(20 * time.Second)
	for heads := 0; heads < 2; {
		if time.Now().After(deadline) {
			t.Fatal("children did not reach the lock")
		}
		time.Sleep(20 * time.Millisecond)
		heads = 0
		for _, r := range f.srv.Requests() {
			if r.Method == "HEAD" && strings.HasSuffix(r.Path, "/model.safetensors") {
				heads++
			}
		}
	}
	time.Sleep(200 * time.Millisecond)
	for _, r := range settled(f.srv) {
		if r.Listener == "cdn" {
			t.Fatalf("a child fetched content while the lock was held: %+v", r)
		}
	}
	if err := lk.unlock(); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(cache, "models--emu-org--tiny-model", "snapshots", f.second, "model.safetensors")
	for range 2 {
		r := <-done
		if r.err != nil || !strings.Contains(string(r.out), "PATH="+want+"\n") {
			t.Fatalf("child: %v\n%s", r.err, r.out)
		}
	}
	gets := 0
	for _, r := range settled(f.srv) {
		if r.Listener == "cdn" {
			gets++
		}
	}
	if gets != 1 {
		t.Errorf("%d content GETs, want exactly 1", gets)
	}
	checkCached(t, cache, "models--emu-org--tiny-model", f.second, "model.safetensors", sha256Hex(f.safe), want, f.safe)
}
