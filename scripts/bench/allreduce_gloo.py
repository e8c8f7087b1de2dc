#!/usr/bin/python3
"""PyTorch gloo side of `make bench-allreduce` (cmd/allreduce-bench): all_reduce (SUM) of float32
tensors between 2 local processes (init_method tcp://127.0.0.1:PORT), with the method of the Go
harness: WARMUP untimed iterations, then ITERS timed ones; before each, every rank fills its
tensor with rank+1 and the ranks meet at a barrier (untimed); rank 0 times the all_reduce alone
and reports the median (mean and min too). A few elements are checked after every iteration and
every element after the last (sum of rank+1 over 2 ranks = 3). Prints one JSON line per size.

    /usr/bin/python3 scripts/bench/allreduce_gloo.py [--sizes 1,16,64,256 | --bytes N] [--iters N] [--warmup W]

Without --rank it is the launcher: it starts rank 0 and rank 1 as two subprocesses of itself
(OMP_NUM_THREADS=1; each worker calls torch.set_num_threads(1)) and passes rank 0's output on.
"""
import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import time

WORLD = 2
MIB = 1 << 20


def iters_for(nbytes):
    # The same default as cmd/allreduce-bench: about 5 GiB of buffer per size, 5 to 200.
    return int(min(200, max(5, (5 << 30) // nbytes)))


def cpu_time():
    # CPU time of this process, user and system, all threads (gloo's included).
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker(args, sizes):
    import torch
    import torch.distributed as dist

    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{args.port}", rank=args.rank, world_size=WORLD)
    mine, want = float(args.rank + 1), float(WORLD * (WORLD + 1) // 2)
    for nbytes in sizes:
        iters = args.iters or iters_for(nbytes)
        t = torch.empty(nbytes // 4, dtype=torch.float32)
        n = t.numel()
        idx = torch.tensor([0, n // 3, n // 2, n - 1])

        def check(full, it):
            bad = (t != want) if full else (t[idx] != want)
            if bool(bad.any()):
                raise SystemExit(f"gloo rank {args.rank}: iteration {it}: all_reduce result is not {want}")

        for i in range(args.warmup):
            t.fill_(mine)
            dist.all_reduce(t)
            check(False, -1 - i)
        times, cpu = [], 0.0
        for i in range(iters):
            t.fill_(mine)
            dist.barrier()
            c0, t0 = cpu_time(), time.perf_counter()
            dist.all_reduce(t)
            times.append(time.perf_counter() - t0)
            cpu += cpu_time() - c0
            check(i == iters - 1, i)
        dist.barrier()
        if args.rank == 0:
            ms = [x * 1e3 for x in times]
            med = statistics.median(ms)
            algbw = nbytes / (med / 1e3) / 1e9
            print(json.dumps({
                "impl": "gloo", "world": WORLD, "bytes": nbytes, "iters": iters, "warmup": args.warmup,
                "median_ms": med, "mean_ms": statistics.fmean(ms), "min_ms": min(ms), "cpu_ms": cpu * 1e3 / iters,
                "algbw_gbs": algbw, "busbw_gbs": algbw * 2 * (WORLD - 1) / WORLD,
                "verified": True, "threads": torch.get_num_threads(), "torch": torch.__version__,
            }), flush=True)
        del t
    dist.destroy_process_group()


def launch(args):
    port = args.port or free_port()
    env = dict(os.environ, OMP_NUM_THREADS="1")
    base = [sys.executable, os.path.abspath(__file__), "--port", str(port), "--warmup", str(args.warmup),
            "--iters", str(args.iters)]
    base += ["--bytes", str(args.bytes)] if args.bytes else ["--sizes", args.sizes]
    procs = [subprocess.Popen(base + ["--rank", str(r)], env=env,
                              stdout=subprocess.PIPE if r == 0 else subprocess.DEVNULL) for r in range(WORLD)]
    out, _ = procs[0].communicate()
    rc = [procs[0].returncode, procs[1].wait()]
    sys.stdout.write(out.decode())
    if any(rc):
        sys.exit(f"allreduce_gloo.py: workers exited with {rc}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1,16,64,256", help="MiB of float32, comma-separated")
    ap.add_argument("--bytes", type=int, default=0, help="one size in bytes (overrides --sizes)")
    ap.add_argument("--iters", type=int, default=0, help="timed iterations (0: as the Go harness)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--rank", type=int, default=-1, help="internal: run as this rank")
    args = ap.parse_args()
    sizes = [args.bytes] if args.bytes else [int(float(s) * MIB) for s in args.sizes.split(",")]
    if args.rank < 0:
        launch(args)
    else:
        worker(args, sizes)


if __name__ == "__main__":
    main()
