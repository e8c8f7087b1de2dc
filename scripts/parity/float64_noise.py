#!/usr/bin/python3
"""How far is float32 PyTorch from float64 PyTorch on the parity fixtures' 10 AdamW steps?

Runs each case's ten steps in float64 from the same weights and batches and reports the worst
difference of the weight change (w10 - w0) from the float32 reference, relative to max|w10 - w0|,
attention key biases excluded (their exact gradient is 0). trainer/parity_test.go's tolerance rests
on it: float32 rounding alone moves the reference by up to ~1e-3 of max|dw|.

Run from the repository root: /usr/bin/python3 scripts/parity/float64_noise.py
"""
import json, os, sys
sys.path.insert(0, "scripts/parity")
import torch, hfmodels, st
from cases import optimizer
torch.set_num_threads(1)
for case in sorted(os.listdir("models/testdata/parity")):
    d = f"models/testdata/parity/{case}"
    if not os.path.exists(f"{d}/steps.safetensors"): continue
    meta = json.load(open(f"{d}/meta.json"))
    cfg = json.load(open(f"{d}/model/config.json"))

    from reference import load_folder
    model = load_folder(f"{d}/model", report=lambda *a: None)
    if isinstance(model, tuple): model = model[0]
    w0 = {k: v.detach().clone().double() for k, v in model.state_dict().items()}
    model = model.double()
    opt, _ = optimizer(model)
    steps = st.load_file(f"{d}/steps.safetensors")[0]
    model.train()
    for k in range(meta["steps"]):
        kw = {n: steps[f"step{k}.{n}"] for n in ("input_ids", "attention_mask", "token_type_ids") if f"step{k}.{n}" in steps}
        lab = steps[f"step{k}.labels"]
        if lab.is_floating_point(): lab = lab.double()
        logits, loss = model(labels=lab, **kw)
        loss.backward(); opt.step(); opt.zero_grad()
    worst = (0, "")
    for n, p in model.named_parameters():
        if n.endswith("key.bias") or n.endswith("k_lin.bias"): continue
        ref = steps[f"after.{n}"].double()
        dw64 = p.detach() - w0[n]; dw32 = ref - w0[n]
        err = (dw64 - dw32).abs().max().item(); rel = err / dw64.abs().max().item()
        if rel > worst[0]: worst = (rel, f"{n}: |f32-f64| {err:.3g}, max|dw| {dw64.abs().max().item():.3g}")
    print(f"{case:24s} worst relative to max|dw|: {worst[0]:.2e}  ({worst[1]})")
