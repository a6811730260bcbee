/*
 * dwconv_f16_avx2.c -- depthwise convolution, FP16 weight storage, AVX2 + FMA + F16C: templates/dwconv.inc
 * with 8-lane vectors, tiles of 4 pixels, the input as a memory operand of each FMA (16 registers).
 */
#include "kernels/x86_avx2/simd_avx2.h"
#include "kernels/x86_avx2/kernels_avx2.h"

#define DW_WEIGHT_F16 1
#define DW_MR 4
#define DW_WINDOW 0
#include "kernels/templates/dwconv.inc"
