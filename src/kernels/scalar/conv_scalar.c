/*
 * conv_scalar.c -- portable C dense convolution: the register-blocked GEMM of the
 * SIMD levels written with fixed-size arrays, so the compiler keeps the tile in
 * registers and vectorises the 8-channel rows with whatever the baseline has
 * (SSE2 on x86-64, NEON on AArch64).
 *
 * Weights: bd_f32_conv2d_pack_blocked (nr = 8, vl = 8): per block of 8 output
 * channels, bias[8] then w[K][8], K = k_h*k_w*in_c in (ky, kx, ic) order.
 * Tiles of MR = 4 pixels x 8 channels; the taps as an n_ky x n_kx rectangle (1x1:
 * pixels contiguous across rows; else pixels along one output row, border pixels
 * in runs with the same valid taps). Epilogue: + residual, bd_act_apply.
 *
 * Numerics: per output, bias then the products in (tap, ic) order, as the
 * reference; only the residual is added before rounding the same way, so the
 * results match bd_f32_conv2d_ref to the last bit or within ~1e-7 relative
 * (FMA contraction where the target has it).
 */
#include <string.h>

#include "kernels/scalar/kernels_scalar.h"
#include "kernels/conv_geom.h"
#include "kernels/scalar/pack_blocked.h"

#define NB 8 /* channels per block */
#define MR 4 /* pixels per tile */

typedef struct tile_args {
    const float *a;
    size_t a_pix, a_row;
    int n_ky, run; /* tap rows; floats per tap row (n_kx * in_c, contiguous) */
    size_t a_col;  /* floats between kx taps when they are not contiguous */
    int n_kx, in_c;
    const float *w;
    size_t w_row_skip;
    const float *bias, *res;
    float *out;
    size_t o_pix;
    int lanes; /* valid channels in this block (1..8) */
} tile_args;

/* GCC/Clang generic vectors: 4 floats, lowered to SSE2 / NEON / scalar code. */
typedef float v4f __attribute__((vector_size(16)));

