/*
 * pack_blocked.c -- weight packing for the SIMD conv kernels (see pack_blocked.h).
 */
#include "kernels/scalar/pack_blocked.h"

#include <string.h>

size_t bd_f32_conv2d_pack_blocked(const bd_conv_params *p, const float *w, const float *bias,
                                  float *dst, int nr, int vl) {
    const size_t K = (size_t)p->k_h * p->k_w * p->in_c;
    size_t total = 0;
    for (int n0 = 0; n0 < p->out_c; n0 += nr) {
        const int nb = bd_pack_block_width(p->out_c, n0, nr, vl);
        const int real = p->out_c - n0 < nr ? p->out_c - n0 : nr;
        if (dst) {
            float *b = dst + total;
            memset(b, 0, sizeof(float) * (size_t)nb * (K + 1));
            for (int j = 0; j < real; j++) b[j] = bias[n0 + j];
            float *wp = b + nb;
            for (size_t k = 0; k < K; k++)
                for (int j = 0; j < real; j++) wp[k * nb + j] = w[(size_t)(n0 + j) * K + k];
        }
        total += (size_t)nb * (K + 1);
    }
    return total;
}

size_t bd_f32_dwconv2d_pack_padded(const bd_conv_params *p, const float *w, const float *bias,
                                   float *dst, int vl) {
    const int c = p->out_c, cp = (c + vl - 1) / vl * vl, taps = p->k_h * p->k_w;
    if (dst) {
        memset(dst, 0, sizeof(float) * (size_t)cp * (taps + 1));
        for (int t = 0; t < taps; t++)
            memcpy(dst + (size_t)t * cp, w + (size_t)t * c, sizeof(float) * (size_t)c);
        memcpy(dst + (size_t)taps * cp, bias, sizeof(float) * (size_t)c);
    }
    return (size_t)cp * (taps + 1);
}

int bd_tconv_fast_ok(const bd_conv_params *p, int vl) {
    return p->k_h == p->stride_h && p->k_w == p->stride_w && p->pad_left == 0 &&
           p->pad_top >= 0 && p->out_w == p->in_w * p->stride_w && p->k_w * p->out_c <= vl;
}

size_t bd_f32_tconv2d_pack_rows(const bd_conv_params *p, const float *w, const float *bias,
                                float *dst, int vl) {
    const int ic_n = p->in_c, nt = (p->k_w * p->out_c + vl - 1) / vl * vl;
    const size_t per_fy = (size_t)nt * (ic_n + 1);
    if (dst) {
        memset(dst, 0, sizeof(float) * per_fy * (size_t)p->k_h);
        for (int fy = 0; fy < p->k_h; fy++) {
            float *b = dst + fy * per_fy, *wp = b + nt;
            for (int fx = 0; fx < p->k_w; fx++)
                for (int oc = 0; oc < p->out_c; oc++) {
                    int lane = fx * p->out_c + oc;
                    b[lane] = bias[oc];
                    const float *src = w + (((size_t)oc * p->k_h + fy) * p->k_w + fx) * ic_n;
                    for (int ic = 0; ic < ic_n; ic++) wp[(size_t)ic * nt + lane] = src[ic];
                }
        }
    }
    return per_fy * (size_t)p->k_h;
}

int bd_tconv_lanes_ok(const bd_conv_params *p, int vl) {
    return bd_tconv_fast_ok(p, vl) && p->k_w * p->out_c <= 2;
}

size_t bd_f32_tconv2d_pack_lanes(const bd_conv_params *p, const float *w, const float *bias,
                                 float *dst, int vl) {
    const int ic_n = p->in_c, cp = (ic_n + vl - 1) / vl * vl, lanes = p->k_w * p->out_c;
    const size_t per_fy = (size_t)lanes * cp + (size_t)vl;
    if (dst) {
        memset(dst, 0, sizeof(float) * per_fy * (size_t)p->k_h);
        for (int fy = 0; fy < p->k_h; fy++) {
            float *b = dst + fy * per_fy;
            for (int fx = 0; fx < p->k_w; fx++)
                for (int oc = 0; oc < p->out_c; oc++) {
                    int lane = fx * p->out_c + oc;
                    const float *src = w + (((size_t)oc * p->k_h + fy) * p->k_w + fx) * ic_n;
                    for (int ic = 0; ic < ic_n; ic++) b[(size_t)lane * cp + ic] = src[ic];
                    b[(size_t)lanes * cp + lane] = bias[oc];
                }
        }
    }
    return per_fy * (size_t)p->k_h;
}
