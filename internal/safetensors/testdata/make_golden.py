#!/usr/bin/env python3
"""Writes golden.safetensors, an independent reference file for the Go codec.

Plain Python (struct + json only), mirroring what the `safetensors` package
writes from safetensors.torch.save_file (Rust crate safetensors/src/tensor.rs,
`prepare`): tensors sorted by dtype alignment descending (the Rust Dtype enum
order) then by name, header = compact JSON with "__metadata__" first and the
tensors in data order, padded with spaces to a multiple of 8 bytes, preceded
by its length as a little-endian u64.

Run from this directory:  python3 make_golden.py
"""
import json
import struct

# Position in the Rust `Dtype` enum (declared in increasing alignment order).
RANK = {"BOOL": 0, "U8": 1, "I8": 2, "I16": 5, "U16": 6, "F16": 7, "BF16": 8,
        "I32": 9, "U32": 10, "F32": 11, "F64": 12, "I64": 13, "U64": 14}
FMT = {"BOOL": "?", "U8": "B", "I8": "b", "I16": "h", "U16": "H", "F16": "e",
       "I32": "i", "U32": "I", "F32": "f", "F64": "d", "I64": "q", "U64": "Q"}


def bf16(values):
    """bfloat16 bytes with round-to-nearest-even (finite inputs only)."""
    out = b""
    for v in values:
        (bits,) = struct.unpack("<I", struct.pack("<f", v))
        bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
        out += struct.pack("<H", bits)
    return out


def pack(dtype, values):
    if dtype == "BF16":
        return bf16(values)
    return struct.pack("<%d%s" % (len(values), FMT[dtype]), *values)


# name -> (dtype, shape, values); the Go test hard-codes the same values.
TENSORS = {
    "embeddings.weight": ("F32", [2, 3], [0.0, 1.0, -2.5, 3.25, 1e-3, -65504.0]),
    "scalar": ("F32", [], [42.0]),
    "empty": ("F32", [0, 3], []),
    "half": ("F16", [5], [1.0, -2.5, 65504.0, 2.0 ** -24, 1.0 + 2.0 ** -11]),
    "brain": ("BF16", [3], [1.0, -2.5, 3.14159]),
    "doubles": ("F64", [2], [0.1, -1e300]),
    "ids": ("I64", [3], [0, -1, 2 ** 40]),
    "big": ("U64", [2], [1, 2 ** 64 - 1]),
    "ints": ("I32", [2], [-7, 2 ** 31 - 1]),
    "uints": ("U32", [1], [4000000000]),
    "shorts": ("I16", [2], [-32768, 12345]),
    "ushorts": ("U16", [1], [65535]),
    "small": ("I8", [2], [-128, 127]),
    "bytes": ("U8", [3], [0, 127, 255]),
    "mask": ("BOOL", [2, 2], [True, False, False, True]),
}
METADATA = {"format": "pt"}


def main():
    names = sorted(TENSORS, key=lambda n: (-RANK[TENSORS[n][0]], n))
    header = {"__metadata__": METADATA}
    data = b""
    for n in names:
        dtype, shape, values = TENSORS[n]
        buf = pack(dtype, values)
        header[n] = {"dtype": dtype, "shape": shape,
                     "data_offsets": [len(data), len(data) + len(buf)]}
        data += buf
    h = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open("golden.safetensors", "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + data)


if __name__ == "__main__":
    main()
