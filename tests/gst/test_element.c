/*
 * test_element.c -- the GStreamer element `backdrop` through GstHarness:
 *  - every raw format (RGB, BGR, RGBA, BGRA, RGBx, BGRx, YUY2, NV12, I420) at odd
 *    sizes: the element's output (in place, GStreamer's strides and plane
 *    offsets) equals bd_pipeline_replace run out of place on the same frame
 *    with the same options, byte for byte, for blur, colour and image
 *    backgrounds with refinement and light wrap;
 *  - background=transparent: RGB in, RGBA out whose alpha is the mask;
 *  - timestamps and durations pass through unchanged;
 *  - renegotiation mid-stream (size and format change) gives correct frames;
 *  - a property change mid-stream takes effect on the next frame;
 *  - QoS: a frame that is already late is dropped without inference;
 *  - a bad model or background path: an error on the bus naming it, no crash.
 * The frames come from a real photo (samples/astronaut.png, scripts/fetch-samples.sh).
 * Exits 77 (skipped) when the model or the photo is missing.
 */
#define _POSIX_C_SOURCE 200809L

#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include <stdint.h>

#include "backdrop.h"
#include "gstbackdrop.h"
#include "harness.h"

static char model_path[1024], photo_path[1024], bg_path[1024];
static bd_model *model;
static bd_image_buf *photo; /* RGB24 */

static const char *FORMATS[] = {"RGB", "BGR", "RGBA", "BGRA", "RGBx",
                                "BGRx", "YUY2", "NV12", "I420"};

