package hubtest

import (
	"errors"
	"io"
	"net/http"
	"testing"
)

func TestFaultDrop(t *testing.T) {
	f := newFixture(t)
	s := f.s
	resp, _ := do(t, "HEAD", s.URL+"/emu-org/tiny-model/resolve/main/model.safetensors", nil, "")
	loc := resp.Header.Get("Location")
	s.SetFault(Fault{Listener: "cdn", Path: "/lfs/" + sha256Hex(f.safetensors), Drop: true, DropAfter: 1000})

	get, err := http.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(get.Body)
	get.Body.Close()
	if !errors.Is(err, io.ErrUnexpectedEOF) || len(data) != 1000 {
		t.Fatalf("dropped GET: read %d bytes, err %v; want 1000 bytes and unexpected EOF", len(data), err)
	}
	if get.Header.Get("Content-Length") != "65536" {
		t.Errorf("Content-Length %q before the drop, want 65536", get.Header.Get("Content-Length"))
	}
	// The fault is used up: resuming from byte 1000 works.
	resp, body := do(t, "GET", loc, map[string]string{"Range": "bytes=1000-"}, "")
	if resp.StatusCode != 206 || string(body) != string(f.safetensors[1000:]) {
		t.Fatalf("resume: status %d, %d bytes", resp.StatusCode, len(body))
	}
	var dropped int
	for _, r := range s.Requests() {
		if r.Dropped {
			dropped++
		}
	}
	if dropped != 1 {
		t.Errorf("%d requests logged as dropped, want 1", dropped)
	}
}

func TestFaultStatus(t *testing.T) {
	f := newFixture(t)
	s := f.s
	path := "/emu-org/tiny-model/resolve/main/config.json"
	s.SetFault(Fault{Listener: "hub", Path: path, Status: 429, RetryAfter: 2, Times: 2})
	s.SetFault(Fault{Path: path, Status: 503, RetryAfter: 1})
	want := []struct {
		status     int
		retryAfter string
		rateLimit  string
	}{
		{429, "2", `"api";r=0;t=2`},
		{429, "2", `"api";r=0;t=2`},
		{503, "1", ""},
		{200, "", ""},
	}
	for i, w := range want {
		resp, _ := do(t, "GET", s.URL+path, nil, "")
		if resp.StatusCode != w.status || resp.Header.Get("Retry-After") != w.retryAfter || resp.Header.Get("RateLimit") != w.rateLimit {
			t.Errorf("request %d: status %d Retry-After %q RateLimit %q; want %d %q %q", i, resp.StatusCode,
				resp.Header.Get("Retry-After"), resp.Header.Get("RateLimit"), w.status, w.retryAfter, w.rateLimit)
		}
	}
	// A fault for another path leaves this one alone.
	s.SetFault(Fault{Path: "/other", Status: 503})
	if resp, _ := do(t, "GET", s.URL+path, nil, ""); resp.StatusCode != 200 {
		t.Errorf("unrelated fault: status %d", resp.StatusCode)
	}
	s.ClearFaults()
}

func TestFaultIgnoreRange(t *testing.T) {
	f := newFixture(t)
	s := f.s
	path := "/emu-org/tiny-model/resolve/main/config.json"
	s.SetFault(Fault{Path: path, IgnoreRange: true})
	resp, body := do(t, "GET", s.URL+path, map[string]string{"Range": "bytes=0-0"}, "")
	if resp.StatusCode != 200 || len(body) != 34 || resp.Header.Get("Content-Range") != "" {
		t.Errorf("IgnoreRange: status %d, %d bytes", resp.StatusCode, len(body))
	}
	resp, _ = do(t, "GET", s.URL+path, map[string]string{"Range": "bytes=0-0"}, "")
	if resp.StatusCode != 206 {
		t.Errorf("after the fault: status %d, want 206", resp.StatusCode)
	}
}

func TestRequestsLog(t *testing.T) {
	f := newFixture(t)
	s := f.s
	s.ResetRequests()
	do(t, "HEAD", s.URL+"/emu-org/tiny-model/resolve/main/config.json", map[string]string{"Authorization": "Bearer " + readToken}, "")
	do(t, "GET", s.URL+"/api/models/emu-org/tiny-model/tree/main?recursive=true", nil, "")
	got := s.Requests()
	if len(got) != 2 {
		t.Fatalf("%d requests logged, want 2", len(got))
	}
	if r := got[0]; r.Listener != "hub" || r.Method != "HEAD" || r.Path != "/emu-org/tiny-model/resolve/main/config.json" || !r.HasAuth || r.Status != 200 {
		t.Errorf("first request %+v", r)
	}
	if r := got[1]; r.HasAuth || r.Query != "recursive=true" || r.Status != 200 {
		t.Errorf("second request %+v", r)
	}
}

func TestHelperErrors(t *testing.T) {
	s := New(t)
	tests := []struct {
		name string
		err  error
	}{
		{"bad type", s.CreateRepo("space", "a/b", RepoOptions{})},
		{"bad id", s.CreateRepo("model", "noslash", RepoOptions{})},
		{"double dash", s.CreateRepo("model", "a/b--c", RepoOptions{})},
		{"commit to missing repo", func() error { _, err := s.CommitFiles("model", "a/missing", "main", "m", nil); return err }()},
		{"tag missing revision", func() error {
			if err := s.CreateRepo("model", "a/b", RepoOptions{}); err != nil {
				return nil
			}
			return s.TagRevision("model", "a/b", "v1", "main")
		}()},
		{"bad path", func() error {
			_, err := s.CommitFiles("model", "a/b", "main", "m", map[string][]byte{"../x": nil})
			return err
		}()},
		{"file and directory", func() error {
			_, err := s.CommitFiles("model", "a/b", "main", "m", map[string][]byte{"x": nil, "x/y": nil})
			return err
		}()},
		{"delete missing", func() error { _, err := s.CommitFiles("model", "a/b", "main", "m", nil, "nope"); return err }()},
		{"rename missing", s.RenameRepo("model", "a/missing", "a/c")},
	}
	for _, tt := range tests {
		if tt.err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}
