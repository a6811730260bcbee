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
