/*
 * simd_avx2.h -- helpers shared by the AVX2 + FMA kernels (included only by files
 * in this directory, which are compiled with -mavx2 -mfma -mf16c), and the
 * AVX2 mapping of the vector vocabulary (bdv_*) that the kernel templates in
 * kernels/templates/ are written against; simd_avx512.h maps the same names to
 * AVX-512, so one template body compiles for either ISA (compare ggml's
 * GGML_F32_VEC_* mappings in ggml-cpu/simd-mappings.h).
 */
#ifndef BD_SIMD_AVX2_H
#define BD_SIMD_AVX2_H

#include <immintrin.h>

#include "kernels/kernels.h"

/* Forced inlining turns the templates' parameters (K, S, D, tile size) into
 * constants of each instantiation; an unoptimised build (Debug, the sanitizer
 * build) gets plain static inline instead: there it only multiplied the code
 * (every dw_vec/bdv_* call inlined into the one driver at -O0 + ASan: a 1.3 MB
 * function, 7.6 s to compile dwconv_avx512.c). */
#ifdef __OPTIMIZE__
#define BD_INLINE static inline __attribute__((always_inline))
#else
#define BD_INLINE static inline
#endif

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

/* ---- The vector vocabulary (same names in simd_avx512.h) ----------------
 * bdv: BDV_LANES floats. bdv_mask: which lanes a partial load/store touches
 * (on AVX2 an integer vector for vmaskmovps; on AVX-512 a k-mask). Tails:
 * bdv_load_n/bdv_store_n touch the first n lanes (n >= BDV_LANES: all, as a
 * plain unaligned access); the _nm forms take the mask of n precomputed, for
 * loops that reuse it. Masked loads read zero in the other lanes and never
 * touch their memory. */
typedef __m256 bdv;
typedef __m256i bdv_mask;
#define BDV_LANES 8
#define BDV_ISA avx2

BD_INLINE bdv bdv_zero(void) { return _mm256_setzero_ps(); }
BD_INLINE bdv bdv_set1(float x) { return _mm256_set1_ps(x); }
BD_INLINE bdv bdv_bcast(const float *p) { return _mm256_broadcast_ss(p); }
BD_INLINE bdv bdv_load(const float *p) { return _mm256_load_ps(p); } /* aligned */
BD_INLINE bdv bdv_loadu(const float *p) { return _mm256_loadu_ps(p); }
BD_INLINE void bdv_storeu(float *p, bdv v) { _mm256_storeu_ps(p, v); }
BD_INLINE void bdv_store(float *p, bdv v) { _mm256_store_ps(p, v); } /* aligned */
BD_INLINE bdv_mask bdv_mask_n(int n) { return bd_mask8(n); }
BD_INLINE bdv_mask bdv_mask_all(void) { return _mm256_set1_epi32(-1); }
BD_INLINE bdv bdv_load_m(const float *p, bdv_mask m) { return _mm256_maskload_ps(p, m); }
BD_INLINE void bdv_store_m(float *p, bdv_mask m, bdv v) { _mm256_maskstore_ps(p, m, v); }
BD_INLINE bdv bdv_load_nm(const float *p, int n, bdv_mask m) {
    return n >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m);
}
BD_INLINE void bdv_store_nm(float *p, bdv v, int n, bdv_mask m) {
    if (n >= 8) _mm256_storeu_ps(p, v);
    else _mm256_maskstore_ps(p, m, v);
}
BD_INLINE bdv bdv_load_n(const float *p, int n) { return bd_load8(p, n); }
BD_INLINE void bdv_store_n(float *p, bdv v, int n) { bd_store8(p, v, n); }
/* BDV_LANES halves -> floats (F16C vcvtph2ps, exact); unaligned. */
BD_INLINE bdv bdv_load_h(const uint16_t *p) {
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}
BD_INLINE bdv bdv_add(bdv a, bdv b) { return _mm256_add_ps(a, b); }
BD_INLINE bdv bdv_sub(bdv a, bdv b) { return _mm256_sub_ps(a, b); }
BD_INLINE bdv bdv_mul(bdv a, bdv b) { return _mm256_mul_ps(a, b); }
BD_INLINE bdv bdv_fma(bdv a, bdv b, bdv c) { return _mm256_fmadd_ps(a, b, c); } /* a*b + c */
BD_INLINE bdv bdv_div(bdv a, bdv b) { return _mm256_div_ps(a, b); } /* correctly rounded */
BD_INLINE bdv bdv_min(bdv a, bdv b) { return _mm256_min_ps(a, b); }
BD_INLINE bdv bdv_max(bdv a, bdv b) { return _mm256_max_ps(a, b); }
BD_INLINE bdv bdv_act(bdv v, const bd_act_params *p) { return bd_act256(v, p); }
BD_INLINE bdv bdv_exp(bdv x) { return bd_exp256(x); }
BD_INLINE bdv bdv_sigmoid(bdv x) { return bd_sigmoid256(x); }

