/*
 * conv_int8_ref.c -- the reference of the INT8 dense convolution (kernels.h,
 * bd_conv_int8_fn), of the activation quantisation and of its min/max.
 *
 * The specification: s8 weights (bd_int8_quantize_weight with the per-channel
 * bd_int8_weight_scale), u8 inputs (quantize_int8); for each output the int32
 * sum of q_x * q_w and the sum of q_w over the taps inside the image, then
 *   v = fmaf((float)(acc - zp * wsum), scale * wscale[oc], bias[oc]),
 * + residual, activation, as kernels.h says. The AVX-512 kernel does the same
 * integer sums (in another order: integers do not care) and the same float
 * operations, so the two agree bit for bit (tests/kernels/test_conv_int8.c).
 *
 * Packed layout of the reference: float wscale[out_c], float bias[out_c], then
 * the s8 weights [out_c, k_h, k_w, in_c].
 */
#include <math.h>
#include <string.h>

#include "kernels/kernels.h"

size_t bd_int8_conv2d_pack_ref(const bd_conv_params *p, const float *w, const float *bias,
                               int8_t *dst) {
    const size_t k = (size_t)p->k_h * p->k_w * p->in_c;
    const size_t head = 2 * (size_t)p->out_c * sizeof(float);
    if (dst) {
        float *ws = (float *)(void *)dst, *bs = ws + p->out_c;
        int8_t *q = dst + head;
        for (int oc = 0; oc < p->out_c; oc++) {
            const float *wo = w + (size_t)oc * k;
            const float s = bd_int8_weight_scale(wo, k);
            ws[oc] = s;
            bs[oc] = bias[oc];
            for (size_t i = 0; i < k; i++) q[(size_t)oc * k + i] = bd_int8_quantize_weight(wo[i], s);
        }
    }
    return head + (size_t)p->out_c * k;
}

void bd_int8_conv2d_ref(const bd_conv_params *p, const uint8_t *restrict in,
                        const bd_int8_qparams *qp, const int8_t *restrict packed,
                        const float *restrict residual, float *restrict out, int y0, int y1) {
    const int ic_n = p->in_c, cp = bd_int8_stride(ic_n);
    const float *ws = (const float *)(const void *)packed, *bs = ws + p->out_c;
    const int8_t *w = packed + 2 * (size_t)p->out_c * sizeof(float);
    const int c0 = p->oc_end ? p->oc_begin : 0, c1 = p->oc_end ? p->oc_end : p->out_c;
    for (int oy = y0; oy < y1; oy++) {
        for (int ox = 0; ox < p->out_w; ox++) {
            const size_t o = ((size_t)oy * p->out_w + ox) * p->out_c;
            for (int oc = c0; oc < c1; oc++) {
                int32_t acc = 0, wsum = 0;
                for (int ky = 0; ky < p->k_h; ky++) {
                    const int iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
                    if (iy < 0 || iy >= p->in_h) continue;
                    for (int kx = 0; kx < p->k_w; kx++) {
                        const int ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
                        if (ix < 0 || ix >= p->in_w) continue;
                        const uint8_t *ip = in + ((size_t)iy * p->in_w + ix) * cp;
                        const int8_t *wp = w + (((size_t)oc * p->k_h + ky) * p->k_w + kx) * ic_n;
                        for (int ic = 0; ic < ic_n; ic++) {
                            acc += (int32_t)ip[ic] * wp[ic];
                            wsum += wp[ic];
                        }
                    }
                }
                const float sc = qp->scale * ws[oc];
                float v = fmaf((float)(acc - qp->zero_point * wsum), sc, bs[oc]);
                if (residual) v += residual[o + oc];
                out[o + oc] = bd_act_apply(v, &p->act);
            }
        }
    }
}

void bd_int8_quantize_ref(const float *restrict in, uint8_t *restrict out, size_t i0, size_t i1,
                          int c, int cp, const bd_int8_qparams *qp) {
    for (size_t i = i0; i < i1; i++) {
        for (int ch = 0; ch < c; ch++) {
            float v = nearbyintf(in[i * c + ch] * qp->inv_scale) + (float)qp->zero_point;
            v = v < 0.0f ? 0.0f : (v > 255.0f ? 255.0f : v);
            out[i * cp + ch] = (uint8_t)v;
        }
        for (int ch = c; ch < cp; ch++) out[i * cp + ch] = (uint8_t)qp->zero_point;
    }
}

void bd_int8_minmax_ref(const float *restrict in, size_t n, float *mn, float *mx) {
    float lo = *mn, hi = *mx;
    for (size_t i = 0; i < n; i++) {
        lo = in[i] < lo ? in[i] : lo;
        hi = in[i] > hi ? in[i] : hi;
    }
    *mn = lo;
    *mx = hi;
}
