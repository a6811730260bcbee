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
/* BF16 weights and activations (conv_bf16_avx512.c, AVX512_BF16). */
size_t bd_bf16_conv2d_pack_avx512(const bd_conv_params *p, const float *w, const float *bias,
                                  uint16_t *dst);
void bd_bf16_conv2d_avx512(const bd_conv_params *p, const uint16_t *restrict in,
                           const uint16_t *restrict packed, const float *restrict residual,
                           float *restrict out, int y0, int y1);
void bd_bf16_convert_avx512(const float *restrict in, uint16_t *restrict out, size_t i0,
                            size_t i1, int c, int cp);
/* INT8 u8 x s8 (conv_int8_avx512.c, AVX512_VNNI). */
size_t bd_int8_conv2d_pack_avx512(const bd_conv_params *p, const float *w, const float *bias,
                                  int8_t *dst);
void bd_int8_conv2d_avx512(const bd_conv_params *p, const uint8_t *restrict in,
                           const bd_int8_qparams *qp, const int8_t *restrict packed,
                           const float *restrict residual, float *restrict out, int y0, int y1);
void bd_int8_quantize_avx512(const float *restrict in, uint8_t *restrict out, size_t i0, size_t i1,
                             int c, int cp, const bd_int8_qparams *qp);
void bd_int8_minmax_avx512(const float *restrict in, size_t n, float *mn, float *mx);

#endif
