/*
 * img_blend_avx2.c -- AVX2 versions of the image pipeline's row kernels; the
 * contracts and the reference C are in src/kernels/img_kernels.h and
 * src/kernels/ref/img_blend_ref.c. Bit-exact with the reference.
 *
 * Same scheme as the AVX-512 file at half the width: 32 bytes per vector,
 * mixed with one VPMADDUBSW per 16 bytes (mix and accum: templates/blend_mix.inc,
 * shared with AVX-512); for 3-byte pixels, 32 pixels fill three vectors and each 16-byte lane takes its alphas from one of the
 * two 16-pixel windows (VPERM2I128 picks it, VPSHUFB repeats within the lane).
 * AVX2 has no masked byte loads, so tails (fewer than one block) run the
 * reference code on the remaining elements.
 */
#include <immintrin.h>

#include "kernels/img_kernels.h"
#include "kernels/x86_avx2/simd_avx2.h"

#include "kernels/templates/blend_mix.inc" /* mix, accum */

/* Expanded vector k, lane L takes pixels from window W[k][L] = {0,0}, {0,1}, {1,1}. */
static const uint8_t EXPAND3[3][32] = {
    {0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 10,
     10},
    {10, 11, 11, 11, 12, 12, 12, 13, 13, 13, 14, 14, 14, 15, 15, 15, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3,
     3, 3, 4, 4, 4, 5},
    {5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10, 10, 11, 11, 11, 12, 12, 12, 13, 13, 13, 14,
     14, 14, 15, 15, 15},
};
static const uint8_t EXPAND4[32] = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
                                    4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7};

void bd_u8_blend_c1_avx2(const uint8_t *restrict f, const uint8_t *restrict b,
                         const uint8_t *restrict a, uint8_t *o, int n) {
    int i = 0;
    for (; i + 32 <= n; i += 32)
        bdvi_storeu(o + i, mix(bdvi_loadu(f + i), bdvi_loadu(b + i), bdvi_loadu(a + i)));
    if (i < n) bd_u8_blend_c1_ref(f + i, b + i, a + i, o + i, n - i);
}

void bd_u8_blend_c3_avx2(const uint8_t *restrict f, const uint8_t *restrict b,
                         const uint8_t *restrict a, uint8_t *o, int n) {
    const __m256i x0 = bdvi_loadu(EXPAND3[0]), x1 = bdvi_loadu(EXPAND3[1]),
                  x2 = bdvi_loadu(EXPAND3[2]);
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        const uint8_t *fp = f + 3 * (size_t)i, *bp = b + 3 * (size_t)i;
        uint8_t *op = o + 3 * (size_t)i;
        const __m256i av = bdvi_loadu(a + i);
        const __m256i a0 = _mm256_shuffle_epi8(_mm256_permute2x128_si256(av, av, 0x00), x0);
        const __m256i a1 = _mm256_shuffle_epi8(av, x1);
        const __m256i a2 = _mm256_shuffle_epi8(_mm256_permute2x128_si256(av, av, 0x11), x2);
        const __m256i r0 = mix(bdvi_loadu(fp), bdvi_loadu(bp), a0);
        const __m256i r1 = mix(bdvi_loadu(fp + 32), bdvi_loadu(bp + 32), a1);
        const __m256i r2 = mix(bdvi_loadu(fp + 64), bdvi_loadu(bp + 64), a2);
        bdvi_storeu(op, r0);
        bdvi_storeu(op + 32, r1);
        bdvi_storeu(op + 64, r2);
    }
    if (i < n)
        bd_u8_blend_c3_ref(f + 3 * (size_t)i, b + 3 * (size_t)i, a + i, o + 3 * (size_t)i, n - i);
}

void bd_u8_blend_c4_avx2(const uint8_t *restrict f, const uint8_t *restrict b,
                         const uint8_t *restrict a, uint8_t *o, int n, uint32_t or_mask) {
    const __m256i x4 = bdvi_loadu(EXPAND4);
    const __m256i orv = _mm256_set1_epi32((int)or_mask);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        /* 8 alphas in both lanes; EXPAND4 picks pixels 0-3 in lane 0, 4-7 in lane 1 */
        const __m128i a8 = _mm_loadl_epi64((const __m128i *)(a + i));
        const __m256i a2 = _mm256_setr_m128i(a8, a8);
        const __m256i av = _mm256_shuffle_epi8(a2, x4);
        const __m256i r = mix(bdvi_loadu(f + 4 * (size_t)i), bdvi_loadu(b + 4 * (size_t)i), av);
        bdvi_storeu(o + 4 * (size_t)i, _mm256_or_si256(r, orv));
    }
    if (i < n)
        bd_u8_blend_c4_ref(f + 4 * (size_t)i, b + 4 * (size_t)i, a + i, o + 4 * (size_t)i, n - i,
                           or_mask);
}

