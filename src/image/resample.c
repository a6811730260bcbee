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
#include "image/hlerp.h"

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
    int o4[4];
    bd_format_rgba_offsets(f, o4);
    off[0] = o4[0];
    off[1] = o4[1];
    off[2] = o4[2];
}

static inline int clamp_u8(float v) {
    int u = (int)(v + 0.5f); /* v + 0.5 >= 0 after the clamp below: truncation is floor */
    return v <= 0.0f ? 0 : u > 255 ? 255 : u;
}

/* YUV frames: the four taps are blended in Y, U and V, and the blend is
 * converted to R, G, B once (BT.601 limited range, the coefficients of
 * bd_yuv_to_rgb). The conversion is affine, so this equals converting each tap
 * and blending, except where a tap's RGB would be clipped; it costs one
 * conversion per model-input pixel instead of four. */
typedef struct yuv_rows {
    const uint8_t *y0, *y1;         /* luma rows lo, hi */
    const uint8_t *u0, *u1, *v0, *v1; /* chroma rows (I420: planes; NV12: UV, v = u + 1) */
} yuv_rows;

/* One tensor pixel from the blended Y, U, V (taps already blended). */
static inline void yuv_store(float Yb, float Ub, float Vb, const bd_tensor_map *tm, float *o,
                             size_t cs) {
    const float c = Yb - 16.0f, d = Ub - 128.0f, e = Vb - 128.0f;
    const int r = clamp_u8((298.0f * c + 409.0f * e) * (1.0f / 256.0f));
    const int g = clamp_u8((298.0f * c - 100.0f * d - 208.0f * e) * (1.0f / 256.0f));
    const int b = clamp_u8((298.0f * c + 516.0f * d) * (1.0f / 256.0f));
    const int t0 = tm->dst_channel[0], t1 = tm->dst_channel[1], t2 = tm->dst_channel[2];
    o[(size_t)t0 * cs] = tm->lut[t0][r];
    o[(size_t)t1 * cs] = tm->lut[t1][g];
    o[(size_t)t2 * cs] = tm->lut[t2][b];
}

#define BLEND4(a, b, c, d) (((a) + ((b) - (a)) * wx) * (1.0f - wy) + ((c) + ((d) - (c)) * wx) * wy)

/* Output pixels [x0, x1) of one row; per format so that the inner loop has
 * no format switch: I420 and NV12 (chroma at x / 2, step = 1 or 2 bytes) and
 * YUYV (luma at 2x, chroma of the pair at 4 (x / 2) + 1, + 3). */
static void yuv420_row(const yuv_rows *r, int nv12, const bd_linear_axis *ax, float wy, int x0,
                       int x1, const bd_tensor_map *tm, float *o, size_t ps, size_t cs) {
    const int cstep = nv12 ? 2 : 1;
    for (int x = x0; x < x1; x++, o += ps) {
        const int l0 = ax->lo[x], l1 = ax->hi[x];
        const size_t c0 = (size_t)(l0 / 2) * cstep, c1 = (size_t)(l1 / 2) * cstep;
        const float wx = ax->wf[x];
        const float Yb = BLEND4((float)r->y0[l0], (float)r->y0[l1], (float)r->y1[l0],
                                (float)r->y1[l1]);
        const float Ub = BLEND4((float)r->u0[c0], (float)r->u0[c1], (float)r->u1[c0],
                                (float)r->u1[c1]);
        const float Vb = BLEND4((float)r->v0[c0], (float)r->v0[c1], (float)r->v1[c0],
                                (float)r->v1[c1]);
        yuv_store(Yb, Ub, Vb, tm, o, cs);
    }
}

