/*
 * eltwise_avx512.c -- activations, add/mul with stride-0 broadcast, the global
 * mean (templates/eltwise.inc) for AVX-512.
 */
#include "kernels/x86_avx512/simd_avx512.h"
#include "kernels/x86_avx512/kernels_avx512.h"

#include "kernels/templates/eltwise.inc"
