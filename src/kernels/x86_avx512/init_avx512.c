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
    BD_FILL_ISA_KERNELS(k, avx512);
    k->conv2d_oc_block = 32; /* NR of templates/conv.inc at 16 lanes */
    k->transpose2d = bd_f32_transpose2d_avx512;
    k->peak_macs_per_iter = 16 * 16;
}

void bd_img_kernels_init_avx512(bd_img_kernels *k) {
    k->isa = BD_ISA_AVX512;
    BD_FILL_IMG_KERNELS(k, avx512);
    BD_FILL_IMG_KERNELS_LUMA(k, avx512);
    BD_FILL_TMPL_KERNELS(k, avx512);
    BD_FILL_TENSOR_KERNELS(k, avx512);
}
