/*
 * gstbackdrop.c -- the `backdrop` video filter (see gstbackdrop.h for its caps and
 * properties).
 *
 * Threading: GStreamer calls the transform functions on the streaming thread and
 * the property setters on any thread. Setters only store values and raise a
 * "dirty" flag under the object lock; the streaming thread applies them before
 * the next frame (reload the model, re-read the background, rebuild the
 * pipeline). So the libbackdrop handles are touched by one thread at a time,
 * as the library requires, and a frame never sees half-changed settings.
 *
 * Cost per frame: one bd_pipeline_replace on the mapped buffer. In place for
 * the opaque backgrounds (the fused post-process reads each frame row before it
 * writes the same row); no allocation once the frame size has been seen.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstbackdrop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gst/video/video.h>

#include "backdrop.h"

#ifndef BD_MODEL_DIRS
#define BD_MODEL_DIRS "models"
#endif
#ifndef BD_DEFAULT_MODEL_NAME
#define BD_DEFAULT_MODEL_NAME "selfie_segmentation.tflite"
#endif
#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.1.0"
#endif

GST_DEBUG_CATEGORY_STATIC(gst_backdrop_debug);
#define GST_CAT_DEFAULT gst_backdrop_debug

#define ALL_FORMATS "{ RGB, BGR, RGBA, BGRA, RGBx, BGRx, YUY2, NV12, I420 }"
#define MAX_THREADS 64
#define MAX_BLUR 1000

enum {
    PROP_0,
    PROP_MODEL,
    PROP_BACKGROUND,
    PROP_REFINE,
    PROP_REFINE_RADIUS,
    PROP_FEATHER,
    PROP_THRESHOLD,
    PROP_SOFTNESS,
    PROP_LIGHT_WRAP,
    PROP_THREADS,
    PROP_FIT,
    PROP_TEMPORAL,
    PROP_TEMPORAL_STRENGTH,
    PROP_REUSE,
    PROP_PRECISION,
    PROP_DOWNSAMPLE_RATIO,
};

#define DEFAULT_BACKGROUND "blur"
#define DEFAULT_THRESHOLD 0.5
#define DEFAULT_SOFTNESS 0.0
#define DEFAULT_TEMPORAL_STRENGTH 0.8

#define GST_TYPE_BACKDROP_FIT (gst_backdrop_fit_get_type())
static GType gst_backdrop_fit_get_type(void) {
    static GType type = 0;
    static const GEnumValue values[] = {
        {BD_FIT_STRETCH, "Scale each axis on its own to the model input", "stretch"},
        {BD_FIT_LETTERBOX, "Keep the aspect ratio, pad the rest", "letterbox"},
        {BD_FIT_CROP, "Keep the aspect ratio, use the centre", "crop"},
        {0, NULL, NULL},
    };
    if (g_once_init_enter(&type)) {
        GType t = g_enum_register_static("GstBackdropFit", values);
        g_once_init_leave(&type, t);
    }
    return type;
}

#define GST_TYPE_BACKDROP_PRECISION (gst_backdrop_precision_get_type())
static GType gst_backdrop_precision_get_type(void) {
    static GType type = 0;
    static const GEnumValue values[] = {
        {BD_PRECISION_FP32, "Single precision throughout", "fp32"},
        {BD_PRECISION_FP16, "Convolution weights stored as half (F16C)", "fp16"},
        {BD_PRECISION_BF16, "Dense convolutions in bfloat16 (AVX512_BF16), else fp32", "bf16"},
        {BD_PRECISION_INT8, "Dense convolutions in int8 where the accuracy rule allows "
                            "(AVX512_VNNI), else fp32", "int8"},
        {BD_PRECISION_AUTO, "The fastest within the accuracy budget on this CPU (bf16 where "
                            "it measures faster, else fp32)", "auto"},
        {0, NULL, NULL},
    };
    if (g_once_init_enter(&type)) {
        GType t = g_enum_register_static("GstBackdropPrecision", values);
        g_once_init_leave(&type, t);
    }
    return type;
}

/* Settings as the properties hold them (guarded by the object lock). */
typedef struct settings {
    gchar *model;      /* NULL = $BACKDROP_MODEL, else BD_DEFAULT_MODEL */
    gchar *background; /* never NULL */
    gboolean refine;
    gint refine_radius;
    gdouble feather, threshold, softness, light_wrap;
    gint threads; /* 0 = auto */
    gint fit;
    gboolean temporal, reuse;
    gdouble temporal_strength; /* 0 = the library's default */
    gint precision;            /* bd_precision */
    gdouble downsample_ratio;  /* RVM's; 0 = the library's choice for the frame size */
} settings;

struct _GstBackdrop {
    GstVideoFilter parent;

