"""Parity fixture cases and their generation (see reference.py generate).

Per case, <out>/parity/<case>/ holds:
  model/               config.json + model.safetensors (F32 | F16 | BF16) or index + shards
  inputs.safetensors   input_ids, attention_mask [, token_type_ids] I64 [B,S]; labels
  expected.safetensors logits F32 [B,C], loss F32 [1], grad.<param> F32 (train mode, dropout 0)
  steps.safetensors    step<k>.{input_ids,attention_mask[,token_type_ids],labels} k=0..9, after.<param>
  meta.json
and <out>/keys/<Architecture>.txt holds the sorted state_dict keys of each head (2 layers).
"""

import json
import os
import shutil

import torch
from torch import nn

import hfmodels
import st

SEED = 20240607
BATCH = 4
STEPS = 10
LR = 1e-3
BETAS = (0.9, 0.999)
EPS = 1e-8
WEIGHT_DECAY = 0.01

_BERT_BASE = dict(
    model_type="bert", vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
    intermediate_size=37, max_position_embeddings=64, type_vocab_size=2, pad_token_id=0,
    hidden_act="gelu", layer_norm_eps=1e-12, initializer_range=0.02, classifier_dropout=0.0,
)
_DISTIL_BASE = dict(
    model_type="distilbert", vocab_size=110, dim=32, n_layers=2, n_heads=4, hidden_dim=37,
    max_position_embeddings=64, pad_token_id=0, activation="gelu", initializer_range=0.02,
)
_ROBERTA_BASE = dict(
    model_type="roberta", vocab_size=120, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
    intermediate_size=37, max_position_embeddings=64, type_vocab_size=1, pad_token_id=1, bos_token_id=0,
    eos_token_id=2, hidden_act="gelu", layer_norm_eps=1e-5, initializer_range=0.02, classifier_dropout=0.0,
)

CASES = [
    dict(case="bert_single", arch="BertForSequenceClassification",
         config=dict(_BERT_BASE, classifier_dropout=None),
         labels=["negative", "neutral", "positive"], problem_type="single_label_classification",
         dtype="F32", shards=0, seq=10, segments=True),
    dict(case="bert_regression", arch="BertForSequenceClassification",
         config=dict(_BERT_BASE, num_attention_heads=2, intermediate_size=64),
         labels=["LABEL_0"], problem_type=None,  # unset in config.json: inferred as regression (num_labels 1)
         dtype="F32", shards=2, seq=9, segments=False),
    dict(case="bert_multilabel", arch="BertForSequenceClassification",
         config=dict(_BERT_BASE), labels=["sports", "politics", "science", "arts"],
         problem_type="multi_label_classification", dtype="BF16", shards=0, seq=12, segments=True),
    dict(case="distilbert_single", arch="DistilBertForSequenceClassification",
         config=dict(_DISTIL_BASE), labels=["LABEL_0", "LABEL_1", "LABEL_2"],
         problem_type="single_label_classification", dtype="F16", shards=0, seq=11, segments=False),
    dict(case="distilbert_multilabel", arch="DistilBertForSequenceClassification",
         config=dict(_DISTIL_BASE, n_heads=2, hidden_dim=64, activation="relu"),
         labels=["a", "b", "c", "d"], problem_type="multi_label_classification",
         dtype="F32", shards=0, seq=8, segments=False),
    dict(case="roberta_single", arch="RobertaForSequenceClassification",
         config=dict(_ROBERTA_BASE), labels=["negative", "positive"],
         problem_type="single_label_classification", dtype="F32", shards=0, seq=10, segments=False),
    dict(case="roberta_regression", arch="RobertaForSequenceClassification",
         config=dict(_ROBERTA_BASE, num_attention_heads=2, intermediate_size=64), labels=["score"],
         problem_type="regression", dtype="F16", shards=3, seq=12, segments=False),
]

TORCH_DTYPE = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
TORCH_DTYPE_NAME = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}
DROPOUT_KEYS = ("hidden_dropout_prob", "attention_probs_dropout_prob", "dropout", "attention_dropout",
                "qa_dropout", "seq_classif_dropout")


def config_json(spec, architecture=None, with_head=True):
    """config.json as save_pretrained writes it: every arch field explicit, sorted keys, dropouts 0."""
    d = dict(hfmodels.DEFAULTS[spec["config"]["model_type"]])
    d.update(spec["config"])
    for k in DROPOUT_KEYS:
        if k in d:
            d[k] = 0.0
    if d.get("classifier_dropout") is not None:
        d["classifier_dropout"] = 0.0
    d["architectures"] = [architecture or spec["arch"]]
    if with_head:
        labels = spec["labels"]
        d["id2label"] = {str(i): name for i, name in enumerate(labels)}
        d["label2id"] = {name: i for i, name in enumerate(labels)}
        d["problem_type"] = spec["problem_type"]
    d["torch_dtype"] = TORCH_DTYPE_NAME[spec.get("dtype", "F32")]
    return dict(sorted(d.items()))


