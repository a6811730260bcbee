/*
 * peak_avx2.c -- the peak-FMA loop (templates/peak.inc) at 256 bits.
 */
#include "kernels/x86_avx2/simd_avx2.h"

#define PEAK_CHAINS BD_PEAK_CHAINS_AVX2
#include "kernels/templates/peak.inc"
