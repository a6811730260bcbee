/*
 * tconv_avx2.c -- the phase-decomposed transposed convolution
 * (templates/tconv.inc) with 8-lane vectors and tiles of 6 pixels.
 */
#include "kernels/x86_avx2/simd_avx2.h"
#include "kernels/x86_avx2/kernels_avx2.h"

#define TCONV_MR 6
#include "kernels/templates/tconv.inc"
