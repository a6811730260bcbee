/*
 * yuv_avx2.c -- the YUV plane row kernels for the avx2 level (the one
 * definition is kernels/templates/yuv_rows.inc).
 */
#define BD_TMPL_SFX(name) name##_avx2
#include "kernels/templates/yuv_rows.inc"