static bd_pixel_format bd_format_of(GstVideoFormat f) {
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

static void view_of(GstVideoFrame *f, bd_image *img) {
    memset(img, 0, sizeof *img);
    img->format = bd_format_of(GST_VIDEO_FRAME_FORMAT(f));
    img->width = GST_VIDEO_FRAME_WIDTH(f);
    img->height = GST_VIDEO_FRAME_HEIGHT(f);
    img->data = GST_VIDEO_FRAME_PLANE_DATA(f, 0);
    img->stride_bytes = (size_t)GST_VIDEO_FRAME_PLANE_STRIDE(f, 0);
    /* as the element does: an odd-width YUY2 row ends in a whole pair */
    if (img->format == BD_PIXEL_YUYV && (img->width & 1)) img->width++;
    for (guint i = 1; i < GST_VIDEO_FRAME_N_PLANES(f); i++) {
        img->plane[i - 1] = GST_VIDEO_FRAME_PLANE_DATA(f, i);
        img->plane_stride_bytes[i - 1] = (size_t)GST_VIDEO_FRAME_PLANE_STRIDE(f, i);
    }
}

/* A w x h crop of the photo, converted by videoconvert to `format`. */
static GstBuffer *make_frame(const char *format, int w, int h, GstCaps **caps_out) {
    GstVideoInfo info;
    gst_video_info_set_format(&info, GST_VIDEO_FORMAT_RGB, (guint)w, (guint)h);
    GstBuffer *rgb = gst_buffer_new_allocate(NULL, info.size, NULL);
    GstVideoFrame vf;
    gst_video_frame_map(&vf, &info, rgb, GST_MAP_WRITE);
    const bd_image *p = bd_image_view(photo);
    const int x0 = (p->width - w) / 2, y0 = (p->height - h) / 4;
    for (int y = 0; y < h; y++)
        memcpy((uint8_t *)GST_VIDEO_FRAME_PLANE_DATA(&vf, 0) +
                   (size_t)y * GST_VIDEO_FRAME_PLANE_STRIDE(&vf, 0),
               p->data + (size_t)(y0 + y) * p->stride_bytes + 3 * (size_t)x0, 3 * (size_t)w);
    gst_video_frame_unmap(&vf);
    char desc[256];
    snprintf(desc, sizeof desc, "videoconvert ! capsfilter caps=video/x-raw,format=%s", format);
    GstHarness *conv = gst_harness_new_parse(desc);
    gst_harness_set_src_caps(conv, gst_video_info_to_caps(&info));
    GstBuffer *out = gst_harness_push_and_pull(conv, rgb);
    GstCaps *caps = gst_pad_get_current_caps(conv->sinkpad);
    gst_harness_teardown(conv);
    *caps_out = caps;
    return out;
}

/* The element's output for `in`, by a harness on `element` (caps set before). */
static GstBuffer *run_element(GstHarness *h, GstBuffer *in) {
    return gst_harness_push_and_pull(h, gst_buffer_ref(in));
}

/* The library's answer for the same frame: bd_pipeline_replace out of place. */
static bd_image_buf *reference(const bd_pipeline_options *po, GstCaps *caps, GstBuffer *in,
                               const bd_background *bg, bd_pixel_format out_format) {
    GstVideoInfo info;
    gst_video_info_from_caps(&info, caps);
    GstVideoFrame vf;
    gst_video_frame_map(&vf, &info, in, GST_MAP_READ);
    bd_image fi;
    view_of(&vf, &fi);
    bd_image_buf *out = NULL;
    bd_pipeline *p = NULL;
    char why[256] = "";
    bd_pipeline_options o = *po;
    o.error_buf = why;
    o.error_buf_size = sizeof why;
    CHECK_MSG(bd_pipeline_create(model, &o, &p) == BD_OK, "%s", why);
    CHECK(bd_image_alloc(fi.width, fi.height, out_format, &out) == BD_OK);
    if (p && out) {
        bd_status st = bd_pipeline_replace(p, &fi, bg, bd_image_view(out));
        CHECK_MSG(st == BD_OK, "%s", bd_pipeline_last_error(p));
    }
    bd_pipeline_free(p);
    gst_video_frame_unmap(&vf);
    return out;
}

/* Counts bytes of the element's output frame that differ from the reference
 * image (visible pixels only; the padding of odd YUY2 rows is not compared). */
static long diff_frame(GstCaps *caps, GstBuffer *got, const bd_image_buf *want_buf) {
    GstVideoInfo info;
    gst_video_info_from_caps(&info, caps);
    GstVideoFrame vf;
    if (!gst_video_frame_map(&vf, &info, got, GST_MAP_READ)) return -1;
    bd_image g;
    view_of(&vf, &g);
    const bd_image *w = bd_image_view(want_buf);
    long bad = 0;
    const int W = g.width, H = g.height;
    const int bpp = bd_pixel_format_bpp(g.format);
    size_t row = (size_t)W * (size_t)bpp;
    for (int y = 0; y < H; y++) {
        const uint8_t *a = g.data + (size_t)y * g.stride_bytes;
        const uint8_t *b = w->data + (size_t)y * w->stride_bytes;
        for (size_t x = 0; x < row; x++) bad += a[x] != b[x];
    }
    if (g.format == BD_PIXEL_NV12 || g.format == BD_PIXEL_I420) {
        const int np = g.format == BD_PIXEL_NV12 ? 1 : 2;
        const size_t crow = (size_t)((W + 1) / 2) * (g.format == BD_PIXEL_NV12 ? 2 : 1);
        for (int i = 0; i < np; i++)
            for (int y = 0; y < (H + 1) / 2; y++) {
                const uint8_t *a = g.plane[i] + (size_t)y * g.plane_stride_bytes[i];
                const uint8_t *b = w->plane[i] + (size_t)y * w->plane_stride_bytes[i];
                for (size_t x = 0; x < crow; x++) bad += a[x] != b[x];
            }
    }
    gst_video_frame_unmap(&vf);
    return bad;
}

static GstHarness *new_element(const char *props) {
    GstHarness *h = gst_harness_new("backdrop");
    g_object_set(h->element, "model", model_path, NULL);
    if (props && props[0]) {
        gchar **kv = g_strsplit(props, " ", -1);
        for (gchar **p = kv; *p; p++) {
            gchar **pair = g_strsplit(*p, "=", 2);
            gst_util_set_object_arg(G_OBJECT(h->element), pair[0], pair[1]);
            g_strfreev(pair);
        }
        g_strfreev(kv);
    }
    return h;
}

typedef struct bg_case {
    const char *props; /* element properties */
    bd_background bg;
    int refine;
    float light_wrap;
} bg_case;

static void test_formats_match_library(void) {
    bd_image_buf *bgimg = NULL;
    char err[256];
    CHECK_MSG(bd_image_read_file(bg_path, BD_PIXEL_RGB24, NULL, &bgimg, err, sizeof err) == BD_OK,
              "%s", err);
    if (!bgimg) return;
    char img_props[1200];
    snprintf(img_props, sizeof img_props, "background=%s threads=1", bg_path);
    bg_case cases[] = {
        {"background=color:#20c040 threads=2", {.kind = BD_BG_COLOR, .color = {0x20, 0xc0, 0x40}}, 0, 0},
        {"background=blur:9 refine=true threads=2", {.kind = BD_BG_BLUR, .blur_radius = 9}, 1, 0},
        {img_props, {.kind = BD_BG_IMAGE, .image = bd_image_view(bgimg), .image_version = 1}, 0, 0},
        {"background=blur light-wrap=0.5 threads=1", {.kind = BD_BG_BLUR}, 0, 0.5f},
    };
    const int sizes[][2] = {{301, 233}, {64, 37}, {17, 9}};
    for (size_t c = 0; c < G_N_ELEMENTS(cases); c++)
        for (size_t s = 0; s < G_N_ELEMENTS(sizes); s++)
            for (size_t f = 0; f < G_N_ELEMENTS(FORMATS); f++) {
                /* light wrap applies to packed RGB only in the library: skip the rest */
                if (cases[c].light_wrap > 0 && f >= 6) continue;
                GstCaps *caps = NULL;
                GstBuffer *in = make_frame(FORMATS[f], sizes[s][0], sizes[s][1], &caps);
                GST_BUFFER_PTS(in) = 40 * GST_MSECOND;
                GST_BUFFER_DURATION(in) = 33 * GST_MSECOND;
                bd_pipeline_options po;
                bd_pipeline_options_default(&po);
                po.refine = cases[c].refine;
                po.light_wrap = cases[c].light_wrap;
                GstVideoInfo info;
                gst_video_info_from_caps(&info, caps);
                bd_image_buf *want =
                    reference(&po, caps, in, &cases[c].bg, bd_format_of(GST_VIDEO_INFO_FORMAT(&info)));
                GstHarness *h = new_element(cases[c].props);
                gst_harness_set_src_caps(h, gst_caps_ref(caps));
                GstBuffer *got = run_element(h, in);
                CHECK_MSG(got != NULL, "%s %s: no output", FORMATS[f], cases[c].props);
                if (got && want) {
                    long bad = diff_frame(caps, got, want);
                    CHECK_MSG(bad == 0, "%s %dx%d [%s]: %ld bytes differ from bd_pipeline_replace",
                              FORMATS[f], sizes[s][0], sizes[s][1], cases[c].props, bad);
                    CHECK(GST_BUFFER_PTS(got) == 40 * GST_MSECOND);
                    CHECK(GST_BUFFER_DURATION(got) == 33 * GST_MSECOND);
                }
                if (got) gst_buffer_unref(got);
                gst_harness_teardown(h);
                bd_image_free(want);
                gst_buffer_unref(in);
                gst_caps_unref(caps);
            }
    bd_image_free(bgimg);
}

static void test_transparent(void) {
    const char *in_fmt[] = {"RGB", "BGRx", "RGBA"};
    const char *want_out[] = {"RGBA", "BGRA", "RGBA"};
    for (size_t i = 0; i < G_N_ELEMENTS(in_fmt); i++) {
        GstCaps *caps = NULL;
        GstBuffer *in = make_frame(in_fmt[i], 201, 151, &caps);
        GstHarness *h = new_element("background=transparent");
        gst_harness_set_src_caps(h, gst_caps_ref(caps));
        GstBuffer *got = run_element(h, in);
        CHECK(got != NULL);
        GstCaps *oc = gst_pad_get_current_caps(h->sinkpad);
        GstVideoInfo oi;
        CHECK(oc && gst_video_info_from_caps(&oi, oc));
        const char *of = oc ? gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&oi)) : "";
        CHECK_MSG(strcmp(of, want_out[i]) == 0, "%s in: %s out, expected %s", in_fmt[i], of,
                  want_out[i]);
        bd_pipeline_options po;
        bd_pipeline_options_default(&po);
        bd_background bg = {.kind = BD_BG_TRANSPARENT};
        bd_image_buf *want = reference(&po, caps, in, &bg,
                                       strcmp(want_out[i], "BGRA") ? BD_PIXEL_RGBA32 : BD_PIXEL_BGRA32);
        if (got && oc && want) {
            long bad = diff_frame(oc, got, want);
            CHECK_MSG(bad == 0, "transparent %s: %ld bytes differ", in_fmt[i], bad);
            /* the alpha is a real mask: some of it opaque, some transparent */
            GstVideoFrame vf;
            gst_video_frame_map(&vf, &oi, got, GST_MAP_READ);
            long n0 = 0, n255 = 0;
            for (int y = 0; y < 151; y++) {
                const uint8_t *r = (const uint8_t *)GST_VIDEO_FRAME_PLANE_DATA(&vf, 0) +
                                   (size_t)y * GST_VIDEO_FRAME_PLANE_STRIDE(&vf, 0);
                for (int x = 0; x < 201; x++) {
                    n0 += r[4 * x + 3] == 0;
                    n255 += r[4 * x + 3] == 255;
                }
            }
            gst_video_frame_unmap(&vf);
            CHECK_MSG(n0 > 100 && n255 > 100, "alpha: %ld zero, %ld opaque", n0, n255);
        }
        if (oc) gst_caps_unref(oc);
        if (got) gst_buffer_unref(got);
        bd_image_free(want);
        gst_harness_teardown(h);
        gst_buffer_unref(in);
        gst_caps_unref(caps);
    }
}