static void yuyv_row(const yuv_rows *r, const bd_linear_axis *ax, float wy, int x0, int x1,
                     const bd_tensor_map *tm, float *o, size_t ps, size_t cs) {
    for (int x = x0; x < x1; x++, o += ps) {
        const int l0 = ax->lo[x], l1 = ax->hi[x];
        const size_t p0 = (size_t)(l0 & ~1) * 2, p1 = (size_t)(l1 & ~1) * 2;
        const size_t y0 = p0 + (size_t)(l0 & 1) * 2, y1 = p1 + (size_t)(l1 & 1) * 2;
        const float wx = ax->wf[x];
        const float Yb = BLEND4((float)r->y0[y0], (float)r->y0[y1], (float)r->y1[y0],
                                (float)r->y1[y1]);
        const float Ub = BLEND4((float)r->y0[p0 + 1], (float)r->y0[p1 + 1], (float)r->y1[p0 + 1],
                                (float)r->y1[p1 + 1]);
        const float Vb = BLEND4((float)r->y0[p0 + 3], (float)r->y0[p1 + 3], (float)r->y1[p0 + 3],
                                (float)r->y1[p1 + 3]);
        yuv_store(Yb, Ub, Vb, tm, o, cs);
    }
}
#undef BLEND4

/* True when the axis takes the source as it is: output d is input d, weight 0. */
static int axis_identity(const bd_linear_axis *a) {
    return a->n_in == a->n_out && a->ratio == 1.0 && a->origin == 0.0;
}

/* Tensor row y, columns [a, b), of a frame at the tensor's own size (identity
 * axes): no blending, so each value is the pixel's own (the general paths give
 * the same, their weights being 0). 4:2:0 frames into planes take the row
 * kernel; anything else runs here. */
static void identity_row(const bd_image *src, int y, int a, int b, const bd_tensor_map *tm,
                         float *o, size_t ps, size_t cs) {
    const bd_pixel_format f = src->format;
    const uint8_t *row = src->data + (size_t)y * src->stride_bytes;
    const float *lut[3];
    for (int c = 0; c < 3; c++) lut[c] = tm->lut[tm->dst_channel[c]];
    if ((f == BD_PIXEL_I420 || f == BD_PIXEL_NV12) && tm->planar && tm->rows) {
        const uint8_t *u = src->plane[0] + (size_t)(y / 2) * src->plane_stride_bytes[0];
        const uint8_t *v = f == BD_PIXEL_NV12
                               ? u + 1
                               : src->plane[1] + (size_t)(y / 2) * src->plane_stride_bytes[1];
        float *op[3];
        for (int c = 0; c < 3; c++) op[c] = o + (size_t)tm->dst_channel[c] * cs;
        tm->rows->yuv420_tensor_row(row, u, v, f == BD_PIXEL_NV12 ? 2 : 1, lut, op, a, b);
        return;
    }
    if (bd_format_is_yuv(f)) {
        const int nv12 = f == BD_PIXEL_NV12, yuyv = f == BD_PIXEL_YUYV;
        const uint8_t *u = NULL, *v = NULL;
        if (!yuyv) {
            u = src->plane[0] + (size_t)(y / 2) * src->plane_stride_bytes[0];
            v = nv12 ? u + 1 : src->plane[1] + (size_t)(y / 2) * src->plane_stride_bytes[1];
        }
        for (int x = a; x < b; x++) {
            uint8_t rgb[3];
            if (yuyv) {
                const uint8_t *p = row + (size_t)(x & ~1) * 2;
                bd_yuv_to_rgb(p[(x & 1) * 2], p[1], p[3], rgb);
            } else {
                const size_t k = (size_t)(x / 2) * (nv12 ? 2 : 1);
                bd_yuv_to_rgb(row[x], u[k], v[k], rgb);
            }
            for (int c = 0; c < 3; c++)
                o[(size_t)x * ps + (size_t)tm->dst_channel[c] * cs] = lut[c][rgb[c]];
        }
        return;
    }
    const size_t bpp = (size_t)bd_pixel_format_bpp(f);
    int off[3];
    rgb_offsets(f, off);
    for (int c = 0; c < 3; c++) {
        float *oc = o + (size_t)tm->dst_channel[c] * cs;
        const uint8_t *p = row + off[c];
        for (int x = a; x < b; x++) oc[(size_t)x * ps] = lut[c][p[(size_t)x * bpp]];
    }
}

