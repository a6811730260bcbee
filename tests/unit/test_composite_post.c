/*
 * test_composite_post.c -- the fused post-process (src/image/post.c) through
 * the public API (bd_pipeline_create_postprocess, bd_pipeline_composite_map,
 * bd_pipeline_composite), without a model:
 *  - every frame format x background mode gives identical bytes for every
 *    kernel level (ref, AVX2, AVX-512 where the CPU has them) and thread count
 *    (1, 2, 3), on odd sizes (1x1, 3x7, 67x5, 130x33) and a 4K frame;
 *  - the fused alpha equals bd_mask_upsample (the plain reference) exactly;
 *  - alpha 255 gives the frame and alpha 0 the background, in every format
 *    (YUV composited natively: the background colour converted once);
 *  - the blur keeps a constant frame constant and does not let the person's
 *    colour into the background; its geometry does not grow with the radius;
 *  - fit policies: the mask lands where the letterboxed / cropped model saw it;
 *  - argument errors.
 * Tolerance: none (all results are compared byte for byte) unless stated.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdint.h>

#include "harness.h"
#include "image/image.h"
#include "image/post.h"

static uint32_t rng = 777;
static uint32_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static bd_image_buf *alloc_img(int w, int h, bd_pixel_format f) {
    bd_image_buf *b = NULL;
    return bd_image_alloc(w, h, f, &b) == BD_OK ? b : NULL;
}

/* Random bytes in every plane (within the pixel area; padding stays 0). */
static void fill_random(const bd_image *v) {
    const size_t row = (size_t)v->width * bd_pixel_format_bpp(v->format);
    for (int y = 0; y < v->height; y++)
        for (size_t i = 0; i < row; i++) v->data[(size_t)y * v->stride_bytes + i] = (uint8_t)rnd();
    const size_t crow = v->format == BD_PIXEL_NV12 ? 2 * (size_t)((v->width + 1) / 2)
                                                   : (size_t)((v->width + 1) / 2);
    for (int p = 0; p < 2; p++)
        if (v->plane[p])
            for (int y = 0; y < (v->height + 1) / 2; y++)
                for (size_t i = 0; i < crow; i++)
                    v->plane[p][(size_t)y * v->plane_stride_bytes[p] + i] = (uint8_t)rnd();
}

/* Compares the pixel bytes of two images of one format and size. */
static int same_pixels(const bd_image *a, const bd_image *b) {
    const size_t row = (size_t)a->width * bd_pixel_format_bpp(a->format);
    for (int y = 0; y < a->height; y++)
        if (memcmp(a->data + (size_t)y * a->stride_bytes, b->data + (size_t)y * b->stride_bytes,
                   row) != 0)
            return 0;
    const size_t crow = a->format == BD_PIXEL_NV12 ? 2 * (size_t)((a->width + 1) / 2)
                                                   : (size_t)((a->width + 1) / 2);
    for (int p = 0; p < 2; p++)
        if (a->plane[p])
            for (int y = 0; y < (a->height + 1) / 2; y++)
                if (memcmp(a->plane[p] + (size_t)y * a->plane_stride_bytes[p],
                           b->plane[p] + (size_t)y * b->plane_stride_bytes[p], crow) != 0)
                    return 0;
    return 1;
}

/* A map with a soft blob, saturated corners, and a few out-of-range values. */
static float *make_map(int w, int h) {
    float *m = malloc((size_t)w * h * sizeof *m);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double dx = (x + 0.5) / w - 0.5, dy = (y + 0.5) / h - 0.4;
            double v = 1.0 / (1.0 + exp(-(0.3 - sqrt(dx * dx + dy * dy)) * 30.0));
            if ((rnd() & 63) == 0) v += ((int)(rnd() % 5) - 2) * 0.3; /* noise, <0, >1 */
            m[y * w + x] = (float)v;
        }
    return m;
}

static int fx_refine, fx_feather;
static float fx_wrap;

static bd_pipeline *make_pipe(bd_isa isa, int threads, float softness, int premul) {
    bd_pipeline_options o;
    bd_pipeline_options_default(&o);
    o.isa = isa;
    o.n_threads = threads;
    o.softness = softness;
    o.premultiplied = premul;
    o.refine = fx_refine;
    o.refine_radius = fx_refine ? 5 : 0;
    o.feather = (float)fx_feather;
    o.light_wrap = fx_wrap;
    bd_pipeline *p = NULL;
    CHECK(bd_pipeline_create_postprocess(&o, &p) == BD_OK);
    return p;
}

