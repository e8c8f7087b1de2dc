package plot

import (
	"errors"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
)

// toPixel maps a data point of panel i of fig to image pixel coordinates,
// using the plot's own transforms and the canvas resolution (vg lengths
// are points, 1/72 inch; the image origin is at the top left, and pixel
// i covers [i, i+1)).
func toPixel(t *testing.T, fig *figure, i int, x, y float64) image.Point {
	t.Helper()
	if i >= len(fig.panels) {
		t.Fatalf("panel %d of %d", i, len(fig.panels))
	}
	pn := fig.panels[i]
	dc := pn.plot.DataCanvas(pn.canvas)
	trX, trY := pn.plot.Transforms(&dc)
	scale := float64(dpi) / float64(vg.Inch)
	return image.Point{
		X: int(math.Floor(float64(trX(x)) * scale)),
		Y: int(math.Floor(heightPx - float64(trY(y))*scale)),
	}
}

// colorNear reports whether a pixel of colour c lies within r pixels of p.
func colorNear(img image.Image, p image.Point, c color.RGBA, r int) bool {
	for y := p.Y - r; y <= p.Y+r; y++ {
		for x := p.X - r; x <= p.X+r; x++ {
			if sameColor(img.At(x, y), c) {
				return true
			}
		}
	}
	return false
}

// countColor counts the pixels of colour c in the columns [x0, x1).
func countColor(img image.Image, c color.RGBA, x0, x1 int) int {
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := max(x0, b.Min.X); x < min(x1, b.Max.X); x++ {
			if sameColor(img.At(x, y), c) {
				n++
			}
		}
	}
	return n
}

func sameColor(a color.Color, c color.RGBA) bool {
	r, g, b, _ := a.RGBA()
	return uint8(r>>8) == c.R && uint8(g>>8) == c.G && uint8(b>>8) == c.B
}

func makeSeries(steps []int, f func(int) float64) []Point {
	pts := make([]Point, len(steps))
	for i, s := range steps {
		pts[i] = Point{Step: s, Value: f(s)}
	}
	return pts
}

func steps(from, to, by int) []int {
	var s []int
	for i := from; i <= to; i += by {
		s = append(s, i)
	}
	return s
}

// TestLinesWhereDataIs samples the rendered image at the pixel of every
// data point and checks that the series colour is there. The train loss
// (2..3) and eval loss (0..1) never cross, so no line hides another.
func TestLinesWhereDataIs(t *testing.T) {
	train := makeSeries(steps(0, 300, 10), func(s int) float64 { return 2 + math.Exp(-float64(s)/100) })
	eval := makeSeries(steps(50, 300, 50), func(s int) float64 { return 0.2 + 0.5*math.Exp(-float64(s)/100) })
	acc := makeSeries(steps(50, 300, 50), func(s int) float64 { return 0.5 + float64(s)/1000 })
	f1 := makeSeries(steps(50, 300, 50), func(s int) float64 { return 0.1 + float64(s)/1000 })
	tests := []struct {
		name   string
		c      Curves
		panels int
	}{
		{
			name:   "loss only",
			c:      Curves{Title: "loss only", Train: train, Eval: eval},
			panels: 1,
		},
		{
			name:   "loss and metrics",
			c:      Curves{Title: "two panels", Train: train, Eval: eval, Metrics: map[string][]Point{"eval_f1": f1, "eval_accuracy": acc}},
			panels: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fig, err := render(tt.c)
			if err != nil {
				t.Fatal(err)
			}
			if got := fig.img.Bounds().Size(); got != (image.Point{X: widthPx, Y: heightPx}) {
				t.Fatalf("image size %v, want %dx%d", got, widthPx, heightPx)
			}
			if len(fig.panels) != tt.panels {
				t.Fatalf("%d panels, want %d", len(fig.panels), tt.panels)
			}
			check := func(panel int, pts []Point, c color.RGBA, name string) {
				for _, pt := range pts {
					p := toPixel(t, fig, panel, float64(pt.Step), pt.Value)
					if !colorNear(fig.img, p, c, 2) {
						t.Errorf("%s: no %v pixel near %v (step %d, value %g)", name, c, p, pt.Step, pt.Value)
					}
				}
			}
			check(0, tt.c.Train, trainColor, "train")
			check(0, tt.c.Eval, evalColor, "eval")
			if tt.panels == 2 {
				// Metrics are coloured in name order: accuracy before f1.
				check(1, acc, metricColor(0), "eval_accuracy")
				check(1, f1, metricColor(1), "eval_f1")
				// The loss lines stay in the left panel, the metrics in the right.
				split := fig.panels[1].canvas.Min.X
				splitPx := int(float64(split) * dpi / float64(vg.Inch))
				if n := countColor(fig.img, trainColor, splitPx, widthPx); n != 0 {
					t.Errorf("%d train-colour pixels in the metrics panel", n)
				}
				if n := countColor(fig.img, metricColor(0), 0, splitPx); n != 0 {
					t.Errorf("%d accuracy-colour pixels in the loss panel", n)
				}
			} else if n := countColor(fig.img, metricColor(0), 0, widthPx); n != 0 {
				t.Errorf("%d metric-colour pixels without metrics", n)
			}
			// A point far from any line is background.
			if p := toPixel(t, fig, 0, 150, 1.5); colorNear(fig.img, p, trainColor, 3) || colorNear(fig.img, p, evalColor, 3) {
				t.Errorf("line colour at %v, where no data is", p)
			}
		})
	}
}

