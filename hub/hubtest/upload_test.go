package hubtest

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// Tokens of the upload tests.
const (
	writeToken = "hf_write_token"
	roToken    = "hf_readonly_token"
)

// answer is a response read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic map.
func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("answer %d is not JSON: %v: %s", a.status, err, a.body)
	}
	return m
}

// call sends one request (no redirects followed) and reads the answer.
func call(t *testing.T, method, url, token, contentType string, body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, data}
}

// mustJSON encodes v.
func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ndjson joins one JSON line per value, as the JS client does (no trailing newline).
func ndjson(t *testing.T, lines ...any) []byte {
	t.Helper()
	var parts []string
	for _, l := range lines {
		parts = append(parts, string(mustJSON(t, l)))
	}
	return []byte(strings.Join(parts, "\n"))
}

// header, file, lfsFile and deleted build commit lines.
func header(summary, parent string) any {
	v := map[string]any{"summary": summary}
	if parent != "" {
		v["parentCommit"] = parent
	}
	return map[string]any{"key": "header", "value": v}
}
func file(p string, data []byte) any {
	return map[string]any{"key": "file", "value": map[string]any{"path": p, "content": base64.StdEncoding.EncodeToString(data), "encoding": "base64"}}
}
func lfsFile(p string, data []byte) any {
	return map[string]any{"key": "lfsFile", "value": map[string]any{"path": p, "algo": "sha256", "oid": sha256Hex(data), "size": len(data)}}
}
func deleted(key, p string) any {
	return map[string]any{"key": key, "value": map[string]any{"path": p}}
}

// newUploadServer returns a server with a write and a read-only token.
func newUploadServer(t *testing.T) *Server {
	s := New(t)
	s.AddWriteToken(writeToken, "emu-user")
	s.AddToken(roToken)
	return s
}

