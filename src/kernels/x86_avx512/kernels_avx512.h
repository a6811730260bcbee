/*
 * kernels_avx512.h -- the AVX-512 kernels (the .c files of x86_avx512/), installed by
 * bd_kernels_init_avx512. Semantics and packed layouts: see each file.
 */
#ifndef BD_KERNELS_AVX512_H
#define BD_KERNELS_AVX512_H

#include "kernels/isa_kernels.h"

BD_DECLARE_ISA_KERNELS(avx512)
void bd_f32_transpose2d_avx512(const float *restrict in, float *restrict out, size_t rows,
                               size_t cols, size_t r0, size_t r1, size_t c0, size_t c1);

#endif
