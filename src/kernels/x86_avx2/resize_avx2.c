/*
 * resize_avx2.c -- bilinear resize (TFLite RESIZE_BILINEAR), NHWC, AVX2 + FMA,
 * vectorised over channels; see resize_avx512.c (same coordinates as the
 * reference, blend with FMA, ~1 ulp).
 * Memory: loads and stores stay inside the tensors (channel tails masked).
 */
#include <math.h>

#include "kernels/x86_avx2/kernels_avx2.h"
#include "kernels/x86_avx2/simd_avx2.h"

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

BD_INLINE __m256 lerp(__m256 a, __m256 b, __m256 f) {
    return _mm256_fmadd_ps(_mm256_sub_ps(b, a), f, a);
}

#define XCHUNK 256 /* output columns whose coordinates are computed once per call */

void bd_f32_resize_bilinear_avx2(const bd_resize_params *p, const float *restrict in,
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
            const __m256 vfy = _mm256_set1_ps(fy);
            const float *top = in + (size_t)ylo * p->in_w * C;
            const float *bot = in + (size_t)yhi * p->in_w * C;
            for (int i = 0; i < nx; i++) {
                const __m256 vfx = _mm256_set1_ps(xf[i]);
                const float *tl = top + xlo[i] * C, *tr = top + xhi[i] * C;
                const float *bl = bot + xlo[i] * C, *br = bot + xhi[i] * C;
                float *o = out + ((size_t)oy * p->out_w + x0 + i) * C;
                for (size_t c = 0; c < C; c += 8) {
                    const int k = C - c < 8 ? (int)(C - c) : 8;
                    __m256 t = lerp(bd_load8(tl + c, k), bd_load8(tr + c, k), vfx);
                    __m256 b = lerp(bd_load8(bl + c, k), bd_load8(br + c, k), vfx);
                    bd_store8(o + c, lerp(t, b, vfy), k);
                }
            }
        }
    }
}
