package hubpush

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hftrain/hftrain/hub"
)

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, s := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func sameFile(t *testing.T, a, b string) bool {
	t.Helper()
	sa, err := os.Stat(a)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := os.Stat(b)
	if err != nil {
		t.Fatal(err)
	}
	return os.SameFile(sa, sb)
}

func TestModelingFiles(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		want    string
		wantErr string
	}{
		{name: "single file", files: map[string]string{"config.json": "{}", "model.safetensors": "w", "optimizer.pt": "o"},
			want: "config.json model.safetensors"},
		{name: "sharded", files: map[string]string{
			"config.json": "{}",
			"model.safetensors.index.json": `{"metadata": {}, "weight_map": {"a": "model-00001-of-00002.safetensors",
				"b": "model-00002-of-00002.safetensors", "c": "model-00001-of-00002.safetensors"}}`,
			"model-00001-of-00002.safetensors": "1", "model-00002-of-00002.safetensors": "2"},
			want: "config.json model-00001-of-00002.safetensors model-00002-of-00002.safetensors model.safetensors.index.json"},
		{name: "adapter", files: map[string]string{"adapter_config.json": "{}", "adapter_model.safetensors": "a"},
			want: "adapter_config.json adapter_model.safetensors"},
		{name: "shard outside", files: map[string]string{"model.safetensors.index.json": `{"weight_map": {"a": "../../etc/passwd"}}`},
			wantErr: "not a file name"},
		{name: "bad index", files: map[string]string{"pytorch_model.bin.index.json": `{`}, wantErr: "pytorch_model.bin.index.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, tt.files)
			got, err := modelingFiles(dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sort.Strings(got)
			if strings.Join(got, " ") != tt.want {
				t.Errorf("got %v, want %s", got, tt.want)
			}
		})
	}
}

func TestSkipAtRoot(t *testing.T) {
	for name, want := range map[string]bool{
		"_cache": true, "_x.txt": true, "checkpoint-500": true, "checkpoint-": true, ".hftrain-push": true,
		"last-checkpoint": true, ".tmp-checkpoint-5-123": true, ".model.safetensors.hftrain-push-tmp": true,
		"README.md": false, "model.safetensors": false, "runs": false, "checkpoint": false, ".gitattributes": false,
		"my_checkpoint-1": false,
	} {
		if got := skipAtRoot(name); got != want {
			t.Errorf("skipAtRoot(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestSnapshotLinksAndCopies: modeling files are hard-linked (their writers replace them by
// rename); the rest is copied, so appending to trainer_log.jsonl after the snapshot does
// not change it; without hard links everything is copied.
func TestSnapshotLinksAndCopies(t *testing.T) {
	noLink := func(string, string) error { return errors.New("no hard links here") }
	for _, tt := range []struct {
		name   string
		link   linkFunc
		linked bool
	}{{"os.Link", os.Link, true}, {"fallback", noLink, false}} {
		t.Run(tt.name, func(t *testing.T) {
			out, ckpt := t.TempDir(), t.TempDir()
			write(t, ckpt, map[string]string{"config.json": "{}", "model.safetensors": "weights", "tokenizer.json": "tok", "optimizer.pt": "opt"})
			write(t, out, map[string]string{"trainer_log.jsonl": "1\n", "runs/ev": "e", "_x": "x", "checkpoint-1/a": "a"})
			if err := installFromCheckpoint(ckpt, out, tt.link); err != nil {
				t.Fatal(err)
			}
			if got := sameFile(t, filepath.Join(ckpt, "model.safetensors"), filepath.Join(out, "model.safetensors")); got != tt.linked {
				t.Errorf("output_dir/model.safetensors linked %v, want %v", got, tt.linked)
			}
			if sameFile(t, filepath.Join(ckpt, "tokenizer.json"), filepath.Join(out, "tokenizer.json")) {
				t.Errorf("tokenizer.json linked, want a copy")
			}
			if _, err := os.Stat(filepath.Join(out, "optimizer.pt")); !os.IsNotExist(err) {
				t.Errorf("optimizer.pt copied into output_dir: %v", err)
			}
			dst := filepath.Join(t.TempDir(), "snap")
			n, err := snapshotOutput(out, dst, tt.link)
			if err != nil {
				t.Fatal(err)
			}
			if n != 5 {
				t.Errorf("%d files in the snapshot, want 5", n)
			}
			if got := sameFile(t, filepath.Join(out, "model.safetensors"), filepath.Join(dst, "model.safetensors")); got != tt.linked {
				t.Errorf("snapshot model.safetensors linked %v, want %v", got, tt.linked)
			}
			f, err := os.OpenFile(filepath.Join(out, "trainer_log.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("2\n")
			f.Close()
			if b, _ := os.ReadFile(filepath.Join(dst, "trainer_log.jsonl")); string(b) != "1\n" {
				t.Errorf("the snapshot's trainer_log.jsonl is %q: appending to the original changed it", b)
			}
			for _, gone := range []string{"_x", "checkpoint-1/a"} {
				if _, err := os.Stat(filepath.Join(dst, gone)); !os.IsNotExist(err) {
					t.Errorf("%s in the snapshot", gone)
				}
			}
		})
	}
}

func TestProgressMessage(t *testing.T) {
	for _, tt := range []struct {
		byEpoch bool
		step    int
		epoch   float64
		want    string
	}{
		{false, 500, 1.5, "Training in progress, step 500"},
		{true, 500, 2.0, "Training in progress, epoch 2"},
		{true, 510, 2.99, "Training in progress, epoch 2"}, // int(self.state.epoch) truncates
	} {
		p := &Pusher{o: Options{SaveByEpoch: tt.byEpoch}}
		if got := p.progressMessage(tt.step, tt.epoch); got != tt.want {
			t.Errorf("progressMessage(%d, %v) = %q, want %q", tt.step, tt.epoch, got, tt.want)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"out/run-1":  "out/run-1",
		"my run":     "'my run'",
		"it's":       `'it'\''s'`,
		"":           "''",
		"/tmp/a$(x)": "'/tmp/a$(x)'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestValidate(t *testing.T) {
	nonNilClient := hub.New(hub.Options{Endpoint: "http://127.0.0.1:1", CacheDir: t.TempDir()}) // never called
	tests := []struct {
		name    string
		o       Options
		wantErr string
		check   func(Options) bool
	}{
		{name: "defaults", o: Options{Client: nonNilClient, OutputDir: "o"}, check: func(o Options) bool {
			return o.Strategy == StrategyEverySave && o.Revision == "main" && o.Retries == 3 && o.Backoff > 0 && o.Logf != nil
		}},
		{name: "no retries", o: Options{Client: nonNilClient, OutputDir: "o", Retries: -1}, check: func(o Options) bool { return o.Retries == 0 }},
		{name: "no client", o: Options{OutputDir: "o"}, wantErr: "Client"},
		{name: "no output_dir", o: Options{Client: nonNilClient}, wantErr: "output_dir"},
		{name: "strategy", o: Options{Client: nonNilClient, OutputDir: "o", Strategy: "steps"}, wantErr: "hub_strategy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.o
			err := o.validate()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !tt.check(o) {
				t.Errorf("validate: %v, %+v", err, o)
			}
		})
	}
}
