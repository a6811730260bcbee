/*
 * dispatch.c -- fills the kernel table: reference kernels first, then each ISA
 * level up to the requested one overrides what it implements (FFmpeg's
 * *_init pattern). A NEON level would add one more block here, nothing else.
 */
#include "kernels/kernels.h"
#include "kernels/isa_tables.h"

void bd_kernels_init(bd_kernels *k, bd_isa isa) {
    k->isa = isa;
    k->conv2d = bd_f32_conv2d_ref;
    k->conv2d_oc_block = 0; /* no channel ranges */
    k->dwconv2d = bd_f32_dwconv2d_ref;
    k->tconv2d = bd_f32_tconv2d_ref;
    k->pack_conv2d = bd_f32_conv2d_pack_ref;
    k->pack_dwconv2d = bd_f32_dwconv2d_pack_ref;
    k->pack_tconv2d = bd_f32_conv2d_pack_ref;
    k->avgpool = bd_f32_avgpool_ref;
    k->maxpool = bd_f32_maxpool_ref;
    k->mean_hw = bd_f32_mean_hw_ref;
    for (int a = 0; a < BD_ACT_COUNT; a++) k->unary[a] = bd_f32_unary_ref;
    k->add = bd_f32_add_ref;
    k->mul = bd_f32_mul_ref;
    k->cmul = bd_f32_cmul_ref;
    k->resize_bilinear = bd_f32_resize_bilinear_ref;
    k->sub = bd_f32_sub_ref;
    k->div = bd_f32_div_ref;
    k->prelu = bd_f32_prelu_ref;
    k->softmax = bd_f32_softmax_ref;
    k->pad = bd_f32_pad_ref;
    k->slice = bd_f32_slice_ref;
    k->resize_nearest = bd_f32_resize_nearest_ref;
    k->conv2d_f16 = NULL; /* FP16 storage: only levels with F16C install these */
    k->dwconv2d_f16 = NULL;
    k->pack_conv2d_f16 = NULL;
    k->pack_dwconv2d_f16 = NULL;
    k->transpose2d = bd_f32_transpose2d_ref;
    if (isa == BD_ISA_REF) return;
    bd_kernels_init_scalar(k);
#if defined(BD_HAVE_AVX2)
    if (isa >= BD_ISA_AVX2 && isa != BD_ISA_NEON) bd_kernels_init_avx2(k);
#endif
#if defined(BD_HAVE_AVX512)
    if (isa >= BD_ISA_AVX512 && isa != BD_ISA_NEON) bd_kernels_init_avx512(k);
#endif
}
