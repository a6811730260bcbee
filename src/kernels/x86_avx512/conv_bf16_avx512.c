/*
 * conv_bf16_avx512.c -- dense convolution (1x1 GEMM, any geometry, fully
 * connected) with bfloat16 weights and activations, AVX512_BF16 (compiled with
 * -mavx512bf16 on top of the AVX-512 flags; installed by
 * bd_kernels_init_avx512_bf16 only when the CPU has it), and the fp32 -> bf16
 * activation conversion.
 *
 * vdpbf16ps: acc[i] += a[2i] * b[2i] + a[2i+1] * b[2i+1] for 16 fp32 lanes, the
 * bf16 products exact, the sums rounded to fp32 (MXCSR is ignored: DAZ/FTZ,
 * round to nearest even). So the K dimension goes in pairs:
 *   - the input (converted once per op by bd_bf16_convert_avx512) has channel
 *     stride cp = in_c rounded up to even, the pad channel 0, so a pair (ic,
 *     ic+1) of one pixel is one 32-bit word, broadcast to all lanes;
 *   - the weights of a block of up to NR = 32 output channels are stored as
 *     w[Kp/2][nb][2] (Kp = k_h*k_w*cp, the pad channel's weight 0): one 64-byte
 *     load gives 16 channels x 2 k values.
 * Packed layout, per block of nb (16 or 32, padded with zero channels) output
 * channels starting at n0 = 32 * block: bias float[nb], then the pairs; the
 * blocks before n0 are all 32 wide, so block n0 starts at n0 * (Kp + 2) uint16
 * (64-byte aligned: the packed buffer must be, bd_aligned_alloc).
 *
 * The register blocking is templates/conv.inc's: tiles of MR = 12 pixels x 1..2
 * vectors (24 accumulators), the input broadcast from memory, the weights loaded
 * once per pair for all pixels; with one vector, even and odd pairs go to two
 * accumulator sets. Geometries as conv.inc: 1x1 over contiguous pixels; any
 * other one per output row, only the valid ky rows, the kx taps of a row merged
 * into one contiguous run of pairs when there is no dilation (cp is the pixel
 * stride, so the pairs of adjacent taps are adjacent), border pixels in runs of
 * equal kx ranges. Epilogue (fp32): + residual, activation, masked store.
 *
 * Numerics: the reference (bd_bf16_conv2d_ref) sums the same exact products in
 * double; agreement ~1e-6 of sum |w*x| (tests/kernels/test_conv_bf16.c).
 * Memory: loads and stores stay inside the tensors (channel tails masked).
 */
#include <string.h>

#include "kernels/conv_geom.h"
#include "kernels/peak.h"
#include "kernels/templates/tmpl.h"
#include "kernels/x86_avx512/simd_avx512.h"
#include "kernels/x86_avx512/kernels_avx512.h"

#define L 16
#define NR 32                           /* channels per weight block: 2 vectors */
#define MR 12                           /* pixels per tile */
#define BIG_WEIGHT_BYTES (512u * 1024u) /* loop order: see templates/conv.inc */

/* A 32-bit word read from the uint16 buffers (a bf16 pair). */
typedef int32_t pair32 __attribute__((may_alias));

typedef struct targs {
    const uint16_t *a; /* input of pixel 0 at its first tap (uint16 units below) */
    size_t a_pix;      /* between the tile's pixels */
    size_t a_row;      /* between tap rows */
    size_t a_col;      /* between taps in a row */
    int n_ky, n_kx, n_pairs; /* pairs per tap (or per merged run of taps) */
    const uint16_t *w;       /* pairs of the first tap: nb * 2 uint16 per pair */
    size_t w_row_skip;       /* uint16 skipped after each tap row */
    const float *bias;
    const float *res; /* residual of pixel 0 at the block's first channel, or NULL */
    float *out;       /* output of pixel 0 at the block's first channel */
    size_t o_pix;     /* floats between output pixels */
    int tail;         /* lanes (1..L) of the last vector to store */
    __mmask16 tail_m;
} targs;

BD_INLINE __m512 dp(__m512 acc, __m512i a, __m512i w) {
    return _mm512_dpbf16_ps(acc, (__m512bh)a, (__m512bh)w);
}

BD_INLINE __m512i bcast_pair(const uint16_t *p) { return _mm512_set1_epi32(*(const pair32 *)p); }

