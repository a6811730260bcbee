/*
 * norm_avx512.c -- the instance-normalisation kernels (templates/norm.inc) for
 * AVX-512.
 */
#include "kernels/x86_avx512/simd_avx512.h"
#include "kernels/x86_avx512/kernels_avx512.h"

#include "kernels/templates/norm.inc"
