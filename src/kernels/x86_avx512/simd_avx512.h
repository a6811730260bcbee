/*
 * simd_avx512.h -- helpers shared by the AVX-512 kernels (included only by files
 * in this directory, which are compiled with the AVX-512 flags), and the
 * AVX-512 mapping of the vector vocabulary (bdv_*, documented in simd_avx2.h)
 * that the kernel templates in kernels/templates/ are written against. The
 * part common to both widths is kernels/templates/simd_common.inc, included
 * below.
 */
#ifndef BD_SIMD_AVX512_H
#define BD_SIMD_AVX512_H

#include <immintrin.h>

#include "kernels/kernels.h"
#include "kernels/templates/simd_inline.h"

/* Mask of the first n (0..16) lanes. */
BD_INLINE __mmask16 bd_mask16(int n) {
    return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n < 0 ? 0 : n)) - 1u);
}

/* ---- The vector vocabulary (same names and contracts as simd_avx2.h) ---- */
typedef __m512 bdv;
typedef __mmask16 bdv_mask;
#define BDV_LANES 16
#define BDV_ISA avx512
#define BDV_MM _mm512 /* the intrinsics' prefix (BDV_PS in templates/simd_common.inc) */

BD_INLINE bdv bdv_bcast(const float *p) { return _mm512_set1_ps(*p); } /* {1to16} operand */
BD_INLINE bdv_mask bdv_mask_n(int n) { return bd_mask16(n); }
BD_INLINE bdv_mask bdv_mask_all(void) { return (__mmask16)0xFFFF; }
BD_INLINE bdv bdv_load_m(const float *p, bdv_mask m) { return _mm512_maskz_loadu_ps(m, p); }
/* n is implied by the mask here (a full mask is as fast as a plain access). */
BD_INLINE bdv bdv_load_nm(const float *p, int n, bdv_mask m) {
    (void)n;
    return _mm512_maskz_loadu_ps(m, p);
}
BD_INLINE void bdv_store_nm(float *p, bdv v, int n, bdv_mask m) {
    (void)n;
    _mm512_mask_storeu_ps(p, m, v);
}
/* base[idx[0..15]] (vgatherdps; idx unaligned, every index valid). */
BD_INLINE bdv bdv_gather(const float *base, const int32_t *idx) {
    return _mm512_i32gather_ps(_mm512_loadu_si512(idx), base, 4);
}
/* Lane i of the result = lane idx[i] of v (0 <= idx[i] < BDV_LANES). */
BD_INLINE bdv bdv_permute(bdv v, const int32_t *idx) {
    return _mm512_permutexvar_ps(_mm512_loadu_si512(idx), v);
}
/* BDV_LANES halves -> floats (vcvtph2ps, AVX-512F; exact); unaligned. */
BD_INLINE bdv bdv_load_h(const uint16_t *p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p));
}
/* Round to nearest even; p * 2^n by vscalefps (subnormal results too). */
BD_INLINE bdv bdv_round(bdv x) {
    return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
BD_INLINE bdv bdv_scale2n(bdv p, bdv n) { return _mm512_scalef_ps(p, n); }
/* Contracts in simd_avx2.h; the reciprocal is rcp14 plus one Newton step (~1 ulp). */
BD_INLINE bdv_mask bdv_lt(bdv a, bdv b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
BD_INLINE int bdv_any(bdv_mask m) { return m != 0; }
BD_INLINE bdv bdv_select(bdv_mask m, bdv a, bdv b) { return _mm512_mask_blend_ps(m, a, b); }
BD_INLINE bdv bdv_recip(bdv d) {
    const __m512 r = _mm512_rcp14_ps(d);
    return _mm512_fmadd_ps(_mm512_fnmadd_ps(d, r, _mm512_set1_ps(1.0f)), r, r);
}
BD_INLINE bdv bdv_int_bits(bdv t) { return _mm512_castsi512_ps(_mm512_cvtps_epi32(t)); }
typedef __m256 bdv_half;
typedef __m512d bdv_d;
BD_INLINE bdv_half bdv_lo_half(bdv v) { return _mm512_castps512_ps256(v); }
BD_INLINE bdv_half bdv_hi_half(bdv v) {
    return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
}
BD_INLINE bdv bdv_halves(bdv_half lo, bdv_half hi) {
    return _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1);
}

/* The integer side: bdvi, 64 bytes (contracts in simd_avx2.h). */
typedef __m512i bdvi;
BD_INLINE __m256i bdvi_lo(bdvi v) { return _mm512_castsi512_si256(v); }
BD_INLINE __m256i bdvi_hi(bdvi v) { return _mm512_extracti64x4_epi64(v, 1); }
BD_INLINE bdvi bdvi_bcast16(__m128i x) { return _mm512_broadcast_i32x4(x); }
BD_INLINE bdvi bdvi_loadu(const void *p) { return _mm512_loadu_si512(p); }
BD_INLINE void bdvi_storeu(void *p, bdvi v) { _mm512_storeu_si512(p, v); }
BD_INLINE bdvi bdvi_xor(bdvi a, bdvi b) { return _mm512_xor_si512(a, b); }
BD_INLINE bdvi bdvi_from_u8(__m128i x) { return _mm512_cvtepu8_epi32(x); }
BD_INLINE bdv bdv_gather_i(const float *base, bdvi idx) {
    return _mm512_i32gather_ps(idx, base, 4);
}
BD_INLINE bdvi bdv_trunc_i(bdv v) { return _mm512_cvttps_epi32(v); }
BD_INLINE void bdvi_store_u8(uint8_t *p, bdvi v) {
    _mm_storeu_si128((__m128i *)p, _mm512_cvtepi32_epi8(v));
}

#include "kernels/templates/simd_common.inc"

/* Lanes of m: max(a, b) / a + b; the other lanes keep a (see simd_avx2.h). */
BD_INLINE bdv bdv_max_m(bdv a, bdv_mask m, bdv b) { return _mm512_mask_max_ps(a, m, a, b); }
BD_INLINE bdv bdv_add_m(bdv a, bdv_mask m, bdv b) { return _mm512_mask_add_ps(a, m, a, b); }
BD_INLINE float bdv_hmax(bdv v) { return _mm512_reduce_max_ps(v); }
BD_INLINE float bdv_hsum(bdv v) { return _mm512_reduce_add_ps(v); }
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
    bdv_unpack_row_pairs(r, t);
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
