/*
 * yuv_avx512.c -- the YUV plane row kernels for the avx512 level (the one
 * definition is kernels/templates/yuv_rows.inc).
 */
#define BD_TMPL_SFX(name) name##_avx512
#include "kernels/templates/yuv_rows.inc"
