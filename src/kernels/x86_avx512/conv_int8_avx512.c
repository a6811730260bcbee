/*
 * conv_int8_avx512.c -- dense convolution (1x1 GEMM, any geometry, fully
 * connected) with u8 activations and s8 weights, AVX512_VNNI (compiled with
 * -mavx512vnni on top of the AVX-512 flags; installed by
 * bd_kernels_init_avx512_int8 only when the CPU has it), and the fp32 -> u8
 * activation quantisation.
 *
 * vpdpbusd: acc[i] += a[4i]*b[4i] + ... + a[4i+3]*b[4i+3] (u8 x s8, exact, the
 * int32 sum wraps, which it never does here: |acc| <= 255 * 127 * K). So the K
 * dimension goes in quads:
 *   - the input (quantised once per run by bd_int8_quantize_avx512) has channel
 *     stride cp = bd_int8_stride(in_c) (in_c rounded up to 4, the pad channels
 *     hold the zero point), so a quad (ic..ic+3) of one pixel is one 32-bit
 *     word, broadcast to all lanes;
 *   - the weights of a block of up to NR = 32 output channels are stored as
 *     w[Kp/4][nb][4] (Kp = k_h*k_w*cp, the pad channels' weights 0): one 64-byte
 *     load gives 16 channels x 4 k values.
 * Packed layout (kernels.h, bd_conv_int8_fn), per block of nb (16 or 32, padded
 * with zero channels) output channels starting at n0 = 32 * block: float
 * wscale[nb], float bias[nb], int32 tapsum[taps][nb] (the sum of each tap's
 * weights, for the zero point), then the quads; the blocks before n0 are all
 * 32 wide, so block n0 starts at byte n0 * (8 + 4 * taps + Kp) (64-byte
 * aligned: the packed buffer must be, bd_aligned_alloc).
 *
 * The register blocking is conv_bf16_avx512.c's: tiles of MR = 12 pixels x 1..2
 * vectors (24 int32 accumulators), the input broadcast from memory, the weights
 * loaded once per quad for all pixels; the same geometries (1x1 over contiguous
 * pixels; any other per output row, only the valid ky rows, the kx taps of a row
 * merged into one run of quads without dilation, border pixels in runs of equal
 * kx ranges). Epilogue: acc - zp * (sum of the valid taps' tapsum), converted to
 * float, times xscale * wscale, plus bias (one fma), + residual, activation,
 * masked store. The reference (bd_int8_conv2d_ref) does the same integer sum and
 * the same float operations, so the two agree bit for bit.
 * Memory: loads and stores stay inside the tensors (channel tails masked).
 */
#include <math.h>
#include <string.h>

#include "kernels/conv_geom.h"
#include "kernels/peak.h"
#include "kernels/scalar/pack_blocked.h"
#include "kernels/templates/tmpl.h"
#include "kernels/x86_avx512/simd_avx512.h"
#include "kernels/x86_avx512/kernels_avx512.h"

#define L 16
#define NR 32                           /* channels per weight block: 2 vectors */
#define MR 12                           /* pixels per tile */
#define BIG_WEIGHT_BYTES (512u * 1024u) /* loop order: see templates/conv.inc */

/* A 32-bit word read from the u8 buffers (a quad). */
typedef int32_t quad32 __attribute__((may_alias));

typedef struct targs {
    const uint8_t *a; /* input of pixel 0 at its first tap (bytes below) */
    size_t a_pix;     /* between the tile's pixels */
    size_t a_row;     /* between tap rows */
    size_t a_col;     /* between taps in a row */
    int n_ky, n_kx, n_quads; /* quads per tap (or per merged run of taps) */
    const int8_t *w;         /* quads of the first tap: nb * 4 bytes per quad */
    size_t w_row_skip;       /* bytes skipped after each tap row */
    const float *wscale, *bias;
    const int32_t *tapsum; /* of the block: [taps][nb] */
    int nb, k_w;           /* block width, taps per kernel row */
    int ky0, ky1, kx0, kx1; /* the valid taps of this tile */
    int32_t zp;
    float xscale;
    const float *res; /* residual of pixel 0 at the block's first channel, or NULL */
    float *out;       /* output of pixel 0 at the block's first channel */
    size_t o_pix;     /* floats between output pixels */
    __mmask16 tail_m;
} targs;