void bd_f32_mask_row_avx2(const float *restrict h0, const float *restrict h1, float wy,
                          uint8_t *restrict alpha, int n) {
    const __m256 w = _mm256_set1_ps(wy);
    const __m256 lo = _mm256_set1_ps(0.5f), hi = _mm256_set1_ps(255.5f);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 a = _mm256_loadu_ps(h0 + i);
        __m256 v = _mm256_add_ps(a, _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(h1 + i), a), w));
        /* VMAXPS returns its second operand when either is NaN: NaN -> 0.5. */
        v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
        const __m256i q = _mm256_cvttps_epi32(v);
        const __m128i q16 =
            _mm_packus_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
        _mm_storel_epi64((__m128i *)(alpha + i), _mm_packus_epi16(q16, q16));
    }
    if (i < n) bd_f32_mask_row_ref(h0 + i, h1 + i, wy, alpha + i, n - i);
}

/* Lanes of v0:v1 (16 floats) picked by idx in 0..15: VPERMPS uses the low 3
 * bits, bit 3 (shifted to the sign) chooses the vector. */
static inline __m256 pick16(__m256 v0, __m256 v1, __m256i idx) {
    const __m256 hi_half = _mm256_castsi256_ps(_mm256_slli_epi32(idx, 28));
    return _mm256_blendv_ps(_mm256_permutevar8x32_ps(v0, idx), _mm256_permutevar8x32_ps(v1, idx),
                            hi_half);
}

void bd_f32_hlerp_row_avx2(const float *restrict g, const bd_hlerp_table *t, float k, float b,
                           float *restrict out) {
    /* AVX2 has no two-source float permute, and its gathers are slow (two per
     * 8 outputs were ~19% of the 720p post-process on Zen 3). When the sources
     * of 8 outputs lie in the 16 floats from the first one's lo (any upsampling,
     * downsampling up to ~2:1), two loads and four VPERMPS replace them; else
     * the group gathers. Reads g up to lo + 15 (callers pad by 32 floats). */
    const __m256 kv = _mm256_set1_ps(k), bv = _mm256_set1_ps(b);
    const __m256i outside = _mm256_set1_epi32(~15);
    const int n = t->n;
    int x = 0;
    for (; x + 8 <= n; x += 8) {
        const __m256i lo = _mm256_loadu_si256((const __m256i *)(t->lo + x));
        const __m256i hi = _mm256_loadu_si256((const __m256i *)(t->hi + x));
        const int32_t base = t->lo[x];
        const __m256i bs = _mm256_set1_epi32(base);
        const __m256i rlo = _mm256_sub_epi32(lo, bs), rhi = _mm256_sub_epi32(hi, bs);
        __m256 g0, g1;
        if (_mm256_testz_si256(_mm256_or_si256(rlo, rhi), outside)) {
            const __m256 v0 = _mm256_loadu_ps(g + base), v1 = _mm256_loadu_ps(g + base + 8);
            g0 = pick16(v0, v1, rlo);
            g1 = pick16(v0, v1, rhi);
        } else {
            g0 = _mm256_i32gather_ps(g, lo, 4);
            g1 = _mm256_i32gather_ps(g, hi, 4);
        }
        const __m256 v =
            _mm256_add_ps(g0, _mm256_mul_ps(_mm256_sub_ps(g1, g0), _mm256_loadu_ps(t->w + x)));
        _mm256_storeu_ps(out + x, _mm256_add_ps(_mm256_mul_ps(v, kv), bv));
    }
    for (; x < n; x++) {
        const float g0 = g[t->lo[x]], g1 = g[t->hi[x]];
        out[x] = (g0 + (g1 - g0) * t->w[x]) * k + b;
    }
}

void bd_i16_lerp_row_avx2(const int16_t *restrict h0, const int16_t *restrict h1, int16_t wy,
                          uint8_t *restrict o, int n) {
    const __m256i w = _mm256_set1_epi16(wy), c64 = _mm256_set1_epi16(64);
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m256i a0 = _mm256_loadu_si256((const __m256i *)(h0 + i));
        const __m256i a1 = _mm256_loadu_si256((const __m256i *)(h0 + i + 16));
        __m256i v0 = _mm256_add_epi16(
            a0, _mm256_mulhrs_epi16(
                    _mm256_sub_epi16(_mm256_loadu_si256((const __m256i *)(h1 + i)), a0), w));
        __m256i v1 = _mm256_add_epi16(
            a1, _mm256_mulhrs_epi16(
                    _mm256_sub_epi16(_mm256_loadu_si256((const __m256i *)(h1 + i + 16)), a1), w));
        v0 = _mm256_srai_epi16(_mm256_add_epi16(v0, c64), 7);
        v1 = _mm256_srai_epi16(_mm256_add_epi16(v1, c64), 7);
        /* packus interleaves 128-bit lanes: (v0.lo, v1.lo, v0.hi, v1.hi) -> fix order */
        bdvi_storeu(o + i, _mm256_permute4x64_epi64(_mm256_packus_epi16(v0, v1), 0xd8));
    }
    if (i < n) bd_i16_lerp_row_ref(h0 + i, h1 + i, wy, o + i, n - i);
}

