/*
 * temporal_ref.c -- the temporal smoother's row kernels for the ref level
 * (the one definition is kernels/templates/temporal_rows.inc).
 */
#define BD_TMPL_SFX(name) name##_ref
#include "kernels/templates/temporal_rows.inc"
