/*
 * video_reader.c -- the frames of a video file through GStreamer (see
 * video_reader.h for what a file gives).
 *
 * The pipeline, built by hand rather than parsed so that only the file name
 * comes from the user:
 *
 *   filesrc location=PATH ! decodebin ! videoconvert ! videoflip video-direction=auto
 *       ! videoconvert ! appsink caps=video/x-raw,format=RGB
 *
 * decodebin adds one pad per decoded stream, on a streaming thread. The first
 * raw video pad is linked to videoconvert; every other pad (audio, subtitles,
 * a second video stream) goes to a fakesink of its own, so that no stream is
 * left unlinked (decodebin would stop with "not-linked") or blocks the demuxer
 * (a full queue on an unread stream). No videoscale: frames keep their size.
 *
 * The appsink holds at most MAX_QUEUED frames and does not drop, so decoding
 * runs at most that far ahead of the command and memory stays flat however
 * long the clip is. It does not sync to the clock: frames come as fast as they
 * decode. The command's thread waits for a frame in POLL_MS slices and reads
 * the bus between them; a bus error ends the stream with that error, and
 * CLI_VIDEO_STALL_MS without a frame is an error too, so nothing can hang.
 *
 * gst_deinit() is never called: it may be called only once per process and
 * GStreamer cannot be used after it, so GStreamer stays initialised until exit.
 */
#define _POSIX_C_SOURCE 200809L

#include "video_reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#define MAX_QUEUED 4 /* frames the appsink holds before decoding waits */
#define POLL_MS 50   /* one wait for a frame, between two looks at the bus */
/* The name of the message decodebin's no-more-pads handler posts when no
 * video stream was linked (the streaming thread cannot fail the reader itself). */
#define MSG_NO_VIDEO "backdrop-no-video"
/* Posted by pad-added for a video stream over the pixel limit (fields: width, height). */
#define MSG_TOO_LARGE "backdrop-too-large"

struct cli_video {
    char *path;           /* the file, for the messages */
    int stall_ms;         /* cli_video_options, defaults applied */
    long max_pixels;
    GstElement *pipeline; /* owns every element below */
    GstElement *convert;  /* videoconvert: its sink pad takes the first video pad */
    GstAppSink *sink;     /* RGB frames */
    GstBus *bus;          /* the pipeline's (a ref) */
    GstSample *pending;   /* the first frame, pulled by cli_video_open (a ref) */
    GstSample *sample;    /* the frame the caller's view points into (a ref) */
    GstVideoFrame vframe; /* sample's buffer, mapped while `mapped` */
    bool mapped;
    GstCaps *info_caps;    /* the caps `info` was parsed from (a ref) */
    GstVideoInfo info;     /* size, stride and frame rate of the frames */
    GstClockTime frame_ns; /* one frame at the stream's rate; 0 if it has none */
    long estimate;         /* cli_video_frame_estimate */
    long n_frames;         /* frames returned so far */
    /* For the truncation check at the end of the stream, in buffer time: */
    GstClockTime last_end; /* where the latest frame ends */
    GstClockTime seg_stop; /* where the stream's segment says it stops */
    bool failed;           /* sticky: msg holds the error */
    char msg[512];
};

/* Marks `v` failed with "cannot decode '<path>': <message>"; the first
 * failure wins, so the root cause is what gets reported. */
