/*
 * simd_avx2.h -- helpers shared by the AVX2 + FMA kernels (included only by files
 * in this directory, which are compiled with -mavx2 -mfma -mf16c).
 */
#ifndef BD_SIMD_AVX2_H
#define BD_SIMD_AVX2_H

#include <immintrin.h>

#include "kernels/kernels.h"

#define BD_INLINE static inline __attribute__((always_inline))

/* Lane mask of the first n (0..8) lanes, for vmaskmovps. */
BD_INLINE __m256i bd_mask8(int n) {
    static const int32_t tbl[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256((const __m256i *)(tbl + 8 - (n < 0 ? 0 : (n > 8 ? 8 : n))));
}

/* exp(x) for x in [-87.3, 88.7] (NaN passes through as NaN): Cody-Waite
 * reduction x = n ln2 + r, |r| <= ln2/2, degree-6 polynomial (~2 ulp), times 2^n
 * built in the exponent field (n >= -126, so the result is normal). */
BD_INLINE __m256 bd_exp256(__m256 x) {
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r);
    p = _mm256_add_ps(p, _mm256_set1_ps(1.0f));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

/* sigmoid as bd_act_apply, never producing a subnormal by arithmetic (see
 * simd_avx512.h): |x| <= 87 direct (division: rcpps has only 12 bits), x > 87
 * gives 1, x < -87 gives exp(max(x, -88)) as a subnormal built from its bits.
 * One exp serves both branches. NaN stays NaN. */
BD_INLINE __m256 bd_sigmoid256(__m256 x) {
    const __m256 low = _mm256_cmp_ps(x, _mm256_set1_ps(-87.0f), _CMP_LT_OQ);
    const int any_low = _mm256_movemask_ps(low);
    __m256 c = _mm256_min_ps(_mm256_set1_ps(87.0f), _mm256_max_ps(_mm256_set1_ps(-87.0f), x));
    __m256 arg = _mm256_sub_ps(_mm256_setzero_ps(), c);
    if (any_low) /* rare except on the final logits */
        arg = _mm256_blendv_ps(arg,
                               _mm256_add_ps(_mm256_max_ps(x, _mm256_set1_ps(-88.0f)),
                                             _mm256_set1_ps(103.25f)),
                               low);
    const __m256 e = bd_exp256(arg);
    __m256 s = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
    if (any_low) {
        const __m256 t = _mm256_mul_ps(e, _mm256_set1_ps(1.02935243787287804f));
        s = _mm256_blendv_ps(s, _mm256_castsi256_ps(_mm256_cvtps_epi32(t)), low);
    }
    return s;
}

/* The epilogue activation (BD_ACT_TANH excluded: the kernels apply it afterwards
 * with bd_tanh_inplace), NaN behaviour as bd_act_apply (vmaxps/vminps return
 * the second operand when one is NaN). */
BD_INLINE __m256 bd_act256(__m256 v, const bd_act_params *p) {
    switch (p->act) {
    case BD_ACT_RELU: return _mm256_max_ps(v, _mm256_setzero_ps());
    case BD_ACT_RELU6:
        return _mm256_min_ps(_mm256_set1_ps(6.0f), _mm256_max_ps(_mm256_setzero_ps(), v));
    case BD_ACT_CLAMP:
        return _mm256_min_ps(_mm256_set1_ps(p->max), _mm256_max_ps(_mm256_set1_ps(p->min), v));
    case BD_ACT_HARDSWISH: {
        __m256 r = _mm256_add_ps(v, _mm256_set1_ps(3.0f));
        r = _mm256_min_ps(_mm256_set1_ps(6.0f), _mm256_max_ps(_mm256_setzero_ps(), r));
        return _mm256_mul_ps(_mm256_mul_ps(v, r), _mm256_set1_ps(1.0f / 6.0f));
    }
    case BD_ACT_SIGMOID: return bd_sigmoid256(v);
    default: return v;
    }
}

/* Loads/stores of the first n lanes (n = 8: plain unaligned access). */
BD_INLINE __m256 bd_load8(const float *p, int n) {
    return n >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, bd_mask8(n));
}
BD_INLINE void bd_store8(float *p, __m256 v, int n) {
    if (n >= 8) _mm256_storeu_ps(p, v);
    else _mm256_maskstore_ps(p, bd_mask8(n), v);
}

#endif
