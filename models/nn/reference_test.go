package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The references below are plain float64 loops written from the formulas,
// independent of the ops' code.

func refLayerNorm(x, res, gamma, beta []float64, n, h int, eps float64) []float64 {
	y := make([]float64, n*h)
	for r := 0; r < n; r++ {
		s := make([]float64, h)
		mean := 0.0
		for i := range s {
			s[i] = x[r*h+i]
			if res != nil {
				s[i] += res[r*h+i]
			}
			mean += s[i] / float64(h)
		}
		v := 0.0
		for _, e := range s {
			v += (e - mean) * (e - mean) / float64(h)
		}
		for i, e := range s {
			y[r*h+i] = (e-mean)/math.Sqrt(v+eps)*gamma[i] + beta[i]
		}
	}
	return y
}

func refAttention(q, k, v, mask []float64, b, s, nh, d int) []float64 {
	w := nh * d
	out := make([]float64, b*s*w)
	for bi := 0; bi < b; bi++ {
		for h := 0; h < nh; h++ {
			for i := 0; i < s; i++ {
				sc := make([]float64, s)
				m := math.Inf(-1)
				for j := 0; j < s; j++ {
					dot := 0.0
					for c := 0; c < d; c++ {
						dot += q[(bi*s+i)*w+h*d+c] * k[(bi*s+j)*w+h*d+c]
					}
					sc[j] = dot/math.Sqrt(float64(d)) + (1-mask[bi*s+j])*-math.MaxFloat32
					m = math.Max(m, sc[j])
				}
				z := 0.0
				for j := range sc {
					sc[j] = math.Exp(sc[j] - m)
					z += sc[j]
				}
				for c := 0; c < d; c++ {
					acc := 0.0
					for j := 0; j < s; j++ {
						acc += sc[j] / z * v[(bi*s+j)*w+h*d+c]
					}
					out[(bi*s+i)*w+h*d+c] = acc
				}
			}
		}
	}
	return out
}

func refCrossEntropy(x, labels []float64, b, c int) []float64 {
	sum, cnt := 0.0, 0
	for r := 0; r < b; r++ {
		if labels[r] == IgnoreIndex {
			continue
		}
		z := 0.0
		for i := 0; i < c; i++ {
			z += math.Exp(x[r*c+i])
		}
		sum += math.Log(z) - x[r*c+int(labels[r])]
		cnt++
	}
	return []float64{sum / float64(cnt)}
}

func refMapped(x []float64, f func(float64) float64) []float64 {
	y := make([]float64, len(x))
	for i, e := range x {
		y[i] = f(e)
	}
	return y
}

func refPairMean(a, t []float64, f func(a, t float64) float64) []float64 {
	s := 0.0
	for i := range a {
		s += f(a[i], t[i])
	}
	return []float64{s / float64(len(a))}
}

func refLinear(x, w, b []float64, n, in, out int) []float64 {
	y := make([]float64, n*out)
	for r := 0; r < n; r++ {
		for o := 0; o < out; o++ {
			acc := b[o]
			for i := 0; i < in; i++ {
				acc += x[r*in+i] * w[o*in+i]
			}
			y[r*out+o] = acc
		}
	}
	return y
}