BD_INLINE __m512i bcast_quad(const uint8_t *p) { return _mm512_set1_epi32(*(const quad32 *)p); }

/* mr pixels x nv vectors. */
BD_INLINE void tile(const int mr, const int nv, const targs *t, const bd_act_params *act) {
    __m512i acc[MR][2];
    const uint8_t *ap[MR];
#pragma GCC unroll 16
    for (int r = 0; r < mr; r++) ap[r] = t->a + (size_t)r * t->a_pix;
#pragma GCC unroll 2
    for (int j = 0; j < 2; j++) {
#pragma GCC unroll 16
        for (int r = 0; r < mr; r++) acc[r][j] = _mm512_setzero_si512();
    }
    const int8_t *w = t->w;
    const int nq = t->n_quads;
    for (int ky = 0; ky < t->n_ky; ky++) {
        for (int kx = 0; kx < t->n_kx; kx++) {
            const size_t off = (size_t)ky * t->a_row + (size_t)kx * t->a_col;
            int q = 0;
            if (nv == 1) {
                /* Even and odd quads into separate accumulators: 2 * mr chains. */
                for (; q + 2 <= nq; q += 2) {
                    const __m512i w0 = _mm512_load_si512(w), w1 = _mm512_load_si512(w + 4 * L);
#pragma GCC unroll 16
                    for (int r = 0; r < mr; r++) {
                        const uint8_t *a = ap[r] + off + 4 * q;
                        acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], bcast_quad(a), w0);
                        acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], bcast_quad(a + 4), w1);
                    }
                    w += 8 * L;
                }
            }
            for (; q < nq; q++) {
                __m512i wv[2];
#pragma GCC unroll 2
                for (int j = 0; j < nv; j++) wv[j] = _mm512_load_si512(w + 4 * L * j);
#pragma GCC unroll 16
                for (int r = 0; r < mr; r++) {
                    const __m512i av = bcast_quad(ap[r] + off + 4 * q);
#pragma GCC unroll 2
                    for (int j = 0; j < nv; j++)
                        acc[r][j] = _mm512_dpbusd_epi32(acc[r][j], av, wv[j]);
                }
                w += 4 * L * nv;
            }
        }
        w += t->w_row_skip;
    }
    if (nv == 1) {
#pragma GCC unroll 16
        for (int r = 0; r < mr; r++) acc[r][0] = _mm512_add_epi32(acc[r][0], acc[r][1]);
    }
    /* zp * (weights of the valid taps), scale, bias: per vector of channels. */
    __m512i comp[2];
    __m512 sc[2], bias[2];
#pragma GCC unroll 2
    for (int j = 0; j < nv; j++) {
        __m512i s = _mm512_setzero_si512();
        for (int ky = t->ky0; ky < t->ky1; ky++)
            for (int kx = t->kx0; kx < t->kx1; kx++)
                s = _mm512_add_epi32(
                    s, _mm512_load_si512(t->tapsum + ((size_t)ky * t->k_w + kx) * t->nb + L * j));
        comp[j] = _mm512_mullo_epi32(s, _mm512_set1_epi32(t->zp));
        sc[j] = _mm512_mul_ps(_mm512_set1_ps(t->xscale), _mm512_load_ps(t->wscale + L * j));
        bias[j] = _mm512_load_ps(t->bias + L * j);
    }
#pragma GCC unroll 16
    for (int r = 0; r < mr; r++) {
        float *o = t->out + (size_t)r * t->o_pix;
        const float *rs = t->res ? t->res + (size_t)r * t->o_pix : NULL;
#pragma GCC unroll 2
        for (int j = 0; j < nv; j++) {
            const __mmask16 m = j == nv - 1 ? t->tail_m : (__mmask16)0xFFFF;
            const __m512 f = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][j], comp[j]));
            __m512 v = _mm512_fmadd_ps(f, sc[j], bias[j]);
            if (rs) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, rs + L * j));
            _mm512_mask_storeu_ps(o + L * j, m, bdv_act(v, act));
        }
    }
}

#define TCASE(n, nv)                                                                           \
    case n: tile(n, nv, t, act); break;
