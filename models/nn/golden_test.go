package nn

import (
	"encoding/json"
	"math"
	"os"
	"sort"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// goldenTensor is a tensor in testdata/goldens.json.
type goldenTensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

type goldenCase struct {
	Inputs map[string]goldenTensor `json:"inputs"`
	Output goldenTensor            `json:"output"`
	W      *goldenTensor           `json:"w"`
	Grads  map[string]goldenTensor `json:"grads"`
	Params map[string]int          `json:"params"`
}

// goldenBuilders build each golden case from its named inputs, in the order
// the op takes them.
var goldenBuilders = map[string]struct {
	names []string
	build func(in []*G.Node, p map[string]int) (*G.Node, error)
}{
	"layer_norm": {[]string{"x", "gamma", "beta"}, func(in []*G.Node, _ map[string]int) (*G.Node, error) {
		return LayerNorm(in[0], in[1], in[2], 1e-5)
	}},
	"add_layer_norm": {[]string{"x", "residual", "gamma", "beta"}, func(in []*G.Node, _ map[string]int) (*G.Node, error) {
		return AddLayerNorm(in[0], in[1], in[2], in[3], 1e-12)
	}},
	"gelu":   {[]string{"x"}, func(in []*G.Node, _ map[string]int) (*G.Node, error) { return GELU(in[0]) }},
	"relu":   {[]string{"x"}, func(in []*G.Node, _ map[string]int) (*G.Node, error) { return ReLU(in[0]) }},
	"tanh":   {[]string{"x"}, func(in []*G.Node, _ map[string]int) (*G.Node, error) { return Tanh(in[0]) }},
	"linear": {[]string{"x", "w", "b"}, func(in []*G.Node, _ map[string]int) (*G.Node, error) { return Linear(in[0], in[1], in[2]) }},
	"attention": {[]string{"q", "k", "v", "mask"}, func(in []*G.Node, p map[string]int) (*G.Node, error) {
		return Attention(in[0], in[1], in[2], in[3], p["batch"], p["seq"], p["heads"], 0, nil)
	}},
	"attention_all_padding": {[]string{"q", "k", "v", "mask"}, func(in []*G.Node, p map[string]int) (*G.Node, error) {
		return Attention(in[0], in[1], in[2], in[3], p["batch"], p["seq"], p["heads"], 0, nil)
	}},
	"cross_entropy": {[]string{"logits", "labels"}, func(in []*G.Node, _ map[string]int) (*G.Node, error) {
		return CrossEntropy(in[0], in[1])
	}},
	"bce_with_logits": {[]string{"logits", "targets"}, func(in []*G.Node, _ map[string]int) (*G.Node, error) {
		return BCEWithLogits(in[0], in[1])
	}},
	"mse":       {[]string{"pred", "target"}, func(in []*G.Node, _ map[string]int) (*G.Node, error) { return MSE(in[0], in[1]) }},
	"embedding": {[]string{"table", "ids"}, func(in []*G.Node, _ map[string]int) (*G.Node, error) { return Embedding(in[0], in[1]) }},
}

func (gt goldenTensor) node(g *G.ExprGraph, name string) *G.Node {
	d := make([]float32, len(gt.Data))
	for i, v := range gt.Data {
		d[i] = float32(v)
	}
	if len(gt.Shape) == 0 {
		return G.NewScalar(g, tensor.Float32, G.WithValue(d[0]), G.WithName(name))
	}
	v := tensor.New(tensor.WithShape(gt.Shape...), tensor.WithBacking(d))
	return G.NewTensor(g, tensor.Float32, len(gt.Shape), G.WithShape(gt.Shape...), G.WithValue(v), G.WithName(name))
}

// compare reports the worst |got-want| relative to max|want| and fails above rtol.
func compare(t *testing.T, what string, got []float32, want goldenTensor, rtol float64) {
	t.Helper()
	if len(got) != len(want.Data) {
		t.Fatalf("%s: %d elements, want %d", what, len(got), len(want.Data))
	}
	scale := 0.0
	for _, w := range want.Data {
		scale = max(scale, math.Abs(w))
	}
	scale = max(scale, 1e-30)
	worst, at := 0.0, 0
	for i, w := range want.Data {
		if e := math.Abs(float64(got[i])-w) / scale; e > worst || math.IsNaN(e) {
			worst, at = e, i
		}
	}
	t.Logf("%s: worst error %.2e of max|ref| %.3g at element %d (got %g, want %g)", what, worst, scale, at, got[at], want.Data[at])
	if !(worst <= rtol) {
		t.Errorf("%s: error %.2e at element %d exceeds %.0e (got %g, want %g)", what, worst, at, rtol, got[at], want.Data[at])
	}
}

func TestPyTorchGoldens(t *testing.T) {
	raw, err := os.ReadFile("testdata/goldens.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Torch string                `json:"torch"`
		Cases map[string]goldenCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(file.Cases))
	for n := range file.Cases {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) != len(goldenBuilders) {
		t.Errorf("goldens.json has %d cases, the test knows %d", len(names), len(goldenBuilders))
	}
	for _, name := range names {
		gc := file.Cases[name]
		t.Run(name, func(t *testing.T) {
			b, ok := goldenBuilders[name]
			if !ok {
				t.Fatalf("no builder for golden case %q", name)
			}
			g := G.NewGraph()
			ins := make([]*G.Node, len(b.names))
			var wrt G.Nodes
			for i, n := range b.names {
				ins[i] = gc.Inputs[n].node(g, n)
				if _, ok := gc.Grads[n]; ok {
					wrt = append(wrt, ins[i])
				}
			}
			out, err := b.build(ins, gc.Params)
			if err != nil {
				t.Fatal(err)
			}
			loss := out
			if gc.W != nil {
				if loss, err = G.Sum(G.Must(G.HadamardProd(out, gc.W.node(g, "w")))); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := G.Grad(loss, wrt...); err != nil {
				t.Fatal(err)
			}
			m := G.NewTapeMachine(g, G.BindDualValues(wrt...))
			defer m.Close()
			if err := m.RunAll(); err != nil {
				t.Fatal(err)
			}
			got, err := f32Data(out.Value())
			if err != nil {
				t.Fatal(err)
			}
			compare(t, "output", got, gc.Output, 1e-5)
			for i, n := range b.names {
				want, ok := gc.Grads[n]
				if !ok {
					continue
				}
				gv, err := ins[i].Grad()
				if err != nil {
					t.Fatalf("grad %s: %v", n, err)
				}
				got, err := f32Data(gv)
				if err != nil {
					t.Fatal(err)
				}
				compare(t, "grad "+n, got, want, 1e-5)
			}
		})
	}
}