static const bd_pixel_format ALL[] = {BD_PIXEL_RGB24,  BD_PIXEL_BGR24,  BD_PIXEL_RGBA32,
                                      BD_PIXEL_BGRA32, BD_PIXEL_RGBX32, BD_PIXEL_BGRX32,
                                      BD_PIXEL_YUYV,   BD_PIXEL_NV12,   BD_PIXEL_I420};
#define N_ALL ((int)(sizeof ALL / sizeof ALL[0]))

/* Runs one composite of `frame` with background kind k; returns the output. */
static bd_image_buf *run(bd_pipeline *p, const float *map, int mw, int mh, const bd_image *frame,
                         bd_background_kind k, int radius, const bd_image *bgimg,
                         bd_image_buf **alpha) {
    const int transparent = k == BD_BG_TRANSPARENT;
    bd_pixel_format of = transparent ? (frame->format == BD_PIXEL_BGR24 ? BD_PIXEL_BGRA32
                                                                        : BD_PIXEL_RGBA32)
                                     : frame->format;
    bd_image_buf *out = alloc_img(frame->width, frame->height, of);
    if (alpha) *alpha = alloc_img(frame->width, frame->height, BD_PIXEL_GRAY8);
    bd_background bg = {0};
    bg.kind = k;
    bg.blur_radius = radius;
    bg.color[0] = 200, bg.color[1] = 30, bg.color[2] = 90;
    bg.image = bgimg;
    bd_status st = bd_pipeline_composite_map(p, map, mw, mh, frame, &bg, bd_image_view(out),
                                             alpha ? bd_image_view(*alpha) : NULL);
    CHECK_MSG(st == BD_OK, "%s %s kind %d: %s", bd_pixel_format_name(frame->format),
              bd_status_str(st), k, bd_pipeline_last_error(p));
    return out;
}

static void levels_and_threads(int n_sizes) {
    const int sizes[][2] = {{130, 33}, {3, 7}, {1, 1}, {67, 5}, {3840, 6}};
    const bd_isa isas[] = {BD_ISA_REF, BD_ISA_AVX2, BD_ISA_AVX512};
    bd_image_buf *bgimg = alloc_img(50, 31, BD_PIXEL_RGB24);
    fill_random(bd_image_view(bgimg));
    for (int s = 0; s < n_sizes; s++) {
        const int w = sizes[s][0], h = sizes[s][1];
        const int mw = 37, mh = 19;
        float *map = make_map(mw, mh);
        for (int fi = 0; fi < N_ALL; fi++) {
            const bd_pixel_format fmt = ALL[fi];
            if (fmt == BD_PIXEL_YUYV && (w & 1)) continue; /* YUYV needs an even width */
            bd_image_buf *frame = alloc_img(w, h, fmt);
            fill_random(bd_image_view(frame));
            const bd_background_kind kinds[] = {BD_BG_IMAGE, BD_BG_COLOR, BD_BG_BLUR, BD_BG_BLUR,
                                                BD_BG_BLUR, BD_BG_TRANSPARENT};
            const int radii[] = {0, 0, 1, 5, 33, 0};
            for (int ki = 0; ki < 6; ki++) {
                if (kinds[ki] == BD_BG_TRANSPARENT && bd_format_is_yuv(fmt)) continue;
                if (kinds[ki] == BD_BG_TRANSPARENT && fmt != BD_PIXEL_RGB24 &&
                    fmt != BD_PIXEL_BGR24 && fmt != BD_PIXEL_RGBA32)
                    continue;
                for (int premul = 0; premul < (kinds[ki] == BD_BG_TRANSPARENT ? 2 : 1); premul++) {
                    bd_image_buf *want = NULL, *want_a = NULL;
                    for (int li = 0; li < 3; li++) {
                        const bd_img_kernels *k = bd_img_kernels_get(isas[li]);
                        if (k->isa != isas[li]) continue; /* level not available */
                        for (int t = 1; t <= 3; t++) {
                            if (li > 0 && t == 3 && s != 0) continue; /* keep the test short */
                            bd_pipeline *p = make_pipe(isas[li], t, 0.15f, premul);
                            bd_image_buf *a = NULL;
                            bd_image_buf *o = run(p, map, mw, mh, bd_image_view(frame), kinds[ki],
                                                  radii[ki], bd_image_view(bgimg), &a);
                            if (!want) {
                                want = o;
                                want_a = a;
                            } else {
                                CHECK_MSG(same_pixels(bd_image_view(o), bd_image_view(want)),
                                          "%dx%d %s kind %d r %d premul %d: %s t=%d differs",
                                          w, h, bd_pixel_format_name(fmt), kinds[ki], radii[ki],
                                          premul, bd_isa_name(isas[li]), t);
                                CHECK(same_pixels(bd_image_view(a), bd_image_view(want_a)));
                                bd_image_free(o);
                                bd_image_free(a);
                            }
                            bd_pipeline_free(p);
                        }
                    }
                    bd_image_free(want);
                    bd_image_free(want_a);
                }
            }
            bd_image_free(frame);
        }
        free(map);
    }
    bd_image_free(bgimg);
}

