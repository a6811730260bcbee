/*
 * test_yuv_preprocess.c -- the model input made from a YUV frame (what decoders
 * and cameras give: I420, NV12, YUYV) against the one made from the same picture
 * in RGB. The YUV path blends the four taps in Y, U, V and converts once
 * (resample.c). Held against (a) a plain reference written here that converts
 * each of the four taps with bd_yuv_to_rgb and then blends (the textbook
 * order): they differ by rounding, and by more only where a tap's RGB clips
 * (saturated colours after chroma subsampling; up to 7/255 in 0.1% of the values
 * of the photo), so the mean difference must stay under 0.25/255 and 99% of the
 * values within 1/255; and (b) the
 * tensor from the RGB photo itself, which differs by the 8-bit YUV round trip
 * and the chroma subsampling: mean under 1.5/255. On a real photo
 * (samples/astronaut.png), at several sizes including odd ones, interleaved
 * (NHWC) and planar (NCHW) with BGR order. A flat colour must come out exactly
 * as bd_yuv_to_rgb converts it.
 * Exits 77 (skipped) without the photo.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "image/image.h"
#include "kernels/img_kernels.h"

static bd_image_buf *to_yuv(const bd_image *rgb, bd_pixel_format f) {
    bd_image_buf *b = NULL;
    if (bd_image_alloc(rgb->width, rgb->height, f, &b) != BD_OK) return NULL;
    const bd_image *y = bd_image_view(b);
    for (int r = 0; r < rgb->height; r++)
        for (int x = 0; x < rgb->width; x++) {
            uint8_t yuv[3];
            bd_rgb_to_yuv(rgb->data + (size_t)r * rgb->stride_bytes + 3 * (size_t)x, yuv);
            if (f == BD_PIXEL_YUYV) {
                uint8_t *p = y->data + (size_t)r * y->stride_bytes + 4 * (size_t)(x / 2);
                p[(x & 1) * 2] = yuv[0];
                if (!(x & 1)) p[1] = yuv[1], p[3] = yuv[2];
                continue;
            }
            y->data[(size_t)r * y->stride_bytes + (size_t)x] = yuv[0];
            if ((x & 1) || (r & 1)) continue; /* chroma of the block's first pixel */
            const size_t cy = (size_t)(r / 2), cx = (size_t)(x / 2);
            if (f == BD_PIXEL_NV12) {
                y->plane[0][cy * y->plane_stride_bytes[0] + 2 * cx] = yuv[1];
                y->plane[0][cy * y->plane_stride_bytes[0] + 2 * cx + 1] = yuv[2];
            } else {
                y->plane[0][cy * y->plane_stride_bytes[0] + cx] = yuv[1];
                y->plane[1][cy * y->plane_stride_bytes[1] + cx] = yuv[2];
            }
        }
    return b;
}

static float *tensor(const bd_image *img, int w, int h, const bd_tensor_map *tm) {
    bd_linear_axis ax = {0}, ay = {0};
    float *t = malloc((size_t)w * h * 3 * sizeof *t);
    if (t && bd_linear_axis_set(&ax, img->width, w, (double)img->width / w, 0.0) == BD_OK &&
        bd_linear_axis_set(&ay, img->height, h, (double)img->height / h, 0.0) == BD_OK)
        bd_image_to_tensor_conv(img, &ax, &ay, 0, w, 0, h, tm, t);
    bd_linear_axis_free(&ax);
    bd_linear_axis_free(&ay);
    return t;
}

/* The reference: each tap converted to RGB, then blended in double. */
static void tap_rgb(const bd_image *s, int x, int y, int rgb[3]) {
    int Y, U, V;
    if (s->format == BD_PIXEL_YUYV) {
        const uint8_t *p = s->data + (size_t)y * s->stride_bytes + (size_t)(x & ~1) * 2;
        Y = p[(x & 1) * 2], U = p[1], V = p[3];
    } else {
        Y = s->data[(size_t)y * s->stride_bytes + (size_t)x];
        const size_t cy = (size_t)(y / 2), cx = (size_t)(x / 2);
        if (s->format == BD_PIXEL_NV12) {
            U = s->plane[0][cy * s->plane_stride_bytes[0] + 2 * cx];
            V = s->plane[0][cy * s->plane_stride_bytes[0] + 2 * cx + 1];
        } else {
            U = s->plane[0][cy * s->plane_stride_bytes[0] + cx];
            V = s->plane[1][cy * s->plane_stride_bytes[1] + cx];
        }
    }
    uint8_t c[3];
    bd_yuv_to_rgb(Y, U, V, c);
    rgb[0] = c[0], rgb[1] = c[1], rgb[2] = c[2];
}

