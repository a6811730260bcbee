/*
 * cmul_avx512.c -- y[p,k] = act(a[p,k] * g[k] (+ b[p,k])), AVX-512.
 * One pixel row at a time, 16 channels per vector, the channel tail masked (masked
 * loads never touch memory past a row). Mul and add are separate instructions, so
 * the result is bit-exact with bd_f32_cmul_ref.
 */
#include "kernels/cmul.h"
#include "kernels/x86_avx512/simd_avx512.h"

BD_INLINE void row(const float *a, const float *g, const float *b, float *y, int c,
                   const bd_act_params *p) {
    int k = 0;
    for (; k + 16 <= c; k += 16) {
        __m512 v = _mm512_mul_ps(_mm512_loadu_ps(a + k), _mm512_loadu_ps(g + k));
        if (b) v = _mm512_add_ps(v, _mm512_loadu_ps(b + k));
        _mm512_storeu_ps(y + k, bd_act512(v, p));
    }
    if (k < c) {
        __mmask16 m = bd_mask16(c - k);
        __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, a + k), _mm512_maskz_loadu_ps(m, g + k));
        if (b) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, b + k));
        _mm512_mask_storeu_ps(y + k, m, bd_act512(v, p));
    }
}

void bd_f32_cmul_avx512(const float *a, const float *g, const float *b, float *y, size_t n_pix,
                        int c, const bd_act_params *p) {
    if (p->act == BD_ACT_TANH) {
        bd_f32_cmul_ref(a, g, b, y, n_pix, c, p);
        return;
    }
    for (size_t i = 0; i < n_pix; i++) {
        size_t o = i * (size_t)c;
        row(a + o, g, b ? b + o : NULL, y + o, c, p);
    }
}
