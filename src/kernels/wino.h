/*
 * wino.h -- Winograd F(4x4, 3x3) and F(2x2, 5x5) for dense convolutions at stride
 * 1 without dilation (Lavin & Gray, "Fast Algorithms for Convolutional Neural
 * Networks", 2016, points 0, +-1, +-2 and infinity). Each m x m block of outputs
 * ("tile"; m = 4 for 3x3 kernels, 2 for 5x5) comes from the 6x6 input patch d
 * above it (zeros outside the image, which is the padding):
 *   Y = A^T [ U (.) V ] A,   V = B^T d B,   U = G g G^T   (per channel pair)
 * where (.) multiplies element by element and the 36 products are summed over the
 * input channels: for each of the 36 positions xi a GEMM [tiles x in_c] x
 * [in_c x out_c]. That is 36 multiply-adds per tile and channel pair instead of
 * 144 for 3x3 (4x fewer) or 100 for 5x5 (2.8x fewer), plus the transforms (about
 * 170 adds per tile and input channel, 100 per output channel). The same six
 * points give both: B^T (6x6) depends on the points alone, so the input
 * transform is shared; G is 6 x k (the kernel's polynomial evaluated at each
 * point, with B^T's scale) and A^T m x 6 (the output polynomial's first m
 * powers, infinity giving the highest). U is computed once at pack time, in
 * double.
 *
 * Numerics: the transforms multiply by up to 8 (3x3) or 16 (5x5 weights) and add
 * up to ~40 terms, so the result differs from the direct convolution by a few
 * ulps of the larger partial sums (tests/kernels/test_wino.c: within 2e-5 of
 * sum |w * x| on random data).
 *
 * Which convolutions (bd_wino_ok): k 3x3 or 5x5, stride 1, dilation 1, any pads
 * (the output size decides the tiles), activation not TANH, outputs at least
 * m x m (the runtime also asks bd_wino_worth: enough channels and few wasted
 * outputs).
 *
 * This header: the three transforms in plain C, shared by the reference kernel
 * (ref/conv_wino_ref.c), the SIMD packers and the tests.
 */
#ifndef BD_KERNELS_WINO_H
#define BD_KERNELS_WINO_H

#include "kernels/kernels.h"

#define BD_WINO_A 6  /* input patch side: m + k - 1 */
#define BD_WINO_XI 36 /* positions: A * A */

/* Outputs per tile side: 6 - k + 1 (4 for 3x3, 2 for 5x5). */
static inline int bd_wino_m(const bd_conv_params *p) { return BD_WINO_A + 1 - p->k_h; }

/* The geometry the algorithm computes exactly (up to rounding). */
static inline bool bd_wino_ok(const bd_conv_params *p) {
    return (p->k_h == 3 || p->k_h == 5) && p->k_w == p->k_h && p->stride_h == 1 &&
           p->stride_w == 1 && p->dil_h == 1 && p->dil_w == 1 && p->depth_multiplier <= 1 &&
           p->act.act != BD_ACT_TANH && p->out_h >= bd_wino_m(p) && p->out_w >= bd_wino_m(p) &&
           p->in_c >= 1 && p->out_c >= 1;
}

/* Whether Winograd gains over the direct kernels (3x3 measured on AVX-512, Zen 4;
 * the transforms cost per tile and channel, the GEMMs per channel pair): at least
 * 16 input channels (3 -> 16 at 180x320 ran 0.57x the direct speed, 8 -> 8 1.0x,
 * 16 -> 16 1.9x, 64 -> 32 2.4x, 128 -> 128 3.3x) and 4 output channels, and the
 * tiles cover at most 1.7x the outputs (a 5x5 map needs 8x8: 0.94x). 5x5 (AVX2,
 * AMD EPYC, bench_kernels MODNet): its 2x2 tiles carry the same transforms for a
 * quarter of the outputs, so it needs more channels: 32 -> 32 at 72x128 ran 1.0x,
 * 96 -> 32 at 36x64 1.8x, 1280 -> 96 at 18x32 1.5-1.8x; at least 48 in. */
static inline bool bd_wino_worth(const bd_conv_params *p) {
    if (!bd_wino_ok(p)) return false;
    const int m = bd_wino_m(p);
    const int64_t tiles = (int64_t)((p->out_h + m - 1) / m) * ((p->out_w + m - 1) / m);
    return p->in_c >= (m == 2 ? 48 : 16) && p->out_c >= 4 &&
           tiles * m * m * 10 <= (int64_t)p->out_h * p->out_w * 17;
}