/* Size and format change mid-stream: each frame after the change is right. */
static void test_renegotiation(void) {
    GstHarness *h = new_element("background=color:#0000ff");
    const char *fmts[] = {"I420", "RGB", "NV12", "I420"};
    const int sizes[][2] = {{320, 240}, {161, 97}, {640, 360}, {33, 21}};
    for (int k = 0; k < 4; k++) {
        GstCaps *caps = NULL;
        GstBuffer *in = make_frame(fmts[k], sizes[k][0], sizes[k][1], &caps);
        gst_harness_set_src_caps(h, gst_caps_ref(caps));
        for (int rep = 0; rep < 2; rep++) {
            GST_BUFFER_PTS(in) = (GstClockTime)(k * 2 + rep) * 33 * GST_MSECOND;
            GstBuffer *got = run_element(h, in);
            CHECK(got != NULL);
            bd_pipeline_options po;
            bd_pipeline_options_default(&po);
            bd_background bg = {.kind = BD_BG_COLOR, .color = {0, 0, 255}};
            GstVideoInfo info;
            gst_video_info_from_caps(&info, caps);
            bd_image_buf *want =
                reference(&po, caps, in, &bg, bd_format_of(GST_VIDEO_INFO_FORMAT(&info)));
            GstCaps *oc = gst_pad_get_current_caps(h->sinkpad);
            CHECK_MSG(oc && gst_caps_is_equal(oc, caps), "output caps follow the input");
            if (got && want) {
                long bad = diff_frame(caps, got, want);
                CHECK_MSG(bad == 0, "after renegotiation to %s %dx%d: %ld bytes differ", fmts[k],
                          sizes[k][0], sizes[k][1], bad);
            }
            if (oc) gst_caps_unref(oc);
            if (got) gst_buffer_unref(got);
            bd_image_free(want);
            /* a fresh buffer: the one pushed was processed in place */
            gst_buffer_unref(in);
            GstCaps *again = NULL;
            in = make_frame(fmts[k], sizes[k][0], sizes[k][1], &again);
            gst_caps_unref(again);
        }
        gst_buffer_unref(in);
        gst_caps_unref(caps);
    }
    gst_harness_teardown(h);
}

