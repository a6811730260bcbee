/*
 * conv_f16_avx512.c -- dense convolution (1x1 GEMM, any geometry, fully
 * connected) with FP16 weight storage, AVX-512: templates/conv.inc with 16-lane
 * vectors, tiles of 12 pixels, a widened block shared by 8 tiles (96 pixels) in 1x1.
 */
#include "kernels/x86_avx512/simd_avx512.h"
#include "kernels/x86_avx512/kernels_avx512.h"

#define CONV_WEIGHT_F16 1
#define CONV_MR 12
#define CONV_GROUP 8
#include "kernels/templates/conv.inc"