static void fail(cli_video *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(cli_video *v, const char *fmt, ...) {
    if (v->failed) return;
    v->failed = true;
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(v->msg, sizeof v->msg, "cannot decode '%s': %s", v->path, what);
}

static void copy_msg(const cli_video *v, char *err, size_t err_size) {
    if (err_size > 0) snprintf(err, err_size, "%s", v->msg);
}

/* Links a decodebin pad that is not read to a fakesink of its own. The sink is
 * brought to the pipeline's state before the link, so the first buffer never
 * meets a sink still in NULL (a "flushing" error). If no fakesink can be made
 * the pad stays unlinked and decodebin's own error is reported. */
static void discard_pad(cli_video *v, GstPad *pad) {
    GstElement *fake = gst_element_factory_make("fakesink", NULL);
    if (fake == NULL) return;
    /* async=false: a sink added while the pipeline runs must not hold its state change. */
    g_object_set(fake, "sync", FALSE, "async", FALSE, NULL);
    gst_bin_add(GST_BIN(v->pipeline), fake);
    gst_element_sync_state_with_parent(fake);
    GstPad *sinkpad = gst_element_get_static_pad(fake, "sink");
    gst_pad_link(pad, sinkpad);
    gst_object_unref(sinkpad);
}

/* decodebin's "pad-added" (on a streaming thread): decoded streams have fixed
 * caps by now. gst_pad_link refuses a second link to videoconvert under the
 * pad's lock, so two video pads racing here cannot both be linked. */
static void on_pad_added(GstElement *decodebin, GstPad *pad, gpointer data) {
    cli_video *v = data;
    GstCaps *caps = gst_pad_get_current_caps(pad);
    if (caps == NULL) caps = gst_pad_query_caps(pad, NULL);
    const GstStructure *s =
        (caps != NULL && gst_caps_get_size(caps) > 0) ? gst_caps_get_structure(caps, 0) : NULL;
    bool video = s != NULL && strcmp(gst_structure_get_name(s), "video/x-raw") == 0;
    int w = 0, h = 0;
    if (video && gst_structure_get_int(s, "width", &w) && gst_structure_get_int(s, "height", &h) &&
        (w <= 0 || h <= 0 || (long long)w * h > v->max_pixels)) {
        /* Over the limit: read by a fakesink, and the reader fails with the size. */
        video = false;
        gst_element_post_message(
            v->pipeline,
            gst_message_new_application(
                GST_OBJECT(v->pipeline),
                gst_structure_new(MSG_TOO_LARGE, "width", G_TYPE_INT, w, "height", G_TYPE_INT, h,
                                  NULL)));
    }
    if (caps != NULL) gst_caps_unref(caps);
    if (video) {
        GstPad *sinkpad = gst_element_get_static_pad(v->convert, "sink");
        GstPadLinkReturn r = gst_pad_link(pad, sinkpad);
        gst_object_unref(sinkpad);
        if (r == GST_PAD_LINK_OK) return;
    }
    discard_pad(v, pad);
}

/* decodebin's "no-more-pads": if no pad reached videoconvert, the appsink will
 * never get a frame; say so on the bus, where the reader's thread looks. */
static void on_no_more_pads(GstElement *decodebin, gpointer data) {
    cli_video *v = data;
    GstPad *sinkpad = gst_element_get_static_pad(v->convert, "sink");
    bool linked = gst_pad_is_linked(sinkpad);
    gst_object_unref(sinkpad);
    if (!linked)
        gst_element_post_message(
            v->pipeline, gst_message_new_application(GST_OBJECT(v->pipeline),
                                                     gst_structure_new_empty(MSG_NO_VIDEO)));
}

/* Takes every error and application message off the bus (the others are
 * dropped by gst_bus_pop_filtered). False once `v` has failed. */
static bool bus_ok(cli_video *v) {
    GstMessage *m;
    while (!v->failed && (m = gst_bus_pop_filtered(v->bus, GST_MESSAGE_ERROR |
                                                               GST_MESSAGE_APPLICATION)) != NULL) {
        if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
            GError *e = NULL;
            gchar *debug = NULL;
            gst_message_parse_error(m, &e, &debug);
            fail(v, "%s", (e != NULL && e->message != NULL) ? e->message : "unknown error");
            g_clear_error(&e);
            g_free(debug);
        } else if (gst_message_has_name(m, MSG_NO_VIDEO)) {
            fail(v, "no video stream that GStreamer can decode");
        } else if (gst_message_has_name(m, MSG_TOO_LARGE)) {
            const GstStructure *st = gst_message_get_structure(m);
            int w = 0, h = 0;
            gst_structure_get_int(st, "width", &w);
            gst_structure_get_int(st, "height", &h);
            fail(v, "its frames are %dx%d, over the limit of %ld pixels", w, h, v->max_pixels);
        }
        gst_message_unref(m);
    }
    return !v->failed;
}

