/*
 * kernels_scalar.h -- the portable production kernels (the .c files of scalar/),
 * installed by bd_kernels_init_scalar.
 */
#ifndef BD_KERNELS_SCALAR_H
#define BD_KERNELS_SCALAR_H

#include "kernels/kernels.h"

size_t bd_f32_conv2d_pack_scalar(const bd_conv_params *p, const float *w, const float *bias,
                                 float *dst);
void bd_f32_conv2d_scalar(const bd_conv_params *p, const float *restrict in,
                          const float *restrict packed, const float *restrict residual,
                          float *restrict out, int y0, int y1);
void bd_f32_transpose2d_scalar(const float *restrict in, float *restrict out, size_t rows,
                               size_t cols, size_t r0, size_t r1, size_t c0, size_t c1);

void bd_f32_pad_scalar(const bd_copy_params *p, const float *restrict in, float *restrict out,
                       size_t r0, size_t r1);
void bd_f32_slice_scalar(const bd_copy_params *p, const float *restrict in,
                         float *restrict out, size_t r0, size_t r1);
void bd_f32_resize_nearest_scalar(const bd_nearest_params *p, const float *restrict in,
                                  float *restrict out, int y0, int y1);

#endif
