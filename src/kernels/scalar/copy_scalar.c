/*
 * copy_scalar.c -- row-at-a-time PAD, SLICE and nearest resize: the source row
 * is found once per output row and its contiguous part copied with memcpy (which
 * libc vectorises), so these run at memory speed on every ISA; only the padded or
 * strided ends of a row go element by element. Bit-exact with the references in
 * ref/copy_ref.c (they only move floats).
 */
#include <string.h>

#include "kernels/scalar/kernels_scalar.h"

void bd_f32_pad_scalar(const bd_copy_params *p, const float *restrict in, float *restrict out,
                       size_t r0, size_t r1) {
    int last = p->n_dims - 1;
    size_t w = (size_t)p->out_dims[last], n = (size_t)p->in_dims[last];
    size_t before = (size_t)p->a[last];
    int64_t idx[BD_MAX_DIMS] = {0};
    bd_copy_row_index(p, r0, idx);
    for (size_t row = r0; row < r1; row++) {
        float *o = out + row * w;
        size_t src = 0;
        bool inside = true;
        for (int k = 0; k < last; k++) {
            int64_t s = bd_pad_src(p->mode, idx[k], p->a[k], p->in_dims[k]);
            inside = inside && s >= 0;
            src = src * (size_t)p->in_dims[k] + (size_t)(s < 0 ? 0 : s);
        }
        if (!inside) {
            for (size_t x = 0; x < w; x++) o[x] = p->value;
        } else {
            const float *s = in + src * n;
            for (size_t x = 0; x < before; x++) {
                int64_t j = bd_pad_src(p->mode, (int64_t)x, (int64_t)before, (int64_t)n);
                o[x] = j < 0 ? p->value : s[j];
            }
            memcpy(o + before, s, n * sizeof(float));
            for (size_t x = before + n; x < w; x++) {
                int64_t j = bd_pad_src(p->mode, (int64_t)x, (int64_t)before, (int64_t)n);
                o[x] = j < 0 ? p->value : s[j];
            }
        }
        for (int k = last - 1; k >= 0; k--) { /* odometer over the leading dims */
            if (++idx[k] < p->out_dims[k]) break;
            idx[k] = 0;
        }
    }
}

void bd_f32_slice_scalar(const bd_copy_params *p, const float *restrict in,
                         float *restrict out, size_t r0, size_t r1) {
    int last = p->n_dims - 1;
    size_t w = (size_t)p->out_dims[last], n = (size_t)p->in_dims[last];
    int64_t idx[BD_MAX_DIMS] = {0}, step = p->b[last];
    bd_copy_row_index(p, r0, idx);
    for (size_t row = r0; row < r1; row++) {
        size_t src = 0;
        for (int k = 0; k < last; k++)
            src = src * (size_t)p->in_dims[k] + (size_t)(p->a[k] + idx[k] * p->b[k]);
        const float *s = in + src * n + p->a[last];
        float *o = out + row * w;
        if (step == 1) {
            memcpy(o, s, w * sizeof(float));
        } else {
            for (size_t x = 0; x < w; x++) o[x] = s[(int64_t)x * step];
        }
        for (int k = last - 1; k >= 0; k--) {
            if (++idx[k] < p->out_dims[k]) break;
            idx[k] = 0;
        }
    }
}

void bd_f32_resize_nearest_scalar(const bd_nearest_params *p, const float *restrict in,
                                  float *restrict out, int y0, int y1) {
    size_t c = (size_t)p->c;
    for (int y = y0; y < y1; y++) {
        int sy = bd_nearest_index(y, p->scale_h, p->in_h, p->out_h, p->coord_mode,
                                  p->nearest_mode);
        const float *srow = in + (size_t)sy * p->in_w * c;
        float *o = out + (size_t)y * p->out_w * c;
        /* A row equal to the previous one (upsampling) is one memcpy. */
        if (y > y0 && sy == bd_nearest_index(y - 1, p->scale_h, p->in_h, p->out_h,
                                             p->coord_mode, p->nearest_mode)) {
            memcpy(o, o - (size_t)p->out_w * c, (size_t)p->out_w * c * sizeof(float));
            continue;
        }
        for (int x = 0; x < p->out_w; x++) {
            int sx = bd_nearest_index(x, p->scale_w, p->in_w, p->out_w, p->coord_mode,
                                      p->nearest_mode);
            if (c == 1) o[x] = srow[sx];
            else memcpy(o + (size_t)x * c, srow + (size_t)sx * c, c * sizeof(float));
        }
    }
}
