package hub

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// snapshotFiles downloads revision of a model repo into a fresh cache and returns its
// files ("/"-separated path -> content).
func snapshotFiles(t *testing.T, c *Client, repoID, revision string) map[string][]byte {
	t.Helper()
	dir, err := c.Snapshot(context.Background(), "model", repoID, revision, nil)
	if err != nil {
		t.Fatalf("snapshot %s@%s: %v", repoID, revision, err)
	}
	out := map[string][]byte{}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p) // follows the cache's symlink to the blob
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestUploadFolderTo(t *testing.T) {
	srv := newUploadServer(t)
	ctx := context.Background()
	c := uploadClient(t, srv, writeToken)
	if _, err := c.CreateRepo(ctx, "model", "emu-user/to", false, false); err != nil {
		t.Fatal(err)
	}
	folder := t.TempDir()
	files := map[string][]byte{
		"config.json":       []byte("{}\n"),
		"model.safetensors": randBytes(11, 3000), // LFS (threshold 1 KiB)
		"_notes.txt":        []byte("private\n"),
		"sub/_keep.txt":     []byte("kept: the pattern matches from the folder's root\n"),
	}
	for name, b := range files {
		p := filepath.Join(folder, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name       string
		pathInRepo string
		prefix     string // where the files must land
		wantErr    bool
	}{
		{name: "root", pathInRepo: "", prefix: ""},
		{name: "dot", pathInRepo: ".", prefix: ""},
		{name: "folder", pathInRepo: "last-checkpoint", prefix: "last-checkpoint/"},
		{name: "slashes trimmed", pathInRepo: "/checkpoint-5/", prefix: "checkpoint-5/"},
		{name: "nested", pathInRepo: "runs/a", prefix: "runs/a/"},
		{name: "escape", pathInRepo: "../x", wantErr: true},
		{name: "dot segment", pathInRepo: "a/./b", wantErr: true},
	}
	d := uploadClient(t, srv, writeToken)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			commit, err := c.UploadFolderTo(ctx, "model", "emu-user/to", "", folder, tt.pathInRepo, "to "+tt.name, nil, []string{"_*"})
			if tt.wantErr {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("error %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := snapshotFiles(t, d, "emu-user/to", commit)
			for name, want := range files {
				b, ok := got[tt.prefix+name]
				if name == "_notes.txt" {
					if ok {
						t.Errorf("%s uploaded despite the ignore pattern", tt.prefix+name)
					}
					continue
				}
				if !ok || !bytes.Equal(b, want) {
					t.Errorf("%s: present %v, equal %v", tt.prefix+name, ok, bytes.Equal(b, want))
				}
			}
		})
	}
	// Every successful upload landed where asked and nowhere else.
	got := snapshotFiles(t, d, "emu-user/to", "main")
	var names []string
	for name := range got {
		names = append(names, name)
	}
	sort.Strings(names)
	want := "checkpoint-5/config.json checkpoint-5/model.safetensors checkpoint-5/sub/_keep.txt " +
		"config.json last-checkpoint/config.json last-checkpoint/model.safetensors last-checkpoint/sub/_keep.txt " +
		"model.safetensors runs/a/config.json runs/a/model.safetensors runs/a/sub/_keep.txt sub/_keep.txt"
	if strings.Join(names, " ") != want {
		t.Errorf("repo tree\n %s\nwant\n %s", strings.Join(names, " "), want)
	}
}
