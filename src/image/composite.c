/*
 * composite.c -- alpha compositing of the frame over a background, and the
 * transparent (RGBA) output.
 *
 * With a = alpha in 0..255 (255 = person):
 *     out = (a * f + (255 - a) * b + 127) / 255
 * the exact rounded mix, computed without a division by bd_div255 (the sum
 * plus 127 is at most 255 * 255 + 127 = 65152, inside its exact range). a = 255
 * gives exactly f and a = 0 exactly b.
 *
 * Source formats are handled by byte offsets chosen once per call (gray reads
 * the same byte three times; RGBA skips A), so the inner loop has no branches
 * on the format.
 */
#include "image/image.h"

void bd_image_composite(const bd_image *frame, const bd_image *alpha, const bd_image *bg,
                        const uint8_t color[3], const bd_image *out) {
    const int w = frame->width, h = frame->height;
    const size_t fbpp = (size_t)bd_pixel_format_bpp(frame->format);
    const size_t obpp = (size_t)bd_pixel_format_bpp(out->format);
    const size_t f1 = frame->format == BD_PIXEL_GRAY8 ? 0 : 1;
    const size_t f2 = frame->format == BD_PIXEL_GRAY8 ? 0 : 2;
    /* A solid colour is a background with a zero step: every pixel reads color. */
    const size_t bstep = bg ? 3 : 0;
    for (int y = 0; y < h; y++) {
        const uint8_t *f = frame->data + (size_t)y * frame->stride_bytes;
        const uint8_t *a = alpha->data + (size_t)y * alpha->stride_bytes;
        const uint8_t *b = bg ? bg->data + (size_t)y * bg->stride_bytes : color;
        uint8_t *o = out->data + (size_t)y * out->stride_bytes;
        for (int x = 0; x < w; x++) {
            const uint32_t av = a[x], ia = 255u - av;
            o[0] = (uint8_t)bd_div255(av * f[0] + ia * b[0] + 127u);
            o[1] = (uint8_t)bd_div255(av * f[f1] + ia * b[1] + 127u);
            o[2] = (uint8_t)bd_div255(av * f[f2] + ia * b[2] + 127u);
            if (obpp == 4) o[3] = 255;
            f += fbpp;
            b += bstep;
            o += obpp;
        }
    }
}

void bd_image_attach_alpha(const bd_image *frame, const bd_image *alpha, const bd_image *out) {
    const int w = frame->width, h = frame->height;
    const size_t fbpp = (size_t)bd_pixel_format_bpp(frame->format);
    const size_t f1 = frame->format == BD_PIXEL_GRAY8 ? 0 : 1;
    const size_t f2 = frame->format == BD_PIXEL_GRAY8 ? 0 : 2;
    for (int y = 0; y < h; y++) {
        const uint8_t *f = frame->data + (size_t)y * frame->stride_bytes;
        const uint8_t *a = alpha->data + (size_t)y * alpha->stride_bytes;
        uint8_t *o = out->data + (size_t)y * out->stride_bytes;
        for (int x = 0; x < w; x++) {
            o[0] = f[0];
            o[1] = f[f1];
            o[2] = f[f2];
            o[3] = a[x];
            f += fbpp;
            o += 4;
        }
    }
}
