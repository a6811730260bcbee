/*
 * temporal_avx512.c -- the temporal smoother's row kernels for the avx512 level
 * (the one definition is kernels/templates/temporal_rows.inc).
 */
#define BD_TMPL_SFX(name) name##_avx512
#include "kernels/templates/temporal_rows.inc"
