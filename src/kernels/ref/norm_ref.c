/*
 * norm_ref.c -- reference kernels of instance normalisation: the shifted sums of
 * a range of channels over a range of pixels, and the per-channel affine map with
 * an activation (kernels.h, bd_norm_sums_fn and bd_channel_affine_fn). One element
 * at a time, sums in double.
 */
#include "kernels/kernels.h"

void bd_f32_norm_sums_ref(const float *restrict in, size_t p0, size_t p1, int c, int c0, int c1,
                          const float *restrict shift, double *restrict s1, double *restrict s2) {
    const size_t cs = (size_t)c;
    for (int ch = c0; ch < c1; ch++) {
        double a = 0.0, b = 0.0;
        for (size_t i = p0; i < p1; i++) {
            const double d = (double)in[i * cs + (size_t)ch] - (double)shift[ch - c0];
            a += d;
            b += d * d;
        }
        s1[ch - c0] = a;
        s2[ch - c0] = b;
    }
}

void bd_f32_channel_affine_ref(const float *in, float *out, size_t p0, size_t p1, int c,
                               const float *restrict sub, const float *restrict mul,
                               const float *restrict add, const bd_act_params *act) {
    const size_t cs = (size_t)c;
    for (size_t i = p0; i < p1; i++)
        for (size_t ch = 0; ch < cs; ch++) {
            const size_t o = i * cs + ch;
            const float d = in[o] - sub[ch], m = d * mul[ch];
            out[o] = bd_act_apply(m + add[ch], act);
        }
}