/* A property change takes effect on the next frame. */
static void test_property_change(void) {
    GstHarness *h = new_element("background=color:#ff0000");
    GstCaps *caps = NULL;
    GstBuffer *in = make_frame("RGB", 160, 120, &caps);
    gst_harness_set_src_caps(h, gst_caps_ref(caps));
    GstBuffer *a = run_element(h, in);
    g_object_set(h->element, "background", "color:#00ff00", NULL);
    gst_buffer_unref(in);
    GstCaps *again = NULL;
    in = make_frame("RGB", 160, 120, &again);
    gst_caps_unref(again);
    GstBuffer *b = run_element(h, in);
    CHECK(a && b);
    /* each frame equals the library's composite over its own colour */
    bd_pipeline_options po;
    bd_pipeline_options_default(&po);
    const bd_background red = {.kind = BD_BG_COLOR, .color = {255, 0, 0}};
    const bd_background green = {.kind = BD_BG_COLOR, .color = {0, 255, 0}};
    bd_image_buf *wa = reference(&po, caps, in, &red, BD_PIXEL_RGB24);
    bd_image_buf *wb = reference(&po, caps, in, &green, BD_PIXEL_RGB24);
    if (a && b && wa && wb) {
        CHECK_MSG(diff_frame(caps, a, wa) == 0, "first frame is not over red");
        CHECK_MSG(diff_frame(caps, b, wb) == 0, "second frame is not over green");
        CHECK_MSG(diff_frame(caps, b, wa) > 1000, "second frame is still over red");
    }
    bd_image_free(wa);
    bd_image_free(wb);
    if (a) gst_buffer_unref(a);
    if (b) gst_buffer_unref(b);
    gst_buffer_unref(in);
    gst_caps_unref(caps);
    gst_harness_teardown(h);
}

