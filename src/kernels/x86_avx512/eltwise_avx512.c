/*
 * eltwise_avx512.c -- activations, add/mul with stride-0 broadcast, the global
 * mean, AVX-512. 4 vectors per iteration, then single vectors, then one masked
 * vector for the tail (masked loads never touch memory past the end).
 *
 * Numerics: relu/relu6/clamp/hardswish and add/mul are bit-exact with the
 * reference; sigmoid uses bd_exp512 (~3 ulp); mean_hw sums blocks of 256 pixels
 * in float and the block sums in double (~1e-7 relative).
 */
#include <string.h>

#include "kernels/scalar/pack_blocked.h"
#include "kernels/x86_avx512/kernels_avx512.h"
#include "kernels/x86_avx512/simd_avx512.h"

BD_INLINE void unary_loop(const float *x, float *y, size_t n, const bd_act_params *p) {
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m512 v0 = _mm512_loadu_ps(x + i), v1 = _mm512_loadu_ps(x + i + 16);
        __m512 v2 = _mm512_loadu_ps(x + i + 32), v3 = _mm512_loadu_ps(x + i + 48);
        _mm512_storeu_ps(y + i, bd_act512(v0, p));
        _mm512_storeu_ps(y + i + 16, bd_act512(v1, p));
        _mm512_storeu_ps(y + i + 32, bd_act512(v2, p));
        _mm512_storeu_ps(y + i + 48, bd_act512(v3, p));
    }
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, bd_act512(_mm512_loadu_ps(x + i), p));
    if (i < n) {
        __mmask16 m = bd_mask16((int)(n - i));
        _mm512_mask_storeu_ps(y + i, m, bd_act512(_mm512_maskz_loadu_ps(m, x + i), p));
    }
}

void bd_f32_unary_avx512(const float *x, float *y, size_t n, const bd_act_params *p) {
    /* One instantiation per activation so the switch leaves the loop. */
    bd_act_params q = *p;
    switch (p->act) {
    case BD_ACT_NONE:
        if (x != y) memmove(y, x, n * sizeof(float));
        return;
    case BD_ACT_RELU: q.act = BD_ACT_RELU; unary_loop(x, y, n, &q); return;
    case BD_ACT_RELU6: q.act = BD_ACT_RELU6; unary_loop(x, y, n, &q); return;
    case BD_ACT_CLAMP: q.act = BD_ACT_CLAMP; unary_loop(x, y, n, &q); return;
    case BD_ACT_HARDSWISH: q.act = BD_ACT_HARDSWISH; unary_loop(x, y, n, &q); return;
    case BD_ACT_SIGMOID: q.act = BD_ACT_SIGMOID; unary_loop(x, y, n, &q); return;
    default: bd_f32_unary_ref(x, y, n, p); return;
    }
}

/* y = act(a op b); sa, sb in {0, 1}. */
BD_INLINE __m512 ld(const float *a, size_t sa, size_t i, __mmask16 m) {
    return sa ? _mm512_maskz_loadu_ps(m, a + i) : _mm512_set1_ps(a[0]);
}

BD_INLINE void binary_loop(const int is_mul, const float *a, size_t sa, const float *b,
                           size_t sb, float *y, size_t n, const bd_act_params *p) {
    size_t i = 0;
    const __mmask16 all = 0xFFFF;
    for (; i + 32 <= n; i += 32) {
        __m512 a0 = ld(a, sa, i, all), a1 = ld(a, sa, i + 16, all);
        __m512 b0 = ld(b, sb, i, all), b1 = ld(b, sb, i + 16, all);
        __m512 r0 = is_mul ? _mm512_mul_ps(a0, b0) : _mm512_add_ps(a0, b0);
        __m512 r1 = is_mul ? _mm512_mul_ps(a1, b1) : _mm512_add_ps(a1, b1);
        _mm512_storeu_ps(y + i, bd_act512(r0, p));
        _mm512_storeu_ps(y + i + 16, bd_act512(r1, p));
    }
    for (; i < n; i += 16) {
        __mmask16 m = bd_mask16(n - i < 16 ? (int)(n - i) : 16);
        __m512 a0 = ld(a, sa, i, m), b0 = ld(b, sb, i, m);
        __m512 r0 = is_mul ? _mm512_mul_ps(a0, b0) : _mm512_add_ps(a0, b0);
        _mm512_mask_storeu_ps(y + i, m, bd_act512(r0, p));
    }
}

