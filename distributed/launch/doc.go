// Package launch is hftrain's process supervisor, the equivalent of torchrun for one node: it
// starts the node's data-parallel workers with the environment torchrun gives its workers (RANK,
// WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR, MASTER_PORT,
// TORCHELASTIC_RESTART_COUNT, ...), which distributed.WorldFromEnv reads back in each worker.
//
// Run prefixes every line a worker prints with "[rank<r>]: ", writing whole lines only, so the
// output of several workers never mixes mid-line; a line redrawn with \r (a progress bar) is
// shown now and then rather than at every redraw. When one worker fails, Run stops the others
// (SIGTERM to each worker's process group, a grace period, SIGKILL) and reports the failure as
// torchrun's ChildFailedError does: rank, exit code or signal, time, host, last line on stderr.
// With Options.MaxRestarts it starts the whole group again, and the workers resume from the
// newest complete checkpoint.
//
// There is no rendezvous: each node runs its own launcher with the same NNodes, NProcPerNode,
// MasterAddr and MasterPort and its own NodeRank, as with torchrun's static --node-rank form.
// `hftrain launch` (cmd/hftrain) is the command-line front end.
//
// The package imports nothing of hftrain's: a worker is any command.
package launch
