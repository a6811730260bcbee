/*
 * peak_avx2.c -- the peak-FMA loop (templates/peak.inc) at 256 bits.
 */
#include "kernels/x86_avx2/simd_avx2.h"

#include "kernels/templates/peak.inc"
