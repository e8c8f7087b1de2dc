package tensorboard_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hftrain/hftrain/trainer/tensorboard"
)

func Example() {
	dir, err := os.MkdirTemp("", "runs")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	w, err := tensorboard.NewWriter(filepath.Join(dir, "runs"))
	if err != nil {
		log.Fatal(err)
	}
	now := time.Now()
	for step, loss := range []float64{0.69, 0.41, 0.22} {
		if err := w.AddScalar("train/loss", int64(step+1), loss, now); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.AddScalar("eval/accuracy", 3, 0.982, now); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.HasPrefix(filepath.Base(w.Path()), "events.out.tfevents."))
	// Output: true
}
