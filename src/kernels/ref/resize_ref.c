/*
 * resize_ref.c -- reference bilinear resize with TFLite RESIZE_BILINEAR semantics
 * (tensorflow/lite/kernels/internal/reference: ComputeInterpolationValues):
 *   scale = align_corners && out > 1 ? (in-1)/(out-1) : in/out
 *   src   = half_pixel ? (dst + 0.5) * scale - 0.5 : dst * scale
 *   lo    = max(floor(src), 0), hi = min(ceil(src), in-1), frac = src - floor(src)
 */
#include <math.h>
#include <stddef.h>

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

/* The bilinear blend of channel c at source rows ylo/yhi (weight fy) and columns
 * xlo/xhi (weight fx). */
static float blend(const bd_resize_params *p, const float *in, int ylo, int yhi, float fy,
                   int xlo, int xhi, float fx, int c) {
    const size_t cn = (size_t)p->c;
    const float tl = in[((size_t)ylo * p->in_w + xlo) * cn + c];
    const float tr = in[((size_t)ylo * p->in_w + xhi) * cn + c];
    const float bl = in[((size_t)yhi * p->in_w + xlo) * cn + c];
    const float br = in[((size_t)yhi * p->in_w + xhi) * cn + c];
    float top = tl + (tr - tl) * fx;
    float bot = bl + (br - bl) * fx;
    return top + (bot - top) * fy;
}

/* Output rows [y0, y1): y = act(resize(a) * x + resize(b) [+ r]) when a (and so
 * b and x) is given, else y = resize(in). */
static void rows(const bd_resize_params *p, const float *restrict in, const float *restrict a,
                 const float *restrict b, const float *restrict x, const float *restrict r,
                 const bd_act_params *act, float *restrict y, int y0, int y1) {
    const int c_n = p->c;
    for (int oy = y0; oy < y1; oy++) {
        int ylo, yhi;
        float fy;
        coord(oy, p->in_h, p->out_h, p->align_corners, p->half_pixel, &ylo, &yhi, &fy);
        for (int ox = 0; ox < p->out_w; ox++) {
            int xlo, xhi;
            float fx;
            coord(ox, p->in_w, p->out_w, p->align_corners, p->half_pixel, &xlo, &xhi, &fx);
            const size_t o = ((size_t)oy * p->out_w + ox) * (size_t)c_n;
            for (int c = 0; c < c_n; c++) {
                if (!a) {
                    y[o + c] = blend(p, in, ylo, yhi, fy, xlo, xhi, fx, c);
                    continue;
                }
                float m = blend(p, a, ylo, yhi, fy, xlo, xhi, fx, c) * x[o + c];
                float v = m + blend(p, b, ylo, yhi, fy, xlo, xhi, fx, c);
                if (r) v += r[o + c];
                y[o + c] = bd_act_apply(v, act);
            }
        }
    }
}

void bd_f32_resize_bilinear_ref(const bd_resize_params *p, const float *restrict in,
                                float *restrict out, int y0, int y1) {
    rows(p, in, NULL, NULL, NULL, NULL, NULL, out, y0, y1);
}

void bd_f32_resize_affine_ref(const bd_resize_params *p, const float *restrict a,
                              const float *restrict b, const float *restrict x,
                              const float *restrict r, const bd_act_params *act,
                              float *restrict y, int y0, int y1) {
    rows(p, NULL, a, b, x, r, act, y, y0, y1);
}
