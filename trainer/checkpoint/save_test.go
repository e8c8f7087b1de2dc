package checkpoint

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// writeFiles returns a write callback that creates the given files (names may
// contain "/" for subdirectories).
func writeFiles(files map[string]string) func(string) error {
	return func(dir string) error {
		for name, content := range files {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				return err
			}
		}
		return nil
	}
}

var sampleFiles = map[string]string{
	"model.safetensors":   strings.Repeat("weights", 100),
	"config.json":         `{"model_type":"bert"}`,
	"tokenizer/vocab.txt": "[PAD]\n[UNK]\n",
}

func mustSave(t *testing.T, out string, step int, files map[string]string) string {
	t.Helper()
	dir, err := Save(context.Background(), out, step, writeFiles(files), Options{})
	if err != nil {
		t.Fatalf("Save(%d): %v", step, err)
	}
	return dir
}

// tempDirs lists the .tmp-checkpoint-* entries of out.
func tempDirs(t *testing.T, out string) []string {
	t.Helper()
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) {
			names = append(names, e.Name())
		}
	}
	return names
}

func TestSaveVerifies(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	dir := mustSave(t, out, 20, sampleFiles)
	if want := filepath.Join(out, "checkpoint-20"); dir != want {
		t.Fatalf("dir = %q, want %q", dir, want)
	}
	if err := Verify(dir); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	for name, content := range sampleFiles {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil || string(b) != content {
			t.Errorf("%s: got %q, %v", name, b, err)
		}
	}
	if tmp := tempDirs(t, out); len(tmp) != 0 {
		t.Errorf("temp dirs left: %v", tmp)
	}
}

type killed struct{ stage string }

// TestSaveKilledAtEachStage simulates a kill at every stage (a panic out of
// the fault hook, so no cleanup runs) while replacing and while creating a
// checkpoint: afterwards checkpoint-<step> is either absent or verifies, the
// earlier checkpoint still verifies, and CleanTemp leaves no temp dirs.
func TestSaveKilledAtEachStage(t *testing.T) {
	for _, stage := range Stages() {
		for _, replace := range []bool{false, true} {
			name := stage
			if replace {
				name += "/replace"
			}
			t.Run(name, func(t *testing.T) {
				out := t.TempDir()
				prev := mustSave(t, out, 10, sampleFiles)
				if replace {
					mustSave(t, out, 20, map[string]string{"model.safetensors": "old"})
				}
				fired := false
				func() {
					defer func() {
						if r := recover(); r != nil {
							if _, ok := r.(killed); !ok {
								panic(r)
							}
						}
					}()
					_, err := Save(context.Background(), out, 20, writeFiles(sampleFiles), Options{Fault: func(s string) {
						if s == stage {
							fired = true
							panic(killed{s})
						}
					}})
					t.Errorf("Save returned (%v) instead of being killed", err)
				}()
				if !fired {
					t.Fatalf("stage %q never fired", stage)
				}
				checkTempAtStage(t, out, stage)
				dir := filepath.Join(out, "checkpoint-20")
				if _, err := os.Stat(dir); err == nil {
					if err := Verify(dir); err != nil {
						t.Errorf("checkpoint-20 exists but does not verify: %v", err)
					}
				}
				if stage != StageRenamed && !replace {
					if _, err := os.Stat(dir); err == nil {
						t.Errorf("checkpoint-20 exists after a kill at %q", stage)
					}
				}
				if stage == StageRenamed {
					if err := Verify(dir); err != nil {
						t.Errorf("after rename: %v", err)
					}
				}
				if err := Verify(prev); err != nil {
					t.Errorf("earlier checkpoint damaged: %v", err)
				}
				if stage != StageRenamed && len(tempDirs(t, out)) == 0 {
					t.Errorf("no temp dir left by a kill at %q (is the hook before the rename?)", stage)
				}
				if err := CleanTemp(out); err != nil {
					t.Fatal(err)
				}
				if tmp := tempDirs(t, out); len(tmp) != 0 {
					t.Errorf("after CleanTemp: %v", tmp)
				}
				latest, err := Latest(out, nil)
				if err != nil {
					t.Fatal(err)
				}
				if err := Verify(latest); err != nil {
					t.Error(err)
				}
			})
		}
	}
}