    settings props;         /* object lock */
    gboolean dirty_model;   /* object lock: model or threads changed */
    gboolean dirty_bg;      /* object lock: background changed */
    gboolean dirty_effects; /* object lock: a mask/composite option changed */

    /* Streaming-thread state (start/stop/transform only). */
    settings cur; /* the settings the handles below were built from */
    bd_model *model;
    bd_pipeline *pipeline;
    bd_image_buf *bg_img;
    bd_background bg;
    guint32 bg_version;
    /* A model with free input dims (MODNet, RVM) is compiled for the frame size:
     * the size it was loaded for (a 512x512 guess at start, before any frame). */
    gboolean free_dims;
    int model_w, model_h;
};

G_DEFINE_TYPE(GstBackdrop, gst_backdrop, GST_TYPE_VIDEO_FILTER);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE(ALL_FORMATS)));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE(ALL_FORMATS)));

/* ---------------------------------------------------------------------------
 * Background specification: the same syntax as `backdrop replace -b`.
 */

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Parses `spec` into *bg (an image background leaves bg->image NULL and sets
 * *is_image). Returns FALSE with a message in err for a malformed spec. */
static gboolean parse_background(const char *spec, bd_background *bg, gboolean *is_image,
                                 char *err, size_t err_size) {
    memset(bg, 0, sizeof *bg);
    *is_image = FALSE;
    if (spec == NULL || spec[0] == '\0') {
        g_snprintf(err, err_size, "the background is empty");
        return FALSE;
    }
    if (strcmp(spec, "transparent") == 0) {
        bg->kind = BD_BG_TRANSPARENT;
    } else if (strcmp(spec, "blur") == 0) {
        bg->kind = BD_BG_BLUR;
    } else if (strncmp(spec, "blur:", 5) == 0) {
        char *end = NULL;
        errno = 0;
        long r = strtol(spec + 5, &end, 10);
        if (spec[5] < '0' || spec[5] > '9' || errno || *end != '\0' || r < 1 || r > MAX_BLUR) {
            g_snprintf(err, err_size, "blur radius in '%s' must be 1..%d", spec, MAX_BLUR);
            return FALSE;
        }
        bg->kind = BD_BG_BLUR;
        bg->blur_radius = (int)r;
    } else if (strncmp(spec, "color:", 6) == 0) {
        const char *hex = spec + 6;
        if (hex[0] == '#') hex++;
        gboolean ok = strlen(hex) == 6;
        for (int i = 0; ok && i < 3; i++) {
            int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
            ok = hi >= 0 && lo >= 0;
            if (ok) bg->color[i] = (uint8_t)(hi * 16 + lo);
        }
        if (!ok) {
            g_snprintf(err, err_size, "invalid colour '%s' (expected color:#rrggbb)", spec);
            return FALSE;
        }
        bg->kind = BD_BG_COLOR;
    } else {
        bg->kind = BD_BG_IMAGE;
        *is_image = TRUE;
    }
    return TRUE;
}

static gboolean spec_is_transparent(const char *spec) {
    return spec != NULL && strcmp(spec, "transparent") == 0;
}

/* ---------------------------------------------------------------------------
 * Building the libbackdrop handles (streaming thread).
 */

static void settings_clear(settings *s) {
    g_free(s->model);
    g_free(s->background);
    s->model = s->background = NULL;
}

static void settings_copy(settings *dst, const settings *src) {
    settings_clear(dst);
    *dst = *src;
    dst->model = g_strdup(src->model);
    dst->background = g_strdup(src->background);
}

/* The model: the property, else $BACKDROP_MODEL, else BD_DEFAULT_MODEL_NAME in
 * the first of BD_MODEL_DIRS (installed data directory, source tree) that has
 * it (the installed one when none has: the bus error then names it). `buf`
 * holds the built path. */
static const char *model_path(const settings *s, char *buf, size_t size) {
    if (s->model && s->model[0]) return s->model;
    const char *env = g_getenv("BACKDROP_MODEL");
    if (env && env[0]) return env;
    gchar **dirs = g_strsplit(BD_MODEL_DIRS, ":", -1);
    buf[0] = '\0';
    for (int i = 0; dirs[i]; i++) {
        gchar *p = g_build_filename(dirs[i], BD_DEFAULT_MODEL_NAME, NULL);
        const gboolean ok = g_file_test(p, G_FILE_TEST_IS_REGULAR);
        if (ok || i == 0) g_strlcpy(buf, p, size);
        g_free(p);
        if (ok) break;
    }
    g_strfreev(dirs);
    return buf;
}

static int resolve_threads(int threads) {
    if (threads > 0) return threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 4 ? 4 : (int)n;
}

