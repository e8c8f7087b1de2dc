package plot_test

import (
	"fmt"
	"image/png"
	"log"
	"os"
	"path/filepath"

	"github.com/hftrain/hftrain/trainer/plot"
)

// Write the curves of a short run, then read the image back.
func ExampleWritePNG() {
	dir, err := os.MkdirTemp("", "hftrain-plot")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	curves := plot.Curves{
		Title: "distilbert-base-uncased on sst2",
		Train: []plot.Point{{Step: 0, Value: 0.69}, {Step: 10, Value: 0.52}, {Step: 20, Value: 0.31}},
		Eval:  []plot.Point{{Step: 10, Value: 0.45}, {Step: 20, Value: 0.33}},
		Metrics: map[string][]plot.Point{
			"eval_accuracy": {{Step: 10, Value: 0.81}, {Step: 20, Value: 0.88}},
		},
	}
	path := filepath.Join(dir, "curves.png")
	if err := plot.WritePNG(path, curves); err != nil {
		log.Fatal(err)
	}

	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%dx%d\n", cfg.Width, cfg.Height)
	// Output: 1000x500
}
