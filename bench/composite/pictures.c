/*
 * pictures.c -- makes the pictures of docs/COMPOSITE.md from a real photo:
 * each background mode, the edge refinement before/after (alpha and
 * composite, cropped around the hair), feathering and light wrap.
 *
 *   pictures MODEL.tflite PHOTO OUTDIR
 *
 * Writes PNGs: modes_*.png (quarter size), refine_*.png (crops, side by side:
 * photo | alpha without | alpha with refinement), wrap_*.png (crops). The
 * background for the image mode is generated (a warm sunset gradient with
 * soft discs), so the tool needs nothing but the model and the photo.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backdrop.h"
#include "image/image.h"

static bd_model *model;
static const char *outdir;

static void die(const char *what, const char *msg) {
    fprintf(stderr, "pictures: %s: %s\n", what, msg);
    exit(1);
}

static bd_image_buf *alloc(int w, int h, bd_pixel_format f) {
    bd_image_buf *b = NULL;
    if (bd_image_alloc(w, h, f, &b) != BD_OK) die("alloc", "out of memory");
    return b;
}

static void save(const char *name, const bd_image *img) {
    char path[1024], err[256];
    snprintf(path, sizeof path, "%s/%s", outdir, name);
    if (bd_image_write_file(path, img, 0, err, sizeof err) != BD_OK) die(path, err);
    printf("wrote %s\n", path);
}

/* A w x h copy of region (x0, y0, cw, ch) of src scaled by 1/div (area-ish via
 * the bilinear resampler, fine for div <= 2) or cropped (div 1). */
static bd_image_buf *crop(const bd_image *src, int x0, int y0, int cw, int ch, int div) {
    bd_image sub = *src;
    const int bpp = bd_pixel_format_bpp(src->format);
    sub.data = src->data + (size_t)y0 * src->stride_bytes + (size_t)x0 * bpp;
    sub.width = cw;
    sub.height = ch;
    bd_image_buf *out = alloc(cw / div, ch / div, BD_PIXEL_RGB24);
    bd_linear_axis ax = {0}, ay = {0};
    bd_linear_axis_set(&ax, cw, cw / div, (double)div, 0.0);
    bd_linear_axis_set(&ay, ch, ch / div, (double)div, 0.0);
    bd_image_resample_rgb(&sub, &ax, &ay, bd_image_view(out));
    bd_linear_axis_free(&ax);
    bd_linear_axis_free(&ay);
    return out;
}

/* Side by side: n RGB24 images of one height. */
static bd_image_buf *hconcat(bd_image_buf **parts, int n) {
    int w = 0, h = bd_image_view(parts[0])->height;
    for (int i = 0; i < n; i++) w += bd_image_view(parts[i])->width + (i ? 4 : 0);
    bd_image_buf *out = alloc(w, h, BD_PIXEL_RGB24);
    const bd_image *o = bd_image_view(out);
    for (int y = 0; y < h; y++) memset(o->data + (size_t)y * o->stride_bytes, 255, (size_t)w * 3);
    int x = 0;
    for (int i = 0; i < n; i++) {
        const bd_image *p = bd_image_view(parts[i]);
        for (int y = 0; y < h; y++)
            memcpy(o->data + (size_t)y * o->stride_bytes + (size_t)x * 3,
                   p->data + (size_t)y * p->stride_bytes, (size_t)p->width * 3);
        x += p->width + 4;
    }
    return out;
}

static bd_pipeline *pipeline(int refine, float feather, float wrap, float softness) {
    bd_pipeline_options o;
    bd_pipeline_options_default(&o);
    o.n_threads = 2;
    o.refine = refine;
    o.feather = feather;
    o.light_wrap = wrap;
    o.softness = softness;
    bd_pipeline *p = NULL;
    if (bd_pipeline_create(model, &o, &p) != BD_OK) die("pipeline", "cannot create");
    return p;
}