static void free_handles(GstBackdrop *self) {
    bd_pipeline_free(self->pipeline);
    bd_model_free(self->model);
    bd_image_free(self->bg_img);
    self->pipeline = NULL;
    self->model = NULL;
    self->bg_img = NULL;
    self->bg.image = NULL;
}

/* Loads the model for frames of w x h (0: not known yet, a 512x512 guess). */
static gboolean load_model(GstBackdrop *self, int w, int h) {
    char buf[4096];
    const char *path = model_path(&self->cur, buf, sizeof buf);
    bd_model *m = NULL;
    bd_model_options mo;
    bd_model_options_default(&mo);
    mo.frame_width = w > 0 ? w : 512;
    mo.frame_height = h > 0 ? h : 512;
    mo.precision = (bd_precision)self->cur.precision;
    mo.downsample_ratio = (float)self->cur.downsample_ratio;
    bd_status st = bd_model_create(&mo, &m);
    if (st == BD_OK) st = bd_model_load_file(m, path);
    if (st != BD_OK) {
        const char *msg = m ? bd_model_last_error(m) : "";
        GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("Could not load model '%s'.", path),
                          ("%s", msg && msg[0] ? msg : bd_status_str(st)));
        bd_model_free(m);
        return FALSE;
    }
    bd_pipeline_free(self->pipeline);
    self->pipeline = NULL;
    bd_model_free(self->model);
    self->model = m;
    self->free_dims = FALSE;
    for (int i = 0; i < bd_model_n_inputs(m); i++)
        self->free_dims |= bd_model_input_free_dims(m, i) != 0;
    self->model_w = mo.frame_width;
    self->model_h = mo.frame_height;
    bd_model_stats ms = {.struct_size = sizeof ms};
    if (bd_model_get_stats(m, &ms) == BD_OK && ms.precision_note[0])
        GST_INFO_OBJECT(self, "precision: %s", ms.precision_note);
    return TRUE;
}

static gboolean load_background(GstBackdrop *self) {
    char err[512] = "";
    gboolean is_image = FALSE;
    bd_background bg;
    if (!parse_background(self->cur.background, &bg, &is_image, err, sizeof err)) {
        GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                          ("Invalid background '%s'.", self->cur.background ? self->cur.background : ""),
                          ("%s", err));
        return FALSE;
    }
    bd_image_buf *img = NULL;
    if (is_image) {
        bd_status st =
            bd_image_read_file(self->cur.background, BD_PIXEL_RGB24, NULL, &img, err, sizeof err);
        if (st != BD_OK) {
            GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ,
                              ("Could not read background image '%s'.", self->cur.background),
                              ("%s", err[0] ? err : bd_status_str(st)));
            return FALSE;
        }
        bg.image = bd_image_view(img);
        /* a new version for every load: the pipeline's scaled copy is redone once,
         * and never re-hashed per frame */
        bg.image_version = ++self->bg_version;
    }
    bd_image_free(self->bg_img);
    self->bg_img = img;
    self->bg = bg;
    return TRUE;
}

static gboolean make_pipeline(GstBackdrop *self) {
    const settings *s = &self->cur;
    char buf[4096];
    const char *path = model_path(s, buf, sizeof buf);
    bd_model_conventions conv;
    memset(&conv, 0, sizeof conv);
    conv.struct_size = sizeof conv;
    char why[512] = "";
    const bd_model_conventions *convp = NULL;
    if (bd_model_conventions_infer(self->model, &conv, why, sizeof why) == BD_OK) {
        /* a sidecar next to the model, as the CLI reads it */
        gchar *side = g_strconcat(path, ".backdrop", NULL);
        struct stat sb;
        if (stat(side, &sb) == 0 &&
            bd_model_conventions_sidecar(self->model, side, &conv, why, sizeof why) != BD_OK) {
            GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Bad conventions file '%s'.", side),
                              ("%s", why));
            g_free(side);
            return FALSE;
        }
        g_free(side);
        convp = &conv;
    }
    bd_pipeline_options po;
    bd_pipeline_options_default(&po);
    po.n_threads = resolve_threads(s->threads);
    po.fit = s->fit;
    po.refine = s->refine ? 1 : 0;
    po.refine_radius = s->refine_radius;
    po.feather = (float)s->feather;
    po.threshold = (float)s->threshold;
    po.softness = (float)s->softness;
    po.light_wrap = spec_is_transparent(s->background) ? 0.0f : (float)s->light_wrap;
    po.conventions = convp;
    po.temporal = s->temporal ? 1 : 0;
    po.temporal_strength = (float)s->temporal_strength;
    po.reuse = s->reuse ? 1 : 0;
    why[0] = '\0';
    po.error_buf = why;
    po.error_buf_size = sizeof why;
    bd_pipeline *p = NULL;
    bd_status st = bd_pipeline_create(self->model, &po, &p);
    if (st != BD_OK) {
        GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Cannot use model '%s'.", path),
                          ("%s", why[0] ? why : bd_status_str(st)));
        return FALSE;
    }
    bd_pipeline_free(self->pipeline);
    self->pipeline = p;
    return TRUE;
}

