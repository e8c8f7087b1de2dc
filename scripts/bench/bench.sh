#!/usr/bin/env bash
# make bench: hftrain vs PyTorch on the same machine, same run, same work: training steps (forward,
# backward, clip, AdamW) of a BERT-mini-shaped classifier (4 layers, hidden 256, 4 heads, FFN 1024),
# seq 128, batch 32, dropout 0.1. Both sides on OpenBLAS with THREADS threads (default 2); PyTorch
# with OMP_WAIT_POLICY=PASSIVE. Runs are interleaved ROUNDS times; medians are compared.
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
STEPS=${STEPS:-5}
BIN=${BIN:-bin/hftrain}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for r in $(seq 1 "$ROUNDS"); do
	"$BIN" bench --threads "$THREADS" --steps "$STEPS" 2>/dev/null >>"$tmp/hftrain.jsonl"
	OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS="$THREADS" /usr/bin/python3 scripts/bench/torch_bench.py \
		--threads "$THREADS" --steps "$STEPS" >>"$tmp/torch.jsonl"
	echo "round $r/$ROUNDS done" >&2
done
/usr/bin/python3 - "$tmp/hftrain.jsonl" "$tmp/torch.jsonl" <<'PY'
import json, statistics, sys
rows = [[json.loads(l) for l in open(p)] for p in sys.argv[1:3]]
def med(rs, k): return statistics.median(r[k] for r in rs)
h, t = rows
print(f"BERT-mini training step, batch {h[0]['batch']} x seq {h[0]['seq_len']}, {h[0]['threads']} threads, median of {len(h)} interleaved runs of {h[0]['steps']} steps")
print(f"{'':10} {'impl':22} {'blas':10} {'s/step':>8} {'samples/s':>10} {'peak RSS MB':>12}")
for name, rs in (("hftrain", h), ("pytorch", t)):
    print(f"{name:10} {rs[0]['impl']:22} {rs[0]['blas']:10} {med(rs,'seconds_per_step'):8.3f} {med(rs,'samples_per_second'):10.1f} {med(rs,'peak_rss_mb'):12.0f}")
print(f"ratio hftrain/pytorch: samples/s {med(h,'samples_per_second')/med(t,'samples_per_second'):.2f}x, peak RSS {med(h,'peak_rss_mb')/med(t,'peak_rss_mb'):.2f}x")
PY