static float *tensor_ref(const bd_image *img, int w, int h, const bd_tensor_map *tm) {
    bd_linear_axis ax = {0}, ay = {0};
    float *t = malloc((size_t)w * h * 3 * sizeof *t);
    if (!t || bd_linear_axis_set(&ax, img->width, w, (double)img->width / w, 0.0) != BD_OK ||
        bd_linear_axis_set(&ay, img->height, h, (double)img->height / h, 0.0) != BD_OK) {
        free(t);
        t = NULL;
    }
    const size_t cs = tm->planar ? (size_t)w * h : 1, ps = tm->planar ? 1 : 3;
    for (int y = 0; t && y < h; y++)
        for (int x = 0; x < w; x++) {
            int p[4][3];
            tap_rgb(img, ax.lo[x], ay.lo[y], p[0]);
            tap_rgb(img, ax.hi[x], ay.lo[y], p[1]);
            tap_rgb(img, ax.lo[x], ay.hi[y], p[2]);
            tap_rgb(img, ax.hi[x], ay.hi[y], p[3]);
            for (int c = 0; c < 3; c++) {
                const double top = p[0][c] * (1 - ax.w[x]) + p[1][c] * ax.w[x];
                const double bot = p[2][c] * (1 - ax.w[x]) + p[3][c] * ax.w[x];
                const int u = (int)(top * (1 - ay.w[y]) + bot * ay.w[y] + 0.5);
                const int d = tm->dst_channel[c];
                t[((size_t)y * w + x) * ps + (size_t)d * cs] = tm->lut[d][u > 255 ? 255 : u];
            }
        }
    bd_linear_axis_free(&ax);
    bd_linear_axis_free(&ay);
    return t;
}

/* Mean and quantile q of |a - b| over n values, in 1/255 units. */
static int cmp_float(const void *a, const void *b);
static void diff_stats(const float *a, const float *b, size_t n, double q, double *mean,
                       double *quant) {
    float *d = malloc(n * sizeof *d);
    double sum = 0;
    for (size_t i = 0; d && i < n; i++) {
        d[i] = fabsf(a[i] - b[i]) * 255.0f;
        sum += d[i];
    }
    if (!d) return;
    qsort(d, n, sizeof *d, cmp_float);
    *mean = sum / (double)n;
    *quant = d[(size_t)(q * (double)(n - 1))];
    free(d);
}

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

static void map_init(bd_tensor_map *tm, int planar, int bgr) {
    memset(tm, 0, sizeof *tm);
    tm->planar = planar;
    for (int c = 0; c < 3; c++) {
        tm->dst_channel[c] = bgr ? 2 - c : c;
        for (int v = 0; v < 256; v++) tm->lut[c][v] = (float)v / 255.0f;
    }
}

static bd_image_buf *photo;

static void test_photo(void) {
    const bd_image *rgb = bd_image_view(photo);
    const bd_pixel_format fmts[] = {BD_PIXEL_I420, BD_PIXEL_NV12, BD_PIXEL_YUYV};
    const int sizes[][2] = {{256, 256}, {256, 144}, {97, 61}, {1, 1}};
    for (int layout = 0; layout < 2; layout++) {
        bd_tensor_map tm;
        map_init(&tm, layout, layout);
        for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
            bd_image_buf *yuv = to_yuv(rgb, fmts[f]);
            CHECK(yuv != NULL);
            if (!yuv) continue;
            for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
                const int w = sizes[s][0], h = sizes[s][1];
                const bd_image *yv = bd_image_view(yuv);
                float *a = tensor(rgb, w, h, &tm), *b = tensor(yv, w, h, &tm);
                float *r = tensor_ref(yv, w, h, &tm);
                const size_t n = (size_t)w * h * 3;
                CHECK(a && b && r);
                if (a && b && r) {
                    double mean = 99, q = 99;
                    diff_stats(b, r, n, 0.99, &mean, &q);
                    CHECK_MSG((mean < 0.25 || n < 30) && q <= 1.0 + 1e-3,
                              "%s %dx%d %s vs per-tap reference: mean %.3f/255, p99 %.1f/255",
                              bd_pixel_format_name(fmts[f]), w, h, layout ? "nchw" : "nhwc", mean,
                              q);
                    diff_stats(b, a, n, 0.99, &mean, &q);
                    CHECK_MSG(mean < 1.5 || n < 30, "%s %dx%d %s vs RGB: mean %.2f/255, p99 %.1f/255",
                              bd_pixel_format_name(fmts[f]), w, h, layout ? "nchw" : "nhwc", mean,
                              q);
                }
                free(a);
                free(b);
                free(r);
            }
            bd_image_free(yuv);
        }
    }
}

