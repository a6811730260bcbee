/*
 * png_codec.c -- PNG decoding and encoding with libpng.
 *
 * libpng reports errors by calling an error function that must not return; we
 * install one that records the message and longjmps back to the setjmp in the
 * calling function, which frees everything and returns a status. Warnings
 * (e.g. about ancillary chunks) are dropped silently: a library must not print.
 * Reading goes through our own read callback so that a short file is reported
 * as truncated rather than as libpng's generic "Read Error".
 *
 * Every PNG flavour (palette, 1/2/4/16-bit, gray, gray+alpha, tRNS, Adam7
 * interlace) is turned into 8-bit GRAY8 / RGB24 / RGBA32 by libpng transforms.
 */
#ifdef BD_WITH_CODECS

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"

enum { PNG_FAIL_CORRUPT, PNG_FAIL_TRUNCATED, PNG_FAIL_IO };

typedef struct png_ctx {
    FILE *f;
    int fail_kind;  /* PNG_FAIL_*: what the longjmp was about */
    char msg[256];  /* libpng's (or our callback's) message */
} png_ctx;

static void on_error(png_structp png, png_const_charp msg) {
    png_ctx *ctx = png_get_error_ptr(png);
    snprintf(ctx->msg, sizeof ctx->msg, "%s", msg ? msg : "unknown error");
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

static void read_cb(png_structp png, png_bytep data, size_t len) {
    png_ctx *ctx = png_get_io_ptr(png);
    if (fread(data, 1, len, ctx->f) == len) return;
    if (ferror(ctx->f)) {
        char m[160];
        snprintf(m, sizeof m, "read error: %s", strerror(errno));
        ctx->fail_kind = PNG_FAIL_IO;
        png_error(png, m);
    }
    ctx->fail_kind = PNG_FAIL_TRUNCATED;
    png_error(png, "unexpected end of file");
}

static void write_cb(png_structp png, png_bytep data, size_t len) {
    png_ctx *ctx = png_get_io_ptr(png);
    if (fwrite(data, 1, len, ctx->f) == len) return;
    ctx->fail_kind = PNG_FAIL_IO;
    png_error(png, strerror(errno));
}

static void flush_cb(png_structp png) {
    png_ctx *ctx = png_get_io_ptr(png);
    if (fflush(ctx->f) == 0) return;
    ctx->fail_kind = PNG_FAIL_IO;
    png_error(png, strerror(errno));
}

/* libpng says "Out of memory" / "Insufficient memory" for allocation failures. */
static int is_oom(const char *msg) { return strstr(msg, "memory") != NULL; }

/* EXIF orientation from an eXIf chunk read so far (libpng >= 1.6.31). Some
 * writers put JPEG's "Exif\0\0" prefix in front of the TIFF header. */
static int find_orientation(png_structp png, png_infop info) {
#ifdef PNG_eXIf_SUPPORTED
    png_uint_32 n = 0;
    png_bytep exif = NULL;
    if (png_get_eXIf_1(png, info, &n, &exif) == 0 || !exif) return 0;
    int o = bd_exif_orientation_app1(exif, n);
    return o ? o : bd_exif_orientation(exif, n);
#else
    (void)png;
    (void)info;
    return 0;
#endif
}

bd_status bd_png_read(FILE *f, const char *path, bd_pixel_format want,
                      const bd_image_limits *lim, bd_image_buf **out, int *orientation,
                      char *err, size_t err_size) {
    *orientation = 0;
    png_ctx ctx = {.f = f, .fail_kind = PNG_FAIL_CORRUPT};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    if (!png) {
        bd_io_msg(err, err_size, "cannot decode '%s': out of memory", path);
        return BD_ERR_NO_MEMORY;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        bd_io_msg(err, err_size, "cannot decode '%s': out of memory", path);
        return BD_ERR_NO_MEMORY;
    }
    /* Modified between setjmp and a possible longjmp, so volatile (C11 7.13.2.1). */
    bd_image_buf *volatile img = NULL;
    png_bytep *volatile rows = NULL;
    volatile bd_status st = BD_OK;

    if (setjmp(png_jmpbuf(png))) {
        if (ctx.fail_kind == PNG_FAIL_IO) {
            st = BD_ERR_IO;
            bd_io_msg(err, err_size, "cannot read '%s': %s", path, ctx.msg);
        } else if (ctx.fail_kind == PNG_FAIL_TRUNCATED) {
            st = BD_ERR_FORMAT;
            bd_io_msg(err, err_size, "truncated PNG '%s': %s", path, ctx.msg);
        } else if (is_oom(ctx.msg)) {
            st = BD_ERR_NO_MEMORY;
            bd_io_msg(err, err_size, "cannot decode PNG '%s': %s", path, ctx.msg);
        } else {
            st = BD_ERR_FORMAT;
            bd_io_msg(err, err_size, "corrupt PNG '%s': %s", path, ctx.msg);
        }
        goto done;
    }

    png_set_read_fn(png, &ctx, read_cb);
    /* Our own limits (checked below with a better message) replace libpng's
     * built-in 1e6 x 1e6 cap; the PNG format itself allows 2^31 - 1. */
    png_set_user_limits(png, 0x7fffffffu, 0x7fffffffu);
    png_read_info(png, info);

    png_uint_32 width, height;
    int depth, ctype, interlace;
    png_get_IHDR(png, info, &width, &height, &depth, &ctype, &interlace, NULL, NULL);
    st = bd_io_check_limits(path, width, height, lim, err, err_size);
    if (st != BD_OK) goto done;

    /* To 8 bits per channel: palette -> RGB, gray 1/2/4 -> 8, tRNS -> alpha,
     * 16 -> 8 with rounding. Then to the wanted channel layout. */
    const int has_color = (ctype & PNG_COLOR_MASK_COLOR) != 0;
    const int has_alpha =
        (ctype & PNG_COLOR_MASK_ALPHA) != 0 || png_get_valid(png, info, PNG_INFO_tRNS) != 0;
    png_set_expand(png);
#ifdef PNG_READ_SCALE_16_TO_8_SUPPORTED
    png_set_scale_16(png);
#else
    png_set_strip_16(png);
#endif
    switch (want) {
    case BD_PIXEL_GRAY8:
        if (has_color) png_set_rgb_to_gray(png, PNG_ERROR_ACTION_NONE, -1.0, -1.0);
        if (has_alpha) png_set_strip_alpha(png);
        break;
    case BD_PIXEL_RGB24:
        if (!has_color) png_set_gray_to_rgb(png);
        if (has_alpha) png_set_strip_alpha(png);
        break;
    default: /* RGBA32 */
        if (!has_color) png_set_gray_to_rgb(png);
        if (!has_alpha) png_set_add_alpha(png, 0xff, PNG_FILLER_AFTER);
        break;
    }
    (void)png_set_interlace_handling(png); /* libpng merges the Adam7 passes */
    png_read_update_info(png, info);

    const int bpp = bd_pixel_format_bpp(want);
    if (png_get_bit_depth(png, info) != 8 || png_get_channels(png, info) != bpp) {
        st = BD_ERR_UNSUPPORTED;
        bd_io_msg(err, err_size, "PNG '%s': cannot convert colour type %d, depth %d to %d bytes "
                  "per pixel", path, ctype, depth, bpp);
        goto done;
    }
    bd_image_buf *im = NULL;
    st = bd_image_alloc((int)width, (int)height, want, &im);
    if (st != BD_OK) {
        bd_io_msg(err, err_size, "cannot decode '%s' (%lux%lu): %s", path,
                  (unsigned long)width, (unsigned long)height, bd_status_str(st));
        goto done;
    }
    img = im;
    if (png_get_rowbytes(png, info) > im->view.stride_bytes) {
        st = BD_ERR_FORMAT; /* cannot happen after the checks above; do not overrun */
        bd_io_msg(err, err_size, "corrupt PNG '%s': unexpected row size", path);
        goto done;
    }
    rows = malloc((size_t)height * sizeof *rows);
    if (!rows) {
        st = BD_ERR_NO_MEMORY;
        bd_io_msg(err, err_size, "cannot decode '%s': out of memory", path);
        goto done;
    }
    for (png_uint_32 y = 0; y < height; y++)
        rows[y] = im->view.data + (size_t)y * im->view.stride_bytes;
    png_read_image(png, rows);
    /* Reads up to IEND, so a file cut after the last IDAT is still an error.
     * An eXIf chunk may come before or after the image data. */
    png_read_end(png, info);
    *orientation = find_orientation(png, info);
    st = BD_OK;

done:
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    if (st == BD_OK) {
        *out = img;
    } else {
        bd_image_free(img);
    }
    return st;
}

bd_status bd_png_write(FILE *f, const char *path, const bd_image *img, char *err,
                       size_t err_size) {
    png_ctx ctx = {.f = f, .fail_kind = PNG_FAIL_CORRUPT};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    if (!png) {
        bd_io_msg(err, err_size, "cannot encode '%s': out of memory", path);
        return BD_ERR_NO_MEMORY;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        bd_io_msg(err, err_size, "cannot encode '%s': out of memory", path);
        return BD_ERR_NO_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        bd_status st = ctx.fail_kind == PNG_FAIL_IO ? BD_ERR_IO
                       : is_oom(ctx.msg)            ? BD_ERR_NO_MEMORY
                                                    : BD_ERR_IO;
        bd_io_msg(err, err_size, "cannot write '%s': %s", path, ctx.msg);
        png_destroy_write_struct(&png, &info);
        return st;
    }
    png_set_write_fn(png, &ctx, write_cb, flush_cb);
    int ctype = img->format == BD_PIXEL_GRAY8   ? PNG_COLOR_TYPE_GRAY
                : img->format == BD_PIXEL_RGB24 ? PNG_COLOR_TYPE_RGB
                                                : PNG_COLOR_TYPE_RGB_ALPHA;
    png_set_IHDR(png, info, (png_uint_32)img->width, (png_uint_32)img->height, 8, ctype,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    /* zlib level 3, not libpng's default 6: measured on a 1280x854 RGB composite,
     * 99 ms instead of 225 ms to encode for a file 4.6% larger (512x512: 26 vs
     * 55 ms, +10.7%). Encoding was the slowest stage of `backdrop replace`. */
    png_set_compression_level(png, 3);
    png_write_info(png, info);
    for (int y = 0; y < img->height; y++)
        png_write_row(png, img->data + (size_t)y * img->stride_bytes);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return BD_OK;
}

#else
typedef int bd_png_codec_disabled; /* ISO C forbids an empty translation unit */
#endif /* BD_WITH_CODECS */