/* The fused alpha equals the plain reference upsampler. */
static void test_alpha_reference(void) {
    const int cases[][4] = {{256, 144, 1280, 720}, {37, 19, 67, 5}, {512, 256, 1920, 1080},
                            {5, 5, 1, 1},          {300, 200, 100, 50}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const int mw = cases[c][0], mh = cases[c][1], w = cases[c][2], h = cases[c][3];
        float *map = make_map(mw, mh);
        for (int soft = 0; soft < 2; soft++) {
            bd_pipeline *p = make_pipe(BD_ISA_AUTO, 2, soft ? 0.2f : 0.0f, 0);
            bd_image_buf *frame = alloc_img(w, h, BD_PIXEL_RGB24);
            bd_image_buf *a = alloc_img(w, h, BD_PIXEL_GRAY8), *r = alloc_img(w, h, BD_PIXEL_GRAY8);
            CHECK(bd_pipeline_composite_map(p, map, mw, mh, bd_image_view(frame), NULL, NULL,
                                            bd_image_view(a)) == BD_OK);
            bd_linear_axis ax = {0}, ay = {0};
            bd_linear_axis_set(&ax, mw, w, (double)mw / w, 0.0);
            bd_linear_axis_set(&ay, mh, h, (double)mh / h, 0.0);
            bd_mask_params mp = {0.5f, soft ? 0.2f : 0.0f};
            bd_mask_upsample(map, mw, mh, &ax, &ay, &mp, NULL, bd_image_view(r));
            CHECK_MSG(same_pixels(bd_image_view(a), bd_image_view(r)), "map %dx%d -> %dx%d soft %d",
                      mw, mh, w, h, soft);
            bd_linear_axis_free(&ax);
            bd_linear_axis_free(&ay);
            bd_image_free(frame);
            bd_image_free(a);
            bd_image_free(r);
            bd_pipeline_free(p);
        }
        free(map);
    }
}

/* Alpha 255 keeps the frame, alpha 0 gives the background (colour), per format. */
static void test_extremes(void) {
    for (int fi = 0; fi < N_ALL; fi++) {
        const bd_pixel_format fmt = ALL[fi];
        const int w = 34, h = 9;
        bd_image_buf *frame = alloc_img(w, h, fmt);
        fill_random(bd_image_view(frame));
        float one = 1.0f, zero = 0.0f;
        bd_pipeline *p = make_pipe(BD_ISA_AUTO, 2, 0.0f, 0);
        bd_image_buf *o = run(p, &one, 1, 1, bd_image_view(frame), BD_BG_COLOR, 0, NULL, NULL);
        /* packed formats with a 4th byte: it is forced to 255 */
        const bd_image *fv = bd_image_view(frame), *ov = bd_image_view(o);
        int ok = 1, off[4];
        if (bd_format_is_rgb_family(fmt)) {
            bd_format_rgba_offsets(fmt, off);
            const int bpp = bd_pixel_format_bpp(fmt);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    for (int c = 0; c < bpp; c++) {
                        uint8_t want = fv->data[y * fv->stride_bytes + x * bpp + c];
                        if (c == 3) want = 255;
                        ok &= ov->data[y * ov->stride_bytes + x * bpp + c] == want;
                    }
        } else {
            ok = same_pixels(fv, ov);
        }
        CHECK_MSG(ok, "%s: alpha 255 must give the frame", bd_pixel_format_name(fmt));
        bd_image_free(o);
        o = run(p, &zero, 1, 1, bd_image_view(frame), BD_BG_COLOR, 0, NULL, NULL);
        ov = bd_image_view(o);
        const uint8_t rgb[3] = {200, 30, 90};
        uint8_t yuv[3];
        bd_rgb_to_yuv(rgb, yuv);
        ok = 1;
        if (bd_format_is_rgb_family(fmt)) {
            const int bpp = bd_pixel_format_bpp(fmt);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    const uint8_t *q = ov->data + y * ov->stride_bytes + x * bpp;
                    ok &= q[off[0]] == 200 && q[off[1]] == 30 && q[off[2]] == 90;
                }
        } else if (fmt == BD_PIXEL_YUYV) {
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x += 2) {
                    const uint8_t *q = ov->data + y * ov->stride_bytes + x * 2;
                    ok &= q[0] == yuv[0] && q[1] == yuv[1] && q[2] == yuv[0] && q[3] == yuv[2];
                }
        } else {
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) ok &= ov->data[y * ov->stride_bytes + x] == yuv[0];
            for (int y = 0; y < (h + 1) / 2; y++)
                for (int x = 0; x < (w + 1) / 2; x++) {
                    if (fmt == BD_PIXEL_NV12) {
                        const uint8_t *q = ov->plane[0] + y * ov->plane_stride_bytes[0] + 2 * x;
                        ok &= q[0] == yuv[1] && q[1] == yuv[2];
                    } else {
                        ok &= ov->plane[0][y * ov->plane_stride_bytes[0] + x] == yuv[1] &&
                              ov->plane[1][y * ov->plane_stride_bytes[1] + x] == yuv[2];
                    }
                }
        }
        CHECK_MSG(ok, "%s: alpha 0 must give the colour", bd_pixel_format_name(fmt));
        bd_image_free(o);
        bd_image_free(frame);
        bd_pipeline_free(p);
    }
}

