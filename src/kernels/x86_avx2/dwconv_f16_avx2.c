/*
 * dwconv_f16_avx2.c -- depthwise convolution (depth_multiplier 1) with FP16
 * weight storage, AVX2 + FMA + F16C: the kernel of dwconv_avx2.c with each weight
 * and bias vector loaded as 8 halves and widened by vcvtph2ps (exact); arithmetic
 * and accumulation as the fp32 kernel.
 *
 * Weights: bd_f16_dwconv2d_pack_padded (w[k_h*k_w][cp], bias[cp], cp = C rounded
 * up to 8, in halves). 3x3 and 5x5 at stride 1 or 2 go in tiles of 4/1 pixels,
 * everything else pixel by pixel (see dwconv_avx2.c).
 * Precondition: depth_multiplier == 1 (the pack function returns 0 for other
 * multipliers and the runtime then keeps that op in fp32).
 *
 * Numerics: the fp32 reference on the half-rounded weights, ~1e-6 relative.
 */
#include "kernels/scalar/pack_f16.h"
#include "kernels/conv_geom.h"
#include "kernels/x86_avx2/kernels_avx2.h"
#include "kernels/x86_avx2/simd_avx2.h"

/* 8 halves -> 8 floats (exact). */
BD_INLINE __m256 ldh(const uint16_t *p) {
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

#define DW_MR 4

size_t bd_f16_dwconv2d_pack_avx2(const bd_conv_params *p, const float *w, const float *bias,
                                 uint16_t *dst) {
    if (p->depth_multiplier != 1) return 0; /* no f16 kernel: stays fp32 */
    return bd_f16_dwconv2d_pack_padded(p, w, bias, dst, 8);
}

typedef struct dw_ctx {
    const bd_conv_params *p;
    const float *in, *res;
    const uint16_t *w, *bias; /* half */
    float *out;
    size_t C;      /* channels = floats per pixel */
    size_t cp;     /* padded channels of the weights */
    size_t in_row; /* floats per input row */
} dw_ctx;

/* n = 8: full vector; else the first n lanes. */
BD_INLINE __m256 ld(const float *p, int n, __m256i m) {
    return n >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m);
}

