/*
 * softmax_avx2.c -- softmax along a strided axis (templates/softmax.inc) for AVX2.
 */
#include "kernels/x86_avx2/simd_avx2.h"
#include "kernels/x86_avx2/kernels_avx2.h"

#include "kernels/templates/softmax.inc"
