/*
 * conv_avx512.c -- dense convolution and the k == stride transposed
 * convolution, fp32 weights, AVX-512: templates/conv.inc with 16-lane vectors,
 * tiles of 12 pixels x 1..2 vectors (24 accumulators of the 32 registers), and
 * the 1-2 lane transposed convolution doing 4 output rows per input row, and
 * the Winograd F(4x4, 3x3) convolution on the same micro-kernel (wino.inc).
 */
#include "kernels/x86_avx512/simd_avx512.h"
#include "kernels/x86_avx512/kernels_avx512.h"

#define CONV_WEIGHT_F16 0
#define CONV_MR 12
#define TCONV_RUN 4
#include "kernels/templates/conv.inc"
#include "kernels/templates/wino.inc"