/* QoS: after a QoS event saying downstream is 1 s late, a frame whose time has
 * already passed is dropped (and a QoS message posted); a later one is not. */
static void test_qos_drops_late_frames(void) {
    GstHarness *h = new_element("background=blur");
    GstCaps *caps = NULL;
    GstBuffer *in = make_frame("I420", 320, 240, &caps);
    gst_harness_set_src_caps(h, gst_caps_ref(caps));
    GST_BUFFER_PTS(in) = 0;
    GST_BUFFER_DURATION(in) = 33 * GST_MSECOND;
    GstBuffer *first = run_element(h, in);
    CHECK(first != NULL);
    if (first) gst_buffer_unref(first);
    gst_harness_push_upstream_event(
        h, gst_event_new_qos(GST_QOS_TYPE_UNDERFLOW, 0.5, GST_SECOND, 33 * GST_MSECOND));
    GstBuffer *late = gst_buffer_copy_deep(in);
    GST_BUFFER_PTS(late) = 100 * GST_MSECOND;
    CHECK(gst_harness_push(h, late) == GST_FLOW_OK);
    CHECK_MSG(gst_harness_buffers_in_queue(h) == 0, "a late frame was processed");
    GstBuffer *ontime = gst_buffer_copy_deep(in);
    GST_BUFFER_PTS(ontime) = 10 * GST_SECOND;
    CHECK(gst_harness_push(h, ontime) == GST_FLOW_OK);
    CHECK_MSG(gst_harness_buffers_in_queue(h) == 1, "a frame on time was dropped");
    gst_buffer_unref(in);
    gst_caps_unref(caps);
    gst_harness_teardown(h);
}

