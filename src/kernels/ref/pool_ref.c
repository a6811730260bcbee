/*
 * pool_ref.c -- reference pooling: windowed average and max, and the global mean.
 */
#include <float.h>
#include <math.h>

#include "kernels/kernels.h"

/* Shared window walk: avg divides by the number of in-bounds taps (TFLite). */
static void pool(const bd_conv_params *p, const float *restrict in, float *restrict out, int y0,
                 int y1, int is_max) {
    const int c_n = p->in_c;
    for (int oy = y0; oy < y1; oy++) {
        for (int ox = 0; ox < p->out_w; ox++) {
            float *o = out + ((size_t)oy * p->out_w + ox) * c_n;
            for (int c = 0; c < c_n; c++) {
                float acc = is_max ? -FLT_MAX : 0.0f;
                int count = 0;
                for (int ky = 0; ky < p->k_h; ky++) {
                    int iy = oy * p->stride_h - p->pad_top + ky;
                    if (iy < 0 || iy >= p->in_h) continue;
                    for (int kx = 0; kx < p->k_w; kx++) {
                        int ix = ox * p->stride_w - p->pad_left + kx;
                        if (ix < 0 || ix >= p->in_w) continue;
                        float v = in[((size_t)iy * p->in_w + ix) * c_n + c];
                        if (is_max) {
                            if (v > acc) acc = v;
                        } else {
                            acc += v;
                        }
                        count++;
                    }
                }
                if (!is_max) acc = count ? acc / (float)count : 0.0f;
                o[c] = bd_act_apply(acc, &p->act);
            }
        }
    }
}

void bd_f32_avgpool_ref(const bd_conv_params *p, const float *restrict in, float *restrict out,
                        int y0, int y1) {
    pool(p, in, out, y0, y1, 0);
}

void bd_f32_maxpool_ref(const bd_conv_params *p, const float *restrict in, float *restrict out,
                        int y0, int y1) {
    pool(p, in, out, y0, y1, 1);
}

/* Accumulates in double: the reference for faster float versions. */
void bd_f32_mean_hw_ref(const float *restrict in, float *restrict out, size_t n_hw, int c) {
    for (int ch = 0; ch < c; ch++) {
        double acc = 0.0;
        for (size_t i = 0; i < n_hw; i++) acc += in[i * (size_t)c + ch];
        out[ch] = (float)(acc / (double)n_hw);
    }
}

/* Two passes in double (mean, then the centred sum of squares), channels in blocks
 * of 64 so the strided NHWC reads stay row-wise; no allocation. */
void bd_f32_instance_norm_ref(const float *restrict in, float *restrict out, size_t n_hw, int c,
                              const float *restrict scale, const float *restrict bias, float eps) {
    enum { BLK = 64 };
    const size_t cs = (size_t)c;
    for (int c0 = 0; c0 < c; c0 += BLK) {
        const int nb = c - c0 < BLK ? c - c0 : BLK;
        double mean[BLK], ss[BLK];
        float mul[BLK], add[BLK];
        for (int j = 0; j < nb; j++) mean[j] = ss[j] = 0.0;
        for (size_t i = 0; i < n_hw; i++)
            for (int j = 0; j < nb; j++) mean[j] += in[i * cs + (size_t)(c0 + j)];
        for (int j = 0; j < nb; j++) mean[j] /= (double)n_hw;
        for (size_t i = 0; i < n_hw; i++)
            for (int j = 0; j < nb; j++) {
                double d = in[i * cs + (size_t)(c0 + j)] - mean[j];
                ss[j] += d * d;
            }
        for (int j = 0; j < nb; j++) {
            double inv = 1.0 / sqrt(ss[j] / (double)n_hw + (double)eps);
            mul[j] = (float)(scale[c0 + j] * inv);
            add[j] = (float)(bias[c0 + j] - mean[j] * scale[c0 + j] * inv);
        }
        for (size_t i = 0; i < n_hw; i++)
            for (int j = 0; j < nb; j++) {
                size_t o = i * cs + (size_t)(c0 + j);
                out[o] = in[o] * mul[j] + add[j];
            }
    }
}