static void yuv_to_tensor(const bd_image *src, const bd_linear_axis *ax, const bd_linear_axis *ay,
                          int x0, int x1, int y0, int y1, const bd_tensor_map *tm, float *dst,
                          int r0, int r1) {
    const int ow = ax->n_out, oh = ay->n_out;
    const size_t cs = tm->planar ? (size_t)ow * (size_t)oh : 1;
    const size_t ps = tm->planar ? 1 : 3;
    const bd_pixel_format f = src->format;
    const int identity = axis_identity(ax) && axis_identity(ay);
    for (int y = r0; y < r1; y++) {
        float *o = dst + (size_t)y * (size_t)ow * ps;
        const int in_rows = y >= y0 && y < y1;
        const int a = in_rows ? (x0 < 0 ? 0 : x0) : ow, b = in_rows ? (x1 < ow ? x1 : ow) : ow;
        for (int x = 0; x < ow; x++) /* letterbox padding outside [a, b) */
            if (x < a || x >= b)
                for (int c = 0; c < 3; c++) o[x * ps + c * cs] = tm->pad[c];
        if (a >= b) continue;
        if (identity) {
            identity_row(src, y, a, b, tm, o, ps, cs);
            continue;
        }
        const int ly0 = ay->lo[y], ly1 = ay->hi[y];
        yuv_rows r;
        r.y0 = src->data + (size_t)ly0 * src->stride_bytes;
        r.y1 = src->data + (size_t)ly1 * src->stride_bytes;
        if (f == BD_PIXEL_YUYV) {
            yuyv_row(&r, ax, ay->wf[y], a, b, tm, o + (size_t)a * ps, ps, cs);
            continue;
        }
        const size_t cy0 = (size_t)(ly0 / 2), cy1 = (size_t)(ly1 / 2);
        r.u0 = src->plane[0] + cy0 * src->plane_stride_bytes[0];
        r.u1 = src->plane[0] + cy1 * src->plane_stride_bytes[0];
        if (f == BD_PIXEL_NV12) {
            r.v0 = r.u0 + 1;
            r.v1 = r.u1 + 1;
        } else {
            r.v0 = src->plane[1] + cy0 * src->plane_stride_bytes[1];
            r.v1 = src->plane[1] + cy1 * src->plane_stride_bytes[1];
        }
        yuv420_row(&r, f == BD_PIXEL_NV12, ax, ay->wf[y], a, b, tm, o + (size_t)a * ps, ps, cs);
    }
}

void bd_image_to_tensor_conv(const bd_image *src, const bd_linear_axis *ax,
                             const bd_linear_axis *ay, int x0, int x1, int y0, int y1,
                             const bd_tensor_map *tm, float *dst) {
    bd_image_to_tensor_rows(src, ax, ay, x0, x1, y0, y1, tm, dst, 0, ay->n_out);
}

void bd_image_to_tensor_rows(const bd_image *src, const bd_linear_axis *ax,
                             const bd_linear_axis *ay, int x0, int x1, int y0, int y1,
                             const bd_tensor_map *tm, float *dst, int ra, int rb) {
    const int bpp = bd_pixel_format_bpp(src->format);
    const int ow = ax->n_out, oh = ay->n_out;
    const int yuv = bd_format_is_yuv(src->format);
    if (yuv) {
        yuv_to_tensor(src, ax, ay, x0, x1, y0, y1, tm, dst, ra, rb);
        return;
    }
    const size_t cs = tm->planar ? (size_t)ow * (size_t)oh : 1; /* channel stride */
    const size_t ps = tm->planar ? 1 : 3;                        /* pixel stride */
    int off[3];
    rgb_offsets(src->format, off);
    const int identity = axis_identity(ax) && axis_identity(ay);
    for (int y = ra; y < rb; y++) {
        float *o = dst + (size_t)y * (size_t)ow * ps;
        if (identity && y >= y0 && y < y1 && x0 <= 0 && x1 >= ow) {
            identity_row(src, y, 0, ow, tm, o, ps, cs);
            continue;
        }
        const uint8_t *r0 = src->data + (size_t)ay->lo[y] * src->stride_bytes;
        const uint8_t *r1 = src->data + (size_t)ay->hi[y] * src->stride_bytes;
        const double wy = ay->w[y];
        for (int x = 0; x < ow; x++, o += ps) {
            if (y < y0 || y >= y1 || x < x0 || x >= x1) { /* letterbox padding */
                for (int c = 0; c < 3; c++) o[c * cs] = tm->pad[c];
                continue;
            }
            const double wx = ax->w[x];
            int p00[3], p01[3], p10[3], p11[3];
            const size_t i0 = (size_t)ax->lo[x] * (size_t)bpp;
            const size_t i1 = (size_t)ax->hi[x] * (size_t)bpp;
            for (int c = 0; c < 3; c++) {
                p00[c] = r0[i0 + off[c]];
                p01[c] = r0[i1 + off[c]];
                p10[c] = r1[i0 + off[c]];
                p11[c] = r1[i1 + off[c]];
            }
            for (int c = 0; c < 3; c++) {
                /* Blend in double along x, then along y, then round half up.
                 * This exact order of operations is what the reference used; a
                 * different one could flip a result that lands exactly on .5. */
                double top = p00[c] * (1.0 - wx) + p01[c] * wx;
                double bot = p10[c] * (1.0 - wx) + p11[c] * wx;
                double v = top * (1.0 - wy) + bot * wy;
                int u = (int)(v + 0.5); /* v >= 0: truncation is floor */
                /* source channel c (R, G, B) goes to tensor channel dst_channel[c] */
                const int t = tm->dst_channel[c];
                o[(size_t)t * cs] = tm->lut[t][u > 255 ? 255 : u];
            }
        }
    }
}

