/*
 * blur_ref.c -- the blur normalisation row kernel for the ref level (the
 * one definition is kernels/templates/blur_rows.inc).
 */
#define BD_TMPL_SFX(name) name##_ref
#include "kernels/templates/blur_rows.inc"
