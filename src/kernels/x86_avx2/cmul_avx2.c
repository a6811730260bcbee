/*
 * cmul_avx2.c -- channel-broadcast multiply(-add) (templates/cmul.inc) for AVX2 + FMA.
 */
#include "kernels/x86_avx2/simd_avx2.h"

#include "kernels/templates/cmul.inc"
