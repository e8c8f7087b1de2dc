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

const flowToken = "hf_flow_write_token_0123456789"

// readTree maps the regular files under dir (relative slash paths) to their contents, skipping
// folders whose base name skip reports.
func readTree(t *testing.T, dir string, skip func(string) bool) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			if p != dir && skip != nil && skip(e.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		b, err := os.ReadFile(p)
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

// TestHubEndToEnd is the Hub workflow against the test Hub on 127.0.0.1:
//  1. a model folder and a dataset (data/train-… and data/validation-… files, as
//     datasets.push_to_hub lays them out) are published;
//  2. `hftrain --config` with model_name_or_path and dataset_name as Hub ids trains exactly as the
//     same config with the local folder and files does: the weights are bit-identical;
//  3. offline (HF_HUB_OFFLINE=1) the same config trains from the cache without a request;
//  4. push_to_hub (hub_strategy checkpoint) publishes output_dir with a model card, and
//     `hftrain download` retrieves every file byte for byte, plus last-checkpoint/;
//  5. resume_from_checkpoint hf://…/last-checkpoint continues that run exactly as resuming from
//     the local checkpoint does;
//  6. the token appears in no log line and no file written.
func TestHubEndToEnd(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "")
	var log bytes.Buffer
	if err := run(ctx, []string{"--config", cfg, "--set", "max_steps=2"}, nil, &log, &log); err != nil {
		t.Fatalf("base model: %v\n%s", err, log.String())
	}
	base := filepath.Join(dir, "base")
	if err := os.Rename(filepath.Join(dir, "out"), base); err != nil {
		t.Fatal(err)
	}

	srv := hubtest.New(t)
	srv.SetLFSThreshold(1024)
	srv.AddWriteToken(flowToken, "tester")
	model := map[string][]byte{}
	for _, name := range []string{"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"} {
		b, err := os.ReadFile(filepath.Join(base, name))
		if err != nil {
			t.Fatal(err)
		}
		model[name] = b
	}
	srv.AddRepo("model", "acme/tiny-bert", hubtest.RepoOptions{})
	srv.Commit("model", "acme/tiny-bert", "main", "upload model", model)
	trainData, _ := os.ReadFile(filepath.Join(dir, "train.jsonl"))
	valData, _ := os.ReadFile(filepath.Join(dir, "val.jsonl"))
	srv.AddRepo("dataset", "acme/toy-reviews", hubtest.RepoOptions{})
	srv.Commit("dataset", "acme/toy-reviews", "main", "upload data", map[string][]byte{
		"data/train-00000-of-00001.jsonl":      trainData,
		"data/validation-00000-of-00001.jsonl": valData,
		"README.md":                            []byte("---\nlicense: mit\n---\n# toy reviews\n"),
	})
	t.Setenv("HF_ENDPOINT", srv.URL)
	t.Setenv("HF_HUB_CACHE", filepath.Join(dir, "cache"))
	t.Setenv("HF_HOME", filepath.Join(dir, "hfhome"))
	t.Setenv("HF_TOKEN", flowToken)

	common := []string{"--config", cfg, "--set", "model_type=", "--set", "tokenizer_name=", "--set", "max_steps=4",
		"--set", "save_strategy=steps", "--set", "save_steps=2", "--set", "lr_scheduler_type=constant"}
	train := func(name string, sets ...string) (string, string) {
		t.Helper()
		out := filepath.Join(dir, name)
		args := append(append([]string(nil), common...), "--set", "output_dir="+out)
		for _, s := range sets {
			args = append(args, "--set", s)
		}
		var l bytes.Buffer
		if err := run(ctx, args, nil, &l, &l); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, l.String())
		}
		return out, l.String()
	}
	local, _ := train("local", "model_name_or_path="+base)
	fromHub, hubLog := train("fromhub", "model_name_or_path=acme/tiny-bert", "train_file=", "validation_file=",
		"dataset_name=acme/toy-reviews", "push_to_hub=true", "hub_model_id=tester/tiny-bert-reviews", "hub_strategy=checkpoint")
	for _, want := range []string{"hub: acme/tiny-bert@main", "acme/toy-reviews", "push_to_hub:"} {
		if !strings.Contains(hubLog, want) {
			t.Errorf("log lacks %q:\n%s", want, hubLog)
		}
	}
	a, _ := os.ReadFile(filepath.Join(local, "model.safetensors"))
	b, _ := os.ReadFile(filepath.Join(fromHub, "model.safetensors"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("training from Hub ids gave other weights than from the local folder and files")
	}

	// Offline (HF_HUB_OFFLINE=1), the same Hub ids resolve from the cache with no request at all.
	srv.ResetRequests()
	t.Setenv("HF_HUB_OFFLINE", "1")
	offline, offLog := train("offline", "model_name_or_path=acme/tiny-bert", "train_file=", "validation_file=",
		"dataset_name=acme/toy-reviews")
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("offline run made %d requests to the Hub", n)
	}
	b, _ = os.ReadFile(filepath.Join(offline, "model.safetensors"))
	if !bytes.Equal(a, b) {
		t.Errorf("offline run from the cache gave other weights:\n%s", offLog)
	}
	t.Setenv("HF_HUB_OFFLINE", "")

	// What push_to_hub published is output_dir, byte for byte (checkpoints and runs aside).
	var stdout bytes.Buffer
	if err := run(ctx, []string{"download", "tester/tiny-bert-reviews"}, nil, &stdout, &log); err != nil {
		t.Fatal(err)
	}
	snap := strings.TrimSpace(stdout.String())
	pushed := readTree(t, snap, nil)
	want := readTree(t, fromHub, func(name string) bool { return strings.HasPrefix(name, "checkpoint-") || strings.HasPrefix(name, ".") })
	for name, w := range want {
		if g, ok := pushed[name]; !ok || !bytes.Equal(g, w) {
			t.Errorf("%s: not on the Hub or different (%d vs %d bytes)", name, len(g), len(w))
		}
	}
	for _, name := range []string{"README.md", "model.safetensors", "config.json", "tokenizer.json", "all_results.json"} {
		if _, ok := pushed[name]; !ok {
			t.Errorf("the pushed repo lacks %s", name)
		}
	}
	card := string(pushed["README.md"])
	for _, w := range []string{"base_model: acme/tiny-bert", "acme/toy-reviews", "model-index", "library_name: hftrain"} {
		if !strings.Contains(card, w) {
			t.Errorf("model card lacks %q:\n%s", w, card)
		}
	}
	ckpt := readTree(t, filepath.Join(fromHub, "checkpoint-4"), nil)
	for name, w := range ckpt {
		if g, ok := pushed["last-checkpoint/"+name]; !ok || !bytes.Equal(g, w) {
			t.Errorf("last-checkpoint/%s: not on the Hub or different from checkpoint-4", name)
		}
	}

	// Resuming from the Hub's last-checkpoint equals resuming from the local one.
	resumedLocal, _ := train("resumed-local", "model_name_or_path="+base, "max_steps=6",
		"resume_from_checkpoint="+filepath.Join(fromHub, "checkpoint-4"))
	resumedHub, rlog := train("resumed-hub", "model_name_or_path="+base, "max_steps=6",
		"resume_from_checkpoint=hf://tester/tiny-bert-reviews/last-checkpoint")
	if !strings.Contains(rlog, "resume: hf://tester/tiny-bert-reviews/last-checkpoint") {
		t.Errorf("resume log:\n%s", rlog)
	}
	a, _ = os.ReadFile(filepath.Join(resumedLocal, "model.safetensors"))
	b, _ = os.ReadFile(filepath.Join(resumedHub, "model.safetensors"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("resuming from hf://…/last-checkpoint gave other weights than from the local checkpoint")
	}

	// The token is in no log and no file hftrain wrote.
	if strings.Contains(hubLog+rlog, flowToken) {
		t.Errorf("the token appears in a log")
	}
	for _, d := range []string{fromHub, resumedHub, filepath.Join(dir, "cache")} {
		for name, content := range readTree(t, d, nil) {
			if bytes.Contains(content, []byte(flowToken)) {
				t.Errorf("the token is written in %s/%s", d, name)
			}
		}
	}
}

