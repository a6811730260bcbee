/*
 * test_temporal.c -- the temporal smoother (src/image/temporal.c) on synthetic
 * sequences, and its use by bd_pipeline:
 *  - a still scene with a noisy map converges: the output's frame-to-frame change
 *    is a small fraction of the input's, and it stays near the mean;
 *  - no ghost: a still pixel whose map changes for good gets there;
 *  - a moving edge is followed within one frame: where the image changed, the
 *    output is the new map exactly, on that frame;
 *  - a scene cut (the whole image changed) restarts from the new map;
 *  - reset forgets the past; strength 0 passes the map through;
 *  - reuse: a still input may skip the model (at most 15 frames in a row), a
 *    changed one may not, the counters count;
 *  - NCHW inputs, logits, a map smaller than the input;
 *  - on a pool of 2 and 3 threads (maps of 64K pixels and more run in row bands)
 *    every output is bit for bit the caller-alone one, over still, moving, reused
 *    and cut frames, for NHWC and NCHW inputs, probabilities and logits;
 *  - bd_pipeline with temporal = 1: the first frame equals temporal = 0, a
 *    repeated frame gives the same alpha, invalid options are refused.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/threadpool.h"
#include "harness.h"
#include "image/image.h"

#define W 64
#define H 48

static const float ONE[3] = {1, 1, 1};

static unsigned rng = 12345;
static float noise(void) { /* uniform in [-1, 1] */
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) & 0xffff) / 32767.5f - 1.0f;
}

/* A still image (values k/255) and a map: left half person (0.9), right 0.1. */
static void scene(float *in, float *map, float nz) {
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            for (int c = 0; c < 3; c++) in[(y * W + x) * 3 + c] = (float)((x * 3 + y + c * 40) % 256) / 255.0f;
            map[y * W + x] = (x < W / 2 ? 0.9f : 0.1f) + nz * noise();
        }
}

static void test_still_converges(void) {
    bd_temporal *t = bd_temporal_create(W, H, 0, ONE, W, H, 0.8f, BD_ISA_AUTO, NULL);
    CHECK(t != NULL);
    if (!t) return;
    float in[W * H * 3], map[W * H], prev_out[W * H];
    double raw_change = 0, out_change = 0, max_dev = 0;
    float prev_map[W * H];
    for (int f = 0; f < 60; f++) {
        scene(in, map, 0.08f);
        CHECK(!bd_temporal_can_reuse(t, in, 0));
        const float *o = bd_temporal_update(t, in, map, 0, 1);
        if (f == 0)
            for (int i = 0; i < W * H; i++) CHECK(o[i] == map[i]); /* the first frame as is */
        if (f >= 30) {
            for (int i = 0; i < W * H; i++) {
                raw_change += fabsf(map[i] - prev_map[i]);
                out_change += fabsf(o[i] - prev_out[i]);
                const float mean = (i % W) < W / 2 ? 0.9f : 0.1f;
                if (fabsf(o[i] - mean) > max_dev) max_dev = fabsf(o[i] - mean);
            }
        }
        memcpy(prev_out, o, sizeof prev_out);
        memcpy(prev_map, map, sizeof prev_map);
    }
    CHECK_MSG(out_change < 0.25 * raw_change, "still scene: output change %.1f vs map %.1f",
              out_change, raw_change);
    CHECK_MSG(max_dev < 0.2, "still scene: the output strays %.3f from the mean", max_dev);
    bd_temporal_free(t);
}

/* The model changes its mind on a still image (0.1 -> 0.9 on the right half):
 * the deadband must not hold the old value, no ghost stays. */