func TestCreateRepo(t *testing.T) {
	s := newUploadServer(t)
	create := func(token string, body map[string]any) answer {
		return call(t, "POST", s.URL+"/api/repos/create", token, "application/json", mustJSON(t, body))
	}
	tests := []struct {
		name    string
		token   string
		body    map[string]any
		status  int
		want    map[string]any
		wantHdr string // X-Error-Message
	}{
		{"model", writeToken, map[string]any{"name": "js-model", "organization": "emu-user", "type": "model"}, 200,
			map[string]any{"name": "emu-user/js-model", "url": s.URL + "/emu-user/js-model"}, ""},
		{"private dataset", writeToken, map[string]any{"name": "js-dataset", "organization": "emu-org", "type": "dataset", "visibility": "private"}, 200,
			map[string]any{"name": "emu-org/js-dataset", "url": s.URL + "/datasets/emu-org/js-dataset"}, ""},
		{"python model, no type, namespace from the token", writeToken, map[string]any{"name": "py-model"}, 200,
			map[string]any{"name": "emu-user/py-model", "url": s.URL + "/emu-user/py-model"}, ""},
		{"duplicate", writeToken, map[string]any{"name": "js-model", "organization": "emu-user", "type": "model"}, 409,
			map[string]any{"error": "You already created this model repo", "url": s.URL + "/emu-user/js-model"}, "You already created this model repo"},
		{"read-only token", roToken, map[string]any{"name": "ro", "organization": "emu-user", "type": "model"}, 403,
			map[string]any{"error": msgReadOnly}, msgReadOnly},
		{"no token", "", map[string]any{"name": "anon", "organization": "emu-user"}, 401,
			map[string]any{"error": msgNeedAuth}, msgNeedAuth},
		{"unknown token", "hf_nope", map[string]any{"name": "anon", "organization": "emu-user"}, 401,
			map[string]any{"error": "Invalid credentials in Authorization header"}, "Invalid credentials in Authorization header"},
		{"space", writeToken, map[string]any{"name": "sp", "organization": "emu-user", "type": "space"}, 400, nil, `hubtest serves model and dataset repos, not "space"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := create(tt.token, tt.body)
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.body)
			}
			if got := a.header.Get("Content-Type"); got != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", got)
			}
			if got := a.header.Get("X-Error-Message"); got != tt.wantHdr {
				t.Errorf("X-Error-Message %q, want %q", got, tt.wantHdr)
			}
			m := a.json(t)
			for k, v := range tt.want {
				if m[k] != v {
					t.Errorf("%s = %v, want %v", k, m[k], v)
				}
			}
			if tt.status == 200 {
				if id, _ := m["id"].(string); len(id) != 24 {
					t.Errorf("id %q: want 24 hex digits", id)
				}
			}
		})
	}
	// The private dataset is hidden from others and visible to its creator.
	if a := call(t, "GET", s.URL+"/api/datasets/emu-org/js-dataset", "", "", nil); a.status != 404 {
		t.Errorf("private dataset without token: %d, want 404", a.status)
	}
	if a := call(t, "GET", s.URL+"/api/datasets/emu-org/js-dataset", roToken, "", nil); a.status != 404 {
		t.Errorf("private dataset with another token: %d, want 404", a.status)
	}
}

func TestPreupload(t *testing.T) {
	s := newUploadServer(t)
	s.AddRepo("model", "emu-user/m", RepoOptions{})
	big := pattern(1<<20, 1)
	s.Commit("model", "emu-user/m", "main", "init", map[string][]byte{
		"notes.txt": []byte("hello\n"), ".gitattributes": []byte("*.ckpt filter=lfs diff=lfs merge=lfs -text\n"),
	})
	s.SetLFSThreshold(1 << 20)
	s.Commit("model", "emu-user/m", "main", "weights", map[string][]byte{"weights.bin": big})
	sample := func(b []byte) string {
		if len(b) > 512 {
			b = b[:512]
		}
		return base64.StdEncoding.EncodeToString(b)
	}
	type f struct {
		path string
		data []byte
	}
	files := []f{
		{"README.md", []byte("---\nlibrary_name: hftrain\n---\n# m\n")},
		{"weights.bin", big},
		{"notes.txt", []byte("hello\n")},
		{"empty.bin", nil},
		{"x.ckpt", []byte("text but lfs by attributes")},
		{"logs/run.log", []byte("ignored")},
		{"utf8-cut.txt", []byte(strings.Repeat("é", 300))}, // the 512-byte sample cuts no rune: 600 bytes of 2-byte runes
	}
	var req []map[string]any
	for _, x := range files {
		req = append(req, map[string]any{"path": x.path, "size": len(x.data), "sample": sample(x.data)})
	}
	body := mustJSON(t, map[string]any{"files": req, "gitIgnore": "logs/\n*.log\n"})
	a := call(t, "POST", s.URL+"/api/models/emu-user/m/preupload/main", writeToken, "application/json", body)
	if a.status != 200 {
		t.Fatalf("preupload: %d %s", a.status, a.body)
	}
	var got struct {
		Files []struct {
			Path         string  `json:"path"`
			UploadMode   string  `json:"uploadMode"`
			ShouldIgnore *bool   `json:"shouldIgnore"`
			OID          *string `json:"oid"`
		} `json:"files"`
	}
	if err := json.Unmarshal(a.body, &got); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		mode   string
		ignore bool
		oid    string
	}{
		{"regular", false, ""},
		{"lfs", false, sha256Hex(big)},
		{"regular", false, gitBlobID([]byte("hello\n"))},
		{"regular", false, ""},
		{"lfs", false, ""},
		{"regular", true, ""},
		{"regular", false, ""},
	}
	if len(got.Files) != len(want) {
		t.Fatalf("%d files answered, want %d: %s", len(got.Files), len(want), a.body)
	}
	for i, w := range want {
		g := got.Files[i]
		oid := ""
		if g.OID != nil {
			oid = *g.OID
		}
		if g.Path != files[i].path || g.UploadMode != w.mode || g.ShouldIgnore == nil || *g.ShouldIgnore != w.ignore || oid != w.oid {
			t.Errorf("%s: got mode %q ignore %v oid %q, want %q %v %q", files[i].path, g.UploadMode, g.ShouldIgnore, oid, w.mode, w.ignore, w.oid)
		}
	}
	errs := []struct {
		name, url, token string
		status           int
		code, msg        string
	}{
		{"read-only token", s.URL + "/api/models/emu-user/m/preupload/main", roToken, 403, "", msgReadOnly},
		{"no token", s.URL + "/api/models/emu-user/m/preupload/main", "", 401, "", msgNeedAuth},
		{"missing repo", s.URL + "/api/models/emu-user/nope/preupload/main", writeToken, 404, codeRepoNotFound, "Repository not found"},
		{"missing branch", s.URL + "/api/models/emu-user/m/preupload/dev", writeToken, 404, codeRevisionNotFound, "Invalid rev id: dev"},
	}
	for _, e := range errs {
		a := call(t, "POST", e.url, e.token, "application/json", body)
		if a.status != e.status || a.header.Get("X-Error-Code") != e.code || a.header.Get("X-Error-Message") != e.msg {
			t.Errorf("%s: %d %q %q, want %d %q %q", e.name, a.status, a.header.Get("X-Error-Code"), a.header.Get("X-Error-Message"), e.status, e.code, e.msg)
		}
	}
}

// batch posts an LFS batch request as the JS client does.
func batch(t *testing.T, s *Server, repoPath, token string, objs map[string]int) answer {
	t.Helper()
	var list []map[string]any
	for oid, size := range objs {
		list = append(list, map[string]any{"oid": oid, "size": size})
	}
	body := mustJSON(t, map[string]any{"operation": "upload", "transfers": []string{"basic", "multipart", "xet"},
		"objects": list, "hash_algo": "sha_256", "ref": map[string]any{"name": "main"}})
	return call(t, "POST", s.URL+"/"+repoPath+".git/info/lfs/objects/batch", token, lfsContentType, body)
}

// batchAnswer is the decoded batch answer.
type batchAnswer struct {
	Transfer string      `json:"transfer"`
	HashAlgo string      `json:"hash_algo"`
	Objects  []lfsObject `json:"objects"`
}

func decodeBatch(t *testing.T, a answer) batchAnswer {
	t.Helper()
	if a.status != 200 || a.header.Get("Content-Type") != lfsContentType {
		t.Fatalf("batch: %d %q %s", a.status, a.header.Get("Content-Type"), a.body)
	}
	var b batchAnswer
	if err := json.Unmarshal(a.body, &b); err != nil {
		t.Fatal(err)
	}
	return b
}

func md5ETag(b []byte) string {
	sum := md5.Sum(b)
	return strconv.Quote(hex.EncodeToString(sum[:]))
}

// download GETs a file through resolve, following the LFS redirect without the token.
func download(t *testing.T, s *Server, repoPath, rev, p string) []byte {
	t.Helper()
	a := call(t, "GET", s.URL+"/"+repoPath+"/resolve/"+rev+"/"+p, writeToken, "", nil)
	if a.status == http.StatusFound {
		loc := a.header.Get("Location")
		if !strings.HasPrefix(loc, s.CDNURL+"/") {
			t.Fatalf("LFS redirect to %q, want the CDN", loc)
		}
		a = call(t, "GET", loc, "", "", nil)
	}
	if a.status != 200 {
		t.Fatalf("download %s@%s/%s: %d %s", repoPath, rev, p, a.status, a.body)
	}
	return a.body
}

func TestLFSBasicAndCommit(t *testing.T) {
	s := newUploadServer(t)
	s.AddRepo("model", "emu-user/m", RepoOptions{})
	weights := pattern(307200, 2)
	oid := sha256Hex(weights)
	b := decodeBatch(t, batch(t, s, "emu-user/m", writeToken, map[string]int{oid: len(weights)}))
	if b.Transfer != "basic" || b.HashAlgo != "sha256" || len(b.Objects) != 1 {
		t.Fatalf("batch answer %+v", b)
	}
	up, ok := b.Objects[0].Actions["upload"]
	if !ok || !strings.HasPrefix(up.Href, s.CDNURL+"/put/"+oid+"?") || len(up.Header) != 0 {
		t.Fatalf("upload action %+v", up)
	}
	if v := b.Objects[0].Actions["verify"]; v.Href != s.URL+"/emu-user/m.git/info/lfs/objects/verify" {
		t.Errorf("verify href %q", v.Href)
	}
	// The presigned PUT refuses a token, a bad signature and wrong bytes.
	if a := call(t, "PUT", up.Href, writeToken, "", weights); a.status != 400 {
		t.Errorf("PUT with Authorization: %d, want 400", a.status)
	}
	if a := call(t, "PUT", strings.Replace(up.Href, "Signature=", "Signature=0", 1), "", "", weights); a.status != 403 {
		t.Errorf("PUT with a bad signature: %d, want 403", a.status)
	}
	if a := call(t, "PUT", up.Href, "", "", weights[1:]); a.status != 400 {
		t.Errorf("PUT of the wrong bytes: %d, want 400", a.status)
	}
	// A commit naming an object not uploaded yet is refused.
	commitURL := s.URL + "/api/models/emu-user/m/commit/main"
	if a := call(t, "POST", commitURL, writeToken, "application/x-ndjson", ndjson(t, header("early", ""), lfsFile("weights.bin", weights))); a.status != 400 {
		t.Errorf("commit before upload: %d, want 400", a.status)
	}
	a := call(t, "PUT", up.Href, "", "", weights)
	if a.status != 200 || a.header.Get("ETag") != md5ETag(weights) {
		t.Fatalf("PUT: %d ETag %q", a.status, a.header.Get("ETag"))
	}
	// verify (Python) and dedupe: the object is now stored, no actions.
	if a := call(t, "POST", b.Objects[0].Actions["verify"].Href, writeToken, lfsContentType, mustJSON(t, map[string]any{"oid": oid, "size": len(weights)})); a.status != 200 {
		t.Errorf("verify: %d %s", a.status, a.body)
	}
	b2 := decodeBatch(t, batch(t, s, "emu-user/m", writeToken, map[string]int{oid: len(weights)}))
	if len(b2.Objects) != 1 || b2.Objects[0].Actions != nil || b2.Objects[0].OID != oid {
		t.Errorf("dedupe answer %s", mustJSON(t, b2))
	}
	if a := batch(t, s, "emu-user/m", roToken, map[string]int{oid: len(weights)}); a.status != 403 {
		t.Errorf("batch with a read-only token: %d, want 403", a.status)
	}
	if b3 := decodeBatch(t, batch(t, s, "emu-user/m", writeToken, map[string]int{"XYZ": 3})); b3.Objects[0].Error == nil || b3.Objects[0].Error.Code != 422 {
		t.Errorf("bad oid answer %s", mustJSON(t, b3))
	}

	a = call(t, "POST", commitURL, writeToken, "application/x-ndjson",
		ndjson(t, header("Add 2 files", ""), lfsFile("weights.bin", weights), file("notes.txt", []byte("hello\n"))))
	if a.status != 200 {
		t.Fatalf("commit: %d %s", a.status, a.body)
	}
	m := a.json(t)
	sha, _ := m["commitOid"].(string)
	if !isHex40(sha) || m["commitUrl"] != s.URL+"/emu-user/m/commit/"+sha || m["success"] != true || m["hookOutput"] != "" {
		t.Fatalf("commit answer %s", a.body)
	}
	if _, ok := m["pullRequestUrl"]; ok {
		t.Errorf("pullRequestUrl without create_pr")
	}
	if got := download(t, s, "emu-user/m", sha, "weights.bin"); !bytes.Equal(got, weights) {
		t.Errorf("weights.bin downloaded back differs")
	}
	if got := download(t, s, "emu-user/m", "main", "notes.txt"); string(got) != "hello\n" {
		t.Errorf("notes.txt = %q", got)
	}
	// The tree has weights.bin as LFS with the pointer's blob id.
	tree := call(t, "GET", s.URL+"/api/models/emu-user/m/tree/main", "", "", nil)
	if !bytes.Contains(tree.body, []byte(gitBlobID(lfsPointer(oid, int64(len(weights)))))) || !bytes.Contains(tree.body, []byte(`"lfs"`)) {
		t.Errorf("tree after commit: %s", tree.body)
	}

	tests := []struct {
		name   string
		url    string
		token  string
		body   []byte
		status int
		code   string
		msg    string
	}{
		{"stale parentCommit", commitURL, writeToken, ndjson(t, header("x", strings.Repeat("a", 40)), file("x.txt", []byte("x"))), 412, "", msgParentMoved},
		{"delete a missing file", commitURL, writeToken, ndjson(t, header("Delete nope.txt", ""), deleted("deletedFile", "nope.txt")), 404, codeEntryNotFound, "A file with this name doesn't exist: nope.txt"},
		{"read-only token", commitURL, roToken, ndjson(t, header("x", ""), file("x.txt", []byte("x"))), 403, "", msgReadOnly},
		{"no token", commitURL, "", ndjson(t, header("x", ""), file("x.txt", []byte("x"))), 401, "", msgNeedAuth},
		{"no header", commitURL, writeToken, ndjson(t, file("x.txt", []byte("x"))), 400, "", "The first line of the commit body must be the header"},
		{"empty summary", commitURL, writeToken, ndjson(t, header("", ""), file("x.txt", []byte("x"))), 400, "", "The commit summary must not be empty"},
		{"regular file of 10 MiB", commitURL, writeToken, ndjson(t, header("big", ""), file("big.txt", make([]byte, 10<<20))), 400, "", msgRegularTooBig},
		{"path escaping", commitURL, writeToken, ndjson(t, header("x", ""), file("../x", []byte("x"))), 400, "", `Invalid path "../x"`},
		{"missing branch", s.URL + "/api/models/emu-user/m/commit/dev", writeToken, ndjson(t, header("x", ""), file("x.txt", []byte("x"))), 404, codeRevisionNotFound, "Invalid rev id: dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := call(t, "POST", tt.url, tt.token, "application/x-ndjson", tt.body)
			if a.status != tt.status || a.header.Get("X-Error-Code") != tt.code || a.header.Get("X-Error-Message") != tt.msg {
				t.Errorf("%d %q %q, want %d %q %q", a.status, a.header.Get("X-Error-Code"), a.header.Get("X-Error-Message"), tt.status, tt.code, tt.msg)
			}
		})
	}
	// None of the refused commits moved main.
	if got := call(t, "GET", s.URL+"/api/models/emu-user/m/revision/main", "", "", nil).json(t)["sha"]; got != sha {
		t.Errorf("main moved to %v after refused commits", got)
	}

	// parentCommit equal to the head works; deletedFolder and deletedFile too.
	a = call(t, "POST", commitURL, writeToken, "application/x-ndjson", ndjson(t, header("more", sha),
		file("logs/a.txt", []byte("a")), file("logs/b/c.txt", []byte("c"))))
	sha2, _ := a.json(t)["commitOid"].(string)
	a = call(t, "POST", commitURL, writeToken, "application/x-ndjson", ndjson(t, header("cleanup", sha2),
		deleted("deletedFolder", "logs/"), deleted("deletedFile", "notes.txt")))
	if a.status != 200 {
		t.Fatalf("delete commit: %d %s", a.status, a.body)
	}
	for _, p := range []string{"notes.txt", "logs/a.txt", "logs/b/c.txt"} {
		if r := call(t, "GET", s.URL+"/emu-user/m/resolve/main/"+p, "", "", nil); r.status != 404 {
			t.Errorf("%s after delete: %d", p, r.status)
		}
	}
	if got := download(t, s, "emu-user/m", "main", "weights.bin"); !bytes.Equal(got, weights) {
		t.Errorf("weights.bin lost by the delete commit")
	}

	// create_pr opens refs/pr/1 from main without moving main.
	a = call(t, "POST", commitURL+"?create_pr=1", writeToken, "application/x-ndjson", ndjson(t, header("Add 1 files", ""), file("pr.txt", []byte("pr\n"))))
	m = a.json(t)
	if a.status != 200 || m["pullRequestUrl"] != s.URL+"/emu-user/m/discussions/1" {
		t.Fatalf("create_pr: %d %s", a.status, a.body)
	}
	if got := download(t, s, "emu-user/m", "refs%2Fpr%2F1", "pr.txt"); string(got) != "pr\n" {
		t.Errorf("pr.txt on refs/pr/1 = %q", got)
	}
	if r := call(t, "GET", s.URL+"/emu-user/m/resolve/main/pr.txt", "", "", nil); r.status != 404 {
		t.Errorf("pr.txt on main: %d, want 404", r.status)
	}
}

func TestLFSMultipart(t *testing.T) {
	s := newUploadServer(t)
	s.AddRepo("dataset", "emu-org/d", RepoOptions{})
	s.SetMultipartChunkSize(1000)
	data := pattern(2500, 3)
	oid := sha256Hex(data)
	b := decodeBatch(t, batch(t, s, "datasets/emu-org/d", writeToken, map[string]int{oid: len(data)}))
	if b.Transfer != "multipart" || len(b.Objects) != 1 {
		t.Fatalf("batch answer %s", mustJSON(t, b))
	}
	up := b.Objects[0].Actions["upload"]
	if up.Header["chunk_size"] != "1000" || len(up.Header) != 4 || !strings.HasPrefix(up.Href, s.URL+"/api/complete_multipart?") {
		t.Fatalf("multipart action %+v", up)
	}
	if v := b.Objects[0].Actions["verify"].Href; v != s.URL+"/datasets/emu-org/d.git/info/lfs/objects/verify" {
		t.Errorf("verify href %q", v)
	}
	complete := func(parts []map[string]any) answer {
		return call(t, "POST", up.Href, "", lfsContentType, mustJSON(t, map[string]any{"oid": oid, "parts": parts}))
	}
	etags := map[int]string{}
	for _, n := range []int{3, 1, 2} { // out of order, as the JS client may
		part := data[(n-1)*1000 : min(n*1000, len(data))]
		href := up.Header[fmt.Sprintf("%05d", n)]
		if !strings.HasPrefix(href, s.CDNURL+"/part/") {
			t.Fatalf("part %d href %q", n, href)
		}
		if a := call(t, "PUT", href, "", "", part[1:]); a.status != 400 {
			t.Errorf("short part %d: %d, want 400", n, a.status)
		}
		a := call(t, "PUT", href, "", "", part)
		if a.status != 200 || a.header.Get("ETag") != md5ETag(part) {
			t.Fatalf("part %d: %d ETag %q", n, a.status, a.header.Get("ETag"))
		}
		etags[n] = a.header.Get("ETag")
		if n == 1 {
			// Not every part is there yet.
			if a := complete([]map[string]any{{"partNumber": 1, "etag": etags[1]}, {"partNumber": 2, "etag": `"x"`}, {"partNumber": 3, "etag": etags[3]}}); a.status != 400 {
				t.Errorf("early completion: %d, want 400", a.status)
			}
		}
	}
	if _, ok := s.LFSObject(oid); ok {
		t.Fatal("object stored before completion")
	}
	parts := []map[string]any{}
	for n := 1; n <= 3; n++ {
		parts = append(parts, map[string]any{"partNumber": n, "etag": etags[n]})
	}
	if a := complete(parts[:2]); a.status != 400 {
		t.Errorf("completion with 2 of 3 parts: %d, want 400", a.status)
	}
	if a := complete(parts); a.status != 200 {
		t.Fatalf("completion: %d %s", a.status, a.body)
	}
	if got, ok := s.LFSObject(oid); !ok || !bytes.Equal(got, data) {
		t.Fatal("object not stored after completion")
	}
	a := call(t, "POST", s.URL+"/api/datasets/emu-org/d/commit/main", writeToken, "application/x-ndjson",
		ndjson(t, header("Add big", ""), lfsFile("data/big.bin", data)))
	m := a.json(t)
	sha, _ := m["commitOid"].(string)
	if a.status != 200 || m["commitUrl"] != s.URL+"/datasets/emu-org/d/commit/"+sha {
		t.Fatalf("commit: %d %s", a.status, a.body)
	}
	if got := download(t, s, "datasets/emu-org/d", "main", "data/big.bin"); !bytes.Equal(got, data) {
		t.Error("data/big.bin downloaded back differs")
	}
	// Under the chunk size, basic again.
	if b := decodeBatch(t, batch(t, s, "datasets/emu-org/d", writeToken, map[string]int{sha256Hex(data[:999]): 999})); b.Transfer != "basic" {
		t.Errorf("small object transfer %q, want basic", b.Transfer)
	}
}

func TestLooksBinary(t *testing.T) {
	tests := []struct {
		name   string
		sample []byte
		want   bool
	}{
		{"ascii", []byte("hello\n"), false},
		{"utf-8", []byte("héllo ✓"), false},
		{"rune cut at the end", []byte("ab\xe2\x9c"), false},
		{"nul", []byte("ab\x00cd"), true},
		{"invalid utf-8", []byte("ab\xffcd"), true},
		{"parquet magic", []byte("PAR1\x15\x04\x15\xa0"), true},
		{"empty", nil, false},
	}
	for _, tt := range tests {
		if got := looksBinary(tt.sample); got != tt.want {
			t.Errorf("%s: looksBinary = %v, want %v", tt.name, got, tt.want)
		}
	}
}
