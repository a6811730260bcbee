/*
 * img_blend_avx512.c -- AVX-512 (F/BW) versions of the image pipeline's row
 * kernels; the contracts and the reference C are in src/kernels/img_kernels.h
 * and src/kernels/ref/img_blend_ref.c. Bit-exact with the reference.
 *
 * The blend works on 64 bytes at a time: frame and background bytes are
 * interleaved with each other and alpha with 255 - alpha, and one multiply-add
 * of unsigned by signed bytes (VPMADDUBSW) forms the whole weighted sum (mix in
 * templates/blend_mix.inc, shared with AVX2). Alpha needs one more shuffle, to
 * repeat each pixel's alpha over its channel bytes. For 3-byte pixels, 64
 * pixels fill three vectors of 192 bytes; every 16-byte lane of those needs alpha from one 16-pixel window
 * of the 64 alphas, so one VSHUFI64X2 (pick the window per lane) and one
 * VPSHUFB (repeat within the lane) make each expanded alpha vector.
 * Tails use masked loads and stores (fault-suppressing), so nothing outside
 * the row is touched.
 */
#include <immintrin.h>

#include "kernels/img_kernels.h"
#include "kernels/x86_avx512/simd_avx512.h"

#include "kernels/templates/blend_mix.inc" /* mix, accum */

/* VPSHUFB indices: expanded vector k, lane L takes pixel bytes from the
 * 16-pixel window W[k][L] = {0,0,0,1}, {1,1,2,2}, {2,3,3,3}. */
static const uint8_t EXPAND3[3][64] = {
    {0,  0,  0,  1,  1,  1,  2,  2,  2,  3,  3,  3,  4,  4,  4,  5,  5,  5,  6,  6,  6,  7,
     7,  7,  8,  8,  8,  9,  9,  9,  10, 10, 10, 11, 11, 11, 12, 12, 12, 13, 13, 13, 14, 14,
     14, 15, 15, 15, 0,  0,  0,  1,  1,  1,  2,  2,  2,  3,  3,  3,  4,  4,  4,  5},
    {5,  5,  6,  6,  6,  7,  7,  7,  8,  8,  8,  9,  9,  9,  10, 10, 10, 11, 11, 11, 12, 12,
     12, 13, 13, 13, 14, 14, 14, 15, 15, 15, 0,  0,  0,  1,  1,  1,  2,  2,  2,  3,  3,  3,
     4,  4,  4,  5,  5,  5,  6,  6,  6,  7,  7,  7,  8,  8,  8,  9,  9,  9,  10, 10},
    {10, 11, 11, 11, 12, 12, 12, 13, 13, 13, 14, 14, 14, 15, 15, 15, 0,  0,  0,  1,  1,  1,
     2,  2,  2,  3,  3,  3,  4,  4,  4,  5,  5,  5,  6,  6,  6,  7,  7,  7,  8,  8,  8,  9,
     9,  9,  10, 10, 10, 11, 11, 11, 12, 12, 12, 13, 13, 13, 14, 14, 14, 15, 15, 15},
};
/* Lane selectors for _mm512_shuffle_i64x2(A, A, imm): imm = l0 | l1<<2 | l2<<4 | l3<<6. */
#define SEL(l0, l1, l2, l3) ((l0) | ((l1) << 2) | ((l2) << 4) | ((l3) << 6))

/* 4-byte pixels: lane L (pixels 4L..4L+3) repeats each alpha four times. */
static const uint8_t EXPAND4[64] = {0,  0,  0,  0,  1,  1,  1,  1,  2,  2,  2,  2,  3,  3,  3,  3,
                                    4,  4,  4,  4,  5,  5,  5,  5,  6,  6,  6,  6,  7,  7,  7,  7,
                                    8,  8,  8,  8,  9,  9,  9,  9,  10, 10, 10, 10, 11, 11, 11, 11,
                                    12, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15};

/* Byte mask for the first n (0..64) bytes. */
static inline __mmask64 first_bytes(int n) {
    if (n <= 0) return 0;
    return n >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << n) - 1);
}

