/*
 * cmul_avx2.c -- y[p,k] = act(a[p,k] * g[k] (+ b[p,k])), AVX2. As cmul_avx512.c
 * with 8 channels per vector and a masked tail; bit-exact with the reference.
 */
#include "kernels/cmul.h"
#include "kernels/x86_avx2/simd_avx2.h"

void bd_f32_cmul_avx2(const float *a, const float *g, const float *b, float *y, size_t n_pix,
                      int c, const bd_act_params *p) {
    if (p->act == BD_ACT_TANH) {
        bd_f32_cmul_ref(a, g, b, y, n_pix, c, p);
        return;
    }
    for (size_t i = 0; i < n_pix; i++) {
        size_t o = i * (size_t)c;
        for (int k = 0; k < c; k += 8) {
            int n = c - k < 8 ? c - k : 8;
            __m256 v = _mm256_mul_ps(bd_load8(a + o + k, n), bd_load8(g + k, n));
            if (b) v = _mm256_add_ps(v, bd_load8(b + o + k, n));
            bd_store8(y + o + k, bd_act256(v, p), n);
        }
    }
}
