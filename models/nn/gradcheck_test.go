package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// input describes one input of a gradient check: its shape, its values and
// whether the op is differentiable with respect to it.
type input struct {
	shape []int
	data  []float32
	diff  bool
}

// randInput returns a differentiable input of uniform values in [-1, 1),
// pushed away from zero by at least gap (ReLU's kink).
func randInput(r *rand.Rand, gap float32, shape ...int) input {
	n := 1
	for _, s := range shape {
		n *= s
	}
	d := make([]float32, n)
	for i := range d {
		v := float32(r.Float64()*2 - 1)
		if v >= 0 && v < gap {
			v += gap
		} else if v < 0 && v > -gap {
			v -= gap
		}
		d[i] = v
	}
	return input{shape: shape, data: d, diff: true}
}

// fixedInput returns a non-differentiable input (ids, masks, labels).
func fixedInput(data []float32, shape ...int) input {
	return input{shape: shape, data: data}
}

type gradCase struct {
	name   string
	inputs []input
	build  func(in []*G.Node) (*G.Node, error)
	before func()  // runs before every machine run (to replay an RNG)
	eps    float64 // finite-difference step; 1e-2 when zero
	tol    float64 // bound on the relative error; 1e-2 when zero
}

// graph builds the case's graph with a loss = Σ out·w for random w (or the
// output itself when it is a scalar) and returns the machine and nodes.
type checkGraph struct {
	before func()
	g      *G.ExprGraph
	ins    []*G.Node
	out    *G.Node
	w      []float64
	m      G.VM
	inVals []*tensor.Dense
}

func buildCheck(t *testing.T, tc gradCase, r *rand.Rand) *checkGraph {
	t.Helper()
	c := &checkGraph{g: G.NewGraph(), before: tc.before}
	var wrt G.Nodes
	for i, in := range tc.inputs {
		d := append([]float32(nil), in.data...)
		v := tensor.New(tensor.WithShape(in.shape...), tensor.WithBacking(d))
		n := G.NewTensor(c.g, tensor.Float32, len(in.shape), G.WithShape(in.shape...), G.WithValue(v), G.WithName(string(rune('a'+i))))
		c.ins = append(c.ins, n)
		c.inVals = append(c.inVals, v)
		if in.diff {
			wrt = append(wrt, n)
		}
	}
	out, err := tc.build(c.ins)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	c.out = out
	loss := out
	if !out.IsScalar() {
		ws := make([]float32, out.Shape().TotalSize())
		c.w = make([]float64, len(ws))
		for i := range ws {
			ws[i] = float32(r.Float64()*2 - 1)
			c.w[i] = float64(ws[i])
		}
		wn := G.NewTensor(c.g, tensor.Float32, len(out.Shape()), G.WithShape(out.Shape().Clone()...),
			G.WithValue(tensor.New(tensor.WithShape(out.Shape().Clone()...), tensor.WithBacking(ws))), G.WithName("w"))
		if loss, err = G.Sum(G.Must(G.HadamardProd(out, wn))); err != nil {
			t.Fatalf("loss: %v", err)
		}
	}
	if _, err := G.Grad(loss, wrt...); err != nil {
		t.Fatalf("grad: %v", err)
	}
	c.m = G.NewTapeMachine(c.g, G.BindDualValues(wrt...))
	return c
}

// loss runs the graph and returns Σ out·w accumulated in float64.
func (c *checkGraph) loss(t *testing.T) float64 {
	t.Helper()
	c.m.Reset()
	if c.before != nil {
		c.before()
	}
	if err := c.m.RunAll(); err != nil {
		t.Fatalf("run: %v", err)
	}
	d, err := f32Data(c.out.Value())
	if err != nil {
		t.Fatalf("output: %v", err)
	}
	if c.w == nil {
		return float64(d[0])
	}
	s := 0.0
	for i, v := range d {
		s += float64(v) * c.w[i]
	}
	return s
}

