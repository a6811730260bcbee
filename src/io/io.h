/*
 * io.h -- internal interface of the image file codecs: PNG (libpng) and JPEG
 * (libjpeg-turbo) readers and writers working on an open FILE, and the helpers
 * they share with image_file.c (message formatting, decode limits). Only built
 * with BD_WITH_CODECS; image_file.c owns the public entry points, file opening,
 * format sniffing and the atomic temp-file-and-rename write.
 */
#ifndef BD_IO_H
#define BD_IO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "image/image.h"

/** snprintf into err (if err && err_size > 0). Messages are one line. */
void bd_io_msg(char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/**
 * Checks decoded dimensions against `lim` before any pixel memory is allocated.
 * Returns BD_OK, or BD_ERR_LIMIT with a message naming `path` and both sizes.
 */
bd_status bd_io_check_limits(const char *path, unsigned long width, unsigned long height,
                             const bd_image_limits *lim, char *err, size_t err_size);

/**
 * EXIF orientation (1..8, TIFF tag 0x0112: 1 = as stored, 3 = rotated 180,
 * 6 = rotate 90 clockwise to display, 8 = 90 counter-clockwise, 2/4/5/7 the
 * mirrored variants), or 0 when absent or malformed. bd_exif_orientation takes
 * the TIFF structure itself (a PNG eXIf chunk); the _app1 form takes a JPEG APP1
 * payload starting with "Exif\0\0". Every offset is checked against n.
 */
int bd_exif_orientation(const uint8_t *tiff, size_t n);
int bd_exif_orientation_app1(const uint8_t *data, size_t n);

/**
 * Decoders: read the whole stream from `f` (positioned at the signature) into a
 * new image of format `want`. path is used in messages only. Return BD_OK,
 * BD_ERR_FORMAT (corrupt or truncated), BD_ERR_UNSUPPORTED (e.g. CMYK JPEG),
 * BD_ERR_LIMIT, BD_ERR_IO or BD_ERR_NO_MEMORY; *out is set only on success.
 * *orientation receives the EXIF orientation found in the file (0 = none); the
 * pixels are returned as stored.
 */
bd_status bd_png_read(FILE *f, const char *path, bd_pixel_format want,
                      const bd_image_limits *lim, bd_image_buf **out, int *orientation,
                      char *err, size_t err_size);
bd_status bd_jpeg_read(FILE *f, const char *path, bd_pixel_format want,
                       const bd_image_limits *lim, bd_image_buf **out, int *orientation,
                       char *err, size_t err_size);

/**
 * Encoders: write `img` (already validated; JPEG: GRAY8 or RGB24 only) to `f`.
 * path names the destination in messages. They do not close `f`. Return BD_OK,
 * BD_ERR_IO (write failed) or BD_ERR_NO_MEMORY. quality: 1..100.
 */
bd_status bd_png_write(FILE *f, const char *path, const bd_image *img, char *err,
                       size_t err_size);
bd_status bd_jpeg_write(FILE *f, const char *path, const bd_image *img, int quality, char *err,
                        size_t err_size);

#endif /* BD_IO_H */
