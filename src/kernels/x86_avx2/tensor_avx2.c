/*
 * tensor_avx2.c -- the frame-size tensor kernels (templates/tensor_rows.inc)
 * for AVX2.
 */
#include "kernels/x86_avx2/simd_avx2.h"

#include "kernels/templates/tmpl.h"
#include "kernels/templates/tensor_rows.inc"
