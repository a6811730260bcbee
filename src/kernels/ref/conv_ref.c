/*
 * conv_ref.c -- reference convolutions: dense, depthwise and transposed, NHWC.
 *
 * The executable specification: direct loops, float accumulation in the order
 * bias, then taps in (ky, kx, ic) order, then the residual. Faster kernels must
 * agree within the tolerance their tests state.
 *
 * Packed layout of the reference: the source weights unchanged, then the bias.
 */
#include <string.h>

#include "kernels/kernels.h"

/* Copies weights (n_w floats) and bias (out_c floats) into one block. */
static size_t pack_copy(size_t n_w, int out_c, const float *w, const float *bias, float *dst) {
    if (dst) {
        memcpy(dst, w, n_w * sizeof(float));
        memcpy(dst + n_w, bias, (size_t)out_c * sizeof(float));
    }
    return n_w + (size_t)out_c;
}

/* conv2d and tconv2d: [out_c, k_h, k_w, in_c] + bias. */
size_t bd_f32_conv2d_pack_ref(const bd_conv_params *p, const float *w, const float *bias,
                              float *dst) {
    size_t n_w = (size_t)p->out_c * p->k_h * p->k_w * p->in_c;
    return pack_copy(n_w, p->out_c, w, bias, dst);
}

/* dwconv2d: [k_h, k_w, out_c] + bias. */
size_t bd_f32_dwconv2d_pack_ref(const bd_conv_params *p, const float *w, const float *bias,
                                float *dst) {
    return pack_copy((size_t)p->k_h * p->k_w * p->out_c, p->out_c, w, bias, dst);
}

/* Input index read by tap f of output index o along one axis, or -1 for none:
 * the direct convolution's o * stride - pad + f * dil, or the transposed one's
 * iy with o + pad - f = iy * stride. */
static int tap_src(int o, int f, int stride, int pad, int dil, int n, bool transposed) {
    int i;
    if (transposed) {
        int t = o + pad - f;
        if (t < 0 || t % stride) return -1;
        i = t / stride;
    } else {
        i = o * stride - pad + f * dil;
    }
    return i >= 0 && i < n ? i : -1;
}

/* conv2d, or (transposed) tconv2d in its gather form: both read weights
 * [out_c, k_h, k_w, in_c] + bias. */
static void conv_gather(const bd_conv_params *p, const float *restrict in,
                        const float *restrict packed, const float *restrict residual,
                        float *restrict out, int y0, int y1, bool transposed) {
    const int ic_n = p->in_c;
    const float *w = packed, *bias = packed + (size_t)p->out_c * p->k_h * p->k_w * ic_n;
    for (int oy = y0; oy < y1; oy++) {
        for (int ox = 0; ox < p->out_w; ox++) {
            float *o = out + ((size_t)oy * p->out_w + ox) * p->out_c;
            for (int oc = 0; oc < p->out_c; oc++) {
                float acc = bias[oc];
                for (int ky = 0; ky < p->k_h; ky++) {
                    int iy = tap_src(oy, ky, p->stride_h, p->pad_top, p->dil_h, p->in_h,
                                     transposed);
                    if (iy < 0) continue;
                    for (int kx = 0; kx < p->k_w; kx++) {
                        int ix = tap_src(ox, kx, p->stride_w, p->pad_left, p->dil_w, p->in_w,
                                         transposed);
                        if (ix < 0) continue;
                        const float *ip = in + ((size_t)iy * p->in_w + ix) * ic_n;
                        const float *wp = w + (((size_t)oc * p->k_h + ky) * p->k_w + kx) * ic_n;
                        for (int ic = 0; ic < ic_n; ic++) acc += ip[ic] * wp[ic];
                    }
                }
                if (residual) acc += residual[(o - out) + oc];
                o[oc] = bd_act_apply(acc, &p->act);
            }
        }
    }
}

void bd_f32_conv2d_ref(const bd_conv_params *p, const float *restrict in,
                       const float *restrict packed, const float *restrict residual,
                       float *restrict out, int y0, int y1) {
    conv_gather(p, in, packed, residual, out, y0, y1, false);
}

void bd_f32_dwconv2d_ref(const bd_conv_params *p, const float *restrict in,
                         const float *restrict packed, const float *restrict residual,
                         float *restrict out, int y0, int y1) {
    const int m = p->depth_multiplier;
    const float *w = packed, *bias = packed + (size_t)p->k_h * p->k_w * p->out_c;
    for (int oy = y0; oy < y1; oy++) {
        for (int ox = 0; ox < p->out_w; ox++) {
            float *o = out + ((size_t)oy * p->out_w + ox) * p->out_c;
            for (int oc = 0; oc < p->out_c; oc++) {
                int ic = oc / m; /* output channel ic*m + j reads input channel ic */
                float acc = bias[oc];
                for (int ky = 0; ky < p->k_h; ky++) {
                    int iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
                    if (iy < 0 || iy >= p->in_h) continue;
                    for (int kx = 0; kx < p->k_w; kx++) {
                        int ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
                        if (ix < 0 || ix >= p->in_w) continue;
                        acc += in[((size_t)iy * p->in_w + ix) * p->in_c + ic] *
                               w[((size_t)ky * p->k_w + kx) * p->out_c + oc];
                    }
                }
                if (residual && p->residual_after_act) {
                    o[oc] = bd_act_apply(acc, &p->act) + residual[(o - out) + oc];
                    continue;
                }
                if (residual) acc += residual[(o - out) + oc];
                o[oc] = bd_act_apply(acc, &p->act);
            }
        }
    }
}

/* Transposed convolution written as a gather, so output rows are independent:
 * out[oy, ox, oc] = bias[oc] + sum over taps (fy, fx) with
 *   oy + pad_top - fy = iy * stride_h  (0 <= iy < in_h), likewise for x,
 * of dot(in[iy, ix, :], w[oc, fy, fx, :]). This equals the scatter form
 * out[iy*s - pad + f] += in[iy] * w[f] of MediaPipe's Convolution2DTransposeBias. */
void bd_f32_tconv2d_ref(const bd_conv_params *p, const float *restrict in,
                        const float *restrict packed, const float *restrict residual,
                        float *restrict out, int y0, int y1) {
    conv_gather(p, in, packed, residual, out, y0, y1, true);
}
