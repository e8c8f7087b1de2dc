package hubtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestResolve checks /resolve and /raw against the statuses and headers of
// the traces (js-download, py-download, js-errors, py-errors).
func TestResolve(t *testing.T) {
	f := newFixture(t)
	s := f.s
	cfgTag := strconv.Quote(gitBlobID(f.config2))
	stSHA := sha256Hex(f.safetensors)
	stPtr := lfsPointer(stSHA, 65536)
	stLoc := s.CDNURL + "/lfs/" + stSHA + "?X-Hubtest-Signature=" + cdnSignature(stSHA, "model.safetensors") + "&filename=model.safetensors"
	pqSHA := sha256Hex(f.parquet)
	auth := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	tests := []struct {
		name    string
		method  string
		path    string
		header  map[string]string
		status  int
		headers map[string]string
		body    []byte
	}{
		{"regular GET", "GET", "/emu-org/tiny-model/resolve/main/config.json", nil, 200, map[string]string{
			"X-Repo-Commit": f.c2, "ETag": cfgTag, "Content-Length": "34", "Accept-Ranges": "bytes",
			"Content-Type": "application/octet-stream", "Content-Range": "", "X-Linked-Etag": "",
			"Content-Disposition": `inline; filename*=UTF-8''config.json; filename="config.json";`,
		}, f.config2},
		{"regular HEAD", "HEAD", "/emu-org/tiny-model/resolve/main/config.json", map[string]string{"Accept-Encoding": "identity"}, 200, map[string]string{
			"X-Repo-Commit": f.c2, "ETag": cfgTag, "Content-Length": "34",
		}, []byte{}},
		{"regular range 0-0", "GET", "/emu-org/tiny-model/resolve/main/config.json", map[string]string{"Range": "bytes=0-0"}, 206, map[string]string{
			"Content-Range": "bytes 0-0/34", "Content-Length": "1", "ETag": cfgTag, "X-Repo-Commit": f.c2,
		}, []byte("{")},
		{"regular suffix range", "GET", "/emu-org/tiny-model/resolve/main/config.json", map[string]string{"Range": "bytes=-3"}, 206, map[string]string{
			"Content-Range": "bytes 31-33/34",
		}, []byte("2}\n")},
		{"regular open range", "GET", "/emu-org/tiny-model/resolve/main/config.json", map[string]string{"Range": "bytes=30-"}, 206, map[string]string{
			"Content-Range": "bytes 30-33/34",
		}, []byte(":2}\n")},
		{"unsatisfiable range", "GET", "/emu-org/tiny-model/resolve/main/config.json", map[string]string{"Range": "bytes=34-"}, 416, map[string]string{
			"Content-Range": "bytes */34",
		}, nil},
		{"by tag", "GET", "/emu-org/tiny-model/resolve/v1.0/config.json", nil, 200, map[string]string{
			"X-Repo-Commit": f.c1, "ETag": strconv.Quote(gitBlobID(f.config1)),
		}, f.config1},
		{"by commit", "GET", "/emu-org/tiny-model/resolve/" + f.c1 + "/config.json", nil, 200, map[string]string{"X-Repo-Commit": f.c1}, f.config1},
		{"by short commit", "GET", "/emu-org/tiny-model/resolve/" + f.c1[:7] + "/config.json", nil, 200, map[string]string{"X-Repo-Commit": f.c1}, f.config1},
		{"HEAD alias", "GET", "/emu-org/tiny-model/resolve/HEAD/config.json", nil, 200, map[string]string{"X-Repo-Commit": f.c2}, f.config2},
		{"LFS HEAD", "HEAD", "/emu-org/tiny-model/resolve/main/model.safetensors", auth(readToken), 302, map[string]string{
			"X-Repo-Commit": f.c2, "ETag": strconv.Quote(gitBlobID(stPtr)), "X-Linked-Etag": strconv.Quote(stSHA),
			"X-Linked-Size": "65536", "Location": stLoc,
		}, []byte{}},
		{"LFS GET with range", "GET", "/emu-org/tiny-model/resolve/main/model.safetensors", map[string]string{"Range": "bytes=0-0"}, 302, map[string]string{
			"Location": stLoc, "Content-Range": "", "X-Linked-Size": "65536",
		}, []byte("Found. Redirecting to " + stLoc)},
		{"raw of LFS is the pointer", "GET", "/emu-org/tiny-model/raw/main/model.safetensors", nil, 200, map[string]string{
			"ETag": strconv.Quote(gitBlobID(stPtr)), "Content-Length": "130", "Location": "", "X-Linked-Etag": "",
		}, stPtr},
		{"missing entry", "GET", "/emu-org/tiny-model/resolve/main/nope.json", nil, 404, map[string]string{
			"X-Error-Code": "EntryNotFound", "X-Error-Message": "Entry not found", "X-Repo-Commit": f.c2,
			"Content-Type": "application/json; charset=utf-8",
		}, []byte(`{"error":"Entry not found"}`)},
		{"directory is not an entry", "HEAD", "/emu-org/tiny-model/resolve/main/onnx", nil, 404, map[string]string{"X-Error-Code": "EntryNotFound"}, nil},
		{"missing revision", "GET", "/emu-org/tiny-model/resolve/no-such-branch/config.json", nil, 404, map[string]string{
			"X-Error-Code": "RevisionNotFound", "X-Error-Message": "Invalid rev id: no-such-branch", "X-Repo-Commit": "",
		}, []byte(`{"error":"Invalid rev id: no-such-branch"}`)},
		{"missing repo with token", "HEAD", "/emu-org/does-not-exist/resolve/main/config.json", auth(readToken), 404, map[string]string{
			"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found",
		}, nil},
		{"missing repo without token", "GET", "/emu-org/does-not-exist/resolve/main/config.json", nil, 401, map[string]string{"X-Error-Code": "RepoNotFound"}, nil},
		{"private without token", "HEAD", "/emu-org/private-model/resolve/main/config.json", nil, 401, map[string]string{
			"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found",
		}, nil},
		{"private with other token", "GET", "/emu-org/private-model/resolve/main/config.json", auth(otherToken), 404, map[string]string{"X-Error-Code": "RepoNotFound"}, nil},
		{"private with its token", "GET", "/emu-org/private-model/resolve/main/config.json", auth(readToken), 200, map[string]string{
			"X-Repo-Commit": f.privateC, "ETag": `"0967ef424bce6791893e9a57bb952f80fd536e93"`,
		}, []byte("{}\n")},
		{"gated without token", "HEAD", "/emu-org/gated-model/resolve/main/config.json", nil, 401, map[string]string{
			"X-Error-Code":    "GatedRepo",
			"X-Error-Message": "Access to model emu-org/gated-model is restricted. You must have access to it and be authenticated to access it. Please log in.",
		}, nil},
		{"gated with other token", "GET", "/emu-org/gated-model/resolve/main/config.json", auth(otherToken), 403, map[string]string{
			"X-Error-Code":    "GatedRepo",
			"X-Error-Message": "Access to model emu-org/gated-model is restricted and you are not in the authorized list. Visit " + s.URL + "/emu-org/gated-model to ask for access.",
		}, nil},
		{"gated with its token", "GET", "/emu-org/gated-model/resolve/main/config.json", auth(readToken), 200, nil, []byte("{}\n")},
		{"unknown token", "GET", "/emu-org/tiny-model/resolve/main/config.json", auth("hf_unknown"), 401, map[string]string{
			"X-Error-Code": "", "X-Error-Message": "Invalid credentials in Authorization header",
		}, []byte(`{"error":"Invalid credentials in Authorization header"}`)},
		{"renamed repo", "HEAD", "/emu-org/old-name/resolve/main/config.json", nil, 307, map[string]string{
			"Location": "/emu-org/tiny-model/resolve/main/config.json", "X-Repo-Commit": "",
		}, nil},
		{"parquet ref encoded", "HEAD", "/datasets/emu-org/tiny-dataset/resolve/refs%2Fconvert%2Fparquet/default/train/0000.parquet", nil, 302, map[string]string{
			"X-Repo-Commit": f.parquetC, "X-Linked-Etag": strconv.Quote(pqSHA), "X-Linked-Size": strconv.Itoa(len(f.parquet)),
		}, nil},
		{"parquet ref unencoded", "HEAD", "/datasets/emu-org/tiny-dataset/resolve/refs/convert/parquet/default/train/0000.parquet", nil, 302, map[string]string{
			"X-Repo-Commit": f.parquetC,
		}, nil},
		{"dataset regular file", "GET", "/datasets/emu-org/tiny-dataset/resolve/main/data/train.csv", nil, 200, nil, []byte("text,label\nhi,1\n")},
		{"dataset path is not a model", "GET", "/emu-org/tiny-dataset/resolve/main/data/train.csv", nil, 401, map[string]string{"X-Error-Code": "RepoNotFound"}, nil},
		{"POST refused", "POST", "/emu-org/tiny-model/resolve/main/config.json", nil, 405, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, tt.method, s.URL+tt.path, tt.header, "")
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (body %q)", resp.StatusCode, tt.status, body)
			}
			checkHeaders(t, resp, tt.headers)
			checkBody(t, body, tt.body)
		})
	}
}

