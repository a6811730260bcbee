/*
 * dwconv_f16_avx512.c -- depthwise convolution (depth_multiplier 1) with FP16
 * weight storage, AVX-512: the kernel of dwconv_avx512.c with each weight and
 * bias vector loaded as 16 halves and widened by vcvtph2ps (exact); arithmetic
 * and accumulation as the fp32 kernel (FMA, fp32).
 *
 * Weights: bd_f16_dwconv2d_pack_padded (w[k_h*k_w][cp], bias[cp], cp = C
 * rounded up to 16, in halves). 3x3 and 5x5 at stride 1 or 2 go in tiles of
 * 8/4/1 pixels, everything else pixel by pixel (see dwconv_avx512.c).
 * Precondition: depth_multiplier == 1 (the pack function returns 0 for other
 * multipliers and the runtime then keeps that op in fp32).
 *
 * Numerics: the fp32 reference on the half-rounded weights, ~1e-6 relative.
 */
#include "kernels/scalar/pack_f16.h"
#include "kernels/conv_geom.h"
#include "kernels/x86_avx512/kernels_avx512.h"
#include "kernels/x86_avx512/simd_avx512.h"

/* 16 halves -> 16 floats (exact). */
BD_INLINE __m512 ldh(const uint16_t *p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p));
}

#define DW_MR 8

size_t bd_f16_dwconv2d_pack_avx512(const bd_conv_params *p, const float *w, const float *bias,
                                   uint16_t *dst) {
    if (p->depth_multiplier != 1) return 0; /* no f16 kernel: stays fp32 */
    return bd_f16_dwconv2d_pack_padded(p, w, bias, dst, 16);
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

/* A tile of mr pixels (all kx taps inside), every channel vector. a = input at
 * (first valid tap row, first pixel's tap 0), w = weights of tap (ky0, 0), o =
 * output offset of the first pixel. */
BD_INLINE void dw_tile(const int K, const int S, const int mr, const int C16, const dw_ctx *d,
                       const float *a, const uint16_t *w, int n_ky, size_t o) {
    const size_t C = C16 ? 16 : d->C; /* C16: exactly 16 channels, constant strides */
    for (size_t c = 0; c < C; c += 16) {
        const __mmask16 m = bd_mask16(C - c < 16 ? (int)(C - c) : 16);
        const __m512 bias = ldh(d->bias + c);
        __m512 acc[DW_MR];
#pragma GCC unroll 8
        for (int r = 0; r < mr; r++) acc[r] = bias;
        for (int ky = 0; ky < n_ky; ky++) {
            const float *rp = a + (size_t)ky * d->in_row + c;
            const uint16_t *wr = w + (size_t)ky * K * d->cp + c;
            __m512 x[DW_MR * 2 + 3];
            if (C16) {
#pragma GCC unroll 24
                for (int i = 0; i < (mr - 1) * S + K; i++) x[i] = _mm512_loadu_ps(rp + i * 16);
            } else {
                const float *q = rp; /* a running pointer: no per-column offsets */
#pragma GCC unroll 24
                for (int i = 0; i < (mr - 1) * S + K; i++, q += C) x[i] = _mm512_maskz_loadu_ps(m, q);
            }
#pragma GCC unroll 5
            for (int kx = 0; kx < K; kx++) {
                const __m512 wv = ldh(wr + kx * d->cp);
#pragma GCC unroll 8
                for (int r = 0; r < mr; r++) acc[r] = _mm512_fmadd_ps(x[r * S + kx], wv, acc[r]);
            }
        }
#pragma GCC unroll 8
        for (int r = 0; r < mr; r++) {
            __m512 v = acc[r];
            if (d->res && d->p->residual_after_act) {
                v = _mm512_add_ps(bd_act512(v, &d->p->act),
                                  _mm512_maskz_loadu_ps(m, d->res + o + r * C + c));
                _mm512_mask_storeu_ps(d->out + o + r * C + c, m, v);
                continue;
            }
            if (d->res) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, d->res + o + r * C + c));
            _mm512_mask_storeu_ps(d->out + o + r * C + c, m, bd_act512(v, &d->p->act));
        }
    }
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
    for (size_t c = 0; c < C; c += 16) {
        const __mmask16 m = bd_mask16(C - c < 16 ? (int)(C - c) : 16);
        __m512 acc = ldh(d->bias + c);
        for (int ky = ky0; ky < ky1; ky++) {
            const float *rp = d->in + (size_t)(by + ky * p->dil_h) * d->in_row + c;
            const uint16_t *wr = d->w + (size_t)ky * p->k_w * d->cp + c;
            for (int kx = kx0; kx < kx1; kx++)
                acc = _mm512_fmadd_ps(
                    _mm512_maskz_loadu_ps(m, rp + (size_t)(bx + kx * p->dil_w) * C),
                    ldh(wr + kx * d->cp), acc);
        }
        if (d->res && p->residual_after_act) {
            acc = _mm512_add_ps(bd_act512(acc, &p->act), _mm512_maskz_loadu_ps(m, d->res + o + c));
            _mm512_mask_storeu_ps(d->out + o + c, m, acc);
            continue;
        }
        if (d->res) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(m, d->res + o + c));
        _mm512_mask_storeu_ps(d->out + o + c, m, bd_act512(acc, &p->act));
    }
}

/* Output row oy: border pixels one by one, [xa, xb) in tiles of 8, 4, 1. */
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
    for (; ox + 8 <= xb; ox += 8)
        dw_tile(K, S, 8, C16, d, arow + (size_t)(ox * S - p->pad_left) * d->C, w, n_ky,
                orow + (size_t)ox * d->C);
    if (ox + 4 <= xb) {
        dw_tile(K, S, 4, C16, d, arow + (size_t)(ox * S - p->pad_left) * d->C, w, n_ky,
                orow + (size_t)ox * d->C);
        ox += 4;
    }
    for (; ox < xb; ox++)
        dw_tile(K, S, 1, C16, d, arow + (size_t)(ox * S - p->pad_left) * d->C, w, n_ky,
                orow + (size_t)ox * d->C);
    for (; ox < p->out_w; ox++) dw_pixel(d, oy, ox);
}

void bd_f16_dwconv2d_avx512(const bd_conv_params *p, const float *restrict in,
                            const uint16_t *restrict packed, const float *restrict residual,
                            float *restrict out, int y0, int y1) {
    if (p->act.act == BD_ACT_TANH) { /* run as NONE, then tanh over the rows written */
        bd_conv_params q = *p;
        q.act.act = BD_ACT_NONE;
        bd_f16_dwconv2d_avx512(&q, in, packed, residual, out, y0, y1);
        const size_t row = (size_t)p->out_w * p->out_c;
        bd_tanh_inplace(out + (size_t)y0 * row, (size_t)(y1 - y0) * row);
        return;
    }
    const int C = p->in_c, taps = p->k_h * p->k_w;
    const size_t cp = (size_t)(C + 15) / 16 * 16;
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
    /* Interior columns [xa, xb): every kx tap inside the image. */
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
