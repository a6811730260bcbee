/*
 * dwconv_avx512.c -- depthwise convolution (depth_multiplier 1), NHWC, AVX-512,
 * vectorised over 16 channels (the last vector masked).
 *
 * Weights: bd_f32_dwconv2d_pack_padded (w[k_h*k_w][cp], bias[cp], cp = C rounded
 * up to 16). For 3x3 and 5x5 at stride 1 or 2 (no dilation) the pixels whose kx
 * taps are all inside the image go in tiles of 8 along the row: per tap row the
 * kernel loads the 8*S + K - S input columns once and does K*8 FMAs. Border
 * pixels and every other geometry go one pixel at a time over the valid taps.
 * depth_multiplier != 1 keeps the reference layout and kernel.
 *
 * Numerics: FMA in the reference's tap order, bias first; ~1e-6 relative.
 */
#include "kernels/scalar/pack_blocked.h"
#include "kernels/x86_avx512/kernels_avx512.h"
#include "kernels/x86_avx512/simd_avx512.h"

#define DW_MR 8

size_t bd_f32_dwconv2d_pack_avx512(const bd_conv_params *p, const float *w, const float *bias,
                                   float *dst) {
    if (p->depth_multiplier != 1) return bd_f32_dwconv2d_pack_ref(p, w, bias, dst);
    return bd_f32_dwconv2d_pack_padded(p, w, bias, dst, 16);
}

typedef struct dw_ctx {
    const bd_conv_params *p;
    const float *in, *w, *res;
    float *out;
    size_t cp;       /* padded channels of the weights */
    size_t in_row;   /* floats per input row */
} dw_ctx;

/* One tile of mr pixels starting at output ox of a row: a = input at (iy0, first
 * pixel's tap 0) + c, w = weights of tap (ky0, 0) + c. */
BD_INLINE void dw_tile(const int K, const int S, const int mr, const dw_ctx *d, const float *a,
                       const float *w, int n_ky, __m512 bias, __mmask16 m, size_t o,
                       const bd_act_params *act) {
    const size_t C = (size_t)d->p->in_c;
    __m512 acc[DW_MR];
#pragma GCC unroll 8
    for (int r = 0; r < mr; r++) acc[r] = bias;
    for (int ky = 0; ky < n_ky; ky++) {
        const float *rp = a + (size_t)ky * d->in_row;
        const float *wr = w + (size_t)ky * K * d->cp;
        __m512 x[DW_MR * 2 + 5];
#pragma GCC unroll 24
        for (int i = 0; i < (mr - 1) * S + K; i++) x[i] = _mm512_maskz_loadu_ps(m, rp + i * C);
#pragma GCC unroll 5
        for (int kx = 0; kx < K; kx++) {
            __m512 wv = _mm512_load_ps(wr + kx * d->cp);
#pragma GCC unroll 8
            for (int r = 0; r < mr; r++) acc[r] = _mm512_fmadd_ps(x[r * S + kx], wv, acc[r]);
        }
    }
#pragma GCC unroll 8
    for (int r = 0; r < mr; r++) {
        __m512 v = acc[r];
        if (d->res) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, d->res + o + r * C));
        _mm512_mask_storeu_ps(d->out + o + r * C, m, bd_act512(v, act));
    }
}

/* One output pixel over its valid taps (any geometry). */
static void dw_pixel(const dw_ctx *d, int oy, int ox, size_t c, __m512 bias, __mmask16 m) {
    const bd_conv_params *p = d->p;
    const size_t C = (size_t)p->in_c;
    __m512 acc = bias;
    for (int ky = 0; ky < p->k_h; ky++) {
        int iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
        if (iy < 0 || iy >= p->in_h) continue;
        for (int kx = 0; kx < p->k_w; kx++) {
            int ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
            if (ix < 0 || ix >= p->in_w) continue;
            __m512 x = _mm512_maskz_loadu_ps(m, d->in + ((size_t)iy * p->in_w + ix) * C + c);
            __m512 wv = _mm512_load_ps(d->w + ((size_t)ky * p->k_w + kx) * d->cp + c);
            acc = _mm512_fmadd_ps(x, wv, acc);
        }
    }
    const size_t o = ((size_t)oy * p->out_w + ox) * C + c;
    if (d->res) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(m, d->res + o));
    _mm512_mask_storeu_ps(d->out + o, m, bd_act512(acc, &p->act));
}

