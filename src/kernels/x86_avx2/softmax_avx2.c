/*
 * softmax_avx2.c -- softmax along a strided axis, AVX2 + FMA.
 *
 * inner == 1 (contiguous rows, e.g. the channel axis of an NHWC tensor): three
 * passes over the row (max; exp and sum; scale), 8 lanes at a time. inner > 1
 * (e.g. ONNX's last axis W of an NCHW tensor stored NHWC: n = W, inner = C): the
 * lanes run across `inner` and the same three passes go along the axis.
 *
 * Numerics: exp is bd_exp256 (~2 ulp) of max(x - m, -87) (exp(-87) = 1.6e-38, so
 * the clamp changes a result by less than 2e-38); the sum is in float (the
 * reference sums in double): ~1e-6 relative for rows of thousands.
 */
#include "kernels/x86_avx2/kernels_avx2.h"
#include "kernels/x86_avx2/simd_avx2.h"

BD_INLINE __m256 exp_shifted(__m256 x, __m256 m) {
    return bd_exp256(_mm256_max_ps(_mm256_sub_ps(x, m), _mm256_set1_ps(-87.0f)));
}

BD_INLINE float hmax8(__m256 v) {
    __m128 a = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_max_ps(a, _mm_movehl_ps(a, a));
    a = _mm_max_ss(a, _mm_shuffle_ps(a, a, 1));
    return _mm_cvtss_f32(a);
}

BD_INLINE float hsum8(__m256 v) {
    __m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_add_ps(a, _mm_movehl_ps(a, a));
    a = _mm_add_ss(a, _mm_shuffle_ps(a, a, 1));
    return _mm_cvtss_f32(a);
}

static void rows(const float *x, float *y, size_t outer, size_t n) {
    for (size_t o = 0; o < outer; o++) {
        const float *xr = x + o * n;
        float *yr = y + o * n;
        __m256 vm = _mm256_set1_ps(-INFINITY);
        size_t i = 0;
        for (; i + 8 <= n; i += 8) vm = _mm256_max_ps(vm, _mm256_loadu_ps(xr + i));
        float m = hmax8(vm);
        for (; i < n; i++) m = xr[i] > m ? xr[i] : m;
        const __m256 mv = _mm256_set1_ps(m);
        __m256 vs = _mm256_setzero_ps();
        for (i = 0; i + 8 <= n; i += 8) {
            __m256 e = exp_shifted(_mm256_loadu_ps(xr + i), mv);
            _mm256_storeu_ps(yr + i, e);
            vs = _mm256_add_ps(vs, e);
        }
        if (i < n) {
            const int k = (int)(n - i);
            /* masked-off lanes: exp(0 - m) must not count; blend them to 0 */
            __m256 e = exp_shifted(bd_load8(xr + i, k), mv);
            e = _mm256_and_ps(e, _mm256_castsi256_ps(bd_mask8(k)));
            bd_store8(yr + i, e, k);
            vs = _mm256_add_ps(vs, e);
        }
        const __m256 r = _mm256_set1_ps(1.0f / hsum8(vs));
        for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(yr + i, _mm256_mul_ps(_mm256_loadu_ps(yr + i), r));
        if (i < n) {
            const int k = (int)(n - i);
            bd_store8(yr + i, _mm256_mul_ps(bd_load8(yr + i, k), r), k);
        }
    }
}

/* One group of k <= 8 lanes starting at column j of every block. */
BD_INLINE void columns(const float *x, float *y, size_t n, size_t inner, size_t j, int k) {
    __m256 m = _mm256_set1_ps(-INFINITY);
    for (size_t i = 0; i < n; i++) m = _mm256_max_ps(m, bd_load8(x + i * inner + j, k));
    __m256 s = _mm256_setzero_ps();
    for (size_t i = 0; i < n; i++) {
        __m256 e = exp_shifted(bd_load8(x + i * inner + j, k), m);
        bd_store8(y + i * inner + j, e, k);
        s = _mm256_add_ps(s, e);
    }
    const __m256 r = _mm256_div_ps(_mm256_set1_ps(1.0f), s);
    for (size_t i = 0; i < n; i++)
        bd_store8(y + i * inner + j, _mm256_mul_ps(bd_load8(y + i * inner + j, k), r), k);
}

void bd_f32_softmax_avx2(const float *x, float *y, size_t outer, size_t n, size_t inner) {
    if (inner == 1) {
        rows(x, y, outer, n);
        return;
    }
    for (size_t o = 0; o < outer; o++) {
        const float *xo = x + o * n * inner;
        float *yo = y + o * n * inner;
        size_t j = 0;
        for (; j + 8 <= inner; j += 8) columns(xo, yo, n, inner, j, 8);
        if (j < inner) columns(xo, yo, n, inner, j, (int)(inner - j));
    }
}