/* mr pixels, channels [c, c+8) (n of them valid). */
BD_INLINE void dw_vec(const int K, const int S, const int mr, const int full, const size_t C,
                      const dw_ctx *d, const float *a, const uint16_t *w, int n_ky, size_t o,
                      size_t c, int n) {
    const __m256i m = bd_mask8(n);
    const int nn = full ? 8 : n;
    const __m256 bias = ldh(d->bias + c);
    __m256 acc[DW_MR];
#pragma GCC unroll 4
    for (int r = 0; r < mr; r++) acc[r] = bias;
    for (int ky = 0; ky < n_ky; ky++) {
        const float *rp = a + (size_t)ky * d->in_row + c;
        const uint16_t *wr = w + (size_t)ky * K * d->cp + c;
#pragma GCC unroll 5
        for (int kx = 0; kx < K; kx++) {
            const __m256 wv = ldh(wr + kx * d->cp);
#pragma GCC unroll 4
            for (int r = 0; r < mr; r++)
                acc[r] = _mm256_fmadd_ps(ld(rp + (size_t)(r * S + kx) * C, nn, m), wv, acc[r]);
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < mr; r++) {
        __m256 v = acc[r];
        float *op = d->out + o + r * C + c;
        if (d->res && d->p->residual_after_act) {
            v = _mm256_add_ps(bd_act256(v, &d->p->act), ld(d->res + o + r * C + c, nn, m));
        } else {
            if (d->res) v = _mm256_add_ps(v, ld(d->res + o + r * C + c, nn, m));
            v = bd_act256(v, &d->p->act);
        }
        if (full) _mm256_storeu_ps(op, v);
        else _mm256_maskstore_ps(op, m, v);
    }
}

/* A tile of mr pixels (all kx taps inside), every channel vector. C16: exactly
 * 16 channels (constant strides, no tail). */
BD_INLINE void dw_tile(const int K, const int S, const int mr, const int C16, const dw_ctx *d,
                       const float *a, const uint16_t *w, int n_ky, size_t o) {
    if (C16) {
        dw_vec(K, S, mr, 1, 16, d, a, w, n_ky, o, 0, 8);
        dw_vec(K, S, mr, 1, 16, d, a, w, n_ky, o, 8, 8);
        return;
    }
    const size_t C = d->C;
    size_t c = 0;
    for (; c + 8 <= C; c += 8) dw_vec(K, S, mr, 1, C, d, a, w, n_ky, o, c, 8);
    if (c < C) dw_vec(K, S, mr, 0, C, d, a, w, n_ky, o, c, (int)(C - c));
}

/* One output pixel over its valid tap rectangle (any geometry), every channel. */
static void dw_pixel(const dw_ctx *d, int oy, int ox) {
    const bd_conv_params *p = d->p;
    const size_t C = d->C;
    const int by = oy * p->stride_h - p->pad_top, bx = ox * p->stride_w - p->pad_left;
    int ky0, ky1, kx0, kx1;
    bd_tap_range(by, p->dil_h, p->k_h, p->in_h, &ky0, &ky1);
    bd_tap_range(bx, p->dil_w, p->k_w, p->in_w, &kx0, &kx1);
    const size_t o = ((size_t)oy * p->out_w + ox) * C;
    for (size_t c = 0; c < C; c += 8) {
        const int n = C - c < 8 ? (int)(C - c) : 8;
        const __m256i m = bd_mask8(n);
        __m256 acc = ldh(d->bias + c);
        for (int ky = ky0; ky < ky1; ky++) {
            const float *rp = d->in + (size_t)(by + ky * p->dil_h) * d->in_row + c;
            const uint16_t *wr = d->w + (size_t)ky * p->k_w * d->cp + c;
            for (int kx = kx0; kx < kx1; kx++)
                acc = _mm256_fmadd_ps(ld(rp + (size_t)(bx + kx * p->dil_w) * C, n, m),
                                      ldh(wr + kx * d->cp), acc);
        }
        if (d->res && p->residual_after_act) {
            bd_store8(d->out + o + c,
                      _mm256_add_ps(bd_act256(acc, &p->act), ld(d->res + o + c, n, m)), n);
            continue;
        }
        if (d->res) acc = _mm256_add_ps(acc, ld(d->res + o + c, n, m));
        bd_store8(d->out + o + c, bd_act256(acc, &p->act), n);
    }
}

/* Output row oy: border pixels one by one, [xa, xb) in tiles of 4, then 1. */
BD_INLINE void dw_row(const int K, const int S, const int C16, const dw_ctx *d, int oy, int xa,
                      int xb) {
    const bd_conv_params *p = d->p;
    const int by = oy * S - p->pad_top;
    int ky0, ky1;
    bd_tap_range(by, 1, K, p->in_h, &ky0, &ky1);
    const int n_ky = ky1 - ky0;
    const uint16_t *w = d->w + (size_t)ky0 * K * d->cp;
    const float *arow = d->in + (size_t)(n_ky > 0 ? by + ky0 : 0) * d->in_row;
    const size_t orow = (size_t)oy * p->out_w * d->C;
    int ox = 0;
    for (; ox < xa; ox++) dw_pixel(d, oy, ox);
    for (; ox + DW_MR <= xb; ox += DW_MR)
        dw_tile(K, S, DW_MR, C16, d, arow + (size_t)(ox * S - p->pad_left) * d->C, w, n_ky,
                orow + (size_t)ox * d->C);
    for (; ox < xb; ox++)
        dw_tile(K, S, 1, C16, d, arow + (size_t)(ox * S - p->pad_left) * d->C, w, n_ky,
                orow + (size_t)ox * d->C);
    for (; ox < p->out_w; ox++) dw_pixel(d, oy, ox);
}

void bd_f16_dwconv2d_avx2(const bd_conv_params *p, const float *restrict in,
                          const uint16_t *restrict packed, const float *restrict residual,
                          float *restrict out, int y0, int y1) {
    if (p->act.act == BD_ACT_TANH) { /* run as NONE, then tanh over the rows written */
        bd_conv_params q = *p;
        q.act.act = BD_ACT_NONE;
        bd_f16_dwconv2d_avx2(&q, in, packed, residual, out, y0, y1);
        const size_t row = (size_t)p->out_w * p->out_c;
        bd_tanh_inplace(out + (size_t)y0 * row, (size_t)(y1 - y0) * row);
        return;
    }
    const int C = p->in_c, taps = p->k_h * p->k_w;
    const size_t cp = (size_t)(C + 7) / 8 * 8;
    const dw_ctx d = {.p = p, .in = in, .res = residual, .w = packed,
                      .bias = packed + (size_t)taps * cp, .out = out, .C = (size_t)C, .cp = cp,
                      .in_row = (size_t)p->in_w * C};
    const int K = p->k_w, S = p->stride_w;
    const int fast = p->k_h == K && (K == 3 || K == 5) && p->stride_h == S && (S == 1 || S == 2) &&
                     p->dil_h == 1 && p->dil_w == 1;
    if (!fast) {
        for (int oy = y0; oy < y1; oy++)
            for (int ox = 0; ox < p->out_w; ox++) dw_pixel(&d, oy, ox);
        return;
    }
    int xa = 0, xb;
    while (xa < p->out_w && xa * S - p->pad_left < 0) xa++;
    xb = xa;
    while (xb < p->out_w && xb * S - p->pad_left + K - 1 < p->in_w) xb++;
    for (int oy = y0; oy < y1; oy++) {
        switch (K * 100 + S * 10 + (C == 16)) {
        case 310: dw_row(3, 1, 0, &d, oy, xa, xb); break;
        case 311: dw_row(3, 1, 1, &d, oy, xa, xb); break;
        case 320: dw_row(3, 2, 0, &d, oy, xa, xb); break;
        case 321: dw_row(3, 2, 1, &d, oy, xa, xb); break;
        case 510: dw_row(5, 1, 0, &d, oy, xa, xb); break;
        case 511: dw_row(5, 1, 1, &d, oy, xa, xb); break;
        case 520: dw_row(5, 2, 0, &d, oy, xa, xb); break;
        default: dw_row(5, 2, 1, &d, oy, xa, xb); break;
        }
    }
}