/* Interior pixels [xa, xb) of output row oy for channels [c, c+16). */
BD_INLINE void dw_run(const int K, const int S, const dw_ctx *d, int oy, int ky0, int n_ky,
                      int xa, int xb, size_t c, __m512 bias, __mmask16 m) {
    const bd_conv_params *p = d->p;
    const size_t C = (size_t)p->in_c;
    const int iy0 = oy * S - p->pad_top + ky0;
    const float *w = d->w + (size_t)ky0 * K * d->cp + c;
    const float *arow = d->in + (size_t)(n_ky > 0 ? iy0 : 0) * d->in_row + c;
    int ox = xa;
    for (; ox + DW_MR <= xb; ox += DW_MR)
        dw_tile(K, S, DW_MR, d, arow + (size_t)(ox * S - p->pad_left) * C, w, n_ky, bias, m,
                ((size_t)oy * p->out_w + ox) * C + c, &p->act);
    for (; ox < xb; ox++)
        dw_tile(K, S, 1, d, arow + (size_t)(ox * S - p->pad_left) * C, w, n_ky, bias, m,
                ((size_t)oy * p->out_w + ox) * C + c, &p->act);
}

void bd_f32_dwconv2d_avx512(const bd_conv_params *p, const float *restrict in,
                            const float *restrict packed, const float *restrict residual,
                            float *restrict out, int y0, int y1) {
    if (p->depth_multiplier != 1) {
        bd_f32_dwconv2d_ref(p, in, packed, residual, out, y0, y1);
        return;
    }
    const int C = p->in_c, taps = p->k_h * p->k_w;
    dw_ctx d = {p, in, packed, residual, out, (size_t)(C + 15) / 16 * 16,
                (size_t)p->in_w * C};
    const float *bias = packed + (size_t)taps * d.cp;
    const int K = p->k_w;
    const int fast = p->k_h == K && (K == 3 || K == 5) && p->stride_h == p->stride_w &&
                     (p->stride_w == 1 || p->stride_w == 2) && p->dil_h == 1 && p->dil_w == 1;
    /* Interior columns: every kx tap inside the image. */
    int xa = 0, xb = 0;
    if (fast) {
        const int S = p->stride_w;
        while (xa < p->out_w && xa * S - p->pad_left < 0) xa++;
        xb = xa;
        while (xb < p->out_w && xb * S - p->pad_left + K - 1 < p->in_w) xb++;
    }
    for (int oy = y0; oy < y1; oy++) {
        int ky0 = 0, ky1 = p->k_h;
        if (fast) {
            const int by = oy * p->stride_h - p->pad_top;
            while (ky0 < K && by + ky0 < 0) ky0++;
            while (ky1 > ky0 && by + ky1 - 1 >= p->in_h) ky1--;
        }
        for (int c = 0; c < C; c += 16) {
            const __mmask16 m = bd_mask16(C - c);
            const __m512 b = _mm512_load_ps(bias + c);
            int ox = 0;
            for (; ox < xa; ox++) dw_pixel(&d, oy, ox, (size_t)c, b, m);
            if (fast && xb > xa) {
                const int code = K * 10 + p->stride_w;
                switch (code) {
                case 31: dw_run(3, 1, &d, oy, ky0, ky1 - ky0, xa, xb, (size_t)c, b, m); break;
                case 32: dw_run(3, 2, &d, oy, ky0, ky1 - ky0, xa, xb, (size_t)c, b, m); break;
                case 51: dw_run(5, 1, &d, oy, ky0, ky1 - ky0, xa, xb, (size_t)c, b, m); break;
                default: dw_run(5, 2, &d, oy, ky0, ky1 - ky0, xa, xb, (size_t)c, b, m); break;
                }
                ox = xb;
            }
            for (; ox < p->out_w; ox++) dw_pixel(&d, oy, ox, (size_t)c, b, m);
        }
    }
}
