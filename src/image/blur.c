/*
 * blur.c -- the "blur" background: the frame's own background, blurred without
 * the person's colours bleeding into it.
 *
 * A plain blur of the frame smears the person into a halo around them, which
 * shows wherever the mask is soft or slightly off. Normalized convolution
 * avoids it: weight each pixel by how much it is background, blur the weighted
 * colours and the weights alike, and divide:
 *
 *     bg = B(frame * wgt) / B(wgt),   wgt = (255 - alpha) / 255 + EPS
 *
 * so every output is a weighted mean of background pixels only. B is linear and
 * zero outside the image, so the same division also renormalizes at the image
 * borders (no dark edges). EPS gives person pixels a tiny weight: far inside
 * the person, where B(wgt) would be 0, the result degrades smoothly to the
 * plain blur B(frame) / B(1) instead of dividing by zero; elsewhere it is
 * negligible (a background pixel weighs 1, the most opaque non-person pixel
 * 1/255, both >> EPS).
 *
 * B is a box blur of radius r applied three times per axis (separable), which
 * is close to a Gaussian with sigma = sqrt(r (r + 1)) ~ r. Each box is a
 * running sum, so the cost per pixel does not depend on r.
 *
 * Scratch layout (floats): plane [h][w][4] = (R*wgt, G*wgt, B*wgt, wgt), then a
 * line buffer of max(w * 4, h * STRIP * 4) floats for one row or one strip of
 * STRIP columns (the vertical passes work on strips so that memory is read
 * along rows).
 */
#include <string.h>

#include "image/image.h"

#define EPS 1e-4f
#define STRIP 16 /* columns per vertical strip: 16 px * 4 ch = 64 floats */

int bd_blur_default_radius(int w, int h) {
    int r = (w > h ? w : h) / 40;
    return r < 1 ? 1 : r;
}

size_t bd_blur_scratch_floats(int w, int h) {
    size_t plane, line_h, line_w, total;
    if (!bd_size_mul((size_t)w, (size_t)h, &plane) || !bd_size_mul(plane, 4, &plane) ||
        !bd_size_mul((size_t)h, STRIP * 4, &line_h) || !bd_size_mul((size_t)w, 4, &line_w) ||
        !bd_size_add(plane, line_h > line_w ? line_h : line_w, &total))
        return 0;
    return total;
}

/*
 * One box pass along a line of n elements of nc floats each: out[i] =
 * scale * sum(in[j], |j - i| <= r, 0 <= j < n) (zero padding), with a running
 * sum in double so that adding and later subtracting the same values cancels
 * exactly enough over long lines. in_step / out_step: floats between
 * consecutive elements. nc <= 64; acc: nc doubles of scratch.
 */
static void box_line(const float *in, size_t in_step, float *out, size_t out_step, int n,
                     int nc, int r, float scale, double *acc) {
    for (int c = 0; c < nc; c++) acc[c] = 0.0;
    const int first = r < n - 1 ? r : n - 1; /* window of output 0 is [0, r] */
    for (int j = 0; j <= first; j++)
        for (int c = 0; c < nc; c++) acc[c] += in[(size_t)j * in_step + c];
    for (int i = 0; i < n; i++) {
        float *o = out + (size_t)i * out_step;
        for (int c = 0; c < nc; c++) o[c] = (float)(acc[c] * scale);
        /* slide the window [i - r, i + r] -> [i + 1 - r, i + 1 + r] */
        const int add = i + r + 1, sub = i - r;
        if (add < n) {
            const float *a = in + (size_t)add * in_step;
            for (int c = 0; c < nc; c++) acc[c] += a[c];
        }
        if (sub >= 0) {
            const float *s = in + (size_t)sub * in_step;
            for (int c = 0; c < nc; c++) acc[c] -= s[c];
        }
    }
}

void bd_blur_background(const bd_image *frame, const bd_image *alpha, int radius,
                        float *scratch, const bd_image *dst) {
    const int w = frame->width, h = frame->height;
    const int bpp = bd_pixel_format_bpp(frame->format);
    const int o1 = frame->format == BD_PIXEL_GRAY8 ? 0 : 1;
    const int o2 = frame->format == BD_PIXEL_GRAY8 ? 0 : 2;
    const size_t row_floats = (size_t)w * 4;
    float *plane = scratch;
    float *line = scratch + row_floats * (size_t)h;
    double acc[STRIP * 4];

    /* A radius beyond the image changes nothing (every window is the whole
     * line); clamping keeps 2r + 1 far from int overflow. */
    int r = radius < 1 ? 1 : radius;
    const int max_r = w > h ? w : h;
    if (r > max_r) r = max_r;
    const float scale = 1.0f / (float)(2 * r + 1); /* keeps magnitudes ~ input */

    /* 1. Weighted colours and weights. */
    const float inv255 = 1.0f / 255.0f;
    for (int y = 0; y < h; y++) {
        const uint8_t *f = frame->data + (size_t)y * frame->stride_bytes;
        const uint8_t *a = alpha->data + (size_t)y * alpha->stride_bytes;
        float *p = plane + (size_t)y * row_floats;
        for (int x = 0; x < w; x++) {
            const float wgt = (float)(255 - a[x]) * inv255 + EPS;
            const uint8_t *px = f + (size_t)x * (size_t)bpp;
            p[0] = px[0] * wgt;
            p[1] = px[o1] * wgt;
            p[2] = px[o2] * wgt;
            p[3] = wgt;
            p += 4;
        }
    }

    for (int pass = 0; pass < 3; pass++) {
        /* 2. Horizontal box, row by row (copy the row out, sum back in). */
        for (int y = 0; y < h; y++) {
            float *row = plane + (size_t)y * row_floats;
            memcpy(line, row, row_floats * sizeof *line);
            box_line(line, 4, row, 4, w, 4, r, scale, acc);
        }
        /* 3. Vertical box on strips of STRIP columns: each row of a strip is a
         * contiguous run of up to 64 floats, summed as one wide element. */
        for (int x0 = 0; x0 < w; x0 += STRIP) {
            const int sw = w - x0 < STRIP ? w - x0 : STRIP;
            const size_t nc = (size_t)sw * 4;
            for (int y = 0; y < h; y++)
                memcpy(line + (size_t)y * nc, plane + (size_t)y * row_floats + (size_t)x0 * 4,
                       nc * sizeof *line);
            box_line(line, nc, plane + (size_t)x0 * 4, row_floats, h, (int)nc, r, scale, acc);
        }
    }

    /* 4. bg = B(frame * wgt) / B(wgt): one reciprocal per pixel (the only
     * division; B(wgt) >= EPS-ish > 0 by construction). */
    for (int y = 0; y < h; y++) {
        const float *p = plane + (size_t)y * row_floats;
        uint8_t *o = dst->data + (size_t)y * dst->stride_bytes;
        for (int x = 0; x < w; x++) {
            const float inv = 1.0f / p[3];
            for (int c = 0; c < 3; c++) {
                float v = p[c] * inv + 0.5f;
                o[c] = (uint8_t)(v < 0.0f ? 0.0f : v > 255.0f ? 255.0f : v);
            }
            p += 4;
            o += 3;
        }
    }
}
