/*
 * image_file.c -- bd_image_read_file / bd_image_read_memory / bd_image_write_file:
 * open the file (or a stdio stream over the caller's bytes),
 * sniff the format from its signature (reading) or pick it from the extension
 * (writing), and hand over to the PNG or JPEG codec.
 *
 * Reading applies an EXIF orientation tag (unless limits->keep_orientation), so
 * the pixels come out upright, as a viewer shows the file.
 *
 * Writing is atomic: the image goes to a temporary file ".NAME.XXXXXX" made
 * with mkstemp in the destination's directory (so rename() stays within one
 * file system), which is closed with its fclose() result checked and then
 * renamed over the destination. On any failure the temporary file is removed,
 * so `path` holds either its old contents or the complete new image.
 *
 * Without BD_WITH_CODECS every entry point returns BD_ERR_UNSUPPORTED.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io.h"

#ifdef BD_WITH_CODECS

/* Merges a caller's limits over the defaults, honouring struct_size (a caller
 * compiled against an older, shorter struct leaves the new fields default). */
static bd_status resolve_limits(const bd_image_limits *in, bd_image_limits *lim) {
    bd_image_limits_default(lim);
    if (!in) return BD_OK;
    if (in->struct_size < offsetof(bd_image_limits, max_height) + sizeof lim->max_height)
        return BD_ERR_INVALID_ARG;
    size_t n = in->struct_size < sizeof *lim ? in->struct_size : sizeof *lim;
    memcpy(lim, in, n);
    lim->struct_size = sizeof *lim;
    if (lim->max_width < 1 || lim->max_height < 1) return BD_ERR_INVALID_ARG;
    return BD_OK;
}

/* Sniffs the format of the stream `f` (positioned at its start) from its
 * signature, decodes it with the PNG or JPEG codec and applies the EXIF
 * orientation unless lim->keep_orientation. `name` labels the messages (the
 * path, or "(memory)"). Shared by the file and the memory entry points, so both
 * run the very same decoders. *out is set only on success. */
static bd_status read_stream(FILE *f, const char *name, bd_pixel_format want,
                             const bd_image_limits *lim, bd_image_buf **out, char *err,
                             size_t err_size) {
    unsigned char sig[8] = {0};
    size_t got = fread(sig, 1, sizeof sig, f);
    if (got < sizeof sig && ferror(f)) { /* e.g. EISDIR */
        bd_io_msg(err, err_size, "cannot read '%s': %s", name, strerror(errno));
        return BD_ERR_IO;
    }
    static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    bd_status st;
    bd_image_buf *img = NULL;
    int orientation = 0;
    if (got == sizeof sig && memcmp(sig, png_sig, 8) == 0) {
        rewind(f);
        st = bd_png_read(f, name, want, lim, &img, &orientation, err, err_size);
    } else if (got >= 3 && sig[0] == 0xff && sig[1] == 0xd8 && sig[2] == 0xff) {
        rewind(f);
        st = bd_jpeg_read(f, name, want, lim, &img, &orientation, err, err_size);
    } else {
        bd_io_msg(err, err_size, "'%s': not a PNG or JPEG file", name);
        st = BD_ERR_FORMAT;
    }
    if (st == BD_OK && orientation > 1 && !lim->keep_orientation) {
        bd_image_buf *upright = NULL;
        st = bd_image_orient(&img->view, orientation, &upright);
        bd_image_free(img);
        img = upright;
        if (st != BD_OK)
            bd_io_msg(err, err_size, "cannot apply EXIF orientation %d to '%s': %s", orientation,
                      name, bd_status_str(st));
    }
    if (st == BD_OK) *out = img;
    return st;
}

