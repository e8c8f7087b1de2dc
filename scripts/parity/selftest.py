"""Self checks of the reference (run: reference.py selftest). Each check can fail."""

import json
import os
import struct
import tempfile

import torch
from torch import nn

import cases
import hfmodels
import st


def check_codec_roundtrip():
    g = torch.Generator().manual_seed(1)
    tensors = {
        "f32": torch.randn(3, 5, generator=g),
        "f16": torch.randn(7, generator=g).half(),
        "bf16": torch.randn(2, 2, 3, generator=g).bfloat16(),
        "i64": torch.randint(-(2**40), 2**40, (4, 2), generator=g),
        "scalar_like": torch.tensor([3.5]),
        "empty": torch.zeros(0, 4),
    }
    data = st.dumps(tensors)
    (n,) = struct.unpack("<Q", data[:8])
    assert n % 8 == 0, "header not padded to 8"
    header = json.loads(data[8 : 8 + n])
    assert header["__metadata__"] == {"format": "pt"}, header["__metadata__"]
    assert header["bf16"]["dtype"] == "BF16" and header["i64"]["dtype"] == "I64"
    back, meta = st.loads(data)
    assert meta == {"format": "pt"}
    assert set(back) == set(tensors)
    for k, v in tensors.items():
        assert back[k].dtype == v.dtype and back[k].shape == v.shape, k
        assert torch.equal(back[k], v), k
    # Byte-level encodings of known values (little-endian).
    one = st.dumps({"h": torch.tensor([1.0]).half(), "b": torch.tensor([1.0]).bfloat16(), "f": torch.tensor([1.0])})
    back, _ = st.loads(one)
    assert st.tensor_bytes(torch.tensor([1.0]).half()) == b"\x00\x3c"
    assert st.tensor_bytes(torch.tensor([1.0]).bfloat16()) == b"\x80\x3f"
    assert st.tensor_bytes(torch.tensor([1.0])) == b"\x00\x00\x80\x3f"
    assert st.tensor_bytes(torch.tensor([-2], dtype=torch.long)) == b"\xfe" + b"\xff" * 7


def check_codec_rejects():
    good = st.dumps({"a": torch.ones(4)})
    bad = [
        good[:5],  # shorter than the length prefix
        struct.pack("<Q", 10**9) + good[8:],  # header longer than file
        good[:-4],  # truncated buffer: offsets outside
        good + b"\x00" * 4,  # trailing bytes
        struct.pack("<Q", 8) + b"not json",
    ]
    for i, data in enumerate(bad):
        try:
            st.loads(data)
        except st.FormatError:
            continue
        raise AssertionError(f"corrupt input {i} accepted")


def check_sharded_roundtrip():
    g = torch.Generator().manual_seed(2)
    tensors = {f"t{i}": torch.randn(i + 1, 3, generator=g) for i in range(7)}
    with tempfile.TemporaryDirectory() as d:
        files = st.save_sharded(tensors, d, 3)
        assert files == [st.shard_name(k, 3) for k in (1, 2, 3)], files
        with open(os.path.join(d, st.INDEX_FILE)) as f:
            index = json.load(f)
        assert index["metadata"]["total_size"] == sum(t.numel() * 4 for t in tensors.values())
        assert set(index["weight_map"]) == set(tensors)
        back = st.load_dir(d)
        assert set(back) == set(tensors) and all(torch.equal(back[k], tensors[k]) for k in tensors)
        # A weight_map that lies about a tensor's shard must be rejected.
        index["weight_map"]["t0"] = st.shard_name(3, 3)
        with open(os.path.join(d, st.INDEX_FILE), "w") as f:
            json.dump(index, f)
        try:
            st.load_dir(d)
        except st.FormatError:
            pass
        else:
            raise AssertionError("inconsistent index accepted")


