/*
 * pipeline_background.c -- the background of a composite: an image scaled to
 * cover the frame in the out format (cached between calls, keyed on the source
 * view, a hash of its pixels or the caller's version, the frame size and the
 * out format), its blurred copy for the light wrap, a colour, the blur, or
 * transparency.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pipeline_internal.h"

/* Makes *buf a w x h image of format f, reusing it if it already is one. */
static bd_status ensure_image(bd_image_buf **buf, int w, int h, bd_pixel_format f) {
    if (*buf && (*buf)->view.width == w && (*buf)->view.height == h && (*buf)->view.format == f)
        return BD_OK;
    bd_image_free(*buf);
    *buf = NULL;
    return bd_image_alloc(w, h, f, buf);
}

/* 64-bit hash of an image's pixel bytes (not the row padding), 8 bytes per
 * step: cheap next to rescaling it, and it makes the cache notice in-place
 * edits of the background. Not cryptographic. */
static uint64_t hash_pixels(const bd_image *img) {
    const uint64_t k = 0x9e3779b97f4a7c15ull;
    const size_t row = (size_t)img->width * (size_t)bd_pixel_format_bpp(img->format);
    uint64_t h = k ^ row;
    for (int y = 0; y < img->height; y++) {
        const uint8_t *r = img->data + (size_t)y * img->stride_bytes;
        size_t i = 0;
        for (; i + 8 <= row; i += 8) {
            uint64_t v;
            memcpy(&v, r + i, 8);
            h = (h ^ v) * k;
            h ^= h >> 29;
        }
        uint64_t tail = 0;
        memcpy(&tail, r + i, row - i);
        h = (h ^ tail ^ ((uint64_t)y << 56)) * k;
        h ^= h >> 31;
    }
    return h;
}

/* Converts an RGB24 image to `dst` (same size) of any supported format:
 * RGB family by byte offsets, YUV with BT.601 and chroma averaged over the
 * pixels each sample covers. */
static void convert_image(const bd_image *src, const bd_image *dst) {
    const int w = src->width, h = src->height;
    if (bd_format_is_rgb_family(dst->format)) {
        int o[4];
        bd_format_rgba_offsets(dst->format, o);
        const int bpp = bd_pixel_format_bpp(dst->format);
        for (int y = 0; y < h; y++) {
            const uint8_t *s = src->data + (size_t)y * src->stride_bytes;
            uint8_t *d = dst->data + (size_t)y * dst->stride_bytes;
            for (int x = 0; x < w; x++, s += 3, d += bpp) {
                if (dst->format == BD_PIXEL_GRAY8) {
                    d[0] = (uint8_t)((77 * s[0] + 150 * s[1] + 29 * s[2] + 128) >> 8);
                    continue;
                }
                d[o[0]] = s[0], d[o[1]] = s[1], d[o[2]] = s[2];
                if (o[3] >= 0) d[o[3]] = 255;
            }
        }
        return;
    }
    /* YUV: luma per pixel, chroma from the mean of the covered pixels' U, V */
    const int sy = dst->format == BD_PIXEL_YUYV ? 1 : 2;
    for (int y = 0; y < h; y += sy)
        for (int x = 0; x < w; x += 2) {
            int su = 0, sv = 0, n = 0;
            for (int dy = 0; dy < sy && y + dy < h; dy++)
                for (int dx = 0; dx < 2 && x + dx < w; dx++) {
                    uint8_t yuv[3];
                    bd_rgb_to_yuv(src->data + (size_t)(y + dy) * src->stride_bytes +
                                      (size_t)(x + dx) * 3,
                                  yuv);
                    su += yuv[1], sv += yuv[2], n++;
                    if (dst->format == BD_PIXEL_YUYV)
                        dst->data[(size_t)(y + dy) * dst->stride_bytes + (size_t)(x + dx) * 2] =
                            yuv[0];
                    else
                        dst->data[(size_t)(y + dy) * dst->stride_bytes + (size_t)(x + dx)] =
                            yuv[0];
                }
            const uint8_t u = (uint8_t)((su + n / 2) / n), v = (uint8_t)((sv + n / 2) / n);
            if (dst->format == BD_PIXEL_YUYV) {
                uint8_t *d = dst->data + (size_t)y * dst->stride_bytes + (size_t)x * 2;
                d[1] = u, d[3] = v;
            } else if (dst->format == BD_PIXEL_NV12) {
                uint8_t *d = dst->plane[0] + (size_t)(y / 2) * dst->plane_stride_bytes[0] +
                             (size_t)x;
                d[0] = u, d[1] = v;
            } else {
                dst->plane[0][(size_t)(y / 2) * dst->plane_stride_bytes[0] + (size_t)(x / 2)] = u;
                dst->plane[1][(size_t)(y / 2) * dst->plane_stride_bytes[1] + (size_t)(x / 2)] = v;
            }
        }
}

