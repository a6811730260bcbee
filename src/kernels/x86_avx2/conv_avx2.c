/*
 * conv_avx2.c -- dense convolution (and the k == stride transposed convolution)
 * as a register-blocked GEMM over NHWC pixels, AVX2 + FMA.
 *
 * The same scheme as conv_avx512.c with 8-lane vectors: weights packed by
 * bd_f32_conv2d_pack_blocked (nr = 16, vl = 8), tiles of MR = 6 pixels x NV = 2
 * vectors (12 accumulators, 2 weight registers, 1 broadcast), the taps as an
 * n_ky x n_kx rectangle so one kernel serves 1x1 and every other geometry.
 * Channel tails are stored with vmaskmovps. The transposed convolution follows
 * conv_avx512.c (8x8 in-register transpose for 1-2 lanes per pixel).
 *
 * Numerics: FMA, reassociated against the reference; ~1e-6 of sum |w*x|.
 * Memory: loads and stores stay inside the tensors; the packed weights must be
 * 32-byte aligned (bd_aligned_alloc).
 */
#include "kernels/scalar/pack_blocked.h"
#include "kernels/conv_geom.h"
#include "kernels/scalar/tconv_phase.h"
#include "kernels/x86_avx2/kernels_avx2.h"
#include "kernels/x86_avx2/simd_avx2.h"

#define NR 16 /* channels per weight block: 2 vectors */
#define BIG_WEIGHT_BYTES (512u * 1024u) /* see the loop order below */
#define MR 6  /* pixels per tile */

typedef struct tile_args {
    const float *a; /* input of pixel 0 at its first tap */
    size_t a_pix;   /* floats between the tile's pixels */
    size_t a_row;   /* floats between tap rows */
    size_t a_col;   /* floats between taps in a row */
    int n_ky, n_kx, in_c;
    const float *w;    /* weights of the first tap, block width 8*NV */
    size_t w_row_skip; /* floats of weights skipped after each tap row */
    const float *bias;
    const float *res; /* residual of pixel 0 at the block's first channel, or NULL */
    float *out;       /* output of pixel 0 at the block's first channel */
    size_t o_pix;     /* floats between output pixels */
    int tail;         /* lanes (1..8) of the last vector to store */
    int dense;        /* nv == 1 and the outputs are one run of mr * o_pix floats */
} tile_args;

BD_INLINE void tile(const int mr, const int nv, const tile_args *t, const bd_act_params *act) {
    __m256 acc[MR][2];
    const float *ap[MR];
#pragma GCC unroll 6
    for (int r = 0; r < mr; r++) ap[r] = t->a + (size_t)r * t->a_pix;
#pragma GCC unroll 2
    for (int j = 0; j < nv; j++) {
        __m256 b = _mm256_load_ps(t->bias + 8 * j);
#pragma GCC unroll 6
        for (int r = 0; r < mr; r++) acc[r][j] = b;
    }
    if (nv == 1) {
#pragma GCC unroll 6
        for (int r = 0; r < mr; r++) acc[r][1] = _mm256_setzero_ps();
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
                    __m256 w0 = _mm256_load_ps(w + 0), w1 = _mm256_load_ps(w + 8);
#pragma GCC unroll 6
                    for (int r = 0; r < mr; r++) {
                        const float *a = ap[r] + off + ic;
                        acc[r][0] = _mm256_fmadd_ps(_mm256_broadcast_ss(a), w0, acc[r][0]);
                        acc[r][1] = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 1), w1, acc[r][1]);
                    }
                    w += 2 * 8;
                }
            }
            for (; ic < in_c; ic++) {
                __m256 wv[2];
#pragma GCC unroll 2
                for (int j = 0; j < nv; j++) wv[j] = _mm256_load_ps(w + 8 * j);
#pragma GCC unroll 6
                for (int r = 0; r < mr; r++) {
                    __m256 av = _mm256_broadcast_ss(ap[r] + off + ic);
#pragma GCC unroll 2
                    for (int j = 0; j < nv; j++) acc[r][j] = _mm256_fmadd_ps(av, wv[j], acc[r][j]);
                }
                w += 8 * nv;
            }
        }
        w += t->w_row_skip;
    }
    if (nv == 1) {
#pragma GCC unroll 6
        for (int r = 0; r < mr; r++) acc[r][0] = _mm256_add_ps(acc[r][0], acc[r][1]);
    }
    if (nv == 1 && t->dense) {
        float tmp[MR * 8];
        const int n = mr * (int)t->o_pix;
        const __m256i tm = bd_mask8(t->tail);
#pragma GCC unroll 6
        for (int r = 0; r < mr; r++) _mm256_maskstore_ps(tmp + r * t->o_pix, tm, acc[r][0]);
        for (int i = 0; i < n; i += 8) {
            const int k = n - i < 8 ? n - i : 8;
            __m256 v = bd_load8(tmp + i, k);
            if (t->res) v = _mm256_add_ps(v, bd_load8(t->res + i, k));
            bd_store8(t->out + i, bd_act256(v, act), k);
        }
        return;
    }