/* Applies pending property changes; called before every frame and at start. */
static gboolean apply_settings(GstBackdrop *self) {
    GST_OBJECT_LOCK(self);
    gboolean dm = self->dirty_model, db = self->dirty_bg, de = self->dirty_effects;
    self->dirty_model = self->dirty_bg = self->dirty_effects = FALSE;
    if (dm || db || de) settings_copy(&self->cur, &self->props);
    GST_OBJECT_UNLOCK(self);
    if (dm && !load_model(self, self->model_w, self->model_h)) return FALSE;
    if (db && !load_background(self)) return FALSE;
    if ((dm || de || db || !self->pipeline) && !make_pipeline(self)) return FALSE;
    return TRUE;
}

/* ---------------------------------------------------------------------------
 * GstBaseTransform / GstVideoFilter virtual methods.
 */

static gboolean gst_backdrop_start(GstBaseTransform *trans) {
    GstBackdrop *self = GST_BACKDROP(trans);
    GST_OBJECT_LOCK(self);
    self->dirty_model = self->dirty_bg = self->dirty_effects = TRUE;
    GST_OBJECT_UNLOCK(self);
    /* Load now, so that a bad model or background fails the state change with an
     * error on the bus instead of at the first frame. */
    if (!apply_settings(self)) {
        free_handles(self);
        return FALSE;
    }
    return TRUE;
}

static gboolean gst_backdrop_stop(GstBaseTransform *trans) {
    free_handles(GST_BACKDROP(trans));
    return TRUE;
}

/* The RGB-family formats a transparent output can come from, and the output each
 * gives (R-first -> RGBA, B-first -> BGRA). */
static const char *transparent_out(const char *in) {
    if (!strcmp(in, "RGB") || !strcmp(in, "RGBA") || !strcmp(in, "RGBx")) return "RGBA";
    if (!strcmp(in, "BGR") || !strcmp(in, "BGRA") || !strcmp(in, "BGRx")) return "BGRA";
    return NULL;
}

/* Rewrites the "format" field of every structure of `caps` with map(format)
 * (formats that map to NULL are dropped; a structure left with none is dropped). */
static GstCaps *map_formats(GstCaps *caps, GstPadDirection direction) {
    static const char *rgb_in[] = {"RGB", "RGBA", "RGBx", "BGR", "BGRA", "BGRx"};
    GstCaps *res = gst_caps_new_empty();
    for (guint i = 0; i < gst_caps_get_size(caps); i++) {
        const GstStructure *s = gst_caps_get_structure(caps, i);
        GstStructure *n = gst_structure_copy(s);
        GValue list = G_VALUE_INIT;
        g_value_init(&list, GST_TYPE_LIST);
        const GValue *f = gst_structure_get_value(s, "format");
        /* the formats this structure allows (absent = any) */
        GPtrArray *fmts = g_ptr_array_new();
        if (f == NULL) {
            static const char *all[] = {"RGB", "BGR", "RGBA", "BGRA", "RGBx",
                                        "BGRx", "YUY2", "NV12", "I420"};
            for (guint k = 0; k < G_N_ELEMENTS(all); k++) g_ptr_array_add(fmts, (gpointer)all[k]);
        } else if (G_VALUE_HOLDS_STRING(f)) {
            g_ptr_array_add(fmts, (gpointer)g_value_get_string(f));
        } else if (GST_VALUE_HOLDS_LIST(f)) {
            for (guint k = 0; k < gst_value_list_get_size(f); k++) {
                const GValue *v = gst_value_list_get_value(f, k);
                if (G_VALUE_HOLDS_STRING(v)) g_ptr_array_add(fmts, (gpointer)g_value_get_string(v));
            }
        }
        for (guint k = 0; k < fmts->len; k++) {
            const char *in = g_ptr_array_index(fmts, k);
            if (direction == GST_PAD_SINK) { /* in -> out */
                const char *o = transparent_out(in);
                if (!o) continue;
                GValue v = G_VALUE_INIT;
                g_value_init(&v, G_TYPE_STRING);
                g_value_set_string(&v, o);
                gst_value_list_append_and_take_value(&list, &v);
            } else { /* out -> the inputs that give it */
                const char *want = in;
                for (guint r = 0; r < G_N_ELEMENTS(rgb_in); r++) {
                    const char *o = transparent_out(rgb_in[r]);
                    if (strcmp(o, want) != 0) continue;
                    GValue v = G_VALUE_INIT;
                    g_value_init(&v, G_TYPE_STRING);
                    g_value_set_string(&v, rgb_in[r]);
                    gst_value_list_append_and_take_value(&list, &v);
                }
            }
        }
        g_ptr_array_free(fmts, TRUE);
        if (gst_value_list_get_size(&list) > 0) {
            gst_structure_take_value(n, "format", &list);
            res = gst_caps_merge_structure(res, n);
        } else {
            g_value_unset(&list);
            gst_structure_free(n);
        }
    }
    return res;
}

