/*
 * jpeg_codec.c -- JPEG decoding and encoding with libjpeg(-turbo).
 *
 * libjpeg's default error manager prints and calls exit(); ours formats the
 * message and longjmps back to the caller's setjmp instead, and its
 * emit_message drops warnings silently -- except "Premature end of JPEG file":
 * libjpeg pads a truncated stream with a fake EOI and goes on decoding gray,
 * which we refuse. A progress monitor caps the number of progressive scans
 * (a crafted file with thousands of tiny scans costs minutes of CPU; the cap
 * follows libjpeg-turbo's own fuzzing advice).
 */
#ifdef BD_WITH_CODECS

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "io/io.h"

#define MAX_SCANS 500

enum { JPEG_FAIL_CORRUPT, JPEG_FAIL_TRUNCATED, JPEG_FAIL_SCANS };

typedef struct jpeg_ctx {
    struct jpeg_error_mgr pub; /* first member: cinfo->err points here */
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    int fail_kind; /* JPEG_FAIL_* */
    char msg[JMSG_LENGTH_MAX];
} jpeg_ctx;

static void on_error_exit(j_common_ptr cinfo) {
    jpeg_ctx *ctx = (jpeg_ctx *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, ctx->msg);
    longjmp(ctx->jump, 1);
}

/* level < 0: warning (corrupt data); level >= 0: trace messages. */
static void on_emit_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return;
    jpeg_ctx *ctx = (jpeg_ctx *)cinfo->err;
    cinfo->err->num_warnings++;
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
        (*cinfo->err->format_message)(cinfo, ctx->msg);
        ctx->fail_kind = JPEG_FAIL_TRUNCATED;
        longjmp(ctx->jump, 1);
    }
}

static void on_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void on_progress(j_common_ptr cinfo) {
    if (!cinfo->is_decompressor) return;
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->input_scan_number > MAX_SCANS) {
        jpeg_ctx *ctx = (jpeg_ctx *)cinfo->err;
        snprintf(ctx->msg, sizeof ctx->msg, "more than %d progressive scans", MAX_SCANS);
        ctx->fail_kind = JPEG_FAIL_SCANS;
        longjmp(ctx->jump, 1);
    }
}

static void init_ctx(jpeg_ctx *ctx) {
    memset(ctx, 0, sizeof *ctx);
    jpeg_std_error(&ctx->pub);
    ctx->pub.error_exit = on_error_exit;
    ctx->pub.emit_message = on_emit_message;
    ctx->pub.output_message = on_output_message;
    ctx->progress.progress_monitor = on_progress;
}

/* The orientation from the first APP1 "Exif" marker (saved by jpeg_save_markers). */
static int find_orientation(j_decompress_ptr cinfo) {
    for (jpeg_saved_marker_ptr m = cinfo->marker_list; m; m = m->next) {
        if (m->marker != JPEG_APP0 + 1) continue;
        int o = bd_exif_orientation_app1(m->data, m->data_length);
        if (o) return o;
    }
    return 0;
}

