/*
 * softmax_avx512.c -- softmax along a strided axis, AVX-512 (the AVX2 file's
 * twin with 16 lanes and mask registers; see softmax_avx2.c for the passes).
 *
 * Numerics: bd_exp512 (~2 ulp) of max(x - m, -87); float sum (~1e-6 relative).
 */
#include "kernels/x86_avx512/kernels_avx512.h"
#include "kernels/x86_avx512/simd_avx512.h"

BD_INLINE __m512 exp_shifted(__m512 x, __m512 m) {
    return bd_exp512(_mm512_max_ps(_mm512_sub_ps(x, m), _mm512_set1_ps(-87.0f)));
}

static void rows(const float *x, float *y, size_t outer, size_t n) {
    for (size_t o = 0; o < outer; o++) {
        const float *xr = x + o * n;
        float *yr = y + o * n;
        __m512 vm = _mm512_set1_ps(-INFINITY);
        size_t i = 0;
        for (; i + 16 <= n; i += 16) vm = _mm512_max_ps(vm, _mm512_loadu_ps(xr + i));
        if (i < n) {
            const __mmask16 k = bd_mask16((int)(n - i));
            vm = _mm512_mask_max_ps(vm, k, vm, _mm512_maskz_loadu_ps(k, xr + i));
        }
        const __m512 mv = _mm512_set1_ps(_mm512_reduce_max_ps(vm));
        __m512 vs = _mm512_setzero_ps();
        for (i = 0; i + 16 <= n; i += 16) {
            __m512 e = exp_shifted(_mm512_loadu_ps(xr + i), mv);
            _mm512_storeu_ps(yr + i, e);
            vs = _mm512_add_ps(vs, e);
        }
        if (i < n) {
            const __mmask16 k = bd_mask16((int)(n - i));
            __m512 e = exp_shifted(_mm512_maskz_loadu_ps(k, xr + i), mv);
            _mm512_mask_storeu_ps(yr + i, k, e);
            vs = _mm512_mask_add_ps(vs, k, vs, e);
        }
        const __m512 r = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(vs));
        for (i = 0; i + 16 <= n; i += 16)
            _mm512_storeu_ps(yr + i, _mm512_mul_ps(_mm512_loadu_ps(yr + i), r));
        if (i < n) {
            const __mmask16 k = bd_mask16((int)(n - i));
            _mm512_mask_storeu_ps(yr + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, yr + i), r));
        }
    }
}

BD_INLINE void columns(const float *x, float *y, size_t n, size_t inner, size_t j, __mmask16 k) {
    __m512 m = _mm512_set1_ps(-INFINITY);
    for (size_t i = 0; i < n; i++) m = _mm512_max_ps(m, _mm512_maskz_loadu_ps(k, x + i * inner + j));
    __m512 s = _mm512_setzero_ps();
    for (size_t i = 0; i < n; i++) {
        __m512 e = exp_shifted(_mm512_maskz_loadu_ps(k, x + i * inner + j), m);
        _mm512_mask_storeu_ps(y + i * inner + j, k, e);
        s = _mm512_add_ps(s, e);
    }
    const __m512 r = _mm512_div_ps(_mm512_set1_ps(1.0f), s);
    for (size_t i = 0; i < n; i++)
        _mm512_mask_storeu_ps(y + i * inner + j, k,
                              _mm512_mul_ps(_mm512_maskz_loadu_ps(k, y + i * inner + j), r));
}

void bd_f32_softmax_avx512(const float *x, float *y, size_t outer, size_t n, size_t inner) {
    if (inner == 1) {
        rows(x, y, outer, n);
        return;
    }
    for (size_t o = 0; o < outer; o++) {
        const float *xo = x + o * n * inner;
        float *yo = y + o * n * inner;
        size_t j = 0;
        for (; j + 16 <= inner; j += 16) columns(xo, yo, n, inner, j, (__mmask16)0xFFFF);
        if (j < inner) columns(xo, yo, n, inner, j, bd_mask16((int)(inner - j)));
    }
}
