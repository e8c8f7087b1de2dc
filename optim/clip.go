package optim

import "math"

// ClipGradNorm is torch.nn.utils.clip_grad_norm_ with the L2 norm: it returns the total
// L2 norm of all gradients taken together (the value Hugging Face logs as grad_norm) and,
// when maxNorm > 0 and maxNorm/(total+1e-6) < 1, scales every gradient in place by that
// factor. The sum of squares is accumulated in float64, so the norm is at least as
// accurate as torch's float32 one.
//
// maxNorm <= 0 disables clipping (Trainer skips clipping then) but still returns the
// norm. A NaN or infinite norm is returned without touching the gradients, so that the
// caller can skip the step; torch would scale the gradients by NaN or 0 instead.
func ClipGradNorm(params []Param, maxNorm float64) (total float64) {
	var sum float64
	for _, p := range params {
		sum += sumSquares(p.Grad)
	}
	total = math.Sqrt(sum)
	if maxNorm <= 0 || math.IsNaN(total) || math.IsInf(total, 0) {
		return total
	}
	coef := maxNorm / (total + 1e-6)
	if coef >= 1 {
		return total
	}
	c := float32(coef)
	for _, p := range params {
		for i := range p.Grad {
			p.Grad[i] *= c
		}
	}
	return total
}

// sumSquares accumulates in float64 with four independent sums, which keeps the loop
// fast (no single dependency chain) and the rounding error far below float32's.
func sumSquares(x []float32) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		a, b, c, d := float64(x[i]), float64(x[i+1]), float64(x[i+2]), float64(x[i+3])
		s0 += a * a
		s1 += b * b
		s2 += c * c
		s3 += d * d
	}
	for ; i < len(x); i++ {
		a := float64(x[i])
		s0 += a * a
	}
	return (s0 + s1) + (s2 + s3)
}
