/*
 * pipeline.c -- the matting pipeline of backdrop.h (bd_pipeline_*): frame ->
 * model input tensor (one pass: colour conversion, fit policy, bilinear
 * resampling, normalisation) -> model -> person map -> the fused post-process
 * of post.c (mask upsampling, refinement, background, blend in one pass over
 * the frame's rows, on the pipeline's persistent thread pool).
 *
 * Built only on the public session API, so it runs any model with an f32
 * image input ([1,H,W,3] or [1,3,H,W]) and a mask output ([1,h,w,N],
 * [1,N,h,w] or [1,h,w]) as its bd_model_conventions say (which input and
 * output, layout, colour order, mean/std, logits or probabilities): N = 1, a
 * person probability, logit or alpha; N >= 2, class scores turned into the
 * person class's probability by bd_class_probability_strided (classes.c).
 * Recurrent state inputs are carried by the session. Everything that depends
 * on the model size is allocated at create; buffers that depend on the
 * frame size (upsampling tables, the scaled background, blur planes,
 * per-thread rows) grow on first use and are reused
 * while sizes repeat, so a video does no allocation per frame. The scaled
 * background image is cached between calls, keyed on the source view
 * (pointer, size, stride, format), a hash of its pixels (so changing them in
 * place is noticed), the frame size and the out format.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pipeline_internal.h"


void bd_pipeline_options_default(bd_pipeline_options *opts) {
    if (!opts) return;
    memset(opts, 0, sizeof *opts);
    opts->struct_size = sizeof *opts;
    opts->n_threads = 0;
    opts->input_scale = 1.0f;
    opts->input_offset = 0.0f;
    opts->threshold = 0.5f;
    opts->softness = 0.0f;
    opts->fit = BD_FIT_STRETCH;
    opts->refine = 0;
    opts->refine_radius = 0;
    opts->refine_eps = 0.0f;
    opts->feather = 0.0f;
    opts->light_wrap = 0.0f;
    opts->premultiplied = 0;
    opts->mask_logits = 0;
    opts->isa = BD_ISA_AUTO;
    opts->person_class = -1;
    opts->error_buf = NULL;
    opts->error_buf_size = 0;
}

const char *bd_pipeline_last_error(const bd_pipeline *p) { return p ? p->err.msg : ""; }

void bd_pipeline_free(bd_pipeline *p) {
    if (!p) return;
    bd_session_free(p->session);
    bd_temporal_free(p->temporal);
    bd_post_free(p->post);
    bd_linear_axis_free(&p->pre_x);
    bd_linear_axis_free(&p->pre_y);
    bd_linear_axis_free(&p->bg_x);
    bd_linear_axis_free(&p->bg_y);
    bd_image_free(p->bg_scaled);
    bd_image_free(p->bg_rgb);
    bd_image_free(p->bg_light);
    bd_image_free(p->zero_alpha);
    bd_image_free(p->fg);
    free(p->prob);
    free(p);
}

/* Most class channels a model output may have. */
#define MAX_CLASSES 4096

/* True if t is f32 [1, a, b, c] with every dimension in 1..BD_IMAGE_MAX_DIM. */
static int is_4d(const bd_tensor_info *t) {
    return t->dtype == BD_DTYPE_F32 && t->n_dims == 4 && t->dims[0] == 1 && t->dims[1] >= 1 &&
           t->dims[1] <= BD_IMAGE_MAX_DIM && t->dims[2] >= 1 && t->dims[2] <= BD_IMAGE_MAX_DIM &&
           t->dims[3] >= 1 && t->dims[3] <= BD_IMAGE_MAX_DIM;
}

