/*
 * test_image_ops.c -- the pixel operations of src/image/image.h, without a
 * model: exact division by 255, compositing (alpha 0 / 255 give exactly the
 * background / the frame; everything else matches the rounded formula),
 * transparent output, the sampling tables, mask upsampling (constant maps stay
 * constant, 2x values computed by hand, threshold/softness, NaN), the u8
 * background resampler (identity and centred cover crop), the default blur
 * radius and view validation (the blur itself: test_composite_post.c). Odd sizes 1x1 and 3x7 throughout. All
 * results are integer and compared exactly unless a tolerance is stated.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdint.h>

#include "harness.h"
#include "image/image.h"

static bd_image_buf *alloc_img(int w, int h, bd_pixel_format f) {
    bd_image_buf *b = NULL;
    return bd_image_alloc(w, h, f, &b) == BD_OK ? b : NULL;
}

static uint8_t *px(const bd_image_buf *b, int x, int y) {
    const bd_image *v = bd_image_view(b);
    return v->data + (size_t)y * v->stride_bytes + (size_t)x * bd_pixel_format_bpp(v->format);
}

static void fill_random(bd_image_buf *b, unsigned seed) {
    const bd_image *v = bd_image_view(b);
    size_t row = (size_t)v->width * bd_pixel_format_bpp(v->format);
    for (int y = 0; y < v->height; y++)
        for (size_t i = 0; i < row; i++)
            v->data[(size_t)y * v->stride_bytes + i] = (uint8_t)harness_rand(&seed);
}

static void fill_const(bd_image_buf *b, uint8_t value) {
    const bd_image *v = bd_image_view(b);
    memset(v->data, value, v->stride_bytes * (size_t)v->height);
}

static void test_div255(void) {
    int ok = 1;
    for (uint32_t x = 0; x < 65535; x++)
        ok &= bd_div255(x) == x / 255;
    CHECK(ok);
}

static void test_composite(void) {
    const bd_pixel_format ffmts[3] = {BD_PIXEL_GRAY8, BD_PIXEL_RGB24, BD_PIXEL_RGBA32};
    const bd_pixel_format ofmts[2] = {BD_PIXEL_RGB24, BD_PIXEL_RGBA32};
    const int sizes[3][2] = {{1, 1}, {3, 7}, {67, 5}};
    const uint8_t color[3] = {10, 200, 77};
    for (int s = 0; s < 3; s++)
        for (int fi = 0; fi < 3; fi++)
            for (int oi = 0; oi < 2; oi++)
                for (int use_color = 0; use_color < 2; use_color++) {
                    const int w = sizes[s][0], h = sizes[s][1];
                    bd_image_buf *f = alloc_img(w, h, ffmts[fi]),
                                 *a = alloc_img(w, h, BD_PIXEL_GRAY8),
                                 *b = alloc_img(w, h, BD_PIXEL_RGB24),
                                 *o = alloc_img(w, h, ofmts[oi]);
                    fill_random(f, 1u + (unsigned)s);
                    fill_random(b, 2u + (unsigned)s);
                    const bd_image *bgv = use_color ? NULL : bd_image_view(b);
                    const int fb = bd_pixel_format_bpp(ffmts[fi]);
                    for (int mode = 0; mode < 3; mode++) { /* alpha 0, 255, random */
                        if (mode < 2)
                            fill_const(a, mode ? 255 : 0);
                        else
                            fill_random(a, 3);
                        bd_image_composite(bd_image_view(f), bd_image_view(a), bgv, color,
                                           bd_image_view(o));
                        int ok = 1;
                        for (int y = 0; y < h; y++)
                            for (int x = 0; x < w; x++) {
                                const uint8_t *fp = px(f, x, y), *op = px(o, x, y);
                                const uint8_t *bp = use_color ? color : px(b, x, y);
                                const uint32_t av = *px(a, x, y);
                                for (int c = 0; c < 3; c++) {
                                    uint32_t fv = fp[fb == 1 ? 0 : c];
                                    uint32_t want = (av * fv + (255 - av) * bp[c] + 127) / 255;
                                    if (mode == 0) want = bp[c];
                                    if (mode == 1) want = fv;
                                    ok &= op[c] == want;
                                }
                                if (ofmts[oi] == BD_PIXEL_RGBA32) ok &= op[3] == 255;
                            }
                        CHECK_MSG(ok, "%dx%d frame fmt %d out fmt %d color %d mode %d", w, h,
                                  ffmts[fi], ofmts[oi], use_color, mode);
                    }
                    bd_image_free(f);
                    bd_image_free(a);
                    bd_image_free(b);
                    bd_image_free(o);
                }
}

