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
    case BD_PIXEL_BGR24: return 3;
    case BD_PIXEL_BGRA32: return 4;
    case BD_PIXEL_RGBX32: return 4;
    case BD_PIXEL_BGRX32: return 4;
    case BD_PIXEL_YUYV: return 2;
    case BD_PIXEL_NV12: return 1; /* the Y plane */
    case BD_PIXEL_I420: return 1;
    default: return 0;
    }
}

const char *bd_pixel_format_name(bd_pixel_format format) {
    switch (format) {
    case BD_PIXEL_GRAY8: return "GRAY8";
    case BD_PIXEL_RGB24: return "RGB24";
    case BD_PIXEL_RGBA32: return "RGBA32";
    case BD_PIXEL_BGR24: return "BGR24";
    case BD_PIXEL_BGRA32: return "BGRA32";
    case BD_PIXEL_RGBX32: return "RGBX32";
    case BD_PIXEL_BGRX32: return "BGRX32";
    case BD_PIXEL_YUYV: return "YUYV";
    case BD_PIXEL_NV12: return "NV12";
    case BD_PIXEL_I420: return "I420";
    default: return "unknown";
    }
}

/* Chroma planes of a 4:2:0 format: count and bytes per row ((w+1)/2 samples). */
static int chroma_planes(bd_pixel_format f, int width, size_t *row_bytes) {
    const size_t cw = ((size_t)width + 1) / 2;
    if (f == BD_PIXEL_NV12) {
        *row_bytes = 2 * cw;
        return 1;
    }
    if (f == BD_PIXEL_I420) {
        *row_bytes = cw;
        return 2;
    }
    *row_bytes = 0;
    return 0;
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

    /* stride = width * bpp rounded up to 64 bytes, so every row starts aligned;
     * 4:2:0 chroma planes follow the Y plane in the same block. */
    size_t row_bytes, stride, total, c_row, c_stride = 0, c_plane = 0;
    const int n_chroma = chroma_planes(format, width, &c_row);
    if (!bd_size_mul((size_t)width, (size_t)bpp, &row_bytes) ||
        !bd_size_align(row_bytes, &stride) || !bd_size_mul(stride, (size_t)height, &total))
        return BD_ERR_LIMIT;
    if (n_chroma) {
        if (!bd_size_align(c_row, &c_stride) ||
            !bd_size_mul(c_stride, ((size_t)height + 1) / 2, &c_plane) ||
            !bd_size_add(total, c_plane * (size_t)n_chroma, &total))
            return BD_ERR_LIMIT;
    }
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
    for (int i = 0; i < n_chroma; i++) {
        img->view.plane[i] = img->pixels + stride * (size_t)height + c_plane * (size_t)i;
        img->view.plane_stride_bytes[i] = c_stride;
    }
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
                          what, bd_pixel_format_name(img->format));
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
    if (img->format == BD_PIXEL_YUYV && (img->width & 1))
        return bd_err_set(err, BD_ERR_INVALID_ARG, "%s: YUYV width %d is odd", what, img->width);
    size_t c_row;
    const int n_chroma = chroma_planes(img->format, img->width, &c_row);
    for (int i = 0; i < n_chroma; i++) {
        if (!img->plane[i])
            return bd_err_set(err, BD_ERR_INVALID_ARG, "%s: %s chroma plane %d is NULL", what,
                              bd_pixel_format_name(img->format), i);
        if (img->plane_stride_bytes[i] < c_row)
            return bd_err_set(err, BD_ERR_INVALID_ARG,
                              "%s: chroma plane %d stride %zu bytes is less than %zu", what, i,
                              img->plane_stride_bytes[i], c_row);
        if (!bd_size_mul(img->plane_stride_bytes[i], ((size_t)img->height + 1) / 2, &span) ||
            span > PTRDIFF_MAX)
            return bd_err_set(err, BD_ERR_INVALID_ARG, "%s: chroma plane %d size overflows",
                              what, i);
    }
    return BD_OK;
}

int bd_format_is_yuv(bd_pixel_format f) {
    return f == BD_PIXEL_YUYV || f == BD_PIXEL_NV12 || f == BD_PIXEL_I420;
}

int bd_format_is_rgb_family(bd_pixel_format f) {
    switch (f) {
    case BD_PIXEL_GRAY8:
    case BD_PIXEL_RGB24:
    case BD_PIXEL_BGR24:
    case BD_PIXEL_RGBA32:
    case BD_PIXEL_BGRA32:
    case BD_PIXEL_RGBX32:
    case BD_PIXEL_BGRX32: return 1;
    default: return 0;
    }
}

void bd_format_rgba_offsets(bd_pixel_format f, int off[4]) {
    const int bgr = f == BD_PIXEL_BGR24 || f == BD_PIXEL_BGRA32 || f == BD_PIXEL_BGRX32;
    const int bpp = bd_pixel_format_bpp(f);
    if (f == BD_PIXEL_GRAY8) {
        off[0] = off[1] = off[2] = 0;
        off[3] = -1;
        return;
    }
    off[0] = bgr ? 2 : 0;
    off[1] = 1;
    off[2] = bgr ? 0 : 2;
    off[3] = bpp == 4 ? 3 : -1;
}

void bd_yuv_to_rgb(int y, int u, int v, uint8_t rgb[3]) {
    /* BT.601 limited range, 8-bit integer inverse of bd_rgb_to_yuv. */
    const int c = y - 16, d = u - 128, e = v - 128;
    const int r = (298 * c + 409 * e + 128) >> 8;
    const int g = (298 * c - 100 * d - 208 * e + 128) >> 8;
    const int b = (298 * c + 516 * d + 128) >> 8;
    rgb[0] = (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
    rgb[1] = (uint8_t)(g < 0 ? 0 : g > 255 ? 255 : g);
    rgb[2] = (uint8_t)(b < 0 ? 0 : b > 255 ? 255 : b);
}

void bd_rgb_to_yuv(const uint8_t rgb[3], uint8_t yuv[3]) {
    /* BT.601 limited range, 8-bit integer form (as in most camera pipelines). */
    const int r = rgb[0], g = rgb[1], b = rgb[2];
    yuv[0] = (uint8_t)(((66 * r + 129 * g + 25 * b + 128) >> 8) + 16);
    yuv[1] = (uint8_t)(((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128);
    yuv[2] = (uint8_t)(((112 * r - 94 * g - 18 * b + 128) >> 8) + 128);
}
