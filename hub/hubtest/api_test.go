package hubtest

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// TestRepoInfo checks /api/models/{id}[/revision/{rev}] (py-info, js-list).
func TestRepoInfo(t *testing.T) {
	f := newFixture(t)
	s := f.s
	tests := []struct {
		name     string
		path     string
		header   map[string]string
		status   int
		code     string
		sha      string
		siblings []string
	}{
		{"main", "/api/models/emu-org/tiny-model", nil, 200, "", f.c2, []string{"README.md", "config.json", "model.safetensors", "onnx/model.onnx"}},
		{"JS HEAD revision", "/api/models/emu-org/tiny-model/revision/HEAD?expand=sha&expand=siblings", nil, 200, "", f.c2, nil},
		{"tag", "/api/models/emu-org/tiny-model/revision/v1.0", nil, 200, "", f.c1, []string{"README.md", "config.json", "onnx/model.onnx"}},
		{"dataset parquet ref encoded", "/api/datasets/emu-org/tiny-dataset/revision/refs%2Fconvert%2Fparquet", nil, 200, "", f.parquetC, []string{"default/test/0000.parquet", "default/train/0000.parquet"}},
		{"dataset parquet ref unencoded", "/api/datasets/emu-org/tiny-dataset/revision/refs/convert/parquet", nil, 200, "", f.parquetC, nil},
		{"missing repo", "/api/models/emu-org/does-not-exist/revision/HEAD", nil, 404, "RepoNotFound", "", nil},
		{"private without token", "/api/models/emu-org/private-model", nil, 404, "RepoNotFound", "", nil},
		{"private with token", "/api/models/emu-org/private-model", map[string]string{"Authorization": "Bearer " + readToken}, 200, "", f.privateC, nil},
		{"gated info is public", "/api/models/emu-org/gated-model", nil, 200, "", "", nil},
		{"missing revision", "/api/models/emu-org/tiny-model/revision/nope", nil, 404, "RevisionNotFound", "", nil},
		{"renamed", "/api/models/emu-org/old-name?blobs=true", nil, 307, "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, "GET", s.URL+tt.path, tt.header, "")
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tt.status, body)
			}
			if got := resp.Header.Get("X-Error-Code"); got != tt.code {
				t.Errorf("X-Error-Code %q, want %q", got, tt.code)
			}
			if tt.status == 307 {
				if got, want := resp.Header.Get("Location"), "/api/models/emu-org/tiny-model?blobs=true"; got != want {
					t.Errorf("Location %q, want %q", got, want)
				}
			}
			if tt.status != 200 {
				return
			}
			var info struct {
				ID       string `json:"id"`
				SHA      string `json:"sha"`
				Private  bool   `json:"private"`
				Siblings []struct {
					RFilename string `json:"rfilename"`
				} `json:"siblings"`
			}
			if err := json.Unmarshal(body, &info); err != nil {
				t.Fatalf("decode %s: %v", body, err)
			}
			if tt.sha != "" && info.SHA != tt.sha {
				t.Errorf("sha %s, want %s", info.SHA, tt.sha)
			}
			if tt.siblings != nil {
				var got []string
				for _, sb := range info.Siblings {
					got = append(got, sb.RFilename)
				}
				if !reflect.DeepEqual(got, tt.siblings) {
					t.Errorf("siblings %v, want %v", got, tt.siblings)
				}
			}
		})
	}
}

func TestRepoInfoBlobs(t *testing.T) {
	f := newFixture(t)
	_, body := do(t, "GET", f.s.URL+"/api/models/emu-org/tiny-model?blobs=true", nil, "")
	var info map[string]any
	if err := json.Unmarshal(body, &info); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"_id", "id", "author", "sha", "private", "gated", "disabled", "downloads", "likes", "tags", "createdAt", "lastModified", "siblings", "modelId"} {
		if _, ok := info[k]; !ok {
			t.Errorf("repo info lacks %q", k)
		}
	}
	sha := sha256Hex(f.safetensors)
	want := map[string]any{
		"rfilename": "model.safetensors", "size": 65536.0, "blobId": gitBlobID(lfsPointer(sha, 65536)),
		"lfs": map[string]any{"sha256": sha, "size": 65536.0, "pointerSize": 130.0},
	}
	var got any
	for _, sb := range info["siblings"].([]any) {
		if sb.(map[string]any)["rfilename"] == "model.safetensors" {
			got = sb
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sibling %v, want %v", got, want)
	}
}

// treeEntries decodes a tree answer into "type path" strings.
func treeEntries(t *testing.T, body []byte) []string {
	t.Helper()
	var entries []treeEntry
	if err := json.Unmarshal(body, &entries); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	out := []string{}
	for _, e := range entries {
		out = append(out, e.Type+" "+e.Path)
	}
	return out
}