#define TSWITCH(nv)                                                                            \
    switch (mr) {                                                                              \
        TCASE(12, nv) TCASE(11, nv) TCASE(10, nv) TCASE(9, nv) TCASE(8, nv) TCASE(7, nv)       \
        TCASE(6, nv) TCASE(5, nv) TCASE(4, nv) TCASE(3, nv) TCASE(2, nv)                       \
    default: tile(1, nv, t, act); break;                                                       \
    }

/* Runs a tile of mr (1..MR) pixels with nv (1..2) vectors. */
static void tile_any(int mr, int nv, const targs *t, const bd_act_params *act) {
    if (nv == 2) TSWITCH(2)
    else TSWITCH(1)
}

/* Bytes of the block header per channel: wscale, bias, tapsum[taps]. */
static size_t head_bytes(int taps) { return 8 + 4 * (size_t)taps; }

/* Points t at the block of channels [n0, n0 + NR); returns its first tap's
 * quads, *nb its padded width. */
static const int8_t *set_block(targs *t, const int8_t *packed, size_t kp, int taps, int out_c,
                               int n0, int *nb) {
    const int8_t *blk = packed + (size_t)n0 * (head_bytes(taps) + kp);
    const int b = bd_pack_block_width(out_c, n0, NR, L);
    const int real = out_c - n0 < NR ? out_c - n0 : NR;
    t->wscale = (const float *)(const void *)blk;
    t->bias = t->wscale + b;
    t->tapsum = (const int32_t *)(const void *)(t->bias + b);
    t->nb = b;
    t->tail_m = bd_mask16(real - (b - L));
    *nb = b;
    return blk + head_bytes(taps) * b;
}

size_t bd_int8_conv2d_pack_avx512(const bd_conv_params *p, const float *w, const float *bias,
                                  int8_t *dst) {
    const int cp = bd_int8_stride(p->in_c), taps = p->k_h * p->k_w;
    const size_t kp = (size_t)taps * cp, k_src = (size_t)taps * p->in_c;
    size_t total = 0;
    for (int n0 = 0; n0 < p->out_c; n0 += NR) {
        const int b = bd_pack_block_width(p->out_c, n0, NR, L);
        if (dst) {
            int8_t *blk = dst + total;
            float *ws = (float *)(void *)blk, *bs = ws + b;
            int32_t *ts = (int32_t *)(void *)(bs + b);
            int8_t *pw = blk + head_bytes(taps) * b;
            for (int j = 0; j < b; j++) {
                const int oc = n0 + j;
                const float *wo = oc < p->out_c ? w + (size_t)oc * k_src : NULL;
                const float s = wo ? bd_int8_weight_scale(wo, k_src) : 0.0f;
                ws[j] = s;
                bs[j] = wo ? bias[oc] : 0.0f;
                for (int tap = 0; tap < taps; tap++) {
                    int32_t sum = 0;
                    for (int ic = 0; ic < cp; ic++) {
                        const int8_t v = wo && ic < p->in_c
                                             ? bd_int8_quantize_weight(wo[(size_t)tap * p->in_c + ic], s)
                                             : 0;
                        const size_t k = (size_t)tap * cp + ic;
                        pw[(k / 4) * 4 * b + 4 * j + (k & 3)] = v;
                        sum += v;
                    }
                    ts[(size_t)tap * b + j] = sum;
                }
            }
        }
        total += (size_t)b * (head_bytes(taps) + kp);
    }
    return total;
}

