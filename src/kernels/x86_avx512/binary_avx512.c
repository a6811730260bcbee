/*
 * binary_avx512.c -- subtract, divide and PRelu (templates/binary.inc) for AVX-512.
 */
#include "kernels/x86_avx512/simd_avx512.h"
#include "kernels/x86_avx512/kernels_avx512.h"

#include "kernels/templates/binary.inc"
