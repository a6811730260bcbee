/*
 * conv_avx512.c -- dense convolution (and the k == stride transposed convolution)
 * as a register-blocked GEMM over NHWC pixels, AVX-512.
 *
 * Weights are packed by bd_f32_conv2d_pack_blocked (nr = 32, vl = 16): per block
 * of up to 32 output channels, bias then w[K][nb], K = k_h*k_w*in_c in (ky,kx,ic)
 * order. The micro-kernel computes MR = 12 pixels x NV vectors (16 channels each):
 *   acc[r][j] = bias[j] + sum_{taps, ic} in_r[tap][ic] * w[tap][ic][j]
 * with the input broadcast from memory (vfmadd231ps with {1to16}) and the
 * weights loaded once per (tap, ic) for all pixels; with one vector, even and
 * odd ic go to separate accumulators (24 FMA chains). The taps form a rectangle
 * n_ky x n_kx so the same kernel runs 1x1 (one tap, pixels contiguous across
 * rows) and any other geometry (pixels along one output row at the x stride,
 * only the valid ky rows, the kx taps of a row merged into one contiguous run
 * when there is no dilation; border pixels whose kx range is cut go in runs
 * of equal ranges with a shorter rectangle). Epilogue: + residual, activation, masked store.
 *
 * Numerics: same products as the reference, summed with FMA in a different
 * order; agreement ~1e-6 of sum |w*x| (tests/kernels/test_conv.c).
 * Memory: loads and stores stay inside the tensors (channel tails are masked);
 * the packed weights must be 64-byte aligned (bd_aligned_alloc).
 */
#include "kernels/scalar/pack_blocked.h"
#include "kernels/conv_geom.h"
#include "kernels/scalar/tconv_phase.h"
#include "kernels/x86_avx512/kernels_avx512.h"
#include "kernels/x86_avx512/simd_avx512.h"

#define NR 32 /* channels per weight block: 2 vectors */
#define BIG_WEIGHT_BYTES (512u * 1024u) /* see the loop order below */
#define MR 12 /* pixels per tile */

typedef struct tile_args {
    const float *a; /* input of pixel 0 at its first tap */
    size_t a_pix;   /* floats between the tile's pixels */
    size_t a_row;   /* floats between tap rows */
    size_t a_col;   /* floats between taps in a row */
    int n_ky, n_kx, in_c;
    const float *w;    /* weights of the first tap, block width nb = 16*NV */
    size_t w_row_skip; /* floats of weights skipped after each tap row */
    const float *bias;
    const float *res; /* residual of pixel 0 at the block's first channel, or NULL */
    float *out;       /* output of pixel 0 at the block's first channel */
    size_t o_pix;     /* floats between output pixels */
    __mmask16 tail;   /* lanes of the last vector to store */
    int dense;        /* nv == 1 and the tile's outputs are one run of mr * o_pix
                         floats (o_pix = lanes per pixel): the epilogue then works
                         on full vectors of that run (tconv, few lanes per pixel) */
} tile_args;