bd_status bd_image_read_file(const char *path, bd_pixel_format want,
                             const bd_image_limits *limits, bd_image_buf **out, char *err,
                             size_t err_size) {
    if (!path || !out || bd_pixel_format_bpp(want) == 0) {
        bd_io_msg(err, err_size, "bd_image_read_file: %s", !path  ? "path is NULL"
                                                           : !out ? "out is NULL"
                                                                  : "unknown pixel format");
        return BD_ERR_INVALID_ARG;
    }
    bd_image_limits lim;
    if (resolve_limits(limits, &lim) != BD_OK) {
        bd_io_msg(err, err_size, "bd_image_read_file: invalid limits");
        return BD_ERR_INVALID_ARG;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        bd_io_msg(err, err_size, "cannot open '%s': %s", path, strerror(errno));
        return BD_ERR_IO;
    }
    bd_status st = read_stream(f, path, want, &lim, out, err, err_size);
    fclose(f); /* read-only: nothing to lose if close fails */
    return st;
}

bd_status bd_image_read_memory(const void *data, size_t size, bd_pixel_format want,
                               const bd_image_limits *limits, bd_image_buf **out, char *err,
                               size_t err_size) {
    static const char name[] = "(memory)";
    if ((!data && size) || !out || bd_pixel_format_bpp(want) == 0) {
        bd_io_msg(err, err_size, "bd_image_read_memory: %s", !out ? "out is NULL"
                                                             : (!data && size) ? "data is NULL"
                                                                               : "unknown pixel format");
        return BD_ERR_INVALID_ARG;
    }
    bd_image_limits lim;
    if (resolve_limits(limits, &lim) != BD_OK) {
        bd_io_msg(err, err_size, "bd_image_read_memory: invalid limits");
        return BD_ERR_INVALID_ARG;
    }
    if (size < 3) { /* fmemopen refuses size 0; nothing this short is an image */
        bd_io_msg(err, err_size, "'%s': not a PNG or JPEG file (%zu bytes)", name, size);
        return BD_ERR_FORMAT;
    }
    /* A read-only stdio stream over the caller's bytes: the codecs read it as they
     * read a file (libpng's png_init_io, libjpeg's jpeg_stdio_src), with no copy. */
    FILE *f = fmemopen((void *)(uintptr_t)data, size, "rb");
    if (!f) {
        bd_io_msg(err, err_size, "cannot read '%s': %s", name, strerror(errno));
        return BD_ERR_NO_MEMORY;
    }
    bd_status st = read_stream(f, name, want, &lim, out, err, err_size);
    fclose(f);
    return st;
}

/* Case-insensitive "does path end in ext". */
static int has_ext(const char *path, const char *ext) {
    size_t n = strlen(path), m = strlen(ext);
    if (n < m) return 0;
    for (size_t i = 0; i < m; i++) {
        char c = path[n - m + i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != ext[i]) return 0;
    }
    return 1;
}

/* Permission bits for the new file: mkstemp creates it 0600, but the result
 * should look like any other file the user creates (0666 & ~umask), or keep the
 * mode of the file it replaces. umask() itself cannot be read without changing
 * it (racy in a threaded process), so it is read from /proc on Linux; if that is
 * unavailable the safe 0600 stays. Returns -1 for "leave as is". */
static int wanted_mode(const char *path) {
    struct stat sb;
    if (stat(path, &sb) == 0) return (int)(sb.st_mode & 07777);
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[128];
    int mode = -1;
    while (fgets(line, sizeof line, f)) {
        unsigned int mask;
        if (sscanf(line, "Umask: %o", &mask) == 1) {
            mode = (int)(0666u & ~mask);
            break;
        }
    }
    fclose(f);
    return mode;
}

