/*
 * tconv_avx512.c -- the phase-decomposed transposed convolution
 * (templates/tconv.inc) with 16-lane vectors and tiles of 12 pixels.
 */
#include "kernels/x86_avx512/simd_avx512.h"
#include "kernels/x86_avx512/kernels_avx512.h"

#define TCONV_MR 12
#include "kernels/templates/tconv.inc"
