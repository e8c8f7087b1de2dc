package trainer

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hftrain/hftrain/trainer/plot"
	"github.com/hftrain/hftrain/trainer/tensorboard"
)

// PlotFileName is the PNG of the training and evaluation curves written into output_dir at the end.
const PlotFileName = "training_curves.png"

// tbTag names a logged value as transformers' TensorBoardCallback does: "eval_loss" becomes
// "eval/loss", anything else "train/<name>".
func tbTag(key string) string {
	if rest, ok := strings.CutPrefix(key, "eval_"); ok {
		return "eval/" + rest
	}
	return "train/" + key
}

// writeTensorBoard adds every finite value of an entry as a scalar at its step.
func writeTensorBoard(w *tensorboard.Writer, e LogEntry) error {
	keys := make([]string, 0, len(e.Values))
	for k := range e.Values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	now := time.Now()
	for _, k := range keys {
		if err := w.AddScalar(tbTag(k), int64(e.Step), e.Values[k], now); err != nil {
			return fmt.Errorf("trainer: tensorboard: %w", err)
		}
	}
	if err := w.AddScalar("train/epoch", int64(e.Step), e.Epoch, now); err != nil {
		return fmt.Errorf("trainer: tensorboard: %w", err)
	}
	return w.Flush()
}

// writePlot draws the loss (training and evaluation) and the evaluation metrics of the log history.
func writePlot(dir, title string, hist []LogEntry) error {
	c := plot.Curves{Title: title, Metrics: map[string][]plot.Point{}}
	for _, e := range hist {
		for k, v := range e.Values {
			if math.IsNaN(v) {
				continue
			}
			p := plot.Point{Step: e.Step, Value: v}
			switch {
			case k == "loss":
				c.Train = append(c.Train, p)
			case k == "eval_loss":
				c.Eval = append(c.Eval, p)
			case k == "eval_accuracy" || k == "eval_f1" || k == "eval_pearson":
				c.Metrics[k] = append(c.Metrics[k], p)
			}
		}
	}
	return plot.WritePNG(filepath.Join(dir, PlotFileName), c)
}
