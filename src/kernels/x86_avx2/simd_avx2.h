/*
 * simd_avx2.h -- helpers shared by the AVX2 + FMA kernels (included only by files
 * in this directory, which are compiled with -mavx2 -mfma -mf16c), and the
 * AVX2 mapping of the vector vocabulary (bdv_*) that the kernel templates in
 * kernels/templates/ are written against; simd_avx512.h maps the same names to
 * AVX-512, so one template body compiles for either ISA (compare ggml's
 * GGML_F32_VEC_* mappings in ggml-cpu/simd-mappings.h). This file holds what
 * is AVX2's own; the part that reads the same at both widths (arithmetic,
 * exp, sigmoid, the activation epilogue, the double accumulator) is written
 * once in kernels/templates/simd_common.inc, included below.
 */
#ifndef BD_SIMD_AVX2_H
#define BD_SIMD_AVX2_H

#include <immintrin.h>

#include "kernels/kernels.h"
#include "kernels/templates/simd_inline.h"

/* Lane mask of the first n (0..8) lanes, for vmaskmovps. */
BD_INLINE __m256i bd_mask8(int n) {
    static const int32_t tbl[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256((const __m256i *)(tbl + 8 - (n < 0 ? 0 : (n > 8 ? 8 : n))));
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
#define BDV_MM _mm256 /* the intrinsics' prefix (BDV_PS in templates/simd_common.inc) */

BD_INLINE bdv bdv_bcast(const float *p) { return _mm256_broadcast_ss(p); }
BD_INLINE bdv_mask bdv_mask_n(int n) { return bd_mask8(n); }
BD_INLINE bdv_mask bdv_mask_all(void) { return _mm256_set1_epi32(-1); }
BD_INLINE bdv bdv_load_m(const float *p, bdv_mask m) { return _mm256_maskload_ps(p, m); }
BD_INLINE bdv bdv_load_nm(const float *p, int n, bdv_mask m) {
    return n >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m);
}
/* The first n lanes of v as 4 + 2 + 1 plain stores, not vmaskmovps: a masked
 * store is microcoded on AMD (Zen 3 here: ~4.3 ns a store against ~1 ns for the
 * pieces, a loop of stores to one buffer), and the channel tails of small
 * tensors (RVM's 4-channel box filters, 1x1 convs to 1-4 channels) store every
 * pixel through it. m is unused (kept for the vocabulary's signature). */
BD_INLINE void bdv_store_nm(float *p, bdv v, int n, bdv_mask m) {
    (void)m;
    if (n >= 8) {
        _mm256_storeu_ps(p, v);
        return;
    }
    __m128 x = _mm256_castps256_ps128(v);
    if (n & 4) {
        _mm_storeu_ps(p, x);
        x = _mm256_extractf128_ps(v, 1);
        p += 4;
    }
    if (n & 2) {
        _mm_storel_pi((__m64 *)(void *)p, x);
        x = _mm_movehl_ps(x, x);
        p += 2;
    }
    if (n & 1) _mm_store_ss(p, x);
}
/* base[idx[0..7]] (vgatherdps; idx unaligned, every index valid). */
BD_INLINE bdv bdv_gather(const float *base, const int32_t *idx) {
    return _mm256_i32gather_ps(base, _mm256_loadu_si256((const __m256i *)idx), 4);
}
/* Lane i of the result = lane idx[i] of v (0 <= idx[i] < BDV_LANES). */
BD_INLINE bdv bdv_permute(bdv v, const int32_t *idx) {
    return _mm256_permutevar8x32_ps(v, _mm256_loadu_si256((const __m256i *)idx));
}
/* BDV_LANES halves -> floats (F16C vcvtph2ps, exact); unaligned. */
BD_INLINE bdv bdv_load_h(const uint16_t *p) {
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}
/* Round to nearest even; p * 2^n for integral n in [-126, 127], 2^n built in
 * the exponent field (bdv_exp). */
BD_INLINE bdv bdv_round(bdv x) {
    return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
BD_INLINE bdv bdv_scale2n(bdv p, bdv n) {
    const __m256i e =
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}
/* The lanes where a < b (ordered), as a mask; whether a mask has any lane;
 * select(m, a, b): the lanes of m take b, the others a; 1 / d correctly
 * rounded (rcpps has only 12 bits); the float whose bits are the integer
 * nearest t (bdv_sigmoid). */
BD_INLINE bdv_mask bdv_lt(bdv a, bdv b) {
    return _mm256_castps_si256(_mm256_cmp_ps(a, b, _CMP_LT_OQ));
}
BD_INLINE int bdv_any(bdv_mask m) { return _mm256_movemask_ps(_mm256_castsi256_ps(m)); }
BD_INLINE bdv bdv_select(bdv_mask m, bdv a, bdv b) {
    return _mm256_blendv_ps(a, b, _mm256_castsi256_ps(m));
}
BD_INLINE bdv bdv_recip(bdv d) { return _mm256_div_ps(_mm256_set1_ps(1.0f), d); }
BD_INLINE bdv bdv_int_bits(bdv t) { return _mm256_castsi256_ps(_mm256_cvtps_epi32(t)); }
/* A bdv's halves (BDV_LANES / 2 floats) and BDV_LANES / 2 doubles (bdv_dacc):
 * the low and the high half of v, and v from its halves. */
typedef __m128 bdv_half;
typedef __m256d bdv_d;
BD_INLINE bdv_half bdv_lo_half(bdv v) { return _mm256_castps256_ps128(v); }
BD_INLINE bdv_half bdv_hi_half(bdv v) { return _mm256_extractf128_ps(v, 1); }
BD_INLINE bdv bdv_halves(bdv_half lo, bdv_half hi) {
    return _mm256_insertf128_ps(_mm256_castps128_ps256(lo), hi, 1);
}

/* The integer side: bdvi, 32 bytes; its 16-byte halves; x in both halves;
 * unaligned access; xor. */
typedef __m256i bdvi;
BD_INLINE __m128i bdvi_lo(bdvi v) { return _mm256_castsi256_si128(v); }
BD_INLINE __m128i bdvi_hi(bdvi v) { return _mm256_extracti128_si256(v, 1); }
BD_INLINE bdvi bdvi_bcast16(__m128i x) { return _mm256_setr_m128i(x, x); }
BD_INLINE bdvi bdvi_loadu(const void *p) { return _mm256_loadu_si256((const __m256i *)p); }
BD_INLINE void bdvi_storeu(void *p, bdvi v) { _mm256_storeu_si256((__m256i *)p, v); }
BD_INLINE bdvi bdvi_xor(bdvi a, bdvi b) { return _mm256_xor_si256(a, b); }
/* 32-bit lanes: the first BDV_LANES bytes of x zero-extended; floats gathered at
 * base[idx]; floats truncated toward zero (vcvttps2dq); lanes in 0..255 stored
 * as BDV_LANES bytes. */
BD_INLINE bdvi bdvi_from_u8(__m128i x) { return _mm256_cvtepu8_epi32(x); }
BD_INLINE bdv bdv_gather_i(const float *base, bdvi idx) {
    return _mm256_i32gather_ps(base, idx, 4);
}
BD_INLINE bdvi bdv_trunc_i(bdv v) { return _mm256_cvttps_epi32(v); }
BD_INLINE void bdvi_store_u8(uint8_t *p, bdvi v) {
    const __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64((__m128i *)p, _mm_packus_epi16(w, w));
}

#include "kernels/templates/simd_common.inc"

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
    __m128 a = _mm_max_ps(bdv_lo_half(v), bdv_hi_half(v));
    a = _mm_max_ps(a, _mm_movehl_ps(a, a));
    a = _mm_max_ss(a, _mm_shuffle_ps(a, a, 1));
    return _mm_cvtss_f32(a);
}
BD_INLINE float bdv_hsum(bdv v) {
    __m128 a = _mm_add_ps(bdv_lo_half(v), bdv_hi_half(v));
    a = _mm_add_ps(a, _mm_movehl_ps(a, a));
    a = _mm_add_ss(a, _mm_shuffle_ps(a, a, 1));
    return _mm_cvtss_f32(a);
}
/* a < 0 ? a * b : a, lane by lane (PRelu; NaN a stays a). */
BD_INLINE bdv bdv_mul_if_neg(bdv a, bdv b) {
    return bdv_select(bdv_lt(a, bdv_zero()), a, bdv_mul(a, b));
}

/* In-register transpose of BDV_LANES rows of BDV_LANES floats, r[p][c] ->
 * r[c][p] (24 shuffles). */
BD_INLINE void bdv_transpose(bdv r[8]) {
    __m256 t[8], u[8];
    bdv_unpack_row_pairs(r, t);
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
