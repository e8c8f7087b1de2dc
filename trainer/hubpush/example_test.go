package hubpush_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hftrain/hftrain/hub"
	"github.com/hftrain/hftrain/hub/hubtest"
	"github.com/hftrain/hftrain/trainer/hubpush"
)

// Example pushes a run with hub_strategy "checkpoint" to an in-process Hub: each saved
// checkpoint goes to last-checkpoint/ in the background, and Finish pushes output_dir.
func Example() {
	srv, err := hubtest.NewServer()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	srv.AddWriteToken("hf_example", "me")
	tmp, err := os.MkdirTemp("", "hubpush-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "tiny-run")
	client := hub.New(hub.Options{Endpoint: srv.URL, Token: "hf_example", CacheDir: filepath.Join(tmp, "cache")})

	ctx := context.Background()
	p, err := hubpush.New(ctx, hubpush.Options{Client: client, OutputDir: out, Strategy: hubpush.StrategyCheckpoint})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	// The trainer writes checkpoint-10 and calls Saved before rotating checkpoints.
	ckpt := filepath.Join(out, "checkpoint-10")
	os.MkdirAll(ckpt, 0o755)
	os.WriteFile(filepath.Join(ckpt, "config.json"), []byte("{}\n"), 0o644)
	os.WriteFile(filepath.Join(ckpt, "model.safetensors"), []byte("weights"), 0o644)
	os.WriteFile(filepath.Join(ckpt, "trainer_state.json"), []byte("{}\n"), 0o644)
	if err := p.Saved(ctx, ckpt, 10, 1); err != nil {
		fmt.Println(err)
		return
	}
	// At the end of training: the final model goes to output_dir, then Finish.
	os.WriteFile(filepath.Join(out, "model.safetensors"), []byte("final weights"), 0o644)
	if _, err := p.Finish(ctx, ""); err != nil {
		fmt.Println(err)
		return
	}

	fmt.Println(p.RepoID())
	snap, err := client.Snapshot(ctx, "model", p.RepoID(), "main", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	filepath.WalkDir(snap, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(snap, path)
			fmt.Println(filepath.ToSlash(rel))
		}
		return err
	})
	// Output:
	// me/tiny-run
	// config.json
	// last-checkpoint/config.json
	// last-checkpoint/model.safetensors
	// last-checkpoint/trainer_state.json
	// model.safetensors
}