func TestForwardAgainstFloat64Reference(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	rnd := func(scale float64, n int) []float64 {
		d := make([]float64, n)
		for i := range d {
			d[i] = float64(float32((r.Float64()*2 - 1) * scale))
		}
		return d
	}
	const b, s, nh, d = 3, 7, 3, 5
	w := nh * d
	mask := make([]float64, b*s)
	for i := range mask {
		mask[i] = 1
	}
	mask[s+5], mask[s+6], mask[2*s+1] = 0, 0, 0 // padding, and a hole
	emptyMask := append([]float64(nil), mask...)
	for j := 0; j < s; j++ {
		emptyMask[j] = 0 // the first sequence is all padding: Hugging Face averages all keys
	}
	labels := []float64{2, IgnoreIndex, 0, 4, 4, 1}
	targets := rnd(1, 6*5)
	for i := range targets {
		targets[i] = math.Abs(targets[i])
	}
	type tcase struct {
		name   string
		ins    [][]float64
		shapes [][]int
		build  func(in []*G.Node) (*G.Node, error)
		want   func(in [][]float64) []float64
	}
	cases := []tcase{
		{"layer norm", [][]float64{rnd(4, 9*32), rnd(1, 32), rnd(1, 32)}, [][]int{{9, 32}, {32}, {32}},
			func(in []*G.Node) (*G.Node, error) { return LayerNorm(in[0], in[1], in[2], 1e-5) },
			func(in [][]float64) []float64 { return refLayerNorm(in[0], nil, in[1], in[2], 9, 32, 1e-5) }},
		{"add layer norm", [][]float64{rnd(4, 9*32), rnd(4, 9*32), rnd(1, 32), rnd(1, 32)}, [][]int{{9, 32}, {9, 32}, {32}, {32}},
			func(in []*G.Node) (*G.Node, error) { return AddLayerNorm(in[0], in[1], in[2], in[3], 1e-12) },
			func(in [][]float64) []float64 { return refLayerNorm(in[0], in[1], in[2], in[3], 9, 32, 1e-12) }},
		{"gelu", [][]float64{rnd(8, 500)}, [][]int{{500}},
			func(in []*G.Node) (*G.Node, error) { return GELU(in[0]) },
			func(in [][]float64) []float64 {
				return refMapped(in[0], func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) })
			}},
		{"tanh", [][]float64{rnd(4, 100)}, [][]int{{100}},
			func(in []*G.Node) (*G.Node, error) { return Tanh(in[0]) },
			func(in [][]float64) []float64 { return refMapped(in[0], math.Tanh) }},
		{"relu", [][]float64{rnd(4, 100)}, [][]int{{100}},
			func(in []*G.Node) (*G.Node, error) { return ReLU(in[0]) },
			func(in [][]float64) []float64 {
				return refMapped(in[0], func(x float64) float64 { return math.Max(x, 0) })
			}},
		{"linear", [][]float64{rnd(1, 7*20), rnd(1, 9*20), rnd(1, 9)}, [][]int{{7, 20}, {9, 20}, {9}},
			func(in []*G.Node) (*G.Node, error) { return Linear(in[0], in[1], in[2]) },
			func(in [][]float64) []float64 { return refLinear(in[0], in[1], in[2], 7, 20, 9) }},
		{"attention", [][]float64{rnd(2, b*s*w), rnd(2, b*s*w), rnd(1, b*s*w), mask}, [][]int{{b * s, w}, {b * s, w}, {b * s, w}, {b, s}},
			func(in []*G.Node) (*G.Node, error) { return Attention(in[0], in[1], in[2], in[3], b, s, nh, 0, nil) },
			func(in [][]float64) []float64 { return refAttention(in[0], in[1], in[2], in[3], b, s, nh, d) }},
		{"attention with an all-padding sequence", [][]float64{rnd(2, b*s*w), rnd(2, b*s*w), rnd(1, b*s*w), emptyMask}, [][]int{{b * s, w}, {b * s, w}, {b * s, w}, {b, s}},
			func(in []*G.Node) (*G.Node, error) { return Attention(in[0], in[1], in[2], in[3], b, s, nh, 0, nil) },
			func(in [][]float64) []float64 { return refAttention(in[0], in[1], in[2], in[3], b, s, nh, d) }},
		{"cross entropy", [][]float64{rnd(5, 6*5), labels}, [][]int{{6, 5}, {6}},
			func(in []*G.Node) (*G.Node, error) { return CrossEntropy(in[0], in[1]) },
			func(in [][]float64) []float64 { return refCrossEntropy(in[0], in[1], 6, 5) }},
		{"bce with logits", [][]float64{rnd(30, 6*5), targets}, [][]int{{6, 5}, {6, 5}},
			func(in []*G.Node) (*G.Node, error) { return BCEWithLogits(in[0], in[1]) },
			func(in [][]float64) []float64 {
				return refPairMean(in[0], in[1], func(x, t float64) float64 {
					sig := 1 / (1 + math.Exp(-x))
					if x > 30 || x < -30 { // log(sigmoid) without overflow
						return math.Max(x, 0) - x*t + math.Log1p(math.Exp(-math.Abs(x)))
					}
					return -(t*math.Log(sig) + (1-t)*math.Log(1-sig))
				})
			}},
		{"mse", [][]float64{rnd(3, 40), rnd(3, 40)}, [][]int{{8, 5}, {8, 5}},
			func(in []*G.Node) (*G.Node, error) { return MSE(in[0], in[1]) },
			func(in [][]float64) []float64 {
				return refPairMean(in[0], in[1], func(a, t float64) float64 { return (a - t) * (a - t) })
			}},
		{"embedding and first token", [][]float64{rnd(1, 6*4), {5, 0, 2, 2, 4, 1}}, [][]int{{6, 4}, {6}},
			func(in []*G.Node) (*G.Node, error) {
				e, err := Embedding(in[0], in[1])
				if err != nil {
					return nil, err
				}
				return SelectFirstToken(e, 2, 3)
			},
			func(in [][]float64) []float64 { return append(append([]float64{}, in[0][20:24]...), in[0][8:12]...) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := G.NewGraph()
			nodes := make([]*G.Node, len(tc.ins))
			for i, d := range tc.ins {
				f := make([]float32, len(d))
				for j, v := range d {
					f[j] = float32(v)
				}
				sh := tc.shapes[i]
				// Unnamed inputs of equal shape would hash alike and be merged.
				nodes[i] = G.NewTensor(g, tensor.Float32, len(sh), G.WithShape(sh...), G.WithName(string(rune('a'+i))),
					G.WithValue(tensor.New(tensor.WithShape(sh...), tensor.WithBacking(f))))
			}
			out, err := tc.build(nodes)
			if err != nil {
				t.Fatal(err)
			}
			m := G.NewTapeMachine(g)
			defer m.Close()
			if err := m.RunAll(); err != nil {
				t.Fatal(err)
			}
			got, err := f32Data(out.Value())
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want(tc.ins)
			compare(t, "output", got, goldenTensor{Data: want}, 1e-5)
		})
	}
}
