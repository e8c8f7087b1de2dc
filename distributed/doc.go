// Package distributed is hftrain's data-parallel layer: the Group of collectives the trainer
// calls (all-reduce of gradient buckets, broadcast of the initial weights, all-gather of small
// values, barrier), the world a launcher or scheduler describes in the environment
// (WorldFromEnv: torchrun, hftrain launch, Slurm, Kubeflow, Indexed Jobs), and three Groups:
//
//   - Single: one process; every collective is a no-op and nothing touches the network.
//   - NewInMemory: ranks as goroutines of one process, for tests of the code above the network.
//   - Join: ranks as processes on one or many machines, connected in a ring over gRPC.
//
// # The ring
//
// Rank 0 listens on MASTER_ADDR:MASTER_PORT. Every other rank opens its own port, registers
// with rank 0 (rank, world size, port, fingerprint) and gets back every rank's address, a
// session token and the transport tuning once the whole world has registered and every
// fingerprint (config, model, dataset, hftrain version) agrees; otherwise every rank fails
// with the same error naming what differs. Rank r then opens Channels streams to rank r+1,
// each on its own TCP connection.
//
// An all-reduce is NCCL's ring: the buffer is cut into one part per channel and each part into
// n segments; n-1 reduce-scatter steps leave each rank with one segment summed over all ranks,
// and n-1 all-gather steps pass the sums round. Segments travel in chunks (HFTRAIN_RING_CHUNK_KB,
// default 1 MiB) and a chunk moves on as soon as it has arrived and been added, so sending
// chunk i overlaps receiving and adding chunk i-1. Every element is summed in an order fixed by
// the world size and the buffer's length, so results are bit-identical on every rank and in
// every run. A rank acknowledges a collective to its predecessor once all its frames arrived and
// returns only when its successor has acknowledged, so no byte of the caller's buffer is in
// flight after.
//
// Frames are a 27-byte header and raw bytes, on one of two data planes that rank 0 picks for
// the world (HFTRAIN_RING_TRANSPORT):
//
//   - "tcp" (default): a plain TCP connection per channel beside the gRPC streams, opened with a
//     hello that carries the session token. A chunk leaves with one writev from the caller's
//     buffer and is read straight into it (all-gather) or into a 128 KiB scratch buffer that is
//     added in place (reduce-scatter): no user-space copy.
//   - "grpc": the chunks are messages of the gRPC streams, with a codec that hands the caller's
//     memory to gRPC and reads received chunks in place from gRPC's buffers; gRPC still copies
//     each byte into its write buffer and out of its read buffer, in 16 KiB HTTP/2 frames.
//
// On a 2-core machine with both ranks on it, CPU per byte is the bandwidth, and the tcp plane
// measured 1.4 GB/s busbw against 0.7 for grpc and 0.95 for PyTorch's gloo (make
// bench-allreduce). Either way gRPC carries the rendezvous, heartbeats, acks, aborts and byes.
//
// Faults: every rank sends heartbeats to both neighbours from a background goroutine; a
// neighbour silent for the timeout (ddp_timeout: SIGSTOP, a hung machine, a cut cable) or
// whose connection breaks (kill -9) is declared dead, and an abort naming it travels round the
// ring both ways, so every rank fails its collective with a PeerError naming the dead rank and
// its address instead of waiting forever. A rank that closes the group says so (a bye frame and
// a clean end of its streams): that is no fault, unless a neighbour still waits for it in a
// collective. Ranks that call different collectives fail too, each naming the neighbour whose
// frame did not match what it expected.
package distributed