// TestLogin stores a token the test Hub accepts where huggingface_hub keeps it, and refuses one
// it does not accept without writing anything or printing the token.
func TestLogin(t *testing.T) {
	ctx := context.Background()
	srv := hubtest.New(t)
	srv.AddWriteToken(flowToken, "tester")
	home := t.TempDir()
	t.Setenv("HF_ENDPOINT", srv.URL)
	t.Setenv("HF_HOME", home)
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_TOKEN_PATH", "")
	var out, errOut bytes.Buffer
	err := run(ctx, []string{"login"}, strings.NewReader("hf_not_a_valid_token\n"), &out, &errOut)
	if err == nil || strings.Contains(err.Error()+out.String()+errOut.String(), "hf_not_a_valid_token") {
		t.Fatalf("login with a refused token: %v (output must not show the token)", err)
	}
	if _, err := os.Stat(filepath.Join(home, "token")); !os.IsNotExist(err) {
		t.Fatalf("a refused token was saved (%v)", err)
	}
	out.Reset()
	if err := run(ctx, []string{"login"}, strings.NewReader(flowToken+"\n"), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(home, "token")); string(b) != flowToken {
		t.Errorf("token file holds %q", b)
	}
	if strings.Contains(out.String()+errOut.String(), flowToken) || !strings.Contains(out.String(), "user tester") {
		t.Errorf("login output:\n%s", out.String())
	}
	// hftrain now finds the stored token without HF_TOKEN.
	if user, err := hubClient(nil, true).WhoAmI(ctx); err != nil || user != "tester" {
		t.Errorf("whoami with the stored token: %q, %v", user, err)
	}
}

