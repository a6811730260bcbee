/*
 * resample.c -- bilinear resampling with half-pixel centres: the per-axis
 * coefficient tables, the model-input preprocessing (frame -> float NHWC
 * tensor, bit-exact with the reference preprocessing), the probability-mask
 * upsampler (model output -> full-resolution GRAY8 alpha) and the u8 resampler
 * used to scale background images.
 *
 * Every resize is separable and its per-row / per-column source indices and
 * weights are tabulated once (bd_linear_axis), so the inner loops only gather
 * and blend: no division, no floor, no per-pixel dispatch.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"

void bd_linear_axis_free(bd_linear_axis *axis) {
    if (!axis) return;
    free(axis->lo);
    free(axis->hi);
    free(axis->w);
    free(axis->wf);
    free(axis->wq);
    memset(axis, 0, sizeof *axis);
}

bd_status bd_linear_axis_set(bd_linear_axis *axis, int n_in, int n_out, double ratio,
                             double origin) {
    if (axis->n_in == n_in && axis->n_out == n_out && axis->ratio == ratio &&
        axis->origin == origin)
        return BD_OK;
    if (n_out > axis->capacity) {
        bd_linear_axis_free(axis);
        size_t n = (size_t)n_out;
        axis->lo = malloc(n * sizeof *axis->lo);
        axis->hi = malloc(n * sizeof *axis->hi);
        axis->w = malloc(n * sizeof *axis->w);
        axis->wf = malloc(n * sizeof *axis->wf);
        axis->wq = malloc(n * sizeof *axis->wq);
        if (!axis->lo || !axis->hi || !axis->w || !axis->wf || !axis->wq) {
            bd_linear_axis_free(axis);
            return BD_ERR_NO_MEMORY;
        }
        axis->capacity = n_out;
    }
    const double last = (double)(n_in - 1);
    for (int d = 0; d < n_out; d++) {
        /* Half-pixel centres: output pixel d covers [d, d+1) whose centre d + 0.5
         * maps to source position (d + 0.5) * ratio + origin; source pixel i has
         * its centre at i + 0.5, hence the final - 0.5. Clamping the position
         * (not the indices) replicates the edge pixels. */
        double s = (d + 0.5) * ratio + origin - 0.5;
        if (!(s > 0.0)) s = 0.0; /* also catches NaN */
        if (s > last) s = last;
        int lo = (int)s; /* s >= 0, so truncation is floor */
        int hi = lo + 1 < n_in ? lo + 1 : n_in - 1;
        double w = s - lo;
        axis->lo[d] = lo;
        axis->hi[d] = hi;
        axis->w[d] = w;
        axis->wf[d] = (float)w;
        axis->wq[d] = (uint16_t)(w * BD_LERP_ONE + 0.5);
    }
    axis->n_in = n_in;
    axis->n_out = n_out;
    axis->ratio = ratio;
    axis->origin = origin;
    return BD_OK;
}

void bd_cover_geometry(int bw, int bh, int w, int h, double *ratio, double *origin_x,
                       double *origin_y) {
    /* scale = max(w / bw, h / bh) makes the scaled image at least w x h; the
     * sampling ratio is its inverse, and the source window of w * ratio by
     * h * ratio pixels is centred. The axis that decides the scale gets exactly
     * ratio = bw / w (or bh / h) and origin 0. */
    double sx = (double)w / bw, sy = (double)h / bh;
    double r = sx >= sy ? (double)bw / w : (double)bh / h;
    *ratio = r;
    *origin_x = sx >= sy ? 0.0 : (bw - w * r) * 0.5;
    *origin_y = sx >= sy ? (bh - h * r) * 0.5 : 0.0;
}

void bd_tensor_lut(float scale, float offset, float lut[256]) {
    /* (float)v / 255.0f is the correctly rounded quotient, the same float32 value
     * numpy's uint8 / 255 gives, so with scale 1, offset 0 the tensor matches the
     * reference files bit for bit. */
    for (int v = 0; v < 256; v++) lut[v] = (float)v / 255.0f * scale + offset;
}

/* Byte offsets of R, G, B inside a pixel (gray: the one byte, three times). */
static void rgb_offsets(bd_pixel_format f, int off[3]) {
    int gray = f == BD_PIXEL_GRAY8;
    off[0] = 0;
    off[1] = gray ? 0 : 1;
    off[2] = gray ? 0 : 2;
}

