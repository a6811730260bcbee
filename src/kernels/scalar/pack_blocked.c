/*
 * pack_blocked.c -- weight packing for the SIMD conv kernels (see pack_blocked.h).
 */
#include "kernels/scalar/pack_blocked.h"

#include <string.h>

/* dst[i] = v, as a float or (f16) as an IEEE half. */
static void put(void *dst, size_t i, float v, bool f16) {
    if (f16) ((uint16_t *)dst)[i] = bd_f32_to_f16(v);
    else ((float *)dst)[i] = v;
}

size_t bd_conv2d_pack_blocked_as(const bd_conv_params *p, const float *w, const float *bias,
                                 void *dst, int nr, int vl, bool f16) {
    const size_t K = (size_t)p->k_h * p->k_w * p->in_c, esize = f16 ? 2 : sizeof(float);
    size_t total = 0;
    for (int n0 = 0; n0 < p->out_c; n0 += nr) {
        const int nb = bd_pack_block_width(p->out_c, n0, nr, vl);
        const int real = p->out_c - n0 < nr ? p->out_c - n0 : nr;
        if (dst) { /* half +0 is all-zero bits too */
            memset((char *)dst + total * esize, 0, esize * (size_t)nb * (K + 1));
            for (int j = 0; j < real; j++) put(dst, total + (size_t)j, bias[n0 + j], f16);
            size_t wp = total + (size_t)nb;
            for (size_t k = 0; k < K; k++)
                for (int j = 0; j < real; j++)
                    put(dst, wp + k * nb + (size_t)j, w[(size_t)(n0 + j) * K + k], f16);
        }
        total += (size_t)nb * (K + 1);
    }
    return total;
}

size_t bd_dwconv2d_pack_padded_as(const bd_conv_params *p, const float *w, const float *bias,
                                  void *dst, int vl, bool f16) {
    const int c = p->out_c, cp = (c + vl - 1) / vl * vl, taps = p->k_h * p->k_w;
    if (dst) {
        memset(dst, 0, (f16 ? 2 : sizeof(float)) * (size_t)cp * (taps + 1));
        for (int t = 0; t < taps; t++)
            for (int j = 0; j < c; j++) put(dst, (size_t)t * cp + j, w[(size_t)t * c + j], f16);
        for (int j = 0; j < c; j++) put(dst, (size_t)taps * cp + j, bias[j], f16);
    }
    return (size_t)cp * (taps + 1);
}

size_t bd_f32_conv2d_pack_blocked(const bd_conv_params *p, const float *w, const float *bias,
                                  float *dst, int nr, int vl) {
    return bd_conv2d_pack_blocked_as(p, w, bias, dst, nr, vl, false);
}

size_t bd_f32_dwconv2d_pack_padded(const bd_conv_params *p, const float *w, const float *bias,
                                   float *dst, int vl) {
    return bd_dwconv2d_pack_padded_as(p, w, bias, dst, vl, false);
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
