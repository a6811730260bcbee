/*
 * dwconv_avx2.c -- depthwise convolution, fp32 weights, AVX2 + FMA: templates/dwconv.inc
 * with 8-lane vectors, tiles of 4 pixels, the input as a memory operand of each FMA (16 registers).
 */
#include "kernels/x86_avx2/simd_avx2.h"
#include "kernels/x86_avx2/kernels_avx2.h"

#define DW_WEIGHT_F16 0
#define DW_MR 4
#define DW_WINDOW 0
#include "kernels/templates/dwconv.inc"