/* Blur: constant stays constant; the person does not bleed into the blur. */
static void test_blur(void) {
    const int radii[] = {1, 3, 8, 9, 40, 100};
    for (size_t r = 0; r < sizeof radii / sizeof radii[0]; r++)
        for (int mode = 0; mode < 3; mode++) {
            const int w = 97, h = 41;
            bd_image_buf *f = alloc_img(w, h, BD_PIXEL_RGB24);
            const bd_image *fv = bd_image_view(f);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    uint8_t *q = fv->data + y * fv->stride_bytes + 3 * x;
                    q[0] = 200, q[1] = 13, q[2] = 0;
                }
            float map[4] = {0, 0, 0, 0};
            if (mode == 1) map[0] = map[1] = map[2] = map[3] = 1.0f; /* all person */
            if (mode == 2) map[0] = 1.0f, map[3] = 0.5f;
            bd_pipeline *p = make_pipe(BD_ISA_AUTO, 2, 0.0f, 0);
            bd_image_buf *o = run(p, map, 2, 2, fv, BD_BG_BLUR, radii[r], NULL, NULL);
            const bd_image *ov = bd_image_view(o);
            int ok = 1;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    const uint8_t *q = ov->data + y * ov->stride_bytes + 3 * x;
                    ok &= q[0] == 200 && q[1] == 13 && q[2] == 0;
                }
            CHECK_MSG(ok, "radius %d mode %d: a constant frame must stay constant", radii[r],
                      mode);
            bd_image_free(o);
            bd_image_free(f);
            bd_pipeline_free(p);
        }
    /* Left half a red person, right half blue background: the blurred
     * background next to the person must stay blue (a plain blur would be
     * purple there). The person's weight is 1/256 of a background pixel's, so
     * a trace of red is allowed: at most 3 levels. */
    const int w = 240, h = 60;
    bd_image_buf *f = alloc_img(w, h, BD_PIXEL_RGB24), *a = alloc_img(w, h, BD_PIXEL_GRAY8);
    const bd_image *fv = bd_image_view(f), *av = bd_image_view(a);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *q = fv->data + y * fv->stride_bytes + 3 * x;
            q[0] = x < w / 2 ? 255 : 0;
            q[2] = x < w / 2 ? 0 : 255;
            av->data[y * av->stride_bytes + x] = x < w / 2 ? 255 : 0;
        }
    for (int ri = 0; ri < 3; ri++) {
        const int radius = ri == 0 ? 4 : ri == 1 ? 12 : 30;
        bd_pipeline *p = make_pipe(BD_ISA_AUTO, 1, 0.0f, 0);
        bd_image_buf *o = alloc_img(w, h, BD_PIXEL_RGB24);
        bd_background bg = {.kind = BD_BG_BLUR, .blur_radius = radius};
        CHECK(bd_pipeline_composite(p, fv, av, &bg, bd_image_view(o)) == BD_OK);
        const bd_image *ov = bd_image_view(o);
        int max_red = 0;
        for (int y = 0; y < h; y++)
            for (int x = w / 2; x < w; x++) {
                const int red = ov->data[y * ov->stride_bytes + 3 * x];
                if (red > max_red) max_red = red;
            }
        CHECK_MSG(max_red <= 3, "radius %d: red %d leaked into the background", radius, max_red);
        bd_image_free(o);
        bd_pipeline_free(p);
    }
    bd_image_free(f);
    bd_image_free(a);
    /* geometry: the reduction factor grows with the radius, the box radius stays small */
    int fct, rr, np, prev = 0;
    for (int r = 1; r <= 96; r++) {
        bd_post_blur_geometry(r, &fct, &rr, &np);
        CHECK_MSG(fct >= 4 && fct >= prev - 2 && rr == 1 && np >= 1 && np <= 3,
                  "radius %d: factor %d box %d passes %d", r, fct, rr, np);
        prev = fct;
    }
}

