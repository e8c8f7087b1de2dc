#!/usr/bin/python3
"""PyTorch reference for hftrain's numerical parity tests.

A faithful plain-PyTorch transcription of transformers' BertForSequenceClassification,
DistilBertForSequenceClassification and RobertaForSequenceClassification (hfmodels.py) and a
minimal safetensors codec (st.py). Runs with Debian's python3-torch (1.13); needs no
transformers/safetensors package.

Pinned transformers source: huggingface/transformers commit 8ec58104181bfb34d824d89bccc009b4f6be6e0e
(src/transformers/models/bert/modeling_bert.py). The stored copies of the other files read were at
other commits; hfmodels.TRANSFORMERS_FILES lists every file with the commit actually read.

Subcommands:
  generate [--out models/testdata]   write parity fixtures (deterministic, torch seed fixed) and key lists
  check --model DIR --inputs IN.jsonl --predictions PRED.jsonl
                                     verify an hftrain output folder against this reference
  predict --model DIR --inputs IN.jsonl --out PRED.jsonl
                                     write reference logits in the `hftrain predict` JSONL shape
  init --arch A [--config JSON] --out DIR
                                     a random model folder of any size (e.g. to feed `hftrain predict`)
  selftest                           codec round trips, f16/bf16 rounding, model invariants
"""

import argparse
import json
import os
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import hfmodels  # noqa: E402
import st  # noqa: E402
from cases import CASES, generate_all  # noqa: E402

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
KEYS_DIR = os.path.join(REPO_ROOT, "models", "testdata", "keys")

RTOL = 1e-5
ATOL = 1e-6


# ---------------------------------------------------------------------------------------------
# Loading a model folder (config.json + model.safetensors or sharded) the way from_pretrained does
# for an exact-key checkpoint.


def load_folder(directory, report=print):
    """Build the config's architecture, load weights strictly; returns (model, config, problems)."""
    with open(os.path.join(directory, "config.json")) as f:
        raw = json.load(f)
    archs = raw.get("architectures") or []
    if len(archs) != 1:
        raise ValueError(f"{directory}/config.json: want exactly one architectures entry, got {archs!r}")
    config = hfmodels.Config(raw)
    model = hfmodels.build(archs[0], config)
    tensors = st.load_dir(directory)
    state = {}
    for k, v in tensors.items():
        state[k] = v.to(torch.float32) if v.is_floating_point() else v
    problems = []
    expected = model.state_dict()
    for k in sorted(set(state) & set(expected)):
        if tuple(state[k].shape) != tuple(expected[k].shape):
            problems.append(f"shape mismatch {k}: file {list(state[k].shape)} model {list(expected[k].shape)}")
    if problems:
        for p in problems:
            report(p)
        return model, config, problems
    result = model.load_state_dict(state, strict=False)
    for k in result.missing_keys:
        problems.append(f"missing key {k}")
    for k in result.unexpected_keys:
        problems.append(f"unexpected key {k}")
    for p in problems:
        report(p)
    if not problems:
        model.load_state_dict(state, strict=True)
    return model, config, problems


def golden_keys(architecture, num_layers):
    """The committed 2-layer key list of a head, generalised to num_layers."""
    path = os.path.join(KEYS_DIR, f"{architecture}.txt")
    with open(path) as f:
        lines = [ln.strip() for ln in f if ln.strip()]
    pat = re.compile(r"\.layer\.(\d+)\.")
    out = set()
    for ln in lines:
        if pat.search(ln):
            for i in range(num_layers):
                out.add(pat.sub(f".layer.{i}.", ln, count=1))
        else:
            out.add(ln)
    return sorted(out)


def read_jsonl(path):
    rows = []
    with open(path) as f:
        for i, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{i}: {e}") from e
    return rows


def row_tensors(row, where):
    if "input_ids" not in row:
        raise ValueError(f"{where}: no input_ids")
    ids = torch.tensor([row["input_ids"]], dtype=torch.long)
    mask = torch.tensor([row.get("attention_mask", [1] * ids.shape[1])], dtype=torch.long)
    tt = row.get("token_type_ids")
    tt = None if tt is None else torch.tensor([tt], dtype=torch.long)
    if mask.shape != ids.shape or (tt is not None and tt.shape != ids.shape):
        raise ValueError(f"{where}: input_ids/attention_mask/token_type_ids lengths differ")
    return ids, mask, tt


def reference_logits(model, rows, where):
    model.eval()
    out = []
    with torch.no_grad():
        for i, row in enumerate(rows):
            ids, mask, tt = row_tensors(row, f"{where} row {i}")
            logits, _ = model(ids, attention_mask=mask, token_type_ids=tt)
            out.append(logits[0])
    return out


def cmd_predict(args):
    model, _, problems = load_folder(args.model)
    if problems:
        return 1
    rows = read_jsonl(args.inputs)
    with open(args.out, "w") as f:
        for logits in reference_logits(model, rows, args.inputs):
            f.write(json.dumps({"logits": [float(x) for x in logits]}) + "\n")
    print(f"wrote {len(rows)} rows to {args.out}")
    return 0


