/*
 * resize_avx512.c -- bilinear resize (TFLite RESIZE_BILINEAR), NHWC, AVX-512,
 * vectorised over channels. Source coordinates are computed exactly as in
 * resize_ref.c (same float expressions, no contraction under -std=c11), so only
 * the blend differs: top = tl + (tr - tl) * fx etc. with FMA (~1 ulp).
 * Memory: loads and stores stay inside the tensors (channel tails masked).
 */
#include <math.h>

#include "kernels/x86_avx512/kernels_avx512.h"
#include "kernels/x86_avx512/simd_avx512.h"

static void coord(int dst, int in, int out, int align_corners, int half_pixel, int *lo, int *hi,
                  float *frac) {
    float scale = (align_corners && out > 1) ? (float)(in - 1) / (float)(out - 1)
                                             : (float)in / (float)out;
    float src = half_pixel ? ((float)dst + 0.5f) * scale - 0.5f : (float)dst * scale;
    float fl = floorf(src);
    *lo = fl < 0.0f ? 0 : (int)fl;
    int c = (int)ceilf(src);
    *hi = c < in - 1 ? c : in - 1;
    if (*lo > in - 1) *lo = in - 1;
    if (*hi < 0) *hi = 0;
    *frac = src - fl;
}

BD_INLINE __m512 lerp(__m512 a, __m512 b, __m512 f) {
    return _mm512_fmadd_ps(_mm512_sub_ps(b, a), f, a);
}

#define XCHUNK 256 /* output columns whose coordinates are computed once per call */

void bd_f32_resize_bilinear_avx512(const bd_resize_params *p, const float *restrict in,
                                   float *restrict out, int y0, int y1) {
    const size_t C = (size_t)p->c;
    int xlo[XCHUNK], xhi[XCHUNK];
    float xf[XCHUNK];
    for (int x0 = 0; x0 < p->out_w; x0 += XCHUNK) {
        const int nx = p->out_w - x0 < XCHUNK ? p->out_w - x0 : XCHUNK;
        for (int i = 0; i < nx; i++)
            coord(x0 + i, p->in_w, p->out_w, p->align_corners, p->half_pixel, &xlo[i], &xhi[i],
                  &xf[i]);
        for (int oy = y0; oy < y1; oy++) {
            int ylo, yhi;
            float fy;
            coord(oy, p->in_h, p->out_h, p->align_corners, p->half_pixel, &ylo, &yhi, &fy);
            const __m512 vfy = _mm512_set1_ps(fy);
            const float *top = in + (size_t)ylo * p->in_w * C;
            const float *bot = in + (size_t)yhi * p->in_w * C;
            for (int i = 0; i < nx; i++) {
                const __m512 vfx = _mm512_set1_ps(xf[i]);
                const float *tl = top + xlo[i] * C, *tr = top + xhi[i] * C;
                const float *bl = bot + xlo[i] * C, *br = bot + xhi[i] * C;
                float *o = out + ((size_t)oy * p->out_w + x0 + i) * C;
                for (size_t c = 0; c < C; c += 16) {
                    const __mmask16 m = bd_mask16(C - c < 16 ? (int)(C - c) : 16);
                    __m512 t = lerp(_mm512_maskz_loadu_ps(m, tl + c),
                                    _mm512_maskz_loadu_ps(m, tr + c), vfx);
                    __m512 b = lerp(_mm512_maskz_loadu_ps(m, bl + c),
                                    _mm512_maskz_loadu_ps(m, br + c), vfx);
                    _mm512_mask_storeu_ps(o + c, m, lerp(t, b, vfy));
                }
            }
        }
    }
}