/* A pipeline with a bad property fails to start with an error naming the file. */
static void check_start_error(const char *prop, const char *value) {
    GstElement *pipe = gst_pipeline_new(NULL);
    GstElement *src = gst_element_factory_make("videotestsrc", NULL);
    GstElement *bd = gst_element_factory_make("backdrop", NULL);
    GstElement *sink = gst_element_factory_make("fakesink", NULL);
    CHECK(pipe && src && bd && sink);
    if (!(pipe && src && bd && sink)) return;
    g_object_set(src, "num-buffers", 3, NULL);
    g_object_set(bd, "model", model_path, NULL);
    g_object_set(bd, prop, value, NULL);
    gst_bin_add_many(GST_BIN(pipe), src, bd, sink, NULL);
    CHECK(gst_element_link_many(src, bd, sink, NULL));
    gst_element_set_state(pipe, GST_STATE_PLAYING);
    GstBus *bus = gst_element_get_bus(pipe);
    GstMessage *msg = gst_bus_timed_pop_filtered(bus, 10 * GST_SECOND,
                                                 GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
    CHECK_MSG(msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR, "%s=%s: no error on the bus",
              prop, value);
    if (msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
        GError *e = NULL;
        gchar *dbg = NULL;
        gst_message_parse_error(msg, &e, &dbg);
        CHECK_MSG(strstr(e->message, value) != NULL, "error '%s' does not name '%s'", e->message,
                  value);
        CHECK(GST_MESSAGE_SRC(msg) == GST_OBJECT(bd));
        g_error_free(e);
        g_free(dbg);
    }
    if (msg) gst_message_unref(msg);
    gst_object_unref(bus);
    gst_element_set_state(pipe, GST_STATE_NULL);
    gst_object_unref(pipe);
}

/* A model as the element loads it: for frames of w x h, at `prec` and RVM's `ratio`. */
static bd_model *load_as_element(const char *path, bd_precision prec, float ratio, int w,
                                 int h) {
    bd_model_options mo;
    bd_model_options_default(&mo);
    mo.precision = prec;
    mo.downsample_ratio = ratio;
    mo.frame_width = w;
    mo.frame_height = h;
    bd_model *m = NULL;
    if (bd_model_create(&mo, &m) != BD_OK || bd_model_load_file(m, path) != BD_OK) {
        CHECK_MSG(0, "cannot load %s: %s", path, m ? bd_model_last_error(m) : "");
        bd_model_free(m);
        return NULL;
    }
    return m;
}

/* One frame through the element with `props` against bd_pipeline_replace with a
 * model loaded the way those properties ask: byte for byte with one of the n
 * models ms (several where the choice is the load's own, as precision=auto's
 * timing, which two loads can decide apart). */
static void check_model_props(const char *props, bd_model *const *ms, int n, int fw, int fh) {
    GstCaps *caps = NULL;
    GstBuffer *in = make_frame("I420", fw, fh, &caps);
    bd_pipeline_options po;
    bd_pipeline_options_default(&po);
    bd_background bg = {.kind = BD_BG_COLOR, .color = {0x10, 0xe0, 0x30}};
    GstHarness *h = new_element(props);
    gst_harness_set_src_caps(h, gst_caps_ref(caps));
    GstBuffer *got = run_element(h, in);
    CHECK_MSG(got != NULL, "[%s]: no output", props);
    long best = -1;
    for (int i = 0; got && i < n; i++) {
        bd_model *saved = model;
        model = ms[i]; /* reference() runs the global model */
        bd_image_buf *want = reference(&po, caps, in, &bg, BD_PIXEL_I420);
        model = saved;
        const long bad = want ? diff_frame(caps, got, want) : -1;
        if (bad >= 0 && (best < 0 || bad < best)) best = bad;
        bd_image_free(want);
    }
    CHECK_MSG(!got || best == 0, "[%s]: %ld bytes differ from the library at those settings",
              props, best);
    if (got) gst_buffer_unref(got);
    gst_harness_teardown(h);
    gst_buffer_unref(in);
    gst_caps_unref(caps);
}

/* precision=P compiles the element's model at P (bf16 / int8 where the CPU has
 * them; the library falls back to fp32 the same way on others; auto: the bf16 or
 * the fp32 result, as the element's load-time timing chose), and
 * downsample-ratio=R binds RVM's input (when models/ has RVM); the property
 * reads back what was set. */
static void test_precision_and_ratio(void) {
    static const char *const names[] = {"bf16", "int8", "auto", "fp16"};
    static const bd_precision precs[] = {BD_PRECISION_BF16, BD_PRECISION_INT8,
                                         BD_PRECISION_AUTO, BD_PRECISION_FP16};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        char props[128];
        snprintf(props, sizeof props, "background=color:#10e030 precision=%s", names[i]);
        /* auto: whichever of bf16 and fp32 the element's own timing chose */
        const gboolean choice = precs[i] == BD_PRECISION_AUTO;
        bd_model *m[2] = {load_as_element(model_path, choice ? BD_PRECISION_BF16 : precs[i], 0.0f,
                                          320, 240),
                          choice ? load_as_element(model_path, BD_PRECISION_FP32, 0.0f, 320, 240)
                                 : NULL};
        if (m[0] && (!choice || m[1])) check_model_props(props, m, choice ? 2 : 1, 320, 240);
        bd_model_free(m[0]), bd_model_free(m[1]);
        GstElement *e = gst_element_factory_make("backdrop", NULL);
        gst_util_set_object_arg(G_OBJECT(e), "precision", names[i]);
        gint got = -1;
        g_object_get(e, "precision", &got, NULL);
        CHECK_MSG(got == (gint)precs[i], "precision=%s reads back %d", names[i], got);
        gst_object_unref(e);
    }
    char rvm[1200];
    const char *models = getenv("BD_MODELS_DIR");
    snprintf(rvm, sizeof rvm, "%s/rvm_mobilenetv3_fp32.onnx", models ? models : ".");
    struct stat sb;
    if (stat(rvm, &sb) != 0) {
        printf("note: %s missing, downsample-ratio not run\n", rvm);
        return;
    }
    const float ratios[] = {0.5f, 0.25f};
    bd_model *m0 = load_as_element(rvm, BD_PRECISION_FP32, 0.5f, 160, 96);
    bd_model *m1 = load_as_element(rvm, BD_PRECISION_FP32, 0.25f, 160, 96);
    bd_model *ms[] = {m0, m1};
    for (int i = 0; i < 2; i++) {
        char props[1400];
        snprintf(props, sizeof props, "model=%s background=color:#10e030 downsample-ratio=%g",
                 rvm, (double)ratios[i]);
        if (ms[i]) check_model_props(props, &ms[i], 1, 160, 96);
    }
    bd_model_free(m0);
    bd_model_free(m1);
}

