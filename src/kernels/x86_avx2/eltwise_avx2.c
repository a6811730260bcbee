/*
 * eltwise_avx2.c -- activations, add/mul with stride-0 broadcast, the global
 * mean (templates/eltwise.inc) for AVX2.
 */
#include "kernels/x86_avx2/simd_avx2.h"
#include "kernels/x86_avx2/kernels_avx2.h"

#include "kernels/templates/eltwise.inc"
