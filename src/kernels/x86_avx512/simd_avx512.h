/*
 * simd_avx512.h -- helpers shared by the AVX-512 kernels (included only by files
 * in this directory, which are compiled with the AVX-512 flags), and the
 * AVX-512 mapping of the vector vocabulary (bdv_*, documented in simd_avx2.h)
 * that the kernel templates in kernels/templates/ are written against.
 */
#ifndef BD_SIMD_AVX512_H
#define BD_SIMD_AVX512_H

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

/* sigmoid as bd_act_apply (which clamps to [-88, 88]) without ever producing a
 * subnormal by arithmetic (each such result costs a microcode assist, ~150
 * cycles; the selfie models' background logits are all below -88):
 *   |x| <= 87: 1 / (1 + exp(-x)), all intermediates normal; the reciprocal is
 *              rcp14 plus one Newton step (~1 ulp);
 *   x > 87: 1 (as the reference: 1 + exp(-87) rounds to 1);
 *   x < -87: sigmoid(x) = exp(x) to 1e-38 relative, a subnormal built from its
 *            bits = round(exp(x) * 2^149) = round(exp(max(x, -88) + 103.25) *
 *            exp(149 ln2 - 103.25)), where the sum is exact.
 * One exp serves both branches. NaN stays NaN (vmaxps/vminps return the second
 * operand when one is NaN, so x goes second). */
BD_INLINE __m512 bd_sigmoid512(__m512 x) {
    const __mmask16 low = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-87.0f), _CMP_LT_OQ);
    __m512 c = _mm512_min_ps(_mm512_set1_ps(87.0f), _mm512_max_ps(_mm512_set1_ps(-87.0f), x));
    __m512 arg = _mm512_sub_ps(_mm512_setzero_ps(), c);
    if (low) /* rare except on the final logits */
        arg = _mm512_mask_add_ps(arg, low, _mm512_max_ps(x, _mm512_set1_ps(-88.0f)),
                                 _mm512_set1_ps(103.25f));
    const __m512 e = bd_exp512(arg);
    const __m512 d = _mm512_add_ps(_mm512_set1_ps(1.0f), e);
    __m512 r = _mm512_rcp14_ps(d);
    r = _mm512_fmadd_ps(_mm512_fnmadd_ps(d, r, _mm512_set1_ps(1.0f)), r, r);
    if (low) {
        const __m512 t = _mm512_mul_ps(e, _mm512_set1_ps(1.02935243787287804f));
        r = _mm512_mask_blend_ps(low, r, _mm512_castsi512_ps(_mm512_cvtps_epi32(t)));
    }
    return r;
}

/* The epilogue activation (BD_ACT_TANH excluded: the kernels apply it afterwards
 * with bd_tanh_inplace), NaN behaviour as bd_act_apply: relu maps NaN to 0,
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
    default: return v;
    }
}

/* ---- The vector vocabulary (same names and contracts as simd_avx2.h) ---- */
typedef __m512 bdv;
typedef __mmask16 bdv_mask;
#define BDV_LANES 16
#define BDV_ISA avx512

BD_INLINE bdv bdv_zero(void) { return _mm512_setzero_ps(); }
BD_INLINE bdv bdv_set1(float x) { return _mm512_set1_ps(x); }
BD_INLINE bdv bdv_bcast(const float *p) { return _mm512_set1_ps(*p); } /* {1to16} operand */
BD_INLINE bdv bdv_load(const float *p) { return _mm512_load_ps(p); }   /* aligned */
BD_INLINE bdv bdv_loadu(const float *p) { return _mm512_loadu_ps(p); }
BD_INLINE void bdv_storeu(float *p, bdv v) { _mm512_storeu_ps(p, v); }
BD_INLINE void bdv_store(float *p, bdv v) { _mm512_store_ps(p, v); } /* aligned */
BD_INLINE bdv_mask bdv_mask_n(int n) { return bd_mask16(n); }
BD_INLINE bdv_mask bdv_mask_all(void) { return (__mmask16)0xFFFF; }
BD_INLINE bdv bdv_load_m(const float *p, bdv_mask m) { return _mm512_maskz_loadu_ps(m, p); }
BD_INLINE void bdv_store_m(float *p, bdv_mask m, bdv v) { _mm512_mask_storeu_ps(p, m, v); }
/* n is implied by the mask here (a full mask is as fast as a plain access). */
BD_INLINE bdv bdv_load_nm(const float *p, int n, bdv_mask m) {
    (void)n;
    return _mm512_maskz_loadu_ps(m, p);
}
BD_INLINE void bdv_store_nm(float *p, bdv v, int n, bdv_mask m) {
    (void)n;
    _mm512_mask_storeu_ps(p, m, v);
}
BD_INLINE bdv bdv_load_n(const float *p, int n) { return _mm512_maskz_loadu_ps(bd_mask16(n), p); }
BD_INLINE void bdv_store_n(float *p, bdv v, int n) { _mm512_mask_storeu_ps(p, bd_mask16(n), v); }
/* BDV_LANES halves -> floats (vcvtph2ps, AVX-512F; exact); unaligned. */
BD_INLINE bdv bdv_load_h(const uint16_t *p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p));
}
BD_INLINE bdv bdv_add(bdv a, bdv b) { return _mm512_add_ps(a, b); }
BD_INLINE bdv bdv_sub(bdv a, bdv b) { return _mm512_sub_ps(a, b); }
BD_INLINE bdv bdv_mul(bdv a, bdv b) { return _mm512_mul_ps(a, b); }
BD_INLINE bdv bdv_fma(bdv a, bdv b, bdv c) { return _mm512_fmadd_ps(a, b, c); } /* a*b + c */
BD_INLINE bdv bdv_div(bdv a, bdv b) { return _mm512_div_ps(a, b); } /* correctly rounded */
BD_INLINE bdv bdv_min(bdv a, bdv b) { return _mm512_min_ps(a, b); }
BD_INLINE bdv bdv_max(bdv a, bdv b) { return _mm512_max_ps(a, b); }
BD_INLINE bdv bdv_act(bdv v, const bd_act_params *p) { return bd_act512(v, p); }
BD_INLINE bdv bdv_exp(bdv x) { return bd_exp512(x); }
BD_INLINE bdv bdv_sigmoid(bdv x) { return bd_sigmoid512(x); }

