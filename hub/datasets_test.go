package hub

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/hftrain/hftrain/hub/hubtest"
)

// dsParquet writes a real Parquet file with a text and a label column.
func dsParquet(t *testing.T, texts ...string) []byte {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "text", Type: arrow.BinaryTypes.String},
		{Name: "label", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i, s := range texts {
		b.Field(0).(*array.StringBuilder).Append(s)
		b.Field(1).(*array.Int64Builder).Append(int64(i % 2))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	tbl := array.NewTableFromRecords(schema, []arrow.RecordBatch{rec})
	defer tbl.Release()
	var buf bytes.Buffer
	if err := pqarrow.WriteTable(tbl, &buf, 1024, parquet.NewWriterProperties(), pqarrow.DefaultWriterProps()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const dsTwoConfigsCard = `---
configs:
- config_name: en
  data_files:
  - split: train
    path: en/train-*.parquet
  - split: test
    path: en/test.parquet
  default: true
- config_name: fr
  data_files: fr/*.parquet
---
# Two configs
`

// dsFixture is a hubtest server holding one dataset per layout.
type dsFixture struct {
	srv     *hubtest.Server
	files   map[string]map[string][]byte // repo -> path -> content, as committed (latest)
	first   string                       // emu-org/sharded's first commit
	firstV0 []byte                       // its data/train-00000-of-00002.parquet
}

func newDSFixture(t *testing.T) *dsFixture {
	t.Helper()
	srv := hubtest.New(t)
	srv.SetLFSThreshold(512)
	srv.AddToken(testToken)
	f := &dsFixture{srv: srv, files: map[string]map[string][]byte{}}
	add := func(id, branch string, opts hubtest.RepoOptions, files map[string][]byte) string {
		if f.files[id] == nil {
			srv.AddRepo("dataset", id, opts)
			f.files[id] = map[string][]byte{}
		}
		for p, b := range files {
			f.files[id][branch+":"+p] = b
		}
		return srv.Commit("dataset", id, branch, "add", files)
	}
	add("emu-org/two-configs", "main", hubtest.RepoOptions{}, map[string][]byte{
		"README.md":          []byte(dsTwoConfigsCard),
		"en/train-0.parquet": dsParquet(t, "hello", "world"),
		"en/train-1.parquet": dsParquet(t, "more"),
		"en/test.parquet":    dsParquet(t, "test"),
		"fr/train.parquet":   dsParquet(t, "bonjour", "monde", "encore"),
	})
	f.firstV0 = dsParquet(t, "v0 row")
	f.first = add("emu-org/sharded", "main", hubtest.RepoOptions{}, map[string][]byte{
		"README.md":                              []byte("---\nlicense: mit\n---\n"),
		"data/train-00000-of-00002.parquet":      f.firstV0,
		"data/train-00001-of-00002.parquet":      dsParquet(t, "second shard"),
		"data/validation-00000-of-00001.parquet": dsParquet(t, "val"),
	})
	add("emu-org/sharded", "main", hubtest.RepoOptions{}, map[string][]byte{
		"data/train-00000-of-00002.parquet": dsParquet(t, "v1 row", "changed"),
	})
	add("emu-org/keyword-dirs", "main", hubtest.RepoOptions{}, map[string][]byte{
		"train/part-a.parquet":     dsParquet(t, "a"),
		"train/part-b.parquet":     dsParquet(t, "b"),
		"validation/part.parquet":  dsParquet(t, "v"),
		"train/notes.md":           []byte("notes\n"),
		"scripts/preprocess.ipynb": []byte("{}"),
	})
	add("emu-org/csv-repo", "main", hubtest.RepoOptions{}, map[string][]byte{
		"train.csv": []byte("text,label\nhi,1\nho,0\n"),
		"test.csv":  []byte("text,label\nhu,1\n"),
		"LICENSE":   []byte("MIT\n"),
	})
	add("emu-org/script-only", "main", hubtest.RepoOptions{}, map[string][]byte{
		"README.md":      []byte("# Script dataset\n"),
		"script-only.py": []byte("import datasets\n"),
		"data/raw.txt":   []byte("raw text\n"),
	})
	add("emu-org/script-only", "refs/convert/parquet", hubtest.RepoOptions{}, map[string][]byte{
		"default/train/0000.parquet":     dsParquet(t, "converted 0"),
		"default/train/0001.parquet":     dsParquet(t, "converted 1"),
		"default/test/0000.parquet":      dsParquet(t, "converted test"),
		"big/partial-train/0000.parquet": dsParquet(t, "big"),
	})
	add("emu-org/script-unconverted", "main", hubtest.RepoOptions{}, map[string][]byte{
		"script-unconverted.py": []byte("import datasets\n"),
	})
	add("emu-org/text-only", "main", hubtest.RepoOptions{}, map[string][]byte{
		"train.txt": []byte("a\nb\n"),
	})
	add("emu-org/empty", "main", hubtest.RepoOptions{}, map[string][]byte{
		"README.md": []byte("# nothing\n"),
	})
	add("emu-org/private", "main", hubtest.RepoOptions{Private: true, Token: testToken}, map[string][]byte{
		"train.csv": []byte("a\n1\n"),
	})
	add("emu-org/gated", "main", hubtest.RepoOptions{Gated: true, Token: testToken}, map[string][]byte{
		"README.md": []byte("# gated\n"), "train.csv": []byte("a\n1\n"),
	})
	return f
}

func (f *dsFixture) client(cache string, offline bool, token string) *Client {
	return New(Options{Endpoint: f.srv.URL, Token: token, CacheDir: cache, Offline: offline, Backoff: 10 * time.Millisecond, MaxRetries: 1})
}

type dsSplit struct {
	name  string
	files []string // repository paths
}

// check verifies d against the wanted splits: each local path is
// snapshots/<commit>/<path> and holds the bytes committed at <branch>:<path>.
func (f *dsFixture) check(t *testing.T, cache string, d *DatasetFiles, repo, branch string, want []dsSplit) {
	t.Helper()
	var got []dsSplit
	for _, s := range d.Splits {
		gs := dsSplit{name: s.Name}
		for _, p := range s.Files {
			prefix := filepath.Join(cache, "datasets--"+strings.ReplaceAll(repo, "/", "--"), "snapshots", d.Commit) + string(filepath.Separator)
			rel, ok := strings.CutPrefix(p, prefix)
			if !ok {
				t.Fatalf("%s is not under %s", p, prefix)
			}
			rel = filepath.ToSlash(rel)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if want := f.files[repo][branch+":"+rel]; !bytes.Equal(b, want) {
				t.Errorf("%s: %d bytes differ from the %d committed", rel, len(b), len(want))
			}
			gs.files = append(gs.files, rel)
		}
		got = append(got, gs)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("splits %v, want %v", got, want)
	}
}

func TestDatasetFilesLayouts(t *testing.T) {
	f := newDSFixture(t)
	ctx := context.Background()
	tests := []struct {
		name, repo, config string
		wantConfig, format string
		converted          bool
		branch             string
		want               []dsSplit
	}{
		{"README default config", "emu-org/two-configs", "", "en", "parquet", false, "main",
			[]dsSplit{{"train", []string{"en/train-0.parquet", "en/train-1.parquet"}}, {"test", []string{"en/test.parquet"}}}},
		{"README second config", "emu-org/two-configs", "fr", "fr", "parquet", false, "main",
			[]dsSplit{{"train", []string{"fr/train.parquet"}}}},
		{"sharded", "emu-org/sharded", "", "default", "parquet", false, "main",
			[]dsSplit{{"train", []string{"data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"}}, {"validation", []string{"data/validation-00000-of-00001.parquet"}}}},
		{"keyword dirs", "emu-org/keyword-dirs", "", "default", "parquet", false, "main",
			[]dsSplit{{"train", []string{"train/part-a.parquet", "train/part-b.parquet"}}, {"validation", []string{"validation/part.parquet"}}}},
		{"csv", "emu-org/csv-repo", "default", "default", "csv", false, "main",
			[]dsSplit{{"train", []string{"train.csv"}}, {"test", []string{"test.csv"}}}},
		{"script falls back to the conversion", "emu-org/script-only", "", "default", "parquet", true, "refs/convert/parquet",
			[]dsSplit{{"train", []string{"default/train/0000.parquet", "default/train/0001.parquet"}}, {"test", []string{"default/test/0000.parquet"}}}},
		{"partial conversion config", "emu-org/script-only", "big", "big", "parquet", true, "refs/convert/parquet",
			[]dsSplit{{"train", []string{"big/partial-train/0000.parquet"}}}},
	}
	cache := t.TempDir()
	c := f.client(cache, false, testToken)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := c.DatasetFiles(ctx, tt.repo, "", tt.config)
			if err != nil {
				t.Fatal(err)
			}
			if d.RepoID != tt.repo || d.Revision != "main" || d.Config != tt.wantConfig || d.Format != tt.format || d.Converted != tt.converted {
				t.Errorf("got %s@%s config %q format %q converted %v", d.RepoID, d.Revision, d.Config, d.Format, d.Converted)
			}
			f.check(t, cache, d, tt.repo, tt.branch, tt.want)
			ref := "main"
			if tt.converted {
				ref = "refs/convert/parquet"
			}
			b, err := os.ReadFile(filepath.Join(cache, "datasets--"+strings.ReplaceAll(tt.repo, "/", "--"), "refs", filepath.FromSlash(ref)))
			if err != nil || string(b) != d.Commit {
				t.Errorf("refs/%s = %q (%v), want the commit %s", ref, b, err, d.Commit)
			}
			if s, ok := d.Split("train"); !ok || s.Name != "train" || len(s.Files) == 0 {
				t.Errorf("Split(train) = %v, %v", s, ok)
			}
			if s, ok := d.Split("nope"); ok {
				t.Errorf("Split(nope) = %v", s)
			}
			if tt.name == "partial conversion config" && !d.Splits[0].Partial {
				t.Errorf("partial-train not marked Partial")
			}
		})
	}
	// The loading script and the .txt file of the script repo are never downloaded.
	for _, r := range settled(f.srv) {
		if strings.HasSuffix(r.Path, ".py") || strings.HasSuffix(r.Path, ".txt") || strings.HasSuffix(r.Path, ".md") && !strings.HasSuffix(r.Path, "README.md") {
			t.Errorf("fetched %s %s", r.Method, r.Path)
		}
	}
}