static inline v4f ld4(const float *p) {
    v4f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline __attribute__((always_inline)) void tile(const int mr, const tile_args *t,
                                                       const bd_act_params *act) {
    v4f acc[MR][2];
    const v4f b0 = ld4(t->bias), b1 = ld4(t->bias + 4);
    for (int r = 0; r < mr; r++) acc[r][0] = b0, acc[r][1] = b1;
    const float *w = t->w;
    for (int ky = 0; ky < t->n_ky; ky++) {
        for (int kx = 0; kx < t->n_kx; kx++) {
            const size_t off = (size_t)ky * t->a_row + (size_t)kx * t->a_col;
            for (int ic = 0; ic < t->in_c; ic++, w += NB) {
                const v4f w0 = ld4(w), w1 = ld4(w + 4);
                for (int r = 0; r < mr; r++) {
                    const float a = t->a[(size_t)r * t->a_pix + off + (size_t)ic];
                    acc[r][0] += a * w0;
                    acc[r][1] += a * w1;
                }
            }
        }
        w += t->w_row_skip;
    }
    for (int r = 0; r < mr; r++) {
        float v[NB];
        memcpy(v, acc[r], sizeof v);
        float *o = t->out + (size_t)r * t->o_pix;
        const float *rs = t->res ? t->res + (size_t)r * t->o_pix : NULL;
        for (int j = 0; j < t->lanes; j++) o[j] = bd_act_apply(rs ? v[j] + rs[j] : v[j], act);
    }
}

static void tile_any(int mr, const tile_args *t, const bd_act_params *act) {
    switch (mr) { /* constant trip counts, so the tile stays in registers */
    case 4: tile(4, t, act); break;
    case 3: tile(3, t, act); break;
    case 2: tile(2, t, act); break;
    default: tile(1, t, act); break;
    }
}

size_t bd_f32_conv2d_pack_scalar(const bd_conv_params *p, const float *w, const float *bias,
                                 float *dst) {
    return bd_f32_conv2d_pack_blocked(p, w, bias, dst, NB, NB);
}

void bd_f32_conv2d_scalar(const bd_conv_params *p, const float *restrict in,
                          const float *restrict packed, const float *restrict residual,
                          float *restrict out, int y0, int y1) {
    const int in_c = p->in_c, out_c = p->out_c;
    const size_t K = (size_t)p->k_h * p->k_w * in_c, blk_sz = (size_t)NB * (K + 1);
    tile_args t;
    t.o_pix = (size_t)out_c;
    if (p->k_h == 1 && p->k_w == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0 &&
        p->pad_left == 0 && p->in_h == p->out_h && p->in_w == p->out_w) {
        const size_t m1 = (size_t)y1 * p->out_w;
        t.a_pix = (size_t)in_c;
        t.a_row = t.a_col = 0;
        t.n_ky = t.n_kx = 1;
        t.in_c = in_c;
        t.w_row_skip = 0;
        for (size_t m = (size_t)y0 * p->out_w; m < m1; m += MR) {
            const int mr = m1 - m < MR ? (int)(m1 - m) : MR;
            for (int n0 = 0, b = 0; n0 < out_c; n0 += NB, b++) {
                const float *blk = packed + (size_t)b * blk_sz;
                t.a = in + m * in_c;
                t.bias = blk;
                t.w = blk + NB;
                t.res = residual ? residual + m * out_c + n0 : NULL;
                t.out = out + m * out_c + n0;
                t.lanes = out_c - n0 < NB ? out_c - n0 : NB;
                tile_any(mr, &t, &p->act);
            }
        }
        return;
    }
    const int sw = p->stride_w, pl = p->pad_left;
    int xa, xb;
    bd_conv_full_columns(p, &xa, &xb);
    t.a_row = (size_t)p->dil_h * p->in_w * in_c;
    t.a_col = (size_t)p->dil_w * in_c;
    t.a_pix = (size_t)sw * in_c;
    for (int oy = y0; oy < y1; oy++) {
        int ky0, ky1;
        const int by = oy * p->stride_h - p->pad_top;
        bd_tap_range(by, p->dil_h, p->k_h, p->in_h, &ky0, &ky1);
        t.n_ky = ky1 - ky0;
        const int iy0 = by + ky0 * p->dil_h;
        const size_t orow = (size_t)oy * p->out_w;
        for (int ox = 0; ox < p->out_w;) {
            int mr, kx0, kx1;
            if (ox >= xa && ox < xb) {
                mr = xb - ox < MR ? xb - ox : MR;
                kx0 = 0;
                kx1 = p->k_w;
            } else {
                /* Border pixels: a run of neighbours with the same cut kx range
                 * shares one tile (with a large dilation, e.g. the ASPP's 12..36,
                 * whole rows are border). */
                bd_tap_range(ox * sw - pl, p->dil_w, p->k_w, p->in_w, &kx0, &kx1);
                for (mr = 1; mr < MR && ox + mr < p->out_w; mr++) {
                    int lo, hi;
                    bd_tap_range((ox + mr) * sw - pl, p->dil_w, p->k_w, p->in_w, &lo, &hi);
                    if (lo != kx0 || hi != kx1) break;
                }
            }
            t.n_kx = kx1 - kx0;
            t.in_c = in_c;
            if (p->dil_w == 1) { /* the kx taps of a row are contiguous: one run */
                t.in_c = t.n_kx * in_c;
                t.n_kx = 1;
            }
            const int ix0 = ox * sw - pl + kx0 * p->dil_w;
            t.a = (t.n_ky > 0 && kx1 > kx0) ? in + ((size_t)iy0 * p->in_w + ix0) * in_c : in;
            for (int n0 = 0, b = 0; n0 < out_c; n0 += NB, b++) {
                const float *blk = packed + (size_t)b * blk_sz;
                t.bias = blk;
                t.w = blk + NB + ((size_t)ky0 * p->k_w + kx0) * in_c * NB;
                t.w_row_skip = (size_t)(p->k_w - (kx1 - kx0)) * in_c * NB;
                t.res = residual ? residual + (orow + ox) * out_c + n0 : NULL;
                t.out = out + (orow + ox) * out_c + n0;
                t.lanes = out_c - n0 < NB ? out_c - n0 : NB;
                tile_any(mr, &t, &p->act);
            }
            ox += mr;
        }
    }
}
