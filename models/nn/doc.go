// Package nn holds the Gorgonia operations a transformer encoder needs, written
// as custom float32 ops with hand-written backward passes.
//
// Gorgonia v0.9.18's stock ops clone their inputs, broadcast by copying, have
// no Erf, and get some gradients wrong (InverseSqrt, Dropout). Every function
// here instead adds one custom op to the graph whose forward pass reuses a
// single output buffer per op instance (shapes are fixed per graph) and whose
// backward pass is itself a custom op, so gorgonia.Grad plus a TapeMachine
// work as usual.
//
// Conventions:
//   - all tensors are float32; integer inputs (token ids, labels) are Float32
//     nodes holding integral values;
//   - matrices are row-major, weights use PyTorch's [out, in] layout;
//   - GEMMs go through gonum's blas32, so building with -tags openblas switches
//     both these ops and Gorgonia's own to OpenBLAS (see BLAS and SetThreads);
//   - randomness (dropout) comes from an explicit *RNG: masks are drawn when a
//     forward op runs, in tape order, so a run is reproducible from its seed,
//     and the backward op reuses the same mask.
//
// Performance: no op clones its inputs or allocates per run; Linear adds its
// bias inside the GEMM (beta = 1); attention uses strided GEMMs on the
// interleaved heads and skips keys past each sequence's last real token; on
// amd64 with AVX2 and FMA the GELU, softmax exponentials, dropout masks, layer
// norm and Add run as 8-lane assembly kernels, checked against their Go loops
// (the purego build tag forces the Go loops). On two cores the best setting
// measured for this project is GOMAXPROCS=1 with SetThreads(2), never Go and
// OpenBLAS both at 2 threads; attention's small per-head GEMMs always run on
// one OpenBLAS thread.
//
// Values returned by a machine run are the op's own buffers: they are
// overwritten by the next run of the same graph, so copy what must be kept.
//
// Gradients can be read two ways. Without gorgonia.BindDualValues the machine
// accumulates nothing and the nodes gorgonia.Grad returns hold the current
// run's gradients. With BindDualValues the machine adds each run's gradients
// onto the parameters' dual values (and onto those of every node when no
// nodes are named, at the cost of one extra pass per node): call ZeroGrads
// on the parameters after each optimizer step.
//
// Give every input node a distinct name: Gorgonia merges unnamed input nodes
// of the same type and shape into one node.
//
// An op instance keeps state between its forward and backward runs (dropout
// masks, softmax probabilities, normalisation statistics), so one graph must
// not be run by two machines at once.
package nn
