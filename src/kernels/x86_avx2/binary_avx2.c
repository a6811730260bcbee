/*
 * binary_avx2.c -- subtract, divide and PRelu (templates/binary.inc) for AVX2.
 */
#include "kernels/x86_avx2/simd_avx2.h"
#include "kernels/x86_avx2/kernels_avx2.h"

#include "kernels/templates/binary.inc"
