package hub

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnsafeNamesFromServer: a hostile server (hubtest cannot be made to send these, so a
// handler on 127.0.0.1 plays it) names files, commits and etags that would escape the cache;
// the client refuses each and writes nothing outside the cache root.
func TestUnsafeNamesFromServer(t *testing.T) {
	const commit = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name          string
		info          string // repo info JSON, for Snapshot
		commit, etag  string // HEAD headers, for Download
		snapshot      bool
		wantInMessage string
	}{
		{name: "sibling with ..", snapshot: true, info: `{"sha":"` + commit + `","siblings":[{"rfilename":"../../../../evil"}]}`, wantInMessage: "unsafe file path"},
		{name: "absolute sibling", snapshot: true, info: `{"sha":"` + commit + `","siblings":[{"rfilename":"/tmp/evil"}]}`, wantInMessage: "unsafe file path"},
		{name: "commit with ..", snapshot: true, info: `{"sha":"../../evil","siblings":[]}`, wantInMessage: "unusable commit"},
		{name: "head commit with ..", commit: "../../../evil", etag: `"abc"`, wantInMessage: "unusable commit"},
		{name: "head etag with /", commit: commit, etag: `"../../../evil"`, wantInMessage: "unusable etag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.URL.Path, "/api/") {
					w.Header().Set("Content-Type", "application/json")
					w.Write([]byte(tt.info))
					return
				}
				w.Header().Set("X-Repo-Commit", tt.commit)
				w.Header().Set("ETag", tt.etag)
				w.Header().Set("Content-Length", "4")
				w.Write([]byte("evil"))
			}))
			defer srv.Close()
			base := t.TempDir()
			cache := filepath.Join(base, "a", "b", "cache")
			c := New(Options{Endpoint: srv.URL, CacheDir: cache, MaxRetries: -1})
			var err error
			if tt.snapshot {
				_, err = c.Snapshot(context.Background(), "model", "org/m", "main", nil)
			} else {
				_, err = c.Download(context.Background(), "model", "org/m", "main", "config.json")
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantInMessage) {
				t.Fatalf("err %v, want %q", err, tt.wantInMessage)
			}
			filepath.WalkDir(base, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && !strings.HasPrefix(p, cache+string(filepath.Separator)) {
					t.Errorf("written outside the cache: %s", p)
				}
				if strings.Contains(p, "evil") {
					t.Errorf("hostile name written: %s", p)
				}
				return nil
			})
		})
	}
}
