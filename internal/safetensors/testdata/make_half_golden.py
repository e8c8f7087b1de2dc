#!/usr/bin/env python3
"""Writes half_golden.bin: PyTorch's float32 -> float16/bfloat16 conversions,
an independent reference for Float32ToF16Bits / Float32ToBF16Bits /
F16BitsToFloat32.

Layout (all little-endian):
  32 bytes  sha256 of the float32 bit patterns (u32 each) that PyTorch gives
            for all 65536 float16 bit patterns 0x0000..0xFFFF, in order, with
            every NaN replaced by 0x7FC00000
  then records of 8 bytes: u32 float32 input bits, u16 torch float16 bits,
            u16 torch bfloat16 bits

Inputs: hand-picked edge cases, then pseudo-random bit patterns from a fixed
LCG: uniform over all 2^32 patterns (NaN, Inf, subnormals included), exact
float16 and bfloat16 rounding ties, and values in the float16 subnormal range.

Needs PyTorch (Debian python3-torch). Run from this directory:
  /usr/bin/python3 make_half_golden.py
"""
import hashlib
import struct

import torch

EDGE = [
    0x00000000, 0x80000000, 0x3F800000, 0xC0200000, 0x477FE000, 0x477FF000,
    0x477FEFFF, 0x47800000, 0x7F7FFFFF, 0xFF7FFFFF, 0x7F800000, 0xFF800000,
    0x7FC00000, 0xFFC00000, 0x7F800001, 0x33800000, 0x33000000, 0x33000001,
    0x32FFFFFF, 0x387FC000, 0x387FE000, 0x38800000, 0x00000001, 0x807FFFFF,
    0x3F801000, 0x3F803000, 0x3F808000, 0x3F818000, 0x3F7FFFFF, 0x40490FDB,
]


def lcg(seed):
    while True:
        seed = (seed * 6364136223846793005 + 1442695040888963407) % 2 ** 64
        yield seed >> 32


def inputs():
    out = list(EDGE)
    r = lcg(20240611)
    out += [next(r) for _ in range(2000)]
    # float16 ties: low 13 mantissa bits exactly 0x1000, normal f16 range
    for _ in range(500):
        exp = 113 + next(r) % 30
        out.append((next(r) & 0x80000000) | exp << 23 | (next(r) & 0x7FE000) | 0x1000)
    # bfloat16 ties: low 16 bits exactly 0x8000
    for _ in range(500):
        out.append((next(r) & 0xFFFF0000) | 0x8000)
    # float16 subnormal range, 2^-26 .. 2^-14
    for _ in range(1000):
        exp = 101 + next(r) % 13
        out.append((next(r) & 0x80000000) | exp << 23 | (next(r) & 0x7FFFFF))
    return out


def main():
    bits = inputs()
    f32 = torch.tensor(bits, dtype=torch.int64).to(torch.int32).view(torch.float32)
    h = f32.to(torch.float16).view(torch.int16).tolist()
    b = f32.to(torch.bfloat16).view(torch.int16).tolist()

    table = torch.arange(65536, dtype=torch.int32).to(torch.int16).view(torch.float16)
    t32 = table.to(torch.float32)
    tb = t32.view(torch.int32).tolist()
    nan = torch.isnan(t32).tolist()
    digest = hashlib.sha256(b"".join(
        struct.pack("<I", 0x7FC00000 if n else v & 0xFFFFFFFF) for v, n in zip(tb, nan)
    )).digest()

    with open("half_golden.bin", "wb") as f:
        f.write(digest)
        for x, hv, bv in zip(bits, h, b):
            f.write(struct.pack("<IHH", x & 0xFFFFFFFF, hv & 0xFFFF, bv & 0xFFFF))


if __name__ == "__main__":
    main()