/* A flat colour: every tap is the same, so the blend converts exactly. */
static void test_flat(void) {
    const uint8_t yuv_in[][3] = {{16, 128, 128}, {235, 128, 128}, {81, 90, 240}, {145, 54, 34},
                                 {0, 255, 0},    {255, 0, 255}};
    bd_tensor_map tm;
    map_init(&tm, 0, 0);
    for (size_t k = 0; k < sizeof yuv_in / sizeof yuv_in[0]; k++) {
        bd_image_buf *b = NULL;
        CHECK(bd_image_alloc(9, 7, BD_PIXEL_I420, &b) == BD_OK);
        if (!b) continue;
        const bd_image *v = bd_image_view(b);
        for (int y = 0; y < 7; y++) memset(v->data + (size_t)y * v->stride_bytes, yuv_in[k][0], 9);
        for (int y = 0; y < 4; y++) {
            memset(v->plane[0] + (size_t)y * v->plane_stride_bytes[0], yuv_in[k][1], 5);
            memset(v->plane[1] + (size_t)y * v->plane_stride_bytes[1], yuv_in[k][2], 5);
        }
        uint8_t want[3];
        bd_yuv_to_rgb(yuv_in[k][0], yuv_in[k][1], yuv_in[k][2], want);
        float *t = tensor(v, 5, 3, &tm);
        CHECK(t != NULL);
        for (int i = 0; t && i < 15; i++)
            for (int c = 0; c < 3; c++)
                CHECK_MSG(t[3 * i + c] == (float)want[c] / 255.0f, "yuv %d,%d,%d ch %d: %g vs %d",
                          yuv_in[k][0], yuv_in[k][1], yuv_in[k][2], c, t[3 * i + c] * 255, want[c]);
        free(t);
        bd_image_free(b);
    }
}

/* Frames at the tensor's own size (matting models): the identity path (row kernels
 * at every ISA level, or plain C) must give each pixel's own colour exactly, as
 * bd_yuv_to_rgb converts it; and the result must not depend on how the rows are
 * split between threads. Random content, awkward sizes. */
static uint32_t seed = 99;
static uint8_t rnd8(void) {
    seed = seed * 1103515245u + 12345u;
    return (uint8_t)(seed >> 16);
}

static void fill_random(const bd_image *v) {
    const int h = v->height, cw = (v->width + 1) / 2, ch = (v->height + 1) / 2;
    const size_t row = (size_t)bd_pixel_format_bpp(v->format) * (size_t)v->width;
    for (int y = 0; y < h; y++)
        for (size_t x = 0; x < (v->format == BD_PIXEL_YUYV ? 2 * (size_t)v->width
                                : bd_format_is_yuv(v->format) ? (size_t)v->width
                                                                : row);
             x++)
            v->data[(size_t)y * v->stride_bytes + x] = rnd8();
    if (v->format != BD_PIXEL_I420 && v->format != BD_PIXEL_NV12) return;
    const int planes = v->format == BD_PIXEL_I420 ? 2 : 1;
    for (int p = 0; p < planes; p++)
        for (int y = 0; y < ch; y++)
            for (int x = 0; x < cw * (3 - planes); x++)
                v->plane[p][(size_t)y * v->plane_stride_bytes[p] + (size_t)x] = rnd8();
}

/* The RGB of pixel (x, y) of any format, the textbook way. */
static void pixel_rgb(const bd_image *v, int x, int y, uint8_t rgb[3]) {
    const uint8_t *row = v->data + (size_t)y * v->stride_bytes;
    if (v->format == BD_PIXEL_YUYV) {
        const uint8_t *p = row + (size_t)(x / 2) * 4;
        bd_yuv_to_rgb(p[(x & 1) * 2], p[1], p[3], rgb);
    } else if (v->format == BD_PIXEL_I420) {
        bd_yuv_to_rgb(row[x], v->plane[0][(size_t)(y / 2) * v->plane_stride_bytes[0] + x / 2],
                      v->plane[1][(size_t)(y / 2) * v->plane_stride_bytes[1] + x / 2], rgb);
    } else if (v->format == BD_PIXEL_NV12) {
        const uint8_t *uv = v->plane[0] + (size_t)(y / 2) * v->plane_stride_bytes[0];
        bd_yuv_to_rgb(row[x], uv[(x / 2) * 2], uv[(x / 2) * 2 + 1], rgb);
    } else {
        int off[4];
        bd_format_rgba_offsets(v->format, off);
        for (int c = 0; c < 3; c++)
            rgb[c] = row[(size_t)x * (size_t)bd_pixel_format_bpp(v->format) + (size_t)off[c]];
    }
}

