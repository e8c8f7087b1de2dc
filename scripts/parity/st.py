"""Minimal safetensors reader/writer for the hftrain parity reference.

The format (https://github.com/huggingface/safetensors, "Format" section):
  8 bytes   little-endian u64 N = header length
  N bytes   UTF-8 JSON: {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [b, e]}}
            padded with spaces to a multiple of 8 (as the Rust writer does)
  rest      the byte buffer; data_offsets are relative to its start, little-endian, row-major.

Sharded checkpoints (transformers save_pretrained with max_shard_size) are
model-0000k-of-0000n.safetensors plus model.safetensors.index.json
{"metadata": {"total_size": N}, "weight_map": {name: shard file}}.

Only torch and the standard library are used (numpy only for byte views, it ships with torch).
"""

import json
import os
import struct
import sys

import torch

# safetensors dtype string -> torch dtype.
DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}
NAMES = {v: k for k, v in DTYPES.items()}

SINGLE_FILE = "model.safetensors"
INDEX_FILE = "model.safetensors.index.json"


class FormatError(ValueError):
    """A safetensors file or index that violates the format."""


def _check_host():
    if sys.byteorder != "little":
        raise RuntimeError("safetensors: this minimal codec assumes a little-endian host")


def tensor_bytes(t):
    """Raw little-endian bytes of a tensor in row-major order."""
    _check_host()
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:
        # numpy has no bfloat16: reinterpret the 2-byte payload as int16.
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def tensor_from_bytes(buf, dtype, shape):
    """Inverse of tensor_bytes; returns a tensor that owns its memory."""
    _check_host()
    n = 1
    for d in shape:
        n *= d
    itemsize = torch.tensor([], dtype=dtype).element_size()
    if len(buf) != n * itemsize:
        raise FormatError(f"buffer has {len(buf)} bytes, shape {list(shape)} of {NAMES[dtype]} needs {n * itemsize}")
    if n == 0:
        return torch.zeros(shape, dtype=dtype)
    return torch.frombuffer(bytearray(buf), dtype=dtype).reshape(shape).clone()


def _order(tensors):
    # The Rust writer lays tensors out by decreasing alignment, then by name.
    return sorted(tensors, key=lambda n: (-tensors[n].element_size(), n))