// TestFinalPushFailure: when the Hub refuses the final push, training's results stay in
// output_dir and the error gives the hftrain push command that finishes the job, with the same
// exclusions as the final push and without the token.
func TestFinalPushFailure(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "")
	srv := hubtest.New(t)
	srv.AddWriteToken(flowToken, "tester")
	t.Setenv("HF_ENDPOINT", srv.URL)
	t.Setenv("HF_HUB_CACHE", filepath.Join(dir, "cache"))
	t.Setenv("HF_TOKEN", flowToken)
	srv.SetFault(hubtest.Fault{Method: "POST", Path: "/api/models/tester/refused/commit/main", Status: 403, Times: 100})
	var log bytes.Buffer
	err := run(ctx, []string{"--config", cfg, "--set", "max_steps=2", "--set", "push_to_hub=true",
		"--set", "hub_model_id=tester/refused", "--set", "hub_strategy=end"}, nil, &log, &log)
	if err == nil {
		t.Fatalf("a refused final push succeeded\n%s", log.String())
	}
	msg := err.Error()
	for _, want := range []string{"hftrain push", "--repo-id tester/refused", "--exclude 'checkpoint-*'", "is intact"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg+log.String(), flowToken) {
		t.Error("the token appears in the error or the log")
	}
	for _, f := range []string{"model.safetensors", "config.json", "README.md", "all_results.json"} {
		if _, err := os.Stat(filepath.Join(dir, "out", f)); err != nil {
			t.Errorf("output_dir lost %s after the failed push", f)
		}
	}
}

// TestDatasetFolder: dataset_name naming a local folder laid out as datasets.push_to_hub lays
// out a repo trains exactly as train_file/validation_file naming the same files; a missing split
// is an error listing the splits there are.
func TestDatasetFolder(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "")
	folder := filepath.Join(dir, "reviews")
	if err := os.MkdirAll(filepath.Join(folder, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	for src, dst := range map[string]string{"train.jsonl": "train-00000-of-00001.jsonl", "val.jsonl": "validation-00000-of-00001.jsonl"} {
		b, err := os.ReadFile(filepath.Join(dir, src))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(folder, "data", dst), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var log bytes.Buffer
	if err := run(ctx, []string{"--config", cfg, "--set", "max_steps=3", "--set", "output_dir=" + filepath.Join(dir, "files")}, nil, &log, &log); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	log.Reset()
	sets := []string{"--config", cfg, "--set", "max_steps=3", "--set", "output_dir=" + filepath.Join(dir, "folder"),
		"--set", "train_file=", "--set", "validation_file=", "--set", "dataset_name=" + folder}
	if err := run(ctx, sets, nil, &log, &log); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), "dataset folder "+folder) {
		t.Errorf("log does not name the dataset folder:\n%s", log.String())
	}
	a, _ := os.ReadFile(filepath.Join(dir, "files", "model.safetensors"))
	b, _ := os.ReadFile(filepath.Join(dir, "folder", "model.safetensors"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Error("dataset_name folder and train_file/validation_file trained different weights")
	}
	err := run(ctx, append(sets, "--set", "validation_split_name=dev", "--set", "overwrite_output_dir=true"), nil, &log, &log)
	if err == nil || !strings.Contains(err.Error(), `no split "dev" (splits: train, validation)`) {
		t.Errorf("missing split: %v", err)
	}
}
