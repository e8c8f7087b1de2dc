package nn

import (
	"math"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func constNode(g *G.ExprGraph, name string, data []float32, shape ...int) *G.Node {
	return G.NewTensor(g, tensor.Float32, len(shape), G.WithShape(shape...), G.WithName(name),
		G.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))))
}

func filled(n int, v float32) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = v
	}
	return d
}

// dropoutRun builds y = Dropout(x) with dy = w, runs it runs times and
// returns copies of y and dx after each run.
func dropoutRun(t *testing.T, seed uint64, p float64, x []float32, runs int) (ys, dxs [][]float32) {
	t.Helper()
	g := G.NewGraph()
	xn := constNode(g, "x", append([]float32(nil), x...), len(x))
	y, err := Dropout(xn, p, NewRNG(seed))
	if err != nil {
		t.Fatal(err)
	}
	loss, err := G.Sum(y)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := G.Grad(loss, xn); err != nil {
		t.Fatal(err)
	}
	m := G.NewTapeMachine(g, G.BindDualValues(xn))
	defer m.Close()
	for range runs {
		m.Reset()
		if err := ZeroGrads(G.Nodes{xn}); err != nil {
			t.Fatal(err)
		}
		if err := m.RunAll(); err != nil {
			t.Fatal(err)
		}
		yd, _ := f32Data(y.Value())
		gv, err := xn.Grad()
		if err != nil {
			t.Fatal(err)
		}
		dd, _ := f32Data(gv)
		ys = append(ys, append([]float32(nil), yd...))
		dxs = append(dxs, append([]float32(nil), dd...))
	}
	return ys, dxs
}

func TestDropout(t *testing.T) {
	const n = 200000
	x := make([]float32, n)
	for i := range x {
		x[i] = 1 + float32(i%7) // non-zero, so y/x recovers the mask
	}
	for _, p := range []float64{0.1, 0.5} {
		ys, dxs := dropoutRun(t, 17, p, x, 2)
		scale := float32(1 / (1 - p))
		kept := 0
		for i, y := range ys[0] {
			m := y / x[i]
			switch {
			case y == 0:
			case math.Abs(float64(m-scale)) < 1e-6*float64(scale):
				kept++
			default:
				t.Fatalf("p=%g: element %d scaled by %g, want 0 or %g", p, i, m, scale)
			}
			// d(sum y)/dx = mask: the gradient reuses the forward mask.
			if dxs[0][i] != m {
				t.Fatalf("p=%g: gradient %g at %d does not reuse the mask %g", p, dxs[0][i], i, m)
			}
		}
		frac := float64(kept) / n
		sigma := math.Sqrt(p * (1 - p) / n)
		t.Logf("p=%g: kept %.4f, want %.4f ± %.4f", p, frac, 1-p, 5*sigma)
		if math.Abs(frac-(1-p)) > 5*sigma {
			t.Errorf("p=%g: kept fraction %.4f, want %.4f ± %.4f", p, frac, 1-p, 5*sigma)
		}
		same := 0
		for i := range ys[0] {
			if (ys[0][i] == 0) == (ys[1][i] == 0) {
				same++
			}
		}
		if same == n {
			t.Errorf("p=%g: two runs drew the same mask", p)
		}
		again, _ := dropoutRun(t, 17, p, x, 2)
		other, _ := dropoutRun(t, 18, p, x, 1)
		for r := range ys {
			for i := range ys[r] {
				if ys[r][i] != again[r][i] {
					t.Fatalf("p=%g: seed 17 run %d differs at %d between two graphs", p, r, i)
				}
			}
		}
		diff := 0
		for i := range ys[0] {
			if ys[0][i] != other[0][i] {
				diff++
			}
		}
		if diff == 0 {
			t.Errorf("p=%g: seeds 17 and 18 drew the same mask", p)
		}
	}
}

func TestDropoutIdentityAndErrors(t *testing.T) {
	g := G.NewGraph()
	x := constNode(g, "x", filled(4, 1), 4)
	tests := []struct {
		name    string
		p       float64
		rng     *RNG
		same    bool
		wantErr bool
	}{
		{"p zero", 0, NewRNG(1), true, false},
		{"nil rng", 0.3, nil, true, false},
		{"negative p", -0.1, NewRNG(1), false, true},
		{"p one", 1, NewRNG(1), false, true},
		{"dropping", 0.3, NewRNG(1), false, false},
	}
	for _, tc := range tests {
		y, err := Dropout(x, tc.p, tc.rng)
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: err = %v, want error %t", tc.name, err, tc.wantErr)
			continue
		}
		if err == nil && (y == x) != tc.same {
			t.Errorf("%s: returned x itself = %t, want %t", tc.name, y == x, tc.same)
		}
	}
}