BD_INLINE void tile(const int mr, const int nv, const tile_args *t, const bd_act_params *act) {
    __m512 acc[MR][2];
    const float *ap[MR];
#pragma GCC unroll 12
    for (int r = 0; r < mr; r++) ap[r] = t->a + (size_t)r * t->a_pix;
#pragma GCC unroll 2
    for (int j = 0; j < nv; j++) {
        __m512 b = _mm512_load_ps(t->bias + 16 * j);
#pragma GCC unroll 12
        for (int r = 0; r < mr; r++) acc[r][j] = b;
    }
    if (nv == 1) {
#pragma GCC unroll 12
        for (int r = 0; r < mr; r++) acc[r][1] = _mm512_setzero_ps();
    }
    const float *w = t->w;
    const int in_c = t->in_c;
    for (int ky = 0; ky < t->n_ky; ky++) {
        for (int kx = 0; kx < t->n_kx; kx++) {
            const size_t off = (size_t)ky * t->a_row + (size_t)kx * t->a_col;
            int ic = 0;
            if (nv == 1) {
                /* One vector: even and odd ic go to separate accumulators, so
                 * 2 * mr independent FMA chains hide the FMA latency. */
                for (; ic + 2 <= in_c; ic += 2) {
                    __m512 w0 = _mm512_load_ps(w + 0), w1 = _mm512_load_ps(w + 16);
#pragma GCC unroll 12
                    for (int r = 0; r < mr; r++) {
                        const float *a = ap[r] + off + ic;
                        acc[r][0] = _mm512_fmadd_ps(_mm512_set1_ps(a[0]), w0, acc[r][0]);
                        acc[r][1] = _mm512_fmadd_ps(_mm512_set1_ps(a[1]), w1, acc[r][1]);
                    }
                    w += 2 * 16;
                }
            }
            for (; ic < in_c; ic++) {
                __m512 wv[2];
#pragma GCC unroll 2
                for (int j = 0; j < nv; j++) wv[j] = _mm512_load_ps(w + 16 * j);
#pragma GCC unroll 12
                for (int r = 0; r < mr; r++) {
                    __m512 av = _mm512_set1_ps(ap[r][off + (size_t)ic]);
#pragma GCC unroll 2
                    for (int j = 0; j < nv; j++) acc[r][j] = _mm512_fmadd_ps(av, wv[j], acc[r][j]);
                }
                w += 16 * nv;
            }
        }
        w += t->w_row_skip;
    }
    if (nv == 1) {
#pragma GCC unroll 12
        for (int r = 0; r < mr; r++) acc[r][0] = _mm512_add_ps(acc[r][0], acc[r][1]);
    }
    if (nv == 1 && t->dense) {
        float tmp[MR * 16];
        const int n = mr * (int)t->o_pix;
#pragma GCC unroll 12
        for (int r = 0; r < mr; r++) _mm512_mask_storeu_ps(tmp + r * t->o_pix, t->tail, acc[r][0]);
        for (int i = 0; i < n; i += 16) {
            const __mmask16 m = bd_mask16(n - i);
            __m512 v = _mm512_maskz_loadu_ps(m, tmp + i);
            if (t->res) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, t->res + i));
            _mm512_mask_storeu_ps(t->out + i, m, bd_act512(v, act));
        }
        return;
    }
#pragma GCC unroll 12
    for (int r = 0; r < mr; r++) {
        float *o = t->out + (size_t)r * t->o_pix;
        const float *rs = t->res ? t->res + (size_t)r * t->o_pix : NULL;
#pragma GCC unroll 2
        for (int j = 0; j < nv; j++) {
            __mmask16 m = j == nv - 1 ? t->tail : (__mmask16)0xFFFF;
            __m512 v = acc[r][j];
            if (rs) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, rs + 16 * j));
            _mm512_mask_storeu_ps(o + 16 * j, m, bd_act512(v, act));
        }
    }
}

/* Runs a tile of mr (1..MR) pixels with nv (1..2) vectors. */
static void tile_any(int mr, int nv, const tile_args *t, const bd_act_params *act) {
    if (nv == 2) {
        switch (mr) {
        case 12: tile(12, 2, t, act); break;
        case 11: tile(11, 2, t, act); break;
        case 10: tile(10, 2, t, act); break;
        case 9: tile(9, 2, t, act); break;
        case 8: tile(8, 2, t, act); break;
        case 7: tile(7, 2, t, act); break;
        case 6: tile(6, 2, t, act); break;
        case 5: tile(5, 2, t, act); break;
        case 4: tile(4, 2, t, act); break;
        case 3: tile(3, 2, t, act); break;
        case 2: tile(2, 2, t, act); break;
        default: tile(1, 2, t, act); break;
        }
    } else {
        switch (mr) {
        case 12: tile(12, 1, t, act); break;
        case 11: tile(11, 1, t, act); break;
        case 10: tile(10, 1, t, act); break;
        case 9: tile(9, 1, t, act); break;
        case 8: tile(8, 1, t, act); break;
        case 7: tile(7, 1, t, act); break;
        case 6: tile(6, 1, t, act); break;
        case 5: tile(5, 1, t, act); break;
        case 4: tile(4, 1, t, act); break;
        case 3: tile(3, 1, t, act); break;
        case 2: tile(2, 1, t, act); break;
        default: tile(1, 1, t, act); break;
        }
    }
}

size_t bd_f32_conv2d_pack_avx512(const bd_conv_params *p, const float *w, const float *bias,
                                 float *dst) {
    return bd_f32_conv2d_pack_blocked(p, w, bias, dst, NR, 16);
}