def parity_init(model, gen):
    """Non-trivial weights: HF init gives LayerNorm 1/0 and zero biases, which would leave those
    gradient paths untested. Matrices/embeddings N(0, 0.1) (padding rows included), biases
    N(0, 0.05), LayerNorm weights 1 + N(0, 0.1)."""
    ln_weights = {id(m.weight) for m in model.modules() if isinstance(m, nn.LayerNorm)}
    with torch.no_grad():
        for _, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen)
            if id(p) in ln_weights:
                p.copy_(1.0 + 0.1 * noise)
            elif p.dim() == 1:
                p.copy_(0.05 * noise)
            else:
                p.copy_(0.1 * noise)


def make_batch(gen, spec, cfg, rows, seq, lengths=None):
    """Right-padded batch shaped like a tokenizer + collator output for the case's model type."""
    mt = cfg.model_type
    if lengths is None:
        lengths = torch.randint(4, seq + 1, (rows,), generator=gen).tolist()
        lengths[int(torch.randint(0, rows, (1,), generator=gen))] = seq  # pad to the longest row
    pad = cfg.pad_token_id
    if mt == "roberta":
        first, sep, lo = cfg.bos_token_id, cfg.eos_token_id, 3
    else:
        first, sep, lo = 2, 3, 5  # stand-ins for [CLS], [SEP]; ids below 5 are "special"
    ids = torch.full((rows, seq), pad, dtype=torch.long)
    mask = torch.zeros((rows, seq), dtype=torch.long)
    tt = torch.zeros((rows, seq), dtype=torch.long)
    for r, n in enumerate(lengths):
        ids[r, :n] = torch.randint(lo, cfg.vocab_size, (n,), generator=gen)
        ids[r, 0] = first
        ids[r, n - 1] = sep
        mask[r, :n] = 1
        if spec.get("segments") and n >= 5:
            m = int(torch.randint(2, n - 2, (1,), generator=gen))  # first [SEP] position
            ids[r, m] = sep
            tt[r, m + 1 : n] = 1
    out = {"input_ids": ids, "attention_mask": mask}
    if mt == "bert":
        out["token_type_ids"] = tt
    return out


def make_labels(gen, problem_type, num_labels, rows):
    if problem_type == "single_label_classification":
        return torch.randint(0, num_labels, (rows,), generator=gen, dtype=torch.long)
    if problem_type == "multi_label_classification":
        return torch.randint(0, 2, (rows, num_labels), generator=gen).to(torch.float32)
    return torch.randn((rows, num_labels), generator=gen)


def effective_problem_type(spec):
    if spec["problem_type"]:
        return spec["problem_type"]
    return "regression" if len(spec["labels"]) == 1 else "single_label_classification"


def fresh_model(cfg_json, arch, state):
    model = hfmodels.build(arch, hfmodels.Config(cfg_json))
    model.load_state_dict(state, strict=True)
    return model


