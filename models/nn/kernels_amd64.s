// Code written for hftrain: AVX2+FMA kernels of the exact GELU, its
// derivative, softmax's exponentials, dropout masks, layer norm and small
// reductions, 8 float32 lanes at a time. The constants and the order of
// operations follow geluForwardGo and geluBackwardGo in mathf.go (same
// rational erf, same exp reduction), with fused multiply-adds.

//go:build amd64 && !purego

#include "textflag.h"

// CONST8 defines name<> as 8 copies of one 32-bit value: a full vector the
// instructions can take as a memory operand.
#define CONST8(name, bits) \
	DATA name<>+0(SB)/4, bits; DATA name<>+4(SB)/4, bits \
	DATA name<>+8(SB)/4, bits; DATA name<>+12(SB)/4, bits \
	DATA name<>+16(SB)/4, bits; DATA name<>+20(SB)/4, bits \
	DATA name<>+24(SB)/4, bits; DATA name<>+28(SB)/4, bits \
	GLOBL name<>(SB), RODATA|NOPTR, $32

CONST8(invSqrt2, $0x3f3504f3)
CONST8(four, $0x40800000)
CONST8(mfour, $0xc0800000)
CONST8(half, $0x3f000000)
CONST8(mhalf, $0xbf000000)
CONST8(erfP6, $0xaf95df0b)
CONST8(erfP5, $0x32edffee)
CONST8(erfP4, $0xb60cff51)
CONST8(erfP3, $0xb86ec2d2)
CONST8(erfP2, $0xba40ac63)
CONST8(erfP1, $0xbb41a1f6)
CONST8(erfP0, $0xbc83dbd4)
CONST8(erfQ4, $0xb77460cd)
CONST8(erfQ3, $0xb95fbd29)
CONST8(erfQ2, $0xbadc924e)
CONST8(erfQ1, $0xbbf19bf8)
CONST8(erfQ0, $0xbc69b6a7)
CONST8(expLo, $0xc2aeac4f)
CONST8(log2e, $0x3fb8aa3b)
CONST8(ln2hi, $0x3f318000)
CONST8(ln2lo, $0xb95e8083)
CONST8(expC5, $0x39506967)
CONST8(expC4, $0x3ab743ce)
CONST8(expC3, $0x3c088908)
CONST8(expC2, $0x3d2aa9c1)
CONST8(expC1, $0x3e2aaaaa)
CONST8(expC0, $0x3f000000)
CONST8(one, $0x3f800000)
CONST8(invSqrt2Pi, $0x3ecc422a)
CONST8(bias127, $127)