#pragma GCC unroll 6
    for (int r = 0; r < mr; r++) {
        float *o = t->out + (size_t)r * t->o_pix;
        const float *rs = t->res ? t->res + (size_t)r * t->o_pix : NULL;
#pragma GCC unroll 2
        for (int j = 0; j < nv; j++) {
            const int k = j == nv - 1 ? t->tail : 8;
            __m256 v = acc[r][j];
            if (rs) v = _mm256_add_ps(v, bd_load8(rs + 8 * j, k));
            bd_store8(o + 8 * j, bd_act256(v, act), k);
        }
    }
}

/* Runs a tile of mr (1..MR) pixels with nv (1..2) vectors. */
static void tile_any(int mr, int nv, const tile_args *t, const bd_act_params *act) {
    if (nv == 2) {
        switch (mr) {
        case 6: tile(6, 2, t, act); break;
        case 5: tile(5, 2, t, act); break;
        case 4: tile(4, 2, t, act); break;
        case 3: tile(3, 2, t, act); break;
        case 2: tile(2, 2, t, act); break;
        default: tile(1, 2, t, act); break;
        }
    } else {
        switch (mr) {
        case 6: tile(6, 1, t, act); break;
        case 5: tile(5, 1, t, act); break;
        case 4: tile(4, 1, t, act); break;
        case 3: tile(3, 1, t, act); break;
        case 2: tile(2, 1, t, act); break;
        default: tile(1, 1, t, act); break;
        }
    }
}

size_t bd_f32_conv2d_pack_avx2(const bd_conv_params *p, const float *w, const float *bias,
                               float *dst) {
    return bd_f32_conv2d_pack_blocked(p, w, bias, dst, NR, 8);
}