static void test_no_ghost(void) {
    bd_temporal *t = bd_temporal_create(W, H, 0, ONE, W, H, 0.8f, BD_ISA_AUTO, NULL); /* the default */
    float in[W * H * 3], map[W * H];
    scene(in, map, 0.0f);
    bd_temporal_can_reuse(t, in, 0);
    bd_temporal_update(t, in, map, 0, 1);
    for (int i = 0; i < W * H; i++) map[i] = 0.9f;
    const float *o = NULL;
    for (int f = 0; f < 150; f++) { /* 5 s at 30 fps */
        bd_temporal_can_reuse(t, in, 0);
        o = bd_temporal_update(t, in, map, 0, 1);
    }
    float worst = 0;
    for (int i = 0; i < W * H; i++) worst = fmaxf(worst, fabsf(o[i] - 0.9f));
    CHECK_MSG(worst < 0.02f, "after 150 still frames the output is still %.3f off", worst);
    bd_temporal_free(t);
}

/* After a still run, the right part of the image changes and the map there goes
 * to 1: on that very frame the output there is the map. */
static void test_moving_edge_followed(void) {
    bd_temporal *t = bd_temporal_create(W, H, 0, ONE, W, H, 1.0f, BD_ISA_AUTO, NULL);
    float in[W * H * 3], map[W * H];
    for (int f = 0; f < 10; f++) {
        scene(in, map, 0.0f);
        bd_temporal_can_reuse(t, in, 0);
        bd_temporal_update(t, in, map, 0, 1);
    }
    scene(in, map, 0.0f);
    for (int y = 0; y < H; y++)
        for (int x = W / 2; x < W / 2 + 16; x++) {
            for (int c = 0; c < 3; c++) in[(y * W + x) * 3 + c] = 1.0f - in[(y * W + x) * 3 + c] * 0.2f;
            map[y * W + x] = 0.95f;
        }
    bd_temporal_can_reuse(t, in, 0);
    const float *o = bd_temporal_update(t, in, map, 0, 1);
    int bad = 0;
    for (int y = 0; y < H; y++)
        for (int x = W / 2 + 3; x < W / 2 + 13; x++) bad += o[y * W + x] != map[y * W + x];
    CHECK_MSG(bad == 0, "%d pixels of the moving region lag", bad);
    /* the still left half kept its value */
    CHECK(fabsf(o[5 * W + 3] - 0.9f) < 1e-6f);
    bd_temporal_free(t);
}

static void test_cut_and_reset(void) {
    bd_temporal *t = bd_temporal_create(W, H, 0, ONE, W, H, 1.0f, BD_ISA_AUTO, NULL);
    float in[W * H * 3], map[W * H];
    for (int f = 0; f < 5; f++) {
        scene(in, map, 0.0f);
        bd_temporal_can_reuse(t, in, 0);
        bd_temporal_update(t, in, map, 0, 1);
    }
    /* a cut: every pixel changes, the map too */
    for (int i = 0; i < W * H * 3; i++) in[i] = 1.0f - in[i];
    for (int i = 0; i < W * H; i++) map[i] = 0.5f + 0.4f * noise();
    bd_temporal_can_reuse(t, in, 0);
    const float *o = bd_temporal_update(t, in, map, 0, 1);
    CHECK(memcmp(o, map, sizeof map) == 0);
    /* reset: a still frame with a different map is taken as is */
    bd_temporal_reset(t);
    for (int i = 0; i < W * H; i++) map[i] = 0.3f;
    bd_temporal_can_reuse(t, in, 0);
    o = bd_temporal_update(t, in, map, 0, 1);
    CHECK(memcmp(o, map, sizeof map) == 0);
    /* smooth = 0 passes through */
    for (int i = 0; i < W * H; i++) map[i] = 0.7f;
    bd_temporal_can_reuse(t, in, 0);
    o = bd_temporal_update(t, in, map, 0, 0);
    CHECK(memcmp(o, map, sizeof map) == 0);
    bd_temporal_free(t);
    /* strength 0: every frame as is */
    t = bd_temporal_create(W, H, 0, ONE, W, H, 0.0f, BD_ISA_AUTO, NULL);
    for (int f = 0; f < 4; f++) {
        scene(in, map, 0.1f);
        bd_temporal_can_reuse(t, in, 0);
        o = bd_temporal_update(t, in, map, 0, 1);
        int same = 1;
        for (int i = 0; i < W * H; i++) same &= fabsf(o[i] - map[i]) < 1e-6f;
        CHECK_MSG(same, "strength 0, frame %d", f);
    }
    bd_temporal_free(t);
}

