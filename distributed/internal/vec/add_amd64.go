package vec

import "golang.org/x/sys/cpu"

// addAVX2 adds n float32 values from src (unaligned bytes) into dst, 32 per iteration.
//
//go:noescape
func addAVX2(dst *float32, src *byte, n int)

func addBytes(dst []float32, src []byte) {
	if cpu.X86.HasAVX2 {
		addAVX2(&dst[0], &src[0], len(dst))
		return
	}
	addGeneric(dst, src)
}