/* Waits for the next decoded frame: 1 with *out (a ref), 0 at the end of the
 * stream, -1 once `v` failed (a bus error, or no frame for stall_ms). */
static int pull(cli_video *v, GstSample **out) {
    const gint64 start_us = g_get_monotonic_time();
    for (;;) {
        if (!bus_ok(v)) return -1;
        GstSample *s = gst_app_sink_try_pull_sample(v->sink, POLL_MS * GST_MSECOND);
        if (s != NULL) {
            *out = s;
            return 1;
        }
        /* An error may have been posted just before the end: it wins. */
        if (gst_app_sink_is_eos(v->sink)) return bus_ok(v) ? 0 : -1;
        if (g_get_monotonic_time() - start_us > (gint64)v->stall_ms * 1000) {
            fail(v, "no frame for %.1f s (the decoder stalled)", v->stall_ms / 1000.0);
            return -1;
        }
    }
}

/* Parses the frames' caps when they change (a stream may change size). */
static bool take_caps(cli_video *v, GstCaps *caps) {
    if (caps == v->info_caps) return true; /* v holds a ref, so the address is not reused */
    if (caps == NULL || !gst_video_info_from_caps(&v->info, caps) ||
        GST_VIDEO_INFO_FORMAT(&v->info) != GST_VIDEO_FORMAT_RGB) {
        fail(v, "the decoder delivered a frame that is not RGB");
        return false;
    }
    int w = GST_VIDEO_INFO_WIDTH(&v->info), h = GST_VIDEO_INFO_HEIGHT(&v->info);
    if ((long long)w * h > v->max_pixels) {
        fail(v, "its frames are %dx%d, over the limit of %ld pixels", w, h, v->max_pixels);
        return false;
    }
    gst_caps_replace(&v->info_caps, caps);
    int fps_n = GST_VIDEO_INFO_FPS_N(&v->info), fps_d = GST_VIDEO_INFO_FPS_D(&v->info);
    v->frame_ns =
        (fps_n > 0 && fps_d > 0) ? gst_util_uint64_scale_int(GST_SECOND, fps_d, fps_n) : 0;
    return true;
}

/* Notes where the frame in `s` ends and where its segment stops. */
static void track_time(cli_video *v, GstSample *s) {
    GstBuffer *buf = gst_sample_get_buffer(s);
    if (buf != NULL && GST_BUFFER_PTS_IS_VALID(buf)) {
        GstClockTime dur =
            GST_BUFFER_DURATION_IS_VALID(buf) ? GST_BUFFER_DURATION(buf) : v->frame_ns;
        GstClockTime end = GST_BUFFER_PTS(buf) + dur;
        if (!GST_CLOCK_TIME_IS_VALID(v->last_end) || end > v->last_end) v->last_end = end;
    }
    const GstSegment *seg = gst_sample_get_segment(s);
    v->seg_stop = (seg != NULL && seg->format == GST_FORMAT_TIME && seg->rate > 0.0)
                      ? seg->stop
                      : GST_CLOCK_TIME_NONE;
}

/* The frame count for progress, from the first frame: the span of the
 * stream's segment (the video track alone; the container's duration also
 * covers a longer audio track), else the pipeline's duration, times the rate. */
static long estimate_frames(cli_video *v, GstSample *first) {
    if (v->frame_ns == 0) return 0;
    const GstSegment *seg = gst_sample_get_segment(first);
    gint64 span = -1;
    if (seg != NULL && seg->format == GST_FORMAT_TIME && GST_CLOCK_TIME_IS_VALID(seg->stop) &&
        seg->stop > seg->start)
        span = (gint64)(seg->stop - seg->start);
    else if (!gst_element_query_duration(v->pipeline, GST_FORMAT_TIME, &span))
        span = -1;
    if (span <= 0) return 0;
    return (long)(((guint64)span + v->frame_ns / 2) / v->frame_ns);
}

