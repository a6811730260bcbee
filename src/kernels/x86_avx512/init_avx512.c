/*
 * init_avx512.c -- installs the AVX-512 kernels (overriding AVX2 and scalar): the
 * network kernels, the image kernels and the peak loop.
 */
#include "kernels/isa_tables.h"
#include "kernels/cmul.h"
#include "kernels/img_kernels.h"
#include "kernels/peak.h"
#include "kernels/x86_avx512/kernels_avx512.h"

void bd_kernels_init_avx512(bd_kernels *k) {
    k->conv2d = bd_f32_conv2d_avx512;
    k->pack_conv2d = bd_f32_conv2d_pack_avx512;
    k->dwconv2d = bd_f32_dwconv2d_avx512;
    k->pack_dwconv2d = bd_f32_dwconv2d_pack_avx512;
    k->tconv2d = bd_f32_tconv2d_avx512;
    k->pack_tconv2d = bd_f32_tconv2d_pack_avx512;
    k->conv2d_oc_block = 32; /* NR of templates/conv.inc at 16 lanes */
    for (int a = 0; a < BD_ACT_COUNT; a++)
        if (a != BD_ACT_TANH) k->unary[a] = bd_f32_unary_avx512;
    k->add = bd_f32_add_avx512;
    k->mul = bd_f32_mul_avx512;
    k->cmul = bd_f32_cmul_avx512;
    k->mean_hw = bd_f32_mean_hw_avx512;
    k->resize_bilinear = bd_f32_resize_bilinear_avx512;
    k->sub = bd_f32_sub_avx512;
    k->div = bd_f32_div_avx512;
    k->prelu = bd_f32_prelu_avx512;
    k->softmax = bd_f32_softmax_avx512;
    k->conv2d_f16 = bd_f16_conv2d_avx512;
    k->pack_conv2d_f16 = bd_f16_conv2d_pack_avx512;
    k->dwconv2d_f16 = bd_f16_dwconv2d_avx512;
    k->pack_dwconv2d_f16 = bd_f16_dwconv2d_pack_avx512;
    k->transpose2d = bd_f32_transpose2d_avx512;
    k->peak_fma = bd_peak_fma_avx512;
    k->peak_macs_per_iter = 16 * 16;
}

void bd_img_kernels_init_avx512(bd_img_kernels *k) {
    k->isa = BD_ISA_AVX512;
    BD_FILL_IMG_KERNELS(k, avx512);
    BD_FILL_IMG_KERNELS_LUMA(k, avx512);
    BD_FILL_TMPL_KERNELS(k, avx512);
}