/* Fit policies: a map whose left half is person, for a frame twice as wide as
 * the map's aspect: letterbox puts the frame in the map's middle rows. */
static void test_fit(void) {
    const int mw = 64, mh = 64, w = 256, h = 128;
    float *map = malloc(mw * mh * sizeof *map);
    for (int y = 0; y < mh; y++)
        for (int x = 0; x < mw; x++) map[y * mw + x] = (y >= 16 && y < 48 && x < 32) ? 1.0f : 0.0f;
    for (int fit = 0; fit < 3; fit++) {
        bd_pipeline_options o;
        bd_pipeline_options_default(&o);
        o.fit = fit;
        bd_pipeline *p = NULL;
        CHECK(bd_pipeline_create_postprocess(&o, &p) == BD_OK);
        bd_image_buf *frame = alloc_img(w, h, BD_PIXEL_RGB24), *a = alloc_img(w, h, BD_PIXEL_GRAY8);
        CHECK(bd_pipeline_composite_map(p, map, mw, mh, bd_image_view(frame), NULL, NULL,
                                        bd_image_view(a)) == BD_OK);
        const bd_image *av = bd_image_view(a);
#define A(x, y) av->data[(y) * av->stride_bytes + (x)]
        if (fit == BD_FIT_LETTERBOX) {
            /* frame rows 0..127 <-> map rows 16..47: all rows see the person on the left */
            CHECK_MSG(A(10, 2) == 255 && A(10, 125) == 255 && A(250, 64) == 0, "%d %d %d",
                      A(10, 2), A(10, 125), A(250, 64));
        } else if (fit == BD_FIT_STRETCH) {
            /* frame rows map to all 64 map rows: the top rows are background */
            CHECK(A(10, 2) == 0 && A(10, 64) == 255);
        } else {
            /* crop: frame rows 0..127 <-> map rows 0..63, frame columns 64..191 <->
             * map columns 0..63; outside, the map's edge columns extend */
            CHECK_MSG(A(10, 2) == 0 && A(10, 64) == 255 && A(100, 64) == 255 && A(200, 64) == 0,
                      "%d %d %d %d", A(10, 2), A(10, 64), A(100, 64), A(200, 64));
        }
#undef A
        bd_image_free(frame);
        bd_image_free(a);
        bd_pipeline_free(p);
    }
    free(map);
}

