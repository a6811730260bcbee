/*
 * img_kernels.c -- the image kernels' dispatch tables: one const table per ISA
 * level that was built, chosen by bd_img_kernels_get() from the level the
 * caller asks for, capped by what the CPU has (bd_isa_resolve). Levels
 * without their own image kernels (scalar, NEON) use the reference C.
 */
#include "image/img_kernels.h"

#include <stdlib.h>
#include <string.h>

static const bd_img_kernels REF = {
    .isa = BD_ISA_REF,
    .blend_c1 = bd_u8_blend_c1_ref,
    .blend_c3 = bd_u8_blend_c3_ref,
    .blend_c4 = bd_u8_blend_c4_ref,
    .mask_row = bd_f32_mask_row_ref,
    .hlerp_row = bd_f32_hlerp_row_ref,
    .lerp16_row = bd_i16_lerp_row_ref,
    .hlerp16_row = bd_i16_hlerp_row_ref,
    .blur_accum_c3 = bd_u8_blur_accum_c3_ref,
    .blur_accum_c4 = bd_u8_blur_accum_c4_ref,
    .attach_c3 = bd_u8_attach_c3_ref,
    .luma_c3 = bd_u8_luma_c3_ref,
    .luma_c4 = bd_u8_luma_c4_ref,
    .refine_row = bd_f32_refine_row_ref,
    .blur_accum_y1 = bd_u8_blur_accum_y1_ref,
    .blur_accum_y2 = bd_u8_blur_accum_y2_ref,
    .blur_accum_y4 = bd_u8_blur_accum_y4_ref,
    .avg2x2 = bd_u8_avg2x2_ref,
    .avg2x2_dup = bd_u8_avg2x2_dup_ref,
    .pair_avg = bd_u8_pair_avg_ref,
    .pair_expand = bd_u8_pair_expand_ref,
    .tmp_quant3 = bd_tmp_quant3_ref,
    .tmp_quant1 = bd_tmp_quant1_ref,
    .tmp_change_row = bd_tmp_change_row_ref,
    .tmp_hbox5 = bd_tmp_hbox5_ref,
    .tmp_vbox5 = bd_tmp_vbox5_ref,
    .tmp_clamp_prob = bd_tmp_clamp_prob_ref,
    .tmp_smooth_row = bd_tmp_smooth_row_ref,
};

#if defined(BD_HAVE_AVX2)
static const bd_img_kernels AVX2 = {
    .isa = BD_ISA_AVX2,
    .blend_c1 = bd_u8_blend_c1_avx2,
    .blend_c3 = bd_u8_blend_c3_avx2,
    .blend_c4 = bd_u8_blend_c4_avx2,
    .mask_row = bd_f32_mask_row_avx2,
    .hlerp_row = bd_f32_hlerp_row_avx2,
    .lerp16_row = bd_i16_lerp_row_avx2,
    .hlerp16_row = bd_i16_hlerp_row_avx2,
    .blur_accum_c3 = bd_u8_blur_accum_c3_avx2,
    .blur_accum_c4 = bd_u8_blur_accum_c4_avx2,
    .attach_c3 = bd_u8_attach_c3_avx2,
    /* no AVX2 versions yet: the reference C */
    .luma_c3 = bd_u8_luma_c3_ref,
    .luma_c4 = bd_u8_luma_c4_ref,
    .refine_row = bd_f32_refine_row_ref,
    .blur_accum_y1 = bd_u8_blur_accum_y1_avx2,
    .blur_accum_y2 = bd_u8_blur_accum_y2_avx2,
    .blur_accum_y4 = bd_u8_blur_accum_y4_avx2,
    .avg2x2 = bd_u8_avg2x2_avx2,
    .avg2x2_dup = bd_u8_avg2x2_dup_avx2,
    .pair_avg = bd_u8_pair_avg_avx2,
    .pair_expand = bd_u8_pair_expand_avx2,
    .tmp_quant3 = bd_tmp_quant3_avx2,
    .tmp_quant1 = bd_tmp_quant1_avx2,
    .tmp_change_row = bd_tmp_change_row_avx2,
    .tmp_hbox5 = bd_tmp_hbox5_avx2,
    .tmp_vbox5 = bd_tmp_vbox5_avx2,
    .tmp_clamp_prob = bd_tmp_clamp_prob_avx2,
    .tmp_smooth_row = bd_tmp_smooth_row_avx2,
};
#endif

#if defined(BD_HAVE_AVX512)
static const bd_img_kernels AVX512 = {
    .isa = BD_ISA_AVX512,
    .blend_c1 = bd_u8_blend_c1_avx512,
    .blend_c3 = bd_u8_blend_c3_avx512,
    .blend_c4 = bd_u8_blend_c4_avx512,
    .mask_row = bd_f32_mask_row_avx512,
    .hlerp_row = bd_f32_hlerp_row_avx512,
    .lerp16_row = bd_i16_lerp_row_avx512,
    .hlerp16_row = bd_i16_hlerp_row_avx512,
    .blur_accum_c3 = bd_u8_blur_accum_c3_avx512,
    .blur_accum_c4 = bd_u8_blur_accum_c4_avx512,
    .attach_c3 = bd_u8_attach_c3_avx512,
    .luma_c3 = bd_u8_luma_c3_avx512,
    .luma_c4 = bd_u8_luma_c4_avx512,
    .refine_row = bd_f32_refine_row_avx512,
    .blur_accum_y1 = bd_u8_blur_accum_y1_avx512,
    .blur_accum_y2 = bd_u8_blur_accum_y2_avx512,
    .blur_accum_y4 = bd_u8_blur_accum_y4_avx512,
    .avg2x2 = bd_u8_avg2x2_avx512,
    .avg2x2_dup = bd_u8_avg2x2_dup_avx512,
    .pair_avg = bd_u8_pair_avg_avx512,
    .pair_expand = bd_u8_pair_expand_avx512,
    .tmp_quant3 = bd_tmp_quant3_avx512,
    .tmp_quant1 = bd_tmp_quant1_avx512,
    .tmp_change_row = bd_tmp_change_row_avx512,
    .tmp_hbox5 = bd_tmp_hbox5_avx512,
    .tmp_vbox5 = bd_tmp_vbox5_avx512,
    .tmp_clamp_prob = bd_tmp_clamp_prob_avx512,
    .tmp_smooth_row = bd_tmp_smooth_row_avx512,
};
#endif