void bd_int8_conv2d_avx512(const bd_conv_params *p, const uint8_t *restrict in,
                           const bd_int8_qparams *qp, const int8_t *restrict packed,
                           const float *restrict residual, float *restrict out, int y0, int y1) {
    if (p->act.act == BD_ACT_TANH) { /* as BD_TMPL_TANH_AS_NONE (templates/tmpl.h) */
        bd_conv_params q = *p;
        q.act.act = BD_ACT_NONE;
        bd_int8_conv2d_avx512(&q, in, qp, packed, residual, out, y0, y1);
        const size_t row = (size_t)p->out_w * p->out_c;
        bd_tanh_inplace(out + (size_t)y0 * row, (size_t)(y1 - y0) * row);
        return;
    }
    const int cp = bd_int8_stride(p->in_c), out_c = p->out_c, taps = p->k_h * p->k_w;
    const size_t kp = (size_t)taps * cp;
    int nb;
    targs t;
    t.o_pix = (size_t)out_c;
    t.zp = qp->zero_point;
    t.xscale = qp->scale;
    t.k_w = p->k_w;
    const int chunk = (size_t)out_c * (kp + head_bytes(taps)) > BIG_WEIGHT_BYTES ? NR : out_c;
    const int c_begin = p->oc_end ? p->oc_begin : 0, c_end = p->oc_end ? p->oc_end : out_c;
    if (p->k_h == 1 && p->k_w == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0 &&
        p->pad_left == 0 && p->in_h == p->out_h && p->in_w == p->out_w) {
        /* 1x1: one GEMM over the contiguous pixels of rows [y0, y1). */
        const size_t m0 = (size_t)y0 * p->out_w, m1 = (size_t)y1 * p->out_w;
        t.a_pix = (size_t)cp;
        t.a_row = t.a_col = 0;
        t.n_ky = t.n_kx = 1;
        t.n_quads = cp / 4;
        t.w_row_skip = 0;
        t.ky0 = t.kx0 = 0;
        t.ky1 = t.kx1 = 1;
        for (int c0 = c_begin; c0 < c_end; c0 += chunk) {
            const int c1 = c_end - c0 < chunk ? c_end : c0 + chunk;
            for (size_t m = m0; m < m1; m += MR) {
                const int mr = m1 - m < MR ? (int)(m1 - m) : MR;
                for (int n0 = c0; n0 < c1; n0 += NR) {
                    t.w = set_block(&t, packed, kp, taps, out_c, n0, &nb);
                    t.a = in + m * cp;
                    t.res = residual ? residual + m * out_c + n0 : NULL;
                    t.out = out + m * out_c + n0;
                    tile_any(mr, nb / L, &t, &p->act);
                }
            }
        }
        return;
    }
    /* Any other geometry: per output row and block, tiles of MR pixels along the
     * row; pixels [xa, xb) see every kx tap, the others go in runs of equal kx
     * ranges (see templates/conv.inc). */
    const int sw = p->stride_w, pl = p->pad_left;
    int xa, xb;
    bd_conv_full_columns(p, &xa, &xb);
    t.a_row = (size_t)p->dil_h * p->in_w * cp;
    t.a_col = (size_t)p->dil_w * cp;
    t.a_pix = (size_t)sw * cp;
    for (int c0 = c_begin; c0 < c_end; c0 += chunk) {
        const int c1 = c_end - c0 < chunk ? c_end : c0 + chunk;
        for (int oy = y0; oy < y1; oy++) {
            int ky0, ky1;
            const int by = oy * p->stride_h - p->pad_top;
            bd_tap_range(by, p->dil_h, p->k_h, p->in_h, &ky0, &ky1);
            t.n_ky = ky1 - ky0;
            t.ky0 = ky0;
            t.ky1 = ky1;
            const int iy0 = by + ky0 * p->dil_h; /* may be out of range when n_ky == 0 */
            const size_t orow = (size_t)oy * p->out_w;
            for (int n0 = c0; n0 < c1; n0 += NR) {
                const int8_t *w0 = set_block(&t, packed, kp, taps, out_c, n0, &nb);
                const size_t quad_row = (size_t)nb * 4; /* bytes per weight quad */
                for (int ox = 0; ox < p->out_w;) {
                    int mr, kx0, kx1;
                    if (ox >= xa && ox < xb) {
                        mr = xb - ox < MR ? xb - ox : MR;
                        kx0 = 0;
                        kx1 = p->k_w;
                    } else {
                        bd_tap_range(ox * sw - pl, p->dil_w, p->k_w, p->in_w, &kx0, &kx1);
                        for (mr = 1; mr < MR && ox + mr < p->out_w; mr++) {
                            int lo, hi;
                            bd_tap_range((ox + mr) * sw - pl, p->dil_w, p->k_w, p->in_w, &lo,
                                         &hi);
                            if (lo != kx0 || hi != kx1) break;
                        }
                    }
                    t.kx0 = kx0;
                    t.kx1 = kx1;
                    t.n_kx = kx1 - kx0;
                    t.n_quads = cp / 4;
                    if (p->dil_w == 1) { /* the kx taps of a row are contiguous: one run */
                        t.n_quads = t.n_kx * cp / 4;
                        t.n_kx = 1;
                    }
                    const int ix0 = ox * sw - pl + kx0 * p->dil_w;
                    /* Pointer formed only when some tap is in range (see conv.inc). */
                    t.a = (t.n_ky > 0 && kx1 > kx0) ? in + ((size_t)iy0 * p->in_w + ix0) * cp
                                                    : in;
                    t.w = w0 + ((size_t)ky0 * p->k_w + kx0) * (cp / 4) * quad_row;
                    t.w_row_skip = (size_t)(p->k_w - (kx1 - kx0)) * (cp / 4) * quad_row;
                    t.res = residual ? residual + (orow + ox) * out_c + n0 : NULL;
                    t.out = out + (orow + ox) * out_c + n0;
                    tile_any(mr, nb / L, &t, &p->act);
                    ox += mr;
                }
            }
        }
    }
}