/* "[1, 144, 256, 2] f32" into buf. */
static const char *shape_str(const bd_tensor_info *t, char *buf, size_t size) {
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; i < t->n_dims && i < BD_MAX_DIMS && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s%lld", i ? ", " : "[", (long long)t->dims[i]);
    if (n < size) snprintf(buf + n, size - n, "%s %s", t->n_dims ? "]" : "[]",
                           t->dtype == BD_DTYPE_F32 ? "f32" : "not f32");
    return buf;
}

/* The caller's error buffer (if the options are readable), for create failures. */
static bd_status create_error(const bd_pipeline_options *opts, const bd_err *e) {
    if (opts && opts->struct_size >= offsetof(bd_pipeline_options, error_buf_size) +
                                         sizeof opts->error_buf_size &&
        opts->error_buf && opts->error_buf_size > 0)
        snprintf(opts->error_buf, opts->error_buf_size, "%s", e->msg);
    return e->status;
}

/* Copies and checks the caller's options (older, shorter structs are fine). */
static bd_status read_options(const bd_pipeline_options *opts, bd_pipeline_options *o,
                              bd_err *e) {
    bd_pipeline_options_default(o);
    if (opts) {
        if (opts->struct_size < offsetof(bd_pipeline_options, n_threads) + sizeof o->n_threads)
            return bd_err_set(e, BD_ERR_INVALID_ARG,
                              "options struct_size %zu is too small (not filled by "
                              "bd_pipeline_options_default?)",
                              opts->struct_size);
        memcpy(o, opts, opts->struct_size < sizeof *o ? opts->struct_size : sizeof *o);
        o->struct_size = sizeof *o;
    }
    o->error_buf = NULL; /* borrowed for the create call only */
    o->error_buf_size = 0;
    const char *bad = NULL;
    if (o->n_threads < 0 || o->n_threads > 256) bad = "n_threads (0..256)";
    else if (!isfinite(o->input_scale) || !isfinite(o->input_offset)) bad = "input_scale/offset";
    else if (!isfinite(o->threshold) || !isfinite(o->softness)) bad = "threshold/softness";
    else if (o->fit < BD_FIT_STRETCH || o->fit > BD_FIT_CROP) bad = "fit";
    else if (o->refine_radius < 0 || o->refine_radius > 1000) bad = "refine_radius (0..1000)";
    else if (!(o->refine_eps >= 0.0f) || !(o->refine_eps < 1e6f)) bad = "refine_eps";
    else if (!(o->feather >= 0.0f) || !(o->feather <= 1000.0f)) bad = "feather (0..1000)";
    else if (!(o->light_wrap >= 0.0f) || !(o->light_wrap <= 1.0f)) bad = "light_wrap (0..1)";
    else if (o->isa < BD_ISA_AUTO || o->isa > BD_ISA_NEON) bad = "isa";
    else if (o->person_class < -1 || o->person_class >= MAX_CLASSES) bad = "person_class";
    else if (o->temporal != 0 && o->temporal != 1) bad = "temporal (0 or 1)";
    else if (!(o->temporal_strength >= 0.0f) || !(o->temporal_strength <= 1.0f))
        bad = "temporal_strength (0..1)";
    else if (o->reuse != 0 && o->reuse != 1) bad = "reuse (0 or 1)";
    else if (o->ignore_fgr != 0 && o->ignore_fgr != 1) bad = "ignore_fgr (0 or 1)";
    if (bad) return bd_err_set(e, BD_ERR_INVALID_ARG, "invalid pipeline option %s", bad);
    return BD_OK;
}

static bd_status create_common(const bd_pipeline_options *o, bd_pipeline **out) {
    bd_pipeline *p = calloc(1, sizeof *p);
    if (!p) return BD_ERR_NO_MEMORY;
    p->opts = *o;
    p->mask.threshold = o->threshold;
    p->mask.softness = o->softness;
    bd_status st = bd_post_create(o->n_threads > 0 ? o->n_threads : 1, o->isa, &p->post);
    if (st != BD_OK) {
        bd_pipeline_free(p);
        return st;
    }
    *out = p;
    return BD_OK;
}

bd_status bd_pipeline_create_postprocess(const bd_pipeline_options *opts, bd_pipeline **out) {
    bd_err e = {0};
    if (!out) return bd_err_set(&e, BD_ERR_INVALID_ARG, "out is NULL"), create_error(opts, &e);
    bd_pipeline_options o;
    bd_status st = read_options(opts, &o, &e);
    if (st == BD_OK && (st = create_common(&o, out)) != BD_OK)
        bd_err_set(&e, st, "cannot create the post-process: %s", bd_status_str(st));
    return create_error(opts, &e);
}

/* The conventions to use: the caller's or the inferred ones, with the older
 * option fields on top when they are not at their defaults. */
static bd_status resolve_conventions(const bd_model *model, const bd_pipeline_options *o,
                                     bd_model_conventions *c, bd_err *e) {
    char why[256] = "";
    if (bd_model_n_inputs(model) == 0)
        return bd_err_set(e, BD_ERR_BAD_STATE, "the model is not loaded");
    memset(c, 0, sizeof *c);
    c->struct_size = sizeof *c;
    bd_status st = bd_model_conventions_infer(model, c, why, sizeof why);
    if (o->conventions) {
        const bd_model_conventions *u = o->conventions;
        if (u->struct_size < offsetof(bd_model_conventions, from_image_input))
            return bd_err_set(e, BD_ERR_INVALID_ARG,
                              "conventions struct_size %zu is too small", u->struct_size);
        memcpy(c, u, u->struct_size < sizeof *c ? u->struct_size : sizeof *c);
        c->struct_size = sizeof *c;
    } else if (st != BD_OK) {
        return bd_err_set(e, st, "%s", why);
    }
    if (o->input_scale != 1.0f || o->input_offset != 0.0f) {
        if (o->input_scale == 0.0f)
            return bd_err_set(e, BD_ERR_INVALID_ARG, "invalid pipeline option input_scale 0");
        for (int k = 0; k < 3; k++) {
            c->mean[k] = -o->input_offset / o->input_scale;
            c->std[k] = 1.0f / o->input_scale;
        }
        c->from_norm = BD_FROM_CALLER;
    }
    if (o->mask_logits) {
        c->output_kind = BD_OUTPUT_LOGITS;
        c->from_output_kind = BD_FROM_CALLER;
    }
    if (o->person_class >= 0) {
        c->person_class = o->person_class;
        c->from_class = BD_FROM_CALLER;
    }
    const char *bad = NULL;
    if (c->layout != BD_LAYOUT_NHWC && c->layout != BD_LAYOUT_NCHW) bad = "layout";
    else if (c->output_layout != BD_LAYOUT_NHWC && c->output_layout != BD_LAYOUT_NCHW)
        bad = "output_layout";
    else if (c->output_kind < BD_OUTPUT_UNKNOWN || c->output_kind > BD_OUTPUT_ALPHA)
        bad = "output_kind";
    else if (c->bgr != 0 && c->bgr != 1) bad = "bgr";
    else if (c->person_class < -1 || c->person_class >= MAX_CLASSES) bad = "person_class";
    else if (c->n_state_pairs < 0 || c->n_state_pairs > BD_MAX_STATE_PAIRS) bad = "n_state_pairs";
    else if (c->image_input < 0 || c->image_input >= bd_model_n_inputs(model)) bad = "image_input";
    else if (c->mask_output < 0 || c->mask_output >= bd_model_n_outputs(model))
        bad = "mask_output";
    else if (c->fgr_output < -1 || c->fgr_output >= bd_model_n_outputs(model)) bad = "fgr_output";
    if (c->fgr_output == c->mask_output) c->fgr_output = -1;
    for (int k = 0; k < 3 && !bad; k++)
        if (!isfinite(c->mean[k]) || !isfinite(c->std[k]) || !(fabsf(c->std[k]) >= 1e-12f) ||
            !isfinite(1.0f / c->std[k]))
            bad = "mean/std";
    for (int k = 0; k < c->n_state_pairs && !bad; k++)
        if (c->state_input[k] < 0 || c->state_input[k] >= bd_model_n_inputs(model) ||
            c->state_output[k] < 0 || c->state_output[k] >= bd_model_n_outputs(model) ||
            c->state_input[k] == c->image_input)
            bad = "state pairs";
    if (bad) return bd_err_set(e, BD_ERR_INVALID_ARG, "invalid model convention %s", bad);
    return BD_OK;
}

/* Checks the model's tensors against the conventions: an f32 image input
 * [1,H,W,3] / [1,3,H,W], a mask output [1,h,w,N] / [1,N,h,w] / [1,h,w], every
 * other input a carried state; picks the person class. */
static bd_status check_model(const bd_model *model, const bd_model_conventions *c,
                             bd_tensor_info *in, bd_tensor_info *mo, int *n_classes, int *cls,
                             bd_err *e) {
    char sh[128];
    if (bd_model_input_info(model, c->image_input, in) != BD_OK ||
        bd_model_output_info(model, c->mask_output, mo) != BD_OK)
        return bd_err_set(e, BD_ERR_UNSUPPORTED, "the model has no such input or output");
    const int nchw = c->layout == BD_LAYOUT_NCHW;
    if (!is_4d(in) || in->dims[nchw ? 1 : 3] != 3)
        return bd_err_set(e, BD_ERR_UNSUPPORTED,
                          "model input '%s' is %s; the pipeline needs an f32 %s image %s",
                          in->name, shape_str(in, sh, sizeof sh), nchw ? "NCHW" : "NHWC",
                          nchw ? "[1, 3, H, W]" : "[1, H, W, 3]");
    for (int i = 0; i < bd_model_n_inputs(model); i++) {
        int state = 0;
        for (int k = 0; k < c->n_state_pairs; k++) state |= c->state_input[k] == i;
        bd_tensor_info t;
        if (i == c->image_input || state || bd_model_input_info(model, i, &t) != BD_OK) continue;
        return bd_err_set(e, BD_ERR_UNSUPPORTED,
                          "model input '%s' %s is neither the image nor a recurrent state "
                          "input; the pipeline cannot feed it (only RVM's downsample_ratio "
                          "is bound at load; recurrent state can be declared in the sidecar: "
                          "state = IN OUT)",
                          t.name, shape_str(&t, sh, sizeof sh));
    }
    /* [1, h, w] is one channel; otherwise channels last or first */
    bd_tensor_info m4 = *mo;
    if (m4.n_dims == 3) {
        m4.n_dims = 4;
        m4.dims[3] = 1;
        if (c->output_layout == BD_LAYOUT_NCHW) {
            m4.dims[3] = m4.dims[2];
            m4.dims[2] = m4.dims[1];
            m4.dims[1] = 1;
        }
    }
    const int onchw = c->output_layout == BD_LAYOUT_NCHW;
    int ok = m4.dtype == BD_DTYPE_F32 && m4.n_dims == 4 && m4.dims[0] == 1;
    for (int d = 1; ok && d < 4; d++) ok = m4.dims[d] >= 1 && m4.dims[d] <= BD_IMAGE_MAX_DIM;
    if (ok) ok = m4.dims[onchw ? 1 : 3] <= MAX_CLASSES;
    if (!ok)
        return bd_err_set(e, BD_ERR_UNSUPPORTED,
                          "model output '%s' is %s; the pipeline needs an f32 %s map %s "
                          "with 1 <= N <= %d classes",
                          mo->name, shape_str(mo, sh, sizeof sh), onchw ? "NCHW" : "NHWC",
                          onchw ? "[1, N, h, w]" : "[1, h, w, N]", MAX_CLASSES);
    *mo = m4;
    const int n = (int)m4.dims[onchw ? 1 : 3];
    *n_classes = n;
    *cls = c->person_class;
    if (*cls < 0) {
        if (n > 2)
            return bd_err_set(e, BD_ERR_UNSUPPORTED,
                              "model output '%s' has %d class channels; say which one is the "
                              "person (person_class, CLI --class)",
                              mo->name, n);
        *cls = n - 1; /* the only channel, or channel 1 of two */
    } else if (*cls >= n) {
        return bd_err_set(e, BD_ERR_INVALID_ARG,
                          "person class %d is out of range: model output '%s' has %d "
                          "channel%s",
                          *cls, mo->name, n, n == 1 ? "" : "s");
    }
    return BD_OK;
}

/* Per-channel LUTs: tensor = (u8 / 255 - mean) / std, in the model's channel
 * order (BGR swaps where R and B go). */
static void build_tensor_map(const bd_model_conventions *c, bd_tensor_map *tm) {
    tm->planar = c->layout == BD_LAYOUT_NCHW;
    for (int k = 0; k < 3; k++) {
        tm->dst_channel[k] = c->bgr ? 2 - k : k;
        const float scale = 1.0f / c->std[k], offset = -c->mean[k] / c->std[k];
        bd_tensor_lut(scale, offset, tm->lut[k]);
        tm->pad[k] = tm->lut[k][128];
    }
}

bd_status bd_pipeline_create(const bd_model *model, const bd_pipeline_options *opts,
                             bd_pipeline **out) {
    bd_err e = {0};
    if (!model || !out)
        return bd_err_set(&e, BD_ERR_INVALID_ARG, "model or out is NULL"), create_error(opts, &e);
    bd_pipeline_options o;
    bd_model_conventions conv;
    bd_tensor_info in, mo;
    int cls = 0, n_classes = 1;
    bd_status st = read_options(opts, &o, &e);
    if (st == BD_OK) st = resolve_conventions(model, &o, &conv, &e);
    if (st == BD_OK) st = check_model(model, &conv, &in, &mo, &n_classes, &cls, &e);
    if (st != BD_OK) return create_error(opts, &e);
    o.conventions = NULL; /* borrowed for the create call only */

    bd_pipeline *p = NULL;
    if ((st = create_common(&o, &p)) != BD_OK) {
        bd_err_set(&e, st, "cannot create the post-process: %s", bd_status_str(st));
        return create_error(opts, &e);
    }
    p->model = model;
    p->conv = conv;
    const int nchw = conv.layout == BD_LAYOUT_NCHW, onchw = conv.output_layout == BD_LAYOUT_NCHW;
    p->in_h = (int)in.dims[nchw ? 2 : 1];
    p->in_w = (int)in.dims[nchw ? 3 : 2];
    p->out_h = (int)mo.dims[onchw ? 2 : 1];
    p->out_w = (int)mo.dims[onchw ? 3 : 2];
    p->n_classes = n_classes;
    p->person_class = cls;
    p->class_mode = conv.output_kind == BD_OUTPUT_LOGITS                                   ? 2
                    : conv.output_kind == BD_OUTPUT_UNKNOWN                                ? 0
                                                                                           : 1;
    p->map_logits = n_classes == 1 && conv.output_kind == BD_OUTPUT_LOGITS;
    build_tensor_map(&conv, &p->tmap);
    p->tmap.rows = bd_post_kernels(p->post);
    if (conv.fgr_output >= 0 && !o.ignore_fgr) {
        /* used where it is at the frame's size (the model's input = its output) */
        bd_tensor_info fi;
        const int fc = onchw ? 1 : 3, fh = onchw ? 2 : 1, fw = onchw ? 3 : 2;
        p->fgr_on = bd_model_output_info(model, conv.fgr_output, &fi) == BD_OK &&
                    fi.n_dims == 4 && fi.dims[fc] == 3 && fi.dims[fh] == p->out_h &&
                    fi.dims[fw] == p->out_w && p->out_w == p->in_w && p->out_h == p->in_h;
    }

    bd_session_options so;
    bd_session_options_default(&so);
    so.n_threads = o.n_threads;
    int pairs[2 * BD_MAX_STATE_PAIRS];
    for (int k = 0; k < conv.n_state_pairs; k++) {
        pairs[2 * k] = conv.state_input[k];
        pairs[2 * k + 1] = conv.state_output[k];
    }
    so.state_pairs = pairs;
    so.n_state_pairs = conv.n_state_pairs;
    st = bd_session_create(model, &so, &p->session);
    if (st != BD_OK) {
        bd_err_set(&e, st, "cannot create a session: %s", bd_status_str(st));
        goto fail;
    }
    st = bd_err_set(&e, BD_ERR_NO_MEMORY, "out of memory for the pipeline's buffers");
    if (p->n_classes > 1 &&
        !(p->prob = malloc((size_t)p->out_w * (size_t)p->out_h * sizeof *p->prob)))
        goto fail;
    if (o.temporal || o.reuse) {
        const float strength =
            !o.temporal ? 0.0f : o.temporal_strength > 0.0f ? o.temporal_strength : 0.8f;
        p->temporal = bd_temporal_create(p->in_w, p->in_h, nchw, conv.std, p->out_w, p->out_h,
                                         strength, o.isa, bd_post_pool(p->post));
        if (!p->temporal) goto fail;
    }
    /* Build the preprocessing tables for a 1x1 frame just to allocate them at
     * their final size (in_w, in_h entries); frames only change their ratio. */
    if (bd_linear_axis_set(&p->pre_x, 1, p->in_w, 1.0 / p->in_w, 0.0) != BD_OK ||
        bd_linear_axis_set(&p->pre_y, 1, p->in_h, 1.0 / p->in_h, 0.0) != BD_OK)
        goto fail;
    bd_err_clear(&e);
    create_error(opts, &e); /* "" */
    *out = p;
    return BD_OK;

fail:
    bd_pipeline_free(p);
    return create_error(opts, &e);
}

bd_status bd_pipeline_reset_state(bd_pipeline *p) {
    if (!p) return BD_ERR_INVALID_ARG;
    if (p->failed) return BD_ERR_BAD_STATE;
    bd_temporal_reset(p->temporal);
    return p->session ? bd_session_reset_state(p->session) : BD_OK;
}

bd_status bd_pipeline_get_stats(const bd_pipeline *p, bd_pipeline_stats *out) {
    if (!p || !out || out->struct_size < sizeof(size_t)) return BD_ERR_INVALID_ARG;
    bd_pipeline_stats st = {.struct_size = sizeof st, .frames = p->frames, .reused = 0};
    if (p->temporal) bd_temporal_counts(p->temporal, &st.frames, &st.reused);
    const size_t n = out->struct_size < sizeof st ? out->struct_size : sizeof st;
    memcpy(out, &st, n);
    out->struct_size = n;
    return BD_OK;
}

/* Common entry: sticky check, then a fresh error for this call. */
static bd_status begin(bd_pipeline *p) {
    if (p->failed) return BD_ERR_BAD_STATE;
    bd_err_clear(&p->err);
    return BD_OK;
}


/* ---------------------------------------------------------------------------
 * Fit geometry. With scale s_x, s_y (model pixels per frame pixel) and the
 * content's offset o_x, o_y inside the model input, frame coordinate u maps to
 * model input coordinate u * s + o. Preprocessing samples the frame at
 * (t + 0.5 - o) / s - 0.5 for tensor pixel t (ratio 1/s, origin -o/s); the
 * mask upsampler samples model output pixel (x + 0.5) * s * out/in + o * out/in
 * - 0.5 for frame pixel x: the exact inverse, so the mask lands where the
 * model saw the person.
 */
typedef struct fit_geom {
    double sx, sy, ox, oy; /* model input px per frame px, offsets in input px */
    int x0, x1, y0, y1;    /* tensor pixels that hold frame content */
} fit_geom;

static void fit_geometry(int fit, int fw, int fh, int in_w, int in_h, fit_geom *g) {
    double sx = (double)in_w / fw, sy = (double)in_h / fh;
    if (fit == BD_FIT_LETTERBOX) sx = sy = sx < sy ? sx : sy;
    if (fit == BD_FIT_CROP) sx = sy = sx > sy ? sx : sy;
    g->sx = sx;
    g->sy = sy;
    g->ox = (in_w - fw * sx) * 0.5;
    g->oy = (in_h - fh * sy) * 0.5;
    if (fit == BD_FIT_STRETCH) g->ox = g->oy = 0.0;
    /* content pixels: centre t + 0.5 inside [o, o + f s) */
    g->x0 = 0, g->x1 = in_w, g->y0 = 0, g->y1 = in_h;
    if (fit == BD_FIT_LETTERBOX) {
        g->x0 = (int)ceil(g->ox - 0.5);
        g->x1 = (int)ceil(g->ox + fw * sx - 0.5);
        g->y0 = (int)ceil(g->oy - 0.5);
        g->y1 = (int)ceil(g->oy + fh * sy - 0.5);
        if (g->x0 < 0) g->x0 = 0;
        if (g->y0 < 0) g->y0 = 0;
        if (g->x1 > in_w) g->x1 = in_w;
        if (g->y1 > in_h) g->y1 = in_h;
    }
}

/* The model input made on the post's threads, a band of tensor rows each. */
typedef struct pre_task {
    const bd_pipeline *p;
    const bd_image *frame;
    const fit_geom *g;
    float *input;
} pre_task;

static void pre_rows(void *ctx, int ith, int nth) {
    const pre_task *t = ctx;
    const int h = t->p->in_h;
    const int r0 = (int)((long long)h * ith / nth), r1 = (int)((long long)h * (ith + 1) / nth);
    bd_image_to_tensor_rows(t->frame, &t->p->pre_x, &t->p->pre_y, t->g->x0, t->g->x1, t->g->y0,
                            t->g->y1, &t->p->tmap, t->input, r0, r1);
}

/* Preprocess + model run; leaves the output map in *map. */
static bd_status run_model(bd_pipeline *p, const bd_image *frame, const float **map,
                           fit_geom *g) {
    const int fw = frame->width, fh = frame->height;
    fit_geometry(p->opts.fit, fw, fh, p->in_w, p->in_h, g);
    if (bd_linear_axis_set(&p->pre_x, fw, p->in_w, 1.0 / g->sx, -g->ox / g->sx) != BD_OK ||
        bd_linear_axis_set(&p->pre_y, fh, p->in_h, 1.0 / g->sy, -g->oy / g->sy) != BD_OK)
        return bd_err_set(&p->err, BD_ERR_NO_MEMORY, "out of memory for a %dx%d frame", fw, fh);
    float *input = NULL;
    size_t n = 0;
    bd_status st = bd_session_input(p->session, p->conv.image_input, &input, &n);
    if (st == BD_OK && n != (size_t)p->in_w * (size_t)p->in_h * 3) st = BD_ERR_BAD_STATE;
    if (st != BD_OK) {
        p->failed = 1;
        return bd_err_set(&p->err, st, "model input buffer: %s (%zu elements, expected %dx%dx3)",
                          bd_session_last_error(p->session), n, p->in_h, p->in_w);
    }
    /* letterbox bars: mid grey */
    pre_task pt = {p, frame, g, input};
    bd_post_parallel(p->post, pre_rows, &pt);
    p->frames++;
    if (fw != p->last_fw || fh != p->last_fh) {
        /* another video: the past (smoothing, a recurrent model's state) is not its own */
        if (p->last_fw > 0 && p->conv.n_state_pairs > 0) bd_session_reset_state(p->session);
        if (p->temporal) bd_temporal_reset(p->temporal);
        p->last_fw = fw;
        p->last_fh = fh;
    }
    if (p->temporal) {
        /* a still frame: the last map stands (never for recurrent models, whose
         * state would miss a step) */
        if (bd_temporal_can_reuse(p->temporal, input,
                                  p->opts.reuse && p->conv.n_state_pairs == 0)) {
            *map = bd_temporal_state(p->temporal);
            return BD_OK;
        }
    }
    st = bd_session_run(p->session);
    if (st != BD_OK) {
        p->failed = 1;
        return bd_err_set(&p->err, st, "model run failed: %s", bd_session_last_error(p->session));
    }
    const size_t n_pixels = (size_t)p->out_w * (size_t)p->out_h;
    st = bd_session_output(p->session, p->conv.mask_output, map, &n);
    if (st == BD_OK && n != n_pixels * (size_t)p->n_classes) st = BD_ERR_BAD_STATE;
    if (st != BD_OK) {
        p->failed = 1;
        return bd_err_set(&p->err, st, "model output: %s (%zu elements, expected %dx%dx%d)",
                          bd_session_last_error(p->session), n, p->out_h, p->out_w,
                          p->n_classes);
    }
    if (p->n_classes > 1) {
        const int planar = p->conv.output_layout == BD_LAYOUT_NCHW;
        bd_class_probability_strided(*map, n_pixels, p->n_classes, p->person_class,
                                     planar ? 1 : (size_t)p->n_classes, planar ? n_pixels : 1,
                                     p->class_mode, p->prob);
        *map = p->prob;
    }
    /* the map of frame t, smoothed with frames < t (probabilities from here on) */
    if (p->temporal)
        *map = bd_temporal_update(p->temporal, input, *map, p->map_logits, p->opts.temporal);
    return BD_OK;
}

/* The post-process view of a map of mw x mh for a model input of in_w x in_h. */
static void make_map(const bd_pipeline *p, const float *data, int mw, int mh, int in_w,
                     int in_h, const fit_geom *g, bd_post_map *m) {
    memset(m, 0, sizeof *m);
    m->data = data;
    m->w = mw;
    m->h = mh;
    bd_mask_affine(&p->mask, &m->k, &m->b);
    m->logits = p->opts.mask_logits;
    const double kx = (double)mw / in_w, ky = (double)mh / in_h;
    m->ratio_x = g->sx * kx;
    m->origin_x = g->ox * kx;
    m->ratio_y = g->sy * ky;
    m->origin_y = g->oy * ky;
    if (p->opts.feather > 0.0f) {
        /* frame pixels -> map pixels; at least one map pixel */
        int r = (int)lround(p->opts.feather * m->ratio_x);
        m->feather_radius = r < 1 ? 1 : r;
    }
}

/* run_model on frame, then its output as the map of the post-processing. */
static bd_status model_map(bd_pipeline *p, const bd_image *frame, bd_post_map *m) {
    const float *map = NULL;
    fit_geom g;
    bd_status st = run_model(p, frame, &map, &g);
    if (st != BD_OK) return st;
    make_map(p, map, p->out_w, p->out_h, p->in_w, p->in_h, &g, m);
    /* N > 1: bd_class_probability made probabilities; temporal: so did the smoother */
    m->logits = p->temporal ? 0 : p->map_logits;
    return BD_OK;
}

static void job_effects(const bd_pipeline *p, bd_post_job *job);

bd_status bd_pipeline_mask(bd_pipeline *p, const bd_image *frame, const bd_image *alpha) {
    if (!p) return BD_ERR_INVALID_ARG;
    bd_status st = begin(p);
    if (st != BD_OK) return st;
    if (!p->session)
        return bd_err_set(&p->err, BD_ERR_BAD_STATE, "this pipeline has no model");
    if ((st = bd_image_check(frame, ALL_FORMATS, "frame", &p->err)) != BD_OK ||
        (st = bd_image_check(alpha, BD_FMT_BIT(BD_PIXEL_GRAY8), "alpha", &p->err)) != BD_OK ||
        (st = bd_pipeline_check_same_size(p, alpha, "alpha", frame)) != BD_OK)
        return st;
    bd_post_map m;
    if ((st = model_map(p, frame, &m)) != BD_OK) return st;
    bd_post_job job = {0};
    job.frame = frame;
    job.map = &m;
    job.alpha_out = alpha;
    job.bg = BD_POST_NONE;
    job.out = frame;
    job_effects(p, &job); /* refinement applies to the alpha too */
    if (bd_post_run(p->post, &job) != BD_OK)
        return bd_err_set(&p->err, BD_ERR_NO_MEMORY, "out of memory for a %dx%d frame",
                          frame->width, frame->height);
    return BD_OK;
}

static bd_status run_post(bd_pipeline *p, const bd_post_job *job) {
    if (bd_post_run(p->post, job) != BD_OK)
        return bd_err_set(&p->err, BD_ERR_NO_MEMORY, "out of memory for a %dx%d frame",
                          job->frame->width, job->frame->height);
    return BD_OK;
}

/* The foreground colour on the post's threads: bands of row pairs (4:2:0 chroma
 * rows stay whole). */
typedef struct fg_task {
    const bd_pipeline *p;
    const float *fgr;
    const bd_image *frame, *out;
} fg_task;

static void fg_rows(void *ctx, int ith, int nth) {
    const fg_task *t = ctx;
    const int pairs = (t->out->height + 1) / 2;
    const int y0 = 2 * (int)((long long)pairs * ith / nth);
    int y1 = 2 * (int)((long long)pairs * (ith + 1) / nth);
    if (y1 > t->out->height) y1 = t->out->height;
    bd_foreground_rows(t->fgr, t->p->conv.output_layout == BD_LAYOUT_NCHW, t->frame, t->out,
                       bd_post_kernels(t->p->post), y0, y1);
}

/* job->fg: the model's foreground colour for this frame, when it has one at the
 * frame's size (stretch fit, so model pixel = frame pixel) and the frame is in
 * colour (not GRAY8). */
static bd_status foreground(bd_pipeline *p, const bd_image *frame, bd_post_job *job) {
    if (!p->fgr_on || frame->width != p->in_w || frame->height != p->in_h ||
        p->opts.fit != BD_FIT_STRETCH || frame->format == BD_PIXEL_GRAY8)
        return BD_OK;
    const bd_image *v = p->fg ? bd_image_view(p->fg) : NULL;
    if (!v || v->width != frame->width || v->height != frame->height ||
        v->format != frame->format) {
        bd_image_free(p->fg);
        p->fg = NULL;
        if (bd_image_alloc(frame->width, frame->height, frame->format, &p->fg) != BD_OK)
            return bd_err_set(&p->err, BD_ERR_NO_MEMORY, "out of memory for a %dx%d frame",
                              frame->width, frame->height);
        v = bd_image_view(p->fg);
    }
    const float *fgr = NULL;
    size_t n = 0;
    if (bd_session_output(p->session, p->conv.fgr_output, &fgr, &n) != BD_OK ||
        n != (size_t)3 * (size_t)frame->width * (size_t)frame->height)
        return BD_OK; /* cannot happen: checked at create */
    fg_task ft = {p, fgr, frame, v};
    bd_post_parallel(p->post, fg_rows, &ft);
    job->fg = v;
    return BD_OK;
}

/* Options that apply to every composite. */
static void job_effects(const bd_pipeline *p, bd_post_job *job) {
    job->light_wrap = job->bg == BD_POST_TRANSPARENT ? 0.0f : p->opts.light_wrap;
    if (p->opts.refine) {
        const int w = job->frame->width, h = job->frame->height;
        int r = p->opts.refine_radius > 0 ? p->opts.refine_radius : (w > h ? w : h) / 100;
        job->refine.radius = r < 2 ? 2 : r;
        job->refine.eps = p->opts.refine_eps > 0.0f ? p->opts.refine_eps : 1e-3f;
    }
}

bd_status bd_pipeline_composite(bd_pipeline *p, const bd_image *frame, const bd_image *alpha,
                                const bd_background *bg, const bd_image *out) {
    if (!p) return BD_ERR_INVALID_ARG;
    bd_status st = begin(p);
    if (st != BD_OK) return st;
    if ((st = bd_image_check(frame, ALL_FORMATS, "frame", &p->err)) != BD_OK ||
        (st = bd_image_check(alpha, BD_FMT_BIT(BD_PIXEL_GRAY8), "alpha", &p->err)) != BD_OK ||
        (st = bd_pipeline_check_same_size(p, alpha, "alpha", frame)) != BD_OK)
        return st;
    bd_post_job job = {0};
    job.frame = frame;
    job.alpha_in = alpha;
    if ((st = bd_pipeline_setup_background(p, frame, bg, out, &job)) != BD_OK) return st;
    /* the alpha is given: no refinement (it needs the map), light wrap applies */
    job.light_wrap = job.bg == BD_POST_TRANSPARENT ? 0.0f : p->opts.light_wrap;
    return run_post(p, &job);
}

bd_status bd_pipeline_replace(bd_pipeline *p, const bd_image *frame, const bd_background *bg,
                              const bd_image *out) {
    if (!p) return BD_ERR_INVALID_ARG;
    bd_status st = begin(p);
    if (st != BD_OK) return st;
    if (!p->session)
        return bd_err_set(&p->err, BD_ERR_BAD_STATE, "this pipeline has no model");
    if ((st = bd_image_check(frame, ALL_FORMATS, "frame", &p->err)) != BD_OK) return st;
    bd_post_job job = {0};
    job.frame = frame;
    if ((st = bd_pipeline_setup_background(p, frame, bg, out, &job)) != BD_OK) return st;
    bd_post_map m;
    if ((st = model_map(p, frame, &m)) != BD_OK) return st;
    job.map = &m;
    job_effects(p, &job);
    if ((st = foreground(p, frame, &job)) != BD_OK) return st;
    return run_post(p, &job);
}

bd_status bd_pipeline_composite_map(bd_pipeline *p, const float *map, int map_w, int map_h,
                                    const bd_image *frame, const bd_background *bg,
                                    const bd_image *out, const bd_image *alpha_out) {
    if (!p) return BD_ERR_INVALID_ARG;
    bd_status st = begin(p);
    if (st != BD_OK) return st;
    if (!map || map_w < 1 || map_h < 1 || map_w > BD_IMAGE_MAX_DIM || map_h > BD_IMAGE_MAX_DIM)
        return bd_err_set(&p->err, BD_ERR_INVALID_ARG, "map %p of %dx%d is not usable",
                          (const void *)map, map_w, map_h);
    if ((st = bd_image_check(frame, ALL_FORMATS, "frame", &p->err)) != BD_OK) return st;
    if (alpha_out &&
        ((st = bd_image_check(alpha_out, BD_FMT_BIT(BD_PIXEL_GRAY8), "alpha_out", &p->err)) !=
             BD_OK ||
         (st = bd_pipeline_check_same_size(p, alpha_out, "alpha_out", frame)) != BD_OK))
        return st;
    bd_post_job job = {0};
    job.frame = frame;
    job.alpha_out = alpha_out;
    if (!bg && !out && alpha_out) {
        job.bg = BD_POST_NONE; /* the mask alone */
        job.out = frame;
    } else if ((st = bd_pipeline_setup_background(p, frame, bg, out, &job)) != BD_OK) {
        return st;
    }
    fit_geom g;
    fit_geometry(p->opts.fit, frame->width, frame->height, map_w, map_h, &g);
    bd_post_map m;
    make_map(p, map, map_w, map_h, map_w, map_h, &g, &m);
    job.map = &m;
    job_effects(p, &job);
    return run_post(p, &job);
}
