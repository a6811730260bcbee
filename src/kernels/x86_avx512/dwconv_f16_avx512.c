/*
 * dwconv_f16_avx512.c -- depthwise convolution, FP16 weight storage, AVX-512: templates/dwconv.inc
 * with 16-lane vectors, tiles of 8 pixels, each tap row's input window loaded into registers once.
 */
#include "kernels/x86_avx512/simd_avx512.h"
#include "kernels/x86_avx512/kernels_avx512.h"

#define DW_WEIGHT_F16 1
#define DW_MR 8
#define DW_WINDOW 1
#include "kernels/templates/dwconv.inc"
