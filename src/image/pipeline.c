/*
 * pipeline.c -- the matting pipeline of backdrop.h (bd_pipeline_*): frame ->
 * model input tensor -> model -> probability map -> full-resolution alpha ->
 * composite over an image, a colour, the blurred frame, or transparency.
 *
 * Built only on the public session API, so it runs any model with one f32
 * NHWC input [1,H,W,3] and a first output [1,h,w,1] (person probability).
 * Everything that depends on the model size is allocated at create; buffers
 * that depend on the frame size (upsampling tables, the scaled background, blur
 * scratch) grow on first use and are reused while sizes repeat, so a video
 * does no allocation per frame. The scaled background image is cached between
 * calls, keyed on the source view (pointer, size, stride, format), a hash of
 * its pixels (so changing them in place is noticed) and the frame size.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"

struct bd_pipeline {
    bd_err err;
    int failed; /* sticky: the session failed, every call returns BD_ERR_BAD_STATE */
    const bd_model *model; /* retained */
    bd_session *session;
    bd_pipeline_options opts;
    int in_w, in_h;   /* model input [1, in_h, in_w, 3] */
    int out_w, out_h; /* model output [1, out_h, out_w, 1] */
    float lut[256];   /* u8 -> input value */
    bd_mask_params mask;

    bd_linear_axis pre_x, pre_y; /* frame -> model input (n_out fixed at create) */
    bd_linear_axis up_x, up_y;   /* model output -> frame */
    float *row_tmp;              /* [out_w] upsampler scratch */

    /* BD_BG_IMAGE: the background scaled to cover the frame (RGB24), and what it
     * was made from. */
    bd_image_buf *bg_scaled;
    bd_linear_axis bg_x, bg_y;
    const uint8_t *bg_key_data;
    int bg_key_w, bg_key_h, bg_key_frame_w, bg_key_frame_h;
    size_t bg_key_stride;
    bd_pixel_format bg_key_format;
    uint64_t bg_key_hash;

    /* BD_BG_BLUR: scratch and the blurred background (RGB24). */
    float *blur_scratch;
    size_t blur_cap; /* floats */
    bd_image_buf *blur_bg;
};

void bd_pipeline_options_default(bd_pipeline_options *opts) {
    if (!opts) return;
    memset(opts, 0, sizeof *opts);
    opts->struct_size = sizeof *opts;
    opts->n_threads = 0;
    opts->input_scale = 1.0f;
    opts->input_offset = 0.0f;
    opts->threshold = 0.5f;
    opts->softness = 0.0f;
}

const char *bd_pipeline_last_error(const bd_pipeline *p) { return p ? p->err.msg : ""; }

void bd_pipeline_free(bd_pipeline *p) {
    if (!p) return;
    bd_session_free(p->session);
    bd_linear_axis_free(&p->pre_x);
    bd_linear_axis_free(&p->pre_y);
    bd_linear_axis_free(&p->up_x);
    bd_linear_axis_free(&p->up_y);
    bd_linear_axis_free(&p->bg_x);
    bd_linear_axis_free(&p->bg_y);
    free(p->row_tmp);
    bd_image_free(p->bg_scaled);
    bd_aligned_free(p->blur_scratch);
    bd_image_free(p->blur_bg);
    free(p);
}

/* True if t is f32 [1, h, w, channels] with sane h, w. */
static int is_nhwc(const bd_tensor_info *t, int64_t channels) {
    return t->dtype == BD_DTYPE_F32 && t->n_dims == 4 && t->dims[0] == 1 && t->dims[1] >= 1 &&
           t->dims[1] <= BD_IMAGE_MAX_DIM && t->dims[2] >= 1 && t->dims[2] <= BD_IMAGE_MAX_DIM &&
           t->dims[3] == channels;
}

