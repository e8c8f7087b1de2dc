package nn

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// minFloat32 is torch.finfo(torch.float32).min, the additive bias Hugging Face
// puts on padded keys.
const minFloat32 = -math.MaxFloat32

// Attention is multi-head scaled dot-product self-attention as in Hugging
// Face's BertSelfAttention (eager path). q, k and v are [B·S, H·d] with the
// heads interleaved in columns (head h is columns h·d to (h+1)·d), mask is
// [B, S] with 1 for real tokens and 0 for padding keys. For each sequence and
// head it computes softmax(q·kᵀ/√d + (1-mask)·finfo(float32).min), applies
// dropout with probability dropout to those probabilities (none when
// dropout is 0 or rng is nil), and multiplies by v; the output is [B·S, H·d]
// in the same interleaved layout. All products are strided GEMMs on the
// inputs' own memory: no transposes, no broadcast copies.
func Attention(q, k, v, mask *G.Node, batch, seq, heads int, dropout float64, rng *RNG) (*G.Node, error) {
	n, hd, err := shape2(q, "q")
	if err != nil {
		return nil, fmt.Errorf("nn: attention: %w", err)
	}
	for _, o := range []struct {
		n    *G.Node
		name string
	}{{k, "k"}, {v, "v"}} {
		if o.n == nil || !o.n.Shape().Eq(q.Shape()) {
			return nil, fmt.Errorf("nn: attention: %s must have q's shape %v", o.name, q.Shape())
		}
	}
	if batch <= 0 || seq <= 0 || batch*seq != n {
		return nil, fmt.Errorf("nn: attention: q has %d rows, want batch %d × seq %d", n, batch, seq)
	}
	if heads <= 0 || hd%heads != 0 {
		return nil, fmt.Errorf("nn: attention: width %d is not a multiple of %d heads", hd, heads)
	}
	mb, ms, err := shape2(mask, "mask")
	if err != nil {
		return nil, fmt.Errorf("nn: attention: %w", err)
	}
	if mb != batch || ms != seq {
		return nil, fmt.Errorf("nn: attention: mask is [%d %d], want [%d %d]", mb, ms, batch, seq)
	}
	if !(dropout >= 0 && dropout < 1) {
		return nil, fmt.Errorf("nn: attention: dropout %g outside [0, 1)", dropout)
	}
	if rng == nil {
		dropout = 0
	}
	op := &attentionOp{
		base: newBase("Attention", tensor.Shape{n, hd}, 2, 2, 2, 2),
		b:    batch, s: seq, nh: heads, d: hd / heads, p: dropout, rng: rng, blasThreads: 1,
	}
	return apply(op, "attention", q, k, v, mask)
}

// attentionOp keeps the attention probabilities (and the dropout mask) of
// every sequence and head for its backward op.
type attentionOp struct {
	base
	b, s, nh, d int
	p           float64
	rng         *RNG
	valid       []int     // per sequence: keys past the last unmasked one are skipped
	probs       []float32 // [B, heads, S, S] softmax output
	drop        []uint8   // [B, heads, S, S] dropout mask (1 keep, 0 drop); nil without dropout
	scratch     []float32 // [S, S]
	blasThreads int       // OpenBLAS threads for the per-head GEMMs; 0 leaves the setting alone
}

func (op *attentionOp) width() int { return op.nh * op.d }

// offset is where head h of sequence b starts in a [B·S, H·d] matrix.
func (op *attentionOp) offset(b, h int) int { return b*op.s*op.width() + h*op.d }

// dropped returns the probabilities after dropout of one sequence and head
// (the first l columns of each row matter): the stored probabilities
// themselves without dropout, else a scratch copy.
func (op *attentionOp) dropped(at, l int) []float32 {
	s, ss := op.s, op.s*op.s
	p := op.probs[at : at+ss]
	if op.drop == nil {
		return p
	}
	m, ms := op.drop[at:at+ss], newMaskScale(op.p)
	sc := op.scratch[:ss]
	for i := 0; i < s; i++ {
		maskMul(sc[i*s:i*s+l], p[i*s:i*s+l], m[i*s:i*s+l], ms)
	}
	return sc
}

// validKeys returns one past the last unmasked key, or the whole length when
// every key is masked (then, as in Hugging Face, all keys get equal weight).
// Keys past it get probability exactly 0 (e^(finfo.min) underflows), so the
// GEMMs skip them: padding costs nothing.
func validKeys(mask []float32) int {
	for j := len(mask) - 1; j >= 0; j-- {
		if mask[j] != 0 {
			return j + 1
		}
	}
	return len(mask)
}

// clearRows zeroes rows [from, s) of head h of sequence b in a [B·S, H·d] matrix.
func (op *attentionOp) clearRows(m []float32, b, h, from int) {
	w := op.width()
	for i := from; i < op.s; i++ {
		o := (b*op.s+i)*w + h*op.d
		clear(m[o : o+op.d])
	}
}

func (op *attentionOp) Do(inputs ...G.Value) (G.Value, error) {
	w := op.width()
	n := op.b * op.s * w
	in, err := op.check(inputs, n, n, n, op.b*op.s)
	if err != nil {
		return nil, err
	}
	q, k, v, mask := in[0], in[1], in[2], in[3]
	ss := op.s * op.s
	if op.probs == nil {
		op.probs = make([]float32, op.b*op.nh*ss)
		op.valid = make([]int, op.b)
		op.scratch = make([]float32, ss)
		if op.p > 0 {
			op.drop = make([]uint8, len(op.probs))
		}
	}
	if op.drop != nil {
		op.rng.dropMask(op.drop, op.p)
	}
	out := op.outData()
	op.threads(func() { op.forward(q, k, v, mask, out) })
	return op.buf, nil
}