void bd_u8_blend_c1_avx512(const uint8_t *restrict f, const uint8_t *restrict b,
                           const uint8_t *restrict a, uint8_t *o, int n) {
    int i = 0;
    for (; i + 64 <= n; i += 64) {
        __m512i r = mix(_mm512_loadu_si512(f + i), _mm512_loadu_si512(b + i),
                          _mm512_loadu_si512(a + i));
        _mm512_storeu_si512(o + i, r);
    }
    if (i < n) {
        const __mmask64 m = first_bytes(n - i);
        __m512i r = mix(_mm512_maskz_loadu_epi8(m, f + i), _mm512_maskz_loadu_epi8(m, b + i),
                          _mm512_maskz_loadu_epi8(m, a + i));
        _mm512_mask_storeu_epi8(o + i, m, r);
    }
}

/* 64 pixels of 3 bytes (or fewer: np pixels, masked). Always inlined, so that
 * a constant np = 64 folds the masks away. */
static inline __attribute__((always_inline)) void
blend_c3_block(const uint8_t *f, const uint8_t *b, const uint8_t *a, uint8_t *o, int np,
               __m512i x0, __m512i x1, __m512i x2) {
    const __mmask64 ma = first_bytes(np);
    const __mmask64 m0 = first_bytes(3 * np), m1 = first_bytes(3 * np - 64),
                    m2 = first_bytes(3 * np - 128);
    const __m512i av = _mm512_maskz_loadu_epi8(ma, a);
    const __m512i a0 = _mm512_shuffle_epi8(_mm512_shuffle_i64x2(av, av, SEL(0, 0, 0, 1)), x0);
    const __m512i a1 = _mm512_shuffle_epi8(_mm512_shuffle_i64x2(av, av, SEL(1, 1, 2, 2)), x1);
    const __m512i a2 = _mm512_shuffle_epi8(_mm512_shuffle_i64x2(av, av, SEL(2, 3, 3, 3)), x2);
    const __m512i r0 =
        mix(_mm512_maskz_loadu_epi8(m0, f), _mm512_maskz_loadu_epi8(m0, b), a0);
    const __m512i r1 =
        mix(_mm512_maskz_loadu_epi8(m1, f + 64), _mm512_maskz_loadu_epi8(m1, b + 64), a1);
    const __m512i r2 =
        mix(_mm512_maskz_loadu_epi8(m2, f + 128), _mm512_maskz_loadu_epi8(m2, b + 128), a2);
    _mm512_mask_storeu_epi8(o, m0, r0);
    _mm512_mask_storeu_epi8(o + 64, m1, r1);
    _mm512_mask_storeu_epi8(o + 128, m2, r2);
}

void bd_u8_blend_c3_avx512(const uint8_t *restrict f, const uint8_t *restrict b,
                           const uint8_t *restrict a, uint8_t *o, int n) {
    const __m512i x0 = _mm512_loadu_si512(EXPAND3[0]);
    const __m512i x1 = _mm512_loadu_si512(EXPAND3[1]);
    const __m512i x2 = _mm512_loadu_si512(EXPAND3[2]);
    int i = 0;
    /* Full blocks: np = 64 makes every mask all-ones, which the compiler folds
     * into plain loads and stores (no mask set-up left in the loop). */
    for (; i + 64 <= n; i += 64)
        blend_c3_block(f + 3 * (size_t)i, b + 3 * (size_t)i, a + i, o + 3 * (size_t)i, 64, x0, x1,
                       x2);
    if (i < n)
        blend_c3_block(f + 3 * (size_t)i, b + 3 * (size_t)i, a + i, o + 3 * (size_t)i, n - i, x0,
                       x1, x2);
}

void bd_u8_blend_c4_avx512(const uint8_t *restrict f, const uint8_t *restrict b,
                           const uint8_t *restrict a, uint8_t *o, int n, uint32_t or_mask) {
    const __m512i x4 = _mm512_loadu_si512(EXPAND4);
    const __m512i orv = _mm512_set1_epi32((int)or_mask);
    int i = 0;
    for (; i < n; i += 16) {
        const int np = n - i < 16 ? n - i : 16;
        const __mmask64 m = first_bytes(4 * np);
        const __m128i a16 = _mm_maskz_loadu_epi8((__mmask16)first_bytes(np), a + i);
        const __m512i av = _mm512_shuffle_epi8(_mm512_broadcast_i32x4(a16), x4);
        const __m512i r = mix(_mm512_maskz_loadu_epi8(m, f + 4 * (size_t)i),
                                _mm512_maskz_loadu_epi8(m, b + 4 * (size_t)i), av);
        _mm512_mask_storeu_epi8(o + 4 * (size_t)i, m, _mm512_or_si512(r, orv));
    }
}

