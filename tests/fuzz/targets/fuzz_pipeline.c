/*
 * fuzz_pipeline.c -- libFuzzer target: the frame-format conversions and the
 * post-process on odd sizes and strides. A 12-byte header picks the frame's
 * format, size (1..40 x 1..40), row padding, the background kind, the output
 * format, the fit, the options (refinement, feathering, light wrap, temporal
 * smoothing, reuse, premultiplied) and either the whole pipeline with a fixed
 * model (bd_pipeline_replace, then bd_pipeline_mask) or the post-process alone
 * from a person map of 1..32 x 1..32 (bd_pipeline_composite_map); the rest of
 * the input fills the pixels and the map. Every buffer is allocated to the
 * exact size its view declares, so ASan sees any access past it. A wrong
 * combination (say YUV frame, RGBA out) must be refused, never crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bd_model *model;

/* Fills with the input's bytes, cycled (zeros when there are none). */
static void fill(uint8_t *p, size_t n, const uint8_t *src, size_t m, size_t *at) {
    for (size_t i = 0; i < n; i++) p[i] = m ? src[(*at)++ % m] : 0;
}

/* An image view of format f, w x h, rows padded by pad bytes, with its own
 * exactly sized buffers (freed by drop()). */
static int make(bd_image *im, bd_pixel_format f, int w, int h, int pad, const uint8_t *src,
                size_t m, size_t *at) {
    memset(im, 0, sizeof *im);
    im->width = w, im->height = h, im->format = f;
    im->stride_bytes = (size_t)w * (size_t)bd_pixel_format_bpp(f) + (size_t)pad;
    im->data = malloc(im->stride_bytes * (size_t)h);
    if (!im->data) return 0;
    fill(im->data, im->stride_bytes * (size_t)h, src, m, at);
    int planes = f == BD_PIXEL_NV12 ? 1 : f == BD_PIXEL_I420 ? 2 : 0;
    size_t c_row = f == BD_PIXEL_NV12 ? 2 * (((size_t)w + 1) / 2) : ((size_t)w + 1) / 2;
    for (int i = 0; i < planes; i++) {
        im->plane_stride_bytes[i] = c_row + (size_t)(pad / 2);
        size_t n = im->plane_stride_bytes[i] * (((size_t)h + 1) / 2);
        im->plane[i] = malloc(n);
        if (!im->plane[i]) return 0;
        fill(im->plane[i], n, src, m, at);
    }
    return 1;
}

static void drop(bd_image *im) {
    free(im->data);
    free(im->plane[0]);
    free(im->plane[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 12) return 0;
    const uint8_t *h = data, *rest = data + 12;
    size_t m = size - 12, at = 0;
    bd_pixel_format ff = (bd_pixel_format)(h[0] % 10 + 1);
    int w = h[1] % 40 + 1, ht = h[2] % 40 + 1, pad = h[3] % 16;
    if (ff == BD_PIXEL_YUYV && (w & 1)) w++; /* YUYV needs an even width */
    bd_background_kind kind = (bd_background_kind)(h[4] % 4 + 1);
    bd_pixel_format of = (h[5] & 0x80) ? ff : (bd_pixel_format)(h[5] % 10 + 1);
    int flags = h[6];
    int map_w = h[7] % 32 + 1, map_h = h[8] % 32 + 1;

    bd_pipeline_options po;
    bd_pipeline_options_default(&po);
    po.fit = h[9] % 3;
    po.refine = flags & 1;
    po.feather = (flags & 2) ? (float)(h[10] % 8) : 0.0f;
    po.light_wrap = (flags & 4) ? (float)(h[10] >> 4) / 15.0f : 0.0f;
    po.temporal = (flags >> 3) & 1;
    po.premultiplied = (flags >> 4) & 1;
    po.reuse = (flags >> 6) & 1;
    po.softness = (float)(h[11] % 4) / 4.0f;
    po.threshold = (float)(h[11] >> 4) / 15.0f;
    const int with_model = (flags >> 5) & 1;

    bd_image frame, out, bgimg, alpha;
    memset(&frame, 0, sizeof frame);
    memset(&out, 0, sizeof out);
    memset(&bgimg, 0, sizeof bgimg);
    memset(&alpha, 0, sizeof alpha);
    float *map = NULL;
    bd_pipeline *p = NULL;
    if (!make(&frame, ff, w, ht, pad, rest, m, &at) ||
        !make(&out, of, w, ht, (pad * 3) % 16, rest, m, &at) ||
        !make(&bgimg, BD_PIXEL_RGB24, h[10] % 23 + 1, h[11] % 19 + 1, pad & 3, rest, m, &at) ||
        !make(&alpha, BD_PIXEL_GRAY8, w, ht, pad & 7, rest, m, &at))
        goto done;
    bd_background bg = {
        .kind = kind, .image = &bgimg, .blur_radius = h[10] % 5, .color = {h[3], h[4], h[5]}};
    if (with_model) {
        if (bd_pipeline_create(fuzz_fixed_model("seg_nchw.onnx", &model), &po, &p) != BD_OK)
            goto done;
        for (int k = 0; k < 2; k++) /* twice: temporal state and reuse */
            (void)bd_pipeline_replace(p, &frame, &bg, &out);
        (void)bd_pipeline_mask(p, &frame, &alpha);
    } else {
        if (bd_pipeline_create_postprocess(&po, &p) != BD_OK) goto done;
        map = malloc(sizeof(float) * (size_t)map_w * (size_t)map_h);
        if (!map) goto done;
        for (int i = 0; i < map_w * map_h; i++)
            map[i] = m ? (float)rest[(at + (size_t)i) % m] / 255.0f : 0.5f;
        (void)bd_pipeline_composite_map(p, map, map_w, map_h, &frame, &bg, &out,
                                        (flags & 0x80) ? &alpha : NULL);
        (void)bd_pipeline_composite(p, &frame, &alpha, &bg, &out);
    }
done:
    bd_pipeline_free(p);
    free(map);
    drop(&frame);
    drop(&out);
    drop(&bgimg);
    drop(&alpha);
    return 0;
}