// TestCDN follows the LFS redirect the way the clients do.
func TestCDN(t *testing.T) {
	f := newFixture(t)
	s := f.s
	resp, _ := do(t, "HEAD", s.URL+"/emu-org/tiny-model/resolve/main/model.safetensors", nil, "")
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, s.CDNURL+"/lfs/") || s.CDNURL == s.URL {
		t.Fatalf("Location %q is not on the separate CDN listener %s", loc, s.CDNURL)
	}
	sha := sha256Hex(f.safetensors)
	tests := []struct {
		name    string
		url     string
		header  map[string]string
		status  int
		headers map[string]string
		body    []byte
	}{
		{"full", loc, nil, 200, map[string]string{"Content-Length": "65536", "ETag": strconv.Quote(sha), "Accept-Ranges": "bytes"}, f.safetensors},
		{"range", loc, map[string]string{"Range": "bytes=100-199"}, 206, map[string]string{"Content-Range": "bytes 100-199/65536", "Content-Length": "100"}, f.safetensors[100:200]},
		{"probe", loc, map[string]string{"Range": "bytes=0-0"}, 206, map[string]string{"Content-Range": "bytes 0-0/65536"}, f.safetensors[:1]},
		{"resume", loc, map[string]string{"Range": "bytes=65000-"}, 206, map[string]string{"Content-Range": "bytes 65000-65535/65536"}, f.safetensors[65000:]},
		{"authorization refused", loc, map[string]string{"Authorization": "Bearer " + readToken}, 400, nil, nil},
		{"bad signature", strings.Replace(loc, "X-Hubtest-Signature=", "X-Hubtest-Signature=0", 1), nil, 403, nil, nil},
		{"unknown object", s.CDNURL + "/lfs/" + strings.Repeat("0", 64) + "?filename=x&X-Hubtest-Signature=" + cdnSignature(strings.Repeat("0", 64), "x"), nil, 404, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, "GET", tt.url, tt.header, "")
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (body %q)", resp.StatusCode, tt.status, body)
			}
			checkHeaders(t, resp, tt.headers)
			checkBody(t, body, tt.body)
		})
	}
	// A client following the redirect gets the content. Go's http.Client
	// keeps Authorization across ports of the same host (unlike Node's fetch
	// and huggingface_hub), so a Go client must drop it itself: the CDN
	// refuses it, as a presigned object-store URL does.
	for _, tok := range []string{"", readToken} {
		req, _ := http.NewRequest("GET", s.URL+"/emu-org/tiny-model/resolve/main/model.safetensors", nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		full, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		full.Body.Close()
		want := 200
		if tok != "" {
			want = 400
		}
		if full.StatusCode != want {
			t.Errorf("followed redirect with token %q: status %d, want %d", tok, full.StatusCode, want)
		}
	}
	var cdnAuth []string
	for _, r := range s.Requests() {
		if r.Listener == "cdn" && r.HasAuth {
			cdnAuth = append(cdnAuth, fmt.Sprint(r.Method, " ", r.Path, " ", r.Status))
		}
	}
	if len(cdnAuth) != 2 {
		t.Errorf("CDN requests with Authorization: %v, want the two refused ones", cdnAuth)
	}
}