def cmd_check(args):
    failed = False
    with open(os.path.join(args.model, "config.json")) as f:
        arch = json.load(f).get("architectures", ["?"])[0]
    print(f"model: {args.model} ({arch})")
    try:
        model, config, problems = load_folder(args.model, report=lambda s: print(f"  LOAD: {s}"))
    except (OSError, ValueError) as e:
        print(f"FAIL: cannot load {args.model}: {e}")
        return 1
    if problems:
        print(f"FAIL: load_state_dict(strict=True) would fail ({len(problems)} problems)")
        return 1
    print(f"  load_state_dict(strict=True): ok, {len(model.state_dict())} tensors")
    file_keys = sorted(st.load_dir(args.model))
    try:
        golden = golden_keys(arch, config.num_hidden_layers)
    except OSError as e:
        print(f"FAIL: no golden key list for {arch}: {e}")
        return 1
    for what, keys in (("model state_dict", sorted(model.state_dict())), ("file", file_keys)):
        if keys != golden:
            failed = True
            print(f"FAIL: {what} keys differ from golden {arch} ({config.num_hidden_layers} layers):")
            print(f"  missing: {sorted(set(golden) - set(keys))}")
            print(f"  extra:   {sorted(set(keys) - set(golden))}")
        else:
            print(f"  {what} keys == golden {arch}.txt generalised to {config.num_hidden_layers} layers")
    rows = read_jsonl(args.inputs)
    preds = read_jsonl(args.predictions)
    if len(rows) != len(preds):
        print(f"FAIL: {len(rows)} input rows but {len(preds)} prediction rows")
        return 1
    refs = reference_logits(model, rows, args.inputs)
    print(f"{'row':>4} {'seq':>4} {'C':>3} {'max|ref|':>12} {'max|diff|':>12} {'tol':>12}  result")
    for i, (ref, pred) in enumerate(zip(refs, preds)):
        got = pred.get("logits")
        if not isinstance(got, list) or len(got) != ref.numel():
            print(f"{i:>4} FAIL: prediction row has logits {got!r}, want {ref.numel()} values")
            failed = True
            continue
        got = torch.tensor(got, dtype=torch.float64)
        ref64 = ref.to(torch.float64)
        diff = (got - ref64).abs().max().item()
        tol = RTOL * ref64.abs().max().item() + ATOL
        ok = diff <= tol
        failed |= not ok
        seq = len(rows[i]["input_ids"])
        print(f"{i:>4} {seq:>4} {ref.numel():>3} {ref64.abs().max().item():>12.6g} {diff:>12.3e} {tol:>12.3e}  "
              f"{'ok' if ok else 'MISMATCH'}")
    print("FAIL" if failed else f"PASS: {len(rows)} rows within max|got-ref| <= {RTOL}*max|ref| + {ATOL}")
    return 1 if failed else 0


def cmd_init(args):
    """A randomly initialised model folder of any size (for end-to-end checks of hftrain)."""
    from cases import config_json, parity_init, save_weights

    model_type = hfmodels.ARCHITECTURES[args.arch][0]
    overrides = json.loads(args.config) if args.config else {}
    labels = [f"LABEL_{i}" for i in range(args.num_labels)]
    spec = {"arch": args.arch, "config": dict(overrides, model_type=model_type), "labels": labels,
            "problem_type": args.problem_type, "dtype": args.dtype}
    cfg_json = config_json(spec, with_head=args.arch != "BertModel")
    model = hfmodels.build(args.arch, hfmodels.Config(cfg_json))
    parity_init(model, torch.Generator().manual_seed(args.seed))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(cfg_json, f, indent=2, sort_keys=True)
        f.write("\n")
    save_weights(model.state_dict(), args.out, args.dtype, args.shards)
    print(f"wrote {args.arch} ({sum(p.numel() for p in model.parameters())} parameters) to {args.out}")
    return 0


def cmd_generate(args):
    generate_all(args.out, only=args.case)
    return 0


def cmd_selftest(_args):
    from selftest import run

    return run()


def main(argv=None):
    torch.set_num_threads(1)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate", help="write fixtures under models/testdata")
    g.add_argument("--out", default=os.path.join(REPO_ROOT, "models", "testdata"))
    g.add_argument("--case", action="append", help="only this case (repeatable)", choices=[c["case"] for c in CASES])
    c = sub.add_parser("check", help="verify an hftrain output folder")
    c.add_argument("--model", required=True)
    c.add_argument("--inputs", required=True)
    c.add_argument("--predictions", required=True)
    pr = sub.add_parser("predict", help="reference logits as JSONL")
    pr.add_argument("--model", required=True)
    pr.add_argument("--inputs", required=True)
    pr.add_argument("--out", required=True)
    sub.add_parser("selftest", help="self checks")
    i = sub.add_parser("init", help="write a random model folder of any size")
    i.add_argument("--arch", required=True, choices=sorted(hfmodels.ARCHITECTURES))
    i.add_argument("--config", help='JSON object of config.json fields, e.g. {"hidden_size": 64}')
    i.add_argument("--num-labels", type=int, default=2)
    i.add_argument("--problem-type", choices=hfmodels.PROBLEM_TYPES)
    i.add_argument("--dtype", default="F32", choices=["F32", "F16", "BF16"])
    i.add_argument("--shards", type=int, default=0)
    i.add_argument("--seed", type=int, default=0)
    i.add_argument("--out", required=True)
    args = p.parse_args(argv)
    return {"generate": cmd_generate, "check": cmd_check, "predict": cmd_predict, "selftest": cmd_selftest,
            "init": cmd_init}[
        args.cmd
    ](args)


if __name__ == "__main__":
    sys.exit(main())
