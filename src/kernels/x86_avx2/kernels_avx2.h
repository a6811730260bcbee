/*
 * kernels_avx2.h -- the AVX2 + FMA kernels (the .c files of x86_avx2/),
 * installed by bd_kernels_init_avx2. Semantics and packed layouts: see each file.
 */
#ifndef BD_KERNELS_AVX2_H
#define BD_KERNELS_AVX2_H

#include "kernels/kernels.h"

size_t bd_f32_conv2d_pack_avx2(const bd_conv_params *p, const float *w, const float *bias,
                               float *dst);
void bd_f32_conv2d_avx2(const bd_conv_params *p, const float *restrict in,
                        const float *restrict packed, const float *restrict residual,
                        float *restrict out, int y0, int y1);
size_t bd_f32_dwconv2d_pack_avx2(const bd_conv_params *p, const float *w, const float *bias,
                                 float *dst);
void bd_f32_dwconv2d_avx2(const bd_conv_params *p, const float *restrict in,
                          const float *restrict packed, const float *restrict residual,
                          float *restrict out, int y0, int y1);
size_t bd_f32_tconv2d_pack_avx2(const bd_conv_params *p, const float *w, const float *bias,
                                float *dst);
void bd_f32_tconv2d_avx2(const bd_conv_params *p, const float *restrict in,
                         const float *restrict packed, const float *restrict residual,
                         float *restrict out, int y0, int y1);
/* Transposed convolution, any geometry without dilation (tconv_avx2.c); reached
 * through bd_f32_tconv2d_avx2 when its k == stride paths do not apply. */
size_t bd_f32_tconv2d_pack_phase_avx2(const bd_conv_params *p, const float *w,
                                      const float *bias, float *dst);
void bd_f32_tconv2d_phase_avx2(const bd_conv_params *p, const float *restrict in,
                               const float *restrict packed, const float *restrict residual,
                               float *restrict out, int y0, int y1);
void bd_f32_unary_avx2(const float *x, float *y, size_t n, const bd_act_params *p);
void bd_f32_add_avx2(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                     const bd_act_params *p);
void bd_f32_mul_avx2(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                     const bd_act_params *p);
void bd_f32_mean_hw_avx2(const float *restrict in, float *restrict out, size_t n_hw, int c);
void bd_f32_resize_bilinear_avx2(const bd_resize_params *p, const float *restrict in,
                                 float *restrict out, int y0, int y1);

void bd_f32_sub_avx2(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                     const bd_act_params *p);
void bd_f32_div_avx2(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                     const bd_act_params *p);
void bd_f32_prelu_avx2(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                       const bd_act_params *p);
void bd_f32_softmax_avx2(const float *x, float *y, size_t outer, size_t n, size_t inner);
/* FP16 weight storage (conv_f16_avx2.c, dwconv_f16_avx2.c). */
size_t bd_f16_conv2d_pack_avx2(const bd_conv_params *p, const float *w, const float *bias,
                               uint16_t *dst);
void bd_f16_conv2d_avx2(const bd_conv_params *p, const float *restrict in,
                        const uint16_t *restrict packed, const float *restrict residual,
                        float *restrict out, int y0, int y1);
size_t bd_f16_dwconv2d_pack_avx2(const bd_conv_params *p, const float *w, const float *bias,
                                 uint16_t *dst);
void bd_f16_dwconv2d_avx2(const bd_conv_params *p, const float *restrict in,
                          const uint16_t *restrict packed, const float *restrict residual,
                          float *restrict out, int y0, int y1);

#endif
