/*
 * yuv_ref.c -- the YUV plane row kernels for the ref level (the one
 * definition is kernels/templates/yuv_rows.inc).
 */
#define BD_TMPL_SFX(name) name##_ref
#include "kernels/templates/yuv_rows.inc"
