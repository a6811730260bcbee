/*
 * conv_f16_avx2.c -- dense convolution, 1x1 (GEMM) and fully connected with FP16
 * weight storage, AVX2 + FMA + F16C: the kernel of conv_avx2.c with every weight
 * and bias vector loaded as 8 halves and widened by vcvtph2ps (exact), so the
 * arithmetic is the fp32 kernel's (FMA, fp32 accumulators).
 *
 * Weights: bd_f16_conv2d_pack_blocked (nr = 16, vl = 8). Tiles: MR = 6 pixels x
 * NV = 1..2 vectors, taps as an n_ky x n_kx rectangle (see conv_avx2.c).
 * As in conv_f16_avx512.c, a block of up to SCRATCH floats (32 KiB, stack) is
 * widened once per GROUP = 16 tiles (1x1) or per output row and reused; larger
 * blocks and single-tile groups widen in registers inside the tile.
 * F16C is part of this level (bd_cpu_detect requires it for avx2).
 *
 * Numerics: the fp32 reference on the half-rounded weights, summed in another
 * order; ~1e-6 of sum |w*x| (tests/kernels/test_conv_f16.c).
 */
#include "kernels/scalar/pack_f16.h"
#include "kernels/conv_geom.h"
#include "kernels/x86_avx2/kernels_avx2.h"
#include "kernels/x86_avx2/simd_avx2.h"

