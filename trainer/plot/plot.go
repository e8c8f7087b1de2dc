package plot

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"sort"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Size of the written image in pixels. Wide rather than tall: two panels
// side by side, each roughly square.
const (
	widthPx  = 1000
	heightPx = 500
	dpi      = 96
)

// Point is one logged value of a series.
type Point struct {
	// Step is the optimizer step at which the value was logged.
	Step int
	// Value is the logged value; NaN and ±Inf are skipped when drawing.
	Value float64
}

// Curves holds every series of one run.
type Curves struct {
	// Title is drawn above the figure, e.g. the model and dataset names.
	Title string
	// Train is the training loss.
	Train []Point
	// Eval is the evaluation loss (eval_loss).
	Eval []Point
	// Metrics are evaluation metrics in [0, 1] keyed by name, e.g.
	// eval_accuracy or eval_f1. They are drawn in the order of their names.
	Metrics map[string][]Point
}

// Line colours, fixed so that the same series looks the same in every run
// (and so that tests can find them). They are the first colours of the
// matplotlib "tab10" cycle, which readers of Hugging Face plots know.
var (
	trainColor   = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	evalColor    = color.RGBA{R: 255, G: 127, B: 14, A: 255}
	metricColors = [...]color.RGBA{
		{R: 44, G: 160, B: 44, A: 255},
		{R: 214, G: 39, B: 40, A: 255},
		{R: 148, G: 103, B: 189, A: 255},
		{R: 140, G: 86, B: 75, A: 255},
		{R: 227, G: 119, B: 194, A: 255},
		{R: 23, G: 190, B: 207, A: 255},
	}
)

// metricColor returns the colour of the i-th metric in name order.
func metricColor(i int) color.RGBA { return metricColors[i%len(metricColors)] }

// series is one named line ready to draw.
type series struct {
	name  string
	xys   plotter.XYs
	color color.RGBA
	// dots marks every point with a glyph: evaluation series are sparse,
	// and a single point would otherwise be an invisible zero-length line.
	dots bool
}

// panel is one plot of the figure and the canvas it was drawn on, kept so
// that tests can map data coordinates to pixels.
type panel struct {
	plot   *gplot.Plot
	canvas draw.Canvas
}

// figure is a rendered image with its panels.
type figure struct {
	img    image.Image
	panels []panel
}

// WritePNG draws c and writes it as a PNG image to path. The file is
// written to a temporary file in the same directory and renamed into
// place, so a reader never sees a partial image. Empty series and
// non-finite values are not errors: a panel without data is drawn with
// bare axes and "(no data)" in its title.
func WritePNG(path string, c Curves) error {
	fig, err := render(c)
	if err != nil {
		return fmt.Errorf("plot: %s: %w", path, err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, fig.img); err != nil {
		return fmt.Errorf("plot: %s: encode png: %w", path, err)
	}
	if err := writeAtomic(path, buf.Bytes()); err != nil {
		return fmt.Errorf("plot: %s: %w", path, err)
	}
	return nil
}

// render draws c on an in-memory canvas.
func render(c Curves) (*figure, error) {
	loss := []series{
		{name: "train loss", xys: finite(c.Train), color: trainColor, dots: len(finite(c.Train)) == 1},
		{name: "eval loss", xys: finite(c.Eval), color: evalColor, dots: true},
	}
	lossPlot, err := newPanel("Loss", "loss", loss)
	if err != nil {
		return nil, fmt.Errorf("loss panel: %w", err)
	}
	row := []*gplot.Plot{lossPlot}
	if len(c.Metrics) > 0 {
		names := make([]string, 0, len(c.Metrics))
		for name := range c.Metrics {
			names = append(names, name)
		}
		sort.Strings(names)
		metrics := make([]series, len(names))
		for i, name := range names {
			metrics[i] = series{name: name, xys: finite(c.Metrics[name]), color: metricColor(i), dots: true}
		}
		metricPlot, err := newPanel("Evaluation metrics", "value", metrics)
		if err != nil {
			return nil, fmt.Errorf("metrics panel: %w", err)
		}
		// Metrics live in [0, 1]; widen only if a value falls outside, so
		// that nothing is drawn beyond the axes.
		metricPlot.Y.Min = math.Min(0, metricPlot.Y.Min)
		metricPlot.Y.Max = math.Max(1, metricPlot.Y.Max)
		row = append(row, metricPlot)
	}

	canvas := vgimg.NewWith(
		vgimg.UseWH(vg.Length(widthPx)*vg.Inch/dpi, vg.Length(heightPx)*vg.Inch/dpi),
		vgimg.UseDPI(dpi),
	)
	dc := draw.New(canvas)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	if c.Title != "" {
		dc = drawTitle(dc, c.Title)
	}
	tiles := draw.Tiles{Rows: 1, Cols: len(row), PadX: vg.Points(20), PadY: vg.Points(5),
		PadTop: vg.Points(5), PadBottom: vg.Points(5), PadLeft: vg.Points(5), PadRight: vg.Points(10)}
	cells := gplot.Align([][]*gplot.Plot{row}, tiles, dc)
	fig := &figure{img: canvas.Image()}
	for i, p := range row {
		p.Draw(cells[0][i])
		fig.panels = append(fig.panels, panel{plot: p, canvas: cells[0][i]})
	}
	return fig, nil
}

// drawTitle writes the figure title centred at the top of dc and returns
// the canvas left below it.
func drawTitle(dc draw.Canvas, title string) draw.Canvas {
	sty := draw.TextStyle{
		Color:   color.Black,
		Font:    gplot.DefaultFont,
		Handler: gplot.DefaultTextHandler,
		XAlign:  draw.XCenter,
		YAlign:  draw.YTop,
	}
	sty.Font.Size = vg.Points(14)
	top := dc.Max.Y - vg.Points(5)
	dc.FillText(sty, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: top}, title)
	dc.Max.Y = top - sty.Height(title) - vg.Points(5)
	return dc
}