static void test_identity(void) {
    const bd_pixel_format fmts[] = {BD_PIXEL_I420, BD_PIXEL_NV12, BD_PIXEL_YUYV, BD_PIXEL_RGB24,
                                    BD_PIXEL_BGRX32};
    const int sizes[][2] = {{1, 1}, {2, 2}, {17, 9}, {33, 18}, {97, 61}, {320, 181}};
    const bd_isa levels[] = {BD_ISA_REF, BD_ISA_AVX2, BD_ISA_AVX512};
    for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++)
        for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
            const int w = sizes[z][0], h = sizes[z][1];
            if (fmts[f] == BD_PIXEL_YUYV && (w & 1)) continue;
            bd_image_buf *b = NULL;
            CHECK(bd_image_alloc(w, h, fmts[f], &b) == BD_OK);
            if (!b) continue;
            const bd_image *v = bd_image_view(b);
            fill_random(v);
            bd_linear_axis ax = {0}, ay = {0};
            CHECK(bd_linear_axis_set(&ax, w, w, 1.0, 0.0) == BD_OK);
            CHECK(bd_linear_axis_set(&ay, h, h, 1.0, 0.0) == BD_OK);
            const size_t n = (size_t)w * (size_t)h * 3;
            float *t = malloc(n * sizeof *t);
            for (int layout = 0; layout < 2 && t; layout++)
                for (int l = -1; l < 3; l++) {
                    bd_tensor_map tm;
                    map_init(&tm, layout, layout);
                    for (int c = 0; c < 3; c++)
                        for (int k = 0; k < 256; k++) tm.lut[c][k] = (float)k * (c + 1) - 100.0f;
                    if (l >= 0) {
                        tm.rows = bd_img_kernels_get(levels[l]);
                        if (tm.rows->isa != levels[l]) continue; /* not on this CPU */
                    }
                    for (size_t i = 0; i < n; i++) t[i] = NAN;
                    /* in three bands of rows, as threads would */
                    const int cut[4] = {0, h / 3, (2 * h) / 3, h};
                    for (int k = 0; k < 3; k++)
                        bd_image_to_tensor_rows(v, &ax, &ay, 0, w, 0, h, &tm, t, cut[k],
                                                cut[k + 1]);
                    int bad = 0;
                    for (int y = 0; y < h && !bad; y++)
                        for (int x = 0; x < w && !bad; x++) {
                            uint8_t rgb[3];
                            pixel_rgb(v, x, y, rgb);
                            for (int c = 0; c < 3; c++) {
                                const int tc = tm.dst_channel[c];
                                const size_t at =
                                    layout ? (size_t)tc * w * h + (size_t)y * w + x
                                           : ((size_t)y * w + x) * 3 + (size_t)tc;
                                if (!(t[at] == tm.lut[tc][rgb[c]])) {
                                    CHECK_MSG(0, "format %d %dx%d layout %d level %d: (%d,%d) "
                                              "ch %d = %g, want %g", (int)fmts[f], w, h,
                                              layout, l, x, y, c, t[at], tm.lut[tc][rgb[c]]);
                                    bad = 1;
                                }
                            }
                        }
                    CHECK(!bad);
                }
            free(t);
            bd_linear_axis_free(&ax);
            bd_linear_axis_free(&ay);
            bd_image_free(b);
        }
}

/* A matting model's foreground colour (3 float planes) written into a frame:
 * every format, every ISA level's kernels and plain C, split into bands, against
 * the per-pixel textbook (byte = v * 255 + 0.5 truncated within 0..1, then
 * bd_rgb_to_yuv, chroma the rounded mean of the pixels it covers). */
static uint8_t unit_byte(float v) {
    if (!(v > 0.0f)) return 0;
    if (!(v < 1.0f)) return 255;
    return (uint8_t)(v * 255.0f + 0.5f);
}