/* Lanes of m: max(a, b) / a + b; the other lanes keep a (for tails, where
 * the masked-off lanes of b are not data). */
BD_INLINE bdv bdv_max_m(bdv a, bdv_mask m, bdv b) {
    return _mm256_blendv_ps(a, _mm256_max_ps(a, b), _mm256_castsi256_ps(m));
}
BD_INLINE bdv bdv_add_m(bdv a, bdv_mask m, bdv b) {
    return _mm256_add_ps(a, _mm256_and_ps(b, _mm256_castsi256_ps(m)));
}
/* Horizontal max / sum of the lanes (float; the sum's order is fixed per ISA). */
BD_INLINE float bdv_hmax(bdv v) {
    __m128 a = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_max_ps(a, _mm_movehl_ps(a, a));
    a = _mm_max_ss(a, _mm_shuffle_ps(a, a, 1));
    return _mm_cvtss_f32(a);
}
BD_INLINE float bdv_hsum(bdv v) {
    __m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_add_ps(a, _mm_movehl_ps(a, a));
    a = _mm_add_ss(a, _mm_shuffle_ps(a, a, 1));
    return _mm_cvtss_f32(a);
}
/* A BDV_LANES-wide double accumulator (two double vectors, lanes in order):
 * bdv_dacc_add adds the floats of v converted exactly; bdv_dacc_div returns
 * (float)(acc / d) lane by lane. */
typedef struct { __m256d lo, hi; } bdv_dacc;
BD_INLINE bdv_dacc bdv_dacc_zero(void) {
    bdv_dacc a = {_mm256_setzero_pd(), _mm256_setzero_pd()};
    return a;
}
BD_INLINE bdv_dacc bdv_dacc_add(bdv_dacc a, bdv v) {
    a.lo = _mm256_add_pd(a.lo, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    a.hi = _mm256_add_pd(a.hi, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
    return a;
}
BD_INLINE bdv bdv_dacc_div(bdv_dacc a, double d) {
    const __m256d nd = _mm256_set1_pd(d);
    __m128 rlo = _mm256_cvtpd_ps(_mm256_div_pd(a.lo, nd));
    __m128 rhi = _mm256_cvtpd_ps(_mm256_div_pd(a.hi, nd));
    return _mm256_insertf128_ps(_mm256_castps128_ps256(rlo), rhi, 1);
}

/* a < 0 ? a * b : a, lane by lane (PRelu; NaN a stays a). */
BD_INLINE bdv bdv_mul_if_neg(bdv a, bdv b) {
    __m256 neg = _mm256_cmp_ps(a, _mm256_setzero_ps(), _CMP_LT_OQ);
    return _mm256_blendv_ps(a, _mm256_mul_ps(a, b), neg);
}

/* In-register transpose of BDV_LANES rows of BDV_LANES floats, r[p][c] ->
 * r[c][p] (24 shuffles). */
BD_INLINE void bdv_transpose(bdv r[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    /* u[4h + j], 128-bit lane k: column 4k + j of rows 4h .. 4h+3 */
    for (int h = 0; h < 2; h++) {
        u[4 * h + 0] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0x44);
        u[4 * h + 1] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0xEE);
        u[4 * h + 2] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0x44);
        u[4 * h + 3] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0xEE);
    }
    for (int j = 0; j < 4; j++) {
        r[j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x20);
        r[4 + j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x31);
    }
}

/* Interleaves a and b lane by lane: lo = a0 b0 a1 b1 ... (first half of the
 * lanes), hi = the second half. */
BD_INLINE void bdv_interleave(bdv a, bdv b, bdv *lo, bdv *hi) {
    __m256 l = _mm256_unpacklo_ps(a, b), h = _mm256_unpackhi_ps(a, b);
    *lo = _mm256_permute2f128_ps(l, h, 0x20);
    *hi = _mm256_permute2f128_ps(l, h, 0x31);
}

#endif
