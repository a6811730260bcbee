/*
 * norm_avx2.c -- the instance-normalisation kernels (templates/norm.inc) for
 * AVX2.
 */
#include "kernels/x86_avx2/simd_avx2.h"
#include "kernels/x86_avx2/kernels_avx2.h"

#include "kernels/templates/norm.inc"
