/*
 * io_util.c -- the helpers the codecs (png_codec.c, jpeg_codec.c) and
 * image_file.c share: one-line messages and the decode limits. A file of its
 * own so that image_file.c calls the codecs and the codecs call only this
 * (no include circle).
 */
#include <stdarg.h>
#include <stdio.h>

#include "io/io.h"

void bd_io_msg(char *err, size_t err_size, const char *fmt, ...) {
    if (!err || err_size == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
}

bd_status bd_io_check_limits(const char *path, unsigned long width, unsigned long height,
                             const bd_image_limits *lim, char *err, size_t err_size) {
    if (width == 0 || height == 0) {
        bd_io_msg(err, err_size, "image '%s' has no pixels (%lux%lu)", path, width, height);
        return BD_ERR_FORMAT;
    }
    if (width > (unsigned long)lim->max_width || height > (unsigned long)lim->max_height) {
        bd_io_msg(err, err_size, "image '%s' is %lux%lu pixels, larger than the limit %dx%d",
                  path, width, height, lim->max_width, lim->max_height);
        return BD_ERR_LIMIT;
    }
    /* both <= INT_MAX here, so the product fits in 64 bits */
    unsigned long long n = (unsigned long long)width * height;
    if (n > (unsigned long long)lim->max_pixels) {
        bd_io_msg(err, err_size, "image '%s' has %llu pixels (%lux%lu), more than the limit %zu",
                  path, n, width, height, lim->max_pixels);
        return BD_ERR_LIMIT;
    }
    return BD_OK;
}
