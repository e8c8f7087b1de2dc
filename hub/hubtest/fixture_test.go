package hubtest

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Tokens of the fixture.
const (
	readToken  = "hf_read_token"  // may read the private and gated repos
	otherToken = "hf_other_token" // known, but not allowed on them
)

// fixture is the repos of the traces, built on a fresh server.
type fixture struct {
	s                  *Server
	c1, c2             string // tiny-model commits (c1 tagged v1.0)
	config1, config2   []byte
	safetensors, onnx  []byte
	privateC, parquetC string
	parquet            []byte
}

// pattern returns n deterministic bytes.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	x := uint32(seed) + 1
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = byte(x >> 24)
	}
	return b
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{
		s:           New(t),
		config1:     []byte("{\"model_type\":\"gpt2\",\"n_layer\":1}\n"),
		config2:     []byte("{\"model_type\":\"gpt2\",\"n_layer\":2}\n"),
		safetensors: pattern(65536, 1),
		onnx:        pattern(4096, 2),
		parquet:     append(append([]byte("PAR1"), pattern(2048, 3)...), "PAR1"...),
	}
	s := f.s
	s.SetLFSThreshold(1024)
	s.AddToken(otherToken)
	s.AddRepo("model", "emu-org/old-name", RepoOptions{})
	f.c1 = s.Commit("model", "emu-org/old-name", "main", "Upload tiny model", map[string][]byte{
		"config.json":     f.config1,
		"README.md":       []byte("# tiny\n"),
		"onnx/model.onnx": f.onnx,
	})
	s.Tag("model", "emu-org/old-name", "v1.0", f.c1)
	f.c2 = s.Commit("model", "emu-org/old-name", "main", "Update config.json", map[string][]byte{
		"config.json":       f.config2,
		"model.safetensors": f.safetensors,
	})
	s.Rename("model", "emu-org/old-name", "emu-org/tiny-model")

	s.AddRepo("model", "emu-org/private-model", RepoOptions{Private: true, Token: readToken})
	f.privateC = s.Commit("model", "emu-org/private-model", "main", "init", map[string][]byte{"config.json": []byte("{}\n")})
	s.AddRepo("model", "emu-org/gated-model", RepoOptions{Gated: true, Token: readToken})
	s.Commit("model", "emu-org/gated-model", "main", "init", map[string][]byte{"config.json": []byte("{}\n")})

	s.AddRepo("dataset", "emu-org/tiny-dataset", RepoOptions{})
	s.Commit("dataset", "emu-org/tiny-dataset", "main", "data", map[string][]byte{"data/train.csv": []byte("text,label\nhi,1\n")})
	f.parquetC = s.Commit("dataset", "emu-org/tiny-dataset", "refs/convert/parquet", "convert", map[string][]byte{
		"default/train/0000.parquet": f.parquet,
		"default/test/0000.parquet":  []byte("PAR1tinyPAR1"),
	})
	return f
}

// noRedirect is a client that does not follow redirects.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// do sends a request and returns the response with its body read.
func do(t *testing.T, method, url string, header map[string]string, body string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp, data
}

// checkHeaders compares the headers of resp with want ("" means absent).
func checkHeaders(t *testing.T, resp *http.Response, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
}

// checkBody compares a body with want when want is not nil.
func checkBody(t *testing.T, got, want []byte) {
	t.Helper()
	if want != nil && !bytes.Equal(got, want) {
		if len(got) > 200 {
			got = got[:200]
		}
		t.Errorf("body %q, want %d bytes starting %q", got, len(want), want[:min(len(want), 60)])
	}
}
