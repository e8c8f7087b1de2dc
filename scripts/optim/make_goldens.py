#!/usr/bin/env python3
"""Writes optim/testdata/*.json: PyTorch reference results for hftrain's optim package.

Run from the repository root with Debian's python3-torch:

    /usr/bin/python3 scripts/optim/make_goldens.py

Files:
  adamw.json     torch.optim.AdamW, 20 steps, random params and grads, per step: lr, grads,
                 params/exp_avg/exp_avg_sq after the step (cases: no decay, decay with a
                 no-decay group, decay on all params with a per-step lr and other betas)
  sgd.json       torch.optim.SGD, 20 steps (plain, momentum + decay + no-decay group,
                 dampening, Nesterov)
  clip.json      torch.nn.utils.clip_grad_norm_ (clipping and below the max norm)
  schedules.json the LR torch's LambdaLR gives at every optimizer step for each
                 lr_scheduler_type, plus TrainingArguments.get_warmup_steps cases

The schedule lambdas below re-state the formulas of transformers
src/transformers/optimization.py at commit 005edacb6b5dabbf0843e92c6623de9e07ca6241
(transformers is not installed here); torch's LambdaLR supplies the step indexing.
Float32 values are written exactly (as Python floats), so the Go tests read them back
bit for bit.
"""

import json
import math
import os

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "optim", "testdata")
STEPS = 20


def flat(t):
    return [float(x) for x in t.detach().reshape(-1).tolist()]


def make_params(gen):
    # (name, shape, no_decay, grad scale): one tiny-gradient tensor exercises epsilon.
    spec = [
        ("encoder.dense.weight", (4, 6), False, 1.0),
        ("encoder.dense.bias", (6,), True, 0.5),
        ("encoder.LayerNorm.weight", (5,), True, 1e-4),
        ("classifier.weight", (3, 5), False, 3.0),
    ]
    params = []
    for name, shape, no_decay, scale in spec:
        p = torch.nn.Parameter(torch.randn(*shape, generator=gen, dtype=torch.float32))
        params.append((name, p, no_decay, scale))
    return params


def groups(params, wd, split):
    if not split:
        return [{"params": [p for _, p, _, _ in params], "weight_decay": wd}]
    return [
        {"params": [p for _, p, nd, _ in params if not nd], "weight_decay": wd},
        {"params": [p for _, p, nd, _ in params if nd], "weight_decay": 0.0},
    ]


def run_case(name, make_opt, lr_of_step, split, wd, seed, state_keys):
    gen = torch.Generator().manual_seed(seed)
    params = make_params(gen)
    case = {
        "name": name,
        "split_no_decay": split,
        "params": [{"name": n, "no_decay": nd, "init": flat(p)} for n, p, nd, _ in params],
        "steps": [],
    }
    opt = make_opt(groups(params, wd, split))
    for k in range(STEPS):
        lr = lr_of_step(k)
        for g in opt.param_groups:
            g["lr"] = lr
        step = {"lr": lr, "grads": {}, "after": {}}
        for n, p, _, scale in params:
            p.grad = torch.randn(p.shape, generator=gen, dtype=torch.float32) * scale
            step["grads"][n] = flat(p.grad)
        opt.step()
        for n, p, _, _ in params:
            st = opt.state[p]
            step["after"][n] = flat(p)
            for key in state_keys:
                step["after"][key + "." + n] = flat(st[key])
        case["steps"].append(step)
    return case


def adamw_cases():
    def adamw(betas, eps, wd):
        return lambda g: torch.optim.AdamW(g, lr=1.0, betas=betas, eps=eps, weight_decay=wd, foreach=False)

    keys = ["exp_avg", "exp_avg_sq"]
    return [
        {**run_case("no_decay", adamw((0.9, 0.999), 1e-8, 0.0), lambda k: 1e-3, False, 0.0, 1, keys),
         "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0},
        {**run_case("decay_no_decay_group", adamw((0.9, 0.999), 1e-8, 0.01), lambda k: 2e-3, True, 0.01, 2, keys),
         "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01},
        {**run_case("decay_all_lr_schedule", adamw((0.8, 0.99), 1e-6, 0.1), lambda k: 1e-2 * (1 - k / 25), False,
                    0.1, 3, keys),
         "beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "weight_decay": 0.1},
    ]


def sgd_cases():
    def sgd(momentum, dampening, wd, nesterov):
        return lambda g: torch.optim.SGD(g, lr=1.0, momentum=momentum, dampening=dampening, weight_decay=wd,
                                         nesterov=nesterov, foreach=False)

    out = []
    for name, m, d, wd, nest, split, seed in [
        ("plain", 0.0, 0.0, 0.0, False, False, 11),
        ("momentum_decay_no_decay_group", 0.9, 0.0, 0.01, False, True, 12),
        ("dampening", 0.5, 0.1, 0.0, False, False, 13),
        ("nesterov_decay", 0.9, 0.0, 0.05, True, False, 14),
    ]:
        keys = ["momentum_buffer"] if m != 0 else []
        case = run_case(name, sgd(m, d, wd, nest), lambda k: 0.05 * (1 - k / 40), split, wd, seed, keys)
        case.update({"momentum": m, "dampening": d, "weight_decay": wd, "nesterov": nest})
        out.append(case)
    return out


def clip_cases():
    out = []
    for name, max_norm, scale, seed in [
        ("clipped", 1.0, 1.0, 21),
        ("below_max", 100.0, 1.0, 22),
        ("clipped_small_max", 0.05, 0.01, 23),
    ]:
        gen = torch.Generator().manual_seed(seed)
        grads = [torch.randn(s, generator=gen, dtype=torch.float32) * scale for s in [(7, 3), (11,), (2, 2, 2)]]
        params = []
        for g in grads:
            p = torch.nn.Parameter(torch.zeros_like(g))
            p.grad = g.clone()
            params.append(p)
        norm64 = torch.sqrt(sum((g.double() ** 2).sum() for g in grads)).item()
        total = torch.nn.utils.clip_grad_norm_(params, max_norm).item()
        out.append({
            "name": name, "max_norm": max_norm,
            "grads": [flat(g) for g in grads],
            "norm_f32": total, "norm_f64": norm64,
            "after": [flat(p.grad) for p in params],
        })
    return out


# --- transformers.optimization lambdas (commit 005edacb6b5dabbf0843e92c6623de9e07ca6241) ---

def warm(step, warmup):
    return float(step) / float(max(1, warmup))


def lam_constant(step, warmup, total, **kw):
    return 1.0


def lam_constant_with_warmup(step, warmup, total, **kw):
    return warm(step, warmup) if step < warmup else 1.0


def lam_linear(step, warmup, total, **kw):
    if step < warmup:
        return warm(step, warmup)
    return max(0.0, float(total - step) / float(max(1, total - warmup)))


def lam_cosine(step, warmup, total, num_cycles=0.5, **kw):
    if step < warmup:
        return warm(step, warmup)
    progress = float(step - warmup) / float(max(1, total - warmup))
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress)))