// TestDegenerateInputs checks that inputs without usable data are drawn,
// and that series without finite values leave no trace of their colour.
func TestDegenerateInputs(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name   string
		c      Curves
		absent []color.RGBA
		// at, when set, is a point of the loss panel that must carry colour.
		at    *Point
		color color.RGBA
	}{
		{name: "zero value", c: Curves{}, absent: []color.RGBA{trainColor, evalColor, metricColor(0)}},
		{name: "empty series", c: Curves{Train: []Point{}, Eval: nil, Metrics: map[string][]Point{"eval_accuracy": nil}},
			absent: []color.RGBA{trainColor, evalColor, metricColor(0)}},
		{name: "all NaN", c: Curves{Train: []Point{{1, nan}, {2, math.Inf(1)}}, Eval: []Point{{2, nan}}, Metrics: map[string][]Point{"eval_f1": {{2, nan}}}},
			absent: []color.RGBA{trainColor, evalColor, metricColor(0)}},
		{name: "single train point", c: Curves{Train: []Point{{10, 0.5}}}, absent: []color.RGBA{evalColor},
			at: &Point{10, 0.5}, color: trainColor},
		{name: "single eval point", c: Curves{Eval: []Point{{3, 1}}}, absent: []color.RGBA{trainColor},
			at: &Point{3, 1}, color: evalColor},
		{name: "NaN in the middle", c: Curves{Train: []Point{{0, 1}, {1, nan}, {2, 0.5}, {3, math.Inf(-1)}, {4, 0.25}}},
			at: &Point{2, 0.5}, color: trainColor},
		{name: "unsorted steps", c: Curves{Train: []Point{{4, 0.25}, {0, 1}, {2, 0.5}}},
			at: &Point{2, 0.5}, color: trainColor},
		{name: "metric outside [0,1]", c: Curves{Metrics: map[string][]Point{"eval_mcc": {{1, -0.5}, {2, 1.5}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "curves.png")
			if err := WritePNG(path, tt.c); err != nil {
				t.Fatal(err)
			}
			img := decode(t, path)
			for _, c := range tt.absent {
				if n := countColor(img, c, 0, widthPx); n != 0 {
					t.Errorf("%d pixels of %v, a series without data", n, c)
				}
			}
			if tt.at != nil {
				fig, err := render(tt.c)
				if err != nil {
					t.Fatal(err)
				}
				p := toPixel(t, fig, 0, float64(tt.at.Step), tt.at.Value)
				if !colorNear(img, p, tt.color, 1) {
					t.Errorf("no %v pixel near %v", tt.color, p)
				}
			}
		})
	}
}

// decode reads path as a PNG and checks its size.
func decode(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	if got := img.Bounds().Size(); got != (image.Point{X: widthPx, Y: heightPx}) {
		t.Fatalf("%s: size %v, want %dx%d", path, got, widthPx, heightPx)
	}
	return img
}

// TestWriteReplacesAtomically checks that a second write replaces the
// first and leaves no temporary file behind.
func TestWriteReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "curves.png")
	if err := os.WriteFile(path, []byte("not a png"), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := WritePNG(path, Curves{Train: []Point{{0, 1}, {1, 0.5}}}); err != nil {
			t.Fatal(err)
		}
	}
	decode(t, path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only curves.png", names)
	}
}

// TestErrorsNamePath checks that failures name the file and leave no
// temporary file behind.
func TestErrorsNamePath(t *testing.T) {
	dir := t.TempDir()
	isDir := filepath.Join(dir, "taken")
	if err := os.Mkdir(isDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(isDir, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		is   error
	}{
		{name: "missing directory", path: filepath.Join(dir, "no", "such", "curves.png"), is: fs.ErrNotExist},
		{name: "path is a directory", path: isDir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WritePNG(tt.path, Curves{Train: []Point{{0, 1}}})
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.path) {
				t.Errorf("error %q does not name %s", err, tt.path)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", err, tt.is)
			}
		})
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("%d entries in %s after failed writes, want 1 (no temp files)", len(entries), dir)
	}
}
