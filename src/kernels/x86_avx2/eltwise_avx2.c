/*
 * eltwise_avx2.c -- activations, add/mul with stride-0 broadcast, the global
 * mean, AVX2 + FMA. 4 vectors per iteration, then single vectors, then one
 * vmaskmovps vector for the tail (never touching memory past the end).
 *
 * Numerics: relu/relu6/clamp/hardswish and add/mul are bit-exact with the
 * reference; sigmoid uses bd_exp256 (~3 ulp); mean_hw sums blocks of 256 pixels
 * in float and the block sums in double (~1e-7 relative).
 */
#include <string.h>

#include "kernels/scalar/pack_blocked.h"
#include "kernels/x86_avx2/kernels_avx2.h"
#include "kernels/x86_avx2/simd_avx2.h"

BD_INLINE void unary_loop(const float *x, float *y, size_t n, const bd_act_params *p) {
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8);
        __m256 v2 = _mm256_loadu_ps(x + i + 16), v3 = _mm256_loadu_ps(x + i + 24);
        _mm256_storeu_ps(y + i, bd_act256(v0, p));
        _mm256_storeu_ps(y + i + 8, bd_act256(v1, p));
        _mm256_storeu_ps(y + i + 16, bd_act256(v2, p));
        _mm256_storeu_ps(y + i + 24, bd_act256(v3, p));
    }
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, bd_act256(_mm256_loadu_ps(x + i), p));
    if (i < n) {
        const int k = (int)(n - i);
        bd_store8(y + i, bd_act256(bd_load8(x + i, k), p), k);
    }
}

void bd_f32_unary_avx2(const float *x, float *y, size_t n, const bd_act_params *p) {
    bd_act_params q = *p; /* one instantiation per activation */
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

BD_INLINE __m256 ld(const float *a, size_t sa, size_t i, int k) {
    return sa ? bd_load8(a + i, k) : _mm256_set1_ps(a[0]);
}

BD_INLINE void binary_loop(const int is_mul, const float *a, size_t sa, const float *b,
                           size_t sb, float *y, size_t n, const bd_act_params *p) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 a0 = ld(a, sa, i, 8), a1 = ld(a, sa, i + 8, 8);
        __m256 b0 = ld(b, sb, i, 8), b1 = ld(b, sb, i + 8, 8);
        __m256 r0 = is_mul ? _mm256_mul_ps(a0, b0) : _mm256_add_ps(a0, b0);
        __m256 r1 = is_mul ? _mm256_mul_ps(a1, b1) : _mm256_add_ps(a1, b1);
        _mm256_storeu_ps(y + i, bd_act256(r0, p));
        _mm256_storeu_ps(y + i + 8, bd_act256(r1, p));
    }
    for (; i < n; i += 8) {
        const int k = n - i < 8 ? (int)(n - i) : 8;
        __m256 a0 = ld(a, sa, i, k), b0 = ld(b, sb, i, k);
        __m256 r0 = is_mul ? _mm256_mul_ps(a0, b0) : _mm256_add_ps(a0, b0);
        bd_store8(y + i, bd_act256(r0, p), k);
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

void bd_f32_add_avx2(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                     const bd_act_params *p) {
    binary(0, a, sa, b, sb, y, n, p);
}

void bd_f32_mul_avx2(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                     const bd_act_params *p) {
    binary(1, a, sa, b, sb, y, n, p);
}

/* Mean over n_hw pixels: per 8 channels, blocks of 256 pixels summed in float
 * (4 accumulators), block sums added in double. */
void bd_f32_mean_hw_avx2(const float *restrict in, float *restrict out, size_t n_hw, int c) {
    const size_t C = (size_t)c;
    for (size_t ch = 0; ch < C; ch += 8) {
        const int k = C - ch < 8 ? (int)(C - ch) : 8;
        __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
        for (size_t i0 = 0; i0 < n_hw; i0 += 256) {
            const size_t i1 = n_hw - i0 < 256 ? n_hw : i0 + 256;
            __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
            const float *q = in + i0 * C + ch;
            size_t i = i0;
            for (; i + 4 <= i1; i += 4, q += 4 * C) {
                s0 = _mm256_add_ps(s0, bd_load8(q, k));
                s1 = _mm256_add_ps(s1, bd_load8(q + C, k));
                s2 = _mm256_add_ps(s2, bd_load8(q + 2 * C, k));
                s3 = _mm256_add_ps(s3, bd_load8(q + 3 * C, k));
            }
            for (; i < i1; i++, q += C) s0 = _mm256_add_ps(s0, bd_load8(q, k));
            __m256 s = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
            lo = _mm256_add_pd(lo, _mm256_cvtps_pd(_mm256_castps256_ps128(s)));
            hi = _mm256_add_pd(hi, _mm256_cvtps_pd(_mm256_extractf128_ps(s, 1)));
        }
        const __m256d nd = _mm256_set1_pd((double)n_hw);
        __m128 rlo = _mm256_cvtpd_ps(_mm256_div_pd(lo, nd));
        __m128 rhi = _mm256_cvtpd_ps(_mm256_div_pd(hi, nd));
        bd_store8(out + ch, _mm256_insertf128_ps(_mm256_castps128_ps256(rlo), rhi, 1), k);
    }
}