// threads runs f under the op's OpenBLAS thread setting.
func (op *attentionOp) threads(f func()) {
	if op.blasThreads > 0 {
		withBLASThreads(op.blasThreads, f)
		return
	}
	f()
}

// forward computes every sequence and head into out.
func (op *attentionOp) forward(q, k, v, mask, out []float32) {
	s, ss, w := op.s, op.s*op.s, op.width()
	scale := float32(1 / math.Sqrt(float64(op.d)))
	for b := 0; b < op.b; b++ {
		mrow := mask[b*s : (b+1)*s]
		l := validKeys(mrow)
		op.valid[b] = l
		for h := 0; h < op.nh; h++ {
			off, at := op.offset(b, h), (b*op.nh+h)*ss
			p := op.probs[at : at+ss]
			gemm(false, true, s, l, op.d, scale, q[off:], w, k[off:], w, 0, p, s) // [S, l] scores
			for i := 0; i < s; i++ {
				row := p[i*s : i*s+l]
				for j, m := range mrow[:l] {
					if m == 0 {
						row[j] += minFloat32
					}
				}
				softmaxRow(row, row)
				clear(p[i*s+l : (i+1)*s])
			}
			gemm(false, false, s, op.d, l, 1, op.dropped(at, l), s, v[off:], w, 0, out[off:], w)
		}
	}
}

func (op *attentionOp) DiffWRT(n int) []bool { return []bool{true, true, true, false} }

func (op *attentionOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	n := op.b * op.s * op.width()
	bw := &attentionGradOp{base: newBase("AttentionGrad", tensor.Shape{3 * n}, 2, 2, 2, 2), fwd: op}
	packed, err := apply(bw, "attention grad", inputs[0], inputs[1], inputs[2], grad)
	if err != nil {
		return nil, err
	}
	grads := make(G.Nodes, 4)
	for i := range 3 {
		if grads[i], err = newView(packed, i*n, op.out.Clone()); err != nil {
			return nil, err
		}
	}
	return grads, nil
}

// attentionGradOp computes [dq | dk | dv] from (q, k, v, dout) and the
// forward op's probabilities P and dropout mask M, per sequence and head:
// dV = (P∘M)ᵀ·dO, dP = (dO·Vᵀ)∘M, dS = P∘(dP - rowsum(dP∘P)),
// dQ = dS·K/√d, dK = dSᵀ·Q/√d.
type attentionGradOp struct {
	base
	fwd *attentionOp
	dp  []float32 // [S, S]
}

func (op *attentionGradOp) Do(inputs ...G.Value) (G.Value, error) {
	f := op.fwd
	w := f.width()
	n := f.b * f.s * w
	in, err := op.check(inputs, n, n, n, n)
	if err != nil {
		return nil, err
	}
	if f.probs == nil {
		return nil, fmt.Errorf("nn: %s: backward ran before forward", op.name)
	}
	q, k, v, dout := in[0], in[1], in[2], in[3]
	ss := f.s * f.s
	if op.dp == nil {
		op.dp = make([]float32, ss)
	}
	grad := op.outData()
	f.threads(func() { op.backward(q, k, v, dout, grad) })
	return op.buf, nil
}

// backward computes [dq | dk | dv] into grad.
func (op *attentionGradOp) backward(q, k, v, dout, grad []float32) {
	f := op.fwd
	w := f.width()
	n := f.b * f.s * w
	s, ss := f.s, f.s*f.s
	dq, dk, dv := grad[:n], grad[n:2*n], grad[2*n:]
	scale := float32(1 / math.Sqrt(float64(f.d)))
	dp := op.dp
	for b := 0; b < f.b; b++ {
		l := f.valid[b]
		for h := 0; h < f.nh; h++ {
			off, at := f.offset(b, h), (b*f.nh+h)*ss
			gemm(true, false, l, f.d, s, 1, f.dropped(at, l), s, dout[off:], w, 0, dv[off:], w)
			gemm(false, true, s, l, f.d, 1, dout[off:], w, v[off:], w, 0, dp, s)
			p := f.probs[at : at+ss]
			if f.drop != nil {
				m, ms := f.drop[at:at+ss], newMaskScale(f.p)
				for i := 0; i < s; i++ {
					maskMul(dp[i*s:i*s+l], dp[i*s:i*s+l], m[i*s:i*s+l], ms)
				}
			}
			for i := 0; i < s; i++ {
				pr, dr := p[i*s:i*s+l], dp[i*s:i*s+l]
				pd := dot(pr, dr)
				for j, pj := range pr {
					dr[j] = pj * (dr[j] - pd)
				}
			}
			gemm(false, false, s, f.d, l, scale, dp, s, k[off:], w, 0, dq[off:], w)
			gemm(true, false, l, f.d, s, scale, dp, s, q[off:], w, 0, dk[off:], w)
			f.clearRows(dk, b, h, l)
			f.clearRows(dv, b, h, l)
		}
	}
}