def check_rounding():
    # f16: 10 mantissa bits. 1 + 2^-11 is a tie -> even (1.0); 1 + 3*2^-11 -> 1 + 2^-9.
    x = torch.tensor([1 + 2**-11, 1 + 3 * 2**-11, 65504.0, 70000.0, 2**-24, 2**-26], dtype=torch.float32)
    h = x.half().float().tolist()
    assert h[:4] == [1.0, 1 + 2**-9, 65504.0, float("inf")], h
    assert h[4] == 2**-24 and h[5] == 0.0, h  # smallest subnormal kept; below half of it flushes to 0
    # bf16: 7 mantissa bits. 1 + 2^-8 ties -> 1.0; 1 + 3*2^-8 -> 1 + 2^-6; 1 + 2^-8 + 2^-20 rounds up.
    b = torch.tensor([1 + 2**-8, 1 + 3 * 2**-8, 1 + 2**-8 + 2**-20], dtype=torch.float32).bfloat16().float().tolist()
    assert b == [1.0, 1 + 2**-6, 1 + 2**-7], b
    # Our bf16 bytes are exactly the top 16 bits of the float32 after round-to-nearest-even.
    v = torch.randn(1000, generator=torch.Generator().manual_seed(3))
    bits = v.view(torch.int32).to(torch.int64) & 0xFFFFFFFF
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    ours = v.bfloat16().view(torch.int16).to(torch.int64) & 0xFFFF
    assert torch.equal(rounded, ours), "bf16 rounding is not round-to-nearest-even"


def check_models():
    # RoBERTa padding-offset positions.
    ids = torch.tensor([[0, 5, 6, 2, 1, 1]])
    pos = hfmodels.create_position_ids_from_input_ids(ids, 1).tolist()
    assert pos == [[2, 3, 4, 5, 1, 1]], pos
    for arch, base in (
        ("BertForSequenceClassification", cases._BERT_BASE),
        ("DistilBertForSequenceClassification", cases._DISTIL_BASE),
        ("RobertaForSequenceClassification", cases._ROBERTA_BASE),
    ):
        cfg = hfmodels.Config(dict(base, num_labels=3, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                                   dropout=0.0, attention_dropout=0.0, seq_classif_dropout=0.0))
        m = hfmodels.build(arch, cfg)
        keys = set(m.state_dict())
        assert not any(k.endswith("position_ids") or k.endswith("token_type_ids") for k in keys), arch
        assert keys == {n for n, _ in m.named_parameters()}, arch
        cases.parity_init(m, torch.Generator().manual_seed(4))
        batch = cases.make_batch(torch.Generator().manual_seed(5), {"segments": True}, cfg, 3, 9, [9, 6, 4])
        m.eval()
        with torch.no_grad():
            a, _ = m(**batch)
            # Padding must not influence real rows: change padded ids, logits stay equal.
            b2 = dict(batch)
            b2["input_ids"] = batch["input_ids"].clone()
            b2["input_ids"][1, 6:] = 7
            b, _ = m(**b2)
        assert torch.allclose(a, b, atol=0, rtol=0) or arch.startswith("Roberta"), arch
        # (RoBERTa is the exception: non-pad ids there also shift position ids of the padded slots,
        # which are masked anyway, so logits still agree.)
        assert torch.allclose(a, b, atol=1e-6), arch
        m.train()
        c, _ = m(**batch)
        assert torch.equal(a, c.detach()), f"{arch}: train != eval with dropout 0"
    # problem_type inference as transformers does it.
    for n, labels, want in ((1, torch.randn(2, 1), "regression"),
                            (3, torch.tensor([0, 2]), "single_label_classification"),
                            (3, torch.ones(2, 3), "multi_label_classification")):
        cfg = hfmodels.Config(dict(cases._BERT_BASE, num_labels=n))
        hfmodels.classification_loss(cfg, n, torch.zeros(2, n), labels)
        assert cfg.problem_type == want, (cfg.problem_type, want)
    # DistilBERT attribute map.
    cfg = hfmodels.Config(dict(cases._DISTIL_BASE))
    assert cfg.hidden_size == 32 and cfg.num_hidden_layers == 2 and cfg.num_attention_heads == 4
    # Weight-decay groups: biases and LayerNorm weights excluded.
    m = hfmodels.build("BertForSequenceClassification", hfmodels.Config(dict(cases._BERT_BASE)))
    decay = set(hfmodels.decay_parameter_names(m))
    assert "bert.embeddings.LayerNorm.weight" not in decay and "classifier.bias" not in decay
    assert "bert.embeddings.word_embeddings.weight" in decay and "classifier.weight" in decay