/* Maps the frame in `s` (taken over by v) and points *frame at its pixels. */
static bool show(cli_video *v, GstSample *s, bd_image *frame) {
    v->sample = s;
    GstBuffer *buf = gst_sample_get_buffer(s);
    if (!take_caps(v, gst_sample_get_caps(s))) return false;
    /* gst_video_frame_map takes the stride from the buffer's GstVideoMeta when
     * it has one (decoders pad rows), else from the caps. */
    if (buf == NULL || !gst_video_frame_map(&v->vframe, &v->info, buf, GST_MAP_READ)) {
        fail(v, "cannot map decoded frame %ld", v->n_frames + 1);
        return false;
    }
    v->mapped = true;
    int w = GST_VIDEO_FRAME_WIDTH(&v->vframe), h = GST_VIDEO_FRAME_HEIGHT(&v->vframe);
    int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&v->vframe, 0);
    if (w <= 0 || h <= 0 || stride < 3 * w) {
        fail(v, "frame %ld has a bad layout (%dx%d, stride %d)", v->n_frames + 1, w, h, stride);
        return false;
    }
    track_time(v, s);
    memset(frame, 0, sizeof *frame);
    frame->width = w;
    frame->height = h;
    frame->format = BD_PIXEL_RGB24;
    frame->stride_bytes = (size_t)stride;
    frame->data = GST_VIDEO_FRAME_PLANE_DATA(&v->vframe, 0);
    v->n_frames++;
    return true;
}

/* Drops the frame the caller's view pointed into. */
static void release(cli_video *v) {
    if (v->mapped) gst_video_frame_unmap(&v->vframe);
    v->mapped = false;
    if (v->sample != NULL) gst_sample_unref(v->sample);
    v->sample = NULL;
}

/* Makes a `factory` element inside v->pipeline (which then owns it). */
static GstElement *add_element(cli_video *v, const char *factory) {
    GstElement *e = gst_element_factory_make(factory, NULL);
    if (e == NULL) {
        fail(v,
             "GStreamer has no '%s' element (are gstreamer1.0-plugins-base and "
             "-plugins-good installed?)",
             factory);
        return NULL;
    }
    gst_bin_add(GST_BIN(v->pipeline), e);
    return e;
}

static bool build(cli_video *v) {
    v->pipeline = gst_pipeline_new("backdrop-video");
    if (v->pipeline == NULL) {
        fail(v, "cannot create a GStreamer pipeline");
        return false;
    }
    v->bus = gst_element_get_bus(v->pipeline);
    GstElement *src = add_element(v, "filesrc");
    GstElement *dec = add_element(v, "decodebin");
    GstElement *conv = add_element(v, "videoconvert");
    /* frames upright as the stream's image-orientation tag says (phone clips) */
    GstElement *flip = add_element(v, "videoflip");
    GstElement *conv2 = add_element(v, "videoconvert");
    GstElement *sink = add_element(v, "appsink");
    if (src == NULL || dec == NULL || conv == NULL || flip == NULL || conv2 == NULL || sink == NULL)
        return false;
    gst_util_set_object_arg(G_OBJECT(flip), "video-direction", "auto");
    v->convert = conv;
    v->sink = GST_APP_SINK(sink);

    g_object_set(src, "location", v->path, NULL);
    GstCaps *caps = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "RGB", NULL);
    gst_app_sink_set_caps(v->sink, caps);
    gst_caps_unref(caps);
    gst_app_sink_set_max_buffers(v->sink, MAX_QUEUED);
    gst_app_sink_set_drop(v->sink, FALSE);
    g_object_set(sink, "sync", FALSE, NULL);
    if (!gst_element_link(src, dec) || !gst_element_link_many(conv, flip, conv2, sink, NULL)) {
        fail(v, "cannot link the decoding pipeline");
        return false;
    }
    g_signal_connect(dec, "pad-added", G_CALLBACK(on_pad_added), v);
    g_signal_connect(dec, "no-more-pads", G_CALLBACK(on_no_more_pads), v);
    return true;
}