static void test_attach_alpha(void) {
    const bd_pixel_format ffmts[3] = {BD_PIXEL_GRAY8, BD_PIXEL_RGB24, BD_PIXEL_RGBA32};
    for (int fi = 0; fi < 3; fi++) {
        bd_image_buf *f = alloc_img(3, 7, ffmts[fi]), *a = alloc_img(3, 7, BD_PIXEL_GRAY8),
                     *o = alloc_img(3, 7, BD_PIXEL_RGBA32);
        fill_random(f, 5);
        fill_random(a, 6);
        bd_image_attach_alpha(bd_image_view(f), bd_image_view(a), bd_image_view(o), 0);
        int ok = 1, fb = bd_pixel_format_bpp(ffmts[fi]);
        for (int y = 0; y < 7; y++)
            for (int x = 0; x < 3; x++) {
                for (int c = 0; c < 3; c++)
                    ok &= px(o, x, y)[c] == px(f, x, y)[fb == 1 ? 0 : c];
                ok &= px(o, x, y)[3] == *px(a, x, y);
            }
        CHECK_MSG(ok, "frame format %d", ffmts[fi]);
        bd_image_free(f);
        bd_image_free(a);
        bd_image_free(o);
    }
}

static void test_axis(void) {
    bd_linear_axis ax = {0};
    /* 2 -> 4, ratio 0.5: s = (d + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25,
     * clamped to 0, 0.25, 0.75, 1. */
    CHECK(bd_linear_axis_set(&ax, 2, 4, 0.5, 0.0) == BD_OK);
    CHECK(ax.lo[0] == 0 && ax.hi[0] == 1 && ax.w[0] == 0.0);
    CHECK(ax.lo[1] == 0 && ax.hi[1] == 1 && ax.w[1] == 0.25);
    CHECK(ax.lo[2] == 0 && ax.hi[2] == 1 && ax.w[2] == 0.75);
    CHECK(ax.lo[3] == 1 && ax.hi[3] == 1 && ax.w[3] == 0.0);
    CHECK(ax.wq[1] == BD_LERP_ONE / 4);
    /* 512 -> 256: every output is the mean of a 2x2 block (weight 0.5). */
    CHECK(bd_linear_axis_set(&ax, 512, 256, 2.0, 0.0) == BD_OK);
    CHECK(ax.lo[0] == 0 && ax.w[0] == 0.5 && ax.lo[255] == 510 && ax.hi[255] == 511);
    /* 1 -> 7 and 7 -> 1: indices stay in range. */
    CHECK(bd_linear_axis_set(&ax, 1, 7, 1.0 / 7, 0.0) == BD_OK);
    int ok = 1;
    for (int d = 0; d < 7; d++)
        ok &= ax.lo[d] == 0 && ax.hi[d] == 0;
    CHECK(ok);
    CHECK(bd_linear_axis_set(&ax, 7, 1, 7.0, 0.0) == BD_OK);
    CHECK(ax.lo[0] == 3 && ax.hi[0] == 4 && ax.w[0] == 0.0);
    bd_linear_axis_free(&ax);
    bd_linear_axis_free(&ax); /* twice is fine: the struct is zeroed */

    /* Cover: a 200x100 background on a 100x100 frame is scaled by 1 and cropped
     * to its centre columns 50..149; on a 50x100 frame by 1 too, origin 75. */
    double r, ox, oy;
    bd_cover_geometry(200, 100, 100, 100, &r, &ox, &oy);
    CHECK(r == 1.0 && ox == 50.0 && oy == 0.0);
    bd_cover_geometry(100, 200, 50, 50, &r, &ox, &oy);
    CHECK(r == 2.0 && ox == 0.0 && oy == 50.0);
}

/* Upsamples a h x w map to an ow x oh alpha with the given params. */
static bd_image_buf *upsample(const float *prob, int w, int h, int ow, int oh, float threshold,
                              float softness) {
    bd_linear_axis ax = {0}, ay = {0};
    bd_image_buf *a = alloc_img(ow, oh, BD_PIXEL_GRAY8);
    float *tmp = malloc((size_t)w * sizeof *tmp);
    bd_mask_params mp = {threshold, softness};
    if (a && tmp && bd_linear_axis_set(&ax, w, ow, (double)w / ow, 0.0) == BD_OK &&
        bd_linear_axis_set(&ay, h, oh, (double)h / oh, 0.0) == BD_OK)
        bd_mask_upsample(prob, w, h, &ax, &ay, &mp, tmp, bd_image_view(a));
    free(tmp);
    bd_linear_axis_free(&ax);
    bd_linear_axis_free(&ay);
    return a;
}

