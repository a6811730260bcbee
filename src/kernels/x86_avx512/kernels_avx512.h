/*
 * kernels_avx512.h -- the AVX-512 kernels (the .c files of x86_avx512/), installed by
 * bd_kernels_init_avx512. Semantics and packed layouts: see each file.
 */
#ifndef BD_KERNELS_AVX512_H
#define BD_KERNELS_AVX512_H

#include "kernels/kernels.h"

size_t bd_f32_conv2d_pack_avx512(const bd_conv_params *p, const float *w, const float *bias,
                                 float *dst);
void bd_f32_conv2d_avx512(const bd_conv_params *p, const float *restrict in,
                          const float *restrict packed, const float *restrict residual,
                          float *restrict out, int y0, int y1);
size_t bd_f32_dwconv2d_pack_avx512(const bd_conv_params *p, const float *w, const float *bias,
                                   float *dst);
void bd_f32_dwconv2d_avx512(const bd_conv_params *p, const float *restrict in,
                            const float *restrict packed, const float *restrict residual,
                            float *restrict out, int y0, int y1);
size_t bd_f32_tconv2d_pack_avx512(const bd_conv_params *p, const float *w, const float *bias,
                                  float *dst);
void bd_f32_tconv2d_avx512(const bd_conv_params *p, const float *restrict in,
                           const float *restrict packed, const float *restrict residual,
                           float *restrict out, int y0, int y1);
/* Transposed convolution, any geometry without dilation (tconv_avx512.c); reached
 * through bd_f32_tconv2d_avx512 when its k == stride paths do not apply. */
size_t bd_f32_tconv2d_pack_phase_avx512(const bd_conv_params *p, const float *w,
                                        const float *bias, float *dst);
void bd_f32_tconv2d_phase_avx512(const bd_conv_params *p, const float *restrict in,
                                 const float *restrict packed, const float *restrict residual,
                                 float *restrict out, int y0, int y1);
void bd_f32_unary_avx512(const float *x, float *y, size_t n, const bd_act_params *p);
void bd_f32_add_avx512(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                       const bd_act_params *p);
void bd_f32_mul_avx512(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                       const bd_act_params *p);
void bd_f32_mean_hw_avx512(const float *restrict in, float *restrict out, size_t n_hw, int c);
void bd_f32_resize_bilinear_avx512(const bd_resize_params *p, const float *restrict in,
                                   float *restrict out, int y0, int y1);

void bd_f32_sub_avx512(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                     const bd_act_params *p);
void bd_f32_div_avx512(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                     const bd_act_params *p);
void bd_f32_prelu_avx512(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                       const bd_act_params *p);
void bd_f32_softmax_avx512(const float *x, float *y, size_t outer, size_t n, size_t inner);
/* FP16 weight storage (conv_f16_avx512.c, dwconv_f16_avx512.c). */
size_t bd_f16_conv2d_pack_avx512(const bd_conv_params *p, const float *w, const float *bias,
                                 uint16_t *dst);
void bd_f16_conv2d_avx512(const bd_conv_params *p, const float *restrict in,
                          const uint16_t *restrict packed, const float *restrict residual,
                          float *restrict out, int y0, int y1);
size_t bd_f16_dwconv2d_pack_avx512(const bd_conv_params *p, const float *w, const float *bias,
                                   uint16_t *dst);
void bd_f16_dwconv2d_avx512(const bd_conv_params *p, const float *restrict in,
                            const uint16_t *restrict packed, const float *restrict residual,
                            float *restrict out, int y0, int y1);
void bd_f32_transpose2d_avx512(const float *restrict in, float *restrict out, size_t rows,
                               size_t cols, size_t r0, size_t r1, size_t c0, size_t c1);

#endif