func runGradCases(t *testing.T, cases []gradCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, 11))
			c := buildCheck(t, tc, r)
			defer c.m.Close()
			c.loss(t)
			// Snapshot every gradient now: the TapeMachine keeps adding onto
			// them during the finite-difference runs below.
			grads := make([][]float32, len(tc.inputs))
			for i, in := range tc.inputs {
				if !in.diff {
					continue
				}
				gv, err := c.ins[i].Grad()
				if err != nil {
					t.Fatalf("input %d: no gradient: %v", i, err)
				}
				d, err := f32Data(gv)
				if err != nil {
					t.Fatalf("input %d: %v", i, err)
				}
				grads[i] = append([]float32(nil), d...)
			}
			eps, tol := tc.eps, tc.tol
			if eps == 0 {
				eps = 1e-2
			}
			if tol == 0 {
				tol = 1e-2
			}
			for i, in := range tc.inputs {
				if !in.diff {
					continue
				}
				analytic := grads[i]
				data := c.inVals[i].Data().([]float32)
				numeric := make([]float64, len(data))
				scale := 0.0
				for j := range data {
					orig := data[j]
					data[j] = orig + float32(eps)
					lp := c.loss(t)
					data[j] = orig - float32(eps)
					lm := c.loss(t)
					data[j] = orig
					numeric[j] = (lp - lm) / (2 * eps)
					scale = max(scale, math.Abs(numeric[j]))
				}
				if scale == 0 {
					t.Fatalf("input %d: numeric gradient is all zero: the check would be vacuous", i)
				}
				worst, at := 0.0, 0
				for j := range data {
					e := math.Abs(float64(analytic[j])-numeric[j]) / max(math.Abs(numeric[j]), 0.05*scale)
					if e > worst {
						worst, at = e, j
					}
				}
				t.Logf("input %d: worst relative error %.2e at element %d (analytic %g, numeric %g)", i, worst, at, analytic[at], numeric[at])
				if worst > tol {
					t.Errorf("input %d: gradient error %.2e at element %d exceeds %.0e (analytic %g, numeric %g)", i, worst, at, tol, analytic[at], numeric[at])
				}
			}
		})
	}
}

func TestGradLinearAndElementwise(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := []gradCase{
		{name: "linear bias", inputs: []input{randInput(r, 0, 5, 4), randInput(r, 0, 3, 4), randInput(r, 0, 3)},
			build: func(in []*G.Node) (*G.Node, error) { return Linear(in[0], in[1], in[2]) }},
		{name: "linear no bias", inputs: []input{randInput(r, 0, 2, 6), randInput(r, 0, 7, 6)},
			build: func(in []*G.Node) (*G.Node, error) { return Linear(in[0], in[1], nil) }},
		{name: "add", inputs: []input{randInput(r, 0, 3, 5), randInput(r, 0, 3, 5)},
			build: func(in []*G.Node) (*G.Node, error) { return Add(in[0], in[1]) }},
		{name: "gelu", inputs: []input{scaled(randInput(r, 0, 4, 6), 3)},
			build: func(in []*G.Node) (*G.Node, error) { return GELU(in[0]) }},
		{name: "relu", inputs: []input{randInput(r, 0.05, 4, 6)},
			build: func(in []*G.Node) (*G.Node, error) { return ReLU(in[0]) }},
		{name: "tanh", inputs: []input{scaled(randInput(r, 0, 4, 6), 2)},
			build: func(in []*G.Node) (*G.Node, error) { return Tanh(in[0]) }},
		{name: "gelu of linear", inputs: []input{randInput(r, 0, 3, 4), randInput(r, 0, 5, 4), randInput(r, 0, 5)},
			build: func(in []*G.Node) (*G.Node, error) {
				h, err := Linear(in[0], in[1], in[2])
				if err != nil {
					return nil, err
				}
				return GELU(h)
			}},
	}
	runGradCases(t, cases)
}

func scaled(in input, s float32) input {
	for i := range in.data {
		in.data[i] *= s
	}
	return in
}

