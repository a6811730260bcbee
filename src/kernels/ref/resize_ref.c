/*
 * resize_ref.c -- reference bilinear resize with TFLite RESIZE_BILINEAR semantics
 * (tensorflow/lite/kernels/internal/reference: ComputeInterpolationValues):
 *   scale = align_corners && out > 1 ? (in-1)/(out-1) : in/out
 *   src   = half_pixel ? (dst + 0.5) * scale - 0.5 : dst * scale
 *   lo    = max(floor(src), 0), hi = min(ceil(src), in-1), frac = src - floor(src)
 */
#include <math.h>

#include "kernels/kernels.h"

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

void bd_f32_resize_bilinear_ref(const bd_resize_params *p, const float *restrict in,
                                float *restrict out, int y0, int y1) {
    const int c_n = p->c;
    for (int oy = y0; oy < y1; oy++) {
        int ylo, yhi;
        float fy;
        coord(oy, p->in_h, p->out_h, p->align_corners, p->half_pixel, &ylo, &yhi, &fy);
        for (int ox = 0; ox < p->out_w; ox++) {
            int xlo, xhi;
            float fx;
            coord(ox, p->in_w, p->out_w, p->align_corners, p->half_pixel, &xlo, &xhi, &fx);
            const float *tl = in + ((size_t)ylo * p->in_w + xlo) * c_n;
            const float *tr = in + ((size_t)ylo * p->in_w + xhi) * c_n;
            const float *bl = in + ((size_t)yhi * p->in_w + xlo) * c_n;
            const float *br = in + ((size_t)yhi * p->in_w + xhi) * c_n;
            float *o = out + ((size_t)oy * p->out_w + ox) * c_n;
            for (int c = 0; c < c_n; c++) {
                float top = tl[c] + (tr[c] - tl[c]) * fx;
                float bot = bl[c] + (br[c] - bl[c]) * fx;
                o[c] = top + (bot - top) * fy;
            }
        }
    }
}