static void test_mask_constant(void) {
    const int sizes[4][2] = {{1, 1}, {3, 7}, {7, 3}, {1920, 3}};
    const float values[4] = {0.0f, 0.25f, 0.7f, 1.0f};
    float map[6 * 5];
    for (int s = 0; s < 4; s++)
        for (int v = 0; v < 4; v++) {
            for (int i = 0; i < 30; i++)
                map[i] = values[v];
            bd_image_buf *a = upsample(map, 6, 5, sizes[s][0], sizes[s][1], 0.5f, 0.0f);
            uint8_t want = (uint8_t)(values[v] * 255.0f + 0.5f);
            int ok = a != NULL;
            for (int y = 0; ok && y < sizes[s][1]; y++)
                for (int x = 0; x < sizes[s][0]; x++)
                    ok &= *px(a, x, y) == want;
            CHECK_MSG(ok, "%dx%d value %g", sizes[s][0], sizes[s][1], values[v]);
            bd_image_free(a);
        }
    /* A 1x1 map upsampled to 3x7 is constant too. */
    float one = 0.5f;
    bd_image_buf *a = upsample(&one, 1, 1, 3, 7, 0.5f, 0.0f);
    int ok = 1;
    for (int y = 0; y < 7; y++)
        for (int x = 0; x < 3; x++)
            ok &= *px(a, x, y) == 128;
    CHECK(ok);
    bd_image_free(a);
}

static void test_mask_2x(void) {
    /* 2x2 map, columns 0 and 1: horizontal ramp 0 -> 1. Output 4x4: the
     * column weights are 0, 0.25, 0.75, 1 -> 0, 63.75, 191.25, 255. */
    const float ramp_x[4] = {0.0f, 1.0f, 0.0f, 1.0f};
    bd_image_buf *a = upsample(ramp_x, 2, 2, 4, 4, 0.5f, 0.0f);
    const uint8_t want[4] = {0, 64, 191, 255};
    int ok = 1;
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++)
            ok &= *px(a, x, y) == want[x];
    CHECK(ok);
    bd_image_free(a);
    /* Vertical ramp, and a 2x3 -> 4x6 example with interior weights. */
    const float ramp_y[4] = {0.0f, 0.0f, 1.0f, 1.0f};
    a = upsample(ramp_y, 2, 2, 4, 4, 0.5f, 0.0f);
    ok = 1;
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++)
            ok &= *px(a, x, y) == want[y];
    CHECK(ok);
    bd_image_free(a);
    /* map rows (0.2, 0.6), (1.0, 0.0), (0.4, 0.4); out (x=1, y=2): source
     * x = 0.25, y = 2.5 / 2 - 0.5 = 0.75 -> rows 0 and 1 with weight 0.75:
     * row0 at x .25 = 0.3, row1 = 0.75 -> 0.3 + (0.75 - 0.3) * 0.75 = 0.6375
     * -> 162.56 -> 163. (x=3, y=5): x clamps to 1, y = 2.25 -> row 2 -> 0.4
     * -> 102. (x=2, y=3): x 0.75, y 1.25 -> rows 1, 2 w .25: row1 .25, row2 .4
     * -> .2875 -> 73.3 -> 73. */
    const float m[6] = {0.2f, 0.6f, 1.0f, 0.0f, 0.4f, 0.4f};
    a = upsample(m, 2, 3, 4, 6, 0.5f, 0.0f);
    CHECK_MSG(*px(a, 1, 2) == 163, "got %d", *px(a, 1, 2));
    CHECK_MSG(*px(a, 3, 5) == 102, "got %d", *px(a, 3, 5));
    CHECK_MSG(*px(a, 2, 3) == 73, "got %d", *px(a, 2, 3));
    CHECK_MSG(*px(a, 0, 0) == 51, "got %d", *px(a, 0, 0)); /* corner = map[0] = 0.2 */
    bd_image_free(a);
}