static void test_errors(void) {
    bd_pipeline *p = make_pipe(BD_ISA_AUTO, 1, 0.0f, 0);
    bd_image_buf *frame = alloc_img(8, 4, BD_PIXEL_NV12), *out = alloc_img(8, 4, BD_PIXEL_RGB24);
    float m = 0.5f;
    bd_background bg = {.kind = BD_BG_COLOR};
    /* a YUV frame composites in its own format */
    CHECK(bd_pipeline_composite_map(p, &m, 1, 1, bd_image_view(frame), &bg, bd_image_view(out),
                                    NULL) == BD_ERR_INVALID_ARG);
    CHECK(strstr(bd_pipeline_last_error(p), "own format") != NULL);
    bg.kind = BD_BG_TRANSPARENT;
    CHECK(bd_pipeline_composite_map(p, &m, 1, 1, bd_image_view(frame), &bg, bd_image_view(out),
                                    NULL) == BD_ERR_UNSUPPORTED);
    CHECK(bd_pipeline_composite_map(p, NULL, 1, 1, bd_image_view(frame), &bg, bd_image_view(out),
                                    NULL) == BD_ERR_INVALID_ARG);
    CHECK(bd_pipeline_composite_map(p, &m, 0, 1, bd_image_view(frame), &bg, bd_image_view(out),
                                    NULL) == BD_ERR_INVALID_ARG);
    /* a NV12 view without its chroma plane is rejected */
    bd_image bad = *bd_image_view(frame);
    bad.plane[0] = NULL;
    bg.kind = BD_BG_COLOR;
    CHECK(bd_pipeline_composite_map(p, &m, 1, 1, &bad, &bg, &bad, NULL) == BD_ERR_INVALID_ARG);
    /* no model: mask / replace are not available */
    bd_image_buf *a = alloc_img(8, 4, BD_PIXEL_GRAY8);
    CHECK(bd_pipeline_mask(p, bd_image_view(out), bd_image_view(a)) == BD_ERR_BAD_STATE);
    CHECK(bd_pipeline_replace(p, bd_image_view(out), &bg, bd_image_view(out)) == BD_ERR_BAD_STATE);
    /* options are checked */
    bd_pipeline_options o;
    bd_pipeline_options_default(&o);
    o.fit = 7;
    bd_pipeline *q = NULL;
    CHECK(bd_pipeline_create_postprocess(&o, &q) == BD_ERR_INVALID_ARG && q == NULL);
    bd_pipeline_options_default(&o);
    o.light_wrap = 2.0f;
    CHECK(bd_pipeline_create_postprocess(&o, &q) == BD_ERR_INVALID_ARG && q == NULL);
    bd_image_free(a);
    bd_image_free(frame);
    bd_image_free(out);
    bd_pipeline_free(p);
}

static void test_levels_and_threads(void) { levels_and_threads(5); }

/* The same with refinement, feathering and light wrap on. */
static void test_effects_levels_and_threads(void) {
    fx_refine = 1;
    fx_feather = 3;
    fx_wrap = 0.6f;
    levels_and_threads(3);
    fx_refine = fx_feather = 0;
    fx_wrap = 0.0f;
}

/* Refinement follows the frame's edges: a frame with a sharp vertical edge
 * (dark left, bright right) and a blurry map whose transition straddles it:
 * the refined alpha steps at the frame's edge, the plain one ramps. */
static void test_refine_edge(void) {
    const int w = 160, h = 40, mw = 16, mh = 4;
    float map[16 * 4];
    for (int y = 0; y < mh; y++)
        for (int x = 0; x < mw; x++) map[y * mw + x] = x < 6 ? 1.0f : x > 9 ? 0.0f : (9 - x) / 4.0f;
    bd_image_buf *frame = alloc_img(w, h, BD_PIXEL_RGB24);
    const bd_image *fv = bd_image_view(frame);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            memset(fv->data + y * fv->stride_bytes + 3 * x, x < 80 ? 40 : 220, 3);
    bd_image_buf *a[2];
    for (int r = 0; r < 2; r++) {
        bd_pipeline_options o;
        bd_pipeline_options_default(&o);
        o.refine = r;
        o.refine_radius = 12;
        bd_pipeline *p = NULL;
        CHECK(bd_pipeline_create_postprocess(&o, &p) == BD_OK);
        a[r] = alloc_img(w, h, BD_PIXEL_GRAY8);
        CHECK(bd_pipeline_composite_map(p, map, mw, mh, fv, NULL, NULL, bd_image_view(a[r])) ==
              BD_OK);
        bd_pipeline_free(p);
    }
    const bd_image *a0 = bd_image_view(a[0]), *a1 = bd_image_view(a[1]);
    const int y = 20;
    /* plain: a ramp across x = 60..100; refined: close to a step at x = 80 */
    const int p70 = a0->data[y * a0->stride_bytes + 70], p90 = a0->data[y * a0->stride_bytes + 90];
    const int r70 = a1->data[y * a1->stride_bytes + 70], r90 = a1->data[y * a1->stride_bytes + 90];
    CHECK_MSG(p70 - p90 < 140, "plain %d %d", p70, p90);
    CHECK_MSG(r70 > p70 && r90 < p90 && r70 - r90 > p70 - p90 + 20, "refined %d %d vs plain %d %d",
              r70, r90, p70, p90);
    bd_image_free(a[0]);
    bd_image_free(a[1]);
    bd_image_free(frame);
}

int main(void) {
    RUN(test_alpha_reference);
    RUN(test_extremes);
    RUN(test_blur);
    RUN(test_fit);
    RUN(test_errors);
    RUN(test_refine_edge);
    RUN(test_levels_and_threads);
    RUN(test_effects_levels_and_threads);
    return harness_finish();
}
