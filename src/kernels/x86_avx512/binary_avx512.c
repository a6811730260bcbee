/*
 * binary_avx512.c -- subtract, divide and PRelu with stride-0 broadcast,
 * AVX-512. Bit-exact with the reference (one IEEE operation per element).
 * Tails use masked loads/stores.
 */
#include "kernels/x86_avx512/kernels_avx512.h"
#include "kernels/x86_avx512/simd_avx512.h"

enum { OP_SUB, OP_DIV, OP_PRELU };

BD_INLINE __m512 ld(const float *a, size_t sa, size_t i, __mmask16 m) {
    return sa ? _mm512_maskz_loadu_ps(m, a + i) : _mm512_set1_ps(a[0]);
}

BD_INLINE __m512 apply(const int op, __m512 a, __m512 b) {
    switch (op) {
    case OP_SUB: return _mm512_sub_ps(a, b);
    case OP_DIV: return _mm512_div_ps(a, b);
    default: { /* a < 0 ? a * b : a */
        __mmask16 neg = _mm512_cmp_ps_mask(a, _mm512_setzero_ps(), _CMP_LT_OQ);
        return _mm512_mask_mul_ps(a, neg, a, b);
    }
    }
}

BD_INLINE void loop(const int op, const float *a, size_t sa, const float *b, size_t sb, float *y,
                    size_t n, const bd_act_params *p) {
    size_t i = 0;
    const __mmask16 all = (__mmask16)0xFFFF;
    for (; i + 32 <= n; i += 32) {
        __m512 r0 = apply(op, ld(a, sa, i, all), ld(b, sb, i, all));
        __m512 r1 = apply(op, ld(a, sa, i + 16, all), ld(b, sb, i + 16, all));
        _mm512_storeu_ps(y + i, bd_act512(r0, p));
        _mm512_storeu_ps(y + i + 16, bd_act512(r1, p));
    }
    for (; i < n; i += 16) {
        const __mmask16 m = bd_mask16(n - i < 16 ? (int)(n - i) : 16);
        /* masked-off lanes of a division are 0/0: computed, never stored */
        _mm512_mask_storeu_ps(y + i, m, bd_act512(apply(op, ld(a, sa, i, m), ld(b, sb, i, m)), p));
    }
}

BD_INLINE void dispatch(const int op, const float *a, size_t sa, const float *b, size_t sb,
                        float *y, size_t n, const bd_act_params *p) {
    if (sa && sb) loop(op, a, 1, b, 1, y, n, p);
    else if (sa) loop(op, a, 1, b, 0, y, n, p);
    else if (sb) loop(op, a, 0, b, 1, y, n, p);
    else loop(op, a, 0, b, 0, y, n, p);
}

void bd_f32_sub_avx512(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                       const bd_act_params *p) {
    dispatch(OP_SUB, a, sa, b, sb, y, n, p);
}

void bd_f32_div_avx512(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                       const bd_act_params *p) {
    dispatch(OP_DIV, a, sa, b, sb, y, n, p);
}

void bd_f32_prelu_avx512(const float *a, size_t sa, const float *b, size_t sb, float *y,
                         size_t n, const bd_act_params *p) {
    dispatch(OP_PRELU, a, sa, b, sb, y, n, p);
}