// checkTempAtStage checks what the temporary directory holds when Save was
// killed at stage: nothing at begin, the files without a manifest at files,
// files and a verifying manifest at manifest, and no temp dir after rename.
func checkTempAtStage(t *testing.T, out, stage string) {
	t.Helper()
	tmp := tempDirs(t, out)
	if stage == StageRenamed {
		for _, n := range tmp {
			if !strings.HasSuffix(n, "-old") {
				t.Errorf("temp dir %s left after the rename", n)
			}
		}
		return
	}
	if len(tmp) != 1 {
		t.Fatalf("temp dirs %v, want one", tmp)
	}
	dir := filepath.Join(out, tmp[0])
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, merr := os.Stat(filepath.Join(dir, ManifestName))
	switch stage {
	case StageBegin:
		if len(entries) != 0 {
			t.Errorf("temp dir not empty at begin: %d entries", len(entries))
		}
	case StageFiles:
		if merr == nil {
			t.Error("manifest already written at stage files")
		}
		if len(entries) != 3 {
			t.Errorf("%d entries at stage files, want 3", len(entries))
		}
	case StageManifest:
		if err := Verify(dir); err != nil {
			t.Errorf("temp dir at stage manifest: %v", err)
		}
	}
}

func TestStagesOrder(t *testing.T) {
	var got []string
	if _, err := Save(context.Background(), t.TempDir(), 1, writeFiles(sampleFiles), Options{Fault: func(s string) { got = append(got, s) }}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != strings.Join(Stages(), ",") {
		t.Errorf("stages %v, want %v", got, Stages())
	}
}

func TestSaveErrorKeepsPrevious(t *testing.T) {
	tests := []struct {
		name  string
		write func(string) error
		ctx   func() context.Context
	}{
		{"ENOSPC mid-write", func(dir string) error {
			if err := os.WriteFile(filepath.Join(dir, "model.safetensors"), []byte("half"), 0o644); err != nil {
				return err
			}
			return &os.PathError{Op: "write", Path: "model.safetensors", Err: syscall.ENOSPC}
		}, context.Background},
		{"no files", func(string) error { return nil }, context.Background},
		{"symlink", func(dir string) error { return os.Symlink("/etc/passwd", filepath.Join(dir, "x")) }, context.Background},
		{"manifest name taken", writeFiles(map[string]string{ManifestName: "{}"}), context.Background},
		{"cancelled", writeFiles(sampleFiles), func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			prev := mustSave(t, out, 10, sampleFiles)
			old := mustSave(t, out, 20, map[string]string{"a": "old"})
			_, err := Save(tt.ctx(), out, 20, tt.write, Options{})
			if err == nil {
				t.Fatal("Save succeeded")
			}
			if tt.name == "ENOSPC mid-write" && !errors.Is(err, syscall.ENOSPC) {
				t.Errorf("error %v does not wrap ENOSPC", err)
			}
			for _, d := range []string{prev, old} {
				if err := Verify(d); err != nil {
					t.Errorf("previous checkpoint damaged: %v", err)
				}
			}
			if b, _ := os.ReadFile(filepath.Join(old, "a")); string(b) != "old" {
				t.Errorf("checkpoint-20 changed: %q", b)
			}
			if tmp := tempDirs(t, out); len(tmp) != 0 {
				t.Errorf("temp dirs left: %v", tmp)
			}
		})
	}
}

func TestSaveReplaces(t *testing.T) {
	out := t.TempDir()
	mustSave(t, out, 5, map[string]string{"old.txt": "x", "model.safetensors": "old"})
	dir := mustSave(t, out, 5, map[string]string{"model.safetensors": "new"})
	if _, err := os.Stat(filepath.Join(dir, "old.txt")); err == nil {
		t.Error("file of the replaced checkpoint survived")
	}
	if err := Verify(dir); err != nil {
		t.Error(err)
	}
	if tmp := tempDirs(t, out); len(tmp) != 0 {
		t.Errorf("temp dirs left: %v", tmp)
	}
}

// TestVerifyFollowsLinks: a checkpoint laid out as the huggingface_hub cache lays out a
// download (relative links to content-named blobs) verifies when the blobs hold the listed bytes.
func TestVerifyFollowsLinks(t *testing.T) {
	root := t.TempDir()
	dir := mustSave(t, filepath.Join(root, "out"), 20, sampleFiles)
	blobs := filepath.Join(root, "blobs")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		t.Fatal(err)
	}
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		blob := filepath.Join(blobs, strings.ReplaceAll(strings.TrimPrefix(p, dir), "/", "_"))
		if err := os.Rename(p, blob); err != nil {
			return err
		}
		rel, err := filepath.Rel(filepath.Dir(p), blob)
		if err != nil {
			return err
		}
		return os.Symlink(rel, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(dir); err != nil {
		t.Fatalf("Verify of a linked checkpoint: %v", err)
	}
}