func TestRNGResume(t *testing.T) {
	a := NewRNG(5)
	for range 10 {
		a.Uint64()
	}
	state, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var b RNG
	if err := b.UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if x, y := a.Uint64(), b.Uint64(); x != y {
			t.Fatalf("draw %d after resume: %d != %d", i, x, y)
		}
	}
	if err := b.UnmarshalBinary([]byte("junk")); err == nil {
		t.Error("UnmarshalBinary accepted junk")
	}
	var zero RNG
	if zero.Uint64() != NewRNG(0).Uint64() {
		t.Error("the zero RNG differs from NewRNG(0)")
	}
	if NewRNG(1).Uint64() == NewRNG(2).Uint64() {
		t.Error("seeds 1 and 2 start alike")
	}
}

// TestZeroGrads shows the TapeMachine's accumulation (PERF.md bug 4) and how
// a caller resets it.
func TestZeroGrads(t *testing.T) {
	g := G.NewGraph()
	x := constNode(g, "x", []float32{1, 2, 3, 4, 5, 6}, 2, 3)
	w := constNode(g, "w", []float32{1, -1, 0.5, 2, 0, 1}, 2, 3)
	b := constNode(g, "b", []float32{0.1, 0.2}, 2)
	y, err := Linear(x, w, b)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := MSE(y, constNode(g, "t", []float32{0, 1, 2, 3}, 2, 2))
	if err != nil {
		t.Fatal(err)
	}
	params := G.Nodes{w, b}
	if _, err := G.Grad(loss, params...); err != nil {
		t.Fatal(err)
	}
	m := G.NewTapeMachine(g, G.BindDualValues(params...))
	defer m.Close()
	grad := func() []float32 {
		gv, err := w.Grad()
		if err != nil {
			t.Fatal(err)
		}
		d, _ := f32Data(gv)
		return append([]float32(nil), d...)
	}
	run := func() {
		m.Reset()
		if err := m.RunAll(); err != nil {
			t.Fatal(err)
		}
	}
	run()
	once := grad()
	run()
	twice := grad()
	for i := range once {
		if math.Abs(float64(twice[i]-2*once[i])) > 1e-5*math.Abs(float64(once[i])) {
			t.Fatalf("second run: grad %g, want accumulated %g", twice[i], 2*once[i])
		}
	}
	if err := ZeroGrads(params); err != nil {
		t.Fatal(err)
	}
	for _, v := range grad() {
		if v != 0 {
			t.Fatalf("after ZeroGrads: grad %g", v)
		}
	}
	run()
	for i, v := range grad() {
		if v != once[i] {
			t.Fatalf("after ZeroGrads and a run: grad %g, want %g", v, once[i])
		}
	}
}

