/*
 * binary_avx2.c -- subtract, divide and PRelu with stride-0 broadcast, AVX2.
 * Bit-exact with the reference (one IEEE operation per element; vdivps is
 * correctly rounded). Tails use masked loads/stores (never past the end).
 */
#include "kernels/x86_avx2/kernels_avx2.h"
#include "kernels/x86_avx2/simd_avx2.h"

enum { OP_SUB, OP_DIV, OP_PRELU };

BD_INLINE __m256 ld(const float *a, size_t sa, size_t i, int k) {
    return sa ? bd_load8(a + i, k) : _mm256_set1_ps(a[0]);
}

BD_INLINE __m256 apply(const int op, __m256 a, __m256 b) {
    switch (op) {
    case OP_SUB: return _mm256_sub_ps(a, b);
    case OP_DIV: return _mm256_div_ps(a, b);
    default: { /* a < 0 ? a * b : a (NaN a stays a) */
        __m256 neg = _mm256_cmp_ps(a, _mm256_setzero_ps(), _CMP_LT_OQ);
        return _mm256_blendv_ps(a, _mm256_mul_ps(a, b), neg);
    }
    }
}

BD_INLINE void loop(const int op, const float *a, size_t sa, const float *b, size_t sb, float *y,
                    size_t n, const bd_act_params *p) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 r0 = apply(op, ld(a, sa, i, 8), ld(b, sb, i, 8));
        __m256 r1 = apply(op, ld(a, sa, i + 8, 8), ld(b, sb, i + 8, 8));
        _mm256_storeu_ps(y + i, bd_act256(r0, p));
        _mm256_storeu_ps(y + i + 8, bd_act256(r1, p));
    }
    for (; i < n; i += 8) {
        const int k = n - i < 8 ? (int)(n - i) : 8;
        bd_store8(y + i, bd_act256(apply(op, ld(a, sa, i, k), ld(b, sb, i, k)), p), k);
    }
}

/* One instantiation per stride pattern (the loads leave the loop's branches). */
BD_INLINE void dispatch(const int op, const float *a, size_t sa, const float *b, size_t sb,
                        float *y, size_t n, const bd_act_params *p) {
    if (sa && sb) loop(op, a, 1, b, 1, y, n, p);
    else if (sa) loop(op, a, 1, b, 0, y, n, p);
    else if (sb) loop(op, a, 0, b, 1, y, n, p);
    else loop(op, a, 0, b, 0, y, n, p);
}

void bd_f32_sub_avx2(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                     const bd_act_params *p) {
    dispatch(OP_SUB, a, sa, b, sb, y, n, p);
}

void bd_f32_div_avx2(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                     const bd_act_params *p) {
    dispatch(OP_DIV, a, sa, b, sb, y, n, p);
}

void bd_f32_prelu_avx2(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                       const bd_act_params *p) {
    dispatch(OP_PRELU, a, sa, b, sb, y, n, p);
}
