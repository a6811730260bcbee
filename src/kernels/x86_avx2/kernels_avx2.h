/*
 * kernels_avx2.h -- the AVX2 + FMA kernels (the .c files of x86_avx2/),
 * installed by bd_kernels_init_avx2. Semantics and packed layouts: see each file.
 */
#ifndef BD_KERNELS_AVX2_H
#define BD_KERNELS_AVX2_H

#include "kernels/isa_kernels.h"

BD_DECLARE_ISA_KERNELS(avx2)

#endif
