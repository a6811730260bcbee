/*
 * tconv_avx512.c -- transposed convolution of any kernel size, stride and
 * padding (no dilation) by the phase decomposition (kernels/scalar/tconv_phase.h),
 * AVX-512. bd_f32_tconv2d_avx512 routes here every geometry its k == stride
 * paths do not take (e.g. PyTorch's k3 s2 p1 and k4 s2 p1 upsamplers).
 *
 * Per output row oy (phase py, contributing input rows iy = qy - i for the
 * valid i), per block of up to NR = 32 output channels, per column phase px:
 * the outputs ox = q * s_w + px - pad_left are a stride-1 correlation over
 * input pixels, so a tile of MR = 12 consecutive q (MR output pixels s_w apart)
 * is a register-blocked GEMM
 *   acc[m][v] = bias[v] + sum_{i, j, ic} in[qy - i][q + m - j][ic] * w[fy][fx][ic][v]
 * (fy = py + i * s_h, fx = px + j * s_w), inputs broadcast from memory, weights
 * loaded once per (tap, ic) for all MR pixels. Pixels whose tap range is cut by
 * the input border go one at a time with their shorter range. Epilogue:
 * + residual, activation, masked store. Each output is written once, by the
 * call owning its row, with a sum order that does not depend on [y0, y1).
 *
 * Weights: bd_f32_conv2d_pack_blocked(nr = 32, vl = 16), 64-byte aligned.
 * Numerics: the reference's products, summed with FMA in another order.
 */
#include "kernels/scalar/pack_blocked.h"
#include "kernels/scalar/tconv_phase.h"
#include "kernels/x86_avx512/kernels_avx512.h"
#include "kernels/x86_avx512/simd_avx512.h"

#define NR 32 /* channels per weight block: 2 vectors */
#define MR 12 /* pixels per tile */

typedef struct tc_args {
    const float *in;
    int in_w, in_c, k_w, s_h, s_w;
    int qy, py, ia, ib; /* rows: iy = qy - i, fy = py + i * s_h, i in [ia, ib) */
    int px;             /* column phase: fx = px + j * s_w */
    const float *bias, *w;
    int nb;
    size_t o_pix; /* floats between the tile's output pixels: s_w * out_c */
    __mmask16 tail;
} tc_args;

/* mr pixels q .. q + mr - 1 (all with tap range [ja, jb)) x nv vectors. */
BD_INLINE void tc_tile(const int mr, const int nv, const tc_args *t, int q, int ja, int jb,
                       const float *res, float *out, const bd_act_params *act) {
    __m512 acc[MR][2];
    for (int m = 0; m < mr; m++)
        for (int v = 0; v < nv; v++) acc[m][v] = _mm512_load_ps(t->bias + 16 * v);
    const int in_c = t->in_c, nb = t->nb;
    const size_t wtap = (size_t)in_c * nb;
    for (int i = t->ia; i < t->ib; i++) {
        const int iy = t->qy - i, fy = t->py + i * t->s_h;
        const float *arow = t->in + (size_t)iy * t->in_w * in_c;
        for (int j = ja; j < jb; j++) {
            const float *a = arow + (size_t)(q - j) * in_c;
            const float *w = t->w + (size_t)(fy * t->k_w + t->px + j * t->s_w) * wtap;
            for (int ic = 0; ic < in_c; ic++, w += nb) {
                const __m512 w0 = _mm512_load_ps(w);
                const __m512 w1 = nv > 1 ? _mm512_load_ps(w + 16) : w0;
                for (int m = 0; m < mr; m++) {
                    const __m512 b = _mm512_set1_ps(a[(size_t)m * in_c + ic]);
                    acc[m][0] = _mm512_fmadd_ps(b, w0, acc[m][0]);
                    if (nv > 1) acc[m][1] = _mm512_fmadd_ps(b, w1, acc[m][1]);
                }
            }
        }
    }
    for (int m = 0; m < mr; m++)
        for (int v = 0; v < nv; v++) {
            const __mmask16 k = v == nv - 1 ? t->tail : (__mmask16)0xFFFF;
            const size_t o = (size_t)m * t->o_pix + 16 * (size_t)v;
            __m512 x = acc[m][v];
            if (res) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(k, res + o));
            _mm512_mask_storeu_ps(out + o, k, bd_act512(x, act));
        }
}

