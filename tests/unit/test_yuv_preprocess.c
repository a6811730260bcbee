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

int main(void) {
    const char *src = getenv("BD_SOURCE_DIR");
    char path[1024], err[256];
    snprintf(path, sizeof path, "%s/samples/astronaut.png", src ? src : ".");
    RUN(test_flat);
    if (bd_image_read_file(path, BD_PIXEL_RGB24, NULL, &photo, err, sizeof err) != BD_OK) {
        printf("skipped: %s (scripts/fetch-samples.sh)\n", err);
        return 77;
    }
    RUN(test_photo);
    bd_image_free(photo);
    return harness_finish();
}
