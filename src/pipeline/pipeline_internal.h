/*
 * pipeline_internal.h -- the pipeline's state, shared by pipeline.c (model,
 * frames, composites) and pipeline_background.c (the background of a
 * composite). The pipeline is the one place that knows both the image stages
 * (src/image/) and the engine, which it uses through the public session API.
 */
#ifndef BD_PIPELINE_INTERNAL_H
#define BD_PIPELINE_INTERNAL_H

#include "image/image.h"
#include "image/post.h"

struct bd_pipeline {
    bd_err err;
    int failed; /* sticky: the session failed, every call returns BD_ERR_BAD_STATE */
    const bd_model *model; /* retained; NULL for a post-process-only pipeline */
    bd_session *session;
    bd_pipeline_options opts;
    bd_model_conventions conv; /* resolved at create */
    int in_w, in_h;   /* model image input, NHWC or NCHW (conv.layout) */
    int out_w, out_h; /* model mask output, n_classes channels (conv.output_layout) */
    int n_classes, person_class;
    int class_mode;   /* bd_class_probability_strided mode from conv.output_kind */
    int map_logits;   /* one channel of logits: the post-process applies the sigmoid */
    float *prob; /* n_classes > 1: [out_h][out_w] person probability */
    bd_tensor_map tmap; /* u8 -> input values, channel order and layout */
    bd_mask_params mask;
    bd_post *post;

    bd_linear_axis pre_x, pre_y; /* frame -> model input (n_out fixed at create) */
    bd_temporal *temporal;       /* options.temporal or .reuse; NULL otherwise */
    int last_fw, last_fh;        /* frame size of the last run (temporal reset on change) */
    int64_t frames;              /* frames run (without temporal; else its count) */
    int fgr_on;                  /* conv.fgr_output is used (options, sizes) */
    bd_image_buf *fg;            /* the fgr output as a frame (bd_foreground_from_tensor) */

    /* BD_BG_IMAGE: the background scaled to cover the frame in the out format,
     * via an RGB24 copy when the out format is not RGB24, and what it was made from. */
    bd_image_buf *bg_scaled, *bg_rgb;
    bd_image_buf *bg_light, *zero_alpha; /* light wrap: bg_scaled blurred (built on demand) */
    int bg_light_valid;
    bd_linear_axis bg_x, bg_y;
    const uint8_t *bg_key_data;
    int bg_key_w, bg_key_h, bg_key_frame_w, bg_key_frame_h;
    size_t bg_key_stride;
    bd_pixel_format bg_key_format, bg_key_out_format;
    uint64_t bg_key_hash;
};

/* BD_ERR_INVALID_ARG (with a message) unless image a has the frame's size. */
static inline bd_status bd_pipeline_check_same_size(bd_pipeline *p, const bd_image *a, const char *what,
                                 const bd_image *frame) {
    if (a->width == frame->width && a->height == frame->height) return BD_OK;
    return bd_err_set(&p->err, BD_ERR_INVALID_ARG, "%s is %dx%d but the frame is %dx%d", what,
                      a->width, a->height, frame->width, frame->height);
}

static const unsigned RGB_FORMATS =
    BD_FMT_BIT(BD_PIXEL_GRAY8) | BD_FMT_BIT(BD_PIXEL_RGB24) | BD_FMT_BIT(BD_PIXEL_RGBA32) |
    BD_FMT_BIT(BD_PIXEL_BGR24) | BD_FMT_BIT(BD_PIXEL_BGRA32) | BD_FMT_BIT(BD_PIXEL_RGBX32) |
    BD_FMT_BIT(BD_PIXEL_BGRX32);
static const unsigned ALL_FORMATS = RGB_FORMATS | BD_FMT_BIT(BD_PIXEL_YUYV) |
                                    BD_FMT_BIT(BD_PIXEL_NV12) | BD_FMT_BIT(BD_PIXEL_I420);

/* Fills job's background fields from bg for `frame` and `out` (scaling and
 * caching an image background; pipeline_background.c). */
bd_status bd_pipeline_setup_background(bd_pipeline *p, const bd_image *frame, const bd_background *bg,
                                  const bd_image *out, bd_post_job *job);

#endif /* BD_PIPELINE_INTERNAL_H */