// func geluFwdAVX2(y, x *float32, n int)
// y[i] = 0.5·x·(1 + erf(x/√2)) for i < n; n is a multiple of 8.
TEXT ·geluFwdAVX2(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   fwddone

fwdloop:
	VMOVUPS (SI), Y0
	// t = clamp(x/√2, -4, 4); Y3 = erf(t) = t·P(t²)/Q(t²)
	VMULPS invSqrt2<>(SB), Y0, Y1
	VMAXPS mfour<>(SB), Y1, Y1
	VMINPS four<>(SB), Y1, Y1
	VMULPS Y1, Y1, Y2
	VMOVUPS erfP6<>(SB), Y3
	VFMADD213PS erfP5<>(SB), Y2, Y3
	VFMADD213PS erfP4<>(SB), Y2, Y3
	VFMADD213PS erfP3<>(SB), Y2, Y3
	VFMADD213PS erfP2<>(SB), Y2, Y3
	VFMADD213PS erfP1<>(SB), Y2, Y3
	VFMADD213PS erfP0<>(SB), Y2, Y3
	VMULPS Y1, Y3, Y3
	VMOVUPS erfQ4<>(SB), Y4
	VFMADD213PS erfQ3<>(SB), Y2, Y4
	VFMADD213PS erfQ2<>(SB), Y2, Y4
	VFMADD213PS erfQ1<>(SB), Y2, Y4
	VFMADD213PS erfQ0<>(SB), Y2, Y4
	VDIVPS Y4, Y3, Y3
	// y = 0.5x + 0.5x·erf
	VMULPS half<>(SB), Y0, Y5
	VFMADD213PS Y5, Y5, Y3
	VMOVUPS Y3, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  fwdloop

fwddone:
	VZEROUPPER
	RET

// func geluBwdAVX2(d, x, dy *float32, n int)
// d[i] = dy·(Φ(x) + x·φ(x)) for i < n; n is a multiple of 8.
TEXT ·geluBwdAVX2(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ dy+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ   bwddone

bwdloop:
	VMOVUPS (SI), Y0
	// t = clamp(x/√2, -4, 4); Y3 = erf(t) = t·P(t²)/Q(t²)
	VMULPS invSqrt2<>(SB), Y0, Y1
	VMAXPS mfour<>(SB), Y1, Y1
	VMINPS four<>(SB), Y1, Y1
	VMULPS Y1, Y1, Y2
	VMOVUPS erfP6<>(SB), Y3
	VFMADD213PS erfP5<>(SB), Y2, Y3
	VFMADD213PS erfP4<>(SB), Y2, Y3
	VFMADD213PS erfP3<>(SB), Y2, Y3
	VFMADD213PS erfP2<>(SB), Y2, Y3
	VFMADD213PS erfP1<>(SB), Y2, Y3
	VFMADD213PS erfP0<>(SB), Y2, Y3
	VMULPS Y1, Y3, Y3
	VMOVUPS erfQ4<>(SB), Y4
	VFMADD213PS erfQ3<>(SB), Y2, Y4
	VFMADD213PS erfQ2<>(SB), Y2, Y4
	VFMADD213PS erfQ1<>(SB), Y2, Y4
	VFMADD213PS erfQ0<>(SB), Y2, Y4
	VDIVPS Y4, Y3, Y3
	// Y3 = Φ(x) = 0.5 + 0.5·erf
	VMULPS half<>(SB), Y3, Y3
	VADDPS half<>(SB), Y3, Y3
	// a = max(-x²/2, -87.34); n = round(a·log2e); r = a - n·ln2
	VMULPS Y0, Y0, Y6
	VMULPS mhalf<>(SB), Y6, Y6
	VMAXPS expLo<>(SB), Y6, Y6
	VMULPS log2e<>(SB), Y6, Y7
	VCVTPS2DQ Y7, Y8
	VCVTDQ2PS Y8, Y7
	VFNMADD231PS ln2hi<>(SB), Y7, Y6
	VFNMADD231PS ln2lo<>(SB), Y7, Y6
	// e^r = ((P(r)·r + 1)·r + 1)
	VMOVUPS expC5<>(SB), Y9
	VFMADD213PS expC4<>(SB), Y6, Y9
	VFMADD213PS expC3<>(SB), Y6, Y9
	VFMADD213PS expC2<>(SB), Y6, Y9
	VFMADD213PS expC1<>(SB), Y6, Y9
	VFMADD213PS expC0<>(SB), Y6, Y9
	VFMADD213PS one<>(SB), Y6, Y9
	VFMADD213PS one<>(SB), Y6, Y9
	// 2^n from the exponent bits, then φ(x) = e^a/√(2π)
	VPADDD bias127<>(SB), Y8, Y8
	VPSLLD $23, Y8, Y8
	VMULPS Y8, Y9, Y9
	VMULPS invSqrt2Pi<>(SB), Y9, Y9
	// d = dy·(Φ + x·φ)
	VFMADD213PS Y3, Y0, Y9
	VMULPS (DX), Y9, Y9
	VMOVUPS Y9, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNZ  bwdloop

bwddone:
	VZEROUPPER
	RET

// func expSubSumAVX2(dst, src *float32, n int, m float32) float32
// dst[i] = exp(src[i] - m) for i < n (0 below the float32 normal range),
// returning their sum; src[i] ≤ m is expected; n is a multiple of 8.
TEXT ·expSubSumAVX2(SB), NOSPLIT, $0-36
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS m+24(FP), Y11
	VXORPS Y12, Y12, Y12
	SHRQ $3, CX
	JZ   expdone

exploop:
	VMOVUPS (SI), Y6
	VSUBPS Y11, Y6, Y6
	// Y10 = lanes below the normal range; a = max(a, -87.34)
	VCMPPS $1, expLo<>(SB), Y6, Y10
	VMAXPS expLo<>(SB), Y6, Y6
	VMULPS log2e<>(SB), Y6, Y7
	VCVTPS2DQ Y7, Y8
	VCVTDQ2PS Y8, Y7
	VFNMADD231PS ln2hi<>(SB), Y7, Y6
	VFNMADD231PS ln2lo<>(SB), Y7, Y6
	VMOVUPS expC5<>(SB), Y9
	VFMADD213PS expC4<>(SB), Y6, Y9
	VFMADD213PS expC3<>(SB), Y6, Y9
	VFMADD213PS expC2<>(SB), Y6, Y9
	VFMADD213PS expC1<>(SB), Y6, Y9
	VFMADD213PS expC0<>(SB), Y6, Y9
	VFMADD213PS one<>(SB), Y6, Y9
	VFMADD213PS one<>(SB), Y6, Y9
	VPADDD bias127<>(SB), Y8, Y8
	VPSLLD $23, Y8, Y8
	VMULPS Y8, Y9, Y9
	VANDNPS Y9, Y10, Y9
	VADDPS Y9, Y12, Y12
	VMOVUPS Y9, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  exploop

expdone:
	VEXTRACTF128 $1, Y12, X13
	VADDPS X13, X12, X12
	VHADDPS X12, X12, X12
	VHADDPS X12, X12, X12
	VZEROUPPER
	MOVSS X12, ret+32(FP)
	RET

// func maskMulAVX2(dst, src *float32, mask *uint8, n int, scale float32)
// dst[i] = src[i]·scale·mask[i] for i < n (mask bytes are 0 or 1); n is a
// multiple of 8.
TEXT ·maskMulAVX2(SB), NOSPLIT, $0-36
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ mask+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS scale+32(FP), Y11
	SHRQ $3, CX
	JZ   maskdone

maskloop:
	VPMOVZXBD (DX), Y1
	VCVTDQ2PS Y1, Y1
	VMULPS Y11, Y1, Y1
	VMULPS (SI), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $8, DX
	DECQ CX
	JNZ  maskloop

maskdone:
	VZEROUPPER
	RET

// func sumAVX2(x *float32, n int) float32
TEXT ·sumAVX2(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	SHRQ $3, CX
	JZ   sumdone

sumloop:
	VADDPS (SI), Y0, Y0
	ADDQ $32, SI
	DECQ CX
	JZ   sumdone
	VADDPS (SI), Y1, Y1
	ADDQ $32, SI
	DECQ CX
	JNZ  sumloop

sumdone:
	VADDPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VZEROUPPER
	MOVSS X0, ret+16(FP)
	RET

// func sumSqDevAVX2(x *float32, n int, m float32) float32
TEXT ·sumSqDevAVX2(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS m+16(FP), Y2
	VXORPS Y0, Y0, Y0
	SHRQ $3, CX
	JZ   ssddone

ssdloop:
	VMOVUPS (SI), Y1
	VSUBPS Y2, Y1, Y1
	VFMADD231PS Y1, Y1, Y0
	ADDQ $32, SI
	DECQ CX
	JNZ  ssdloop

ssddone:
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func dotAVX2(a, b *float32, n int) float32
TEXT ·dotAVX2(SB), NOSPLIT, $0-28
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DX
	MOVQ n+16(FP), CX
	VXORPS Y0, Y0, Y0
	SHRQ $3, CX
	JZ   dotdone

dotloop:
	VMOVUPS (SI), Y1
	VFMADD231PS (DX), Y1, Y0
	ADDQ $32, SI
	ADDQ $32, DX
	DECQ CX
	JNZ  dotloop

dotdone:
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func addAVX2(y, a, b *float32, n int)
TEXT ·addAVX2(SB), NOSPLIT, $0-32
	MOVQ y+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ   adddone

addloop:
	VMOVUPS (SI), Y0
	VADDPS (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNZ  addloop

adddone:
	VZEROUPPER
	RET

// func normAffineAVX2(y, x, gamma, beta *float32, n int, mean, rstd float32)
// y = (x - mean)·rstd·gamma + beta
TEXT ·normAffineAVX2(SB), NOSPLIT, $0-48
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ gamma+16(FP), R8
	MOVQ beta+24(FP), R9
	MOVQ n+32(FP), CX
	VBROADCASTSS mean+40(FP), Y1
	VBROADCASTSS rstd+44(FP), Y2
	SHRQ $3, CX
	JZ   nadone

naloop:
	VMOVUPS (SI), Y0
	VSUBPS Y1, Y0, Y0
	VMULPS Y2, Y0, Y0
	VMOVUPS (R8), Y3
	VFMADD213PS (R9), Y3, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, R8
	ADDQ $32, R9
	DECQ CX
	JNZ  naloop

nadone:
	VZEROUPPER
	RET

// func lnBackward1AVX2(xhat, x, dy, gamma, dgamma, dbeta *float32, n int, mean, rstd float32) (sg, sgx float32)
// xhat = (x - mean)·rstd; dgamma += dy·xhat; dbeta += dy; returns Σ dy·γ, Σ dy·γ·xhat
TEXT ·lnBackward1AVX2(SB), NOSPLIT, $0-72
	MOVQ xhat+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ dy+16(FP), DX
	MOVQ gamma+24(FP), R8
	MOVQ dgamma+32(FP), R9
	MOVQ dbeta+40(FP), R10
	MOVQ n+48(FP), CX
	VBROADCASTSS mean+56(FP), Y10
	VBROADCASTSS rstd+60(FP), Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	SHRQ $3, CX
	JZ   lb1done

lb1loop:
	VMOVUPS (SI), Y0
	VSUBPS Y10, Y0, Y0
	VMULPS Y11, Y0, Y0
	VMOVUPS Y0, (DI)
	VMOVUPS (DX), Y1
	VMOVUPS (R9), Y2
	VFMADD231PS Y0, Y1, Y2
	VMOVUPS Y2, (R9)
	VADDPS (R10), Y1, Y3
	VMOVUPS Y3, (R10)
	VMULPS (R8), Y1, Y4
	VADDPS Y4, Y12, Y12
	VFMADD231PS Y0, Y4, Y13
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, R8
	ADDQ $32, R9
	ADDQ $32, R10
	DECQ CX
	JNZ  lb1loop

lb1done:
	VEXTRACTF128 $1, Y12, X0
	VADDPS X0, X12, X12
	VHADDPS X12, X12, X12
	VHADDPS X12, X12, X12
	VEXTRACTF128 $1, Y13, X1
	VADDPS X1, X13, X13
	VHADDPS X13, X13, X13
	VHADDPS X13, X13, X13
	VZEROUPPER
	MOVSS X12, sg+64(FP)
	MOVSS X13, sgx+68(FP)
	RET

// func lnBackward2AVX2(dx, xhat, dy, gamma *float32, n int, mg, mgx, rstd float32)
// dx = (dy·γ - mg - xhat·mgx)·rstd
TEXT ·lnBackward2AVX2(SB), NOSPLIT, $0-52
	MOVQ dx+0(FP), DI
	MOVQ xhat+8(FP), SI
	MOVQ dy+16(FP), DX
	MOVQ gamma+24(FP), R8
	MOVQ n+32(FP), CX
	VBROADCASTSS mg+40(FP), Y10
	VBROADCASTSS mgx+44(FP), Y11
	VBROADCASTSS rstd+48(FP), Y12
	SHRQ $3, CX
	JZ   lb2done

lb2loop:
	VMOVUPS (DX), Y1
	VMULPS (R8), Y1, Y1
	VSUBPS Y10, Y1, Y1
	VMOVUPS (SI), Y0
	VFNMADD231PS Y11, Y0, Y1
	VMULPS Y12, Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, R8
	DECQ CX
	JNZ  lb2loop

lb2done:
	VZEROUPPER
	RET