BD_INLINE void binary_act(const int is_mul, const float *a, size_t sa, const float *b,
                          size_t sb, float *y, size_t n, const bd_act_params *p) {
    if (p->act == BD_ACT_NONE) {
        bd_act_params q = *p;
        if (sa && sb) binary_loop(is_mul, a, 1, b, 1, y, n, &q);
        else if (sa) binary_loop(is_mul, a, 1, b, 0, y, n, &q);
        else if (sb) binary_loop(is_mul, a, 0, b, 1, y, n, &q);
        else binary_loop(is_mul, a, 0, b, 0, y, n, &q);
    } else {
        binary_loop(is_mul, a, sa, b, sb, y, n, p);
    }
}

BD_INLINE void binary(const int is_mul, const float *a, size_t sa, const float *b, size_t sb,
                      float *y, size_t n, const bd_act_params *p) {
    if (p->act == BD_ACT_TANH) { /* as NONE, then tanh */
        bd_act_params q = *p;
        q.act = BD_ACT_NONE;
        binary_act(is_mul, a, sa, b, sb, y, n, &q);
        bd_tanh_inplace(y, n);
        return;
    }
    binary_act(is_mul, a, sa, b, sb, y, n, p);
}

void bd_f32_add_avx512(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                       const bd_act_params *p) {
    binary(0, a, sa, b, sb, y, n, p);
}

void bd_f32_mul_avx512(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                       const bd_act_params *p) {
    binary(1, a, sa, b, sb, y, n, p);
}

/* Mean over n_hw pixels of c channels: per 16 channels, blocks of 256 pixels are
 * summed in float (4 accumulators), each block sum is added in double. */
void bd_f32_mean_hw_avx512(const float *restrict in, float *restrict out, size_t n_hw, int c) {
    const size_t C = (size_t)c;
    for (size_t ch = 0; ch < C; ch += 16) {
        const __mmask16 m = bd_mask16(C - ch < 16 ? (int)(C - ch) : 16);
        __m512d lo = _mm512_setzero_pd(), hi = _mm512_setzero_pd();
        for (size_t i0 = 0; i0 < n_hw; i0 += 256) {
            const size_t i1 = n_hw - i0 < 256 ? n_hw : i0 + 256;
            __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
            const float *q = in + i0 * C + ch;
            size_t i = i0;
            for (; i + 4 <= i1; i += 4, q += 4 * C) {
                s0 = _mm512_add_ps(s0, _mm512_maskz_loadu_ps(m, q));
                s1 = _mm512_add_ps(s1, _mm512_maskz_loadu_ps(m, q + C));
                s2 = _mm512_add_ps(s2, _mm512_maskz_loadu_ps(m, q + 2 * C));
                s3 = _mm512_add_ps(s3, _mm512_maskz_loadu_ps(m, q + 3 * C));
            }
            for (; i < i1; i++, q += C) s0 = _mm512_add_ps(s0, _mm512_maskz_loadu_ps(m, q));
            __m512 s = _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3));
            lo = _mm512_add_pd(lo, _mm512_cvtps_pd(_mm512_castps512_ps256(s)));
            hi = _mm512_add_pd(hi, _mm512_cvtps_pd(_mm256_castpd_ps(
                                       _mm512_extractf64x4_pd(_mm512_castps_pd(s), 1))));
        }
        const __m512d nd = _mm512_set1_pd((double)n_hw);
        __m256 rlo = _mm512_cvtpd_ps(_mm512_div_pd(lo, nd));
        __m256 rhi = _mm512_cvtpd_ps(_mm512_div_pd(hi, nd));
        __m512 r = _mm512_insertf32x8(_mm512_castps256_ps512(rlo), rhi, 1);
        _mm512_mask_storeu_ps(out + ch, m, r);
    }
}