bd_status bd_pipeline_create(const bd_model *model, const bd_pipeline_options *opts,
                             bd_pipeline **out) {
    if (!model || !out) return BD_ERR_INVALID_ARG;
    bd_pipeline_options o;
    bd_pipeline_options_default(&o);
    if (opts) {
        if (opts->struct_size < offsetof(bd_pipeline_options, n_threads) + sizeof o.n_threads)
            return BD_ERR_INVALID_ARG;
        memcpy(&o, opts, opts->struct_size < sizeof o ? opts->struct_size : sizeof o);
        o.struct_size = sizeof o;
    }
    if (o.n_threads < 0 || !isfinite(o.input_scale) || !isfinite(o.input_offset) ||
        !isfinite(o.threshold) || !isfinite(o.softness))
        return BD_ERR_INVALID_ARG;

    /* The model must look like a segmentation network: one f32 image input and
     * a one-channel map as its first output. */
    bd_tensor_info in, mo;
    if (bd_model_n_inputs(model) == 0) return BD_ERR_BAD_STATE; /* not loaded */
    if (bd_model_n_inputs(model) != 1 || bd_model_n_outputs(model) < 1 ||
        bd_model_input_info(model, 0, &in) != BD_OK ||
        bd_model_output_info(model, 0, &mo) != BD_OK || !is_nhwc(&in, 3) || !is_nhwc(&mo, 1))
        return BD_ERR_UNSUPPORTED;

    bd_pipeline *p = calloc(1, sizeof *p);
    if (!p) return BD_ERR_NO_MEMORY;
    p->model = model;
    p->opts = o;
    p->in_h = (int)in.dims[1];
    p->in_w = (int)in.dims[2];
    p->out_h = (int)mo.dims[1];
    p->out_w = (int)mo.dims[2];
    p->mask.threshold = o.threshold;
    p->mask.softness = o.softness;
    bd_tensor_lut(o.input_scale, o.input_offset, p->lut);

    bd_session_options so;
    bd_session_options_default(&so);
    so.n_threads = o.n_threads;
    bd_status st = bd_session_create(model, &so, &p->session);
    if (st != BD_OK) goto fail;
    st = BD_ERR_NO_MEMORY;
    p->row_tmp = malloc((size_t)p->out_w * sizeof *p->row_tmp);
    if (!p->row_tmp) goto fail;
    /* Build the preprocessing tables for a 1x1 frame just to allocate them at
     * their final size (in_w, in_h entries); frames only change their ratio. */
    if (bd_linear_axis_set(&p->pre_x, 1, p->in_w, 1.0 / p->in_w, 0.0) != BD_OK ||
        bd_linear_axis_set(&p->pre_y, 1, p->in_h, 1.0 / p->in_h, 0.0) != BD_OK)
        goto fail;
    *out = p;
    return BD_OK;

fail:
    bd_pipeline_free(p);
    return st;
}

/* Common entry: NULL / sticky checks, then a fresh error for this call. */
static bd_status begin(bd_pipeline *p) {
    if (p->failed) return BD_ERR_BAD_STATE;
    bd_err_clear(&p->err);
    return BD_OK;
}

static bd_status check_same_size(bd_pipeline *p, const bd_image *a, const char *what,
                                 const bd_image *frame) {
    if (a->width == frame->width && a->height == frame->height) return BD_OK;
    return bd_err_set(&p->err, BD_ERR_INVALID_ARG, "%s is %dx%d but the frame is %dx%d", what,
                      a->width, a->height, frame->width, frame->height);
}

static const unsigned FRAME_FORMATS =
    BD_FMT_BIT(BD_PIXEL_GRAY8) | BD_FMT_BIT(BD_PIXEL_RGB24) | BD_FMT_BIT(BD_PIXEL_RGBA32);

