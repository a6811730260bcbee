/*
 * resize_avx512.c -- bilinear resize (templates/resize.inc) for AVX-512.
 */
#include "kernels/x86_avx512/simd_avx512.h"
#include "kernels/x86_avx512/kernels_avx512.h"

#include "kernels/templates/resize.inc"
