package hub_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hftrain/hftrain/hub"
	"github.com/hftrain/hftrain/hub/hubtest"
)

// Download a file into a huggingface_hub-compatible cache, then read it again offline.
func Example() {
	srv, err := hubtest.NewServer()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	srv.AddRepo("model", "emu-org/tiny-model", hubtest.RepoOptions{})
	srv.Commit("model", "emu-org/tiny-model", "main", "init", map[string][]byte{"config.json": []byte(`{"model_type":"bert"}`)})

	cache, err := os.MkdirTemp("", "hub-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(cache)
	env := []string{"HF_ENDPOINT=" + srv.URL, "HF_HOME=" + filepath.Join(cache, "home"), "HF_HUB_CACHE=" + cache}
	c := hub.New(hub.OptionsFromEnv(env))
	p, err := c.Download(context.Background(), "model", "emu-org/tiny-model", "main", "config.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	target, _ := os.Readlink(p)
	fmt.Println(filepath.Base(filepath.Dir(filepath.Dir(filepath.Dir(p)))), filepath.Dir(target))

	offline := hub.New(hub.OptionsFromEnv(append(env, "HF_HUB_OFFLINE=1")))
	p2, err := offline.Download(context.Background(), "model", "emu-org/tiny-model", "main", "config.json")
	b, _ := os.ReadFile(p2)
	fmt.Println(p2 == p, err, string(b))
	// Output:
	// models--emu-org--tiny-model ../../blobs
	// true <nil> {"model_type":"bert"}
}
