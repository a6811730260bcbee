/*
 * tensor_avx512.c -- the frame-size tensor kernels (templates/tensor_rows.inc)
 * for AVX-512.
 */
#include "kernels/x86_avx512/simd_avx512.h"

#include "kernels/templates/tmpl.h"
#include "kernels/templates/tensor_rows.inc"
