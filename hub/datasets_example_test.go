package hub_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hftrain/hftrain/hub"
	"github.com/hftrain/hftrain/hub/hubtest"
)

// Find and download the splits of a dataset as datasets.load_dataset would.
func ExampleClient_DatasetFiles() {
	srv, err := hubtest.NewServer()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	srv.AddRepo("dataset", "emu-org/reviews", hubtest.RepoOptions{})
	srv.Commit("dataset", "emu-org/reviews", "main", "init", map[string][]byte{
		"data/train.csv": []byte("text,label\ngreat,1\nbad,0\n"),
		"data/dev.csv":   []byte("text,label\nfine,1\n"),
		"data/test.csv":  []byte("text,label\nmeh,0\n"),
	})
	cache, err := os.MkdirTemp("", "hub-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(cache)
	c := hub.New(hub.Options{Endpoint: srv.URL, CacheDir: cache})
	d, err := c.DatasetFiles(context.Background(), "emu-org/reviews", "", "")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Config, d.Format, d.Converted)
	for _, s := range d.Splits {
		fmt.Println(s.Name, filepath.Base(s.Files[0]))
	}
	// Output:
	// default csv false
	// train train.csv
	// validation dev.csv
	// test test.csv
}