func TestDatasetFilesErrors(t *testing.T) {
	f := newDSFixture(t)
	ctx := context.Background()
	tests := []struct {
		name, repo, config, token string
		want                      error
		has                       []string
	}{
		{"missing dataset", "emu-org/nope", "", testToken, ErrRepoNotFound, []string{"emu-org/nope"}},
		{"private without token", "emu-org/private", "", "", ErrRepoNotFound, []string{"emu-org/private"}},
		{"gated without token", "emu-org/gated", "", "", ErrGated, []string{"emu-org/gated"}},
		{"config not found", "emu-org/two-configs", "de", testToken, ErrConfigNotFound, []string{"emu-org/two-configs", `"de"`, "en, fr"}},
		{"plain repo, config not found", "emu-org/csv-repo", "en", testToken, ErrConfigNotFound, []string{"emu-org/csv-repo", "default"}},
		{"conversion config not found", "emu-org/script-only", "fr", testToken, ErrConfigNotFound, []string{"emu-org/script-only", "big, default"}},
		{"script without conversion", "emu-org/script-unconverted", "", testToken, ErrUnsupportedFormat, []string{"emu-org/script-unconverted", "script-unconverted.py", "no Parquet conversion"}},
		{"text without conversion", "emu-org/text-only", "", testToken, ErrUnsupportedFormat, []string{"emu-org/text-only", `"text"`, "no Parquet conversion"}},
		{"no data files", "emu-org/empty", "", testToken, ErrNoDataFiles, []string{"emu-org/empty", "no Parquet conversion"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := f.client(t.TempDir(), false, tt.token)
			d, err := c.DatasetFiles(ctx, tt.repo, "", tt.config)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %+v, %v; want %v", d, err, tt.want)
			}
			for _, s := range tt.has {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
	if _, err := f.client(t.TempDir(), false, "").DatasetFiles(ctx, "bad--id", "", ""); err == nil {
		t.Errorf("a repo id with -- was accepted")
	}
}

// TestDatasetFilesOffline reads, with HF_HUB_OFFLINE, what one online call cached: the
// repository's own files and a Parquet conversion, without a single request.
func TestDatasetFilesOffline(t *testing.T) {
	f := newDSFixture(t)
	ctx := context.Background()
	cache := t.TempDir()
	online := f.client(cache, false, testToken)
	type call struct{ repo, config string }
	calls := []call{{"emu-org/two-configs", ""}, {"emu-org/script-only", ""}, {"emu-org/csv-repo", ""}}
	want := map[call]*DatasetFiles{}
	for _, cl := range calls {
		d, err := online.DatasetFiles(ctx, cl.repo, "", cl.config)
		if err != nil {
			t.Fatal(err)
		}
		want[cl] = d
	}
	// A temporary link left in a snapshot by a killed process is not a data file.
	for _, d := range want {
		p := d.Splits[0].Files[0]
		target, err := os.Readlink(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p+".1a2b3c4d.tmplink"); err != nil {
			t.Fatal(err)
		}
	}
	settled(f.srv)
	f.srv.ResetRequests()
	offline := f.client(cache, true, testToken)
	for _, cl := range calls {
		d, err := offline.DatasetFiles(ctx, cl.repo, "", cl.config)
		if err != nil {
			t.Fatalf("%s offline: %v", cl.repo, err)
		}
		if !reflect.DeepEqual(d, want[cl]) {
			t.Errorf("%s offline: %+v\nonline: %+v", cl.repo, d, want[cl])
		}
	}
	errTests := []struct {
		repo, config string
		has          []string
	}{
		{"emu-org/sharded", "", []string{"emu-org/sharded", "no refs/main"}},
		{"emu-org/two-configs", "fr", []string{"emu-org/two-configs", `"fr"`, "snapshots"}},
		{"emu-org/script-only", "big", []string{"emu-org/script-only", `"big"`}},
	}
	for _, tt := range errTests {
		_, err := offline.DatasetFiles(ctx, tt.repo, "", tt.config)
		if !errors.Is(err, ErrOffline) {
			t.Fatalf("%s %q offline: %v, want ErrOffline", tt.repo, tt.config, err)
		}
		for _, s := range tt.has {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q does not mention %q", err, s)
			}
		}
	}
	if _, err := offline.ParquetURLs(ctx, "emu-org/script-only", ""); !errors.Is(err, ErrOffline) {
		t.Errorf("ParquetURLs offline: %v", err)
	}
	if reqs := settled(f.srv); len(reqs) != 0 {
		t.Errorf("offline made %d requests, first %s %s", len(reqs), reqs[0].Method, reqs[0].Path)
	}
}

// TestDatasetFilesRevisionPinning: files fetched at an older commit stay those of that
// commit after main moves on, and main gets the new ones.
func TestDatasetFilesRevisionPinning(t *testing.T) {
	f := newDSFixture(t)
	ctx := context.Background()
	cache := t.TempDir()
	c := f.client(cache, false, testToken)
	old, err := c.DatasetFiles(ctx, "emu-org/sharded", f.first, "")
	if err != nil {
		t.Fatal(err)
	}
	cur, err := c.DatasetFiles(ctx, "emu-org/sharded", "main", "")
	if err != nil {
		t.Fatal(err)
	}
	if old.Commit != f.first || cur.Commit == f.first || old.Revision != f.first {
		t.Fatalf("commits %s (revision %s) and %s, want %s then a later one", old.Commit, old.Revision, cur.Commit, f.first)
	}
	s, _ := old.Split("train")
	b, err := os.ReadFile(s.Files[0])
	if err != nil || !bytes.Equal(b, f.firstV0) {
		t.Errorf("old train shard 0: %d bytes (%v), want the %d bytes of the first commit", len(b), err, len(f.firstV0))
	}
	s, _ = cur.Split("train")
	b, err = os.ReadFile(s.Files[0])
	if want := f.files["emu-org/sharded"]["main:data/train-00000-of-00002.parquet"]; err != nil || !bytes.Equal(b, want) || bytes.Equal(b, f.firstV0) {
		t.Errorf("main train shard 0: %d bytes (%v), want the %d bytes of the second commit", len(b), err, len(want))
	}
	// Asked again at the pinned commit, it comes from the cache: one repo info call, no download.
	settled(f.srv)
	f.srv.ResetRequests()
	again, err := c.DatasetFiles(ctx, "emu-org/sharded", f.first, "")
	if err != nil || !reflect.DeepEqual(again, old) {
		t.Fatalf("again: %+v, %v", again, err)
	}
	for _, r := range settled(f.srv) {
		if !strings.HasPrefix(r.Path, "/api/datasets/emu-org/sharded/revision/") {
			t.Errorf("unexpected request %s %s", r.Method, r.Path)
		}
	}
}

func TestParquetURLs(t *testing.T) {
	f := newDSFixture(t)
	ctx := context.Background()
	c := f.client(t.TempDir(), false, testToken)
	base := f.srv.URL + "/api/datasets/emu-org/script-only/parquet/"
	all, err := c.ParquetURLs(ctx, "emu-org/script-only", "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string][]string{
		"default": {"train": {base + "default/train/0.parquet", base + "default/train/1.parquet"}, "test": {base + "default/test/0.parquet"}},
		"big":     {"partial-train": {base + "big/partial-train/0.parquet"}},
	}
	if !reflect.DeepEqual(all, want) {
		t.Errorf("all: %v\nwant %v", all, want)
	}
	one, err := c.ParquetURLs(ctx, "emu-org/script-only", "default")
	if err != nil || !reflect.DeepEqual(one, map[string]map[string][]string{"default": want["default"]}) {
		t.Errorf("default: %v, %v", one, err)
	}
	if _, err := c.ParquetURLs(ctx, "emu-org/script-only", "fr"); !errors.Is(err, ErrEntryNotFound) {
		t.Errorf("unknown config: %v", err)
	}
	if _, err := c.ParquetURLs(ctx, "emu-org/csv-repo", ""); !errors.Is(err, ErrRevisionNotFound) || !strings.Contains(err.Error(), "emu-org/csv-repo") {
		t.Errorf("no conversion: %v", err)
	}
	if _, err := f.client(t.TempDir(), false, "").ParquetURLs(ctx, "emu-org/private", ""); !errors.Is(err, ErrRepoNotFound) {
		t.Errorf("private: %v", err)
	}
}
