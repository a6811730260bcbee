/*
 * conv_f16_avx2.c -- dense convolution (1x1 GEMM, any geometry, fully
 * connected) with FP16 weight storage, AVX2 + FMA + F16C: templates/conv.inc
 * with 8-lane vectors, tiles of 6 pixels, a widened block shared by 16 tiles in
 * 1x1. F16C is part of this level (bd_cpu_detect requires it for AVX2).
 */
#include "kernels/x86_avx2/simd_avx2.h"
#include "kernels/x86_avx2/kernels_avx2.h"

#define CONV_WEIGHT_F16 1
#define CONV_MR 6
#define CONV_GROUP 16
#include "kernels/templates/conv.inc"