func TestVerifyRefuses(t *testing.T) {
	tests := []struct {
		name    string
		damage  func(dir string) error
		wantMsg string
	}{
		{"flipped byte", func(dir string) error {
			p := filepath.Join(dir, "model.safetensors")
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b[len(b)/2] ^= 0x01
			return os.WriteFile(p, b, 0o644)
		}, "model.safetensors: sha256 mismatch"},
		{"truncated", func(dir string) error {
			return os.Truncate(filepath.Join(dir, "config.json"), 3)
		}, "config.json: size 3"},
		{"missing file", func(dir string) error {
			return os.Remove(filepath.Join(dir, "tokenizer", "vocab.txt"))
		}, "tokenizer/vocab.txt: missing"},
		{"missing manifest", func(dir string) error {
			return os.Remove(filepath.Join(dir, ManifestName))
		}, ManifestName + ": missing"},
		{"garbled manifest", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, ManifestName), []byte(`{"format_version":1,"files":`), 0o644)
		}, ManifestName + ": unexpected end"},
		{"link to other content", func(dir string) error {
			p := filepath.Join(dir, "config.json")
			other := filepath.Join(filepath.Dir(dir), "blob")
			if err := os.WriteFile(other, []byte(`{"x": 2}`+"\n"), 0o644); err != nil {
				return err
			}
			if err := os.Remove(p); err != nil {
				return err
			}
			return os.Symlink(other, p)
		}, "config.json: size"},
		{"link to a folder", func(dir string) error {
			p := filepath.Join(dir, "config.json")
			if err := os.Remove(p); err != nil {
				return err
			}
			return os.Symlink(filepath.Dir(dir), p)
		}, "config.json: not a regular file"},
		{"escaping name", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, ManifestName), []byte(`{"format_version":1,"files":{"../x":{"sha256":"","size":0}}}`), 0o644)
		}, "../x: invalid name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := mustSave(t, filepath.Join(t.TempDir(), "out"), 20, sampleFiles)
			if err := tt.damage(dir); err != nil {
				t.Fatal(err)
			}
			err := Verify(dir)
			if err == nil {
				t.Fatal("Verify accepted a damaged checkpoint")
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("error does not wrap ErrCorrupt: %v", err)
			}
			want := "checkpoint " + dir + ": " + tt.wantMsg
			if !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q, want prefix %q", err, want)
			}
		})
	}
}

func TestLatestSkipsCorrupt(t *testing.T) {
	out := t.TempDir()
	mustSave(t, out, 9, sampleFiles)
	good := mustSave(t, out, 10, sampleFiles)
	bad := mustSave(t, out, 20, sampleFiles)
	if err := os.Truncate(filepath.Join(bad, "model.safetensors"), 1); err != nil {
		t.Fatal(err)
	}
	// An unfinished directory that only looks like a checkpoint.
	if err := os.Mkdir(filepath.Join(out, "checkpoint-30"), 0o755); err != nil {
		t.Fatal(err)
	}
	var warnings []string
	got, err := Latest(out, func(f string, a ...any) { warnings = append(warnings, sprintf(f, a...)) })
	if err != nil {
		t.Fatal(err)
	}
	if got != good {
		t.Errorf("Latest = %q, want %q", got, good)
	}
	if len(warnings) != 2 || !strings.Contains(warnings[0], "checkpoint-30") || !strings.Contains(warnings[1], bad) ||
		!strings.Contains(warnings[1], "model.safetensors") {
		t.Errorf("warnings %q", warnings)
	}
	for _, d := range []string{good, filepath.Join(out, "checkpoint-9")} {
		if err := os.Remove(filepath.Join(d, ManifestName)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Latest(out, nil); !errors.Is(err, ErrNoCheckpoint) {
		t.Errorf("Latest with none valid: %v, want ErrNoCheckpoint", err)
	}
}

func TestCleanTempMissingDir(t *testing.T) {
	if err := CleanTemp(filepath.Join(t.TempDir(), "absent")); err != nil {
		t.Error(err)
	}
}