#define TC_CASE(M)                                                                 \
    case M:                                                                        \
        if (nv == 1) tc_tile(M, 1, t, q, ja, jb, res, out, act);                   \
        else tc_tile(M, 2, t, q, ja, jb, res, out, act);                           \
        break;

static void tc_any(int mr, int nv, const tc_args *t, int q, int ja, int jb, const float *res,
                   float *out, const bd_act_params *act) {
    switch (mr) {
        TC_CASE(1)
        TC_CASE(2)
        TC_CASE(3)
        TC_CASE(4)
        TC_CASE(5)
        TC_CASE(6)
        TC_CASE(7)
        TC_CASE(8)
        TC_CASE(9)
        TC_CASE(10)
        TC_CASE(11)
    default: TC_CASE(12)
    }
}

size_t bd_f32_tconv2d_pack_phase_avx512(const bd_conv_params *p, const float *w,
                                        const float *bias, float *dst) {
    return bd_f32_conv2d_pack_blocked(p, w, bias, dst, NR, 16);
}

void bd_f32_tconv2d_phase_avx512(const bd_conv_params *p, const float *restrict in,
                                 const float *restrict packed, const float *restrict residual,
                                 float *restrict out, int y0, int y1) {
    if (p->act.act == BD_ACT_TANH) { /* run as NONE, then tanh over the rows written */
        bd_conv_params q = *p;
        q.act.act = BD_ACT_NONE;
        bd_f32_tconv2d_phase_avx512(&q, in, packed, residual, out, y0, y1);
        const size_t row = (size_t)p->out_w * p->out_c;
        bd_tanh_inplace(out + (size_t)y0 * row, (size_t)(y1 - y0) * row);
        return;
    }
    const int out_c = p->out_c, out_w = p->out_w, s_w = p->stride_w;
    const size_t K = (size_t)p->k_h * p->k_w * p->in_c, o_row = (size_t)out_w * out_c;
    tc_args t;
    t.in = in;
    t.in_w = p->in_w, t.in_c = p->in_c, t.k_w = p->k_w, t.s_h = p->stride_h, t.s_w = s_w;
    t.o_pix = (size_t)s_w * out_c;
    for (int oy = y0; oy < y1; oy++) {
        const bd_tconv_axis ay = bd_tconv_axis_of(oy, p->pad_top, p->stride_h, p->k_h);
        t.qy = ay.q, t.py = ay.r;
        bd_tconv_taps(ay.q, ay.n_j, p->in_h, &t.ia, &t.ib);
        const float *blk = packed;
        for (int n0 = 0; n0 < out_c; n0 += NR) {
            const int nb = bd_pack_block_width(out_c, n0, NR, 16);
            const int real = out_c - n0 < NR ? out_c - n0 : NR, nv = nb / 16;
            t.bias = blk, t.w = blk + nb, t.nb = nb;
            t.tail = bd_mask16(real - (nb - 16));
            blk += (size_t)nb * (K + 1);
            for (int ox0 = 0; ox0 < s_w && ox0 < out_w; ox0++) {
                const bd_tconv_axis ax = bd_tconv_axis_of(ox0, p->pad_left, s_w, p->k_w);
                const int count = (out_w - ox0 + s_w - 1) / s_w;
                t.px = ax.r;
                for (int m = 0; m < count;) {
                    const int q = ax.q + m;
                    int ja, jb, mr = 1;
                    bd_tconv_taps(q, ax.n_j, p->in_w, &ja, &jb);
                    if (ja == 0 && jb == ax.n_j) { /* full range while q < in_w */
                        int run = p->in_w - q < count - m ? p->in_w - q : count - m;
                        mr = run < MR ? run : MR;
                    }
                    const size_t o = oy * o_row + (size_t)(ox0 + m * s_w) * out_c + n0;
                    tc_any(mr, nv, &t, q, ja, jb, residual ? residual + o : NULL, out + o,
                           &p->act);
                    m += mr;
                }
            }
        }
    }
}