def optimizer(model):
    """Trainer.create_optimizer with adamw_torch: decay / no-decay groups, no schedule, no clipping."""
    decay = set(hfmodels.decay_parameter_names(model))
    groups = [
        {"params": [p for n, p in model.named_parameters() if n in decay], "weight_decay": WEIGHT_DECAY},
        {"params": [p for n, p in model.named_parameters() if n not in decay], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=LR, betas=BETAS, eps=EPS), sorted(set(dict(model.named_parameters())) - decay)


def save_weights(state, directory, dtype, shards):
    os.makedirs(directory, exist_ok=True)
    stored = {k: v.to(TORCH_DTYPE[dtype]) for k, v in state.items()}
    if shards:
        st.save_sharded(stored, directory, shards)
    else:
        st.save_file(stored, os.path.join(directory, st.SINGLE_FILE))


def generate_case(spec, root):
    gen = torch.Generator().manual_seed(SEED + sum(map(ord, spec["case"])))
    torch.manual_seed(SEED)
    cfg_json = config_json(spec)
    cfg = hfmodels.Config(cfg_json)
    model = hfmodels.build(spec["arch"], cfg)
    parity_init(model, gen)
    # The reference weights are the values as stored: round through F16/BF16, compute in F32.
    state = {k: v.to(TORCH_DTYPE[spec["dtype"]]).to(torch.float32) for k, v in model.state_dict().items()}
    case_dir = os.path.join(root, "parity", spec["case"])
    if os.path.exists(case_dir):
        shutil.rmtree(case_dir)
    model_dir = os.path.join(case_dir, "model")
    os.makedirs(model_dir)
    with open(os.path.join(model_dir, "config.json"), "w") as f:
        json.dump(cfg_json, f, indent=2, sort_keys=True)
        f.write("\n")
    save_weights(state, model_dir, spec["dtype"], spec["shards"])

    # Forward + backward on one batch, train mode (every dropout probability is 0).
    num_labels = len(spec["labels"])
    ptype = effective_problem_type(spec)
    seq = spec["seq"]
    batch = make_batch(gen, spec, cfg, BATCH, seq, lengths=[seq, seq - 3, seq - 1, seq - 5])
    labels = make_labels(gen, ptype, num_labels, BATCH)
    model = fresh_model(cfg_json, spec["arch"], state)
    model.train()
    logits, loss = model(**batch, labels=labels)
    assert model.config.problem_type == ptype, (model.config.problem_type, ptype)
    loss.backward()
    expected = {"logits": logits.detach().clone(), "loss": loss.detach().reshape(1).clone()}
    for n, p in model.named_parameters():
        expected[f"grad.{n}"] = p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p)
    st.save_file(dict(batch, labels=labels), os.path.join(case_dir, "inputs.safetensors"))
    st.save_file(expected, os.path.join(case_dir, "expected.safetensors"))

    # 10 AdamW steps from the stored weights.
    model = fresh_model(cfg_json, spec["arch"], state)
    model.train()
    opt, no_decay = optimizer(model)
    steps = {}
    losses = []
    for k in range(STEPS):
        b = make_batch(gen, spec, cfg, BATCH, seq)
        y = make_labels(gen, ptype, num_labels, BATCH)
        for name, t in dict(b, labels=y).items():
            steps[f"step{k}.{name}"] = t
        opt.zero_grad()
        _, step_loss = model(**b, labels=y)
        step_loss.backward()
        opt.step()
        losses.append(float(step_loss))
    for n, p in model.named_parameters():
        steps[f"after.{n}"] = p.detach().clone()
    st.save_file(steps, os.path.join(case_dir, "steps.safetensors"))

    meta = {
        "case": spec["case"],
        "architecture": spec["arch"],
        "model_type": cfg.model_type,
        "problem_type": ptype,
        "problem_type_in_config": spec["problem_type"],
        "num_labels": num_labels,
        "batch_size": BATCH,
        "seq_len": seq,
        "lr": LR,
        "betas": list(BETAS),
        "eps": EPS,
        "weight_decay": WEIGHT_DECAY,
        "steps": STEPS,
        "step_losses": losses,
        "no_decay": no_decay,
        "weights_dtype": spec["dtype"],
        "sharded": bool(spec["shards"]),
        "seed": SEED,
        "transformers_commit": hfmodels.TRANSFORMERS_COMMIT,
        "transformers_files": hfmodels.TRANSFORMERS_FILES,
        "torch_version": torch.__version__,
    }
    with open(os.path.join(case_dir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    return case_dir


def generate_base_nohead(root):
    """A bare BertModel checkpoint (keys without "bert.", pooler included) for the loader's
    "head initialised with a warning" test."""
    spec = dict(CASES[0])
    gen = torch.Generator().manual_seed(SEED + 7)
    cfg_json = config_json(spec, architecture="BertModel", with_head=False)
    model = hfmodels.build("BertModel", hfmodels.Config(cfg_json))
    parity_init(model, gen)
    case_dir = os.path.join(root, "parity", "bert_base_nohead")
    if os.path.exists(case_dir):
        shutil.rmtree(case_dir)
    model_dir = os.path.join(case_dir, "model")
    os.makedirs(model_dir)
    with open(os.path.join(model_dir, "config.json"), "w") as f:
        json.dump(cfg_json, f, indent=2, sort_keys=True)
        f.write("\n")
    state = model.state_dict()
    save_weights(state, model_dir, "F32", 0)
    head = hfmodels.build("BertForSequenceClassification", hfmodels.Config(cfg_json))
    head_keys = sorted(head.state_dict())
    mapped = {f"bert.{k}" for k in state}
    meta = {
        "case": "bert_base_nohead",
        "architecture": "BertModel",
        "load_as": "BertForSequenceClassification",
        "base_model_prefix": "bert",
        "file_keys": sorted(state),
        "expected_keys": head_keys,
        "missing_keys": sorted(set(head_keys) - mapped),  # newly initialised head, with a warning
        "unexpected_keys": sorted(mapped - set(head_keys)),
        "num_labels": 2,
        "transformers_commit": hfmodels.TRANSFORMERS_COMMIT,
        "torch_version": torch.__version__,
    }
    with open(os.path.join(case_dir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    return case_dir


def write_keys(root):
    keys_dir = os.path.join(root, "keys")
    os.makedirs(keys_dir, exist_ok=True)
    specs = {
        "BertForSequenceClassification": _BERT_BASE,
        "DistilBertForSequenceClassification": _DISTIL_BASE,
        "RobertaForSequenceClassification": _ROBERTA_BASE,
        "BertModel": _BERT_BASE,
    }
    for arch, base in specs.items():
        cfg = hfmodels.Config(dict(base, num_labels=3))
        keys = sorted(hfmodels.build(arch, cfg).state_dict())
        with open(os.path.join(keys_dir, f"{arch}.txt"), "w") as f:
            f.write("\n".join(keys) + "\n")


def generate_all(root, only=None):
    write_keys(root)
    for spec in CASES:
        if only and spec["case"] not in only:
            continue
        d = generate_case(spec, root)
        print(f"{spec['case']:22s} {sum(_sizes(d)):>8d} bytes  {d}")
    if not only:
        d = generate_base_nohead(root)
        print(f"{'bert_base_nohead':22s} {sum(_sizes(d)):>8d} bytes  {d}")


def _sizes(d):
    for dirpath, _, files in os.walk(d):
        for fn in files:
            yield os.path.getsize(os.path.join(dirpath, fn))
