//go:build amd64 && !purego

package nn

import "golang.org/x/sys/cpu"

// haveAVX2FMA selects the vector GELU kernels; it is fixed at start-up.
var haveAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func geluFwdAVX2(y, x *float32, n int)

//go:noescape
func geluBwdAVX2(d, x, dy *float32, n int)

// geluForward sets y = GELU(x), eight lanes at a time where the CPU allows.
func geluForward(y, x []float32) {
	x = x[:len(y)]
	n := len(y) &^ 7
	if haveAVX2FMA && n > 0 {
		geluFwdAVX2(&y[0], &x[0], n)
		y, x = y[n:], x[n:]
	}
	geluForwardGo(y, x)
}

// geluBackward sets d = dy·GELU'(x), eight lanes at a time where the CPU allows.
func geluBackward(d, x, dy []float32) {
	x, dy = x[:len(d)], dy[:len(d)]
	n := len(d) &^ 7
	if haveAVX2FMA && n > 0 {
		geluBwdAVX2(&d[0], &x[0], &dy[0], n)
		d, x, dy = d[n:], x[n:], dy[n:]
	}
	geluBackwardGo(d, x, dy)
}
