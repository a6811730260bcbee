/*
 * tensor_rows_ref.c -- the reference frame-size tensor kernels
 * (kernels/img_kernels.h): the per-pixel formulas of kernels/templates/tensor_px.h
 * in a plain loop.
 */
#include "kernels/img_kernels.h"
#include "kernels/templates/tensor_px.h"

void bd_u8_yuv420_tensor_row_ref(const uint8_t *restrict y, const uint8_t *restrict u,
                                 const uint8_t *restrict v, int cstep, const float *const lut[3],
                                 float *const o[3], int x0, int x1) {
    for (int x = x0; x < x1; x++) bd_px_yuv420_tensor(y, u, v, cstep, lut, o, x);
}

void bd_f32_tensor_yuv420_rows_ref(const float *const f0[3], const float *const f1[3],
                                   uint8_t *y0, uint8_t *y1, uint8_t *u, uint8_t *v, int cstep,
                                   int n) {
    for (int i = 0; 2 * i < n; i++) bd_px_tensor_yuv420(f0, f1, y0, y1, u, v, cstep, n, i);
}
