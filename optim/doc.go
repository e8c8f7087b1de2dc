// Package optim updates model parameters: AdamW and SGD with torch.optim semantics, the
// learning-rate schedules of transformers.optimization, and gradient-norm clipping as
// torch.nn.utils.clip_grad_norm_ does it.
//
// Everything works on flat float32 slices ([Param]), so the package depends on nothing
// else in hftrain: the trainer hands over views of its model's parameters and gradients,
// and the optimizer updates them in place.
//
// A training step uses the pieces in this order, which is the order Hugging Face's Trainer
// uses:
//
//	lr := sched.LR(step)                      // step counts optimizer updates, from 0
//	norm := optim.ClipGradNorm(params, 1.0)   // logged as grad_norm
//	if err := opt.Step(params, lr); err != nil { ... }
//	// zero the gradients
//
// Optimizer state ([State]) is a step counter plus named float32 tensors
// ("exp_avg.<param>", "exp_avg_sq.<param>", "momentum_buffer.<param>"), so a checkpoint
// writer can store it as safetensors keyed by parameter name; loading it back continues
// bit-identically.
//
// AdamW and SGD run single-threaded unless SetWorkers asks for more goroutines; a
// parallel step gives bit-identical results and, like a serial one, allocates nothing
// after the first step. Close stops the helper goroutines.
//
// Numerics are checked against PyTorch: scripts/optim/make_goldens.py writes the
// fixtures in testdata/.
package optim
