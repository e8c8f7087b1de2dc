#!/usr/bin/python3
"""PyTorch side of `make bench`: full training steps (forward, backward, clip, AdamW) of the same
BERT-mini-shaped classifier hftrain times, built from scripts/parity/hfmodels.py (the transcription
of transformers' BertForSequenceClassification that the parity tests check hftrain against).
Prints one JSON object like `hftrain bench`.

Run it as make bench does: OMP_WAIT_POLICY=PASSIVE (otherwise OpenMP and OpenBLAS threads spin
against each other on 2 cores) and the same thread count as hftrain.
"""
import argparse
import json
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "parity"))
import hfmodels  # noqa: E402


def blas_name():
    cfg = torch.__config__.show().lower()
    try:
        lib = os.path.realpath("/etc/alternatives/libblas.so.3-x86_64-linux-gnu")
    except OSError:
        lib = ""
    if "openblas" in lib:
        return "openblas"
    if "mkl" in cfg:
        return "mkl"
    return lib or "unknown"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seq-len", type=int, default=128)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--ffn", type=int, default=1024)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    cfg = hfmodels.Config({
        "model_type": "bert", "hidden_size": a.hidden, "num_hidden_layers": a.layers,
        "num_attention_heads": a.heads, "intermediate_size": a.ffn, "num_labels": 2,
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
    })
    model = hfmodels.build("BertForSequenceClassification", cfg)
    hfmodels.init_weights(model, cfg.initializer_range)
    model.train()
    decay = set(hfmodels.decay_parameter_names(model))
    groups = [
        {"params": [p for n, p in model.named_parameters() if n in decay], "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if n not in decay], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=1e-4)
    ids = torch.randint(5, cfg.vocab_size, (a.batch_size, a.seq_len))
    mask = torch.ones_like(ids)
    types = torch.zeros_like(ids)
    labels = torch.zeros(a.batch_size, dtype=torch.long)

    def step():
        out = model(input_ids=ids, attention_mask=mask, token_type_ids=types, labels=labels)
        loss = out[1]
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad()

    for _ in range(a.warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    secs = (time.perf_counter() - t0) / a.steps
    print(json.dumps({
        "impl": "pytorch " + torch.__version__, "blas": blas_name(), "threads": a.threads,
        "batch": a.batch_size, "seq_len": a.seq_len, "steps": a.steps,
        "seconds_per_step": secs, "samples_per_second": a.batch_size / secs,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