static void test_reuse(void) {
    bd_temporal *t = bd_temporal_create(W, H, 0, ONE, W, H, 0.8f, BD_ISA_AUTO, NULL);
    float in[W * H * 3], map[W * H];
    scene(in, map, 0.0f);
    CHECK(!bd_temporal_can_reuse(t, in, 1)); /* nothing to reuse yet */
    bd_temporal_update(t, in, map, 0, 1);
    int reused = 0;
    for (int f = 0; f < 20; f++) reused += bd_temporal_can_reuse(t, in, 1);
    CHECK_MSG(reused == 15, "a still scene reused %d of 20 frames (15 at most in a row)", reused);
    bd_temporal_update(t, in, map, 0, 1); /* the model ran on the 16th */
    CHECK(bd_temporal_can_reuse(t, in, 1));
    CHECK(!bd_temporal_can_reuse(t, in, 0)); /* not allowed */
    /* a person moves again: a region changes, the model must run */
    for (int y = 10; y < 30; y++)
        for (int x = 10; x < 30; x++) in[(y * W + x) * 3] += 0.3f;
    CHECK(!bd_temporal_can_reuse(t, in, 1));
    int64_t frames = 0, n_reused = 0;
    bd_temporal_counts(t, &frames, &n_reused);
    CHECK_MSG(frames == 24 && n_reused == 16, "counts %lld, %lld", (long long)frames,
              (long long)n_reused);
    bd_temporal_free(t);
}

/* NCHW input, logits and a map half the input's size. */
static void test_layouts(void) {
    const float std[3] = {0.5f, 0.5f, 0.5f};
    bd_temporal *t = bd_temporal_create(W, H, 1, std, W / 2, H / 2, 0.8f, BD_ISA_AUTO, NULL);
    CHECK(t != NULL);
    float in[W * H * 3], map[W * H / 4];
    for (int i = 0; i < W * H * 3; i++) in[i] = (float)(i % 200) / 255.0f / 0.5f - 1.0f;
    for (int i = 0; i < W * H / 4; i++) map[i] = (float)(i % 9) - 4.0f; /* logits */
    bd_temporal_can_reuse(t, in, 0);
    const float *o = bd_temporal_update(t, in, map, 1, 1);
    int ok = 1;
    for (int i = 0; i < W * H / 4; i++) ok &= fabsf(o[i] - 1.0f / (1.0f + expf(-map[i]))) < 1e-6f;
    CHECK_MSG(ok, "logits are turned into probabilities on the first frame");
    /* NaN in the map: background, never NaN out */
    map[7] = NAN;
    bd_temporal_can_reuse(t, in, 0);
    o = bd_temporal_update(t, in, map, 1, 1);
    CHECK(o[7] == o[7] && o[7] >= 0.0f && o[7] <= 1.0f);
    bd_temporal_free(t);
}

/* Big maps (>= 64K pixels: the pool's row bands) at odd sizes: the smoother on 2
 * and 3 threads gives bit for bit what it gives on the caller's alone. Frames:
 * still with a noisy map, a region moving, still again (reuse allowed), a cut. */