void bd_image_to_tensor(const bd_image *src, const bd_linear_axis *ax, const bd_linear_axis *ay,
                        const float lut[256], float *dst) {
    const int bpp = bd_pixel_format_bpp(src->format);
    const int ow = ax->n_out, oh = ay->n_out;
    int off[3];
    rgb_offsets(src->format, off);
    for (int y = 0; y < oh; y++) {
        const uint8_t *r0 = src->data + (size_t)ay->lo[y] * src->stride_bytes;
        const uint8_t *r1 = src->data + (size_t)ay->hi[y] * src->stride_bytes;
        const double wy = ay->w[y];
        float *o = dst + (size_t)y * (size_t)ow * 3;
        for (int x = 0; x < ow; x++) {
            const size_t i0 = (size_t)ax->lo[x] * (size_t)bpp;
            const size_t i1 = (size_t)ax->hi[x] * (size_t)bpp;
            const double wx = ax->w[x];
            for (int c = 0; c < 3; c++) {
                /* Blend in double along x, then along y, then round half up.
                 * This exact order of operations is what the reference used; a
                 * different one could flip a result that lands exactly on .5. */
                double top = r0[i0 + off[c]] * (1.0 - wx) + r0[i1 + off[c]] * wx;
                double bot = r1[i0 + off[c]] * (1.0 - wx) + r1[i1 + off[c]] * wx;
                double v = top * (1.0 - wy) + bot * wy;
                int u = (int)(v + 0.5); /* v >= 0: truncation is floor */
                o[c] = lut[u > 255 ? 255 : u];
            }
            o += 3;
        }
    }
}

void bd_mask_upsample(const float *prob, int w, int h, const bd_linear_axis *ax,
                      const bd_linear_axis *ay, const bd_mask_params *mp, float *row_tmp,
                      const bd_image *alpha) {
    (void)h;
    const int ow = ax->n_out, oh = ay->n_out;
    const int soft = mp->softness > 0.0f;
    /* alpha = (p - threshold) / softness + 0.5 = p * k + b with the division
     * hoisted out of the loop. softness <= 0: alpha = p (k = 1, b = 0). */
    const float k = soft ? 1.0f / mp->softness : 1.0f;
    const float b = soft ? 0.5f - mp->threshold * k : 0.0f;
    for (int y = 0; y < oh; y++) {
        /* Vertical blend of the two source rows into row_tmp (w floats), then a
         * horizontal gather per output pixel: cost h_out * (w + w_out). The
         * a + (b - a) * t form keeps a constant map exactly constant. */
        const float *p0 = prob + (size_t)ay->lo[y] * (size_t)w;
        const float *p1 = prob + (size_t)ay->hi[y] * (size_t)w;
        const float wy = ay->wf[y];
        for (int i = 0; i < w; i++) row_tmp[i] = p0[i] + (p1[i] - p0[i]) * wy;
        uint8_t *o = alpha->data + (size_t)y * alpha->stride_bytes;
        for (int x = 0; x < ow; x++) {
            const float a0 = row_tmp[ax->lo[x]], a1 = row_tmp[ax->hi[x]];
            float a = (a0 + (a1 - a0) * ax->wf[x]) * k + b;
            if (!(a > 0.0f)) a = 0.0f; /* also NaN -> 0 */
            if (a > 1.0f) a = 1.0f;
            o[x] = (uint8_t)(a * 255.0f + 0.5f);
        }
    }
}

void bd_image_resample_rgb(const bd_image *src, const bd_linear_axis *ax,
                           const bd_linear_axis *ay, const bd_image *dst) {
    const int bpp = bd_pixel_format_bpp(src->format);
    const int ow = ax->n_out, oh = ay->n_out;
    int off[3];
    rgb_offsets(src->format, off);
    /* Fixed point: weights in units of 2^-11; top/bot <= 255 * 2^11 and the
     * final blend <= 255 * 2^22 < 2^32, so uint32 never overflows. */
    const uint32_t one = BD_LERP_ONE, round = 1u << (2 * BD_LERP_BITS - 1);
    for (int y = 0; y < oh; y++) {
        const uint8_t *r0 = src->data + (size_t)ay->lo[y] * src->stride_bytes;
        const uint8_t *r1 = src->data + (size_t)ay->hi[y] * src->stride_bytes;
        const uint32_t wy = ay->wq[y], iwy = one - wy;
        uint8_t *o = dst->data + (size_t)y * dst->stride_bytes;
        for (int x = 0; x < ow; x++) {
            const size_t i0 = (size_t)ax->lo[x] * (size_t)bpp;
            const size_t i1 = (size_t)ax->hi[x] * (size_t)bpp;
            const uint32_t wx = ax->wq[x], iwx = one - wx;
            for (int c = 0; c < 3; c++) {
                uint32_t top = r0[i0 + off[c]] * iwx + r0[i1 + off[c]] * wx;
                uint32_t bot = r1[i0 + off[c]] * iwx + r1[i1 + off[c]] * wx;
                o[c] = (uint8_t)((top * iwy + bot * wy + round) >> (2 * BD_LERP_BITS));
            }
            o += 3;
        }
    }
}
