/*
 * blur_avx2.c -- the blur normalisation row kernel for the avx2 level (the
 * one definition is kernels/templates/blur_rows.inc).
 */
#define BD_TMPL_SFX(name) name##_avx2
#include "kernels/templates/blur_rows.inc"