void bd_f32_conv2d_avx512(const bd_conv_params *p, const float *restrict in,
                          const float *restrict packed, const float *restrict residual,
                          float *restrict out, int y0, int y1) {
    if (p->act.act == BD_ACT_TANH) { /* run as NONE, then tanh over the rows written */
        bd_conv_params q = *p;
        q.act.act = BD_ACT_NONE;
        bd_f32_conv2d_avx512(&q, in, packed, residual, out, y0, y1);
        const size_t row = (size_t)p->out_w * p->out_c;
        bd_tanh_inplace(out + (size_t)y0 * row, (size_t)(y1 - y0) * row);
        return;
    }
    const int in_c = p->in_c, out_c = p->out_c;
    const size_t K = (size_t)p->k_h * p->k_w * in_c;
    tile_args t;
    t.in_c = in_c;
    t.o_pix = (size_t)out_c;
    t.dense = 0;
    /* Loop order: when the packed weights outgrow L2 (ASPP 3x3 960 -> 256: 8.8 MB,
     * the DeepLab head: 2.4 MB) every pixel tile would stream all of them again, so
     * the channel blocks go outermost and one block's weights stay cached while
     * all pixels pass; otherwise pixels outermost (the activations stream once). */
    const int chunk = (size_t)out_c * (K + 1) * sizeof(float) > BIG_WEIGHT_BYTES ? NR : out_c;
    /* The channel range of this call (whole NR blocks; see bd_conv_params). */
    const int c_begin = p->oc_end ? p->oc_begin : 0, c_end = p->oc_end ? p->oc_end : out_c;
    if (p->k_h == 1 && p->k_w == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0 &&
        p->pad_left == 0 && p->in_h == p->out_h && p->in_w == p->out_w) {
        /* 1x1: one GEMM over the contiguous pixels of rows [y0, y1). */
        const size_t m1 = (size_t)y1 * p->out_w;
        t.a_pix = (size_t)in_c;
        t.a_row = t.a_col = 0;
        t.n_ky = t.n_kx = 1;
        t.w_row_skip = 0;
        for (int c0 = c_begin; c0 < c_end; c0 += chunk) {
            const int c1 = c_end - c0 < chunk ? c_end : c0 + chunk;
            for (size_t m = (size_t)y0 * p->out_w; m < m1; m += MR) {
                const int mr = m1 - m < MR ? (int)(m1 - m) : MR;
                for (int n0 = c0; n0 < c1; n0 += NR) {
                    /* blocks before n0 are all NR wide */
                    const float *blk = packed + (size_t)n0 * (K + 1);
                    const int nb = bd_pack_block_width(out_c, n0, NR, 16);
                    const int real = out_c - n0 < NR ? out_c - n0 : NR;
                    t.a = in + m * in_c;
                    t.bias = blk;
                    t.w = blk + nb;
                    t.res = residual ? residual + m * out_c + n0 : NULL;
                    t.out = out + m * out_c + n0;
                    t.tail = bd_mask16(real - (nb - 16));
                    tile_any(mr, nb / 16, &t, &p->act);
                }
            }
        }
        return;
    }
    /* Any other geometry: tiles of MR pixels along an output row. Pixels
     * [xa, xb) see every kx tap; the others go in runs of equal kx ranges. */
    const int sw = p->stride_w, pl = p->pad_left;
    int xa, xb;
    bd_conv_full_columns(p, &xa, &xb);
    t.a_row = (size_t)p->dil_h * p->in_w * in_c;
    t.a_col = (size_t)p->dil_w * in_c;
    for (int c0 = c_begin; c0 < c_end; c0 += chunk) {
        const int c1 = c_end - c0 < chunk ? c_end : c0 + chunk;
        for (int oy = y0; oy < y1; oy++) {
            int ky0, ky1;
            const int by = oy * p->stride_h - p->pad_top;
            bd_tap_range(by, p->dil_h, p->k_h, p->in_h, &ky0, &ky1);
            t.n_ky = ky1 - ky0;
            const int iy0 = by + ky0 * p->dil_h; /* may be out of range when n_ky == 0 */
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
                t.a_pix = (size_t)sw * in_c;
                const int ix0 = ox * sw - pl + kx0 * p->dil_w;
                /* Pointer only formed when some tap is in range. */
                t.a = (t.n_ky > 0 && t.n_kx > 0) ? in + ((size_t)iy0 * p->in_w + ix0) * in_c : in;
                for (int n0 = c0; n0 < c1; n0 += NR) {
                    const float *blk = packed + (size_t)n0 * (K + 1);
                    const int nb = bd_pack_block_width(out_c, n0, NR, 16);
                    const int real = out_c - n0 < NR ? out_c - n0 : NR;
                    t.bias = blk;
                    t.w = blk + nb + ((size_t)ky0 * p->k_w + kx0) * in_c * nb;
                    t.w_row_skip = (size_t)(p->k_w - (kx1 - kx0)) * in_c * nb;
                    t.res = residual ? residual + (orow + ox) * out_c + n0 : NULL;
                    t.out = out + (orow + ox) * out_c + n0;
                    t.tail = bd_mask16(real - (nb - 16));
                    tile_any(mr, nb / 16, &t, &p->act);
                }
                ox += mr;
            }
        }
    }
}