static void test_mask_softness(void) {
    /* alpha = clamp((p - 0.5) / 0.2 + 0.5, 0, 1): 0.5 -> 0.5 (128),
     * 0.6 -> 1, 0.35 -> -0.25 -> 0, 0.45 -> 0.25 (64). Out-of-range and NaN
     * probabilities clamp to 0..255 without softness too. */
    const float p[6] = {0.5f, 0.6f, 0.35f, 0.45f, 1.5f, -0.5f};
    bd_image_buf *a = upsample(p, 6, 1, 6, 1, 0.5f, 0.2f);
    CHECK(*px(a, 0, 0) == 128 && *px(a, 1, 0) == 255 && *px(a, 2, 0) == 0 && *px(a, 3, 0) == 64);
    CHECK(*px(a, 4, 0) == 255 && *px(a, 5, 0) == 0);
    bd_image_free(a);
    a = upsample(p, 6, 1, 6, 1, 0.5f, 0.0f);
    CHECK(*px(a, 4, 0) == 255 && *px(a, 5, 0) == 0 && *px(a, 0, 0) == 128);
    bd_image_free(a);
    const float nan_map[1] = {NAN};
    a = upsample(nan_map, 1, 1, 3, 7, 0.5f, 0.0f);
    CHECK(*px(a, 2, 6) == 0);
    bd_image_free(a);
}

static void test_to_tensor_small(void) {
    /* 2x1 RGB (0,0,0),(255,255,255) -> 4x1: 0, 63.75 -> 64, 191.25 -> 191, 255.
     * And 1x1 -> 3x7 (constant), 3x7 -> 1x1 (the centre pixel). */
    bd_image_buf *img = alloc_img(2, 1, BD_PIXEL_RGB24);
    memset(px(img, 1, 0), 255, 3);
    bd_linear_axis ax = {0}, ay = {0};
    float lut[256], t[7 * 3 * 3];
    bd_tensor_lut(1.0f, 0.0f, lut);
    bd_linear_axis_set(&ax, 2, 4, 0.5, 0.0);
    bd_linear_axis_set(&ay, 1, 1, 1.0, 0.0);
    bd_image_to_tensor(bd_image_view(img), &ax, &ay, lut, t);
    CHECK(t[0] == lut[0] && t[3] == lut[64] && t[6] == lut[191] && t[9] == lut[255]);
    CHECK(t[4] == t[3] && t[5] == t[3]);
    bd_image_free(img);

    img = alloc_img(1, 1, BD_PIXEL_RGBA32);
    px(img, 0, 0)[0] = 10;
    px(img, 0, 0)[1] = 20;
    px(img, 0, 0)[2] = 30;
    bd_linear_axis_set(&ax, 1, 3, 1.0 / 3, 0.0);
    bd_linear_axis_set(&ay, 1, 7, 1.0 / 7, 0.0);
    bd_image_to_tensor(bd_image_view(img), &ax, &ay, lut, t);
    int ok = 1;
    for (int i = 0; i < 21; i++)
        ok &= t[3 * i] == lut[10] && t[3 * i + 1] == lut[20] && t[3 * i + 2] == lut[30];
    CHECK(ok);
    bd_image_free(img);

    img = alloc_img(3, 7, BD_PIXEL_GRAY8);
    fill_random(img, 8);
    bd_linear_axis_set(&ax, 3, 1, 3.0, 0.0);
    bd_linear_axis_set(&ay, 7, 1, 7.0, 0.0);
    bd_image_to_tensor(bd_image_view(img), &ax, &ay, lut, t);
    uint8_t centre = *px(img, 1, 3);
    CHECK(t[0] == lut[centre] && t[1] == lut[centre] && t[2] == lut[centre]);
    bd_image_free(img);
    bd_linear_axis_free(&ax);
    bd_linear_axis_free(&ay);
}