static bd_image_buf *replace(bd_pipeline *p, const bd_image *frame, const bd_background *bg,
                             bd_pixel_format of) {
    bd_image_buf *out = alloc(frame->width, frame->height, of);
    if (bd_pipeline_replace(p, frame, bg, bd_image_view(out)) != BD_OK)
        die("replace", bd_pipeline_last_error(p));
    return out;
}

/* RGBA over a checkerboard, for showing transparency. */
static bd_image_buf *over_checker(const bd_image *rgba) {
    bd_image_buf *out = alloc(rgba->width, rgba->height, BD_PIXEL_RGB24);
    const bd_image *o = bd_image_view(out);
    for (int y = 0; y < rgba->height; y++)
        for (int x = 0; x < rgba->width; x++) {
            const uint8_t *s = rgba->data + (size_t)y * rgba->stride_bytes + 4 * (size_t)x;
            uint8_t *d = o->data + (size_t)y * o->stride_bytes + 3 * (size_t)x;
            const int c = ((x / 16 + y / 16) & 1) ? 200 : 140;
            for (int k = 0; k < 3; k++)
                d[k] = (uint8_t)((s[k] * s[3] + c * (255 - s[3]) + 127) / 255);
        }
    return out;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: pictures MODEL.tflite PHOTO OUTDIR\n");
        return 2;
    }
    outdir = argv[3];
    if (bd_model_create(NULL, &model) != BD_OK || bd_model_load_file(model, argv[1]) != BD_OK)
        die(argv[1], bd_model_last_error(model));
    char err[256];
    bd_image_buf *photo = NULL;
    if (bd_image_read_file(argv[2], BD_PIXEL_RGB24, NULL, &photo, err, sizeof err) != BD_OK)
        die(argv[2], err);
    const bd_image *f = bd_image_view(photo);
    const int w = f->width, h = f->height;

    /* a sunset background: warm vertical gradient with soft light discs */
    bd_image_buf *bgimg = alloc(960, 640, BD_PIXEL_RGB24);
    const bd_image *bv = bd_image_view(bgimg);
    for (int y = 0; y < 640; y++)
        for (int x = 0; x < 960; x++) {
            double t = y / 640.0, v[3] = {250 - 120 * t, 170 - 110 * t, 90 + 60 * t};
            const double cx[3] = {200, 620, 820}, cy[3] = {180, 120, 420}, rr[3] = {90, 60, 120};
            for (int i = 0; i < 3; i++) {
                double d = hypot(x - cx[i], y - cy[i]) / rr[i];
                double g = d < 1 ? 0.5 * (1 - d * d) : 0;
                for (int c = 0; c < 3; c++) v[c] += (255 - v[c]) * g;
            }
            for (int c = 0; c < 3; c++)
                bv->data[(size_t)y * bv->stride_bytes + 3 * x + c] = (uint8_t)v[c];
        }

    /* 1. each background mode (quarter size) */
    bd_pipeline *plain = pipeline(0, 0.0f, 0.0f, 0.0f);
    struct {
        const char *name;
        bd_background bg;
    } modes[4] = {{"modes_image.png", {.kind = BD_BG_IMAGE, .image = bv}},
                  {"modes_blur.png", {.kind = BD_BG_BLUR, .blur_radius = 24}},
                  {"modes_color.png", {.kind = BD_BG_COLOR, .color = {0, 177, 64}}},
                  {"modes_transparent.png", {.kind = BD_BG_TRANSPARENT}}};
    for (int i = 0; i < 4; i++) {
        const int tr = modes[i].bg.kind == BD_BG_TRANSPARENT;
        bd_image_buf *o = replace(plain, f, &modes[i].bg, tr ? BD_PIXEL_RGBA32 : BD_PIXEL_RGB24);
        bd_image_buf *shown = tr ? over_checker(bd_image_view(o)) : NULL;
        const int div = w >= 1000 ? 4 : 2; /* keep the mode pictures small */
        bd_image_buf *small =
            crop(bd_image_view(shown ? shown : o), 0, 0, w - w % div, h - h % div, div);
        save(modes[i].name, bd_image_view(small));
        bd_image_free(small);
        bd_image_free(shown);
        bd_image_free(o);
    }

    /* 2. refinement: alpha and composite, without and with, around the hair */
    /* crops relative to the photo (tuned on astronaut.png: hair top-left of centre) */
    const int cw = (w < h ? w : h) * 2 / 5, ch = cw;
    const int cx = w * 3 / 10, cy = h / 50;
    bd_pipeline *refined = pipeline(1, 0.0f, 0.0f, 0.0f);
    bd_image_buf *a0 = alloc(w, h, BD_PIXEL_GRAY8), *a1 = alloc(w, h, BD_PIXEL_GRAY8);
    if (bd_pipeline_mask(plain, f, bd_image_view(a0)) != BD_OK ||
        bd_pipeline_mask(refined, f, bd_image_view(a1)) != BD_OK)
        die("mask", "failed");
    bd_image_buf *parts[3];
    parts[0] = crop(f, cx, cy, cw, ch, 1);
    parts[1] = crop(bd_image_view(a0), cx, cy, cw, ch, 1);
    parts[2] = crop(bd_image_view(a1), cx, cy, cw, ch, 1);
    bd_image_buf *row = hconcat(parts, 3);
    save("refine_alpha.png", bd_image_view(row));
    bd_image_free(row);
    for (int i = 0; i < 3; i++) bd_image_free(parts[i]);
    bd_background green = {.kind = BD_BG_COLOR, .color = {0, 177, 64}};
    bd_image_buf *c0 = replace(plain, f, &green, BD_PIXEL_RGB24);
    bd_image_buf *c1 = replace(refined, f, &green, BD_PIXEL_RGB24);
    parts[0] = crop(bd_image_view(c0), cx, cy, cw, ch, 1);
    parts[1] = crop(bd_image_view(c1), cx, cy, cw, ch, 1);
    row = hconcat(parts, 2);
    save("refine_composite.png", bd_image_view(row));
    bd_image_free(row);
    bd_image_free(parts[0]);
    bd_image_free(parts[1]);
    bd_image_free(c0);
    bd_image_free(c1);

    /* 3. feathering and light wrap on the image background, around the shoulder */
    const int sw = cw, sh = ch, sx = w / 2, sy = h / 6;
    bd_pipeline *feather = pipeline(0, 6.0f, 0.0f, 0.0f);
    bd_pipeline *wrap = pipeline(0, 0.0f, 0.8f, 0.0f);
    bd_background img = {.kind = BD_BG_IMAGE, .image = bv};
    bd_image_buf *o0 = replace(plain, f, &img, BD_PIXEL_RGB24);
    bd_image_buf *o1 = replace(feather, f, &img, BD_PIXEL_RGB24);
    bd_image_buf *o2 = replace(wrap, f, &img, BD_PIXEL_RGB24);
    parts[0] = crop(bd_image_view(o0), sx, sy, sw, sh, 1);
    parts[1] = crop(bd_image_view(o1), sx, sy, sw, sh, 1);
    parts[2] = crop(bd_image_view(o2), sx, sy, sw, sh, 1);
    row = hconcat(parts, 3);
    save("effects_feather_wrap.png", bd_image_view(row));
    bd_image_free(row);
    for (int i = 0; i < 3; i++) bd_image_free(parts[i]);
    bd_image_free(o0);
    bd_image_free(o1);
    bd_image_free(o2);

    bd_image_free(a0);
    bd_image_free(a1);
    bd_pipeline_free(plain);
    bd_pipeline_free(refined);
    bd_pipeline_free(feather);
    bd_pipeline_free(wrap);
    bd_image_free(bgimg);
    bd_image_free(photo);
    bd_model_free(model);
    return 0;
}