def lam_cosine_with_restarts(step, warmup, total, num_cycles=1, **kw):
    if step < warmup:
        return warm(step, warmup)
    progress = float(step - warmup) / float(max(1, total - warmup))
    if progress >= 1.0:
        return 0.0
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * ((float(num_cycles) * progress) % 1.0))))


def lam_polynomial(step, warmup, total, lr_init, lr_end=1e-7, power=1.0, **kw):
    if step < warmup:
        return warm(step, warmup)
    if step > total:
        return lr_end / lr_init
    remaining = 1 - (step - warmup) / (total - warmup)
    return ((lr_init - lr_end) * remaining ** power + lr_end) / lr_init


def lam_inverse_sqrt(step, warmup, total, timescale=None, **kw):
    if timescale is None:
        timescale = warmup or 10_000
    if step < warmup:
        return warm(step, warmup)
    return 1.0 / math.sqrt((step + timescale - warmup) / timescale)


LAMBDAS = {
    "linear": lam_linear,
    "cosine": lam_cosine,
    "cosine_with_restarts": lam_cosine_with_restarts,
    "polynomial": lam_polynomial,
    "constant": lam_constant,
    "constant_with_warmup": lam_constant_with_warmup,
    "inverse_sqrt": lam_inverse_sqrt,
}


def schedule_cases():
    out = []
    runs = [(name, {}) for name in LAMBDAS] + [
        ("cosine", {"num_cycles": 2.0}),
        ("cosine_with_restarts", {"num_cycles": 3}),
        ("polynomial", {"lr_end": 1e-6, "power": 2.0}),
        ("inverse_sqrt", {"timescale": 7}),
    ]
    for name, kwargs in runs:
        for base_lr, warmup, total in [(5e-5, 0, 20), (5e-5, 5, 20), (1e-3, 3, 10), (2e-5, 1, 37)]:
            p = torch.nn.Parameter(torch.zeros(1))
            opt = torch.optim.SGD([p], lr=base_lr)
            fn = LAMBDAS[name]
            kw = dict(kwargs)
            if name == "polynomial":
                kw["lr_init"] = base_lr
            sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: fn(s, warmup, total, **kw))
            lrs = []
            for _ in range(total + 4):  # a few steps past the end
                lrs.append(opt.param_groups[0]["lr"])  # the LR optimizer.step() would use
                opt.step()
                sched.step()
            kw.pop("lr_init", None)
            out.append({"name": name, "options": kw, "base_lr": base_lr, "warmup": warmup, "total": total,
                        "lrs": lrs})
    warmups = []
    for ws, ratio, total in [(0, 0.1, 30), (0, 0.06, 1000), (10, 0.5, 100), (0, 0.0, 50), (0, 0.33, 7), (0, 0.07, 100), (0, 0.14, 50), (0, 0.29, 100),
                             (0, 0.1, 1)]:
        warmups.append({"warmup_steps": ws, "warmup_ratio": ratio, "total": total,
                        "want": ws if ws > 0 else math.ceil(total * ratio)})
    return out, warmups


def write(name, obj):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(obj, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def main():
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    meta = {"torch": torch.__version__, "transformers_commit": "005edacb6b5dabbf0843e92c6623de9e07ca6241"}
    write("adamw.json", {"meta": meta, "cases": adamw_cases()})
    write("sgd.json", {"meta": meta, "cases": sgd_cases()})
    write("clip.json", {"meta": meta, "cases": clip_cases()})
    scheds, warmups = schedule_cases()
    write("schedules.json", {"meta": meta, "cases": scheds, "warmup_steps": warmups})


if __name__ == "__main__":
    main()