/* The background image scaled to cover the frame in the out format, from the
 * cache when possible. */
static bd_status scaled_background(bd_pipeline *p, const bd_image *src, uint32_t version, int w,
                                   int h, bd_pixel_format out_format, const bd_image **view) {
    /* a caller-given version replaces the hash (tagged so the two never collide) */
    const uint64_t hash = version ? ((uint64_t)version | (1ull << 63)) : hash_pixels(src) >> 1;
    if (p->bg_scaled && p->bg_key_data == src->data && p->bg_key_w == src->width &&
        p->bg_key_h == src->height && p->bg_key_stride == src->stride_bytes &&
        p->bg_key_format == src->format && p->bg_key_frame_w == w && p->bg_key_frame_h == h &&
        p->bg_key_out_format == out_format && p->bg_key_hash == hash) {
        *view = &p->bg_scaled->view;
        return BD_OK;
    }
    p->bg_key_data = NULL; /* invalid until rebuilt */
    p->bg_light_valid = 0;
    double ratio, ox, oy;
    bd_cover_geometry(src->width, src->height, w, h, &ratio, &ox, &oy);
    const int direct = out_format == BD_PIXEL_RGB24;
    if (ensure_image(&p->bg_scaled, w, h, out_format) != BD_OK ||
        (!direct && ensure_image(&p->bg_rgb, w, h, BD_PIXEL_RGB24) != BD_OK) ||
        bd_linear_axis_set(&p->bg_x, src->width, w, ratio, ox) != BD_OK ||
        bd_linear_axis_set(&p->bg_y, src->height, h, ratio, oy) != BD_OK)
        return bd_err_set(&p->err, BD_ERR_NO_MEMORY,
                          "out of memory scaling the background to %dx%d", w, h);
    if (direct) {
        bd_image_resample_rgb(src, &p->bg_x, &p->bg_y, &p->bg_scaled->view);
    } else {
        bd_image_resample_rgb(src, &p->bg_x, &p->bg_y, &p->bg_rgb->view);
        convert_image(&p->bg_rgb->view, &p->bg_scaled->view);
    }
    p->bg_key_data = src->data;
    p->bg_key_w = src->width;
    p->bg_key_h = src->height;
    p->bg_key_stride = src->stride_bytes;
    p->bg_key_format = src->format;
    p->bg_key_frame_w = w;
    p->bg_key_frame_h = h;
    p->bg_key_out_format = out_format;
    p->bg_key_hash = hash;
    *view = &p->bg_scaled->view;
    return BD_OK;
}

