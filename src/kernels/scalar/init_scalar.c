/*
 * init_scalar.c -- the portable production level. It has no kernels of its own
 * yet, so the reference kernels stay in place (TODO issue 4: blocked 1x1 GEMM).
 */
#include "kernels/isa_tables.h"

void bd_kernels_init_scalar(bd_kernels *k) { (void)k; }