func TestTree(t *testing.T) {
	f := newFixture(t)
	s := f.s
	all := []string{"file README.md", "file config.json", "file model.safetensors", "directory onnx", "file onnx/model.onnx"}
	tests := []struct {
		name   string
		path   string
		status int
		code   string
		want   []string
	}{
		{"recursive", "/api/models/emu-org/tiny-model/tree/main?recursive=true&expand=false", 200, "", all},
		{"top level", "/api/models/emu-org/tiny-model/tree/main?recursive=false", 200, "", []string{"file README.md", "file config.json", "file model.safetensors", "directory onnx"}},
		{"sub path", "/api/models/emu-org/tiny-model/tree/main/onnx?recursive=false&expand=true", 200, "", []string{"file onnx/model.onnx"}},
		{"python-encoded sub path", "/api/datasets/emu-org/tiny-dataset/tree/refs%2Fconvert%2Fparquet/default%2Ftrain?recursive=True", 200, "", []string{"file default/train/0000.parquet"}},
		{"by commit", "/api/models/emu-org/tiny-model/tree/" + f.c1 + "?recursive=1", 200, "", []string{"file README.md", "file config.json", "directory onnx", "file onnx/model.onnx"}},
		{"parquet ref encoded", "/api/datasets/emu-org/tiny-dataset/tree/refs%2Fconvert%2Fparquet/default?recursive=false&expand=false", 200, "", []string{"directory default/test", "directory default/train"}},
		{"parquet ref unencoded (JS)", "/api/datasets/emu-org/tiny-dataset/tree/refs/convert/parquet/default/train?recursive=true", 200, "", []string{"file default/train/0000.parquet"}},
		{"missing path", "/api/models/emu-org/tiny-model/tree/main/nope", 404, "EntryNotFound", nil},
		{"missing revision", "/api/models/emu-org/tiny-model/tree/nope", 404, "RevisionNotFound", nil},
		{"private", "/api/models/emu-org/private-model/tree/main", 404, "RepoNotFound", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, "GET", s.URL+tt.path, nil, "")
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tt.status, body)
			}
			if got := resp.Header.Get("X-Error-Code"); got != tt.code {
				t.Errorf("X-Error-Code %q, want %q", got, tt.code)
			}
			if tt.want != nil {
				if got := treeEntries(t, body); !reflect.DeepEqual(got, tt.want) {
					t.Errorf("entries %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestTreeEntryShapes(t *testing.T) {
	f := newFixture(t)
	_, body := do(t, "GET", f.s.URL+"/api/models/emu-org/tiny-model/tree/main/onnx?expand=true", nil, "")
	var got []map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	sha := sha256Hex(f.onnx)
	want := []map[string]any{{
		"type": "file", "path": "onnx/model.onnx", "size": 4096.0, "oid": gitBlobID(lfsPointer(sha, 4096)),
		"lfs":                map[string]any{"oid": sha, "size": 4096.0, "pointerSize": 129.0},
		"lastCommit":         map[string]any{"id": f.c1, "title": "Upload tiny model", "date": "2026-01-02T03:04:06.000Z"},
		"securityFileStatus": map[string]any{"status": "safe", "avScan": map[string]any{"virusFound": false, "virusNames": nil}, "pickleImportScan": nil},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

// TestTreePagination follows Link headers the way both clients do.
func TestTreePagination(t *testing.T) {
	f := newFixture(t)
	f.s.SetTreePageSize(2)
	next := f.s.URL + "/api/models/emu-org/tiny-model/tree/main?recursive=true&expand=false"
	var got []string
	pages := 0
	for next != "" {
		resp, body := do(t, "GET", next, nil, "")
		if resp.StatusCode != 200 {
			t.Fatalf("page %d: status %d", pages, resp.StatusCode)
		}
		got = append(got, treeEntries(t, body)...)
		pages++
		next = ""
		if link := resp.Header.Get("Link"); link != "" {
			if !strings.HasPrefix(link, "<"+f.s.URL+"/api/models/emu-org/tiny-model/tree/main?") || !strings.HasSuffix(link, `>; rel="next"`) {
				t.Fatalf("Link %q", link)
			}
			next = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
			u, _ := url.Parse(next)
			if u.Query().Get("recursive") != "true" {
				t.Errorf("next page drops recursive: %s", next)
			}
		}
	}
	want := []string{"file README.md", "file config.json", "file model.safetensors", "directory onnx", "file onnx/model.onnx"}
	if pages != 3 || !reflect.DeepEqual(got, want) {
		t.Errorf("%d pages %v, want 3 pages %v", pages, got, want)
	}
}

func TestPathsInfo(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		header map[string]string
		body   string
	}{
		{"python form", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "paths=config.json&paths=onnx&paths=missing.txt&expand=True"},
		{"JS JSON", map[string]string{"Content-Type": "application/json"}, `{"paths":["config.json","onnx","missing.txt"],"expand":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, "POST", f.s.URL+"/api/models/emu-org/tiny-model/paths-info/main", tt.header, tt.body)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			var got []treeEntry
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0].Path != "config.json" || got[1].Type != "directory" || got[1].Path != "onnx" {
				t.Fatalf("entries %+v", got)
			}
			if got[0].LastCommit == nil || got[0].LastCommit.ID != f.c2 || got[0].LastCommit.Title != "Update config.json" {
				t.Errorf("config.json lastCommit %+v, want %s", got[0].LastCommit, f.c2)
			}
			if got[0].OID != gitBlobID(f.config2) || got[1].OID == "" {
				t.Errorf("oids %s %s", got[0].OID, got[1].OID)
			}
		})
	}
	resp, _ := do(t, "GET", f.s.URL+"/api/models/emu-org/tiny-model/paths-info/main", nil, "")
	if resp.StatusCode != 405 {
		t.Errorf("GET paths-info: status %d, want 405", resp.StatusCode)
	}
}

func TestRefs(t *testing.T) {
	f := newFixture(t)
	_, body := do(t, "GET", f.s.URL+"/api/datasets/emu-org/tiny-dataset/refs", nil, "")
	var got map[string][]ref
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got["branches"]) != 1 || got["branches"][0].Ref != "refs/heads/main" ||
		len(got["converts"]) != 1 || got["converts"][0] != (ref{"parquet", "refs/convert/parquet", f.parquetC}) ||
		len(got["tags"]) != 0 {
		t.Errorf("refs %s", body)
	}
	_, body = do(t, "GET", f.s.URL+"/api/models/emu-org/tiny-model/refs", nil, "")
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got["tags"]) != 1 || got["tags"][0] != (ref{"v1.0", "refs/tags/v1.0", f.c1}) {
		t.Errorf("model refs %s", body)
	}
}