void bd_f32_conv2d_avx2(const bd_conv_params *p, const float *restrict in,
                        const float *restrict packed, const float *restrict residual,
                        float *restrict out, int y0, int y1) {
    if (p->act.act == BD_ACT_TANH) { /* run as NONE, then tanh over the rows written */
        bd_conv_params q = *p;
        q.act.act = BD_ACT_NONE;
        bd_f32_conv2d_avx2(&q, in, packed, residual, out, y0, y1);
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
    if (p->k_h == 1 && p->k_w == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0 &&
        p->pad_left == 0 && p->in_h == p->out_h && p->in_w == p->out_w) {
        /* 1x1: one GEMM over the contiguous pixels of rows [y0, y1). */
        const size_t m1 = (size_t)y1 * p->out_w;
        t.a_pix = (size_t)in_c;
        t.a_row = t.a_col = 0;
        t.n_ky = t.n_kx = 1;
        t.w_row_skip = 0;
        for (int c0 = 0; c0 < out_c; c0 += chunk) {
            const int c1 = out_c - c0 < chunk ? out_c : c0 + chunk;
            for (size_t m = (size_t)y0 * p->out_w; m < m1; m += MR) {
                const int mr = m1 - m < MR ? (int)(m1 - m) : MR;
                for (int n0 = c0; n0 < c1; n0 += NR) {
                    /* blocks before n0 are all NR wide */
                    const float *blk = packed + (size_t)n0 * (K + 1);
                    const int nb = bd_pack_block_width(out_c, n0, NR, 8);
                    const int real = out_c - n0 < NR ? out_c - n0 : NR;
                    t.a = in + m * in_c;
                    t.bias = blk;
                    t.w = blk + nb;
                    t.res = residual ? residual + m * out_c + n0 : NULL;
                    t.out = out + m * out_c + n0;
                    t.tail = real - (nb - 8);
                    tile_any(mr, nb / 8, &t, &p->act);
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
    t.a_pix = (size_t)sw * in_c;
    for (int c0 = 0; c0 < out_c; c0 += chunk) {
        const int c1 = out_c - c0 < chunk ? out_c : c0 + chunk;
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
                t.a = (t.n_ky > 0 && t.n_kx > 0) ? in + ((size_t)iy0 * p->in_w + ix0) * in_c : in;
                for (int n0 = c0; n0 < c1; n0 += NR) {
                    const float *blk = packed + (size_t)n0 * (K + 1);
                    const int nb = bd_pack_block_width(out_c, n0, NR, 8);
                    const int real = out_c - n0 < NR ? out_c - n0 : NR;
                    t.bias = blk;
                    t.w = blk + nb + ((size_t)ky0 * p->k_w + kx0) * in_c * nb;
                    t.w_row_skip = (size_t)(p->k_w - (kx1 - kx0)) * in_c * nb;
                    t.res = residual ? residual + (orow + ox) * out_c + n0 : NULL;
                    t.out = out + (orow + ox) * out_c + n0;
                    t.tail = real - (nb - 8);
                    tile_any(mr, nb / 8, &t, &p->act);
                }
                ox += mr;
            }
        }
    }
}

/* Transposed convolution: see conv_avx512.c (lanes <= 8 here; others: tconv_avx2.c). */
size_t bd_f32_tconv2d_pack_avx2(const bd_conv_params *p, const float *w, const float *bias,
                                float *dst) {
    if (bd_tconv_lanes_ok(p, 8)) return bd_f32_tconv2d_pack_lanes(p, w, bias, dst, 8);
    if (bd_tconv_fast_ok(p, 8)) return bd_f32_tconv2d_pack_rows(p, w, bias, dst, 8);
    if (bd_tconv_phase_ok(p)) return bd_f32_tconv2d_pack_phase_avx2(p, w, bias, dst);
    return bd_f32_conv2d_pack_ref(p, w, bias, dst);
}

/* In-register transpose of 8 rows of 8 floats (24 shuffles). */
BD_INLINE void transpose8(__m256 r[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    /* u[4h + j], 128-bit lane k: column 4k + j of rows 4h .. 4h+3 */
    for (int h = 0; h < 2; h++) {
        u[4 * h + 0] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0x44);
        u[4 * h + 1] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0xEE);
        u[4 * h + 2] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0x44);
        u[4 * h + 3] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0xEE);
    }
    for (int j = 0; j < 4; j++) {
        r[j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x20);
        r[4 + j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x31);
    }
}

/* k == stride with 1 or 2 lanes per input pixel: 8 input pixels at a time,
 * transposed so the pixels lie across the vector (see conv_avx512.c). */