func TestParseRange(t *testing.T) {
	tests := []struct {
		header     string
		size       int64
		start, end int64
		status     int
	}{
		{"", 10, 0, 10, 200},
		{"bytes=0-0", 10, 0, 1, 206},
		{"bytes=2-5", 10, 2, 6, 206},
		{"bytes=2-", 10, 2, 10, 206},
		{"bytes=5-100", 10, 5, 10, 206},
		{"bytes=-4", 10, 6, 10, 206},
		{"bytes=-40", 10, 0, 10, 206},
		{"bytes=10-", 10, 0, 0, 416},
		{"bytes=-0", 10, 0, 0, 416},
		{"bytes=5-2", 10, 0, 10, 200},
		{"bytes=0-1,3-4", 10, 0, 10, 200},
		{"items=0-1", 10, 0, 10, 200},
		{"bytes=x-1", 10, 0, 10, 200},
		{"bytes=0-0", 0, 0, 0, 200},
	}
	for _, tt := range tests {
		start, end, status := parseRange(tt.header, tt.size)
		if start != tt.start || end != tt.end || status != tt.status {
			t.Errorf("parseRange(%q, %d) = %d, %d, %d; want %d, %d, %d", tt.header, tt.size, start, end, status, tt.start, tt.end, tt.status)
		}
	}
}
