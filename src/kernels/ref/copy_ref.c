/*
 * copy_ref.c -- reference kernels of the data-movement ops PAD, SLICE and the
 * nearest-neighbour resize: one output element at a time, its source index worked
 * out from first principles (the executable specification; the scalar level has
 * row-copy versions).
 */
#include "kernels/kernels.h"

/* Output row r -> the multi-index of its leading (all but last) dimensions. */
static void row_index(const bd_copy_params *p, size_t r, int64_t *idx) {
    for (int k = p->n_dims - 2; k >= 0; k--) {
        idx[k] = (int64_t)(r % (size_t)p->out_dims[k]);
        r /= (size_t)p->out_dims[k];
    }
}

/* Source index of output index o along an axis of length n padded by `before`,
 * or -1 for the constant. */
static int64_t pad_src(int mode, int64_t o, int64_t before, int64_t n) {
    int64_t i = o - before;
    if (i >= 0 && i < n) return i;
    if (mode == BD_PAD_CONSTANT) return -1;
    if (mode == BD_PAD_EDGE) return i < 0 ? 0 : n - 1;
    /* reflect: -1 -> 1, n -> n - 2 (pads < n, so one reflection suffices) */
    if (n == 1) return 0;
    return i < 0 ? -i : 2 * (n - 1) - i;
}

void bd_f32_pad_ref(const bd_copy_params *p, const float *restrict in, float *restrict out,
                    size_t r0, size_t r1) {
    int r = p->n_dims, last = r - 1;
    size_t w = (size_t)p->out_dims[last];
    int64_t idx[BD_MAX_DIMS] = {0};
    for (size_t row = r0; row < r1; row++) {
        row_index(p, row, idx);
        for (size_t x = 0; x < w; x++) {
            idx[last] = (int64_t)x;
            size_t off = 0;
            bool inside = true;
            for (int k = 0; k < r; k++) {
                int64_t s = pad_src(p->mode, idx[k], p->a[k], p->in_dims[k]);
                if (s < 0) inside = false;
                off = off * (size_t)p->in_dims[k] + (size_t)(s < 0 ? 0 : s);
            }
            out[row * w + x] = inside ? in[off] : p->value;
        }
    }
}

void bd_f32_slice_ref(const bd_copy_params *p, const float *restrict in, float *restrict out,
                      size_t r0, size_t r1) {
    int r = p->n_dims, last = r - 1;
    size_t w = (size_t)p->out_dims[last];
    int64_t idx[BD_MAX_DIMS] = {0};
    for (size_t row = r0; row < r1; row++) {
        row_index(p, row, idx);
        for (size_t x = 0; x < w; x++) {
            idx[last] = (int64_t)x;
            size_t off = 0;
            for (int k = 0; k < r; k++)
                off = off * (size_t)p->in_dims[k] + (size_t)(p->a[k] + idx[k] * p->b[k]);
            out[row * w + x] = in[off];
        }
    }
}

void bd_f32_resize_nearest_ref(const bd_nearest_params *p, const float *restrict in,
                               float *restrict out, int y0, int y1) {
    for (int y = y0; y < y1; y++) {
        int sy = bd_nearest_index(y, p->scale_h, p->in_h, p->out_h, p->coord_mode,
                                  p->nearest_mode);
        for (int x = 0; x < p->out_w; x++) {
            int sx = bd_nearest_index(x, p->scale_w, p->in_w, p->out_w, p->coord_mode,
                                      p->nearest_mode);
            for (int c = 0; c < p->c; c++)
                out[((size_t)y * p->out_w + x) * p->c + c] =
                    in[((size_t)sy * p->in_w + sx) * p->c + c];
        }
    }
}
