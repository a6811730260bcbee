/*
 * img_blend_ref.c -- reference C for the image pipeline's row kernels (see
 * src/kernels/img_kernels.h for the exact contract of each). These are the
 * executable specification: the AVX2 and AVX-512 versions must produce the
 * same bytes for every input, which tests/unit/test_image_kernels.c checks.
 * They also serve as the portable path (BD_ISA=ref|scalar, non-x86 hosts).
 */
#include "kernels/img_kernels.h"

/* (a * f + (255 - a) * b + 127) / 255 for a, f, b in 0..255. The sum is at
 * most 65152, inside the range where (x + 1 + (x >> 8)) >> 8 == x / 255. */
static inline uint8_t mix(uint32_t f, uint32_t b, uint32_t a) {
    uint32_t x = a * f + (255u - a) * b + 127u;
    return (uint8_t)((x + 1u + (x >> 8)) >> 8);
}

void bd_u8_blend_c1_ref(const uint8_t *restrict f, const uint8_t *restrict b,
                        const uint8_t *restrict a, uint8_t *o, int n) {
    for (int i = 0; i < n; i++) o[i] = mix(f[i], b[i], a[i]);
}

void bd_u8_blend_c3_ref(const uint8_t *restrict f, const uint8_t *restrict b,
                        const uint8_t *restrict a, uint8_t *o, int n) {
    for (int i = 0; i < n; i++) {
        const uint32_t av = a[i];
        o[3 * i + 0] = mix(f[3 * i + 0], b[3 * i + 0], av);
        o[3 * i + 1] = mix(f[3 * i + 1], b[3 * i + 1], av);
        o[3 * i + 2] = mix(f[3 * i + 2], b[3 * i + 2], av);
    }
}

void bd_u8_blend_c4_ref(const uint8_t *restrict f, const uint8_t *restrict b,
                        const uint8_t *restrict a, uint8_t *o, int n, uint32_t or_mask) {
    for (int i = 0; i < n; i++) {
        const uint32_t av = a[i];
        for (int c = 0; c < 4; c++)
            o[4 * i + c] = (uint8_t)(mix(f[4 * i + c], b[4 * i + c], av) |
                                     (uint8_t)(or_mask >> (8 * c)));
    }
}

void bd_f32_mask_row_ref(const float *restrict h0, const float *restrict h1, float wy,
                         uint8_t *restrict alpha, int n) {
    for (int i = 0; i < n; i++) {
        float v = h0[i] + (h1[i] - h0[i]) * wy;
        if (!(v > 0.5f)) v = 0.5f; /* also NaN */
        if (v > 255.5f) v = 255.5f;
        alpha[i] = (uint8_t)v;
    }
}

void bd_f32_hlerp_row_ref(const float *restrict g, const bd_hlerp_table *t, float k, float b,
                          float *restrict out) {
    for (int x = 0; x < t->n; x++) {
        const float g0 = g[t->lo[x]], g1 = g[t->hi[x]];
        out[x] = (g0 + (g1 - g0) * t->w[x]) * k + b;
    }
}

void bd_i16_lerp_row_ref(const int16_t *restrict h0, const int16_t *restrict h1, int16_t wy,
                         uint8_t *restrict o, int n) {
    for (int i = 0; i < n; i++) {
        /* >> of a negative int is implementation-defined in C11; every compiler
         * we target shifts arithmetically, which PMULHRSW does too. */
        int32_t m = ((int32_t)(h1[i] - h0[i]) * wy + 16384) >> 15;
        int32_t v = h0[i] + m;
        o[i] = (uint8_t)((v + 64) >> 7);
    }
}

void bd_i16_hlerp_row_ref(const int16_t *restrict s, const bd_hlerp16_table *t,
                          int16_t *restrict out) {
    for (int j = 0; j < t->n; j++) {
        const int32_t a = s[t->lo[j]], d = s[t->hi[j]] - a;
        out[j] = (int16_t)(a + ((d * t->w[j] + 16384) >> 15));
    }
}

/* acc[4i + c] += f[bpp * i + c] * (256 - a[i]) for c < 3, acc[4i + 3] += 256 - a[i]
 * (the c4 kernel ignores the fourth byte); bpp is 3 or 4, a constant once inlined. */
static inline void blur_accum(const uint8_t *restrict f, const uint8_t *restrict a,
                              uint32_t *restrict acc, int n, int bpp) {
    for (int i = 0; i < n; i++) {
        const uint32_t w = 256u - a[i];
        const uint8_t *p = f + bpp * (size_t)i;
        acc[4 * i + 0] += p[0] * w;
        acc[4 * i + 1] += p[1] * w;
        acc[4 * i + 2] += p[2] * w;
        acc[4 * i + 3] += w;
    }
}

void bd_u8_blur_accum_c3_ref(const uint8_t *restrict f, const uint8_t *restrict a,
                             uint32_t *restrict acc, int n) {
    blur_accum(f, a, acc, n, 3);
}

void bd_u8_blur_accum_c4_ref(const uint8_t *restrict f, const uint8_t *restrict a,
                             uint32_t *restrict acc, int n) {
    blur_accum(f, a, acc, n, 4);
}

void bd_u8_attach_c3_ref(const uint8_t *restrict f, const uint8_t *restrict a,
                         uint8_t *restrict o, int n, int premultiply) {
    for (int i = 0; i < n; i++) {
        const uint32_t av = a[i];
        for (int c = 0; c < 3; c++)
            o[4 * i + c] = premultiply ? mix(f[3 * i + c], 0, av) : f[3 * i + c];
        o[4 * i + 3] = (uint8_t)av;
    }
}

/* Luma of pixels bpp bytes apart (3 or 4), R at byte ri (0 or 2) of each. */
static inline void luma_px(const uint8_t *restrict f, uint8_t *restrict out, int n, int ri,
                           int bpp) {
    for (int i = 0; i < n; i++) {
        const uint8_t *q = f + bpp * (size_t)i;
        out[i] = (uint8_t)((19u * q[ri] + 37u * q[1] + 8u * q[2 - ri] + 32u) >> 6);
    }
}

void bd_u8_luma_c3_ref(const uint8_t *restrict f, uint8_t *restrict luma, int n, int ri) {
    luma_px(f, luma, n, ri, 3);
}

void bd_u8_luma_c4_ref(const uint8_t *restrict f, uint8_t *restrict luma, int n, int ri) {
    luma_px(f, luma, n, ri, 4);
}

void bd_f32_refine_row_ref(const float *restrict a0, const float *restrict a1,
                           const float *restrict b0, const float *restrict b1, float wy,
                           const uint8_t *restrict luma, uint8_t *restrict alpha, int n) {
    for (int i = 0; i < n; i++) {
        const float a = a0[i] + (a1[i] - a0[i]) * wy;
        const float b = b0[i] + (b1[i] - b0[i]) * wy;
        float v = a * (float)luma[i] + b;
        if (!(v > 0.5f)) v = 0.5f; /* also NaN */
        if (v > 255.5f) v = 255.5f;
        alpha[i] = (uint8_t)v;
    }
}
