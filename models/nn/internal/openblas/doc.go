// Package openblas routes gonum's float32 BLAS (which models/nn calls) and
// Gorgonia's BLAS to OpenBLAS through cgo when built with the openblas tag;
// without the tag it is empty. It is separate from models/nn because a
// package using cgo cannot also hold Go assembly.
package openblas