static void tconv_lanes(const bd_conv_params *p, const float *restrict in,
                        const float *restrict packed, const float *restrict residual,
                        float *restrict out, int y0, int y1) {
    const int in_c = p->in_c, lanes = p->k_w * p->out_c, cp = (in_c + 7) / 8 * 8;
    const size_t per_fy = (size_t)lanes * cp + 8, o_row = (size_t)p->out_w * p->out_c;
    for (int oy = y0; oy < y1; oy++) {
        const int ny = oy + p->pad_top, iy = ny / p->stride_h, fy = ny % p->stride_h;
        const float *w = packed + fy * per_fy, *bias = w + (size_t)lanes * cp;
        for (int ix = 0; ix < p->in_w; ix += 8) {
            const int np = p->in_w - ix < 8 ? p->in_w - ix : 8;
            __m256 acc0 = _mm256_set1_ps(bias[0]), acc1 = _mm256_set1_ps(bias[lanes - 1]);
            if (iy < p->in_h) {
                const float *src = in + ((size_t)iy * p->in_w + ix) * in_c;
                for (int c0 = 0; c0 < in_c; c0 += 8) {
                    const int nc = in_c - c0 < 8 ? in_c - c0 : 8;
                    __m256 r[8];
                    for (int q = 0; q < 8; q++)
                        r[q] = q < np ? bd_load8(src + (size_t)q * in_c + c0, nc)
                                      : _mm256_setzero_ps();
                    transpose8(r);
                    const float *w0 = w + c0, *w1 = w + (size_t)(lanes - 1) * cp + c0;
                    for (int c = 0; c < 8; c++) {
                        acc0 = _mm256_fmadd_ps(r[c], _mm256_broadcast_ss(w0 + c), acc0);
                        if (lanes == 2)
                            acc1 = _mm256_fmadd_ps(r[c], _mm256_broadcast_ss(w1 + c), acc1);
                    }
                }
            }
            const size_t o = oy * o_row + (size_t)ix * lanes;
            __m256 v[2];
            int n[2];
            if (lanes == 1) {
                v[0] = acc0, n[0] = np, n[1] = 0;
            } else {
                __m256 lo = _mm256_unpacklo_ps(acc0, acc1), hi = _mm256_unpackhi_ps(acc0, acc1);
                v[0] = _mm256_permute2f128_ps(lo, hi, 0x20);
                v[1] = _mm256_permute2f128_ps(lo, hi, 0x31);
                n[0] = 2 * np < 8 ? 2 * np : 8, n[1] = 2 * np - n[0];
            }
            for (int h = 0; h < 2 && n[h] > 0; h++) {
                __m256 x = v[h];
                if (residual) x = _mm256_add_ps(x, bd_load8(residual + o + 8 * h, n[h]));
                bd_store8(out + o + 8 * h, bd_act256(x, &p->act), n[h]);
            }
        }
    }
}

void bd_f32_tconv2d_avx2(const bd_conv_params *p, const float *restrict in,
                         const float *restrict packed, const float *restrict residual,
                         float *restrict out, int y0, int y1) {
    if (p->act.act == BD_ACT_TANH) { /* run as NONE, then tanh over the rows written */
        bd_conv_params q = *p;
        q.act.act = BD_ACT_NONE;
        bd_f32_tconv2d_avx2(&q, in, packed, residual, out, y0, y1);
        const size_t row = (size_t)p->out_w * p->out_c;
        bd_tanh_inplace(out + (size_t)y0 * row, (size_t)(y1 - y0) * row);
        return;
    }
    if (bd_tconv_lanes_ok(p, 8)) {
        tconv_lanes(p, in, packed, residual, out, y0, y1);
        return;
    }
    if (!bd_tconv_fast_ok(p, 8)) {
        if (bd_tconv_phase_ok(p)) bd_f32_tconv2d_phase_avx2(p, in, packed, residual, out, y0, y1);
        else bd_f32_tconv2d_ref(p, in, packed, residual, out, y0, y1);
        return;
    }
    const int in_c = p->in_c, lanes = p->k_w * p->out_c;
    const size_t per_fy = (size_t)8 * (in_c + 1), o_row = (size_t)p->out_w * p->out_c;
    tile_args t;
    t.in_c = in_c;
    t.a_pix = (size_t)in_c;
    t.a_row = t.a_col = 0;
    t.n_kx = 1;
    t.w_row_skip = 0;
    t.o_pix = (size_t)lanes;
    t.tail = lanes;
    t.dense = 1;
    for (int oy = y0; oy < y1; oy++) {
        const int ny = oy + p->pad_top, iy = ny / p->stride_h, fy = ny % p->stride_h;
        const float *blk = packed + fy * per_fy;
        t.bias = blk;
        t.w = blk + 8;
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
