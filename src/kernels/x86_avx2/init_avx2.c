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
    BD_FILL_IMG_KERNELS(k, avx2);
    BD_FILL_TMPL_KERNELS(k, avx2);
    /* no AVX2 versions yet (the reference C stays): luma_c3, luma_c4, refine_row */
}