/* Lanes of m: max(a, b) / a + b; the other lanes keep a (see simd_avx2.h). */
BD_INLINE bdv bdv_max_m(bdv a, bdv_mask m, bdv b) { return _mm512_mask_max_ps(a, m, a, b); }
BD_INLINE bdv bdv_add_m(bdv a, bdv_mask m, bdv b) { return _mm512_mask_add_ps(a, m, a, b); }
BD_INLINE float bdv_hmax(bdv v) { return _mm512_reduce_max_ps(v); }
BD_INLINE float bdv_hsum(bdv v) { return _mm512_reduce_add_ps(v); }
/* BDV_LANES-wide double accumulator (contract in simd_avx2.h). */
typedef struct { __m512d lo, hi; } bdv_dacc;
BD_INLINE bdv_dacc bdv_dacc_zero(void) {
    bdv_dacc a = {_mm512_setzero_pd(), _mm512_setzero_pd()};
    return a;
}
BD_INLINE bdv_dacc bdv_dacc_add(bdv_dacc a, bdv v) {
    a.lo = _mm512_add_pd(a.lo, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
    a.hi = _mm512_add_pd(a.hi, _mm512_cvtps_pd(_mm256_castpd_ps(
                                   _mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))));
    return a;
}
BD_INLINE bdv bdv_dacc_div(bdv_dacc a, double d) {
    const __m512d nd = _mm512_set1_pd(d);
    __m256 rlo = _mm512_cvtpd_ps(_mm512_div_pd(a.lo, nd));
    __m256 rhi = _mm512_cvtpd_ps(_mm512_div_pd(a.hi, nd));
    return _mm512_insertf32x8(_mm512_castps256_ps512(rlo), rhi, 1);
}

/* a < 0 ? a * b : a, lane by lane (PRelu; NaN a stays a). */
BD_INLINE bdv bdv_mul_if_neg(bdv a, bdv b) {
    __mmask16 neg = _mm512_cmp_ps_mask(a, _mm512_setzero_ps(), _CMP_LT_OQ);
    return _mm512_mask_mul_ps(a, neg, a, b);
}

/* Interleaves a and b lane by lane: lo = a0 b0 a1 b1 ... (first half of the
 * lanes), hi = the second half. */
BD_INLINE void bdv_interleave(bdv a, bdv b, bdv *lo, bdv *hi) {
    const __m512i lo_idx = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const __m512i hi_idx =
        _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
    *lo = _mm512_permutex2var_ps(a, lo_idx, b);
    *hi = _mm512_permutex2var_ps(a, hi_idx, b);
}

/* In-register transpose of 16 rows of 16 floats: r[p][c] -> r[c][p]. Four
 * stages of 16 shuffles (unpack ps, unpack pd, two 128-bit block shuffles). */
#define bdv_transpose bd_transpose16
BD_INLINE void bd_transpose16(__m512 r[16]) {
    __m512 t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    /* u[4g + j], lane block k: column 4k + j of rows 4g .. 4g+3 */
    for (int g = 0; g < 4; g++) {
        __m512d a = _mm512_castps_pd(t[4 * g]), b = _mm512_castps_pd(t[4 * g + 1]);
        __m512d c = _mm512_castps_pd(t[4 * g + 2]), d = _mm512_castps_pd(t[4 * g + 3]);
        u[4 * g + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        u[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        u[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        u[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    for (int j = 0; j < 4; j++) {
        __m512 v0 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x44);
        __m512 v1 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xEE);
        __m512 v2 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x44);
        __m512 v3 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xEE);
        r[j] = _mm512_shuffle_f32x4(v0, v2, 0x88);
        r[4 + j] = _mm512_shuffle_f32x4(v0, v2, 0xDD);
        r[8 + j] = _mm512_shuffle_f32x4(v1, v3, 0x88);
        r[12 + j] = _mm512_shuffle_f32x4(v1, v3, 0xDD);
    }
}

#endif