static GstCaps *gst_backdrop_transform_caps(GstBaseTransform *trans, GstPadDirection direction,
                                            GstCaps *caps, GstCaps *filter) {
    GstBackdrop *self = GST_BACKDROP(trans);
    GST_OBJECT_LOCK(self);
    gboolean transparent = spec_is_transparent(self->props.background);
    GST_OBJECT_UNLOCK(self);
    GstCaps *res = transparent ? map_formats(caps, direction) : gst_caps_copy(caps);
    if (filter) {
        GstCaps *t = gst_caps_intersect_full(filter, res, GST_CAPS_INTERSECT_FIRST);
        gst_caps_unref(res);
        res = t;
    }
    GST_DEBUG_OBJECT(self, "transform %s caps %" GST_PTR_FORMAT " -> %" GST_PTR_FORMAT,
                     direction == GST_PAD_SINK ? "sink" : "src", caps, res);
    return res;
}

static bd_pixel_format to_bd_format(GstVideoFormat f) {
    switch (f) {
    case GST_VIDEO_FORMAT_RGB: return BD_PIXEL_RGB24;
    case GST_VIDEO_FORMAT_BGR: return BD_PIXEL_BGR24;
    case GST_VIDEO_FORMAT_RGBA: return BD_PIXEL_RGBA32;
    case GST_VIDEO_FORMAT_BGRA: return BD_PIXEL_BGRA32;
    case GST_VIDEO_FORMAT_RGBx: return BD_PIXEL_RGBX32;
    case GST_VIDEO_FORMAT_BGRx: return BD_PIXEL_BGRX32;
    case GST_VIDEO_FORMAT_YUY2: return BD_PIXEL_YUYV;
    case GST_VIDEO_FORMAT_NV12: return BD_PIXEL_NV12;
    case GST_VIDEO_FORMAT_I420: return BD_PIXEL_I420;
    default: return (bd_pixel_format)0;
    }
}

/* A libbackdrop view of a mapped GStreamer frame (planes and strides as mapped). */
static gboolean frame_view(GstVideoFrame *f, bd_image *img) {
    memset(img, 0, sizeof *img);
    img->format = to_bd_format(GST_VIDEO_FRAME_FORMAT(f));
    if (!img->format) return FALSE;
    img->width = GST_VIDEO_FRAME_WIDTH(f);
    img->height = GST_VIDEO_FRAME_HEIGHT(f);
    img->data = GST_VIDEO_FRAME_PLANE_DATA(f, 0);
    img->stride_bytes = (size_t)GST_VIDEO_FRAME_PLANE_STRIDE(f, 0);
    /* libbackdrop takes YUYV in whole pixel pairs. GStreamer's odd-width YUY2
     * rows end in a full pair too (the stride is at least 2 * (width + 1)), whose
     * second luma sample is padding: process it as part of the frame. */
    if (img->format == BD_PIXEL_YUYV && (img->width & 1) &&
        img->stride_bytes >= 2 * ((size_t)img->width + 1))
        img->width++;
    for (guint i = 1; i < GST_VIDEO_FRAME_N_PLANES(f) && i < 3; i++) {
        img->plane[i - 1] = GST_VIDEO_FRAME_PLANE_DATA(f, i);
        img->plane_stride_bytes[i - 1] = (size_t)GST_VIDEO_FRAME_PLANE_STRIDE(f, i);
    }
    return TRUE;
}

/* A model with free input dims is compiled for frames of w x h (a new pipeline:
 * recurrent state restarts) unless it already is. */
static gboolean fit_model_to(GstBackdrop *self, int w, int h) {
    if (!self->free_dims || (w == self->model_w && h == self->model_h)) return TRUE;
    return load_model(self, w, h) && make_pipeline(self);
}

