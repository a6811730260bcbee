/*
 * test_image_pipeline.c -- bd_pipeline_* end to end with the real selfie
 * models ($BD_MODELS_DIR) on the reference photos ($BD_SHARED_DIR):
 *  - the full-resolution alpha equals the reference model output
 *    (<case>.output.f32) pushed through the same upsampler, within 2 levels at
 *    all but 0.1% of pixels (the engine's float differences near p = 0.5);
 *  - a gray photo gives the same alpha as GRAY8, RGB24 and RGBA32;
 *  - every background kind composites (alpha 255 keeps the frame, an image
 *    background is cached and still follows in-place edits);
 *  - argument errors return BD_ERR_INVALID_ARG with a message and leave the
 *    pipeline usable.
 * Skips when the models or the shared data are missing.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdint.h>

#include "harness.h"
#include "image/image.h"

static const char *shared, *models;
static char err[512];

static bd_model *load_model(const char *name) {
    char path[1024];
    bd_model *m = NULL;
    if (bd_model_create(NULL, &m) != BD_OK) return NULL;
    if (bd_model_load_file(m, harness_path(path, sizeof path, models, name)) != BD_OK) {
        CHECK_MSG(0, "%s: %s", name, bd_model_last_error(m));
        bd_model_free(m);
        return NULL;
    }
    return m;
}

static bd_image_buf *read_image(const char *name, bd_pixel_format f) {
    char path[1024], rel[256];
    snprintf(rel, sizeof rel, "testdata/images/%s", name);
    bd_image_buf *img = NULL;
    bd_status st = bd_image_read_file(harness_path(path, sizeof path, shared, rel), f, NULL, &img,
                                      err, sizeof err);
    CHECK_MSG(st == BD_OK, "%s", err);
    return img;
}

static bd_image_buf *alloc_img(int w, int h, bd_pixel_format f) {
    bd_image_buf *b = NULL;
    return bd_image_alloc(w, h, f, &b) == BD_OK ? b : NULL;
}

/* The alpha the reference output would give: reference probabilities through
 * the same upsampler (default mask params). */
static bd_image_buf *reference_alpha(const char *ref_case, int mw, int mh, int w, int h) {
    char path[1024], rel[256];
    snprintf(rel, sizeof rel, "testdata/reference/%s.output.f32", ref_case);
    size_t size = 0;
    unsigned char *raw = harness_read_file(harness_path(path, sizeof path, shared, rel), &size);
    if (!raw || size != (size_t)mw * mh * sizeof(float)) {
        free(raw);
        return NULL;
    }
    float *prob = malloc(size), *tmp = malloc((size_t)mw * sizeof(float));
    memcpy(prob, raw, size);
    bd_linear_axis ax = {0}, ay = {0};
    bd_linear_axis_set(&ax, mw, w, (double)mw / w, 0.0);
    bd_linear_axis_set(&ay, mh, h, (double)mh / h, 0.0);
    bd_image_buf *a = alloc_img(w, h, BD_PIXEL_GRAY8);
    bd_mask_params mp = {0.5f, 0.0f};
    bd_mask_upsample(prob, mw, mh, &ax, &ay, &mp, tmp, bd_image_view(a));
    bd_linear_axis_free(&ax);
    bd_linear_axis_free(&ay);
    free(prob);
    free(tmp);
    free(raw);
    return a;
}

static void compare_alpha(const bd_image *got, const bd_image *want, const char *what) {
    int max = 0;
    size_t n_over = 0, n = (size_t)got->width * got->height;
    for (int y = 0; y < got->height; y++)
        for (int x = 0; x < got->width; x++) {
            int d =
                abs(got->data[y * got->stride_bytes + x] - want->data[y * want->stride_bytes + x]);
            if (d > max) max = d;
            if (d > 2) n_over++;
        }
    printf("  %s: alpha max diff %d, %zu of %zu pixels differ by more than 2\n", what, max, n_over,
           n);
    CHECK_MSG(n_over * 1000 <= n, "%s: %zu pixels off", what, n_over);
}