static void test_bad_paths(void) {
    check_start_error("model", "/nonexistent/model.tflite");
    check_start_error("model", photo_path); /* a PNG is not a model */
    check_start_error("background", "/nonexistent/beach.jpg");
    check_start_error("background", model_path); /* a model is not an image */
    check_start_error("background", "blur:0");
}

int main(int argc, char **argv) {
    const char *models = getenv("BD_MODELS_DIR"), *src = getenv("BD_SOURCE_DIR");
    if (!models || !src) {
        printf("skipped: BD_MODELS_DIR / BD_SOURCE_DIR not set\n");
        return 77;
    }
    snprintf(model_path, sizeof model_path, "%s/selfie_segmentation.tflite", models);
    snprintf(photo_path, sizeof photo_path, "%s/samples/astronaut.png", src);
    snprintf(bg_path, sizeof bg_path, "%s/samples/camera.png", src);
    char err[256];
    if (bd_model_create(NULL, &model) != BD_OK || bd_model_load_file(model, model_path) != BD_OK) {
        printf("skipped: cannot load %s (run scripts/fetch-models.sh)\n", model_path);
        bd_model_free(model);
        return 77;
    }
    if (bd_image_read_file(photo_path, BD_PIXEL_RGB24, NULL, &photo, err, sizeof err) != BD_OK) {
        printf("skipped: %s (run scripts/fetch-samples.sh)\n", err);
        bd_model_free(model);
        return 77;
    }
    gst_init(&argc, &argv);
    if (!gst_backdrop_register(NULL)) {
        fprintf(stderr, "cannot register the element\n");
        return 1;
    }
    RUN(test_formats_match_library);
    RUN(test_transparent);
    RUN(test_renegotiation);
    RUN(test_property_change);
    RUN(test_qos_drops_late_frames);
    RUN(test_bad_paths);
    RUN(test_precision_and_ratio);
    bd_image_free(photo);
    bd_model_free(model);
    return harness_finish();
}
