/*
 * blur_avx512.c -- the blur normalisation row kernel for the avx512 level (the
 * one definition is kernels/templates/blur_rows.inc).
 */
#define BD_TMPL_SFX(name) name##_avx512
#include "kernels/templates/blur_rows.inc"
