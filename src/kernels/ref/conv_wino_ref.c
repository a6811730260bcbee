/*
 * conv_wino_ref.c -- reference Winograd F(4x4, 3x3) and F(2x2, 5x5) convolution
 * (kernels/wino.h),
 * plain C, one tile and one channel at a time. It is the specification of the
 * SIMD Winograd kernels (same transforms, same products; they sum the input
 * channels in another order), and is itself held against the direct reference
 * convolution in tests/kernels/test_wino.c.
 *
 * Packed: U[36][out_c][in_c] (U = G g G^T of each channel pair), then bias[out_c].
 * Scratch: V[36][in_c] of the current tile.
 */
#include "kernels/wino.h"

size_t bd_f32_conv2d_wino_pack_ref(const bd_conv_params *p, const float *w, const float *bias,
                                   float *dst) {
    const size_t in_c = (size_t)p->in_c, out_c = (size_t)p->out_c;
    const size_t n = BD_WINO_XI * out_c * in_c + out_c;
    if (!dst) return n;
    for (size_t oc = 0; oc < out_c; oc++)
        for (size_t ic = 0; ic < in_c; ic++) {
            float u[BD_WINO_XI];
            bd_wino_weight(w + oc * (size_t)(p->k_h * p->k_w) * in_c + ic, in_c, p->k_h, u);
            for (int xi = 0; xi < BD_WINO_XI; xi++) dst[(xi * out_c + oc) * in_c + ic] = u[xi];
        }
    for (size_t oc = 0; oc < out_c; oc++) dst[BD_WINO_XI * out_c * in_c + oc] = bias[oc];
    return n;
}

size_t bd_f32_conv2d_wino_scratch_ref(const bd_conv_params *p) {
    return (size_t)BD_WINO_XI * (size_t)p->in_c;
}

/* V[xi][ic] of the tile whose patch starts at input (iy0, ix0). */
static void input_tile(const bd_conv_params *p, const float *in, int iy0, int ix0, float *v) {
    const int in_c = p->in_c;
    for (int ic = 0; ic < in_c; ic++) {
        float d[6][6], t[6][6], r[6];
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++) {
                const int iy = iy0 + i, ix = ix0 + j;
                d[i][j] = iy >= 0 && iy < p->in_h && ix >= 0 && ix < p->in_w
                              ? in[((size_t)iy * p->in_w + ix) * in_c + ic]
                              : 0.0f;
            }
        for (int j = 0; j < 6; j++) {
            bd_wino_in6(&d[0][j], 6, r);
            for (int i = 0; i < 6; i++) t[i][j] = r[i];
        }
        for (int i = 0; i < 6; i++) {
            bd_wino_in6(t[i], 1, r);
            for (int j = 0; j < 6; j++) v[(size_t)(i * 6 + j) * in_c + ic] = r[j];
        }
    }
}

void bd_f32_conv2d_wino_ref(const bd_conv_params *p, const float *restrict in,
                            const float *restrict packed, const float *restrict residual,
                            float *restrict out, int y0, int y1, float *restrict scratch) {
    const size_t in_c = (size_t)p->in_c, out_c = (size_t)p->out_c;
    const float *bias = packed + BD_WINO_XI * out_c * in_c;
    const int mo = bd_wino_m(p);
    if (y1 > p->out_h) y1 = p->out_h;
    for (int ty = y0; ty < y1; ty += mo)
        for (int tx = 0; tx < p->out_w; tx += mo) {
            input_tile(p, in, ty - p->pad_top, tx - p->pad_left, scratch);
            for (size_t oc = 0; oc < out_c; oc++) {
                float m[BD_WINO_XI], t[4][6], o[4];
                for (int xi = 0; xi < BD_WINO_XI; xi++) {
                    const float *u = packed + (xi * out_c + oc) * in_c, *v = scratch + xi * in_c;
                    float s = 0.0f;
                    for (size_t ic = 0; ic < in_c; ic++) s += u[ic] * v[ic];
                    m[xi] = s;
                }
                for (int j = 0; j < 6; j++) {
                    bd_wino_out6(&m[j], 6, mo, o);
                    for (int r = 0; r < mo; r++) t[r][j] = o[r];
                }
                for (int r = 0; r < mo && ty + r < y1; r++) {
                    bd_wino_out6(t[r], 1, mo, o);
                    for (int c = 0; c < mo && tx + c < p->out_w; c++) {
                        const size_t at = ((size_t)(ty + r) * p->out_w + tx + c) * out_c + oc;
                        float v = o[c] + bias[oc];
                        if (residual) v += residual[at];
                        out[at] = bd_act_apply(v, &p->act);
                    }
                }
            }
        }
}