/* Clamped, truncated float -> u8 for 16 lanes (v already in [0.5, 255.5]). */
void bd_f32_mask_row_avx512(const float *restrict h0, const float *restrict h1, float wy,
                            uint8_t *restrict alpha, int n) {
    const __m512 w = _mm512_set1_ps(wy);
    const __m512 lo = _mm512_set1_ps(0.5f), hi = _mm512_set1_ps(255.5f);
    int i = 0;
    /* 64 outputs per step: four vectors truncated to int32 and narrowed with
     * two saturating packs (values are 0..255, so saturation never acts) and
     * one lane permute to undo the packs' per-128-bit interleave. */
    const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    for (; i + 64 <= n; i += 64) {
        __m512i q[4];
        for (int j = 0; j < 4; j++) {
            const __m512 a = _mm512_loadu_ps(h0 + i + 16 * j);
            __m512 v = _mm512_add_ps(
                a, _mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(h1 + i + 16 * j), a), w));
            /* VMAXPS returns its second operand when either is NaN: NaN -> 0.5. */
            v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
            q[j] = _mm512_cvttps_epi32(v);
        }
        const __m512i p01 = _mm512_packs_epi32(q[0], q[1]), p23 = _mm512_packs_epi32(q[2], q[3]);
        const __m512i b = _mm512_packus_epi16(p01, p23);
        _mm512_storeu_si512(alpha + i, _mm512_permutexvar_epi32(order, b));
    }
    for (; i < n; i += 16) {
        const __mmask16 m = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
        const __m512 a = _mm512_maskz_loadu_ps(m, h0 + i);
        __m512 v = _mm512_add_ps(
            a, _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, h1 + i), a), w));
        v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
        _mm512_mask_cvtepi32_storeu_epi8(alpha + i, m, _mm512_cvttps_epi32(v));
    }
}

void bd_f32_hlerp_row_avx512(const float *restrict g, const bd_hlerp_table *t, float k, float b,
                             float *restrict out) {
    if (!t->base) {
        bd_f32_hlerp_row_ref(g, t, k, b, out);
        return;
    }
    /* Block bi: its 16 outputs read g[base .. base + 31] (two vectors); VPERMT2PS
     * picks each output's lo and hi from them. */
    const __m512 kv = _mm512_set1_ps(k), bv = _mm512_set1_ps(b);
    const int n = t->n;
    for (int i = 0, bi = 0; i < n; i += 16, bi++) {
        const __mmask16 m = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
        const float *src = g + t->base[bi];
        const __m512 s0 = _mm512_loadu_ps(src), s1 = _mm512_loadu_ps(src + 16);
        const __m512i il = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(m, t->rel_lo + i));
        const __m512i ih = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(m, t->rel_hi + i));
        const __m512 g0 = _mm512_permutex2var_ps(s0, il, s1);
        const __m512 g1 = _mm512_permutex2var_ps(s0, ih, s1);
        const __m512 v = _mm512_add_ps(
            g0, _mm512_mul_ps(_mm512_sub_ps(g1, g0), _mm512_maskz_loadu_ps(m, t->w + i)));
        _mm512_mask_storeu_ps(out + i, m, _mm512_add_ps(_mm512_mul_ps(v, kv), bv));
    }
}

void bd_i16_lerp_row_avx512(const int16_t *restrict h0, const int16_t *restrict h1, int16_t wy,
                            uint8_t *restrict o, int n) {
    const __m512i w = _mm512_set1_epi16(wy), c64 = _mm512_set1_epi16(64);
    for (int i = 0; i < n; i += 32) {
        const __mmask32 m =
            n - i >= 32 ? (__mmask32)0xffffffffu : (__mmask32)((1u << (n - i)) - 1);
        const __m512i a = _mm512_maskz_loadu_epi16(m, h0 + i);
        __m512i v = _mm512_add_epi16(
            a, _mm512_mulhrs_epi16(_mm512_sub_epi16(_mm512_maskz_loadu_epi16(m, h1 + i), a), w));
        v = _mm512_srai_epi16(_mm512_add_epi16(v, c64), 7);
        _mm512_mask_cvtepi16_storeu_epi8(o + i, m, v);
    }
}

