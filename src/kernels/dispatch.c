/*
 * dispatch.c -- the one ISA ladder. It fills the kernel tables: the network
 * kernels (bd_kernels, with the peak-FMA loop) and the image kernels
 * (bd_img_kernels). Reference kernels go in first. Then each ISA level up to the
 * requested one overrides what it implements, through its init function
 * (FFmpeg's *_init pattern). A NEON level would add one more rung to
 * fill_tables, nothing else. CPU detection and the BD_ISA cap stay in
 * core/cpu.c (bd_isa_detect, bd_isa_resolve).
 */
#include <pthread.h>

#include "kernels/img_kernels.h"
#include "kernels/isa_tables.h"
#include "kernels/kernels.h"
#include "kernels/peak.h"

/* The reference level, the base every other level overrides. Entries not named
 * here are NULL: the FP16 storage kernels (only levels with F16C install them)
 * and the BF16 ones. */
static void net_ref(bd_kernels *k, bd_isa isa) {
    *k = (bd_kernels){
        .isa = isa,
        .conv2d = bd_f32_conv2d_ref,
        .conv2d_oc_block = 0, /* no channel ranges */
        .dwconv2d = bd_f32_dwconv2d_ref,
        .tconv2d = bd_f32_tconv2d_ref,
        .pack_conv2d = bd_f32_conv2d_pack_ref,
        .pack_dwconv2d = bd_f32_dwconv2d_pack_ref,
        .pack_tconv2d = bd_f32_conv2d_pack_ref,
        .avgpool = bd_f32_avgpool_ref,
        .maxpool = bd_f32_maxpool_ref,
        .mean_hw = bd_f32_mean_hw_ref,
        .norm_sums = bd_f32_norm_sums_ref,
        .channel_affine = bd_f32_channel_affine_ref,
        .add = bd_f32_add_ref,
        .mul = bd_f32_mul_ref,
        .cmul = bd_f32_cmul_ref,
        .resize_bilinear = bd_f32_resize_bilinear_ref,
        .resize_affine = bd_f32_resize_affine_ref,
        .sub = bd_f32_sub_ref,
        .div = bd_f32_div_ref,
        .prelu = bd_f32_prelu_ref,
        .softmax = bd_f32_softmax_ref,
        .pad = bd_f32_pad_ref,
        .slice = bd_f32_slice_ref,
        .resize_nearest = bd_f32_resize_nearest_ref,
        .transpose2d = bd_f32_transpose2d_ref,
        .peak_fma = bd_peak_fma_scalar,
        .peak_macs_per_iter = 16,
    };
    for (int a = 0; a < BD_ACT_COUNT; a++) k->unary[a] = bd_f32_unary_ref;
}

/* Levels without their own image kernels (scalar, NEON) keep these. */
static void img_ref(bd_img_kernels *k) {
    k->isa = BD_ISA_REF;
    BD_FILL_IMG_KERNELS(k, ref);
    BD_FILL_IMG_KERNELS_LUMA(k, ref);
    BD_FILL_TMPL_KERNELS(k, ref);
    BD_FILL_TENSOR_KERNELS(k, ref);
}

/* The ladder: fills whichever of net and img is not NULL for level isa. */
static void fill_tables(bd_isa isa, bd_kernels *net, bd_img_kernels *img) {
    if (net) net_ref(net, isa);
    if (img) img_ref(img);
    if (isa == BD_ISA_REF) return;
    if (net) bd_kernels_init_scalar(net);
#if defined(BD_HAVE_AVX2)
    if (isa >= BD_ISA_AVX2 && isa != BD_ISA_NEON) {
        if (net) bd_kernels_init_avx2(net);
        if (img) bd_img_kernels_init_avx2(img);
    }
#endif
#if defined(BD_HAVE_AVX512)
    if (isa >= BD_ISA_AVX512 && isa != BD_ISA_NEON) {
        if (net) bd_kernels_init_avx512(net);
        if (img) bd_img_kernels_init_avx512(img);
    }
#endif
#if defined(BD_HAVE_AVX512_BF16)
    /* Not a level of its own: the avx512 level plus three entries, which only a
     * CPU with AVX512_BF16 gets (anything else keeps them NULL and BF16 requests
     * fall back to fp32, never SIGILL). */
    if (net && isa >= BD_ISA_AVX512 && isa != BD_ISA_NEON) {
        bd_cpu_info ci;
        bd_cpu_detect(&ci);
        if (ci.avx512_bf16) bd_kernels_init_avx512_bf16(net);
    }
#endif
#if defined(BD_HAVE_AVX512_VNNI)
    /* The same for the INT8 entries and AVX512_VNNI. */
    if (net && isa >= BD_ISA_AVX512 && isa != BD_ISA_NEON) {
        bd_cpu_info ci;
        bd_cpu_detect(&ci);
        if (ci.avx512_vnni) bd_kernels_init_avx512_int8(net);
    }
#endif
}

void bd_kernels_init(bd_kernels *k, bd_isa isa) { fill_tables(isa, k, NULL); }

/* One image table per level (index = bd_isa), filled once. */
static bd_img_kernels img_tables[BD_ISA_NEON + 1];
static pthread_once_t img_once = PTHREAD_ONCE_INIT;

static void fill_img_tables(void) {
    /* Only levels this CPU (and the BD_ISA cap) allows run their init: an init is
     * compiled with its level's flags and may use its instructions (an AVX-512 init
     * on an AVX2-only CPU would stop with SIGILL). Higher entries get the best
     * allowed level; bd_img_kernels_get never returns them anyway. */
    for (int l = BD_ISA_REF; l <= BD_ISA_NEON; l++)
        fill_tables(bd_isa_resolve((bd_isa)l), NULL, &img_tables[l]);
}

const bd_img_kernels *bd_img_kernels_get(bd_isa isa) {
    pthread_once(&img_once, fill_img_tables);
    return &img_tables[bd_isa_resolve(isa)];
}