bd_status bd_pipeline_mask(bd_pipeline *p, const bd_image *frame, const bd_image *alpha) {
    if (!p) return BD_ERR_INVALID_ARG;
    bd_status st = begin(p);
    if (st != BD_OK) return st;
    if ((st = bd_image_check(frame, FRAME_FORMATS, "frame", &p->err)) != BD_OK ||
        (st = bd_image_check(alpha, BD_FMT_BIT(BD_PIXEL_GRAY8), "alpha", &p->err)) != BD_OK ||
        (st = check_same_size(p, alpha, "alpha", frame)) != BD_OK)
        return st;
    const int fw = frame->width, fh = frame->height;

    /* Tables: the preprocessing ones never grow (n_out = model size); the
     * upsampling ones grow only for a larger frame. */
    if (bd_linear_axis_set(&p->pre_x, fw, p->in_w, (double)fw / p->in_w, 0.0) != BD_OK ||
        bd_linear_axis_set(&p->pre_y, fh, p->in_h, (double)fh / p->in_h, 0.0) != BD_OK ||
        bd_linear_axis_set(&p->up_x, p->out_w, fw, (double)p->out_w / fw, 0.0) != BD_OK ||
        bd_linear_axis_set(&p->up_y, p->out_h, fh, (double)p->out_h / fh, 0.0) != BD_OK)
        return bd_err_set(&p->err, BD_ERR_NO_MEMORY, "out of memory for a %dx%d frame", fw, fh);

    float *input = NULL;
    size_t n = 0;
    st = bd_session_input(p->session, 0, &input, &n);
    if (st == BD_OK && n != (size_t)p->in_w * (size_t)p->in_h * 3) st = BD_ERR_BAD_STATE;
    if (st != BD_OK) {
        p->failed = 1;
        return bd_err_set(&p->err, st, "model input buffer: %s (%zu elements, expected %dx%dx3)",
                          bd_session_last_error(p->session), n, p->in_h, p->in_w);
    }
    bd_image_to_tensor(frame, &p->pre_x, &p->pre_y, p->lut, input);

    st = bd_session_run(p->session);
    if (st != BD_OK) {
        p->failed = 1;
        return bd_err_set(&p->err, st, "model run failed: %s", bd_session_last_error(p->session));
    }
    const float *prob = NULL;
    st = bd_session_output(p->session, 0, &prob, &n);
    if (st == BD_OK && n != (size_t)p->out_w * (size_t)p->out_h) st = BD_ERR_BAD_STATE;
    if (st != BD_OK) {
        p->failed = 1;
        return bd_err_set(&p->err, st, "model output: %s (%zu elements, expected %dx%d)",
                          bd_session_last_error(p->session), n, p->out_h, p->out_w);
    }
    bd_mask_upsample(prob, p->out_w, p->out_h, &p->up_x, &p->up_y, &p->mask, p->row_tmp, alpha);
    return BD_OK;
}