func TestGradNormsLossesAndGathers(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	labels := fixedInput([]float32{2, IgnoreIndex, 0, 3, 1}, 5)
	targets := fixedInput([]float32{1, 0, 0, 1, 1, 0, 0.5, 0.25}, 4, 2)
	cases := []gradCase{
		{name: "layer norm", inputs: []input{scaled(randInput(r, 0, 4, 6), 2), randInput(r, 0, 6), randInput(r, 0, 6)},
			build: func(in []*G.Node) (*G.Node, error) { return LayerNorm(in[0], in[1], in[2], 1e-5) }},
		{name: "add layer norm", inputs: []input{randInput(r, 0, 3, 8), randInput(r, 0, 3, 8), randInput(r, 0, 8), randInput(r, 0, 8)},
			build: func(in []*G.Node) (*G.Node, error) { return AddLayerNorm(in[0], in[1], in[2], in[3], 1e-12) }},
		{name: "embedding", inputs: []input{randInput(r, 0, 5, 3), fixedInput([]float32{4, 0, 4, 2, 4, 1, 0}, 7)},
			build: func(in []*G.Node) (*G.Node, error) { return Embedding(in[0], in[1]) }},
		{name: "select first token", inputs: []input{randInput(r, 0, 6, 4)},
			build: func(in []*G.Node) (*G.Node, error) { return SelectFirstToken(in[0], 2, 3) }},
		{name: "cross entropy with ignore_index", inputs: []input{scaled(randInput(r, 0, 5, 4), 3), labels},
			build: func(in []*G.Node) (*G.Node, error) { return CrossEntropy(in[0], in[1]) }},
		{name: "bce with logits", inputs: []input{scaled(randInput(r, 0, 4, 2), 4), targets},
			build: func(in []*G.Node) (*G.Node, error) { return BCEWithLogits(in[0], in[1]) }},
		{name: "mse", inputs: []input{randInput(r, 0, 3, 4), randInput(r, 0, 3, 4)},
			build: func(in []*G.Node) (*G.Node, error) { return MSE(in[0], in[1]) }},
		{name: "cross entropy of linear of layer norm", inputs: []input{randInput(r, 0, 5, 6), randInput(r, 0, 6), randInput(r, 0, 6), randInput(r, 0, 4, 6), randInput(r, 0, 4), labels},
			build: func(in []*G.Node) (*G.Node, error) {
				h, err := LayerNorm(in[0], in[1], in[2], 1e-5)
				if err != nil {
					return nil, err
				}
				lg, err := Linear(h, in[3], in[4])
				if err != nil {
					return nil, err
				}
				return CrossEntropy(lg, in[5])
			}},
	}
	runGradCases(t, cases)
}

// replay returns a hook that restores rng to its current state, so that every
// run draws the same dropout masks and finite differences stay meaningful.
func replay(t *testing.T, rng *RNG) func() {
	state, err := rng.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return func() {
		if err := rng.UnmarshalBinary(state); err != nil {
			t.Fatal(err)
		}
	}
}

func TestGradAttention(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	// batch 2, seq 4, 2 heads of width 3; the second sequence has two padded keys.
	mask := fixedInput([]float32{1, 1, 1, 1, 1, 1, 0, 0}, 2, 4)
	qkv := func() []input {
		return []input{scaled(randInput(r, 0, 8, 6), 2), scaled(randInput(r, 0, 8, 6), 2), randInput(r, 0, 8, 6), mask}
	}
	rng := NewRNG(42)
	dropRNG := NewRNG(43)
	cases := []gradCase{
		{name: "padding mask", inputs: qkv(),
			build: func(in []*G.Node) (*G.Node, error) { return Attention(in[0], in[1], in[2], in[3], 2, 4, 2, 0, nil) }},
		{name: "no padding one head", inputs: []input{randInput(r, 0, 3, 4), randInput(r, 0, 3, 4), randInput(r, 0, 3, 4), fixedInput([]float32{1, 1, 1}, 1, 3)},
			build: func(in []*G.Node) (*G.Node, error) { return Attention(in[0], in[1], in[2], in[3], 1, 3, 1, 0, nil) }},
		// A sequence with every key masked is left to the PyTorch golden:
		// scores + finfo.min round to finfo.min, so finite differences see
		// no dependence on q and k while autograd (ours and torch's) passes
		// the softmax gradient through.
		{name: "holes in the mask", inputs: []input{scaled(randInput(r, 0, 8, 6), 2), scaled(randInput(r, 0, 8, 6), 2), randInput(r, 0, 8, 6), fixedInput([]float32{1, 0, 1, 0, 0, 1, 1, 0}, 2, 4)},
			build: func(in []*G.Node) (*G.Node, error) { return Attention(in[0], in[1], in[2], in[3], 2, 4, 2, 0, nil) }},
		{name: "padding mask and dropout", inputs: qkv(), before: replay(t, rng),
			build: func(in []*G.Node) (*G.Node, error) { return Attention(in[0], in[1], in[2], in[3], 2, 4, 2, 0.3, rng) }},
		{name: "dropout of gelu", inputs: []input{randInput(r, 0, 4, 5)}, before: replay(t, dropRNG),
			build: func(in []*G.Node) (*G.Node, error) {
				h, err := GELU(in[0])
				if err != nil {
					return nil, err
				}
				return Dropout(h, 0.4, dropRNG)
			}},
	}
	runGradCases(t, cases)
}