/* 8 halves -> 8 floats (exact). */
BD_INLINE __m256 ldh(const uint16_t *p) {
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

#define NR 16 /* channels per weight block: 2 vectors */
#define MR 6  /* pixels per tile */
#define GROUP 16      /* 1x1: pixel tiles per widened block */
#define SCRATCH 8192  /* floats (32 KiB) of stack for one widened block */

typedef struct tile_args {
    const float *a; /* input of pixel 0 at its first tap */
    size_t a_pix;   /* floats between the tile's pixels */
    size_t a_row;   /* floats between tap rows */
    size_t a_col;   /* floats between taps in a row */
    int n_ky, n_kx, in_c;
    const uint16_t *w; /* half weights of the first tap, block width 8*NV */
    size_t w_row_skip; /* floats of weights skipped after each tap row */
    const uint16_t *bias; /* half */
    const float *res; /* residual of pixel 0 at the block's first channel, or NULL */
    float *out;       /* output of pixel 0 at the block's first channel */
    size_t o_pix;     /* floats between output pixels */
    int tail;         /* lanes (1..8) of the last vector to store */
    const float *wf, *bf; /* the same block widened to fp32 (scratch) when the
                             tile runs with f32, else NULL */
} tile_args;

/* f32: read the block's fp32 copy (wf, bf) instead of the halves (w, bias). */
BD_INLINE void tile(const int mr, const int nv, const int f32, const tile_args *t,
                    const bd_act_params *act) {
    __m256 acc[MR][2];
    const float *ap[MR];
#pragma GCC unroll 6
    for (int r = 0; r < mr; r++) ap[r] = t->a + (size_t)r * t->a_pix;
#pragma GCC unroll 2
    for (int j = 0; j < nv; j++) {
        __m256 b = f32 ? _mm256_load_ps(t->bf + 8 * j) : ldh(t->bias + 8 * j);
#pragma GCC unroll 6
        for (int r = 0; r < mr; r++) acc[r][j] = b;
    }
    if (nv == 1) {
#pragma GCC unroll 6
        for (int r = 0; r < mr; r++) acc[r][1] = _mm256_setzero_ps();
    }
    const uint16_t *w = t->w;
    const float *wf = t->wf;
    const int in_c = t->in_c;
    for (int ky = 0; ky < t->n_ky; ky++) {
        for (int kx = 0; kx < t->n_kx; kx++) {
            const size_t off = (size_t)ky * t->a_row + (size_t)kx * t->a_col;
            int ic = 0;
            if (nv == 1) {
                /* One vector: even and odd ic go to separate accumulators, so
                 * 2 * mr independent FMA chains hide the FMA latency. */
                for (; ic + 2 <= in_c; ic += 2) {
                    __m256 w0 = f32 ? _mm256_load_ps(wf) : ldh(w);
                    __m256 w1 = f32 ? _mm256_load_ps(wf + 8) : ldh(w + 8);
#pragma GCC unroll 6
                    for (int r = 0; r < mr; r++) {
                        const float *a = ap[r] + off + ic;
                        acc[r][0] = _mm256_fmadd_ps(_mm256_broadcast_ss(a), w0, acc[r][0]);
                        acc[r][1] = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 1), w1, acc[r][1]);
                    }
                    w += 2 * 8;
                    if (f32) wf += 2 * 8;
                }
            }
            for (; ic < in_c; ic++) {
                __m256 wv[2];
#pragma GCC unroll 2
                for (int j = 0; j < nv; j++)
                    wv[j] = f32 ? _mm256_load_ps(wf + 8 * j) : ldh(w + 8 * j);
#pragma GCC unroll 6
                for (int r = 0; r < mr; r++) {
                    __m256 av = _mm256_broadcast_ss(ap[r] + off + ic);
#pragma GCC unroll 2
                    for (int j = 0; j < nv; j++) acc[r][j] = _mm256_fmadd_ps(av, wv[j], acc[r][j]);
                }
                w += 8 * nv;
                if (f32) wf += 8 * nv;
            }
        }
        w += t->w_row_skip;
        if (f32) wf += t->w_row_skip;
    }
    if (nv == 1) {
#pragma GCC unroll 6
        for (int r = 0; r < mr; r++) acc[r][0] = _mm256_add_ps(acc[r][0], acc[r][1]);
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

/* Runs a tile of mr (1..MR) pixels with nv (1..2) vectors, from the halves
 * or (f32) from the block's widened copy. */
static void tile_any(int mr, int nv, int f32, const tile_args *t, const bd_act_params *act) {
    if (nv == 2 && f32) {
        switch (mr) {
        case 6: tile(6, 2, 1, t, act); break;
        case 5: tile(5, 2, 1, t, act); break;
        case 4: tile(4, 2, 1, t, act); break;
        case 3: tile(3, 2, 1, t, act); break;
        case 2: tile(2, 2, 1, t, act); break;
        default: tile(1, 2, 1, t, act); break;
        }
    } else if (nv == 2) {
        switch (mr) {
        case 6: tile(6, 2, 0, t, act); break;
        case 5: tile(5, 2, 0, t, act); break;
        case 4: tile(4, 2, 0, t, act); break;
        case 3: tile(3, 2, 0, t, act); break;
        case 2: tile(2, 2, 0, t, act); break;
        default: tile(1, 2, 0, t, act); break;
        }
    } else if (nv == 1 && f32) {
        switch (mr) {
        case 6: tile(6, 1, 1, t, act); break;
        case 5: tile(5, 1, 1, t, act); break;
        case 4: tile(4, 1, 1, t, act); break;
        case 3: tile(3, 1, 1, t, act); break;
        case 2: tile(2, 1, 1, t, act); break;
        default: tile(1, 1, 1, t, act); break;
        }
    } else {
        switch (mr) {
        case 6: tile(6, 1, 0, t, act); break;
        case 5: tile(5, 1, 0, t, act); break;
        case 4: tile(4, 1, 0, t, act); break;
        case 3: tile(3, 1, 0, t, act); break;
        case 2: tile(2, 1, 0, t, act); break;
        default: tile(1, 1, 0, t, act); break;
        }
    }
}

size_t bd_f16_conv2d_pack_avx2(const bd_conv_params *p, const float *w, const float *bias,
                               uint16_t *dst) {
    return bd_f16_conv2d_pack_blocked(p, w, bias, dst, NR, 8);
}

/* Widens n (a multiple of 8) halves to floats. */
static void widen(const uint16_t *restrict src, float *restrict dst, size_t n) {
    for (size_t i = 0; i < n; i += 8) _mm256_store_ps(dst + i, ldh(src + i));
}

void bd_f16_conv2d_avx2(const bd_conv_params *p, const float *restrict in,
                        const uint16_t *restrict packed, const float *restrict residual,
                        float *restrict out, int y0, int y1) {
    if (p->act.act == BD_ACT_TANH) { /* run as NONE, then tanh over the rows written */
        bd_conv_params q = *p;
        q.act.act = BD_ACT_NONE;
        bd_f16_conv2d_avx2(&q, in, packed, residual, out, y0, y1);
        const size_t row = (size_t)p->out_w * p->out_c;
        bd_tanh_inplace(out + (size_t)y0 * row, (size_t)(y1 - y0) * row);
        return;
    }
    const int in_c = p->in_c, out_c = p->out_c;
    const size_t K = (size_t)p->k_h * p->k_w * in_c;
    /* fp32 copy of one weight block (bias then K x nb); its lanes are read only
     * after widen() wrote them. */
    float scratch[SCRATCH] __attribute__((aligned(32)));
    tile_args t;
    t.in_c = in_c;
    t.o_pix = (size_t)out_c;
    if (p->k_h == 1 && p->k_w == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0 &&
        p->pad_left == 0 && p->in_h == p->out_h && p->in_w == p->out_w) {
        /* 1x1: one GEMM over the contiguous pixels of rows [y0, y1), in groups
         * of GROUP tiles; per group and block the block is widened once into
         * the scratch when it fits (and the group has more than one tile). */
        const size_t m1 = (size_t)y1 * p->out_w;
        t.a_pix = (size_t)in_c;
        t.a_row = t.a_col = 0;
        t.n_ky = t.n_kx = 1;
        t.w_row_skip = 0;
        for (size_t g = (size_t)y0 * p->out_w; g < m1; g += (size_t)MR * GROUP) {
            const size_t g1 = m1 - g < (size_t)MR * GROUP ? m1 : g + (size_t)MR * GROUP;
            const uint16_t *blk = packed;
            for (int n0 = 0; n0 < out_c; n0 += NR) {
                const int nb = bd_pack_block_width(out_c, n0, NR, 8);
                const int real = out_c - n0 < NR ? out_c - n0 : NR;
                const size_t panel = (size_t)nb * (K + 1);
                const int f32 = panel <= SCRATCH && g1 - g > MR;
                if (f32) widen(blk, scratch, panel);
                t.bias = blk;
                t.w = blk + nb;
                t.bf = f32 ? scratch : NULL;
                t.wf = f32 ? scratch + nb : NULL;
                t.tail = real - (nb - 8);
                for (size_t m = g; m < g1; m += MR) {
                    const int mr = g1 - m < MR ? (int)(g1 - m) : MR;
                    t.a = in + m * in_c;
                    t.res = residual ? residual + m * out_c + n0 : NULL;
                    t.out = out + m * out_c + n0;
                    tile_any(mr, nb / 8, f32, &t, &p->act);
                }
                blk += panel;
            }
        }
        return;
    }
    /* Any other geometry: tiles of MR pixels along an output row. Pixels
     * [xa, xb) see every kx tap; the others go one by one. */
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
        /* Per block, the tiles of the row; the block widened once per row when
         * it fits the scratch and the row has more than one tile. */
        const uint16_t *blk = packed;
        for (int n0 = 0; n0 < out_c; n0 += NR) {
            const int nb = bd_pack_block_width(out_c, n0, NR, 8);
            const int real = out_c - n0 < NR ? out_c - n0 : NR;
            const size_t panel = (size_t)nb * (K + 1);
            const int f32 = panel <= SCRATCH && p->out_w > 1 && t.n_ky > 0;
            if (f32) widen(blk, scratch, panel);
            t.bias = blk;
            t.bf = f32 ? scratch : NULL;
            t.tail = real - (nb - 8);
            for (int ox = 0; ox < p->out_w;) {
                int mr, kx0, kx1;
                if (ox >= xa && ox < xb) {
                    mr = xb - ox < MR ? xb - ox : MR;
                    kx0 = 0;
                    kx1 = p->k_w;
                } else {
                    mr = 1;
                    bd_tap_range(ox * sw - pl, p->dil_w, p->k_w, p->in_w, &kx0, &kx1);
                }
                t.n_kx = kx1 - kx0;
                t.in_c = in_c;
                if (p->dil_w == 1) { /* the kx taps of a row are contiguous: one run */
                    t.in_c = t.n_kx * in_c;
                    t.n_kx = 1;
                }
                const int ix0 = ox * sw - pl + kx0 * p->dil_w;
                t.a = (t.n_ky > 0 && t.n_kx > 0) ? in + ((size_t)iy0 * p->in_w + ix0) * in_c : in;
                const size_t w_off = ((size_t)ky0 * p->k_w + kx0) * in_c * nb;
                t.w = blk + nb + w_off;
                t.wf = f32 ? scratch + nb + w_off : NULL;
                t.w_row_skip = (size_t)(p->k_w - (kx1 - kx0)) * in_c * nb;
                t.res = residual ? residual + (orow + ox) * out_c + n0 : NULL;
                t.out = out + (orow + ox) * out_c + n0;
                tile_any(mr, nb / 8, f32, &t, &p->act);
                ox += mr;
            }
            blk += panel;
        }
    }
}
