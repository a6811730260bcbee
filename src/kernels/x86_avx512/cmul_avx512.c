/*
 * cmul_avx512.c -- channel-broadcast multiply(-add) (templates/cmul.inc) for AVX-512.
 */
#include "kernels/x86_avx512/simd_avx512.h"

#include "kernels/templates/cmul.inc"
