/*
 * test_image_preprocess.c -- the model-input preprocessing (bd_image_to_tensor)
 * against the reference tensors in $BD_SHARED_DIR/testdata/reference: the
 * source photos stretched to 256x256 and 256x144 with bilinear, half-pixel
 * centres, rounded to u8 and divided by 255. Tolerance: bit-exact expected;
 * the test allows differences of at most 1/255 in at most 0.1% of the values
 * (a tie landing on .5 with a different order of operations) and reports the
 * max diff and the count of differing values per case. Also checks that
 * decoding a gray photo as GRAY8, RGB24 or RGBA32 gives the same tensor.
 * Skips (and passes) when BD_SHARED_DIR is missing.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <string.h>

#include "harness.h"
#include "image/image.h"

static const char *shared;

typedef struct ref_case {
    const char *image;
    const char *model;
    int w, h;
} ref_case;

static const ref_case cases[] = {
    {"astronaut", "general", 256, 256},   {"astronaut", "landscape", 256, 144},
    {"camera", "general", 256, 256},      {"camera", "landscape", 256, 144},
    {"basketball1", "general", 256, 256}, {"basketball1", "landscape", 256, 144},
};

/* Preprocesses `img` to w x h with scale 1, offset 0; returns a malloc'd tensor. */
static float *preprocess(const bd_image *img, int w, int h) {
    bd_linear_axis ax = {0}, ay = {0};
    float lut[256];
    float *t = malloc((size_t)w * h * 3 * sizeof *t);
    if (!t) return NULL;
    if (bd_linear_axis_set(&ax, img->width, w, (double)img->width / w, 0.0) != BD_OK ||
        bd_linear_axis_set(&ay, img->height, h, (double)img->height / h, 0.0) != BD_OK) {
        free(t);
        t = NULL;
    } else {
        bd_tensor_lut(1.0f, 0.0f, lut);
        bd_image_to_tensor(img, &ax, &ay, lut, t);
    }
    bd_linear_axis_free(&ax);
    bd_linear_axis_free(&ay);
    return t;
}

static void test_reference_inputs(void) {
    char path[1024], err[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const ref_case *c = &cases[i];
        char rel[256];
        snprintf(rel, sizeof rel, "testdata/images/%s.png", c->image);
        bd_image_buf *img = NULL;
        bd_status st = bd_image_read_file(harness_path(path, sizeof path, shared, rel),
                                          BD_PIXEL_RGB24, NULL, &img, err, sizeof err);
        CHECK_MSG(st == BD_OK, "%s", err);
        if (st != BD_OK) continue;

        snprintf(rel, sizeof rel, "testdata/reference/%s__%s.input.f32", c->image, c->model);
        size_t size = 0;
        unsigned char *raw = harness_read_file(harness_path(path, sizeof path, shared, rel), &size);
        const size_t n = (size_t)c->w * c->h * 3;
        CHECK_MSG(raw && size == n * sizeof(float), "%s: %zu bytes", path, size);
        float *t = preprocess(bd_image_view(img), c->w, c->h);
        CHECK(t != NULL);
        if (raw && size == n * sizeof(float) && t) {
            double max_diff = 0;
            size_t n_diff = 0;
            for (size_t k = 0; k < n; k++) {
                float ref;
                memcpy(&ref, raw + k * sizeof ref, sizeof ref); /* little-endian host */
                double d = fabs((double)t[k] - ref);
                if (d > 0) n_diff++;
                if (d > max_diff) max_diff = d;
            }
            printf("  %s__%s (%dx%d): max diff %.3g (%.2f/255), %zu of %zu values differ\n",
                   c->image, c->model, c->w, c->h, max_diff, max_diff * 255, n_diff, n);
            CHECK_MSG(max_diff <= 1.0 / 255 + 1e-6, "%s__%s max diff %g", c->image, c->model,
                      max_diff);
            CHECK_MSG(n_diff * 1000 <= n, "%s__%s: %zu values differ", c->image, c->model,
                      n_diff);
        }
        free(t);
        free(raw);
        bd_image_free(img);
    }
}

/* A gray photo read as GRAY8, RGB24 and RGBA32 must preprocess identically. */
static void test_formats_agree(void) {
    char path[1024], err[512];
    harness_path(path, sizeof path, shared, "testdata/images/camera.png");
    const bd_pixel_format fmts[3] = {BD_PIXEL_GRAY8, BD_PIXEL_RGB24, BD_PIXEL_RGBA32};
    float *t[3] = {0};
    for (int i = 0; i < 3; i++) {
        bd_image_buf *img = NULL;
        bd_status st = bd_image_read_file(path, fmts[i], NULL, &img, err, sizeof err);
        CHECK_MSG(st == BD_OK, "%s", err);
        if (st == BD_OK) t[i] = preprocess(bd_image_view(img), 256, 144);
        bd_image_free(img);
    }
    if (t[0] && t[1] && t[2]) {
        CHECK(memcmp(t[0], t[1], 256 * 144 * 3 * sizeof(float)) == 0);
        CHECK(memcmp(t[0], t[2], 256 * 144 * 3 * sizeof(float)) == 0);
    }
    for (int i = 0; i < 3; i++) free(t[i]);
}

/* Scale and offset: tensor = u8 / 255 * scale + offset (e.g. [-1, 1] models). */
static void test_scale_offset(void) {
    float lut[256];
    bd_tensor_lut(2.0f, -1.0f, lut);
    CHECK(lut[0] == -1.0f);
    CHECK(lut[255] == 1.0f);
    bd_tensor_lut(1.0f, 0.0f, lut);
    CHECK(lut[51] == 51.0f / 255.0f);
}

int main(void) {
    RUN(test_scale_offset);
#ifndef BD_WITH_CODECS
    harness_skip("built without image codecs: the photos cannot be read");
    return harness_finish();
#endif
    shared = harness_env_dir("BD_SHARED_DIR");
    if (!shared) {
        harness_skip_data("BD_SHARED_DIR is not set or missing: reference comparisons skipped");
        return harness_finish();
    }
    RUN(test_reference_inputs);
    RUN(test_formats_agree);
    return harness_finish();
}