static void test_reference_masks(void) {
    static const struct {
        const char *image, *model, *ref;
        int mw, mh;
    } cases[] = {
        {"astronaut.png", "selfie_segmentation.tflite", "astronaut__general", 256, 256},
        {"camera.png", "selfie_segmentation_landscape.tflite", "camera__landscape", 256, 144},
        {"basketball1.png", "selfie_segmentation.tflite", "basketball1__general", 256, 256},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bd_model *m = load_model(cases[i].model);
        bd_image_buf *img = read_image(cases[i].image, BD_PIXEL_RGB24);
        if (!m || !img) {
            bd_model_free(m);
            bd_image_free(img);
            continue;
        }
        bd_pipeline *p = NULL;
        bd_status st = bd_pipeline_create(m, NULL, &p);
        CHECK_MSG(st == BD_OK, "create: %s", bd_status_str(st));
        const bd_image *f = bd_image_view(img);
        bd_image_buf *a = alloc_img(f->width, f->height, BD_PIXEL_GRAY8);
        if (p && a) {
            st = bd_pipeline_mask(p, f, bd_image_view(a));
            CHECK_MSG(st == BD_OK, "mask: %s", bd_pipeline_last_error(p));
            bd_image_buf *want =
                reference_alpha(cases[i].ref, cases[i].mw, cases[i].mh, f->width, f->height);
            CHECK(want != NULL);
            if (st == BD_OK && want)
                compare_alpha(bd_image_view(a), bd_image_view(want), cases[i].ref);
            bd_image_free(want);
            /* A second run on the same frame gives the same alpha. */
            bd_image_buf *a2 = alloc_img(f->width, f->height, BD_PIXEL_GRAY8);
            CHECK(bd_pipeline_mask(p, f, bd_image_view(a2)) == BD_OK);
            CHECK(memcmp(bd_image_view(a)->data, bd_image_view(a2)->data,
                         bd_image_view(a)->stride_bytes * (size_t)f->height) == 0);
            bd_image_free(a2);
        }
        bd_image_free(a);
        bd_pipeline_free(p);
        bd_image_free(img);
        bd_model_free(m);
    }
}

static void test_formats_and_composite(void) {
    bd_model *m = load_model("selfie_segmentation.tflite");
    if (!m) return;
    bd_pipeline *p = NULL;
    bd_pipeline_options o;
    bd_pipeline_options_default(&o);
    o.softness = 0.1f;
    CHECK(bd_pipeline_create(m, &o, &p) == BD_OK);
    const bd_pixel_format fmts[3] = {BD_PIXEL_GRAY8, BD_PIXEL_RGB24, BD_PIXEL_RGBA32};
    bd_image_buf *frames[3] = {0}, *alphas[3] = {0};
    for (int i = 0; i < 3; i++) {
        frames[i] = read_image("basketball1.png", fmts[i]);
        if (!frames[i]) goto out;
        alphas[i] = alloc_img(640, 480, BD_PIXEL_GRAY8);
        CHECK(bd_pipeline_mask(p, bd_image_view(frames[i]), bd_image_view(alphas[i])) == BD_OK);
    }
    for (int i = 1; i < 3; i++)
        CHECK_MSG(memcmp(bd_image_view(alphas[0])->data, bd_image_view(alphas[i])->data,
                         bd_image_view(alphas[0])->stride_bytes * 480) == 0,
                  "format %d", fmts[i]);

    const bd_image *f = bd_image_view(frames[1]), *a = bd_image_view(alphas[1]);
    bd_image_buf *out = alloc_img(640, 480, BD_PIXEL_RGB24),
                 *out4 = alloc_img(640, 480, BD_PIXEL_RGBA32);
    bd_image_buf *bgimg = read_image("woman-5883428_1280.jpg", BD_PIXEL_RGB24);
    bd_background bg = {0};
    bg.kind = BD_BG_COLOR;
    bg.color[1] = 177;
    CHECK(bd_pipeline_composite(p, f, a, &bg, bd_image_view(out)) == BD_OK);
    /* where alpha is 255 the frame shows, where 0 the colour */
    int ok = 1, n255 = 0, n0 = 0;
    for (int y = 0; y < 480; y++)
        for (int x = 0; x < 640; x++) {
            uint8_t av = a->data[y * a->stride_bytes + x];
            const uint8_t *o3 =
                bd_image_view(out)->data + y * bd_image_view(out)->stride_bytes + 3 * x;
            const uint8_t *fp = f->data + y * f->stride_bytes + 3 * x;
            if (av == 255) n255++, ok &= o3[0] == fp[0] && o3[1] == fp[1] && o3[2] == fp[2];
            if (av == 0) n0++, ok &= o3[0] == 0 && o3[1] == 177 && o3[2] == 0;
        }
    CHECK(ok);
    CHECK_MSG(n255 > 1000 && n0 > 1000, "person %d, background %d pixels", n255, n0);

    bg.kind = BD_BG_BLUR;
    bg.blur_radius = 0;
    CHECK_MSG(bd_pipeline_composite(p, f, a, &bg, bd_image_view(out)) == BD_OK, "%s",
              bd_pipeline_last_error(p));
    bg.blur_radius = 5;
    CHECK(bd_pipeline_composite(p, bd_image_view(frames[0]), a, &bg, bd_image_view(out4)) == BD_OK);
    bg.kind = BD_BG_TRANSPARENT;
    CHECK(bd_pipeline_composite(p, f, a, &bg, bd_image_view(out4)) == BD_OK);
    CHECK(bd_image_view(out4)->data[3] == a->data[0]);
    CHECK(bd_pipeline_composite(p, f, a, &bg, bd_image_view(out)) == BD_ERR_INVALID_ARG);
    CHECK_MSG(strstr(bd_pipeline_last_error(p), "RGBA32"), "'%s'", bd_pipeline_last_error(p));
    if (bgimg) {
        bg.kind = BD_BG_IMAGE;
        bg.image = bd_image_view(bgimg);
        CHECK(bd_pipeline_composite(p, f, a, &bg, bd_image_view(out)) == BD_OK);
        CHECK(bd_pipeline_last_error(p)[0] == 0);
        /* Edit the background in place: the cached scaled copy must follow. */
        const bd_image *bv = bd_image_view(bgimg);
        for (int y = 0; y < bv->height; y++)
            memset(bv->data + y * bv->stride_bytes, 0, (size_t)bv->width * 3);
        bd_image_buf *zero_alpha = alloc_img(640, 480, BD_PIXEL_GRAY8);
        CHECK(bd_pipeline_composite(p, f, bd_image_view(zero_alpha), &bg, bd_image_view(out)) ==
              BD_OK);
        const bd_image *ov = bd_image_view(out);
        int black = 1;
        for (int y = 0; y < 480; y++)
            for (int x = 0; x < 640 * 3; x++)
                black &= ov->data[y * ov->stride_bytes + x] == 0;
        CHECK_MSG(black, "stale cached background");
        bd_image_free(zero_alpha);
    }

    /* Argument errors: reported, not sticky. */
    bd_image_buf *small = alloc_img(10, 10, BD_PIXEL_GRAY8);
    CHECK(bd_pipeline_mask(p, f, bd_image_view(small)) == BD_ERR_INVALID_ARG);
    CHECK_MSG(strstr(bd_pipeline_last_error(p), "alpha is 10x10 but the frame is 640x480"), "'%s'",
              bd_pipeline_last_error(p));
    CHECK(bd_pipeline_mask(p, f, f) == BD_ERR_INVALID_ARG);
    CHECK(bd_pipeline_mask(p, NULL, a) == BD_ERR_INVALID_ARG);
    CHECK(bd_pipeline_composite(p, f, a, NULL, bd_image_view(out)) == BD_ERR_INVALID_ARG);
    bg.kind = (bd_background_kind)77;
    CHECK(bd_pipeline_composite(p, f, a, &bg, bd_image_view(out)) == BD_ERR_INVALID_ARG);
    bg.kind = BD_BG_BLUR;
    bg.blur_radius = -1;
    CHECK(bd_pipeline_composite(p, f, a, &bg, bd_image_view(out)) == BD_ERR_INVALID_ARG);
    CHECK(bd_pipeline_mask(p, f, bd_image_view(alphas[1])) == BD_OK);
    CHECK(bd_pipeline_last_error(p)[0] == 0);
    CHECK(bd_pipeline_mask(NULL, f, a) == BD_ERR_INVALID_ARG);
    bd_image_free(small);
    bd_image_free(out);
    bd_image_free(out4);
    bd_image_free(bgimg);
out:
    for (int i = 0; i < 3; i++) {
        bd_image_free(frames[i]);
        bd_image_free(alphas[i]);
    }
    bd_pipeline_free(p);
    bd_model_free(m);
}