static void test_foreground(void) {
    const bd_pixel_format fmts[] = {BD_PIXEL_I420, BD_PIXEL_NV12, BD_PIXEL_YUYV, BD_PIXEL_RGB24,
                                    BD_PIXEL_RGBA32};
    const int sizes[][2] = {{1, 1}, {2, 3}, {17, 9}, {34, 19}, {97, 61}};
    const bd_isa levels[] = {BD_ISA_REF, BD_ISA_AVX2, BD_ISA_AVX512};
    for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++)
        for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
            const int w = sizes[z][0], h = sizes[z][1];
            if (fmts[f] == BD_PIXEL_YUYV && (w & 1)) continue;
            const size_t plane = (size_t)w * (size_t)h;
            float *fgr = malloc(3 * plane * sizeof *fgr);
            for (size_t i = 0; fgr && i < 3 * plane; i++) {
                const uint8_t r = rnd8();
                fgr[i] = r < 8 ? (r < 4 ? NAN : -0.5f) : r > 250 ? 1.5f : (float)r / 251.0f;
            }
            bd_image_buf *fb = NULL, *ob = NULL;
            CHECK(bd_image_alloc(w, h, fmts[f], &fb) == BD_OK);
            CHECK(bd_image_alloc(w, h, fmts[f], &ob) == BD_OK);
            if (!fgr || !fb || !ob) {
                free(fgr);
                bd_image_free(fb);
                bd_image_free(ob);
                continue;
            }
            const bd_image *frame = bd_image_view(fb), *out = bd_image_view(ob);
            fill_random(frame);
            for (int l = -1; l < 3; l++) {
                const bd_img_kernels *k = NULL;
                if (l >= 0) {
                    k = bd_img_kernels_get(levels[l]);
                    if (k->isa != levels[l]) continue;
                }
                fill_random(out);
                const int pairs = (h + 1) / 2;
                const int cut[3] = {0, 2 * (pairs / 2), h};
                for (int c = 0; c < 2; c++)
                    bd_foreground_rows(fgr, 1, frame, out, k, cut[c], cut[c + 1]);
                int bad = 0;
                for (int y = 0; y < h && !bad; y++)
                    for (int x = 0; x < w && !bad; x++) {
                        uint8_t rgb[3], yuv[3], got[3];
                        for (int c = 0; c < 3; c++)
                            rgb[c] = unit_byte(fgr[(size_t)c * plane + (size_t)y * w + x]);
                        if (!bd_format_is_yuv(fmts[f])) {
                            pixel_rgb(out, x, y, got);
                            bad = memcmp(got, rgb, 3) != 0;
                            continue;
                        }
                        bd_rgb_to_yuv(rgb, yuv);
                        /* chroma: the mean over the sample's pixels */
                        const int sy = fmts[f] == BD_PIXEL_YUYV ? 1 : 2;
                        int su = 0, sv = 0, cnt = 0;
                        for (int yy = y / sy * sy; yy < y / sy * sy + sy && yy < h; yy++)
                            for (int xx = x / 2 * 2; xx < x / 2 * 2 + 2 && xx < w; xx++) {
                                uint8_t q[3], e[3];
                                for (int c = 0; c < 3; c++)
                                    q[c] = unit_byte(fgr[(size_t)c * plane + (size_t)yy * w + xx]);
                                bd_rgb_to_yuv(q, e);
                                su += e[1], sv += e[2], cnt++;
                            }
                        const uint8_t *row = out->data + (size_t)y * out->stride_bytes;
                        uint8_t gy, gu, gv;
                        if (fmts[f] == BD_PIXEL_YUYV) {
                            const uint8_t *p = row + (size_t)(x / 2) * 4;
                            gy = p[(x & 1) * 2], gu = p[1], gv = p[3];
                        } else if (fmts[f] == BD_PIXEL_I420) {
                            gy = row[x];
                            gu = out->plane[0][(size_t)(y / 2) * out->plane_stride_bytes[0] + x / 2];
                            gv = out->plane[1][(size_t)(y / 2) * out->plane_stride_bytes[1] + x / 2];
                        } else {
                            const uint8_t *uv =
                                out->plane[0] + (size_t)(y / 2) * out->plane_stride_bytes[0];
                            gy = row[x], gu = uv[(x / 2) * 2], gv = uv[(x / 2) * 2 + 1];
                        }
                        bad = gy != yuv[0] || gu != (su + cnt / 2) / cnt ||
                              gv != (sv + cnt / 2) / cnt;
                    }
                CHECK_MSG(!bad, "foreground format %d %dx%d level %d", (int)fmts[f], w, h, l);
            }
            free(fgr);
            bd_image_free(fb);
            bd_image_free(ob);
        }
}

int main(void) {
    const char *src = getenv("BD_SOURCE_DIR");
    char path[1024], err[256];
    snprintf(path, sizeof path, "%s/samples/astronaut.png", src ? src : ".");
    RUN(test_flat);
    RUN(test_identity);
    RUN(test_foreground);
    if (bd_image_read_file(path, BD_PIXEL_RGB24, NULL, &photo, err, sizeof err) != BD_OK) {
        printf("skipped: %s (scripts/fetch-samples.sh)\n", err);
        return 77;
    }
    RUN(test_photo);
    bd_image_free(photo);
    return harness_finish();
}
