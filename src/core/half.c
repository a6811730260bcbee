/*
 * half.c -- float -> IEEE half rounding (the inverse, bd_f16_to_f32, is in
 * memory.c). Used once per weight at compile time by the FP16 packers, so it is
 * plain portable C; the kernels only widen (exactly) with F16C. Also float ->
 * bfloat16 (the BF16 mode's weights at compile time, and the reference for the
 * kernels' activation conversion).
 */
#include <string.h>

#include "core/core.h"

uint16_t bd_f32_to_f16(float f) {
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    const uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    const uint32_t ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u) /* inf, or NaN (quiet, top payload bits kept) */
        return (uint16_t)(sign | 0x7c00u | (ax > 0x7f800000u ? 0x200u | ((ax >> 13) & 0x3ffu) : 0));
    if (ax >= 0x477ff000u) /* >= 65520 = max half + half an ulp: rounds to inf */
        return (uint16_t)(sign | 0x7c00u);
    if (ax < 0x33000001u) /* <= 2^-25 (half the smallest subnormal): ties to even 0 */
        return sign;
    const int e = (int)(ax >> 23) - 127; /* unbiased exponent, -25 .. 15 */
    uint32_t mant = (ax & 0x7fffffu) | 0x800000u; /* 24 bits with the implicit one */
    /* Normal half: keep 11 bits (drop 13). Subnormal (e < -14): the value is
     * mant * 2^(e-23) in units of 2^-24, i.e. drop 13 + (-14 - e) bits. */
    const int shift = e >= -14 ? 13 : 13 + (-14 - e);
    const uint32_t kept = mant >> shift, rest = mant & ((1u << shift) - 1u);
    const uint32_t halfway = 1u << (shift - 1);
    uint32_t r = kept + (rest > halfway || (rest == halfway && (kept & 1u)));
    /* Assemble: for normals the implicit bit (0x400) adds one to the exponent
     * field, so the biased exponent is e + 14; a mantissa carry out of 11 bits
     * moves into the exponent by the same addition (and 0x3ff+1 subnormal
     * becomes the smallest normal). */
    uint32_t h = e >= -14 ? ((uint32_t)(e + 14) << 10) + r : r;
    return (uint16_t)(sign | h);
}

uint16_t bd_f32_to_bf16(float f) {
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    const uint32_t ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) /* NaN: quiet, sign and top payload bits kept */
        return (uint16_t)((x >> 16) | 0x40u);
    if (ax < 0x00800000u) /* zero or subnormal: +-0 (vcvtne2ps2bf16 is DAZ) */
        return (uint16_t)((x >> 16) & 0x8000u);
    /* Round to nearest even on the dropped 16 bits; a carry moves into the
     * exponent (and the largest finite values round up to inf). */
    return (uint16_t)((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}
