/*
 * resize_avx2.c -- bilinear resize (templates/resize.inc) for AVX2 + FMA.
 */
#include "kernels/x86_avx2/simd_avx2.h"
#include "kernels/x86_avx2/kernels_avx2.h"

#include "kernels/templates/resize.inc"