/* Checks out against frame and bg, fills the background part of the job. */
bd_status bd_pipeline_setup_background(bd_pipeline *p, const bd_image *frame, const bd_background *bg,
                                  const bd_image *out, bd_post_job *job) {
    bd_status st;
    if (!bg) return bd_err_set(&p->err, BD_ERR_INVALID_ARG, "background is NULL");
    const int transparent = bg->kind == BD_BG_TRANSPARENT;
    const int yuv = bd_format_is_yuv(frame->format);
    unsigned out_formats;
    const char *what = "out";
    if (transparent) {
        out_formats = BD_FMT_BIT(BD_PIXEL_RGBA32) | BD_FMT_BIT(BD_PIXEL_BGRA32);
        what = "out (transparent background needs RGBA32 or BGRA32)";
        if (yuv)
            return bd_err_set(&p->err, BD_ERR_UNSUPPORTED,
                              "transparent output needs an RGB-family frame, not %s",
                              bd_pixel_format_name(frame->format));
    } else if (yuv) {
        out_formats = BD_FMT_BIT(frame->format);
        what = "out (a YUV frame is composited in its own format)";
    } else {
        out_formats = RGB_FORMATS & ~BD_FMT_BIT(BD_PIXEL_GRAY8);
    }
    if ((st = bd_image_check(out, out_formats, what, &p->err)) != BD_OK ||
        (st = bd_pipeline_check_same_size(p, out, "out", frame)) != BD_OK)
        return st;
    job->out = out;
    job->premultiply = p->opts.premultiplied;
    switch (bg->kind) {
    case BD_BG_IMAGE: {
        if ((st = bd_image_check(bg->image, RGB_FORMATS, "background image", &p->err)) != BD_OK)
            return st;
        const bd_image *v = NULL;
        if ((st = scaled_background(p, bg->image, bg->image_version, frame->width,
                                    frame->height, out->format, &v)) != BD_OK)
            return st;
        job->bg = BD_POST_IMAGE;
        job->bg_image = v;
        if (p->opts.light_wrap > 0.0f && !p->bg_light_valid &&
            !bd_format_is_yuv(out->format)) {
            /* The light that wraps around the subject: the scaled background
             * blurred wide, made once per background with the post-process
             * itself (all-background alpha, blur background). */
            const int w = frame->width, h = frame->height;
            if (ensure_image(&p->bg_light, w, h, out->format) != BD_OK ||
                ensure_image(&p->zero_alpha, w, h, BD_PIXEL_GRAY8) != BD_OK)
                return bd_err_set(&p->err, BD_ERR_NO_MEMORY,
                                  "out of memory for the light wrap at %dx%d", w, h);
            bd_post_job lj = {0};
            lj.frame = v;
            lj.alpha_in = &p->zero_alpha->view;
            lj.bg = BD_POST_BLUR;
            lj.blur_radius = (w > h ? w : h) / 30 + 1;
            lj.out = &p->bg_light->view;
            if (bd_post_run(p->post, &lj) != BD_OK)
                return bd_err_set(&p->err, BD_ERR_NO_MEMORY,
                                  "out of memory for the light wrap at %dx%d", w, h);
            p->bg_light_valid = 1;
        }
        job->bg_light = p->bg_light_valid ? &p->bg_light->view : NULL;
        return BD_OK;
    }
    case BD_BG_BLUR:
        if (bg->blur_radius < 0)
            return bd_err_set(&p->err, BD_ERR_INVALID_ARG, "blur radius %d is negative",
                              bg->blur_radius);
        job->bg = BD_POST_BLUR;
        job->blur_radius = bg->blur_radius > 0 ? bg->blur_radius
                                               : bd_blur_default_radius(frame->width,
                                                                        frame->height);
        return BD_OK;
    case BD_BG_COLOR:
        job->bg = BD_POST_COLOR;
        if (yuv) {
            bd_rgb_to_yuv(bg->color, job->color);
        } else {
            int o[4];
            bd_format_rgba_offsets(out->format, o);
            for (int c = 0; c < 3; c++) job->color[o[c]] = bg->color[c];
            if (o[3] >= 0) job->color[o[3]] = 255;
        }
        return BD_OK;
    case BD_BG_TRANSPARENT: job->bg = BD_POST_TRANSPARENT; return BD_OK;
    default:
        return bd_err_set(&p->err, BD_ERR_INVALID_ARG, "unknown background kind %d",
                          (int)bg->kind);
    }
}