void bd_i16_hlerp_row_avx2(const int16_t *restrict s, const bd_hlerp16_table *t,
                           int16_t *restrict out) {
    /* No 16-bit cross-lane permute in AVX2; the row is computed once per
     * reduced row and reused for several output rows, so the reference loop
     * (which the compiler vectorizes poorly) is acceptable here. */
    bd_i16_hlerp_row_ref(s, t, out);
}

void bd_u8_blur_accum_c3_avx2(const uint8_t *restrict f, const uint8_t *restrict a,
                              uint32_t *restrict acc, int n) {
    const __m256i spread = _mm256_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1,
                                            0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1);
    const __m256i x4 = bdvi_loadu(EXPAND4), slot3 = _mm256_set1_epi32(0x01000000);
    int i = 0;
    /* 16-byte loads at 3i and 3i + 12 read 28 bytes: stay 10 pixels from the end */
    for (; i + 10 <= n; i += 8) {
        const uint8_t *p = f + 3 * (size_t)i;
        const __m256i src = _mm256_setr_m128i(_mm_loadu_si128((const __m128i *)p),
                                              _mm_loadu_si128((const __m128i *)(p + 12)));
        const __m256i px = _mm256_or_si256(_mm256_shuffle_epi8(src, spread), slot3);
        accum(acc + 4 * (size_t)i, px, _mm_loadl_epi64((const __m128i *)(a + i)), x4);
    }
    if (i < n) bd_u8_blur_accum_c3_ref(f + 3 * (size_t)i, a + i, acc + 4 * (size_t)i, n - i);
}

void bd_u8_blur_accum_c4_avx2(const uint8_t *restrict f, const uint8_t *restrict a,
                              uint32_t *restrict acc, int n) {
    const __m256i x4 = bdvi_loadu(EXPAND4);
    const __m256i keep = _mm256_set1_epi32(0x00ffffff), slot3 = _mm256_set1_epi32(0x01000000);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i px =
            _mm256_or_si256(_mm256_and_si256(bdvi_loadu(f + 4 * (size_t)i), keep), slot3);
        accum(acc + 4 * (size_t)i, px, _mm_loadl_epi64((const __m128i *)(a + i)), x4);
    }
    if (i < n) bd_u8_blur_accum_c4_ref(f + 4 * (size_t)i, a + i, acc + 4 * (size_t)i, n - i);
}

void bd_u8_attach_c3_avx2(const uint8_t *restrict f, const uint8_t *restrict a,
                          uint8_t *restrict o, int n, int premultiply) {
    /* 8 pixels: 24 bytes in, 32 out. Lane 0 takes bytes 0-11, lane 1 bytes 12-23. */
    const __m256i spread = _mm256_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1,
                                            0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1);
    const __m256i x4 = bdvi_loadu(EXPAND4);
    int i = 0;
    /* The 16-byte loads read 24 + 4 bytes at most: stop while 8 more pixels
     * (24 bytes) plus the 4-byte overhang of the second load stay in the row. */
    for (; i + 10 <= n; i += 8) {
        const uint8_t *p = f + 3 * (size_t)i;
        const __m256i src = _mm256_setr_m128i(_mm_loadu_si128((const __m128i *)p),
                                              _mm_loadu_si128((const __m128i *)(p + 12)));
        __m256i rgb0 = _mm256_shuffle_epi8(src, spread);
        const __m128i a8 = _mm_loadl_epi64((const __m128i *)(a + i));
        if (premultiply) {
            const __m256i av = _mm256_shuffle_epi8(_mm256_setr_m128i(a8, a8), x4);
            rgb0 = mix(rgb0, _mm256_setzero_si256(), av);
        }
        const __m256i out = _mm256_or_si256(rgb0, _mm256_slli_epi32(_mm256_cvtepu8_epi32(a8), 24));
        bdvi_storeu(o + 4 * (size_t)i, out);
    }
    if (i < n) bd_u8_attach_c3_ref(f + 3 * (size_t)i, a + i, o + 4 * (size_t)i, n - i, premultiply);
}