/* Makes *buf an RGB24 image of w x h, reusing it if it already is one. */
static bd_status ensure_rgb(bd_image_buf **buf, int w, int h) {
    if (*buf && (*buf)->view.width == w && (*buf)->view.height == h) return BD_OK;
    bd_image_free(*buf);
    *buf = NULL;
    return bd_image_alloc(w, h, BD_PIXEL_RGB24, buf);
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

/* The background image scaled to cover the frame, from the cache when possible. */
static bd_status scaled_background(bd_pipeline *p, const bd_image *src, int w, int h,
                                   const bd_image **view) {
    const uint64_t hash = hash_pixels(src);
    if (p->bg_scaled && p->bg_key_data == src->data && p->bg_key_w == src->width &&
        p->bg_key_h == src->height && p->bg_key_stride == src->stride_bytes &&
        p->bg_key_format == src->format && p->bg_key_frame_w == w && p->bg_key_frame_h == h &&
        p->bg_key_hash == hash) {
        *view = &p->bg_scaled->view;
        return BD_OK;
    }
    p->bg_key_data = NULL; /* invalid until rebuilt */
    double ratio, ox, oy;
    bd_cover_geometry(src->width, src->height, w, h, &ratio, &ox, &oy);
    if (ensure_rgb(&p->bg_scaled, w, h) != BD_OK ||
        bd_linear_axis_set(&p->bg_x, src->width, w, ratio, ox) != BD_OK ||
        bd_linear_axis_set(&p->bg_y, src->height, h, ratio, oy) != BD_OK)
        return bd_err_set(&p->err, BD_ERR_NO_MEMORY,
                          "out of memory scaling the background to %dx%d", w, h);
    bd_image_resample_rgb(src, &p->bg_x, &p->bg_y, &p->bg_scaled->view);
    p->bg_key_data = src->data;
    p->bg_key_w = src->width;
    p->bg_key_h = src->height;
    p->bg_key_stride = src->stride_bytes;
    p->bg_key_format = src->format;
    p->bg_key_frame_w = w;
    p->bg_key_frame_h = h;
    p->bg_key_hash = hash;
    *view = &p->bg_scaled->view;
    return BD_OK;
}

/* The frame's background blurred (see blur.c). */
static bd_status blurred_background(bd_pipeline *p, const bd_image *frame, const bd_image *alpha,
                                    int radius, const bd_image **view) {
    const int w = frame->width, h = frame->height;
    size_t need = bd_blur_scratch_floats(w, h), bytes;
    if (need == 0 || !bd_size_mul(need, sizeof(float), &bytes))
        return bd_err_set(&p->err, BD_ERR_LIMIT, "frame %dx%d is too large to blur", w, h);
    if (need > p->blur_cap) {
        bd_aligned_free(p->blur_scratch);
        p->blur_cap = 0;
        p->blur_scratch = bd_aligned_alloc(bytes);
        if (!p->blur_scratch)
            return bd_err_set(&p->err, BD_ERR_NO_MEMORY,
                              "out of memory for the blur of a %dx%d frame (%zu MiB)", w, h,
                              bytes >> 20);
        p->blur_cap = need;
    }
    if (ensure_rgb(&p->blur_bg, w, h) != BD_OK)
        return bd_err_set(&p->err, BD_ERR_NO_MEMORY, "out of memory for a %dx%d background", w,
                          h);
    bd_blur_background(frame, alpha, radius > 0 ? radius : bd_blur_default_radius(w, h),
                       p->blur_scratch, &p->blur_bg->view);
    *view = &p->blur_bg->view;
    return BD_OK;
}

bd_status bd_pipeline_composite(bd_pipeline *p, const bd_image *frame, const bd_image *alpha,
                                const bd_background *bg, const bd_image *out) {
    if (!p) return BD_ERR_INVALID_ARG;
    bd_status st = begin(p);
    if (st != BD_OK) return st;
    if (!bg) return bd_err_set(&p->err, BD_ERR_INVALID_ARG, "background is NULL");
    const int transparent = bg->kind == BD_BG_TRANSPARENT;
    const unsigned out_formats = transparent ? BD_FMT_BIT(BD_PIXEL_RGBA32)
                                             : BD_FMT_BIT(BD_PIXEL_RGB24) |
                                                   BD_FMT_BIT(BD_PIXEL_RGBA32);
    if ((st = bd_image_check(frame, FRAME_FORMATS, "frame", &p->err)) != BD_OK ||
        (st = bd_image_check(alpha, BD_FMT_BIT(BD_PIXEL_GRAY8), "alpha", &p->err)) != BD_OK ||
        (st = check_same_size(p, alpha, "alpha", frame)) != BD_OK ||
        (st = bd_image_check(out, out_formats,
                             transparent ? "out (transparent background needs RGBA32)" : "out",
                             &p->err)) != BD_OK ||
        (st = check_same_size(p, out, "out", frame)) != BD_OK)
        return st;

    const bd_image *bgv = NULL;
    switch (bg->kind) {
    case BD_BG_IMAGE:
        if ((st = bd_image_check(bg->image, FRAME_FORMATS, "background image", &p->err)) !=
            BD_OK)
            return st;
        if ((st = scaled_background(p, bg->image, frame->width, frame->height, &bgv)) != BD_OK)
            return st;
        bd_image_composite(frame, alpha, bgv, NULL, out);
        return BD_OK;
    case BD_BG_BLUR:
        if (bg->blur_radius < 0)
            return bd_err_set(&p->err, BD_ERR_INVALID_ARG, "blur radius %d is negative",
                              bg->blur_radius);
        if ((st = blurred_background(p, frame, alpha, bg->blur_radius, &bgv)) != BD_OK)
            return st;
        bd_image_composite(frame, alpha, bgv, NULL, out);
        return BD_OK;
    case BD_BG_COLOR:
        bd_image_composite(frame, alpha, NULL, bg->color, out);
        return BD_OK;
    case BD_BG_TRANSPARENT:
        bd_image_attach_alpha(frame, alpha, out);
        return BD_OK;
    default:
        return bd_err_set(&p->err, BD_ERR_INVALID_ARG, "unknown background kind %d",
                          (int)bg->kind);
    }
}