// TestGradEncoderBlock checks one BERT-style block up to the classifier
// logits, where one
// activation feeds q, k, v and the residual, so Gorgonia sums four gradient
// terms for it; dropout masks are replayed so finite differences see one
// function. With float32 activations, eps 1e-2 is where finite differences
// are least noisy here (worst error 4e-3; 2e-3 and 1e-3 give more noise).
func TestGradEncoderBlock(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	const b, s, h, heads, ffn, vocab, classes = 2, 3, 4, 2, 6, 7, 3
	rng := NewRNG(99)
	ids := fixedInput([]float32{1, 5, 6, 2, 0, 3}, b*s)
	mask := fixedInput([]float32{1, 1, 1, 1, 1, 0}, b, s)
	ins := []input{
		ids, mask, fixedInput([]float32{0}, 1), // 2 unused
		randInput(r, 0, vocab, h),              // 3 word embeddings
		randInput(r, 0, h), randInput(r, 0, h), // 4, 5 embedding LN
		randInput(r, 0, h, h), randInput(r, 0, h), // 6, 7 q
		// 9, the key bias, has an exactly zero gradient (softmax ignores a
		// constant added to a row of scores), so it is held fixed.
		randInput(r, 0, h, h), fixedInput([]float32{0.1, -0.2, 0.3, 0.05}, h), // 8, 9 k
		randInput(r, 0, h, h), randInput(r, 0, h), // 10, 11 v
		randInput(r, 0, h, h), randInput(r, 0, h), // 12, 13 attention output
		randInput(r, 0, h), randInput(r, 0, h), // 14, 15 attention LN
		randInput(r, 0, ffn, h), randInput(r, 0, ffn), // 16, 17 FFN in
		randInput(r, 0, h, ffn), randInput(r, 0, h), // 18, 19 FFN out
		randInput(r, 0, h), randInput(r, 0, h), // 20, 21 output LN
		randInput(r, 0, classes, h), randInput(r, 0, classes), // 22, 23 classifier
	}
	for _, i := range []int{4, 14, 20} { // layer norm gammas near 1
		for j := range ins[i].data {
			ins[i].data[j]++
		}
	}
	build := func(in []*G.Node) (*G.Node, error) {
		must := func(n *G.Node, err error) *G.Node {
			if err != nil {
				panic(err)
			}
			return n
		}
		e := must(Embedding(in[3], in[0]))
		x := must(LayerNorm(e, in[4], in[5], 1e-12))
		x = must(Dropout(x, 0.2, rng))
		q := must(Linear(x, in[6], in[7]))
		k := must(Linear(x, in[8], in[9]))
		v := must(Linear(x, in[10], in[11]))
		a := must(Attention(q, k, v, in[1], b, s, heads, 0.2, rng))
		a = must(Linear(a, in[12], in[13]))
		a = must(Dropout(a, 0.2, rng))
		x = must(AddLayerNorm(a, x, in[14], in[15], 1e-12))
		f := must(GELU(must(Linear(x, in[16], in[17]))))
		f = must(Linear(f, in[18], in[19]))
		x = must(AddLayerNorm(f, x, in[20], in[21], 1e-12))
		c := must(Tanh(must(SelectFirstToken(x, b, s))))
		// The logits, not the loss: the harness then sums logits·w in
		// float64, so finite differences are not limited by a float32 loss.
		return Linear(c, in[22], in[23])
	}
	runGradCases(t, []gradCase{{name: "encoder block", inputs: ins, build: build, before: replay(t, rng), eps: 1e-2, tol: 2e-2}})
}
