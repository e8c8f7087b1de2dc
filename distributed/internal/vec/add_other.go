//go:build !amd64

package vec

func addBytes(dst []float32, src []byte) { addGeneric(dst, src) }