func TestRunTimeErrors(t *testing.T) {
	tests := []struct {
		name  string
		build func(g *G.ExprGraph) (*G.Node, error)
		want  string
	}{
		{"embedding id too large", func(g *G.ExprGraph) (*G.Node, error) {
			return Embedding(constNode(g, "t", filled(6, 1), 3, 2), constNode(g, "i", []float32{0, 3}, 2))
		}, "not an integer in [0, 3)"},
		{"embedding negative id", func(g *G.ExprGraph) (*G.Node, error) {
			return Embedding(constNode(g, "t", filled(6, 1), 3, 2), constNode(g, "i", []float32{-1, 0}, 2))
		}, "not an integer"},
		{"embedding fractional id", func(g *G.ExprGraph) (*G.Node, error) {
			return Embedding(constNode(g, "t", filled(6, 1), 3, 2), constNode(g, "i", []float32{0.5, 0}, 2))
		}, "not an integer"},
		{"cross entropy label", func(g *G.ExprGraph) (*G.Node, error) {
			return CrossEntropy(constNode(g, "l", filled(6, 1), 2, 3), constNode(g, "y", []float32{3, 0}, 2))
		}, "neither in [0, 3)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := G.NewGraph()
			if _, err := tc.build(g); err != nil {
				t.Fatalf("build: %v", err)
			}
			m := G.NewTapeMachine(g)
			defer m.Close()
			err := m.RunAll()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("run error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	g := G.NewGraph()
	m23 := constNode(g, "m23", filled(6, 1), 2, 3)
	m32 := constNode(g, "m32", filled(6, 1), 3, 2)
	v3 := constNode(g, "v3", filled(3, 1), 3)
	v2 := constNode(g, "v2", filled(2, 1), 2)
	mask := constNode(g, "mask", filled(2, 1), 1, 2)
	tests := []struct {
		name string
		f    func() (*G.Node, error)
	}{
		{"linear inner", func() (*G.Node, error) { return Linear(m23, m32, nil) }},
		{"linear bias", func() (*G.Node, error) { return Linear(m23, m23, v3) }},
		{"add shapes", func() (*G.Node, error) { return Add(m23, m32) }},
		{"layer norm gamma", func() (*G.Node, error) { return LayerNorm(m23, v2, v3, 1e-5) }},
		{"layer norm eps", func() (*G.Node, error) { return LayerNorm(m23, v3, v3, 0) }},
		{"add layer norm residual", func() (*G.Node, error) { return AddLayerNorm(m23, m32, v3, v3, 1e-5) }},
		{"embedding ids", func() (*G.Node, error) { return Embedding(m23, m23) }},
		{"attention heads", func() (*G.Node, error) { return Attention(m23, m23, m23, mask, 1, 2, 2, 0, nil) }},
		{"attention batch", func() (*G.Node, error) { return Attention(m23, m23, m23, mask, 2, 2, 1, 0, nil) }},
		{"attention kv", func() (*G.Node, error) { return Attention(m23, m32, m23, mask, 1, 2, 1, 0, nil) }},
		{"select rows", func() (*G.Node, error) { return SelectFirstToken(m23, 2, 2) }},
		{"cross entropy labels", func() (*G.Node, error) { return CrossEntropy(m23, v3) }},
		{"mse shapes", func() (*G.Node, error) { return MSE(m23, m32) }},
		{"nil input", func() (*G.Node, error) { return GELU(nil) }},
	}
	for _, tc := range tests {
		if _, err := tc.f(); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestCrossEntropyAllIgnoredIsNaN(t *testing.T) {
	g := G.NewGraph()
	l, err := CrossEntropy(constNode(g, "l", filled(4, 1), 2, 2), constNode(g, "y", []float32{IgnoreIndex, IgnoreIndex}, 2))
	if err != nil {
		t.Fatal(err)
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	if v := l.Value().Data().(float32); !math.IsNaN(float64(v)) {
		t.Errorf("loss %g, want NaN as torch gives", v)
	}
}

// TestGradNodesWithoutDualValues checks the other way to read gradients: a
// TapeMachine without BindDualValues accumulates nothing, and the gradient
// nodes G.Grad returns hold this run's gradients after RunAll, also for a
// weight used twice (whose gradient Gorgonia sums with its own Add).
func TestGradNodesWithoutDualValues(t *testing.T) {
	build := func() (*G.ExprGraph, G.Nodes, *G.Node) {
		g := G.NewGraph()
		x := constNode(g, "x", []float32{1, 2, 3, 4, 5, 6, -1, 0.5, 2}, 3, 3)
		w := constNode(g, "w", []float32{0.1, -0.2, 0.3, 0.4, 0.5, -0.6, 0.7, 0.8, 0.9}, 3, 3)
		b := constNode(g, "b", []float32{0.1, 0.2, 0.3}, 3)
		gamma := constNode(g, "gamma", []float32{1, 1.5, 0.5}, 3)
		beta := constNode(g, "beta", []float32{0, 0.1, -0.1}, 3)
		h := G.Must(Linear(x, w, b))
		h = G.Must(GELU(h))
		h = G.Must(AddLayerNorm(h, x, gamma, beta, 1e-5))
		h = G.Must(Linear(h, w, nil)) // w again: its gradient is a sum
		loss := G.Must(CrossEntropy(h, constNode(g, "y", []float32{0, 2, 1}, 3)))
		return g, G.Nodes{w, b, gamma, beta}, loss
	}
	// Reference: BindDualValues, one run.
	g, params, loss := build()
	if _, err := G.Grad(loss, params...); err != nil {
		t.Fatal(err)
	}
	m := G.NewTapeMachine(g, G.BindDualValues(params...))
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	var want [][]float32
	for _, p := range params {
		gv, err := p.Grad()
		if err != nil {
			t.Fatal(err)
		}
		d, _ := f32Data(gv)
		want = append(want, append([]float32(nil), d...))
	}
	m.Close()

	g, params, loss = build()
	grads, err := G.Grad(loss, params...)
	if err != nil {
		t.Fatal(err)
	}
	m = G.NewTapeMachine(g)
	defer m.Close()
	for run := range 3 {
		m.Reset()
		if err := m.RunAll(); err != nil {
			t.Fatal(err)
		}
		for i, gn := range grads {
			d, err := f32Data(gn.Value())
			if err != nil {
				t.Fatal(err)
			}
			for j := range d {
				if math.Abs(float64(d[j]-want[i][j])) > 1e-6 {
					t.Fatalf("run %d: param %s grad[%d] = %g, want %g", run, params[i].Name(), j, d[j], want[i][j])
				}
			}
		}
	}
}