static void test_resample_rgb(void) {
    /* Same size: identity, for every source format (gray replicated). */
    const bd_pixel_format fmts[3] = {BD_PIXEL_GRAY8, BD_PIXEL_RGB24, BD_PIXEL_RGBA32};
    bd_linear_axis ax = {0}, ay = {0};
    for (int fi = 0; fi < 3; fi++) {
        bd_image_buf *s = alloc_img(3, 7, fmts[fi]), *d = alloc_img(3, 7, BD_PIXEL_RGB24);
        fill_random(s, 9);
        bd_linear_axis_set(&ax, 3, 3, 1.0, 0.0);
        bd_linear_axis_set(&ay, 7, 7, 1.0, 0.0);
        bd_image_resample_rgb(bd_image_view(s), &ax, &ay, bd_image_view(d));
        int ok = 1, fb = bd_pixel_format_bpp(fmts[fi]);
        for (int y = 0; y < 7; y++)
            for (int x = 0; x < 3; x++)
                for (int c = 0; c < 3; c++)
                    ok &= px(d, x, y)[c] == px(s, x, y)[fb == 1 ? 0 : c];
        CHECK_MSG(ok, "format %d", fmts[fi]);
        bd_image_free(s);
        bd_image_free(d);
    }
    /* Cover: 20x10 background on a 10x10 frame = its centre 10 columns. */
    bd_image_buf *s = alloc_img(20, 10, BD_PIXEL_RGB24), *d = alloc_img(10, 10, BD_PIXEL_RGB24);
    fill_random(s, 10);
    double r, ox, oy;
    bd_cover_geometry(20, 10, 10, 10, &r, &ox, &oy);
    bd_linear_axis_set(&ax, 20, 10, r, ox);
    bd_linear_axis_set(&ay, 10, 10, r, oy);
    bd_image_resample_rgb(bd_image_view(s), &ax, &ay, bd_image_view(d));
    int ok = 1;
    for (int y = 0; y < 10; y++)
        for (int x = 0; x < 10; x++)
            for (int c = 0; c < 3; c++)
                ok &= px(d, x, y)[c] == px(s, x + 5, y)[c];
    CHECK(ok);
    /* 2x upscale of a 1x1 image: constant. Halfway weights round correctly:
     * a 2x1 (0, 255) -> 4x1 gives 0, 64, 191, 255 as in float. */
    bd_image_free(s);
    bd_image_free(d);
    s = alloc_img(2, 1, BD_PIXEL_GRAY8);
    d = alloc_img(4, 1, BD_PIXEL_RGB24);
    *px(s, 1, 0) = 255;
    bd_linear_axis_set(&ax, 2, 4, 0.5, 0.0);
    bd_linear_axis_set(&ay, 1, 1, 1.0, 0.0);
    bd_image_resample_rgb(bd_image_view(s), &ax, &ay, bd_image_view(d));
    CHECK(px(d, 0, 0)[0] == 0 && px(d, 1, 0)[0] == 64 && px(d, 2, 0)[0] == 191 &&
          px(d, 3, 0)[1] == 255);
    bd_image_free(s);
    bd_image_free(d);
    bd_linear_axis_free(&ax);
    bd_linear_axis_free(&ay);
}

static void test_blur_default_radius(void) {
    CHECK(bd_blur_default_radius(1920, 1080) == 48 && bd_blur_default_radius(3, 7) == 1);
}

static void test_image_check(void) {
    bd_err e = {0};
    uint8_t buf[64] = {0};
    bd_image v = {.width = 4, .height = 2, .format = BD_PIXEL_RGB24, .stride_bytes = 12, .data = buf};
    CHECK(bd_image_check(&v, 0, "x", &e) == BD_OK);
    CHECK(bd_image_check(&v, BD_FMT_BIT(BD_PIXEL_GRAY8), "x", &e) == BD_ERR_INVALID_ARG);
    CHECK_MSG(strstr(e.msg, "x: pixel format RGB24"), "'%s'", e.msg);
    bd_err_clear(&e);
    bd_image bad = v;
    bad.stride_bytes = 11;
    CHECK(bd_image_check(&bad, 0, "frame", &e) == BD_ERR_INVALID_ARG);
    CHECK_MSG(strstr(e.msg, "frame: stride 11"), "'%s'", e.msg);
    bad = v;
    bad.data = NULL;
    CHECK(bd_image_check(&bad, 0, "x", NULL) == BD_ERR_INVALID_ARG);
    bad = v;
    bad.width = 0;
    CHECK(bd_image_check(&bad, 0, "x", NULL) == BD_ERR_INVALID_ARG);
    bad = v;
    bad.format = (bd_pixel_format)0;
    CHECK(bd_image_check(&bad, 0, "x", NULL) == BD_ERR_INVALID_ARG);
    bad = v;
    bad.stride_bytes = SIZE_MAX / 2;
    CHECK(bd_image_check(&bad, 0, "x", NULL) == BD_ERR_INVALID_ARG);
    CHECK(bd_image_check(NULL, 0, "x", NULL) == BD_ERR_INVALID_ARG);
}

int main(void) {
    RUN(test_div255);
    RUN(test_composite);
    RUN(test_attach_alpha);
    RUN(test_axis);
    RUN(test_mask_constant);
    RUN(test_mask_2x);
    RUN(test_mask_softness);
    RUN(test_to_tensor_small);
    RUN(test_resample_rgb);
    RUN(test_blur_default_radius);
    RUN(test_image_check);
    return harness_finish();
}
