package nn

import (
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
)

// BERT-mini shapes: batch 32, sequence 128, hidden 256, 4 heads, FFN 1024.
const (
	benchB, benchS, benchH, benchHeads, benchFFN = 32, 128, 256, 4, 1024
	benchN                                       = benchB * benchS
)

func benchNode(g *G.ExprGraph, r *rand.Rand, name string, shape ...int) *G.Node {
	n := 1
	for _, s := range shape {
		n *= s
	}
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(r.Float64()*2-1) * 0.5
	}
	return constNode(g, name, d, shape...)
}

// benchGraph times forward + backward of build's output under an MSE loss
// (one extra element-wise pass each way), or the forward alone.
func benchGraph(b *testing.B, backward bool, build func(g *G.ExprGraph, r *rand.Rand) (*G.Node, G.Nodes)) {
	r := rand.New(rand.NewPCG(1, 1))
	g := G.NewGraph()
	out, wrt := build(g, r)
	if backward {
		loss, err := MSE(out, benchNode(g, r, "target", out.Shape()...))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := G.Grad(loss, wrt...); err != nil {
			b.Fatal(err)
		}
	}
	m := G.NewTapeMachine(g, G.BindDualValues(wrt...))
	defer m.Close()
	run := func() {
		m.Reset()
		if err := m.RunAll(); err != nil {
			b.Fatal(err)
		}
	}
	run() // allocate the buffers
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		run()
	}
	b.StopTimer()
	if backward {
		if err := ZeroGrads(wrt); err != nil {
			b.Fatal(err)
		}
	}
}

func benchLinear(out int) func(g *G.ExprGraph, r *rand.Rand) (*G.Node, G.Nodes) {
	return func(g *G.ExprGraph, r *rand.Rand) (*G.Node, G.Nodes) {
		x := benchNode(g, r, "x", benchN, benchH)
		w := benchNode(g, r, "w", out, benchH)
		bias := benchNode(g, r, "b", out)
		y, err := Linear(x, w, bias)
		if err != nil {
			panic(err)
		}
		return y, G.Nodes{x, w, bias}
	}
}

func benchAttention(g *G.ExprGraph, r *rand.Rand) (*G.Node, G.Nodes) {
	q := benchNode(g, r, "q", benchN, benchH)
	k := benchNode(g, r, "k", benchN, benchH)
	v := benchNode(g, r, "v", benchN, benchH)
	m := filled(benchN, 1)
	for b := 0; b < benchB; b++ { // pad the tail of every other sequence
		if b%2 == 1 {
			clear(m[b*benchS+benchS/2 : (b+1)*benchS])
		}
	}
	mask := constNode(g, "mask", m, benchB, benchS)
	y, err := Attention(q, k, v, mask, benchB, benchS, benchHeads, 0.1, NewRNG(1))
	if err != nil {
		panic(err)
	}
	return y, G.Nodes{q, k, v}
}

func benchAddLayerNorm(g *G.ExprGraph, r *rand.Rand) (*G.Node, G.Nodes) {
	x := benchNode(g, r, "x", benchN, benchH)
	res := benchNode(g, r, "res", benchN, benchH)
	gamma := benchNode(g, r, "gamma", benchH)
	beta := benchNode(g, r, "beta", benchH)
	y, err := AddLayerNorm(x, res, gamma, beta, 1e-12)
	if err != nil {
		panic(err)
	}
	return y, G.Nodes{x, res, gamma, beta}
}

func benchGELU(g *G.ExprGraph, r *rand.Rand) (*G.Node, G.Nodes) {
	x := benchNode(g, r, "x", benchN, benchFFN)
	y, err := GELU(x)
	if err != nil {
		panic(err)
	}
	return y, G.Nodes{x}
}

func BenchmarkLinear256x1024(b *testing.B)    { benchGraph(b, true, benchLinear(benchFFN)) }
func BenchmarkLinear256x1024Fwd(b *testing.B) { benchGraph(b, false, benchLinear(benchFFN)) }
func BenchmarkLinear256x256(b *testing.B)     { benchGraph(b, true, benchLinear(benchH)) }
func BenchmarkAttention(b *testing.B)         { benchGraph(b, true, benchAttention) }
func BenchmarkAttentionFwd(b *testing.B)      { benchGraph(b, false, benchAttention) }
func BenchmarkAddLayerNorm(b *testing.B)      { benchGraph(b, true, benchAddLayerNorm) }
func BenchmarkAddLayerNormFwd(b *testing.B)   { benchGraph(b, false, benchAddLayerNorm) }
func BenchmarkGELU4096x1024(b *testing.B)     { benchGraph(b, true, benchGELU) }
func BenchmarkGELU4096x1024Fwd(b *testing.B)  { benchGraph(b, false, benchGELU) }

// The harness's own cost (the MSE loss, forward and backward, on an input of
// the output's shape), to subtract from the fwd+bwd figures above.
func benchIdentity(rows, cols int) func(g *G.ExprGraph, r *rand.Rand) (*G.Node, G.Nodes) {
	return func(g *G.ExprGraph, r *rand.Rand) (*G.Node, G.Nodes) {
		x := benchNode(g, r, "x", rows, cols)
		return x, G.Nodes{x}
	}
}

func BenchmarkHarness4096x256(b *testing.B)  { benchGraph(b, true, benchIdentity(benchN, benchH)) }
func BenchmarkHarness4096x1024(b *testing.B) { benchGraph(b, true, benchIdentity(benchN, benchFFN)) }