def _torch_layer(q, k, v, o, ln1, lin1, lin2, ln2, heads, act, eps):
    """torch.nn.TransformerEncoderLayer (post-LN) carrying the given weights: an independent
    implementation of the same encoder block."""
    d = q.weight.shape[0]
    t = nn.TransformerEncoderLayer(d, heads, lin1.weight.shape[0], dropout=0.0, activation=act,
                                   layer_norm_eps=eps, batch_first=True, norm_first=False)
    with torch.no_grad():
        t.self_attn.in_proj_weight.copy_(torch.cat([q.weight, k.weight, v.weight]))
        t.self_attn.in_proj_bias.copy_(torch.cat([q.bias, k.bias, v.bias]))
        t.self_attn.out_proj.weight.copy_(o.weight)
        t.self_attn.out_proj.bias.copy_(o.bias)
        for dst, src in ((t.norm1, ln1), (t.linear1, lin1), (t.linear2, lin2), (t.norm2, ln2)):
            dst.weight.copy_(src.weight)
            dst.bias.copy_(src.bias)
    return t.train()  # train mode (dropout 0) avoids the fast path, which zeroes padded rows


def check_layers_against_torch():
    g = torch.Generator().manual_seed(6)
    mask = torch.tensor([[1] * 9, [1] * 6 + [0] * 3, [1] * 4 + [0] * 5])
    x = torch.randn(3, 9, 32, generator=g)
    keep = mask.bool()
    for arch, base in (("BertForSequenceClassification", cases._BERT_BASE),
                       ("DistilBertForSequenceClassification", cases._DISTIL_BASE),
                       ("DistilBertForSequenceClassification", dict(cases._DISTIL_BASE, activation="relu"))):
        cfg = hfmodels.Config(dict(base, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                                   dropout=0.0, attention_dropout=0.0))
        m = hfmodels.build(arch, cfg)
        cases.parity_init(m, torch.Generator().manual_seed(7))
        if arch.startswith("Bert"):
            layer = m.bert.encoder.layer[0]
            a = layer.attention
            t = _torch_layer(a.self.query, a.self.key, a.self.value, a.output.dense, a.output.LayerNorm,
                             layer.intermediate.dense, layer.output.dense, layer.output.LayerNorm,
                             cfg.num_attention_heads, cfg.hidden_act, cfg.layer_norm_eps)
            ours = layer(x, hfmodels.extended_attention_mask(mask, torch.float32))
        else:
            layer = m.distilbert.transformer.layer[0]
            a = layer.attention
            t = _torch_layer(a.q_lin, a.k_lin, a.v_lin, a.out_lin, layer.sa_layer_norm, layer.ffn.lin1,
                             layer.ffn.lin2, layer.output_layer_norm, cfg.n_heads, cfg.activation, 1e-12)
            ours = layer(x, mask)
        theirs = t(x, src_key_padding_mask=~keep)
        diff = (ours - theirs)[keep].abs().max().item()
        assert diff < 1e-5, f"{arch}/{cfg.hidden_act if arch.startswith('Bert') else cfg.activation}: " \
                            f"layer differs from nn.TransformerEncoderLayer by {diff}"


CHECKS = [check_codec_roundtrip, check_codec_rejects, check_sharded_roundtrip, check_rounding, check_models,
          check_layers_against_torch]


def run():
    failed = 0
    for check in CHECKS:
        try:
            check()
            print(f"ok   {check.__name__}")
        except AssertionError as e:
            failed += 1
            print(f"FAIL {check.__name__}: {e}")
    print("selftest:", "FAIL" if failed else "PASS")
    return 1 if failed else 0
