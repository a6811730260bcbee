/*
 * simd_avx512.h -- helpers shared by the AVX-512 kernels (included only by files
 * in this directory, which are compiled with the AVX-512 flags).
 */
#ifndef BD_SIMD_AVX512_H
#define BD_SIMD_AVX512_H

#include <immintrin.h>

#include "kernels/kernels.h"

#define BD_INLINE static inline __attribute__((always_inline))

/* Mask of the first n (0..16) lanes. */
BD_INLINE __mmask16 bd_mask16(int n) {
    return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n < 0 ? 0 : n)) - 1u);
}

/* exp(x) for x already clamped to [-88, 88] (NaN passes through as NaN).
 * Cody-Waite range reduction x = n ln2 + r, |r| <= ln2/2, degree-6 polynomial
 * (max rel. error ~2 ulp), then scalef by 2^n (handles subnormal results). */
BD_INLINE __m512 bd_exp512(__m512 x) {
    const __m512 log2e = _mm512_set1_ps(1.44269504088896341f);
    const __m512 ln2_hi = _mm512_set1_ps(0.693359375f);
    const __m512 ln2_lo = _mm512_set1_ps(-2.12194440e-4f);
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, log2e),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, ln2_hi, x);
    r = _mm512_fnmadd_ps(n, ln2_lo, r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    __m512 r2 = _mm512_mul_ps(r, r);
    p = _mm512_fmadd_ps(p, r2, r);
    p = _mm512_add_ps(p, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

/* sigmoid as bd_act_apply: the input is clamped to [-88, 88] first (NaN stays NaN;
 * vmaxps/vminps return the second operand when one is NaN, so x goes second). */
BD_INLINE __m512 bd_sigmoid512(__m512 x) {
    __m512 c = _mm512_min_ps(_mm512_set1_ps(88.0f), _mm512_max_ps(_mm512_set1_ps(-88.0f), x));
    __m512 e = bd_exp512(_mm512_sub_ps(_mm512_setzero_ps(), c));
    return _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_add_ps(_mm512_set1_ps(1.0f), e));
}

/* The epilogue activation, NaN behaviour as bd_act_apply: relu maps NaN to 0,
 * relu6/clamp/hardswish/sigmoid keep it. */
BD_INLINE __m512 bd_act512(__m512 v, const bd_act_params *p) {
    switch (p->act) {
    case BD_ACT_RELU: return _mm512_max_ps(v, _mm512_setzero_ps());
    case BD_ACT_RELU6:
        return _mm512_min_ps(_mm512_set1_ps(6.0f), _mm512_max_ps(_mm512_setzero_ps(), v));
    case BD_ACT_CLAMP:
        return _mm512_min_ps(_mm512_set1_ps(p->max), _mm512_max_ps(_mm512_set1_ps(p->min), v));
    case BD_ACT_HARDSWISH: {
        __m512 r = _mm512_add_ps(v, _mm512_set1_ps(3.0f));
        r = _mm512_min_ps(_mm512_set1_ps(6.0f), _mm512_max_ps(_mm512_setzero_ps(), r));
        return _mm512_mul_ps(_mm512_mul_ps(v, r), _mm512_set1_ps(1.0f / 6.0f));
    }
    case BD_ACT_SIGMOID: return bd_sigmoid512(v);
    case BD_ACT_TANH: {
        float t[16];
        _mm512_storeu_ps(t, v);
        for (int i = 0; i < 16; i++) t[i] = tanhf(t[i]);
        return _mm512_loadu_ps(t);
    }
    default: return v;
    }
}

#endif