#define BW 331
#define BH 203
static void run_big(bd_temporal *t, int planar, int in_w, int in_h, int logits, float *out,
                    int *n_reused) {
    const size_t n_in = (size_t)in_w * in_h * 3, n_map = (size_t)BW * BH;
    float *in = malloc(n_in * sizeof *in), *map = malloc(n_map * sizeof *map);
    rng = 777;
    *n_reused = 0;
    for (int f = 0; f < 12 && in && map; f++) {
        const int shift = f < 4 ? 0 : f < 7 ? 9 * (f - 3) : f < 11 ? 27 : 140;
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < in_h; y++)
                for (int x = 0; x < in_w; x++) {
                    const int moving = x > in_w / 3 && x < in_w / 2 && y > in_h / 4;
                    const int v = ((x + (moving || f == 11 ? shift : 0)) * 3 + y + c * 40) % 256;
                    const size_t i = planar ? ((size_t)c * in_h + y) * in_w + x
                                            : ((size_t)y * in_w + x) * 3 + c;
                    in[i] = (float)v / 255.0f;
                }
        for (size_t i = 0; i < n_map; i++) {
            const float pr = ((int)(i % BW) < BW / 2 ? 0.8f : 0.15f) + 0.1f * noise();
            map[i] = logits ? 6.0f * (pr - 0.5f) : pr;
        }
        if (f == 3) map[5] = NAN;
        if (bd_temporal_can_reuse(t, in, f >= 7 && f < 11)) {
            ++*n_reused;
            memcpy(out + (size_t)f * n_map, bd_temporal_state(t), n_map * sizeof *out);
        } else {
            memcpy(out + (size_t)f * n_map, bd_temporal_update(t, in, map, logits, 1),
                   n_map * sizeof *out);
        }
    }
    free(in);
    free(map);
}

static void test_threads(void) {
    const size_t n_out = (size_t)12 * BW * BH;
    float *ref = malloc(n_out * sizeof *ref), *got = malloc(n_out * sizeof *got);
    CHECK(ref && got);
    const float std[3] = {0.5f, 0.25f, 1.0f};
    const struct {
        int planar, in_w, in_h, logits;
    } cases[] = {{0, BW, BH, 0}, {1, BW, BH, 1}, {1, 2 * BW - 3, BH + 50, 0}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases && ref && got; c++) {
        int reused_ref = 0, reused = 0;
        bd_temporal *t = bd_temporal_create(cases[c].in_w, cases[c].in_h, cases[c].planar, std,
                                            BW, BH, 0.8f, BD_ISA_AUTO, NULL);
        CHECK(t != NULL);
        if (!t) break;
        run_big(t, cases[c].planar, cases[c].in_w, cases[c].in_h, cases[c].logits, ref,
                &reused_ref);
        bd_temporal_free(t);
        CHECK_MSG(reused_ref > 0, "case %zu: the still frames were reused", c);
        for (int n = 2; n <= 3; n++) {
            bd_threadpool *pool = NULL;
            CHECK(bd_threadpool_create(n, &pool) == BD_OK);
            t = bd_temporal_create(cases[c].in_w, cases[c].in_h, cases[c].planar, std, BW, BH,
                                   0.8f, BD_ISA_AUTO, pool);
            CHECK(t != NULL);
            if (t) {
                run_big(t, cases[c].planar, cases[c].in_w, cases[c].in_h, cases[c].logits, got,
                        &reused);
                CHECK_MSG(reused == reused_ref, "case %zu, %d threads: %d frames reused, not %d",
                          c, n, reused, reused_ref);
                size_t bad = 0;
                for (size_t i = 0; i < n_out; i++)
                    bad += memcmp(&got[i], &ref[i], sizeof *got) != 0;
                CHECK_MSG(bad == 0, "case %zu, %d threads: %zu of %zu outputs differ from 1 thread",
                          c, n, bad, n_out);
            }
            bd_temporal_free(t);
            bd_threadpool_free(pool);
        }
    }
    free(ref);
    free(got);
}

