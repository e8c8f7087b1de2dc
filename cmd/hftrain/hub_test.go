package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hftrain/hftrain/hub/hubtest"
)

// TestTrainFromHubModel trains a model, publishes its folder on the local test Hub (127.0.0.1),
// then fine-tunes it again by repo id, as `model_name_or_path: acme/tiny-bert` would, and
// `hftrain download` retrieves the files byte for byte into the huggingface_hub cache.
func TestTrainFromHubModel(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "")
	var log bytes.Buffer
	if err := run(context.Background(), []string{"--config", cfg, "--set", "max_steps=2"}, nil, &log, &log); err != nil {
		t.Fatalf("first run: %v\n%s", err, log.String())
	}
	src := filepath.Join(dir, "out")
	files := map[string][]byte{}
	for _, name := range []string{"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	srv := hubtest.New(t)
	srv.SetLFSThreshold(1024) // model.safetensors goes through the LFS redirect to the CDN listener
	srv.AddRepo("model", "acme/tiny-bert", hubtest.RepoOptions{})
	srv.Commit("model", "acme/tiny-bert", "main", "upload", files)
	t.Setenv("HF_ENDPOINT", srv.URL)
	t.Setenv("HF_HUB_CACHE", filepath.Join(dir, "cache"))
	t.Setenv("HF_TOKEN", "")

	log.Reset()
	out2 := filepath.Join(dir, "out2")
	args := []string{"--config", cfg, "--set", "max_steps=2", "--set", "model_type=", "--set", "tokenizer_name=",
		"--set", "model_name_or_path=acme/tiny-bert", "--set", "output_dir=" + out2}
	if err := run(context.Background(), args, nil, &log, &log); err != nil {
		t.Fatalf("training from the Hub id: %v\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), "hub: acme/tiny-bert@main") {
		t.Errorf("log does not show the Hub snapshot:\n%s", log.String())
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"download", "acme/tiny-bert"}, nil, &out, &log); err != nil {
		t.Fatal(err)
	}
	snap := strings.TrimSpace(out.String())
	if !strings.Contains(snap, filepath.Join("models--acme--tiny-bert", "snapshots")) {
		t.Errorf("download printed %q, want a huggingface_hub snapshot folder", snap)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(snap, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s in the snapshot differs from what was published (%v)", name, err)
		}
	}
}

// TestPushThenDownload uploads a folder hftrain wrote with `hftrain push` (repo created, LFS for
// the weights, one commit) and retrieves it with `hftrain download` byte for byte.
func TestPushThenDownload(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "")
	var log bytes.Buffer
	if err := run(context.Background(), []string{"--config", cfg, "--set", "max_steps=2"}, nil, &log, &log); err != nil {
		t.Fatalf("train: %v\n%s", err, log.String())
	}
	out := filepath.Join(dir, "out")
	srv := hubtest.New(t)
	srv.SetLFSThreshold(1024)
	srv.AddWriteToken("hf_write_token_for_tests", "tester")
	t.Setenv("HF_ENDPOINT", srv.URL)
	t.Setenv("HF_HUB_CACHE", filepath.Join(dir, "cache"))
	t.Setenv("HF_TOKEN", "hf_write_token_for_tests")
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"push", out, "--repo-id", "tester/tiny-bert"}, nil, &stdout, &log); err != nil {
		t.Fatalf("push: %v\n%s", err, log.String())
	}
	stdout.Reset()
	if err := run(context.Background(), []string{"download", "tester/tiny-bert"}, nil, &stdout, &log); err != nil {
		t.Fatal(err)
	}
	snap := strings.TrimSpace(stdout.String())
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		want, _ := os.ReadFile(filepath.Join(out, e.Name()))
		got, err := os.ReadFile(filepath.Join(snap, e.Name()))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: downloaded copy differs from the pushed file (%v)", e.Name(), err)
		}
		n++
	}
	if n < 4 {
		t.Errorf("only %d files compared", n)
	}
	for _, r := range srv.Requests() {
		if r.Listener == "cdn" && r.HasAuth {
			t.Errorf("token sent to the CDN origin: %s %s", r.Method, r.Path)
		}
	}
}
