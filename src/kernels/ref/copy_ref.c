/*
 * copy_ref.c -- reference kernels of the data-movement ops PAD, SLICE and the
 * nearest-neighbour resize: one output element at a time, its source index worked
 * out from first principles (the executable specification; the scalar level has
 * row-copy versions).
 */
#include "kernels/kernels.h"

/* Offset in `in` of the source of the output element at multi-index idx; false
 * where PAD reads the constant instead. */
static bool src_offset(const bd_copy_params *p, bool pad, const int64_t *idx, size_t *off) {
    bool inside = true;
    *off = 0;
    for (int k = 0; k < p->n_dims; k++) {
        int64_t s = pad ? bd_pad_src(p->mode, idx[k], p->a[k], p->in_dims[k])
                        : p->a[k] + idx[k] * p->b[k];
        if (s < 0) inside = false;
        *off = *off * (size_t)p->in_dims[k] + (size_t)(s < 0 ? 0 : s);
    }
    return inside;
}

static void copy_ref(const bd_copy_params *p, bool pad, const float *restrict in,
                     float *restrict out, size_t r0, size_t r1) {
    int last = p->n_dims - 1;
    size_t w = (size_t)p->out_dims[last];
    int64_t idx[BD_MAX_DIMS] = {0};
    for (size_t row = r0; row < r1; row++) {
        bd_copy_row_index(p, row, idx);
        for (size_t x = 0; x < w; x++) {
            idx[last] = (int64_t)x;
            size_t off;
            out[row * w + x] = src_offset(p, pad, idx, &off) ? in[off] : p->value;
        }
    }
}

void bd_f32_pad_ref(const bd_copy_params *p, const float *restrict in, float *restrict out,
                    size_t r0, size_t r1) {
    copy_ref(p, true, in, out, r0, r1);
}

void bd_f32_slice_ref(const bd_copy_params *p, const float *restrict in, float *restrict out,
                      size_t r0, size_t r1) {
    copy_ref(p, false, in, out, r0, r1);
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
