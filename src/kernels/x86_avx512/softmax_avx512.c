/*
 * softmax_avx512.c -- softmax along a strided axis (templates/softmax.inc) for AVX-512.
 */
#include "kernels/x86_avx512/simd_avx512.h"
#include "kernels/x86_avx512/kernels_avx512.h"

#include "kernels/templates/softmax.inc"
