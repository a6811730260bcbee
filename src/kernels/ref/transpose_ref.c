/*
 * transpose_ref.c -- reference axis permutation (the IR's TRANSPOSE, emitted by
 * the ONNX importer when a layout change cannot be a reshape).
 *
 * bd_f32_transpose2d_ref is the spec of the table's 2D transpose.
 * Walks the output in order with an odometer over its index and a running input
 * offset, so the cost is one add per element plus a carry per row.
 */
#include "kernels/kernels.h"
#include "kernels/ref/extra_ref.h"

void bd_f32_transpose2d_ref(const float *restrict in, float *restrict out, size_t rows,
                            size_t cols, size_t r0, size_t r1, size_t c0, size_t c1) {
    for (size_t r = r0; r < r1; r++)
        for (size_t c = c0; c < c1; c++) out[c * rows + r] = in[r * cols + c];
}

void bd_f32_transpose_ref(const float *restrict in, float *restrict out, int n_dims,
                          const int64_t *in_dims, const int *perm) {
    size_t in_stride[8], out_stride[8], out_dims[8], total = 1, s = 1;
    for (int k = n_dims - 1; k >= 0; k--) {
        in_stride[k] = s;
        s *= (size_t)in_dims[k];
    }
    for (int i = 0; i < n_dims; i++) {
        out_dims[i] = (size_t)in_dims[perm[i]];
        out_stride[i] = in_stride[perm[i]]; /* input step for a step along output axis i */
        total *= out_dims[i];
    }
    size_t idx[8] = {0}, off = 0;
    for (size_t e = 0; e < total; e++) {
        out[e] = in[off];
        for (int i = n_dims - 1; i >= 0; i--) { /* odometer increment */
            off += out_stride[i];
            if (++idx[i] < out_dims[i]) break;
            off -= out_stride[i] * out_dims[i];
            idx[i] = 0;
        }
    }
}