/* Transposed convolution. With k == stride, pad_left 0 and out_w = in_w * s,
 * output row oy reads input row iy = (oy + pad_top) / s with tap row fy = the
 * remainder, and the k_w * out_c outputs of input pixel ix are contiguous:
 *   - 1 or 2 such lanes (the selfie models: 2x2 s2, 16 -> 1): tconv_lanes, with
 *     pixels across the vector (bd_f32_tconv2d_pack_lanes);
 *   - up to 16 lanes: a 1x1 GEMM per row with N = k_w * out_c and a dense
 *     epilogue (bd_f32_tconv2d_pack_rows);
 *   - other geometries (k > stride, pads, ...): the phase decomposition of
 *     tconv_avx512.c; the reference only for what bd_tconv_phase_ok refuses. */
size_t bd_f32_tconv2d_pack_avx512(const bd_conv_params *p, const float *w, const float *bias,
                                  float *dst) {
    if (bd_tconv_lanes_ok(p, 16)) return bd_f32_tconv2d_pack_lanes(p, w, bias, dst, 16);
    if (bd_tconv_fast_ok(p, 16)) return bd_f32_tconv2d_pack_rows(p, w, bias, dst, 16);
    if (bd_tconv_phase_ok(p)) return bd_f32_tconv2d_pack_phase_avx512(p, w, bias, dst);
    return bd_f32_conv2d_pack_ref(p, w, bias, dst);
}

/* k == stride with 1 or 2 lanes per input pixel (the selfie models' 2x2 s2
 * 16 -> 1): 16 input pixels at a time, transposed so the pixels lie across the
 * vector; out lane l of the 16 pixels = bias[l] + sum_c T[c] * w[l][c]; with 2
 * lanes the two results are interleaved (out[2p + fx]). */