def dumps(tensors, metadata=None):
    """Serialise {name: tensor} to safetensors bytes. metadata defaults to {"format": "pt"}."""
    if metadata is None:
        metadata = {"format": "pt"}
    header = {"__metadata__": {str(k): str(v) for k, v in metadata.items()}}
    chunks = []
    offset = 0
    for name in _order(tensors):
        t = tensors[name]
        if t.dtype not in NAMES:
            raise FormatError(f"{name}: unsupported dtype {t.dtype}")
        b = tensor_bytes(t)
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        chunks.append(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(chunks)


def loads(data, where="<bytes>"):
    """Parse safetensors bytes into ({name: tensor}, metadata). Validates offsets and sizes."""
    if len(data) < 8:
        raise FormatError(f"{where}: file shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise FormatError(f"{where}: header length {n} exceeds file size {len(data)}")
    try:
        header = json.loads(data[8 : 8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise FormatError(f"{where}: bad header JSON: {e}") from e
    if not isinstance(header, dict):
        raise FormatError(f"{where}: header is not a JSON object")
    metadata = header.pop("__metadata__", {}) or {}
    body = data[8 + n :]
    spans = []
    out = {}
    for name, info in header.items():
        try:
            dtype = DTYPES[info["dtype"]]
            shape = [int(d) for d in info["shape"]]
            begin, end = (int(x) for x in info["data_offsets"])
        except (KeyError, TypeError, ValueError) as e:
            raise FormatError(f"{where}: tensor {name}: bad header entry {info!r}") from e
        if not 0 <= begin <= end <= len(body):
            raise FormatError(f"{where}: tensor {name}: offsets [{begin},{end}] outside buffer of {len(body)}")
        out[name] = tensor_from_bytes(body[begin:end], dtype, shape)
        spans.append((begin, end, name))
    # The buffer must be covered exactly, without holes or overlaps.
    pos = 0
    for begin, end, name in sorted(spans):
        if begin != pos:
            raise FormatError(f"{where}: tensor {name} starts at {begin}, expected {pos} (hole or overlap)")
        pos = end
    if pos != len(body):
        raise FormatError(f"{where}: {len(body) - pos} trailing bytes after the last tensor")
    return out, metadata


def save_file(tensors, path, metadata=None):
    """Write {name: tensor} to path (atomic rename)."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(dumps(tensors, metadata))
    os.replace(tmp, path)


def load_file(path):
    """Read path into ({name: tensor}, metadata)."""
    with open(path, "rb") as f:
        data = f.read()
    return loads(data, path)


def shard_name(k, n):
    """transformers' shard file name for shard k (1-based) of n."""
    return f"model-{k:05d}-of-{n:05d}.safetensors"


def save_sharded(tensors, directory, n_shards, metadata=None):
    """Split tensors (in state_dict order) into n_shards files of about equal byte size + the index."""
    names = list(tensors)
    if n_shards < 2 or n_shards > len(names):
        raise ValueError(f"need 2 <= n_shards <= {len(names)}, got {n_shards}")
    sizes = {k: tensors[k].numel() * tensors[k].element_size() for k in names}
    total = sum(sizes.values())
    target = total / n_shards
    groups = [[]]
    acc = 0
    for i, k in enumerate(names):
        remaining_names = len(names) - i
        remaining_groups = n_shards - len(groups)
        # Start a new shard when this one is full, but leave at least one tensor per shard.
        if groups[-1] and remaining_groups > 0 and (acc >= target or remaining_names <= remaining_groups):
            groups.append([])
            acc = 0
        groups[-1].append(k)
        acc += sizes[k]
    weight_map = {}
    for j, g in enumerate(groups, 1):
        fname = shard_name(j, len(groups))
        save_file({k: tensors[k] for k in g}, os.path.join(directory, fname), metadata)
        for k in g:
            weight_map[k] = fname
    index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
    with open(os.path.join(directory, INDEX_FILE), "w") as f:
        json.dump(index, f, indent=2, sort_keys=True)
        f.write("\n")
    return sorted(set(weight_map.values()))


def load_dir(directory):
    """Load model.safetensors or the sharded index from a model folder: {name: tensor}."""
    single = os.path.join(directory, SINGLE_FILE)
    index_path = os.path.join(directory, INDEX_FILE)
    if os.path.exists(single):
        tensors, _ = load_file(single)
        return tensors
    if not os.path.exists(index_path):
        raise FileNotFoundError(f"{directory}: neither {SINGLE_FILE} nor {INDEX_FILE}")
    with open(index_path) as f:
        index = json.load(f)
    weight_map = index.get("weight_map")
    if not isinstance(weight_map, dict) or not weight_map:
        raise FormatError(f"{index_path}: missing or empty weight_map")
    out = {}
    for fname in sorted(set(weight_map.values())):
        tensors, _ = load_file(os.path.join(directory, fname))
        for k, v in tensors.items():
            if weight_map.get(k) != fname:
                raise FormatError(f"{index_path}: {fname} holds {k} but the index maps it to {weight_map.get(k)}")
            out[k] = v
    missing = sorted(set(weight_map) - set(out))
    if missing:
        raise FormatError(f"{index_path}: tensors listed but not found in shards: {missing}")
    total = index.get("metadata", {}).get("total_size")
    actual = sum(t.numel() * t.element_size() for t in out.values())
    if total is not None and int(total) != actual:
        raise FormatError(f"{index_path}: total_size {total} != {actual} bytes of tensors")
    return out
