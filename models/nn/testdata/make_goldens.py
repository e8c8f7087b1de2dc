#!/usr/bin/env python3
"""Writes goldens.json: inputs, outputs and input gradients of the models/nn ops
computed by PyTorch in float32.

Run from the repository root:  python3 models/nn/testdata/make_goldens.py
Needs only torch (Debian's python3-torch). For non-scalar outputs the gradients
are those of loss = sum(out * w), with w stored alongside.
"""
import json
import math
import os

import torch

torch.manual_seed(1234)
F = torch.nn.functional


def t2j(t):
    return {"shape": list(t.shape), "data": t.detach().double().flatten().tolist()}


def case(fn, inputs, grad_of, w=True):
    """Runs fn on inputs (dict name -> tensor); grad_of names inputs to differentiate."""
    ins = {}
    for k, v in inputs.items():
        v = v.clone().float()
        if k in grad_of:
            v.requires_grad_(True)
        ins[k] = v
    out = fn(**ins)
    rec = {"inputs": {k: t2j(v) for k, v in ins.items()}, "output": t2j(out)}
    if out.dim() == 0:
        loss = out
    else:
        wt = torch.rand(out.shape) * 2 - 1
        rec["w"] = t2j(wt)
        loss = (out * wt).sum()
    loss.backward()
    rec["grads"] = {k: t2j(ins[k].grad) for k in grad_of}
    return rec


def attention(q, k, v, mask, heads):
    b, s = mask.shape
    hd = q.shape[1]
    d = hd // heads

    def split(x):  # [B*S, H*d] -> [B, heads, S, d], as BertSelfAttention.transpose_for_scores
        return x.view(b, s, heads, d).permute(0, 2, 1, 3)

    scores = split(q) @ split(k).transpose(-1, -2) / math.sqrt(d)
    ext = (1.0 - mask[:, None, None, :]) * torch.finfo(torch.float32).min
    probs = torch.softmax(scores + ext, dim=-1)
    ctx = probs @ split(v)
    return ctx.permute(0, 2, 1, 3).reshape(b * s, hd)


def u(*shape, scale=1.0):
    return (torch.rand(*shape) * 2 - 1) * scale


goldens = {}
goldens["layer_norm"] = case(
    lambda x, gamma, beta: F.layer_norm(x, (x.shape[-1],), gamma, beta, 1e-5),
    {"x": u(6, 16, scale=3) + 0.5, "gamma": u(16) + 1, "beta": u(16)}, ["x", "gamma", "beta"])
goldens["add_layer_norm"] = case(
    lambda x, residual, gamma, beta: F.layer_norm(x + residual, (x.shape[-1],), gamma, beta, 1e-12),
    {"x": u(5, 12, scale=2), "residual": u(5, 12), "gamma": u(12) + 1, "beta": u(12)},
    ["x", "residual", "gamma", "beta"])
goldens["gelu"] = case(lambda x: F.gelu(x), {"x": torch.linspace(-6, 6, 96).view(4, 24)}, ["x"])
goldens["relu"] = case(lambda x: F.relu(x), {"x": u(3, 8)}, ["x"])
goldens["tanh"] = case(lambda x: torch.tanh(x), {"x": u(3, 8, scale=3)}, ["x"])
goldens["linear"] = case(lambda x, w, b: F.linear(x, w, b), {"x": u(5, 6), "w": u(4, 6), "b": u(4)}, ["x", "w", "b"])
goldens["attention"] = case(
    lambda q, k, v, mask: attention(q, k, v, mask, heads=2),
    {"q": u(10, 8, scale=2), "k": u(10, 8, scale=2), "v": u(10, 8),
     "mask": torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=torch.float32)},
    ["q", "k", "v"])
goldens["attention"]["params"] = {"batch": 2, "seq": 5, "heads": 2}
# A sequence that is all padding: HF averages every key, autograd still flows.
goldens["attention_all_padding"] = case(
    lambda q, k, v, mask: attention(q, k, v, mask, heads=2),
    {"q": u(6, 4, scale=2), "k": u(6, 4, scale=2), "v": u(6, 4),
     "mask": torch.tensor([[0, 0, 0], [1, 0, 1]], dtype=torch.float32)},
    ["q", "k", "v"])
goldens["attention_all_padding"]["params"] = {"batch": 2, "seq": 3, "heads": 2}
goldens["cross_entropy"] = case(
    lambda logits, labels: F.cross_entropy(logits, labels.long(), ignore_index=-100),
    {"logits": u(6, 5, scale=4), "labels": torch.tensor([3, -100, 0, 4, 1, -100], dtype=torch.float32)},
    ["logits"])
goldens["bce_with_logits"] = case(
    lambda logits, targets: F.binary_cross_entropy_with_logits(logits, targets),
    {"logits": u(4, 3, scale=6), "targets": torch.tensor([[1, 0, 1], [0, 0, 1], [0.5, 1, 0], [1, 1, 0.25]])},
    ["logits"])
goldens["mse"] = case(lambda pred, target: F.mse_loss(pred, target),
                      {"pred": u(4, 3), "target": u(4, 3)}, ["pred", "target"])
goldens["embedding"] = case(
    lambda table, ids: F.embedding(ids.long(), table),
    {"table": u(10, 4), "ids": torch.tensor([3, 0, 9, 3, 7, 3, 1], dtype=torch.float32)}, ["table"])

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "cases": goldens}, f, separators=(",", ":"))
print("wrote", out)