static void tconv_lanes(const bd_conv_params *p, const float *restrict in,
                        const float *restrict packed, const float *restrict residual,
                        float *restrict out, int y0, int y1) {
    const int in_c = p->in_c, lanes = p->k_w * p->out_c, cp = (in_c + 15) / 16 * 16;
    const size_t per_fy = (size_t)lanes * cp + 16, o_row = (size_t)p->out_w * p->out_c;
    const __m512i lo_idx = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const __m512i hi_idx =
        _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
    enum { RUN = 4 }; /* output rows sharing one input row, done together */
    for (int oy = y0; oy < y1;) {
        const int ny = oy + p->pad_top, iy = ny / p->stride_h, fy0 = ny % p->stride_h;
        /* Rows oy .. oy+nr-1 all read input row iy (kernel rows fy0 ..): the 16x16
         * transposes of that row are done once for all of them. */
        int nr = p->stride_h - fy0;
        if (nr > y1 - oy) nr = y1 - oy;
        if (nr > RUN) nr = RUN;
        for (int ix = 0; ix < p->in_w; ix += 16) {
            const int np = p->in_w - ix < 16 ? p->in_w - ix : 16;
            __m512 acc[RUN][2];
            for (int j = 0; j < nr; j++) {
                const float *bias = packed + (size_t)(fy0 + j) * per_fy + (size_t)lanes * cp;
                acc[j][0] = _mm512_set1_ps(bias[0]);
                acc[j][1] = _mm512_set1_ps(bias[lanes - 1]);
            }
            if (iy < p->in_h) {
                const float *src = in + ((size_t)iy * p->in_w + ix) * in_c;
                for (int c0 = 0; c0 < in_c; c0 += 16) {
                    const __mmask16 mc = bd_mask16(in_c - c0);
                    __m512 r[16];
                    for (int q = 0; q < 16; q++)
                        r[q] = q < np ? _mm512_maskz_loadu_ps(mc, src + (size_t)q * in_c + c0)
                                      : _mm512_setzero_ps();
                    bd_transpose16(r);
                    for (int j = 0; j < nr; j++) {
                        const float *w = packed + (size_t)(fy0 + j) * per_fy;
                        const float *w0 = w + c0, *w1 = w + (size_t)(lanes - 1) * cp + c0;
                        __m512 a0 = acc[j][0], a1 = acc[j][1];
                        for (int c = 0; c < 16; c++) {
                            a0 = _mm512_fmadd_ps(r[c], _mm512_set1_ps(w0[c]), a0);
                            if (lanes == 2) a1 = _mm512_fmadd_ps(r[c], _mm512_set1_ps(w1[c]), a1);
                        }
                        acc[j][0] = a0, acc[j][1] = a1;
                    }
                }
            }
            for (int j = 0; j < nr; j++) {
                const size_t o = (size_t)(oy + j) * o_row + (size_t)ix * lanes;
                __m512 v[2];
                int n[2];
                if (lanes == 1) {
                    v[0] = acc[j][0], n[0] = np, n[1] = 0;
                } else {
                    v[0] = _mm512_permutex2var_ps(acc[j][0], lo_idx, acc[j][1]);
                    v[1] = _mm512_permutex2var_ps(acc[j][0], hi_idx, acc[j][1]);
                    n[0] = 2 * np < 16 ? 2 * np : 16, n[1] = 2 * np - n[0];
                }
                for (int h = 0; h < 2 && n[h] > 0; h++) {
                    const __mmask16 m = bd_mask16(n[h]);
                    __m512 x = v[h];
                    if (residual)
                        x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(m, residual + o + 16 * h));
                    _mm512_mask_storeu_ps(out + o + 16 * h, m, bd_act512(x, &p->act));
                }
            }
        }
        oy += nr;
    }
}

void bd_f32_tconv2d_avx512(const bd_conv_params *p, const float *restrict in,
                           const float *restrict packed, const float *restrict residual,
                           float *restrict out, int y0, int y1) {
    if (p->act.act == BD_ACT_TANH) { /* run as NONE, then tanh over the rows written */
        bd_conv_params q = *p;
        q.act.act = BD_ACT_NONE;
        bd_f32_tconv2d_avx512(&q, in, packed, residual, out, y0, y1);
        const size_t row = (size_t)p->out_w * p->out_c;
        bd_tanh_inplace(out + (size_t)y0 * row, (size_t)(y1 - y0) * row);
        return;
    }
    if (bd_tconv_lanes_ok(p, 16)) {
        tconv_lanes(p, in, packed, residual, out, y0, y1);
        return;
    }
    if (!bd_tconv_fast_ok(p, 16)) {
        if (bd_tconv_phase_ok(p)) bd_f32_tconv2d_phase_avx512(p, in, packed, residual, out, y0, y1);
        else bd_f32_tconv2d_ref(p, in, packed, residual, out, y0, y1);
        return;
    }
    const int in_c = p->in_c, lanes = p->k_w * p->out_c;
    const size_t per_fy = (size_t)16 * (in_c + 1), o_row = (size_t)p->out_w * p->out_c;
    tile_args t;
    t.in_c = in_c;
    t.a_pix = (size_t)in_c;
    t.a_row = t.a_col = 0;
    t.n_ky = t.n_kx = 1;
    t.w_row_skip = 0;
    t.o_pix = (size_t)lanes;
    t.tail = bd_mask16(lanes);
    t.dense = 1;
    for (int oy = y0; oy < y1; oy++) {
        const int ny = oy + p->pad_top, iy = ny / p->stride_h, fy = ny % p->stride_h;
        const float *blk = packed + fy * per_fy;
        t.bias = blk;
        t.w = blk + 16;
        t.n_ky = iy < p->in_h ? 1 : 0; /* rows past the input get bias only */
        for (int ix = 0; ix < p->in_w; ix += MR) {
            const int mr = p->in_w - ix < MR ? p->in_w - ix : MR;
            const size_t o = oy * o_row + (size_t)ix * lanes;
            t.a = t.n_ky ? in + ((size_t)iy * p->in_w + ix) * in_c : in;
            t.res = residual ? residual + o : NULL;
            t.out = out + o;
            tile_any(mr, 1, &t, &p->act);
        }
    }
}