/* min and max of n floats (n >= 1 not required: an empty run leaves them). */
void bd_int8_minmax_avx512(const float *restrict in, size_t n, float *mn, float *mx) {
    __m512 lo = _mm512_set1_ps(*mn), hi = _mm512_set1_ps(*mx);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 v = _mm512_loadu_ps(in + i);
        lo = _mm512_min_ps(lo, v);
        hi = _mm512_max_ps(hi, v);
    }
    if (i < n) {
        const __mmask16 m = bd_mask16((int)(n - i));
        const __m512 v = _mm512_maskz_loadu_ps(m, in + i);
        lo = _mm512_mask_min_ps(lo, m, lo, v);
        hi = _mm512_mask_max_ps(hi, m, hi, v);
    }
    *mn = _mm512_reduce_min_ps(lo);
    *mx = _mm512_reduce_max_ps(hi);
}

/* 16 floats -> 16 u8: clamp(nearbyint(x * inv) + zp, 0, 255) (round to nearest
 * even, as the reference's nearbyintf under the default rounding mode). */
BD_INLINE __m128i quant16(__m512 x, __m512 inv, __m512 zp) {
    const __m512 v = _mm512_add_ps(_mm512_roundscale_ps(_mm512_mul_ps(x, inv),
                                                        _MM_FROUND_TO_NEAREST_INT |
                                                            _MM_FROUND_NO_EXC),
                                   zp);
    const __m512 c = _mm512_min_ps(_mm512_max_ps(v, _mm512_setzero_ps()), _mm512_set1_ps(255.0f));
    return _mm512_cvtusepi32_epi8(_mm512_cvtps_epi32(c));
}

void bd_int8_quantize_avx512(const float *restrict in, uint8_t *restrict out, size_t i0, size_t i1,
                             int c, int cp, const bd_int8_qparams *qp) {
    const __m512 inv = _mm512_set1_ps(qp->inv_scale), zp = _mm512_set1_ps((float)qp->zero_point);
    if (cp == c) { /* c a multiple of 4: the pixels are one contiguous run */
        const size_t e0 = i0 * (size_t)c, e1 = i1 * (size_t)c;
        size_t e = e0;
        for (; e + 16 <= e1; e += 16)
            _mm_storeu_si128((__m128i *)(void *)(out + e), quant16(_mm512_loadu_ps(in + e), inv, zp));
        if (e < e1) {
            const __mmask16 m = bd_mask16((int)(e1 - e));
            _mm_mask_storeu_epi8(out + e, m, quant16(_mm512_maskz_loadu_ps(m, in + e), inv, zp));
        }
        return;
    }
    const uint8_t z = (uint8_t)qp->zero_point;
    for (size_t i = i0; i < i1; i++) { /* per pixel, then the pad channels */
        for (int ch = 0; ch < c; ch += 16) {
            const __mmask16 m = bd_mask16(c - ch < 16 ? c - ch : 16);
            _mm_mask_storeu_epi8(out + i * cp + ch, m,
                                 quant16(_mm512_maskz_loadu_ps(m, in + i * c + ch), inv, zp));
        }
        for (int ch = c; ch < cp; ch++) out[i * cp + ch] = z;
    }
}

void bd_kernels_init_avx512_int8(bd_kernels *k) {
    k->conv2d_int8 = bd_int8_conv2d_avx512;
    k->pack_conv2d_int8 = bd_int8_conv2d_pack_avx512;
    k->quantize_int8 = bd_int8_quantize_avx512;
    k->minmax_int8 = bd_int8_minmax_avx512;
    k->peak_int8 = bd_peak_int8_avx512;
    k->peak_int8_macs_per_iter = 16 * 16 * 4;
}