void bd_i16_hlerp_row_avx512(const int16_t *restrict s, const bd_hlerp16_table *t,
                             int16_t *restrict out) {
    if (!t->base) {
        bd_i16_hlerp_row_ref(s, t, out);
        return;
    }
    /* Block bi: 32 outputs from the 64 values s[base .. base + 63]; VPERMT2W
     * picks lo and hi, VPMULHRSW does the rounding multiply. */
    const int n = t->n;
    for (int j = 0, bi = 0; j < n; j += 32, bi++) {
        const __mmask32 m =
            n - j >= 32 ? (__mmask32)0xffffffffu : (__mmask32)((1u << (n - j)) - 1);
        const int16_t *src = s + t->base[bi];
        const __m512i s0 = _mm512_loadu_si512(src), s1 = _mm512_loadu_si512(src + 32);
        const __m512i il = _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(m, t->rel_lo + j));
        const __m512i ih = _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(m, t->rel_hi + j));
        const __m512i a = _mm512_permutex2var_epi16(s0, il, s1);
        const __m512i b = _mm512_permutex2var_epi16(s0, ih, s1);
        const __m512i v = _mm512_add_epi16(
            a, _mm512_mulhrs_epi16(_mm512_sub_epi16(b, a), _mm512_maskz_loadu_epi16(m, t->w + j)));
        _mm512_mask_storeu_epi16(out + j, m, v);
    }
}

/* Byte 3 of every 4-byte slot := 1 (the weight's own lane). */
#define SLOT3 0x8888888888888888ull

void bd_u8_blur_accum_c3_avx512(const uint8_t *restrict f, const uint8_t *restrict a,
                                uint32_t *restrict acc, int n) {
    /* 16 pixels: 48 bytes spread to 4-byte slots as in the attach kernel. */
    const __m512i perm = _mm512_setr_epi32(0, 1, 2, 0, 3, 4, 5, 0, 6, 7, 8, 0, 9, 10, 11, 0);
    const __m512i spread = _mm512_broadcast_i32x4(
        _mm_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1));
    const __m512i x4 = _mm512_loadu_si512(EXPAND4), one = _mm512_set1_epi8(1);
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512i src = _mm512_maskz_loadu_epi8(0xffffffffffffull, f + 3 * (size_t)i);
        __m512i px = _mm512_shuffle_epi8(_mm512_permutexvar_epi32(perm, src), spread);
        px = _mm512_mask_blend_epi8((__mmask64)SLOT3, px, one);
        accum(acc + 4 * (size_t)i, px, _mm_loadu_si128((const __m128i *)(a + i)), x4);
    }
    if (i < n) bd_u8_blur_accum_c3_ref(f + 3 * (size_t)i, a + i, acc + 4 * (size_t)i, n - i);
}

void bd_u8_blur_accum_c4_avx512(const uint8_t *restrict f, const uint8_t *restrict a,
                                uint32_t *restrict acc, int n) {
    const __m512i x4 = _mm512_loadu_si512(EXPAND4), one = _mm512_set1_epi8(1);
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512i px = _mm512_mask_blend_epi8(
            (__mmask64)SLOT3, _mm512_loadu_si512(f + 4 * (size_t)i), one);
        accum(acc + 4 * (size_t)i, px, _mm_loadu_si128((const __m128i *)(a + i)), x4);
    }
    if (i < n) bd_u8_blur_accum_c4_ref(f + 4 * (size_t)i, a + i, acc + 4 * (size_t)i, n - i);
}

void bd_u8_attach_c3_avx512(const uint8_t *restrict f, const uint8_t *restrict a,
                            uint8_t *restrict o, int n, int premultiply) {
    /* 16 pixels: 48 bytes in, 64 out. VPERMD puts pixel bytes 12L..12L+11 into
     * lane L, VPSHUFB spreads them to 4-byte slots with byte 3 zero, then the
     * alpha is ORed in at byte 3. */
    const __m512i perm = _mm512_setr_epi32(0, 1, 2, 0, 3, 4, 5, 0, 6, 7, 8, 0, 9, 10, 11, 0);
    const __m512i spread = _mm512_broadcast_i32x4(
        _mm_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1));
    const __m512i x4 = _mm512_loadu_si512(EXPAND4);
    for (int i = 0; i < n; i += 16) {
        const int np = n - i < 16 ? n - i : 16;
        const __m512i src =
            _mm512_maskz_loadu_epi8(first_bytes(3 * np), f + 3 * (size_t)i);
        __m512i rgb0 = _mm512_shuffle_epi8(_mm512_permutexvar_epi32(perm, src), spread);
        const __m128i a16 = _mm_maskz_loadu_epi8((__mmask16)first_bytes(np), a + i);
        if (premultiply) {
            const __m512i av = _mm512_shuffle_epi8(_mm512_broadcast_i32x4(a16), x4);
            rgb0 = mix(rgb0, _mm512_setzero_si512(), av); /* byte 3: mix(0, 0) = 0 */
        }
        const __m512i out =
            _mm512_or_si512(rgb0, _mm512_slli_epi32(_mm512_cvtepu8_epi32(a16), 24));
        _mm512_mask_storeu_epi8(o + 4 * (size_t)i, first_bytes(4 * np), out);
    }
}