void bd_image_to_tensor_fit(const bd_image *src, const bd_linear_axis *ax,
                            const bd_linear_axis *ay, int x0, int x1, int y0, int y1, float pad,
                            const float lut[256], float *dst) {
    bd_tensor_map m; /* the same LUT for the three channels, interleaved */
    m.planar = 0;
    m.rows = NULL;
    for (int c = 0; c < 3; c++) {
        memcpy(m.lut[c], lut, sizeof m.lut[c]);
        m.pad[c] = pad;
        m.dst_channel[c] = c;
    }
    bd_image_to_tensor_conv(src, ax, ay, x0, x1, y0, y1, &m, dst);
}

void bd_image_to_tensor(const bd_image *src, const bd_linear_axis *ax, const bd_linear_axis *ay,
                        const float lut[256], float *dst) {
    bd_image_to_tensor_fit(src, ax, ay, 0, ax->n_out, 0, ay->n_out, 0.0f, lut, dst);
}

void bd_mask_upsample(const float *prob, int w, int h, const bd_linear_axis *ax,
                      const bd_linear_axis *ay, const bd_mask_params *mp, float *row_tmp,
                      const bd_image *alpha) {
    (void)h;
    const int ow = ax->n_out, oh = ay->n_out;
    float k, b;
    bd_mask_affine(mp, &k, &b);
    /* The same maths as the fused post-process (post.c), with the reference
     * kernels and no row cache: per output row, the two source rows are
     * interpolated horizontally and mapped to alpha (+ 0.5), then vertically. */
    (void)row_tmp;
    float *h0 = malloc((size_t)ow * sizeof *h0), *h1 = malloc((size_t)ow * sizeof *h1);
    if (!h0 || !h1) {
        free(h0);
        free(h1);
        return;
    }
    bd_hlerp_table t = {.n = ow, .lo = ax->lo, .hi = ax->hi, .w = ax->wf};
    for (int y = 0; y < oh; y++) {
        bd_f32_hlerp_row_ref(prob + (size_t)ay->lo[y] * (size_t)w, &t, k, b + 0.5f, h0);
        bd_f32_hlerp_row_ref(prob + (size_t)ay->hi[y] * (size_t)w, &t, k, b + 0.5f, h1);
        bd_f32_mask_row_ref(h0, h1, ay->wf[y], alpha->data + (size_t)y * alpha->stride_bytes, ow);
    }
    free(h0);
    free(h1);
}

void bd_mask_affine(const bd_mask_params *mp, float *k, float *b) {
    /* alpha = (p - threshold) / softness + 0.5, times 255: k p + b */
    if (mp->softness > 0.0f) {
        const float inv = 1.0f / mp->softness;
        *k = 255.0f * inv;
        *b = 255.0f * (0.5f - mp->threshold * inv);
    } else {
        *k = 255.0f;
        *b = 0.0f;
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