static void test_bad_options(void) {
    bd_model *m = load_model("selfie_segmentation.tflite");
    if (!m) return;
    bd_pipeline *p = NULL;
    bd_pipeline_options o;
    bd_pipeline_options_default(&o);
    o.softness = NAN;
    CHECK(bd_pipeline_create(m, &o, &p) == BD_ERR_INVALID_ARG && p == NULL);
    bd_pipeline_options_default(&o);
    o.struct_size = 0;
    CHECK(bd_pipeline_create(m, &o, &p) == BD_ERR_INVALID_ARG && p == NULL);
    CHECK(bd_pipeline_create(NULL, NULL, &p) == BD_ERR_INVALID_ARG);
    bd_model *empty = NULL;
    CHECK(bd_model_create(NULL, &empty) == BD_OK);
    CHECK(bd_pipeline_create(empty, NULL, &p) == BD_ERR_BAD_STATE && p == NULL);
    bd_model_free(empty);
    bd_pipeline_free(NULL);
    CHECK(bd_pipeline_last_error(NULL)[0] == 0);
    bd_model_free(m);
}

int main(void) {
    shared = harness_env_dir("BD_SHARED_DIR");
    models = harness_env_dir("BD_MODELS_DIR");
    char probe[1024];
    FILE *pf =
        models
            ? fopen(harness_path(probe, sizeof probe, models, "selfie_segmentation.tflite"), "rb")
            : NULL;
    if (pf) fclose(pf);
#ifndef BD_WITH_CODECS
    harness_skip("built without image codecs: the photos cannot be read");
    return harness_finish();
#endif
    if (!shared || !pf) {
        harness_skip_data("BD_SHARED_DIR or BD_MODELS_DIR (with the selfie models) missing");
        return harness_finish();
    }
    RUN(test_reference_masks);
    RUN(test_formats_and_composite);
    RUN(test_bad_options);
    return harness_finish();
}