/* Luma of 16 pixels in 4-byte slots (R at byte ri of each slot): VPMADDUBSW
 * with weights (19, 37) on (R, G) and (8, 0) on (B, x) -- at most 14280, no
 * saturation -- then VPMADDWD adds the two pairs. */
static inline __m128i luma16(__m512i px, __m512i wts) {
    const __m512i pairs = _mm512_maddubs_epi16(px, wts);
    const __m512i sum = _mm512_madd_epi16(pairs, _mm512_set1_epi16(1));
    const __m512i l = _mm512_srli_epi32(_mm512_add_epi32(sum, _mm512_set1_epi32(32)), 6);
    return _mm512_cvtepi32_epi8(l);
}

static inline __m512i luma_weights(int ri) {
    /* bytes of a slot: R G B x (ri = 0) or B G R x (ri = 2) */
    return ri == 0 ? _mm512_set1_epi32(0x00082513) : _mm512_set1_epi32(0x00132508);
}

void bd_u8_luma_c4_avx512(const uint8_t *restrict f, uint8_t *restrict luma, int n, int ri) {
    const __m512i wts = luma_weights(ri);
    int i = 0;
    for (; i + 16 <= n; i += 16)
        _mm_storeu_si128((__m128i *)(luma + i), luma16(_mm512_loadu_si512(f + 4 * (size_t)i), wts));
    if (i < n) bd_u8_luma_c4_ref(f + 4 * (size_t)i, luma + i, n - i, ri);
}

void bd_u8_luma_c3_avx512(const uint8_t *restrict f, uint8_t *restrict luma, int n, int ri) {
    const __m512i perm = _mm512_setr_epi32(0, 1, 2, 0, 3, 4, 5, 0, 6, 7, 8, 0, 9, 10, 11, 0);
    const __m512i spread = _mm512_broadcast_i32x4(
        _mm_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1));
    const __m512i wts = luma_weights(ri);
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512i src = _mm512_maskz_loadu_epi8(0xffffffffffffull, f + 3 * (size_t)i);
        const __m512i px = _mm512_shuffle_epi8(_mm512_permutexvar_epi32(perm, src), spread);
        _mm_storeu_si128((__m128i *)(luma + i), luma16(px, wts));
    }
    if (i < n) bd_u8_luma_c3_ref(f + 3 * (size_t)i, luma + i, n - i, ri);
}

void bd_f32_refine_row_avx512(const float *restrict a0, const float *restrict a1,
                              const float *restrict b0, const float *restrict b1, float wy,
                              const uint8_t *restrict luma, uint8_t *restrict alpha, int n) {
    const __m512 w = _mm512_set1_ps(wy);
    const __m512 lo = _mm512_set1_ps(0.5f), hi = _mm512_set1_ps(255.5f);
    for (int i = 0; i < n; i += 16) {
        const __mmask16 m = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
        const __m512 pa = _mm512_maskz_loadu_ps(m, a0 + i), pb = _mm512_maskz_loadu_ps(m, b0 + i);
        const __m512 da = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a1 + i), pa);
        const __m512 db = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, b1 + i), pb);
        const __m512 a = _mm512_add_ps(pa, _mm512_mul_ps(da, w));
        const __m512 b = _mm512_add_ps(pb, _mm512_mul_ps(db, w));
        const __m128i l8 = _mm_maskz_loadu_epi8(m, luma + i);
        const __m512 l = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(l8));
        __m512 v = _mm512_add_ps(_mm512_mul_ps(a, l), b);
        v = _mm512_min_ps(_mm512_max_ps(v, lo), hi); /* NaN -> 0.5 */
        _mm512_mask_cvtepi32_storeu_epi8(alpha + i, m, _mm512_cvttps_epi32(v));
    }
}
