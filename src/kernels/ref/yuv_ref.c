/*
 * yuv_ref.c -- the YUV plane row kernels for the ref level (the one
 * definition is kernels/tmpl/yuv_rows.c.inc).
 */
#define BD_TMPL_SFX(name) name##_ref
#include "kernels/tmpl/yuv_rows.c.inc"