bd_status bd_jpeg_read(FILE *f, const char *path, bd_pixel_format want,
                       const bd_image_limits *lim, bd_image_buf **out, int *orientation,
                       char *err, size_t err_size) {
    *orientation = 0;
    struct jpeg_decompress_struct cinfo;
    jpeg_ctx ctx;
    init_ctx(&ctx);
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = &ctx.pub;
    bd_image_buf *volatile img = NULL; /* volatile: survives the longjmp */
    volatile bd_status st = BD_OK;

    if (setjmp(ctx.jump)) {
        if (ctx.fail_kind == JPEG_FAIL_TRUNCATED) {
            st = BD_ERR_FORMAT;
            bd_io_msg(err, err_size, "truncated JPEG '%s': %s", path, ctx.msg);
        } else if (ctx.fail_kind == JPEG_FAIL_SCANS) {
            st = BD_ERR_LIMIT;
            bd_io_msg(err, err_size, "JPEG '%s': %s", path, ctx.msg);
        } else if (ctx.pub.msg_code == JERR_OUT_OF_MEMORY) {
            st = BD_ERR_NO_MEMORY;
            bd_io_msg(err, err_size, "cannot decode JPEG '%s': %s", path, ctx.msg);
        } else {
            st = BD_ERR_FORMAT;
            bd_io_msg(err, err_size, "corrupt JPEG '%s': %s", path, ctx.msg);
        }
        goto done;
    }
    jpeg_create_decompress(&cinfo);
    cinfo.progress = &ctx.progress;
    jpeg_stdio_src(&cinfo, f);
    jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xffff); /* EXIF (at most 64 KiB each) */
    (void)jpeg_read_header(&cinfo, TRUE);
    *orientation = find_orientation(&cinfo);

    if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
        st = BD_ERR_UNSUPPORTED;
        bd_io_msg(err, err_size, "JPEG '%s': CMYK images are not supported", path);
        goto done;
    }
    st = bd_io_check_limits(path, cinfo.image_width, cinfo.image_height, lim, err, err_size);
    if (st != BD_OK) goto done;

    /* libjpeg converts YCbCr and gray to either gray or RGB itself; RGBA32 is
     * decoded as RGB and widened in place below. */
    const int n_comp = want == BD_PIXEL_GRAY8 ? 1 : 3;
    cinfo.out_color_space = n_comp == 1 ? JCS_GRAYSCALE : JCS_RGB;
    (void)jpeg_start_decompress(&cinfo);
    if (cinfo.output_components != n_comp || cinfo.output_width != cinfo.image_width ||
        cinfo.output_height != cinfo.image_height) {
        st = BD_ERR_UNSUPPORTED;
        bd_io_msg(err, err_size, "JPEG '%s': unexpected decoder output layout", path);
        goto done;
    }
    bd_image_buf *im = NULL;
    st = bd_image_alloc((int)cinfo.output_width, (int)cinfo.output_height, want, &im);
    if (st != BD_OK) {
        bd_io_msg(err, err_size, "cannot decode '%s' (%ux%u): %s", path,
                  (unsigned)cinfo.output_width, (unsigned)cinfo.output_height,
                  bd_status_str(st));
        goto done;
    }
    img = im;
    const int w = im->view.width;
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = im->view.data + (size_t)cinfo.output_scanline * im->view.stride_bytes;
        if (jpeg_read_scanlines(&cinfo, &row, 1) != 1) break; /* suspension: not with stdio */
        if (want == BD_PIXEL_RGBA32) {
            /* RGB -> RGBA inside the row, back to front so nothing is overwritten
             * before it is read (pixel x moves from 3x to 4x >= 3x). */
            for (int x = w - 1; x >= 0; x--) {
                row[4 * x + 3] = 255;
                row[4 * x + 2] = row[3 * x + 2];
                row[4 * x + 1] = row[3 * x + 1];
                row[4 * x + 0] = row[3 * x + 0];
            }
        }
    }
    if (cinfo.output_scanline < cinfo.output_height) {
        st = BD_ERR_FORMAT;
        bd_io_msg(err, err_size, "truncated JPEG '%s'", path);
        goto done;
    }
    /* Reads up to EOI, so a file cut after the last scan is still an error. */
    (void)jpeg_finish_decompress(&cinfo);
    st = BD_OK;

done:
    jpeg_destroy_decompress(&cinfo);
    if (st == BD_OK) {
        *out = img;
    } else {
        bd_image_free(img);
    }
    return st;
}

bd_status bd_jpeg_write(FILE *f, const char *path, const bd_image *img, int quality, char *err,
                        size_t err_size) {
    struct jpeg_compress_struct cinfo;
    jpeg_ctx ctx;
    init_ctx(&ctx);
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = &ctx.pub;
    if (setjmp(ctx.jump)) {
        bd_status st = ctx.pub.msg_code == JERR_OUT_OF_MEMORY ? BD_ERR_NO_MEMORY : BD_ERR_IO;
        bd_io_msg(err, err_size, "cannot write '%s': %s", path, ctx.msg);
        jpeg_destroy_compress(&cinfo);
        return st;
    }
    jpeg_create_compress(&cinfo);
    jpeg_stdio_dest(&cinfo, f);
    cinfo.image_width = (JDIMENSION)img->width;
    cinfo.image_height = (JDIMENSION)img->height;
    cinfo.input_components = img->format == BD_PIXEL_GRAY8 ? 1 : 3;
    cinfo.in_color_space = img->format == BD_PIXEL_GRAY8 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = img->data + (size_t)cinfo.next_scanline * img->stride_bytes;
        (void)jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    return BD_OK;
}

#else
typedef int bd_jpeg_codec_disabled; /* ISO C forbids an empty translation unit */
#endif /* BD_WITH_CODECS */