/* mr pixels x nv vectors. */
BD_INLINE void tile(const int mr, const int nv, const targs *t, const bd_act_params *act) {
    __m512 acc[MR][2];
    const uint16_t *ap[MR];
#pragma GCC unroll 16
    for (int r = 0; r < mr; r++) ap[r] = t->a + (size_t)r * t->a_pix;
#pragma GCC unroll 2
    for (int j = 0; j < nv; j++) {
        __m512 b = _mm512_load_ps(t->bias + L * j);
#pragma GCC unroll 16
        for (int r = 0; r < mr; r++) acc[r][j] = b;
    }
    if (nv == 1) {
#pragma GCC unroll 16
        for (int r = 0; r < mr; r++) acc[r][1] = _mm512_setzero_ps();
    }
    const uint16_t *w = t->w;
    const int np = t->n_pairs;
    for (int ky = 0; ky < t->n_ky; ky++) {
        for (int kx = 0; kx < t->n_kx; kx++) {
            const size_t off = (size_t)ky * t->a_row + (size_t)kx * t->a_col;
            int q = 0;
            if (nv == 1) {
                /* Even and odd pairs into separate accumulators: 2 * mr chains. */
                for (; q + 2 <= np; q += 2) {
                    const __m512i w0 = _mm512_load_si512(w), w1 = _mm512_load_si512(w + 2 * L);
#pragma GCC unroll 16
                    for (int r = 0; r < mr; r++) {
                        const uint16_t *a = ap[r] + off + 2 * q;
                        acc[r][0] = dp(acc[r][0], bcast_pair(a), w0);
                        acc[r][1] = dp(acc[r][1], bcast_pair(a + 2), w1);
                    }
                    w += 4 * L;
                }
            }
            for (; q < np; q++) {
                __m512i wv[2];
#pragma GCC unroll 2
                for (int j = 0; j < nv; j++) wv[j] = _mm512_load_si512(w + 2 * L * j);
#pragma GCC unroll 16
                for (int r = 0; r < mr; r++) {
                    const __m512i av = bcast_pair(ap[r] + off + 2 * q);
#pragma GCC unroll 2
                    for (int j = 0; j < nv; j++) acc[r][j] = dp(acc[r][j], av, wv[j]);
                }
                w += 2 * L * nv;
            }
        }
        w += t->w_row_skip;
    }
    if (nv == 1) {
#pragma GCC unroll 16
        for (int r = 0; r < mr; r++) acc[r][0] = _mm512_add_ps(acc[r][0], acc[r][1]);
    }
#pragma GCC unroll 16
    for (int r = 0; r < mr; r++) {
        float *o = t->out + (size_t)r * t->o_pix;
        const float *rs = t->res ? t->res + (size_t)r * t->o_pix : NULL;
#pragma GCC unroll 2
        for (int j = 0; j < nv; j++) {
            const __mmask16 m = j == nv - 1 ? t->tail_m : (__mmask16)0xFFFF;
            __m512 v = acc[r][j];
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

/* Points t at the block of channels [n0, n0 + NR); returns its first tap's
 * pairs, *nb its padded width. */
static const uint16_t *set_block(targs *t, const uint16_t *packed, size_t kp, int out_c, int n0,
                                 int *nb) {
    const uint16_t *blk = packed + (size_t)n0 * (kp + 2);
    const int b = bd_pack_block_width(out_c, n0, NR, L);
    const int real = out_c - n0 < NR ? out_c - n0 : NR;
    t->bias = (const float *)(const void *)blk;
    t->tail = real - (b - L);
    t->tail_m = bd_mask16(t->tail);
    *nb = b;
    return blk + 2 * b;
}

size_t bd_bf16_conv2d_pack_avx512(const bd_conv_params *p, const float *w, const float *bias,
                                  uint16_t *dst) {
    const int cp = bd_bf16_stride(p->in_c), taps = p->k_h * p->k_w;
    const size_t kp = (size_t)taps * cp, k_src = (size_t)taps * p->in_c;
    size_t total = 0;
    for (int n0 = 0; n0 < p->out_c; n0 += NR) {
        const int b = bd_pack_block_width(p->out_c, n0, NR, L);
        if (dst) {
            uint16_t *blk = dst + total;
            for (int j = 0; j < b; j++) {
                const float v = n0 + j < p->out_c ? bias[n0 + j] : 0.0f;
                memcpy(blk + 2 * j, &v, sizeof v);
            }
            uint16_t *pw = blk + 2 * b;
            for (size_t k = 0; k < kp; k++) { /* k = tap * cp + ic, pairs (k even, k odd) */
                const size_t tap = k / (size_t)cp, ic = k % (size_t)cp;
                for (int j = 0; j < b; j++) {
                    const int oc = n0 + j;
                    const float v = oc < p->out_c && ic < (size_t)p->in_c
                                        ? w[(size_t)oc * k_src + tap * p->in_c + ic]
                                        : 0.0f;
                    pw[(k / 2) * 2 * b + 2 * j + (k & 1)] = bd_f32_to_bf16(v);
                }
            }
        }
        total += (size_t)b * (kp + 2);
    }
    return total;
}

void bd_bf16_conv2d_avx512(const bd_conv_params *p, const uint16_t *restrict in,
                           const uint16_t *restrict packed, const float *restrict residual,
                           float *restrict out, int y0, int y1) {
    BD_TMPL_TANH_AS_NONE(bd_bf16_conv2d_avx512, p, in, packed, residual, out, y0, y1);
    const int cp = bd_bf16_stride(p->in_c), out_c = p->out_c;
    const size_t kp = (size_t)p->k_h * p->k_w * cp;
    int nb;
    targs t;
    t.o_pix = (size_t)out_c;
    const int chunk = (size_t)out_c * (kp + 2) * 2 > BIG_WEIGHT_BYTES ? NR : out_c;
    const int c_begin = p->oc_end ? p->oc_begin : 0, c_end = p->oc_end ? p->oc_end : out_c;
    if (p->k_h == 1 && p->k_w == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0 &&
        p->pad_left == 0 && p->in_h == p->out_h && p->in_w == p->out_w) {
        /* 1x1: one GEMM over the contiguous pixels of rows [y0, y1). */
        const size_t m0 = (size_t)y0 * p->out_w, m1 = (size_t)y1 * p->out_w;
        t.a_pix = (size_t)cp;
        t.a_row = t.a_col = 0;
        t.n_ky = t.n_kx = 1;
        t.n_pairs = cp / 2;
        t.w_row_skip = 0;
        for (int c0 = c_begin; c0 < c_end; c0 += chunk) {
            const int c1 = c_end - c0 < chunk ? c_end : c0 + chunk;
            for (size_t m = m0; m < m1; m += MR) {
                const int mr = m1 - m < MR ? (int)(m1 - m) : MR;
                for (int n0 = c0; n0 < c1; n0 += NR) {
                    t.w = set_block(&t, packed, kp, out_c, n0, &nb);
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
            const int iy0 = by + ky0 * p->dil_h; /* may be out of range when n_ky == 0 */
            const size_t orow = (size_t)oy * p->out_w;
            for (int n0 = c0; n0 < c1; n0 += NR) {
                const uint16_t *w0 = set_block(&t, packed, kp, out_c, n0, &nb);
                const size_t pair_row = (size_t)nb * 2; /* uint16 per weight pair */
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
                    t.n_kx = kx1 - kx0;
                    t.n_pairs = cp / 2;
                    if (p->dil_w == 1) { /* the kx taps of a row are contiguous: one run */
                        t.n_pairs = t.n_kx * cp / 2;
                        t.n_kx = 1;
                    }
                    const int ix0 = ox * sw - pl + kx0 * p->dil_w;
                    /* Pointer formed only when some tap is in range (see conv.inc). */
                    t.a = (t.n_ky > 0 && kx1 > kx0) ? in + ((size_t)iy0 * p->in_w + ix0) * cp
                                                    : in;
                    t.w = w0 + ((size_t)ky0 * p->k_w + kx0) * (cp / 2) * pair_row;
                    t.w_row_skip = (size_t)(p->k_w - (kx1 - kx0)) * (cp / 2) * pair_row;
                    t.res = residual ? residual + (orow + ox) * out_c + n0 : NULL;
                    t.out = out + (orow + ox) * out_c + n0;
                    tile_any(mr, nb / L, &t, &p->act);
                    ox += mr;
                }
            }
        }
    }
}

/* 32 floats -> 32 bf16 (vcvtne2ps2bf16: round to nearest even, DAZ, quiet NaN,
 * as bd_f32_to_bf16); n (1..32) of them, masked. */
BD_INLINE void convert32(const float *in, uint16_t *out, int n) {
    const __mmask16 m0 = bd_mask16(n), m1 = bd_mask16(n - 16);
    const __m512 lo = _mm512_maskz_loadu_ps(m0, in), hi = _mm512_maskz_loadu_ps(m1, in + 16);
    const __m512i v = (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
    const __mmask32 m = n >= 32 ? (__mmask32)0xFFFFFFFFu : (__mmask32)((1u << n) - 1u);
    _mm512_mask_storeu_epi16(out, m, v);
}

void bd_bf16_convert_avx512(const float *restrict in, uint16_t *restrict out, size_t i0,
                            size_t i1, int c, int cp) {
    if (cp == c) { /* even c: the pixels are one contiguous run */
        const size_t e0 = i0 * (size_t)c, e1 = i1 * (size_t)c;
        for (size_t e = e0; e < e1; e += 32)
            convert32(in + e, out + e, e1 - e < 32 ? (int)(e1 - e) : 32);
        return;
    }
    if (c <= 16) { /* a small part or channel count: one masked vector a pixel */
        const __mmask16 m = bd_mask16(c);
        for (size_t i = i0; i < i1; i++) {
            const __m512 v = _mm512_maskz_loadu_ps(m, in + i * c);
            _mm256_mask_storeu_epi16(out + i * cp, m, (__m256i)_mm512_cvtneps_pbh(v));
            if (cp == c + 1) out[i * cp + c] = 0;
        }
        return;
    }
    for (size_t i = i0; i < i1; i++) { /* odd c, or a part: per pixel (+ the zero pad) */
        for (int ch = 0; ch < c; ch += 32)
            convert32(in + i * c + ch, out + i * cp + ch, c - ch < 32 ? c - ch : 32);
        if (cp == c + 1) out[i * cp + c] = 0;
    }
}

void bd_kernels_init_avx512_bf16(bd_kernels *k) {
    k->conv2d_bf16 = bd_bf16_conv2d_avx512;
    k->pack_conv2d_bf16 = bd_bf16_conv2d_pack_avx512;
    k->convert_bf16 = bd_bf16_convert_avx512;
    k->peak_bf16 = bd_peak_bf16_avx512;
    k->peak_bf16_macs_per_iter = 16 * 16 * 2;
}
