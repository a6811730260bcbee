/*
 * init_avx2.c -- installs the AVX2 + FMA kernels (overriding scalar): the
 * network kernels, the image kernels and the peak loop.
 */
#include "kernels/isa_tables.h"
#include "kernels/cmul.h"
#include "kernels/img_kernels.h"
#include "kernels/peak.h"
#include "kernels/x86_avx2/kernels_avx2.h"

void bd_kernels_init_avx2(bd_kernels *k) {
    k->conv2d = bd_f32_conv2d_avx2;
    k->conv2d_oc_block = 16; /* NR of templates/conv.inc at 8 lanes */
    k->pack_conv2d = bd_f32_conv2d_pack_avx2;
    k->dwconv2d = bd_f32_dwconv2d_avx2;
    k->pack_dwconv2d = bd_f32_dwconv2d_pack_avx2;
    k->tconv2d = bd_f32_tconv2d_avx2;
    k->pack_tconv2d = bd_f32_tconv2d_pack_avx2;
    for (int a = 0; a < BD_ACT_COUNT; a++)
        if (a != BD_ACT_TANH) k->unary[a] = bd_f32_unary_avx2;
    k->add = bd_f32_add_avx2;
    k->mul = bd_f32_mul_avx2;
    k->cmul = bd_f32_cmul_avx2;
    k->mean_hw = bd_f32_mean_hw_avx2;
    k->resize_bilinear = bd_f32_resize_bilinear_avx2;
    k->sub = bd_f32_sub_avx2;
    k->div = bd_f32_div_avx2;
    k->prelu = bd_f32_prelu_avx2;
    k->softmax = bd_f32_softmax_avx2;
    k->conv2d_f16 = bd_f16_conv2d_avx2;
    k->pack_conv2d_f16 = bd_f16_conv2d_pack_avx2;
    k->dwconv2d_f16 = bd_f16_dwconv2d_avx2;
    k->pack_dwconv2d_f16 = bd_f16_dwconv2d_pack_avx2;
    k->peak_fma = bd_peak_fma_avx2;
    k->peak_macs_per_iter = 16 * 8;
}

void bd_img_kernels_init_avx2(bd_img_kernels *k) {
    k->isa = BD_ISA_AVX2;
    k->blend_c1 = bd_u8_blend_c1_avx2;
    k->blend_c3 = bd_u8_blend_c3_avx2;
    k->blend_c4 = bd_u8_blend_c4_avx2;
    k->mask_row = bd_f32_mask_row_avx2;
    k->hlerp_row = bd_f32_hlerp_row_avx2;
    k->lerp16_row = bd_i16_lerp_row_avx2;
    k->hlerp16_row = bd_i16_hlerp_row_avx2;
    k->blur_accum_c3 = bd_u8_blur_accum_c3_avx2;
    k->blur_accum_c4 = bd_u8_blur_accum_c4_avx2;
    k->attach_c3 = bd_u8_attach_c3_avx2;
    /* no AVX2 versions yet (the reference C stays): luma_c3, luma_c4, refine_row */
    k->blur_accum_y1 = bd_u8_blur_accum_y1_avx2;
    k->blur_accum_y2 = bd_u8_blur_accum_y2_avx2;
    k->blur_accum_y4 = bd_u8_blur_accum_y4_avx2;
    k->avg2x2 = bd_u8_avg2x2_avx2;
    k->avg2x2_dup = bd_u8_avg2x2_dup_avx2;
    k->pair_avg = bd_u8_pair_avg_avx2;
    k->blur_norm4 = bd_f32_blur_norm4_avx2;
    k->pair_expand = bd_u8_pair_expand_avx2;
    k->tmp_quant3 = bd_tmp_quant3_avx2;
    k->tmp_quant1 = bd_tmp_quant1_avx2;
    k->tmp_change_row = bd_tmp_change_row_avx2;
    k->tmp_hbox5 = bd_tmp_hbox5_avx2;
    k->tmp_vbox5 = bd_tmp_vbox5_avx2;
    k->tmp_clamp_prob = bd_tmp_clamp_prob_avx2;
    k->tmp_smooth_row = bd_tmp_smooth_row_avx2;
}
