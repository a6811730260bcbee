/*
 * pack_blocked.h -- weight layouts shared by the SIMD levels (plain C; each ISA's
 * pack function calls these with its own block width and vector length).
 *
 * Blocked conv2d layout ("GEMM panels"), K = k_h * k_w * in_c:
 *   for each output-channel block b (channels [b*nr, min(b*nr+nr, out_c))),
 *   of padded width nb = the block's width rounded up to vl:
 *     bias[nb], then w[K][nb] with k = (ky * k_w + kx) * in_c + ic,
 *   padded lanes zero. Blocks follow each other with no gap.
 *
 * The SIMD kernels read these with aligned vector loads: the destination must be
 * 64-byte aligned (the runtime allocates it with bd_aligned_alloc).
 *
 * Channel-padded depthwise layout, cp = out_c rounded up to vl:
 *   w[k_h * k_w][cp], then bias[cp], padded lanes zero.
 *
 * Half-precision versions (FP16 weight storage, the _as functions with f16): the
 * fp32 layout with every value (weights, bias, zero padding) stored as
 * bd_f32_to_f16 of it (nearest even, once at compile time), so offsets in
 * elements are unchanged and the kernels index it exactly as the fp32 one.
 * Alignment: a block of nb halves is 2*nb bytes, so vector loads of vl halves
 * are 2*vl-byte aligned.
 */
#ifndef BD_PACK_BLOCKED_H
#define BD_PACK_BLOCKED_H

#include "kernels/kernels.h"

/* Padded width of the block starting at channel n0. */
static inline int bd_pack_block_width(int out_c, int n0, int nr, int vl) {
    int nb = out_c - n0 < nr ? out_c - n0 : nr;
    return (nb + vl - 1) / vl * vl;
}

/* The two layouts below in either element type: floats, or (f16) IEEE halves. */
size_t bd_conv2d_pack_blocked_as(const bd_conv_params *p, const float *w, const float *bias,
                                 void *dst, int nr, int vl, bool f16);
size_t bd_dwconv2d_pack_padded_as(const bd_conv_params *p, const float *w, const float *bias,
                                  void *dst, int vl, bool f16);

size_t bd_f32_conv2d_pack_blocked(const bd_conv_params *p, const float *w, const float *bias,
                                  float *dst, int nr, int vl);
size_t bd_f32_dwconv2d_pack_padded(const bd_conv_params *p, const float *w, const float *bias,
                                   float *dst, int vl);

/* Transposed convolution with k == stride, fed row by row as a GEMM: for each
 * fy, bias[nt] then w[in_c][nt] with lane fx * out_c + oc, nt = k_w * out_c
 * rounded up to vl (padded lanes zero). Valid when bd_tconv_fast_ok(p, vl). */
int bd_tconv_fast_ok(const bd_conv_params *p, int vl);
size_t bd_f32_tconv2d_pack_rows(const bd_conv_params *p, const float *w, const float *bias,
                                float *dst, int vl);

/* Transposed convolution with k == stride and k_w * out_c <= 2 lanes, computed
 * with pixels across the vector (the input transposed in registers): for each
 * fy, w[lanes][cp] (cp = in_c rounded up to vl, lane fx * out_c + oc), then
 * bias[vl] (the first `lanes` used); padded entries zero. */
int bd_tconv_lanes_ok(const bd_conv_params *p, int vl);
size_t bd_f32_tconv2d_pack_lanes(const bd_conv_params *p, const float *w, const float *bias,
                                 float *dst, int vl);

/* tanh in place: the SIMD kernels run a TANH epilogue as NONE and then this over
 * the rows they wrote (keeps libm calls out of the vector loops). */
static inline void bd_tanh_inplace(float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = tanhf(y[i]);
}

#endif