static GstFlowReturn process(GstBackdrop *self, GstVideoFrame *in, GstVideoFrame *out) {
    if (!apply_settings(self)) return GST_FLOW_ERROR;
    bd_image fi, fo;
    if (!frame_view(in, &fi) || !frame_view(out, &fo)) {
        GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("Unsupported video format."),
                          ("%s", gst_video_format_to_string(GST_VIDEO_FRAME_FORMAT(in))));
        return GST_FLOW_NOT_NEGOTIATED;
    }
    if (!fit_model_to(self, fi.width, fi.height)) return GST_FLOW_ERROR;
    bd_status st = bd_pipeline_replace(self->pipeline, &fi, &self->bg, &fo);
    if (st != BD_OK) {
        const char *msg = bd_pipeline_last_error(self->pipeline);
        GST_ELEMENT_ERROR(self, STREAM, FAILED, ("Background replacement failed."),
                          ("%s (frame %dx%d %s)", msg && msg[0] ? msg : bd_status_str(st),
                           fi.width, fi.height,
                           gst_video_format_to_string(GST_VIDEO_FRAME_FORMAT(in))));
        return GST_FLOW_ERROR;
    }
    return GST_FLOW_OK;
}

/* The caps come before the first buffer: a model with free input dims (RVM, MODNet)
 * is compiled for the frame's size here rather than when the first frame arrives. */
static gboolean gst_backdrop_set_info(GstVideoFilter *filter, GstCaps *incaps,
                                      GstVideoInfo *in_info, GstCaps *outcaps,
                                      GstVideoInfo *out_info) {
    GstBackdrop *self = GST_BACKDROP(filter);
    (void)incaps, (void)outcaps, (void)out_info;
    return apply_settings(self) &&
           fit_model_to(self, GST_VIDEO_INFO_WIDTH(in_info), GST_VIDEO_INFO_HEIGHT(in_info));
}

static GstFlowReturn gst_backdrop_transform_frame(GstVideoFilter *filter, GstVideoFrame *in,
                                                  GstVideoFrame *out) {
    return process(GST_BACKDROP(filter), in, out);
}

static GstFlowReturn gst_backdrop_transform_frame_ip(GstVideoFilter *filter,
                                                     GstVideoFrame *frame) {
    return process(GST_BACKDROP(filter), frame, frame);
}

/* ---------------------------------------------------------------------------
 * Properties.
 */