const bd_img_kernels *bd_img_kernels_get(bd_isa isa) {
    const bd_isa level = bd_isa_resolve(isa);
#if defined(BD_HAVE_AVX512)
    if (level >= BD_ISA_AVX512 && level != BD_ISA_NEON) return &AVX512;
#endif
#if defined(BD_HAVE_AVX2)
    if (level >= BD_ISA_AVX2 && level != BD_ISA_NEON) return &AVX2;
#endif
    (void)level;
    return &REF;
}

bd_status bd_hlerp_build(bd_hlerp_buf *h, const int32_t *lo, const int32_t *hi, const float *w,
                         int n) {
    const int nb = (n + 15) / 16;
    if (n > h->cap) {
        bd_hlerp_free(h);
        h->base = malloc((size_t)nb * sizeof *h->base);
        h->rel_lo = malloc((size_t)n);
        h->rel_hi = malloc((size_t)n);
        if (!h->base || !h->rel_lo || !h->rel_hi) {
            bd_hlerp_free(h);
            return BD_ERR_NO_MEMORY;
        }
        h->cap = n;
    }
    h->t.n = n;
    h->t.lo = lo;
    h->t.hi = hi;
    h->t.w = w;
    h->t.base = h->base;
    h->t.rel_lo = h->rel_lo;
    h->t.rel_hi = h->rel_hi;
    /* Block b reads sources base .. base + 31, base = its smallest lo. When an
     * output is out of that reach (downscaling by about 2 or more) the table
     * has no blocks and the kernels use their general path. */
    for (int b = 0; b < nb; b++) {
        const int x0 = 16 * b, x1 = x0 + 16 < n ? x0 + 16 : n;
        int base = lo[x0];
        for (int x = x0; x < x1; x++) base = lo[x] < base ? lo[x] : base;
        h->base[b] = base;
        for (int x = x0; x < x1; x++) {
            const int rl = lo[x] - base, rh = hi[x] - base;
            if (rl > 31 || rh > 31 || rh < 0) {
                h->t.base = NULL;
                return BD_OK;
            }
            h->rel_lo[x] = (uint8_t)rl;
            h->rel_hi[x] = (uint8_t)rh;
        }
    }
    return BD_OK;
}

void bd_hlerp_free(bd_hlerp_buf *h) {
    free(h->base);
    free(h->rel_lo);
    free(h->rel_hi);
    h->base = NULL;
    h->rel_lo = h->rel_hi = NULL;
    h->cap = 0;
    h->t.n = 0;
}

bd_status bd_hlerp16_build(bd_hlerp16_buf *h, const int32_t *lo_px, const int32_t *hi_px,
                           const double *w_px, int n_px, int C) {
    const int n = n_px * C, nb = (n + 31) / 32;
    if (n > h->cap) {
        bd_hlerp16_free(h);
        h->lo = malloc((size_t)n * sizeof *h->lo);
        h->hi = malloc((size_t)n * sizeof *h->hi);
        h->w = malloc((size_t)n * sizeof *h->w);
        h->base = malloc((size_t)nb * sizeof *h->base);
        h->rel_lo = malloc((size_t)n);
        h->rel_hi = malloc((size_t)n);
        if (!h->lo || !h->hi || !h->w || !h->base || !h->rel_lo || !h->rel_hi) {
            bd_hlerp16_free(h);
            return BD_ERR_NO_MEMORY;
        }
        h->cap = n;
    }
    for (int x = 0; x < n_px; x++) {
        int32_t wq = (int32_t)(w_px[x] * 32768.0 + 0.5);
        if (wq > 32767) wq = 32767;
        for (int c = 0; c < C; c++) {
            h->lo[x * C + c] = lo_px[x] * C + c;
            h->hi[x * C + c] = hi_px[x] * C + c;
            h->w[x * C + c] = (int16_t)wq;
        }
    }
    h->t.n = n;
    h->t.lo = h->lo;
    h->t.hi = h->hi;
    h->t.w = h->w;
    h->t.base = h->base;
    h->t.rel_lo = h->rel_lo;
    h->t.rel_hi = h->rel_hi;
    for (int b = 0; b < nb; b++) {
        const int j0 = 32 * b, j1 = j0 + 32 < n ? j0 + 32 : n;
        int base = h->lo[j0];
        for (int j = j0; j < j1; j++) base = h->lo[j] < base ? h->lo[j] : base;
        h->base[b] = base;
        for (int j = j0; j < j1; j++) {
            const int rl = h->lo[j] - base, rh = h->hi[j] - base;
            if (rl > 63 || rh > 63 || rh < 0) {
                h->t.base = NULL;
                return BD_OK;
            }
            h->rel_lo[j] = (uint8_t)rl;
            h->rel_hi[j] = (uint8_t)rh;
        }
    }
    return BD_OK;
}

void bd_hlerp16_free(bd_hlerp16_buf *h) {
    free(h->lo);
    free(h->hi);
    free(h->w);
    free(h->base);
    free(h->rel_lo);
    free(h->rel_hi);
    memset(h, 0, sizeof *h);
}
