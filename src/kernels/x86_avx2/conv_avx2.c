/*
 * conv_avx2.c -- dense convolution and the k == stride transposed convolution,
 * fp32 weights, AVX2 + FMA: templates/conv.inc with 8-lane vectors, tiles of 6
 * pixels x 1..2 vectors (12 accumulators, 2 weight registers, 1 broadcast of
 * the 16), channel tails through vmaskmovps, one output row per input row in
 * the 1-2 lane transposed convolution (more would spill); and the Winograd
 * F(4x4, 3x3) convolution on the same micro-kernel (wino.inc).
 */
#include "kernels/x86_avx2/simd_avx2.h"
#include "kernels/x86_avx2/kernels_avx2.h"

#define CONV_WEIGHT_F16 0
#define CONV_MR 6
#define TCONV_RUN 1
#include "kernels/templates/conv.inc"
#include "kernels/templates/wino.inc"
