/*
 * isa_tables.h -- one init function per ISA directory; each overrides the table
 * entries its directory implements and leaves the rest alone.
 */
#ifndef BD_ISA_TABLES_H
#define BD_ISA_TABLES_H

#include "kernels/kernels.h"

void bd_kernels_init_scalar(bd_kernels *k);
void bd_kernels_init_avx2(bd_kernels *k);
void bd_kernels_init_avx512(bd_kernels *k);
/* The BF16 entries (conv_bf16_avx512.c): only on a CPU with AVX512_BF16. */
void bd_kernels_init_avx512_bf16(bd_kernels *k);
/* The INT8 entries (conv_int8_avx512.c): only on a CPU with AVX512_VNNI. */
void bd_kernels_init_avx512_int8(bd_kernels *k);

#endif