/* Whether U (36 floats per channel pair) is too large for the caches (and there
 * is more than one chunk of input channels): the SIMD
 * kernels then block the input channels and take many tiles per block
 * (templates/wino.inc), and the runtime cuts the node into one tile per thread,
 * since each of its calls streams U from memory once. */
#define BD_WINO_KC 128 /* input channels per chunk when big */
static inline bool bd_wino_big(const bd_conv_params *p) {
    return (double)BD_WINO_XI * sizeof(float) * p->in_c * p->out_c > (double)(2u << 20) &&
           p->in_c > BD_WINO_KC;
}

/* U = G g G^T for one (output, input) channel pair of a k x k kernel (3 or 5):
 * g[ky][kx] = w[(ky * k + kx) * stride], u[xi] with xi = row * 6 + column. Row i
 * of G is s_i (1, p_i, p_i^2, ...) for the points p = 0, 1, -1, 2, -2 (scales
 * 1/4, -1/6, -1/6, 1/24, 1/24, which B^T's integer rows leave), and the last row
 * (infinity) picks g's highest power. In double, rounded once. */
static inline void bd_wino_weight(const float *w, size_t stride, int k, float u[BD_WINO_XI]) {
    static const double pt[5] = {0, 1, -1, 2, -2};
    static const double sc[5] = {1.0 / 4, -1.0 / 6, -1.0 / 6, 1.0 / 24, 1.0 / 24};
    double G[6][5] = {{0}}, t[6][5];
    for (int i = 0; i < 5; i++) {
        double pw = sc[i];
        for (int j = 0; j < k; j++, pw *= pt[i]) G[i][j] = pw;
    }
    G[5][k - 1] = 1;
    for (int i = 0; i < 6; i++)
        for (int kx = 0; kx < k; kx++) {
            double s = 0;
            for (int ky = 0; ky < k; ky++) s += G[i][ky] * w[(size_t)(ky * k + kx) * stride];
            t[i][kx] = s;
        }
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
            double s = 0;
            for (int kx = 0; kx < k; kx++) s += t[i][kx] * G[j][kx];
            u[i * 6 + j] = (float)s;
        }
}

/* r = B^T d for six values at stride s (a column or row of the patch). */
static inline void bd_wino_in6(const float *d, size_t s, float r[6]) {
    const float d0 = d[0], d1 = d[s], d2 = d[2 * s], d3 = d[3 * s], d4 = d[4 * s],
                d5 = d[5 * s];
    r[0] = 4 * d0 - 5 * d2 + d4;
    r[1] = -4 * d1 - 4 * d2 + d3 + d4;
    r[2] = 4 * d1 - 4 * d2 - d3 + d4;
    r[3] = -2 * d1 - d2 + 2 * d3 + d4;
    r[4] = 2 * d1 - d2 - 2 * d3 + d4;
    r[5] = 4 * d1 - 5 * d3 + d5;
}

/* o = A^T m for six values at stride s: mo = 4 or 2 outputs (infinity, m5,
 * enters the last). */
static inline void bd_wino_out6(const float *m, size_t s, int mo, float o[4]) {
    const float m0 = m[0], m1 = m[s], m2 = m[2 * s], m3 = m[3 * s], m4 = m[4 * s],
                m5 = m[5 * s];
    o[0] = m0 + m1 + m2 + m3 + m4;
    if (mo == 2) {
        o[1] = m1 - m2 + 2 * m3 - 2 * m4 + m5;
        return;
    }
    o[1] = m1 - m2 + 2 * m3 - 2 * m4;
    o[2] = m1 + m2 + 4 * m3 + 4 * m4;
    o[3] = m1 - m2 + 8 * m3 - 8 * m4 + m5;
}

/* Reference kernel (ref/conv_wino_ref.c). Packed: U[36][out_c][in_c], then
 * bias[out_c]. Scratch: bd_f32_conv2d_wino_scratch_ref(p) floats. Rows [y0, y1)
 * with y0 a multiple of bd_wino_m(p) (y1 any). */
size_t bd_f32_conv2d_wino_pack_ref(const bd_conv_params *p, const float *w, const float *bias,
                                   float *dst);
size_t bd_f32_conv2d_wino_scratch_ref(const bd_conv_params *p);
void bd_f32_conv2d_wino_ref(const bd_conv_params *p, const float *restrict in,
                            const float *restrict packed, const float *restrict residual,
                            float *restrict out, int y0, int y1, float *restrict scratch);

#endif
