/*
 * pack_f16.h -- half-precision versions of the pack_blocked.h layouts (FP16
 * weight storage). Each is the fp32 layout of the same name with every value
 * (weights, bias, zero padding) stored as bd_f32_to_f16 of it, so offsets in
 * elements are unchanged and the kernels index it exactly as the fp32 one.
 * Alignment: the runtime allocates with bd_aligned_alloc (64 bytes); a block of
 * nb halves is 2*nb bytes, so vector loads of vl halves are 2*vl-byte aligned.
 */
#ifndef BD_PACK_F16_H
#define BD_PACK_F16_H

#include "kernels/scalar/pack_blocked.h"

size_t bd_f16_conv2d_pack_blocked(const bd_conv_params *p, const float *w, const float *bias,
                                  uint16_t *dst, int nr, int vl);
size_t bd_f16_dwconv2d_pack_padded(const bd_conv_params *p, const float *w, const float *bias,
                                   uint16_t *dst, int vl);

#endif