// newPanel builds one plot with a line (and, if asked, dots) per series
// that has data. A series without data gets no legend entry, so that the
// legend never names a line that is not there.
func newPanel(title, yLabel string, all []series) (*gplot.Plot, error) {
	p := gplot.New()
	p.Title.Text = title
	p.X.Label.Text = "step"
	p.Y.Label.Text = yLabel
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	drawn := 0
	for _, s := range all {
		if len(s.xys) == 0 {
			continue
		}
		line, err := plotter.NewLine(s.xys)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		line.Color = s.color
		line.Width = vg.Points(2)
		p.Add(line)
		if s.dots {
			dots, err := plotter.NewScatter(s.xys)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.name, err)
			}
			dots.Color = s.color
			dots.Shape = draw.CircleGlyph{}
			dots.Radius = vg.Points(3)
			p.Add(dots)
			p.Legend.Add(s.name, line, dots)
		} else {
			p.Legend.Add(s.name, line)
		}
		drawn++
	}
	if drawn == 0 {
		// Without data the axes have no range; give them a unit one so
		// that the empty panel still shows ticks.
		p.Title.Text += " (no data)"
		p.X.Min, p.X.Max = 0, 1
		p.Y.Min, p.Y.Max = 0, 1
	}
	return p, nil
}

// finite returns the points of pts with a finite value, in step order.
func finite(pts []Point) plotter.XYs {
	xys := make(plotter.XYs, 0, len(pts))
	for _, pt := range pts {
		if math.IsNaN(pt.Value) || math.IsInf(pt.Value, 0) {
			continue
		}
		xys = append(xys, plotter.XY{X: float64(pt.Step), Y: pt.Value})
	}
	sort.SliceStable(xys, func(i, j int) bool { return xys[i].X < xys[j].X })
	return xys
}

// writeAtomic writes data to a temporary file beside path and renames it
// over path.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("create temp: %w", err)
	}
	name := tmp.Name()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(name)
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(name)
		return fmt.Errorf("sync %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(name)
		return fmt.Errorf("close %s: %w", name, err)
	}
	if err := os.Chmod(name, 0o644); err != nil {
		os.Remove(name)
		return fmt.Errorf("chmod %s: %w", name, err)
	}
	if err := os.Rename(name, path); err != nil {
		os.Remove(name)
		return fmt.Errorf("rename %s: %w", name, err)
	}
	return nil
}
