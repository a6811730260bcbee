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
    BD_FILL_ISA_KERNELS(k, avx2);
    k->conv2d_oc_block = 16; /* NR of templates/conv.inc at 8 lanes */
    k->peak_macs_per_iter = BD_PEAK_CHAINS_AVX2 * 8;
}

void bd_img_kernels_init_avx2(bd_img_kernels *k) {
    k->isa = BD_ISA_AVX2;
    BD_FILL_IMG_KERNELS(k, avx2);
    BD_FILL_TMPL_KERNELS(k, avx2);
    BD_FILL_TENSOR_KERNELS(k, avx2);
    /* no AVX2 versions yet (the reference C stays): luma_c3, luma_c4, refine_row */
}