static void gst_backdrop_set_property(GObject *object, guint prop_id, const GValue *value,
                                      GParamSpec *pspec) {
    GstBackdrop *self = GST_BACKDROP(object);
    gboolean reconfigure = FALSE;
    GST_OBJECT_LOCK(self);
    settings *p = &self->props;
    switch (prop_id) {
    case PROP_MODEL:
        g_free(p->model);
        p->model = g_value_dup_string(value);
        self->dirty_model = TRUE;
        break;
    case PROP_BACKGROUND: {
        const char *v = g_value_get_string(value);
        gboolean was = spec_is_transparent(p->background);
        g_free(p->background);
        p->background = g_strdup(v ? v : DEFAULT_BACKGROUND);
        reconfigure = was != spec_is_transparent(p->background);
        self->dirty_bg = TRUE;
        break;
    }
    case PROP_REFINE:
        p->refine = g_value_get_boolean(value);
        self->dirty_effects = TRUE;
        break;
    case PROP_REFINE_RADIUS:
        p->refine_radius = g_value_get_int(value);
        self->dirty_effects = TRUE;
        break;
    case PROP_FEATHER:
        p->feather = g_value_get_double(value);
        self->dirty_effects = TRUE;
        break;
    case PROP_THRESHOLD:
        p->threshold = g_value_get_double(value);
        self->dirty_effects = TRUE;
        break;
    case PROP_SOFTNESS:
        p->softness = g_value_get_double(value);
        self->dirty_effects = TRUE;
        break;
    case PROP_LIGHT_WRAP:
        p->light_wrap = g_value_get_double(value);
        self->dirty_effects = TRUE;
        break;
    case PROP_THREADS:
        p->threads = g_value_get_int(value);
        self->dirty_effects = TRUE;
        break;
    case PROP_FIT:
        p->fit = g_value_get_enum(value);
        self->dirty_effects = TRUE;
        break;
    case PROP_TEMPORAL:
        p->temporal = g_value_get_boolean(value);
        self->dirty_effects = TRUE;
        break;
    case PROP_TEMPORAL_STRENGTH:
        p->temporal_strength = g_value_get_double(value);
        self->dirty_effects = TRUE;
        break;
    case PROP_REUSE:
        p->reuse = g_value_get_boolean(value);
        self->dirty_effects = TRUE;
        break;
    case PROP_PRECISION:
        p->precision = g_value_get_enum(value);
        self->dirty_model = TRUE; /* compiled into the model */
        break;
    case PROP_DOWNSAMPLE_RATIO:
        p->downsample_ratio = g_value_get_double(value);
        self->dirty_model = TRUE;
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
    GST_OBJECT_UNLOCK(self);
    /* transparent <-> opaque changes the output caps */
    if (reconfigure) gst_base_transform_reconfigure_src(GST_BASE_TRANSFORM(self));
}

static void gst_backdrop_get_property(GObject *object, guint prop_id, GValue *value,
                                      GParamSpec *pspec) {
    GstBackdrop *self = GST_BACKDROP(object);
    GST_OBJECT_LOCK(self);
    const settings *p = &self->props;
    switch (prop_id) {
    case PROP_MODEL: {
        char buf[4096];
        g_value_set_string(value, model_path(p, buf, sizeof buf));
        break;
    }
    case PROP_BACKGROUND: g_value_set_string(value, p->background); break;
    case PROP_REFINE: g_value_set_boolean(value, p->refine); break;
    case PROP_REFINE_RADIUS: g_value_set_int(value, p->refine_radius); break;
    case PROP_FEATHER: g_value_set_double(value, p->feather); break;
    case PROP_THRESHOLD: g_value_set_double(value, p->threshold); break;
    case PROP_SOFTNESS: g_value_set_double(value, p->softness); break;
    case PROP_LIGHT_WRAP: g_value_set_double(value, p->light_wrap); break;
    case PROP_THREADS: g_value_set_int(value, p->threads); break;
    case PROP_FIT: g_value_set_enum(value, p->fit); break;
    case PROP_TEMPORAL: g_value_set_boolean(value, p->temporal); break;
    case PROP_TEMPORAL_STRENGTH: g_value_set_double(value, p->temporal_strength); break;
    case PROP_REUSE: g_value_set_boolean(value, p->reuse); break;
    case PROP_PRECISION: g_value_set_enum(value, p->precision); break;
    case PROP_DOWNSAMPLE_RATIO: g_value_set_double(value, p->downsample_ratio); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}

static void gst_backdrop_finalize(GObject *object) {
    GstBackdrop *self = GST_BACKDROP(object);
    free_handles(self);
    settings_clear(&self->props);
    settings_clear(&self->cur);
    G_OBJECT_CLASS(gst_backdrop_parent_class)->finalize(object);
}

static void gst_backdrop_init(GstBackdrop *self) {
    settings *p = &self->props;
    p->model = NULL;
    p->background = g_strdup(DEFAULT_BACKGROUND);
    p->threshold = DEFAULT_THRESHOLD;
    p->softness = DEFAULT_SOFTNESS;
    p->fit = BD_FIT_STRETCH;
    p->temporal = TRUE; /* a stream of frames: smooth by default */
    p->temporal_strength = DEFAULT_TEMPORAL_STRENGTH;
    p->reuse = FALSE;
    p->precision = BD_PRECISION_FP32;
    p->downsample_ratio = 0.0;
    self->dirty_model = self->dirty_bg = self->dirty_effects = TRUE;
    /* drop frames that are already late instead of building latency */
    gst_base_transform_set_qos_enabled(GST_BASE_TRANSFORM(self), TRUE);
}

#define RW (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)

static void gst_backdrop_class_init(GstBackdropClass *klass) {
    GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
    GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
    GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS(klass);
    GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS(klass);

    gobject_class->set_property = gst_backdrop_set_property;
    gobject_class->get_property = gst_backdrop_get_property;
    gobject_class->finalize = gst_backdrop_finalize;

    g_object_class_install_property(
        gobject_class, PROP_MODEL,
        g_param_spec_string("model", "Model",
                            "Segmentation or matting model (.tflite, .onnx); a MODEL.backdrop "
                            "sidecar beside it is read. Default: $BACKDROP_MODEL, else " BD_DEFAULT_MODEL_NAME
                            " in the first of " BD_MODEL_DIRS " that has it",
                            NULL, RW));
    g_object_class_install_property(
        gobject_class, PROP_BACKGROUND,
        g_param_spec_string("background", "Background",
                            "What replaces the background: 'blur', 'blur:R' (radius R pixels, "
                            "1..1000), 'color:#rrggbb', 'transparent' (RGBA/BGRA output with "
                            "the mask as alpha) or the path of a PNG/JPEG image (scaled to "
                            "cover the frame)",
                            DEFAULT_BACKGROUND, RW));
    g_object_class_install_property(
        gobject_class, PROP_REFINE,
        g_param_spec_boolean("refine", "Refine",
                             "Snap the mask to the frame's edges (guided filter)", FALSE, RW));
    g_object_class_install_property(
        gobject_class, PROP_REFINE_RADIUS,
        g_param_spec_int("refine-radius", "Refine radius",
                         "Radius of the edge refinement in pixels (0 = max(w,h)/100)", 0, 1000, 0,
                         RW));
    g_object_class_install_property(
        gobject_class, PROP_FEATHER,
        g_param_spec_double("feather", "Feather",
                            "Soften the mask edge over about this many pixels (0 = off)", 0.0,
                            1000.0, 0.0, RW));
    g_object_class_install_property(
        gobject_class, PROP_THRESHOLD,
        g_param_spec_double("threshold", "Threshold",
                            "Probability at which alpha is 0.5 (used when softness > 0)", 0.0,
                            1.0, DEFAULT_THRESHOLD, RW));
    g_object_class_install_property(
        gobject_class, PROP_SOFTNESS,
        g_param_spec_double("softness", "Softness",
                            "Width of the alpha ramp around the threshold; 0 = the model's "
                            "probability is the alpha",
                            0.0, 1.0, DEFAULT_SOFTNESS, RW));
    g_object_class_install_property(
        gobject_class, PROP_LIGHT_WRAP,
        g_param_spec_double("light-wrap", "Light wrap",
                            "Let the background's light spill over the person's edge, 0..1 "
                            "(ignored with a transparent background)",
                            0.0, 1.0, 0.0, RW));
    g_object_class_install_property(
        gobject_class, PROP_THREADS,
        g_param_spec_int("threads", "Threads",
                         "Worker threads for inference and compositing (0 = one per core, at "
                         "most 4)",
                         0, MAX_THREADS, 0, RW));
    g_object_class_install_property(
        gobject_class, PROP_FIT,
        g_param_spec_enum("fit", "Fit", "How the frame is fitted to the model's input",
                          GST_TYPE_BACKDROP_FIT, BD_FIT_STRETCH, RW));

    g_object_class_install_property(
        gobject_class, PROP_TEMPORAL,
        g_param_spec_boolean("temporal", "Temporal smoothing",
                             "Keep the mask steady over time: still pixels are smoothed and "
                             "ignore small wobbles, pixels whose image changes follow at once, "
                             "a scene cut restarts (no added latency)",
                             TRUE, RW));
    g_object_class_install_property(
        gobject_class, PROP_TEMPORAL_STRENGTH,
        g_param_spec_double("temporal-strength", "Temporal strength",
                            "How strongly still pixels are smoothed (with temporal=true)", 0.01,
                            1.0, DEFAULT_TEMPORAL_STRENGTH, RW));
    g_object_class_install_property(
        gobject_class, PROP_REUSE,
        g_param_spec_boolean("reuse", "Mask reuse",
                             "Skip the model on frames that barely changed since the last one "
                             "it ran on and reuse its mask (at most 15 frames in a row; not for "
                             "models with recurrent state)",
                             FALSE, RW));
    g_object_class_install_property(
        gobject_class, PROP_PRECISION,
        g_param_spec_enum("precision", "Precision",
                          "Arithmetic of the model's convolutions; bf16 and int8 fall back to "
                          "fp32 on CPUs without AVX512_BF16 / AVX512_VNNI",
                          GST_TYPE_BACKDROP_PRECISION, BD_PRECISION_FP32, RW));
    g_object_class_install_property(
        gobject_class, PROP_DOWNSAMPLE_RATIO,
        g_param_spec_double("downsample-ratio", "Downsample ratio",
                            "Internal scale of models with a downsample_ratio input (Robust "
                            "Video Matting); 0 = chosen from the frame size (0.375 at 720p)",
                            0.0, 1.0, 0.0, RW));

    gst_element_class_set_static_metadata(
        element_class, "Background replacement", "Filter/Effect/Video",
        "Finds the people in each frame and replaces, blurs or removes the background "
        "behind them (libbackdrop: segmentation models on the CPU)",
        "backdrop developers");
    gst_element_class_add_static_pad_template(element_class, &sink_template);
    gst_element_class_add_static_pad_template(element_class, &src_template);

    trans_class->start = GST_DEBUG_FUNCPTR(gst_backdrop_start);
    trans_class->stop = GST_DEBUG_FUNCPTR(gst_backdrop_stop);
    trans_class->transform_caps = GST_DEBUG_FUNCPTR(gst_backdrop_transform_caps);
    filter_class->set_info = GST_DEBUG_FUNCPTR(gst_backdrop_set_info);
    filter_class->transform_frame = GST_DEBUG_FUNCPTR(gst_backdrop_transform_frame);
    filter_class->transform_frame_ip = GST_DEBUG_FUNCPTR(gst_backdrop_transform_frame_ip);

    gst_type_mark_as_plugin_api(GST_TYPE_BACKDROP_FIT, 0);
    gst_type_mark_as_plugin_api(GST_TYPE_BACKDROP_PRECISION, 0);
    GST_DEBUG_CATEGORY_INIT(gst_backdrop_debug, "backdrop", 0, "backdrop video filter");
}

gboolean gst_backdrop_register(GstPlugin *plugin) {
    return gst_element_register(plugin, "backdrop", GST_RANK_NONE, GST_TYPE_BACKDROP);
}
