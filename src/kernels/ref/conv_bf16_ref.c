/*
 * conv_bf16_ref.c -- the reference of the BF16 dense convolution (kernels.h,
 * bd_conv_bf16_fn) and of the activation conversion to bfloat16.
 *
 * The specification: weights and inputs rounded to bfloat16 (bd_f32_to_bf16,
 * round to nearest even, subnormals to zero), their products summed in double
 * in the order bias, taps (ky, kx, ic), then rounded to float; then the
 * residual and the activation in fp32, as bd_f32_conv2d_ref does. The AVX-512
 * kernel sums the same exact products in fp32 in another order, so the two
 * agree to ~1e-6 of sum |w*x| (tests/kernels/test_conv_bf16.c).
 *
 * Packed layout of the reference: the bf16 weights [out_c, k_h, k_w, in_c],
 * then the fp32 bias as out_c pairs of uint16 (the float's bytes).
 */
#include <string.h>

#include "kernels/kernels.h"

size_t bd_bf16_conv2d_pack_ref(const bd_conv_params *p, const float *w, const float *bias,
                               uint16_t *dst) {
    const size_t n_w = (size_t)p->out_c * p->k_h * p->k_w * p->in_c;
    if (dst) {
        for (size_t i = 0; i < n_w; i++) dst[i] = bd_f32_to_bf16(w[i]);
        memcpy(dst + n_w, bias, (size_t)p->out_c * sizeof(float));
    }
    return n_w + 2 * (size_t)p->out_c;
}

void bd_bf16_conv2d_ref(const bd_conv_params *p, const uint16_t *restrict in,
                        const uint16_t *restrict packed, const float *restrict residual,
                        float *restrict out, int y0, int y1) {
    const int ic_n = p->in_c, cp = bd_bf16_stride(ic_n);
    const size_t n_w = (size_t)p->out_c * p->k_h * p->k_w * ic_n;
    const uint16_t *w = packed;
    for (int oy = y0; oy < y1; oy++) {
        for (int ox = 0; ox < p->out_w; ox++) {
            const size_t o = ((size_t)oy * p->out_w + ox) * p->out_c;
            for (int oc = 0; oc < p->out_c; oc++) {
                float b;
                memcpy(&b, packed + n_w + 2 * (size_t)oc, sizeof b);
                double acc = b;
                for (int ky = 0; ky < p->k_h; ky++) {
                    const int iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
                    if (iy < 0 || iy >= p->in_h) continue;
                    for (int kx = 0; kx < p->k_w; kx++) {
                        const int ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
                        if (ix < 0 || ix >= p->in_w) continue;
                        const uint16_t *ip = in + ((size_t)iy * p->in_w + ix) * cp;
                        const uint16_t *wp =
                            w + (((size_t)oc * p->k_h + ky) * p->k_w + kx) * ic_n;
                        for (int ic = 0; ic < ic_n; ic++)
                            acc += (double)bd_bf16_to_f32(ip[ic]) * bd_bf16_to_f32(wp[ic]);
                    }
                }
                float v = (float)acc;
                if (residual) v += residual[o + oc];
                out[o + oc] = bd_act_apply(v, &p->act);
            }
        }
    }
}

void bd_bf16_convert_ref(const float *restrict in, uint16_t *restrict out, size_t i0, size_t i1,
                         int c, int cp) {
    for (size_t i = i0; i < i1; i++) {
        for (int ch = 0; ch < c; ch++) out[i * cp + ch] = bd_f32_to_bf16(in[i * c + ch]);
        if (cp == c + 1) out[i * cp + c] = 0;
    }
}
