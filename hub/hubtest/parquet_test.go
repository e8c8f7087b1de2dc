package hubtest

import (
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"testing"
)

// parquetFixture is a server with emu-org/converted (a conversion with two configs, one of
// them partial), emu-org/unconverted (no refs/convert/parquet) and emu-org/private-converted.
func parquetFixture(t *testing.T) (*Server, map[string][]byte) {
	t.Helper()
	s := New(t)
	s.SetLFSThreshold(64)
	s.AddToken(otherToken)
	files := map[string][]byte{
		"default/train/0000.parquet":     append(append([]byte("PAR1"), pattern(300, 1)...), "PAR1"...),
		"default/train/0001.parquet":     []byte("PAR1second-shardPAR1"),
		"default/test/0000.parquet":      []byte("PAR1testPAR1"),
		"big/partial-train/0000.parquet": []byte("PAR1bigPAR1"),
		"default/train/notes.txt":        []byte("not a shard"),
		"stray.parquet":                  []byte("PAR1strayPAR1"),
	}
	for _, id := range []string{"emu-org/converted", "emu-org/private-converted"} {
		opts := RepoOptions{}
		if id == "emu-org/private-converted" {
			opts = RepoOptions{Private: true, Token: readToken}
		}
		s.AddRepo("dataset", id, opts)
		s.Commit("dataset", id, "main", "script", map[string][]byte{"converted.py": []byte("# loading script\n")})
		s.Commit("dataset", id, parquetRef, "convert", files)
	}
	s.AddRepo("dataset", "emu-org/unconverted", RepoOptions{})
	s.Commit("dataset", "emu-org/unconverted", "main", "data", map[string][]byte{"train.csv": []byte("a\n1\n")})
	s.AddRepo("model", "emu-org/model", RepoOptions{})
	s.Commit("model", "emu-org/model", "main", "init", map[string][]byte{"config.json": []byte("{}")})
	return s, files
}

func TestParquetListing(t *testing.T) {
	s, _ := parquetFixture(t)
	api := s.URL + "/api/datasets/emu-org/converted/parquet"
	u := func(config, split string, n int) string {
		return api + "/" + config + "/" + split + "/" + string(rune('0'+n)) + ".parquet"
	}
	tests := []struct {
		name, path string
		want       any
	}{
		{"all configs", "/api/datasets/emu-org/converted/parquet", map[string]map[string][]string{
			"default": {"train": {u("default", "train", 0), u("default", "train", 1)}, "test": {u("default", "test", 0)}},
			"big":     {"partial-train": {u("big", "partial-train", 0)}},
		}},
		{"one config", "/api/datasets/emu-org/converted/parquet/default", map[string][]string{
			"train": {u("default", "train", 0), u("default", "train", 1)}, "test": {u("default", "test", 0)},
		}},
		{"one split", "/api/datasets/emu-org/converted/parquet/default/train", []string{u("default", "train", 0), u("default", "train", 1)}},
		{"partial split", "/api/datasets/emu-org/converted/parquet/big/partial-train", []string{u("big", "partial-train", 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Get(s.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			got := reflect.New(reflect.TypeOf(tt.want))
			if err := json.Unmarshal(body, got.Interface()); err != nil {
				t.Fatalf("%s: %v", body, err)
			}
			if !reflect.DeepEqual(got.Elem().Interface(), tt.want) {
				t.Errorf("got %s\nwant %v", body, tt.want)
			}
		})
	}
}

func TestParquetRedirect(t *testing.T) {
	s, files := parquetFixture(t)
	tests := []struct {
		n, file string
	}{
		{"0", "default/train/0000.parquet"},
		{"1", "default/train/0001.parquet"},
	}
	for _, tt := range tests {
		u := s.URL + "/api/datasets/emu-org/converted/parquet/default/train/" + tt.n + ".parquet"
		resp, err := noRedirect.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := s.URL + "/datasets/emu-org/converted/resolve/refs%2Fconvert%2Fparquet/" + tt.file
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != want {
			t.Fatalf("%s: %d Location %q, want 302 %q", u, resp.StatusCode, resp.Header.Get("Location"), want)
		}
		// Followed to the end (the resolve URL, then the CDN for LFS files), it is the file.
		resp, err = http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != string(files[tt.file]) {
			t.Errorf("%s: %d, %d bytes, want the %d bytes of %s", u, resp.StatusCode, len(body), len(files[tt.file]), tt.file)
		}
	}
}

func TestParquetErrors(t *testing.T) {
	s, _ := parquetFixture(t)
	tests := []struct {
		name, method, path, token string
		status                    int
		code                      string
	}{
		{"no conversion", "GET", "/api/datasets/emu-org/unconverted/parquet", "", 404, codeRevisionNotFound},
		{"no conversion, config", "GET", "/api/datasets/emu-org/unconverted/parquet/default", "", 404, codeRevisionNotFound},
		{"missing dataset", "GET", "/api/datasets/emu-org/nope/parquet", "", 404, codeRepoNotFound},
		{"unknown config", "GET", "/api/datasets/emu-org/converted/parquet/fr", "", 404, codeEntryNotFound},
		{"unknown split", "GET", "/api/datasets/emu-org/converted/parquet/default/validation", "", 404, codeEntryNotFound},
		{"n past the end", "GET", "/api/datasets/emu-org/converted/parquet/default/train/2.parquet", "", 404, codeEntryNotFound},
		{"n zero-padded", "GET", "/api/datasets/emu-org/converted/parquet/default/train/0000.parquet", "", 404, codeEntryNotFound},
		{"not parquet", "GET", "/api/datasets/emu-org/converted/parquet/default/train/0.csv", "", 404, codeEntryNotFound},
		{"too deep", "GET", "/api/datasets/emu-org/converted/parquet/default/train/0.parquet/x", "", 404, ""},
		{"private without token", "GET", "/api/datasets/emu-org/private-converted/parquet", "", 404, codeRepoNotFound},
		{"private with another token", "GET", "/api/datasets/emu-org/private-converted/parquet", otherToken, 404, codeRepoNotFound},
		{"private with its token", "GET", "/api/datasets/emu-org/private-converted/parquet", readToken, 200, ""},
		{"unknown token", "GET", "/api/datasets/emu-org/converted/parquet", "hf_unknown", 401, ""},
		{"model repo", "GET", "/api/models/emu-org/model/parquet", "", 404, ""},
		{"POST", "POST", "/api/datasets/emu-org/converted/parquet", "", 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, s.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || resp.Header.Get("X-Error-Code") != tt.code {
				t.Errorf("%d %q (%s), want %d %q", resp.StatusCode, resp.Header.Get("X-Error-Code"), body, tt.status, tt.code)
			}
			if tt.status >= 400 && resp.Header.Get("X-Error-Message") == "" {
				t.Errorf("no X-Error-Message")
			}
		})
	}
}