bool cli_video_open(const char *path, cli_video **out, char *err, size_t err_size) {
    return cli_video_open_opts(path, NULL, out, err, err_size);
}

bool cli_video_open_opts(const char *path, const cli_video_options *opt, cli_video **out,
                         char *err, size_t err_size) {
    GError *gerr = NULL;
    if (!gst_init_check(NULL, NULL, &gerr)) {
        if (err_size > 0)
            snprintf(err, err_size, "cannot initialise GStreamer: %s",
                     (gerr != NULL && gerr->message != NULL) ? gerr->message : "unknown error");
        g_clear_error(&gerr);
        return false;
    }
    cli_video *v = calloc(1, sizeof *v);
    char *copy = strdup(path);
    if (v == NULL || copy == NULL) {
        if (err_size > 0) snprintf(err, err_size, "cannot decode '%s': out of memory", path);
        free(copy);
        free(v);
        return false;
    }
    v->path = copy;
    v->stall_ms = (opt != NULL && opt->stall_ms > 0) ? opt->stall_ms : CLI_VIDEO_STALL_MS;
    v->max_pixels = (opt != NULL && opt->max_pixels > 0) ? opt->max_pixels : CLI_VIDEO_MAX_PIXELS;
    v->last_end = GST_CLOCK_TIME_NONE;
    v->seg_stop = GST_CLOCK_TIME_NONE;
    if (!build(v)) goto fail;

    if (gst_element_set_state(v->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        bus_ok(v); /* the element that failed posted why (e.g. filesrc: cannot open) */
        fail(v, "GStreamer cannot start decoding it");
        goto fail;
    }
    /* Decode up to the first frame: a file that is no video fails here. */
    GstSample *first = NULL;
    int r = pull(v, &first);
    if (r == 0) fail(v, "it holds no video frames");
    if (r != 1) goto fail;
    v->pending = first;
    if (!take_caps(v, gst_sample_get_caps(first))) goto fail;
    v->estimate = estimate_frames(v, first);
    *out = v;
    return true;

fail:
    copy_msg(v, err, err_size);
    cli_video_free(v);
    return false;
}

/* At the end of the stream: frames missing from where the segment stops mean
 * the file was cut short (see video_reader.h). The slack of two frames, at
 * least 0.1 s, absorbs rounding in the container's durations. */
static bool complete(cli_video *v) {
    if (!GST_CLOCK_TIME_IS_VALID(v->seg_stop) || !GST_CLOCK_TIME_IS_VALID(v->last_end)) return true;
    GstClockTime slack = MAX(2 * v->frame_ns, 100 * GST_MSECOND);
    if (v->last_end + slack >= v->seg_stop) return true;
    fail(v,
         "the stream ends after %ld frames at %.2f s, but the file says it lasts until %.2f s "
         "(truncated or damaged)",
         v->n_frames, (double)v->last_end / GST_SECOND, (double)v->seg_stop / GST_SECOND);
    return false;
}

int cli_video_next(cli_video *v, bd_image *frame, char *err, size_t err_size) {
    release(v);
    if (!v->failed) {
        GstSample *s = v->pending;
        v->pending = NULL;
        int r = s != NULL ? 1 : pull(v, &s);
        if (r == 1 && show(v, s, frame)) return 1;
        if (r == 0 && complete(v)) return 0;
    }
    copy_msg(v, err, err_size);
    return -1;
}

long cli_video_frame_estimate(const cli_video *v) { return v->estimate; }

void cli_video_free(cli_video *v) {
    if (v == NULL) return;
    release(v);
    if (v->pending != NULL) gst_sample_unref(v->pending);
    /* To NULL first: that stops and joins the streaming threads, which call
     * back into v (pad-added), before v goes away. */
    if (v->pipeline != NULL) {
        gst_element_set_state(v->pipeline, GST_STATE_NULL);
        gst_object_unref(v->pipeline);
    }
    if (v->bus != NULL) gst_object_unref(v->bus);
    gst_caps_replace(&v->info_caps, NULL);
    free(v->path);
    free(v);
}
