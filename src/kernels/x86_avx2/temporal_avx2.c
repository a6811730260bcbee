/*
 * temporal_avx2.c -- the temporal smoother's row kernels for the avx2 level
 * (the one definition is kernels/templates/temporal_rows.inc).
 */
#define BD_TMPL_SFX(name) name##_avx2
#include "kernels/templates/temporal_rows.inc"