bd_status bd_image_write_file(const char *path, const bd_image *img, int jpeg_quality,
                              char *err, size_t err_size) {
    if (!path || !*path) {
        bd_io_msg(err, err_size, "bd_image_write_file: path is NULL or empty");
        return BD_ERR_INVALID_ARG;
    }
    bd_err e = {0};
    if (bd_image_check(img, 0, "image", &e) != BD_OK) {
        bd_io_msg(err, err_size, "cannot write '%s': %s", path, e.msg);
        return BD_ERR_INVALID_ARG;
    }
    const int is_png = has_ext(path, ".png");
    const int is_jpeg = has_ext(path, ".jpg") || has_ext(path, ".jpeg");
    if (!is_png && !is_jpeg) {
        bd_io_msg(err, err_size, "cannot write '%s': unknown extension (use .png, .jpg or .jpeg)",
                  path);
        return BD_ERR_UNSUPPORTED;
    }
    if (is_jpeg) {
        if (img->format == BD_PIXEL_RGBA32) {
            bd_io_msg(err, err_size, "cannot write '%s': JPEG has no alpha channel (use .png)",
                      path);
            return BD_ERR_UNSUPPORTED;
        }
        if (img->width > 65500 || img->height > 65500) { /* JPEG_MAX_DIMENSION */
            bd_io_msg(err, err_size, "cannot write '%s': %dx%d is larger than JPEG's 65500x65500",
                      path, img->width, img->height);
            return BD_ERR_UNSUPPORTED;
        }
        if (jpeg_quality < 0 || jpeg_quality > 100) {
            bd_io_msg(err, err_size, "cannot write '%s': JPEG quality %d is not in 0..100", path,
                      jpeg_quality);
            return BD_ERR_INVALID_ARG;
        }
        if (jpeg_quality == 0) jpeg_quality = 92;
    }

    /* Temp name: same directory, "." + basename + ".XXXXXX". */
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
    size_t len = strlen(path);
    char *tmp = malloc(len + 9);
    if (!tmp) {
        bd_io_msg(err, err_size, "cannot write '%s': out of memory", path);
        return BD_ERR_NO_MEMORY;
    }
    memcpy(tmp, path, dir_len);
    tmp[dir_len] = '.';
    memcpy(tmp + dir_len + 1, path + dir_len, len - dir_len);
    memcpy(tmp + len + 1, ".XXXXXX", 8);

    int fd = mkstemp(tmp);
    if (fd < 0) {
        bd_io_msg(err, err_size, "cannot write '%s': %s", path, strerror(errno));
        free(tmp);
        return BD_ERR_IO;
    }
    int mode = wanted_mode(path);
    if (mode >= 0) (void)fchmod(fd, (mode_t)mode); /* best effort: 0600 is safe */
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        bd_io_msg(err, err_size, "cannot write '%s': %s", path, strerror(errno));
        close(fd);
        unlink(tmp);
        free(tmp);
        return BD_ERR_IO;
    }
    bd_status st = is_png ? bd_png_write(f, path, img, err, err_size)
                          : bd_jpeg_write(f, path, img, jpeg_quality, err, err_size);
    /* fclose flushes the stdio buffer: a full disk often only shows up here. */
    if (fclose(f) != 0 && st == BD_OK) {
        bd_io_msg(err, err_size, "cannot write '%s': %s", path, strerror(errno));
        st = BD_ERR_IO;
    }
    if (st == BD_OK && rename(tmp, path) != 0) {
        bd_io_msg(err, err_size, "cannot write '%s': rename from temporary file failed: %s",
                  path, strerror(errno));
        st = BD_ERR_IO;
    }
    if (st != BD_OK) unlink(tmp);
    free(tmp);
    return st;
}

#else /* !BD_WITH_CODECS */

bd_status bd_image_read_memory(const void *data, size_t size, bd_pixel_format want,
                               const bd_image_limits *limits, bd_image_buf **out, char *err,
                               size_t err_size) {
    (void)data, (void)size, (void)want, (void)limits, (void)out;
    bd_io_msg(err, err_size, "cannot decode an image: libbackdrop was built without image codecs");
    return BD_ERR_UNSUPPORTED;
}

bd_status bd_image_read_file(const char *path, bd_pixel_format want,
                             const bd_image_limits *limits, bd_image_buf **out, char *err,
                             size_t err_size) {
    (void)want, (void)limits, (void)out;
    bd_io_msg(err, err_size, "cannot read '%s': libbackdrop was built without image codecs",
              path ? path : "(null)");
    return BD_ERR_UNSUPPORTED;
}

bd_status bd_image_write_file(const char *path, const bd_image *img, int jpeg_quality,
                              char *err, size_t err_size) {
    (void)img, (void)jpeg_quality;
    bd_io_msg(err, err_size, "cannot write '%s': libbackdrop was built without image codecs",
              path ? path : "(null)");
    return BD_ERR_UNSUPPORTED;
}

#endif /* BD_WITH_CODECS */
