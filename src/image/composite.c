/*
 * composite.c -- single-threaded compositing helpers over whole images
 * (bd_image_composite, bd_image_attach_alpha), built on the row kernels of
 * img_kernels.h. The pipeline itself uses the fused, threaded post-process
 * (post.c); these serve callers that already hold a full-resolution alpha and
 * the tests.
 *
 * With a = alpha in 0..255 (255 = person):
 *     out = (a * f + (255 - a) * b + 127) / 255
 * the exact rounded mix; a = 255 gives exactly f and a = 0 exactly b.
 */
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "image/hlerp.h"

/* Converts one row of n pixels between RGB-family formats (gray replicated,
 * a missing 4th byte written as 255). */
static void convert_row(const uint8_t *src, bd_pixel_format sf, uint8_t *dst, bd_pixel_format df,
                        int n) {
    int so[4], d[4];
    bd_format_rgba_offsets(sf, so);
    bd_format_rgba_offsets(df, d);
    const size_t sb = (size_t)bd_pixel_format_bpp(sf), db = (size_t)bd_pixel_format_bpp(df);
    for (int x = 0; x < n; x++) {
        const uint8_t *s = src + (size_t)x * sb;
        uint8_t *o = dst + (size_t)x * db;
        for (int c = 0; c < 3; c++) o[d[c]] = s[so[c]];
        if (d[3] >= 0) o[d[3]] = so[3] >= 0 ? s[so[3]] : 255;
    }
}

void bd_image_composite(const bd_image *frame, const bd_image *alpha, const bd_image *bg,
                        const uint8_t color[3], const bd_image *out) {
    const bd_img_kernels *k = bd_img_kernels_get(BD_ISA_AUTO);
    const int w = frame->width, h = frame->height;
    const int obpp = bd_pixel_format_bpp(out->format);
    int oo[4];
    bd_format_rgba_offsets(out->format, oo);
    /* one scratch row for the converted frame and one for the colour */
    uint8_t *tmp = malloc(3 * (size_t)w * 4 + 64);
    if (!tmp) return; /* out of memory: nothing is written */
    uint8_t *crow = tmp + (size_t)w * 4, *brow = crow + (size_t)w * 4;
    if (!bg)
        for (int x = 0; x < w; x++) {
            for (int c = 0; c < 3; c++) crow[(size_t)x * obpp + oo[c]] = color[c];
            if (oo[3] >= 0) crow[(size_t)x * obpp + oo[3]] = 255;
        }
    for (int y = 0; y < h; y++) {
        const uint8_t *f = frame->data + (size_t)y * frame->stride_bytes;
        const uint8_t *a = alpha->data + (size_t)y * alpha->stride_bytes;
        const uint8_t *b = bg ? bg->data + (size_t)y * bg->stride_bytes : crow;
        uint8_t *o = out->data + (size_t)y * out->stride_bytes;
        if (bg && bg->format != out->format) {
            convert_row(b, bg->format, brow, out->format, w);
            b = brow;
        }
        if (frame->format != out->format) {
            convert_row(f, frame->format, tmp, out->format, w);
            f = tmp;
        }
        if (obpp == 4)
            k->blend_c4(f, b, a, o, w, 0xff000000u);
        else
            k->blend_c3(f, b, a, o, w);
    }
    free(tmp);
}

void bd_image_attach_alpha(const bd_image *frame, const bd_image *alpha, const bd_image *out,
                           int premultiply) {
    const bd_img_kernels *k = bd_img_kernels_get(BD_ISA_AUTO);
    const int w = frame->width, h = frame->height;
    const bd_pixel_format want =
        out->format == BD_PIXEL_BGRA32 ? BD_PIXEL_BGR24 : BD_PIXEL_RGB24;
    uint8_t *tmp = frame->format != want ? malloc((size_t)w * 3 + 64) : NULL;
    if (frame->format != want && !tmp) return;
    for (int y = 0; y < h; y++) {
        const uint8_t *f = frame->data + (size_t)y * frame->stride_bytes;
        if (tmp) {
            convert_row(f, frame->format, tmp, want, w);
            f = tmp;
        }
        k->attach_c3(f, alpha->data + (size_t)y * alpha->stride_bytes,
                     out->data + (size_t)y * out->stride_bytes, w, premultiply);
    }
    free(tmp);
}