static void test_pipeline(void) {
    const char *models = getenv("BD_MODELS_DIR"), *src = getenv("BD_SOURCE_DIR");
    char path[1024], img[1024], err[256];
    snprintf(path, sizeof path, "%s/selfie_segmentation.tflite", models ? models : "models");
    snprintf(img, sizeof img, "%s/samples/astronaut.png", src ? src : ".");
    bd_model *m = NULL;
    bd_image_buf *photo = NULL;
    if (bd_model_create(NULL, &m) != BD_OK || bd_model_load_file(m, path) != BD_OK ||
        bd_image_read_file(img, BD_PIXEL_RGB24, NULL, &photo, err, sizeof err) != BD_OK) {
        harness_skip_data("no model or photo (%s, %s)", path, img);
        bd_model_free(m);
        return;
    }
    const bd_image *f = bd_image_view(photo);
    bd_pipeline *off = NULL, *on = NULL;
    bd_pipeline_options po;
    bd_pipeline_options_default(&po);
    CHECK(bd_pipeline_create(m, &po, &off) == BD_OK);
    po.temporal = 1;
    po.reuse = 1;
    CHECK(bd_pipeline_create(m, &po, &on) == BD_OK);
    bd_image_buf *a0 = NULL, *a1 = NULL, *a2 = NULL;
    bd_image_alloc(f->width, f->height, BD_PIXEL_GRAY8, &a0);
    bd_image_alloc(f->width, f->height, BD_PIXEL_GRAY8, &a1);
    bd_image_alloc(f->width, f->height, BD_PIXEL_GRAY8, &a2);
    if (off && on && a0 && a1 && a2) {
        CHECK(bd_pipeline_mask(off, f, bd_image_view(a0)) == BD_OK);
        CHECK(bd_pipeline_mask(on, f, bd_image_view(a1)) == BD_OK);
        const bd_image *v0 = bd_image_view(a0), *v1 = bd_image_view(a1), *v2 = bd_image_view(a2);
        long diff = 0;
        for (int y = 0; y < f->height; y++)
            diff += memcmp(v0->data + y * v0->stride_bytes, v1->data + y * v1->stride_bytes,
                           (size_t)f->width) != 0;
        CHECK_MSG(diff == 0, "first frame with temporal on differs in %ld rows", diff);
        for (int k = 0; k < 5; k++) CHECK(bd_pipeline_mask(on, f, bd_image_view(a2)) == BD_OK);
        diff = 0;
        for (int y = 0; y < f->height; y++)
            diff += memcmp(v1->data + y * v1->stride_bytes, v2->data + y * v2->stride_bytes,
                           (size_t)f->width) != 0;
        CHECK_MSG(diff == 0, "a repeated frame changed the alpha in %ld rows", diff);
        bd_pipeline_stats st = {.struct_size = sizeof st};
        CHECK(bd_pipeline_get_stats(on, &st) == BD_OK);
        CHECK_MSG(st.frames == 6 && st.reused == 5, "stats: %lld frames, %lld reused",
                  (long long)st.frames, (long long)st.reused);
        CHECK(bd_pipeline_reset_state(on) == BD_OK);
    }
    bd_pipeline *bad = NULL;
    po.temporal = 2;
    CHECK(bd_pipeline_create(m, &po, &bad) == BD_ERR_INVALID_ARG);
    po.temporal = 1;
    po.temporal_strength = 1.5f;
    CHECK(bd_pipeline_create(m, &po, &bad) == BD_ERR_INVALID_ARG);
    po.temporal_strength = NAN;
    CHECK(bd_pipeline_create(m, &po, &bad) == BD_ERR_INVALID_ARG);
    CHECK(bad == NULL);
    CHECK(bd_pipeline_get_stats(NULL, NULL) == BD_ERR_INVALID_ARG);
    bd_image_free(a0);
    bd_image_free(a1);
    bd_image_free(a2);
    bd_pipeline_free(off);
    bd_pipeline_free(on);
    bd_image_free(photo);
    bd_model_free(m);
}

int main(void) {
    RUN(test_still_converges);
    RUN(test_moving_edge_followed);
    RUN(test_no_ghost);
    RUN(test_cut_and_reset);
    RUN(test_reuse);
    RUN(test_layouts);
    RUN(test_threads);
    RUN(test_pipeline);
    return harness_finish();
}
