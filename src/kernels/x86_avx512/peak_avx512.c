/*
 * peak_avx512.c -- the peak-FMA loop (templates/peak.inc) at 512 bits.
 */
#include "kernels/x86_avx512/simd_avx512.h"

#include "kernels/templates/peak.inc"
