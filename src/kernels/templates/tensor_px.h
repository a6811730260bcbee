/*
 * tensor_px.h -- one pixel of the frame-size tensor kernels (kernels/img_kernels.h:
 * bd_yuv420_tensor_row_fn, bd_tensor_yuv420_rows_fn): the reference
 * (kernels/ref/tensor_rows_ref.c) is these functions in a loop, and the SIMD
 * template (kernels/templates/tensor_rows.inc) calls them for its odd first
 * pixel and its tails, so every level computes each pixel with the same formula.
 */
#ifndef BD_TENSOR_PX_H
#define BD_TENSOR_PX_H

#include <stddef.h>
#include <stdint.h>

static inline int bd_px_clamp8(int v) { return v < 0 ? 0 : v > 255 ? 255 : v; }

/* BT.601 limited range, as bd_yuv_to_rgb. */
static inline void bd_px_yuv_to_rgb(int y, int u, int v, int rgb[3]) {
    const int c = y - 16, d = u - 128, e = v - 128;
    rgb[0] = bd_px_clamp8((298 * c + 409 * e + 128) >> 8);
    rgb[1] = bd_px_clamp8((298 * c - 100 * d - 208 * e + 128) >> 8);
    rgb[2] = bd_px_clamp8((298 * c + 516 * d + 128) >> 8);
}

/* A model's 0..1 value as a byte: v * 255 + 0.5 truncated; NaN and v <= 0 give 0,
 * v >= 1 gives 255 (the SIMD form clamps v * 255 + 0.5 to [0, 255] instead: the
 * same byte for every float). */
static inline int bd_px_unit_u8(float v) {
    if (!(v > 0.0f)) return 0;
    if (!(v < 1.0f)) return 255;
    return (int)(v * 255.0f + 0.5f);
}

/* BT.601 limited range, as bd_rgb_to_yuv. */
static inline void bd_px_rgb_to_yuv(int r, int g, int b, int yuv[3]) {
    yuv[0] = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16;
    yuv[1] = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128;
    yuv[2] = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128;
}

/* Pixel x of a 4:2:0 row -> the three tensor values. */
static inline void bd_px_yuv420_tensor(const uint8_t *y, const uint8_t *u, const uint8_t *v,
                                       int cstep, const float *const lut[3], float *const o[3],
                                       int x) {
    const size_t k = (size_t)(x / 2) * (size_t)cstep;
    int rgb[3];
    bd_px_yuv_to_rgb(y[x], u[k], v[k], rgb);
    for (int c = 0; c < 3; c++) o[c][x] = lut[c][rgb[c]];
}

/* Chroma sample i of two fgr rows (f1 NULL: one row) -> y0/y1 bytes 2i, 2i + 1
 * (those < n) and the sample's U, V at u[i * cstep], v[i * cstep]. */
static inline void bd_px_tensor_yuv420(const float *const f0[3], const float *const f1[3],
                                       uint8_t *y0, uint8_t *y1, uint8_t *u, uint8_t *v,
                                       int cstep, int n, int i) {
    int su = 0, sv = 0, cnt = 0;
    for (int r = 0; r < 2; r++) {
        const float *const *f = r ? f1 : f0;
        uint8_t *yo = r ? y1 : y0;
        if (!f) break;
        for (int x = 2 * i; x < 2 * i + 2 && x < n; x++, cnt++) {
            int yuv[3];
            bd_px_rgb_to_yuv(bd_px_unit_u8(f[0][x]), bd_px_unit_u8(f[1][x]),
                             bd_px_unit_u8(f[2][x]), yuv);
            yo[x] = (uint8_t)yuv[0];
            su += yuv[1];
            sv += yuv[2];
        }
    }
    u[(size_t)i * (size_t)cstep] = (uint8_t)((su + cnt / 2) / cnt);
    v[(size_t)i * (size_t)cstep] = (uint8_t)((sv + cnt / 2) / cnt);
}

#endif
