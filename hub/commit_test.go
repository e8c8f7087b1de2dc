package hub

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The expected lines are the commit bodies recorded from huggingface_hub 1.29 and
// @huggingface/hub 2.17.5 (HUB.md traces py-upload, js-upload-dedupe-delete).
func TestCommitPayloadMatchesTraces(t *testing.T) {
	weights := &addition{op: CommitOperation{PathInRepo: "weights.bin"}, mode: "lfs", size: 307200,
		oid: "6882a0d71818855aa65dc2e23b4634e77b8515a6d8c935b964d2082b089a4467"}
	cfg := &addition{op: CommitOperation{PathInRepo: "config.json", Content: []byte(`{"a":1}`)}, mode: "regular", size: 7}
	pr := &addition{op: CommitOperation{PathInRepo: "pr.txt", Content: []byte("pr\n")}, mode: "regular", size: 3}
	tests := []struct {
		name    string
		summary string
		parent  string
		ops     []CommitOperation
		adds    []*addition
		want    []string // one JSON value per line
		jsSHA   string   // sha256 of the JS body (no trailing newline) when it is byte-identical
	}{
		{
			name: "lfs and regular", summary: "add weights",
			ops:  []CommitOperation{weights.op, cfg.op},
			adds: []*addition{weights, cfg},
			want: []string{
				`{"key":"header","value":{"summary":"add weights"}}`,
				`{"key":"lfsFile","value":{"algo":"sha256","oid":"6882a0d71818855aa65dc2e23b4634e77b8515a6d8c935b964d2082b089a4467","path":"weights.bin","size":307200}}`,
				`{"key":"file","value":{"content":"eyJhIjoxfQ==","encoding":"base64","path":"config.json"}}`,
			},
		},
		{
			name: "delete", summary: "Delete notes.txt",
			ops:   []CommitOperation{{PathInRepo: "notes.txt", Delete: true}},
			want:  []string{`{"key":"header","value":{"summary":"Delete notes.txt"}}`, `{"key":"deletedFile","value":{"path":"notes.txt"}}`},
			jsSHA: "7a2adfa83220ed0661b93b875b243e9023b7edb3987cf931f2b54a559f818a65",
		},
		{
			name: "regular", summary: "Add 1 files",
			ops: []CommitOperation{pr.op}, adds: []*addition{pr},
			want: []string{
				`{"key":"header","value":{"summary":"Add 1 files"}}`,
				`{"key":"file","value":{"content":"cHIK","encoding":"base64","path":"pr.txt"}}`,
			},
			jsSHA: "6a6a0fd4dcb7eafe62adfc94f7ae8722bdee261d9a6df7db396dc94b671f7cde",
		},
		{
			name: "folder delete and parent", summary: "s", parent: "0123456789abcdef0123456789abcdef01234567",
			ops: []CommitOperation{{PathInRepo: "logs/", Delete: true}},
			want: []string{
				`{"key":"header","value":{"summary":"s","parentCommit":"0123456789abcdef0123456789abcdef01234567"}}`,
				`{"key":"deletedFolder","value":{"path":"logs/"}}`,
			},
		},
		{
			name: "ignored addition left out", summary: "s",
			ops:  []CommitOperation{{PathInRepo: "x"}, {PathInRepo: "gone", Delete: true}},
			adds: []*addition{{op: CommitOperation{PathInRepo: "x"}, mode: "regular", ignore: true}},
			want: []string{`{"key":"header","value":{"summary":"s"}}`, `{"key":"deletedFile","value":{"path":"gone"}}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := commitPayload(tt.summary, "", tt.parent, tt.ops, tt.adds)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasSuffix(body, []byte("\n")) {
				t.Errorf("body does not end in a newline: %q", body)
			}
			lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(tt.want), body)
			}
			for i := range lines {
				var got, want any
				if err := json.Unmarshal([]byte(lines[i]), &got); err != nil {
					t.Fatalf("line %d: %v: %s", i, err, lines[i])
				}
				if err := json.Unmarshal([]byte(tt.want[i]), &want); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("line %d:\n got %s\nwant %s", i, lines[i], tt.want[i])
				}
			}
			if tt.jsSHA != "" {
				sum := sha256.Sum256(bytes.TrimSuffix(body, []byte("\n")))
				if got := hex.EncodeToString(sum[:]); got != tt.jsSHA {
					t.Errorf("sha256 %s, want the JS client's %s for\n%s", got, tt.jsSHA, body)
				}
			}
		})
	}
}

func TestAdditionPrepare(t *testing.T) {
	dir := t.TempDir()
	big := bytes.Repeat([]byte("0123456789"), 100)
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, big, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(big)
	tests := []struct {
		name string
		op   CommitOperation
	}{
		{"content", CommitOperation{PathInRepo: "f", Content: big}},
		{"local path", CommitOperation{PathInRepo: "f", LocalPath: p}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &addition{op: tt.op}
			if err := a.prepare(); err != nil {
				t.Fatal(err)
			}
			if a.size != int64(len(big)) || a.oid != hex.EncodeToString(sum[:]) || !bytes.Equal(a.sample, big[:512]) {
				t.Errorf("size %d oid %s sample %d bytes; want %d %x 512", a.size, a.oid, len(a.sample), len(big), sum)
			}
		})
	}
	if err := (&addition{op: CommitOperation{LocalPath: filepath.Join(dir, "missing")}}).prepare(); err == nil {
		t.Error("missing local file: no error")
	}
}

func TestFolderFiles(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"config.json", "model.safetensors", "README.md", "logs/run.txt", "logs/deep/x.txt",
		".git/HEAD", "sub/.git/config", ".cache/huggingface/upload/x", "ckpt/optimizer.pt", "ckpt/model.safetensors"} {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(dir, "config.json"), filepath.Join(dir, "link.json")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		allow, ignore []string
		want          []string
	}{
		{"all but .git and cache", nil, nil, []string{"README.md", "ckpt/model.safetensors", "ckpt/optimizer.pt", "config.json",
			"link.json", "logs/deep/x.txt", "logs/run.txt", "model.safetensors"}},
		{"allow glob crosses /", []string{"*.safetensors"}, nil, []string{"ckpt/model.safetensors", "model.safetensors"}},
		{"ignore folder", nil, []string{"logs/", "ckpt/*.pt"}, []string{"README.md", "ckpt/model.safetensors", "config.json", "link.json", "model.safetensors"}},
		{"allow and ignore", []string{"*.json", "*.md"}, []string{"link.*"}, []string{"README.md", "config.json"}},
		{"nothing", []string{"*.bin"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := folderFiles(dir, tt.allow, tt.ignore)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}
