/*
 * image_buf.c -- owned image buffers (bd_image_alloc / bd_image_free), pixel
 * format sizes, decode limits and view validation.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"

int bd_pixel_format_bpp(bd_pixel_format format) {
    switch (format) {
    case BD_PIXEL_GRAY8: return 1;
    case BD_PIXEL_RGB24: return 3;
    case BD_PIXEL_RGBA32: return 4;
    default: return 0;
    }
}

void bd_image_limits_default(bd_image_limits *limits) {
    if (!limits) return;
    memset(limits, 0, sizeof *limits);
    limits->struct_size = sizeof *limits;
    limits->max_width = 16384;
    limits->max_height = 16384;
    limits->max_pixels = (size_t)100 * 1000 * 1000;
}

bd_status bd_image_alloc(int width, int height, bd_pixel_format format, bd_image_buf **out) {
    int bpp = bd_pixel_format_bpp(format);
    if (!out || bpp == 0 || width < 1 || height < 1) return BD_ERR_INVALID_ARG;
    if (width > BD_IMAGE_MAX_DIM || height > BD_IMAGE_MAX_DIM) return BD_ERR_LIMIT;

    /* stride = width * bpp rounded up to 64 bytes, so every row starts aligned */
    size_t row_bytes, stride, total;
    if (!bd_size_mul((size_t)width, (size_t)bpp, &row_bytes) ||
        !bd_size_align(row_bytes, &stride) || !bd_size_mul(stride, (size_t)height, &total))
        return BD_ERR_LIMIT;
    if (total > BD_IMAGE_MAX_BYTES) return BD_ERR_LIMIT;

    bd_image_buf *img = calloc(1, sizeof *img);
    if (!img) return BD_ERR_NO_MEMORY;
    img->pixels = bd_aligned_alloc(total);
    if (!img->pixels) {
        free(img);
        return BD_ERR_NO_MEMORY;
    }
    memset(img->pixels, 0, total);
    img->view.width = width;
    img->view.height = height;
    img->view.format = format;
    img->view.stride_bytes = stride;
    img->view.data = img->pixels;
    *out = img;
    return BD_OK;
}

const bd_image *bd_image_view(const bd_image_buf *img) { return img ? &img->view : NULL; }

void bd_image_free(bd_image_buf *img) {
    if (!img) return;
    bd_aligned_free(img->pixels);
    free(img);
}

bd_status bd_image_check(const bd_image *img, unsigned allowed_formats, const char *what,
                         bd_err *err) {
    if (!img) return bd_err_set(err, BD_ERR_INVALID_ARG, "%s: image is NULL", what);
    int bpp = bd_pixel_format_bpp(img->format);
    if (bpp == 0)
        return bd_err_set(err, BD_ERR_INVALID_ARG, "%s: unknown pixel format %d", what,
                          (int)img->format);
    if (allowed_formats && !(allowed_formats & BD_FMT_BIT(img->format)))
        return bd_err_set(err, BD_ERR_INVALID_ARG, "%s: pixel format %s is not allowed here",
                          what,
                          img->format == BD_PIXEL_GRAY8   ? "GRAY8"
                          : img->format == BD_PIXEL_RGB24 ? "RGB24"
                                                          : "RGBA32");
    if (img->width < 1 || img->height < 1 || img->width > BD_IMAGE_MAX_DIM ||
        img->height > BD_IMAGE_MAX_DIM)
        return bd_err_set(err, BD_ERR_INVALID_ARG, "%s: size %dx%d is out of range 1..%d",
                          what, img->width, img->height, BD_IMAGE_MAX_DIM);
    if (!img->data) return bd_err_set(err, BD_ERR_INVALID_ARG, "%s: data is NULL", what);
    if (img->stride_bytes < (size_t)img->width * (size_t)bpp)
        return bd_err_set(err, BD_ERR_INVALID_ARG,
                          "%s: stride %zu bytes is less than width %d x %d bytes per pixel",
                          what, img->stride_bytes, img->width, bpp);
    size_t span;
    if (!bd_size_mul(img->stride_bytes, (size_t)img->height, &span) || span > PTRDIFF_MAX)
        return bd_err_set(err, BD_ERR_INVALID_ARG, "%s: stride %zu bytes x %d rows overflows",
                          what, img->stride_bytes, img->height);
    return BD_OK;
}
