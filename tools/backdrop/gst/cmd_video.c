/*
 * cmd_video.c -- `backdrop video IN -b BACKGROUND -o OUT`: decodes a video file,
 * replaces the background of every frame with the `backdrop` element, encodes
 * it again and copies every audio track across untouched (same codec, same
 * packets). Built only with GStreamer (BD_HAVE_GST).
 *
 * The pipeline, built element by element so that only file names come from the
 * user (no gst_parse_launch of user text):
 *
 *   filesrc ! parsebin                       one pad per elementary stream
 *   parsebin (first video) ! multiqueue ! decodebin ! videoconvert
 *       ! videoflip video-direction=auto ! CAPS_IN ! backdrop ! queue [! videocrop]
 *       ! videoconvert ! CAPS_ENC ! ENCODER ! MUXER ! filesink
 *   parsebin (each audio)  ! multiqueue ! MUXER      parsed packets, no decoder
 *   parsebin (anything else: subtitles, a second video) ! fakesink
 *
 * videoflip turns the frames as the stream's image-orientation tag says (a phone's
 * portrait clip is stored landscape with a rotation in the container): the model
 * sees the person upright, and OUT holds upright frames without the tag (the
 * muxer gets none, so no player turns them twice).
 *
 * Before x264enc (4:2:0) sits a videocrop: libx264 refuses odd frame sides in
 * 4:2:0, so a frame of odd width or height loses its last column or row (said
 * on stderr; VP9 in .webm keeps them), as video editors crop to even sides.
 *
 * CAPS_IN is I420 for an opaque background (the H.264 and VP9 encoders want
 * 4:2:0, so the element composites in place on the decoder's own I420 frames and
 * the videoconverts pass through), BGRA for a transparent one (the element then
 * outputs BGRA with the mask as alpha, for FFV1 directly or converted to
 * A444_10LE for ProRes 4444).
 *
 * Bounded: one multiqueue holds MQ_BUFFERS packets per parsed stream and the
 * queue after the element VIDEO_QUEUE frames; the sinks do not sync to the
 * clock. A muxer interleaves by time, so it waits for every stream: when the
 * audio ends a second before the video, or the encoder holds frames back for
 * its look-ahead, one stream's packets must wait while the other's flow. The
 * multiqueue resolves exactly that case (a full stream queue grows while
 * another stream's is empty, up to MQ_HARD_BYTES), as decodebin3 does; fixed
 * small queues would deadlock there. In the steady state memory stays flat
 * however long the file is.
 *
 * OUT is written to ".NAME.tmp.PID.EXT" beside it and renamed at end-of-stream;
 * an error, a truncated input (see video_reader.h: the stream's last frame ends
 * well before its segment says) or SIGINT/SIGTERM deletes the temporary file,
 * so OUT is either complete or untouched. Exit 0, 1 (error), 2 (usage) or 130
 * (interrupted).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib-unix.h>
#include <gst/gst.h>

#include "gst_util.h"

#define CMD "video"
#define VIDEO_QUEUE 4 /* decoded frames between the element and the encoder */
#define MQ_BUFFERS 8  /* packets per stream in the multiqueue after parsebin */
#define MQ_HARD_BYTES (64u << 20) /* ... which it may grow to, per stream, to avoid a deadlock */
#define TICK_MS 500       /* progress redraw and stall check */
#define STALL_MS 60000    /* nothing decoded or written for this long: give up */
#define EXIT_INTERRUPTED 130
#define MSG_FAIL "backdrop-video-fail" /* posted by a streaming thread that found an error */

/* One output container: its muxer, the encoder for an opaque background, and
 * the encoder (with its input format) for a transparent one, if any. */
typedef struct container {
    const char *ext;
    const char *muxer;
    const char *encoder;      /* opaque background */
    const char *codec;        /* its codec, for messages */
    const char *alpha_encoder; /* transparent background; NULL = none */
    const char *alpha_format;  /* the raw format alpha_encoder takes */
    const char *no_alpha_why;  /* why there is none */
} container;

static const container containers[] = {
    {".mp4", "mp4mux", "x264enc", "H.264", NULL, NULL,
     "H.264 in MP4 has no alpha channel"},
    {".mkv", "matroskamux", "x264enc", "H.264", "avenc_ffv1", "BGRA", NULL},
    {".webm", "webmmux", "vp9enc", "VP9", NULL, NULL,
     "GStreamer 1.22's vp9enc cannot encode alpha"},
    {".mov", "qtmux", "x264enc", "H.264", "avenc_prores_ks", "A444_10LE", NULL},
};
#define N_CONTAINERS (sizeof containers / sizeof containers[0])

static const char *const x264_presets[] = {"ultrafast", "superfast", "veryfast", "faster",
                                           "fast",      "medium",    "slow",     "slower",
                                           "veryslow",  "placebo"};

/* The encoder settings from the command line. */
typedef struct enc_opts {
    const char *preset; /* x264 speed preset; NULL = default */
    int crf;            /* -1 = default (23 for H.264, 32 for VP9) */
    int bitrate_kbps;   /* 0 = quality mode */
} enc_opts;

#define DEFAULT_PRESET "veryfast"
#define DEFAULT_CRF_H264 23
#define DEFAULT_CQ_VP9 32

typedef struct video_run {
    /* The command line. */
    const char *in_path, *out_path;
    char *tmp_path;
    const container *ct;
    bool transparent, no_process, verbose;

    /* The pipeline (owned by `pipeline`; the others are borrowed). */
    GstElement *pipeline, *filesrc, *parsebin, *mq, *decodebin, *convert_in, *bd, *mux,
        *filesink;
    GstElement *crop; /* before a 4:2:0 H.264 encoder: odd frame sides lose a row/column */
    GMainLoop *loop;

    /* Streaming threads write these under `lock`. */
    GMutex lock;
    bool video_linked;
    int n_audio, n_other;
    GString *streams;        /* what each stream became, for -v */
    bool stream_failed;      /* a streaming thread found an error: fail_msg */
    char fail_msg[800];
    GstClockTime frame_ns;   /* one frame at the stream's rate; 0 = unknown */
    GstClockTime seg_start, seg_stop; /* the processed stream's segment */
    GstClockTime last_end;   /* where the latest processed frame ends */
    double first_frame_ms;   /* when the first frame left the element; 0 = none yet */

    /* Counters, atomic (streaming threads increment, the main thread reads). */
    gint frames_out; /* frames out of the element */
    gint written;    /* buffers into the filesink */

    /* The main thread's. */
    int rc;
    bool done, eos, interrupted;
    double t_start_ms;
    gint last_frames, last_written;
    double last_change_ms;
    bool progress_on, progress_open;
    GstClockTime last_frame_ns; /* for the ETA, frame_ns as last read */
} video_run;

static void usage(FILE *f) {
    fputs("Usage: backdrop video IN -b BACKGROUND -o OUT [OPTIONS]\n"
          "Replace the background behind the people in every frame of the video file IN\n"
          "and write the video OUT. Every audio track is copied as it is (same codec, same\n"
          "packets); frame rate, frame count, timestamps and pixel aspect ratio are kept.\n"
          "OUT appears only when it is complete (it is written under a temporary name and\n"
          "renamed); an error or Ctrl-C leaves no OUT.\n"
          "\n"
          "OUT's extension chooses the format:\n"
          "  .mp4   H.264 (4:2:0) in MP4          .mkv   H.264 in Matroska\n"
          "  .webm  VP9 in WebM (audio must be Opus or Vorbis)\n"
          "  .mov   H.264 in QuickTime\n"
          "With '-b transparent': .mov is ProRes 4444 with alpha, .mkv is FFV1 with BGRA\n"
          "(.mp4 and .webm cannot carry alpha). An OUT holding %d or %0Nd (e.g.\n"
          "out/%05d.png) is a PNG/JPEG sequence: 'backdrop replace IN -o OUT' runs instead.\n"
          "H.264 in 4:2:0 takes only even sides: a frame of odd width or height loses its\n"
          "last column or row there (a note says so); .webm and the alpha formats keep it.\n"
          "\n"
          "BACKGROUND is one of:\n"
          "  PATH                an image file (PNG or JPEG), scaled to cover and centred\n"
          "  blur, blur:RADIUS   the frame itself, blurred (RADIUS in pixels, 1..1000)\n"
          "  color:#RRGGBB       a solid colour (the '#' may be left out)\n"
          "  transparent         no background: the mask becomes the alpha channel\n"
          "\n"
          "Options:\n"
          "  -b, --background BACKGROUND\n"
          "                      the new background, as above (required)\n"
          "  -o, --output OUT    output video (required)\n"
          "      --preset P      x264 speed preset for H.264: ultrafast, superfast,\n"
          "                      veryfast (default), faster, fast, medium, slow, ...\n"
          "      --crf N         quality: H.264 constant quality 0..50 (default 23),\n"
          "                      VP9 constrained quality 0..63 (default 32); lower is better\n"
          "      --bitrate K     target bitrate in kbit/s instead of --crf (H.264, VP9)\n"
          "      --light-wrap S  let the background's light spill over the person's edge,\n"
          "                      strength 0..1 (not with transparent)\n",
          f);
    fputs(CLI_SEG_HELP, f);
    fputs("                      (-v also prints the pipeline and the streams)\n"
          "  The model conventions (--mean, --std, --range, --bgr, --rgb, --layout,\n"
          "  --output-kind) come from MODEL.backdrop here; --threads defaults to one per\n"
          "  core (at most 4).\n"
          "  -h, --help          print this help and exit\n"
          "\n"
          "A progress line (frames, fps, time left) is drawn on stderr when it is a\n"
          "terminal. Exit status: 0 done, 1 error, 2 usage error, 130 interrupted.\n"
          "\n"
          "Examples:\n"
          "  backdrop video talk.mp4 -b blur -o talk-blurred.mp4\n"
          "  backdrop video talk.mp4 -b beach.jpg -o beach.mkv --refine --preset faster\n"
          "  backdrop video talk.mp4 -b transparent -o cutout.mov\n",
          f);
}

/* ------------------------------------------------------------------------
 * Messages. A progress line may be open on stderr: every message first ends it.
 */

static void end_progress_line(video_run *r) {
    if (r->progress_open) fputc('\n', stderr);
    r->progress_open = false;
}

static void run_error(video_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void run_error(video_run *r, const char *fmt, ...) {
    end_progress_line(r);
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cli_error("%s", msg);
}

/* Records an error found on a streaming thread (the first one wins: it is the
 * cause, later ones are consequences) and wakes the main loop through the bus. */
static void fail_stream(video_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail_stream(video_run *r, const char *fmt, ...) {
    g_mutex_lock(&r->lock);
    bool first = !r->stream_failed;
    if (first) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->fail_msg, sizeof r->fail_msg, fmt, ap);
        va_end(ap);
        r->stream_failed = true;
    }
    g_mutex_unlock(&r->lock);
    if (first)
        gst_element_post_message(r->pipeline,
                                 gst_message_new_application(GST_OBJECT(r->pipeline),
                                                             gst_structure_new_empty(MSG_FAIL)));
}

/* What a bus error from `src` means, for the message's first half. */
static void what_failed(const video_run *r, GstObject *src, char *buf, size_t size) {
    GstObject *o = src;
    if (o == GST_OBJECT(r->filesrc)) {
        snprintf(buf, size, "cannot read '%s'", r->in_path);
    } else if (o == GST_OBJECT(r->bd)) {
        snprintf(buf, size, "cannot process '%s'", r->in_path);
    } else if (o == GST_OBJECT(r->filesink)) {
        snprintf(buf, size, "cannot write '%s'", r->out_path);
    } else if (o == GST_OBJECT(r->parsebin) || o == GST_OBJECT(r->decodebin) ||
               o == GST_OBJECT(r->mq) || o == GST_OBJECT(r->convert_in) ||
               gst_object_has_as_ancestor(o, GST_OBJECT(r->parsebin)) ||
               gst_object_has_as_ancestor(o, GST_OBJECT(r->decodebin))) {
        snprintf(buf, size, "cannot decode '%s'", r->in_path);
    } else {
        snprintf(buf, size, "cannot encode '%s'", r->out_path);
    }
}

/* ------------------------------------------------------------------------
 * Stream linking (streaming threads).
 */

/* Sends a pad nobody reads to a fakesink of its own (see video_reader.c: the
 * sink reaches the pipeline's state before the link; async=false so that it
 * never holds a state change). */
static void discard_pad(video_run *r, GstPad *pad) {
    GstElement *fake = gst_element_factory_make("fakesink", NULL);
    if (fake == NULL) return;
    g_object_set(fake, "sync", FALSE, "async", FALSE, NULL);
    gst_bin_add(GST_BIN(r->pipeline), fake);
    gst_element_sync_state_with_parent(fake);
    GstPad *sinkpad = gst_element_get_static_pad(fake, "sink");
    gst_pad_link(pad, sinkpad);
    gst_object_unref(sinkpad);
}

static GstCaps *pad_caps(GstPad *pad) {
    GstCaps *caps = gst_pad_get_current_caps(pad);
    return caps != NULL ? caps : gst_pad_query_caps(pad, NULL);
}

/* The caps a muxer factory's audio pads accept (a ref), or NULL. */
static GstCaps *muxer_audio_caps(const char *muxer) {
    GstElementFactory *f = gst_element_factory_find(muxer);
    if (f == NULL) return NULL;
    GstCaps *caps = NULL;
    for (const GList *l = gst_element_factory_get_static_pad_templates(f); l; l = l->next) {
        GstStaticPadTemplate *t = l->data;
        if (t->direction == GST_PAD_SINK && strncmp(t->name_template, "audio", 5) == 0) {
            caps = gst_static_pad_template_get_caps(t);
            break;
        }
    }
    gst_object_unref(f);
    return caps;
}

/* The other output extensions whose muxer would take `caps`, as ".mkv, .mp4". */
static void muxers_for(const video_run *r, const GstCaps *caps, char *buf, size_t size) {
    buf[0] = '\0';
    for (size_t i = 0; i < N_CONTAINERS; i++) {
        if (&containers[i] == r->ct) continue;
        GstCaps *mc = muxer_audio_caps(containers[i].muxer);
        if (mc != NULL && gst_caps_can_intersect(mc, caps)) {
            size_t n = strlen(buf);
            snprintf(buf + n, size - n, "%s%s", n ? ", " : "", containers[i].ext);
        }
        if (mc != NULL) gst_caps_unref(mc);
    }
}

/* Links `pad` (parsebin's) through a new single queue of the multiqueue to
 * `target`. Called under r->lock. */
static GstPadLinkReturn link_through_mq(video_run *r, GstPad *pad, GstPad *target) {
    GstPad *mq_sink = gst_element_request_pad_simple(r->mq, "sink_%u");
    if (mq_sink == NULL) return GST_PAD_LINK_REFUSED;
    /* the single queue's src pad is the sink pad's one internal link */
    GstPad *mq_src = NULL;
    GstIterator *it = gst_pad_iterate_internal_links(mq_sink);
    GValue v = G_VALUE_INIT;
    if (it != NULL && gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
        mq_src = g_value_dup_object(&v);
        g_value_unset(&v);
    }
    if (it != NULL) gst_iterator_free(it);
    GstPadLinkReturn lr = mq_src ? gst_pad_link(mq_src, target) : GST_PAD_LINK_REFUSED;
    if (lr == GST_PAD_LINK_OK) lr = gst_pad_link(pad, mq_sink);
    if (mq_src != NULL) gst_object_unref(mq_src);
    gst_object_unref(mq_sink);
    return lr;
}

/* An audio pad: multiqueue ! muxer, packets as they are. Called under r->lock. */
static void link_audio(video_run *r, GstPad *pad, const GstCaps *caps) {
    int k = ++r->n_audio;
    const char *codec = cli_gst_codec_name(caps);
    GstCaps *accepts = muxer_audio_caps(r->ct->muxer);
    bool ok = accepts != NULL && gst_caps_can_intersect(accepts, caps);
    if (accepts != NULL) gst_caps_unref(accepts);
    if (!ok) {
        char others[64];
        muxers_for(r, caps, others, sizeof others);
        g_mutex_unlock(&r->lock);
        if (others[0])
            fail_stream(r,
                        "audio track %d of '%s' is %s, which a %s file cannot carry (audio is "
                        "copied, not re-encoded); use %s for OUT",
                        k, r->in_path, codec, r->ct->ext, others);
        else
            fail_stream(r, "audio track %d of '%s' is %s, which no output format can carry "
                           "(audio is copied, not re-encoded)",
                        k, r->in_path, codec);
        g_mutex_lock(&r->lock);
        discard_pad(r, pad);
        return;
    }
    GstPad *muxpad = gst_element_request_pad_simple(r->mux, "audio_%u");
    GstPadLinkReturn lr = muxpad ? link_through_mq(r, pad, muxpad) : GST_PAD_LINK_REFUSED;
    if (muxpad != NULL) gst_object_unref(muxpad);
    if (lr != GST_PAD_LINK_OK) {
        g_mutex_unlock(&r->lock);
        fail_stream(r, "cannot add audio track %d (%s) to the %s muxer: %s", k, codec,
                    r->ct->muxer, gst_pad_link_get_name(lr));
        g_mutex_lock(&r->lock);
        return;
    }
    g_string_append_printf(r->streams, "%saudio %d %s: copied", r->streams->len ? "; " : "", k,
                           codec);
}

/* parsebin's "pad-added": one parsed elementary stream. parsebin adds all of a
 * file's pads in one go (each is unblocked as it is added), and the muxer cannot
 * start before its video pad, requested at build time, has an encoded frame, so
 * every audio pad is requested in time (qtmux and matroskamux refuse new pads
 * once they have started). */
static void on_parsed_pad(GstElement *parsebin, GstPad *pad, gpointer data) {
    video_run *r = data;
    GstCaps *caps = pad_caps(pad);
    const char *media = (caps != NULL && gst_caps_get_size(caps) > 0)
                            ? gst_structure_get_name(gst_caps_get_structure(caps, 0))
                            : "";
    bool video = g_str_has_prefix(media, "video/") || g_str_has_prefix(media, "image/");
    bool audio = g_str_has_prefix(media, "audio/");
    g_mutex_lock(&r->lock);
    if (video && !r->video_linked) {
        GstPad *sinkpad = gst_element_get_static_pad(r->decodebin, "sink");
        r->video_linked = link_through_mq(r, pad, sinkpad) == GST_PAD_LINK_OK;
        gst_object_unref(sinkpad);
        if (r->video_linked)
            g_string_append_printf(r->streams, "%svideo %s: %s", r->streams->len ? "; " : "",
                                   cli_gst_codec_name(caps),
                                   r->no_process ? "re-encoded" : "processed, re-encoded");
        else
            discard_pad(r, pad);
    } else if (audio) {
        link_audio(r, pad, caps);
    } else {
        r->n_other++;
        g_string_append_printf(r->streams, "%s%s: dropped", r->streams->len ? "; " : "",
                               media[0] ? media : "unknown stream");
        discard_pad(r, pad);
    }
    g_mutex_unlock(&r->lock);
    if (caps != NULL) gst_caps_unref(caps);
}

/* decodebin's "pad-added": the decoded frames go on to the conversion. */
static void on_decoded_pad(GstElement *decodebin, GstPad *pad, gpointer data) {
    video_run *r = data;
    GstCaps *caps = pad_caps(pad);
    bool raw = caps != NULL && gst_caps_get_size(caps) > 0 &&
               strcmp(gst_structure_get_name(gst_caps_get_structure(caps, 0)), "video/x-raw") == 0;
    if (caps != NULL) gst_caps_unref(caps);
    if (raw) {
        GstPad *sinkpad = gst_element_get_static_pad(r->convert_in, "sink");
        GstPadLinkReturn lr = gst_pad_link(pad, sinkpad);
        gst_object_unref(sinkpad);
        if (lr == GST_PAD_LINK_OK) return;
    }
    g_mutex_lock(&r->lock);
    discard_pad(r, pad);
    g_mutex_unlock(&r->lock);
}

/* On the element's src pad: counts the frames and notes the stream's rate,
 * segment and how far the frames reach (for progress and the truncation check). */
static GstPadProbeReturn on_processed(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
    video_run *r = data;
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
        GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
        g_mutex_lock(&r->lock);
        if (r->first_frame_ms == 0.0) r->first_frame_ms = cli_now_ms();
        if (GST_BUFFER_PTS_IS_VALID(buf)) {
            GstClockTime dur =
                GST_BUFFER_DURATION_IS_VALID(buf) ? GST_BUFFER_DURATION(buf) : r->frame_ns;
            GstClockTime end = GST_BUFFER_PTS(buf) + dur;
            if (!GST_CLOCK_TIME_IS_VALID(r->last_end) || end > r->last_end) r->last_end = end;
        }
        g_mutex_unlock(&r->lock);
        g_atomic_int_inc(&r->frames_out);
    } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
        GstEvent *ev = GST_PAD_PROBE_INFO_EVENT(info);
        if (GST_EVENT_TYPE(ev) == GST_EVENT_CAPS) {
            GstCaps *caps = NULL;
            gst_event_parse_caps(ev, &caps);
            int n = 0, d = 0, w = 0, h = 0;
            if (caps != NULL && gst_caps_get_size(caps) > 0) {
                const GstStructure *st = gst_caps_get_structure(caps, 0);
                gst_structure_get_fraction(st, "framerate", &n, &d);
                gst_structure_get_int(st, "width", &w);
                gst_structure_get_int(st, "height", &h);
            }
            /* set before the caps pass the queue and reach the crop */
            if (r->crop != NULL && w > 1 && h > 1) {
                const int right = w & 1, bottom = h & 1;
                g_object_set(r->crop, "right", right, "bottom", bottom, NULL);
                if (right || bottom)
                    fprintf(stderr,
                            "backdrop: note: %dx%d frames: H.264 in 4:2:0 needs even sides, so "
                            "'%s' is %dx%d (the last %s dropped; .webm keeps the size)\n",
                            w, h, r->out_path, w - right, h - bottom,
                            right && bottom ? "column and row" : right ? "column" : "row");
            }
            g_mutex_lock(&r->lock);
            r->frame_ns = (n > 0 && d > 0) ? gst_util_uint64_scale_int(GST_SECOND, d, n) : 0;
            g_mutex_unlock(&r->lock);
        } else if (GST_EVENT_TYPE(ev) == GST_EVENT_SEGMENT) {
            const GstSegment *seg = NULL;
            gst_event_parse_segment(ev, &seg);
            g_mutex_lock(&r->lock);
            bool time = seg != NULL && seg->format == GST_FORMAT_TIME && seg->rate > 0.0;
            r->seg_start = time ? seg->start : GST_CLOCK_TIME_NONE;
            r->seg_stop = time ? seg->stop : GST_CLOCK_TIME_NONE;
            g_mutex_unlock(&r->lock);
        }
    }
    return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn on_written(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
    video_run *r = data;
    g_atomic_int_inc(&r->written);
    return GST_PAD_PROBE_OK;
}

/* ------------------------------------------------------------------------
 * Progress and the end of the stream (main thread).
 */

/* The frames the stream should hold: its segment's span (the video track's
 * own duration), else the file's duration, times the frame rate; 0 = unknown. */
static long expected_frames(video_run *r) {
    g_mutex_lock(&r->lock);
    GstClockTime fns = r->frame_ns, start = r->seg_start, stop = r->seg_stop;
    g_mutex_unlock(&r->lock);
    if (fns == 0) return 0;
    gint64 span = -1;
    if (GST_CLOCK_TIME_IS_VALID(stop) && GST_CLOCK_TIME_IS_VALID(start) && stop > start)
        span = (gint64)(stop - start);
    else if (!gst_element_query_duration(r->pipeline, GST_FORMAT_TIME, &span))
        span = -1;
    if (span <= 0) return 0;
    return (long)(((guint64)span + fns / 2) / fns);
}

/* "\rbackdrop: frame 37/120, 24.1 fps, 0:03 left", padded to cover a longer line. */
static void draw_progress(video_run *r, bool final) {
    if (!r->progress_on) return;
    long done = g_atomic_int_get(&r->frames_out), total = expected_frames(r);
    if (total > 0 && done > total) total = done;
    double s = (cli_now_ms() - r->t_start_ms) / 1000.0;
    double fps = s > 0.0 ? (double)done / s : 0.0;
    char eta[48] = "";
    if (!final && total > 0 && fps > 0.0) {
        long left = (long)((double)(total - done) / fps + 0.5);
        snprintf(eta, sizeof eta, ", %ld:%02ld left", left / 60, left % 60);
    }
    if (total > 0)
        fprintf(stderr, "\rbackdrop: frame %ld/%ld, %.1f fps%s    ", done, total, fps, eta);
    else
        fprintf(stderr, "\rbackdrop: frame %ld, %.1f fps    ", done, fps);
    fflush(stderr);
    r->progress_open = true;
    if (final) end_progress_line(r);
}

static gboolean on_tick(gpointer data) {
    video_run *r = data;
    double now = cli_now_ms();
    gint f = g_atomic_int_get(&r->frames_out), w = g_atomic_int_get(&r->written);
    if (f != r->last_frames || w != r->last_written) {
        r->last_frames = f;
        r->last_written = w;
        r->last_change_ms = now;
    } else if (now - r->last_change_ms > STALL_MS) {
        run_error(r, "processing '%s' stalled: no frame for %d s", r->in_path, STALL_MS / 1000);
        r->rc = CLI_EXIT_FAIL;
        r->done = true;
        g_main_loop_quit(r->loop);
        return G_SOURCE_CONTINUE; /* removed by run_pipeline */
    }
    draw_progress(r, false);
    return G_SOURCE_CONTINUE;
}

static gboolean on_signal(gpointer data) {
    video_run *r = data;
    if (!r->done) {
        r->interrupted = true;
        r->done = true;
        g_main_loop_quit(r->loop);
    }
    return G_SOURCE_CONTINUE;
}

/* At end-of-stream: a stream that ends more than two frames (at least 0.1 s)
 * before its segment says was cut short (the demuxer ends it with a plain EOS). */
static bool stream_complete(video_run *r) {
    g_mutex_lock(&r->lock);
    GstClockTime stop = r->seg_stop, end = r->last_end, fns = r->frame_ns;
    g_mutex_unlock(&r->lock);
    long n = g_atomic_int_get(&r->frames_out);
    if (n == 0) {
        run_error(r, "cannot decode '%s': no video frame could be decoded", r->in_path);
        return false;
    }
    if (!GST_CLOCK_TIME_IS_VALID(stop) || !GST_CLOCK_TIME_IS_VALID(end)) return true;
    GstClockTime slack = MAX(2 * fns, 100 * GST_MSECOND);
    if (end + slack >= stop) return true;
    run_error(r,
              "cannot decode '%s': the stream ends after %ld frames at %.2f s, but the file "
              "says it lasts until %.2f s (truncated or damaged)",
              r->in_path, n, (double)end / GST_SECOND, (double)stop / GST_SECOND);
    return false;
}

static gboolean on_bus(GstBus *bus, GstMessage *msg, gpointer data) {
    video_run *r = data;
    if (r->done) return G_SOURCE_CONTINUE;
    switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ERROR: {
        char what[600];
        what_failed(r, GST_MESSAGE_SRC(msg), what, sizeof what);
        end_progress_line(r);
        cli_gst_report(msg, what, r->verbose);
        r->rc = CLI_EXIT_FAIL;
        r->done = true;
        g_main_loop_quit(r->loop);
        break;
    }
    case GST_MESSAGE_WARNING:
        if (r->verbose) {
            char what[600];
            what_failed(r, GST_MESSAGE_SRC(msg), what, sizeof what);
            end_progress_line(r);
            cli_gst_report(msg, what, true);
        }
        break;
    case GST_MESSAGE_APPLICATION: {
        const GstStructure *s = gst_message_get_structure(msg);
        if (s == NULL || !gst_structure_has_name(s, MSG_FAIL)) break;
        g_mutex_lock(&r->lock);
        char text[sizeof r->fail_msg];
        memcpy(text, r->fail_msg, sizeof text);
        g_mutex_unlock(&r->lock);
        run_error(r, "%s", text);
        r->rc = CLI_EXIT_FAIL;
        r->done = true;
        g_main_loop_quit(r->loop);
        break;
    }
    case GST_MESSAGE_STREAM_COLLECTION: {
        /* parsebin lists the file's streams once it knows them all (it does
         * not emit no-more-pads): without a video stream the muxer would wait
         * for video forever. */
        GstStreamCollection *sc = NULL;
        gst_message_parse_stream_collection(msg, &sc);
        if (sc == NULL) break;
        guint n = gst_stream_collection_get_size(sc), n_video = 0;
        for (guint i = 0; i < n; i++) {
            GstStream *st = gst_stream_collection_get_stream(sc, i);
            if (st != NULL && (gst_stream_get_stream_type(st) & GST_STREAM_TYPE_VIDEO)) n_video++;
        }
        gst_object_unref(sc);
        if (n > 0 && n_video == 0) {
            run_error(r, "cannot decode '%s': it has no video stream (%u other stream%s)",
                      r->in_path, n, n == 1 ? "" : "s");
            r->rc = CLI_EXIT_FAIL;
            r->done = true;
            g_main_loop_quit(r->loop);
        }
        break;
    }
    case GST_MESSAGE_EOS:
        r->eos = true;
        r->done = true;
        g_main_loop_quit(r->loop);
        break;
    default:
        break;
    }
    return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------------
 * Building the pipeline (main thread, before it starts).
 */

static const container *container_for(const char *out) {
    for (size_t i = 0; i < N_CONTAINERS; i++)
        if (cli_has_ext(out, containers[i].ext)) return &containers[i];
    return NULL;
}

/* ".NAME.tmp.PID.EXT" in OUT's directory: hidden, unique to this process, and
 * with OUT's extension last. */
static char *temp_name(const char *out) {
    const char *slash = strrchr(out, '/');
    int dir_len = slash ? (int)(slash - out + 1) : 0;
    const char *base = out + dir_len;
    const char *dot = strrchr(base, '.');
    int stem_len = dot ? (int)(dot - base) : (int)strlen(base);
    return g_strdup_printf("%.*s.%.*s.tmp.%ld%s", dir_len, out, stem_len, base, (long)getpid(),
                           dot ? dot : "");
}

static GstElement *make_capsfilter(const char *format, GString *desc) {
    GstElement *cf = cli_gst_make("capsfilter");
    if (cf == NULL) return NULL;
    GstCaps *caps = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, format, NULL);
    g_object_set(cf, "caps", caps, NULL);
    gst_caps_unref(caps);
    g_string_append_printf(desc, " ! video/x-raw,format=%s", format);
    return cf;
}

/* One single queue per parsed stream (video and audio), MQ_BUFFERS packets
 * each. When one stream's queue is full while another's is empty, multiqueue
 * lets the full one grow (up to MQ_HARD_BYTES): that is what keeps the muxer,
 * which must see every stream to interleave, from deadlocking with the demuxer
 * when a stream ends early or the encoder holds frames back. Memory stays at
 * MQ_BUFFERS packets per stream otherwise. */
static GstElement *make_multiqueue(GString *desc) {
    GstElement *mq = cli_gst_make("multiqueue");
    if (mq == NULL) return NULL;
    g_object_set(mq, "max-size-buffers", MQ_BUFFERS, "max-size-bytes", MQ_HARD_BYTES,
                 "max-size-time", (guint64)0, NULL);
    g_string_append_printf(desc, " ! multiqueue max-size-buffers=%d", MQ_BUFFERS);
    return mq;
}

static GstElement *make_queue(guint buffers, GString *desc) {
    GstElement *q = cli_gst_make("queue");
    if (q == NULL) return NULL;
    g_object_set(q, "max-size-buffers", buffers, "max-size-bytes", 0, "max-size-time",
                 (guint64)0, NULL);
    g_string_append_printf(desc, " ! queue max-size-buffers=%u", buffers);
    return q;
}

/* The encoder for the run's container and background, with the settings. */
static GstElement *make_encoder(const video_run *r, const enc_opts *eo, GString *desc) {
    const char *name = r->transparent ? r->ct->alpha_encoder : r->ct->encoder;
    GstElement *enc = cli_gst_make(name);
    if (enc == NULL) return NULL;
    g_string_append_printf(desc, " ! %s", name);
    if (strcmp(name, "x264enc") == 0) {
        const char *preset = eo->preset ? eo->preset : DEFAULT_PRESET;
        gst_util_set_object_arg(G_OBJECT(enc), "speed-preset", preset);
        g_string_append_printf(desc, " speed-preset=%s", preset);
        if (eo->bitrate_kbps > 0) {
            gst_util_set_object_arg(G_OBJECT(enc), "pass", "cbr");
            g_object_set(enc, "bitrate", (guint)eo->bitrate_kbps, NULL);
            g_string_append_printf(desc, " pass=cbr bitrate=%d", eo->bitrate_kbps);
        } else {
            int crf = eo->crf >= 0 ? eo->crf : DEFAULT_CRF_H264;
            gst_util_set_object_arg(G_OBJECT(enc), "pass", "qual");
            g_object_set(enc, "quantizer", (guint)crf, NULL);
            g_string_append_printf(desc, " pass=qual quantizer=%d", crf);
        }
    } else if (strcmp(name, "vp9enc") == 0) {
        /* Real-time speed settings: libvpx's realtime deadline at its fastest
         * speed, row multithreading, no look-ahead. */
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        int threads = ncpu < 1 ? 1 : ncpu > 16 ? 16 : (int)ncpu;
        g_object_set(enc, "deadline", (gint64)1, "cpu-used", 8, "row-mt", TRUE, "threads", threads,
                     "lag-in-frames", 0, NULL);
        g_string_append_printf(desc,
                               " deadline=1 cpu-used=8 row-mt=true threads=%d lag-in-frames=0",
                               threads);
        if (eo->bitrate_kbps > 0) {
            gst_util_set_object_arg(G_OBJECT(enc), "end-usage", "vbr");
            g_object_set(enc, "target-bitrate", eo->bitrate_kbps * 1000, NULL);
            g_string_append_printf(desc, " end-usage=vbr target-bitrate=%d",
                                   eo->bitrate_kbps * 1000);
        } else {
            int cq = eo->crf >= 0 ? eo->crf : DEFAULT_CQ_VP9;
            gst_util_set_object_arg(G_OBJECT(enc), "end-usage", "cq");
            g_object_set(enc, "cq-level", cq, "target-bitrate", 0, NULL);
            g_string_append_printf(desc, " end-usage=cq cq-level=%d target-bitrate=0", cq);
        }
    } else if (strcmp(name, "avenc_prores_ks") == 0) {
        gst_util_set_object_arg(G_OBJECT(enc), "profile", "4444");
        g_string_append(desc, " profile=4444");
    }
    return enc;
}

/* Builds everything but the parsed-stream branches (added as parsebin finds the
 * streams). Prints and returns false on failure. */
static bool build(video_run *r, const enc_opts *eo, GstElement *bd, GString *desc) {
    r->pipeline = gst_pipeline_new("backdrop-video");
    const char *fmt_in = r->transparent ? "BGRA" : "I420";
    const char *fmt_enc = r->transparent ? r->ct->alpha_format : "I420";
    /* All the static elements, in stream order: filesrc ! parsebin, then the
     * video branch from parsebin's first video pad to the file. */
    GstElement *chain[16];
    int n = 0;
    chain[n++] = r->filesrc = cli_gst_make("filesrc");
    chain[n++] = r->parsebin = cli_gst_make("parsebin");
    g_string_append_printf(desc, "filesrc location=%s ! parsebin, first video pad", r->in_path);
    chain[n++] = r->mq = make_multiqueue(desc);
    chain[n++] = r->decodebin = cli_gst_make("decodebin");
    g_string_append(desc, " ! decodebin");
    const int first_decoded = n; /* decodebin's pad is linked when it appears */
    chain[n++] = r->convert_in = cli_gst_make("videoconvert");
    g_string_append(desc, " ! videoconvert");
    chain[n++] = cli_gst_make("videoflip");
    if (chain[n - 1] != NULL)
        gst_util_set_object_arg(G_OBJECT(chain[n - 1]), "video-direction", "auto");
    g_string_append(desc, " ! videoflip video-direction=auto");
    chain[n++] = make_capsfilter(fmt_in, desc);
    GstElement *counted = chain[n - 1]; /* frames are counted where they leave this */
    if (!r->no_process) {
        chain[n++] = counted = r->bd = bd;
        gchar *bg = NULL;
        g_object_get(bd, "background", &bg, NULL);
        g_string_append_printf(desc, " ! backdrop background=%s", bg ? bg : "?");
        g_free(bg);
    }
    chain[n++] = make_queue(VIDEO_QUEUE, desc);
    if (strcmp(r->transparent ? r->ct->alpha_encoder : r->ct->encoder, "x264enc") == 0) {
        chain[n++] = r->crop = cli_gst_make("videocrop");
        g_string_append(desc, " ! videocrop (even sides)");
    }
    chain[n++] = cli_gst_make("videoconvert");
    g_string_append(desc, " ! videoconvert");
    chain[n++] = make_capsfilter(fmt_enc, desc);
    chain[n++] = make_encoder(r, eo, desc);
    chain[n++] = r->mux = cli_gst_make(r->ct->muxer);
    g_string_append_printf(desc, " ! %s", r->ct->muxer);
    chain[n++] = r->filesink = cli_gst_make("filesink");
    g_string_append_printf(desc,
                           " ! filesink location=%s; each audio pad ! multiqueue ! %s; any other "
                           "pad ! fakesink",
                           r->tmp_path, r->ct->muxer);
    bool all = true;
    for (int i = 0; i < n; i++) all = all && chain[i] != NULL;
    if (!all) { /* reported by cli_gst_make; free the floating others */
        for (int i = 0; i < n; i++)
            if (chain[i] != NULL && chain[i] != bd) gst_object_unref(gst_object_ref_sink(chain[i]));
        r->bd = NULL;
        return false;
    }
    /* gst_bin_add sinks a floating element; bd is not floating (the caller keeps
     * its own reference), so the bin takes a second one. */
    for (int i = 0; i < n; i++) gst_bin_add(GST_BIN(r->pipeline), chain[i]);
    bool linked = gst_element_link(r->filesrc, r->parsebin) &&
                  true;
    for (int i = first_decoded; linked && i + 1 < n; i++)
        linked = gst_element_link(chain[i], chain[i + 1]);
    if (!linked) {
        cli_error("cannot link the %s encoding pipeline (GStreamer elements refused the formats)",
                  r->ct->ext);
        return false;
    }
    g_object_set(r->filesrc, "location", r->in_path, NULL);
    g_object_set(r->filesink, "location", r->tmp_path, "sync", FALSE, "async", FALSE, NULL);

    g_signal_connect(r->parsebin, "pad-added", G_CALLBACK(on_parsed_pad), r);
    g_signal_connect(r->decodebin, "pad-added", G_CALLBACK(on_decoded_pad), r);

    GstPad *src = gst_element_get_static_pad(counted, "src");
    gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                      on_processed, r, NULL);
    gst_object_unref(src);
    GstPad *sinkpad = gst_element_get_static_pad(r->filesink, "sink");
    gst_pad_add_probe(sinkpad, GST_PAD_PROBE_TYPE_BUFFER, on_written, r, NULL);
    gst_object_unref(sinkpad);
    return true;
}

/* Runs the built pipeline to the end; returns the exit code. */
static int run_pipeline(video_run *r) {
    GstBus *bus = gst_element_get_bus(r->pipeline);
    guint bus_watch = gst_bus_add_watch(bus, on_bus, r);
    guint sig_int = g_unix_signal_add(SIGINT, on_signal, r);
    guint sig_term = g_unix_signal_add(SIGTERM, on_signal, r);
    r->loop = g_main_loop_new(NULL, FALSE);
    r->rc = CLI_EXIT_OK;
    r->progress_on = isatty(STDERR_FILENO) == 1;
    r->t_start_ms = r->last_change_ms = cli_now_ms();
    guint tick = g_timeout_add(TICK_MS, on_tick, r);

    if (gst_element_set_state(r->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        /* The error is on the bus (e.g. the model or the output file): report it. */
        GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
        if (m != NULL) {
            on_bus(bus, m, r);
            gst_message_unref(m);
        } else {
            run_error(r, "cannot start the pipeline for '%s'", r->in_path);
        }
        r->rc = CLI_EXIT_FAIL;
        r->done = true;
    }
    if (!r->done) g_main_loop_run(r->loop);
    double t_end = cli_now_ms();

    if (!r->done) r->rc = CLI_EXIT_FAIL;
    if (r->interrupted) {
        end_progress_line(r);
        r->rc = EXIT_INTERRUPTED;
    } else if (r->eos && r->rc == CLI_EXIT_OK) {
        if (!stream_complete(r)) r->rc = CLI_EXIT_FAIL;
    }
    /* To NULL: joins the streaming threads (which use r) and closes the file. */
    gst_element_set_state(r->pipeline, GST_STATE_NULL);
    if (r->rc == CLI_EXIT_OK) {
        draw_progress(r, true);
        if (rename(r->tmp_path, r->out_path) != 0) {
            cli_error("cannot write '%s': %s", r->out_path, strerror(errno));
            r->rc = CLI_EXIT_FAIL;
        }
    }
    if (r->rc != CLI_EXIT_OK && unlink(r->tmp_path) != 0 && errno != ENOENT)
        cli_error("cannot remove the temporary file '%s': %s", r->tmp_path, strerror(errno));
    if (r->verbose) {
        g_mutex_lock(&r->lock);
        cli_error("streams: %s", r->streams->len ? r->streams->str : "none linked");
        g_mutex_unlock(&r->lock);
    }
    if (r->verbose && r->rc == CLI_EXIT_OK) {
        long n = g_atomic_int_get(&r->frames_out);
        double first = r->first_frame_ms > 0.0 ? r->first_frame_ms - r->t_start_ms : 0.0;
        double total_ms = t_end - r->t_start_ms;
        char note[160];
        snprintf(note, sizeof note, "(model load, decoder and encoder start)");
        cli_timing("first frame", first, note);
        double media_s = (double)n * (double)r->frame_ns / 1e9;
        double fps = total_ms > 0.0 ? (double)n * 1000.0 / total_ms : 0.0;
        snprintf(note, sizeof note, "(%ld frames, %.1f fps, %.2fx real time)", n, fps,
                 total_ms > 0.0 ? media_s * 1000.0 / total_ms : 0.0);
        cli_timing("total", total_ms, note);
    }

    g_source_remove(tick);
    g_source_remove(sig_int);
    g_source_remove(sig_term);
    g_source_remove(bus_watch);
    gst_object_unref(bus);
    g_main_loop_unref(r->loop);
    r->loop = NULL;
    return r->rc;
}

/* ------------------------------------------------------------------------
 * The command.
 */

int cli_cmd_video(int argc, char **argv) {
    static const struct option longopts[] = {
        {"background", required_argument, NULL, CLI_OPT_BACKGROUND},
        {"output", required_argument, NULL, CLI_OPT_OUTPUT},
        {"help", no_argument, NULL, CLI_OPT_HELP},
        {"light-wrap", required_argument, NULL, CLI_OPT_LIGHT_WRAP},
        {"preset", required_argument, NULL, CLI_GST_OPT_PRESET},
        {"crf", required_argument, NULL, CLI_GST_OPT_CRF},
        {"bitrate", required_argument, NULL, CLI_GST_OPT_BITRATE},
        /* Not in the help: the same pipeline without the element, for the
         * benchmark's plain-transcode baseline (bench/video). */
        {"no-process", no_argument, NULL, CLI_GST_OPT_NO_PROCESS},
        CLI_SEG_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    cli_seg_opts so;
    cli_seg_opts_init(&so);
    so.stream = true; /* the frames are a video, in order */
    const char *bg_spec = NULL, *out_path = NULL;
    enc_opts eo = {.preset = NULL, .crf = -1, .bitrate_kbps = 0};
    bool no_process = false, video_only = false;

    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":b:o:h" CLI_SEG_SHORTOPTS, longopts, NULL)) != -1) {
        int rc = cli_seg_opt(CMD, opt, optarg, &so);
        if (rc == CLI_EXIT_USAGE) return rc;
        if (rc == CLI_EXIT_OK) continue;
        switch (opt) {
        case 'b':
        case CLI_OPT_BACKGROUND:
            bg_spec = optarg;
            break;
        case 'o':
        case CLI_OPT_OUTPUT:
            out_path = optarg;
            break;
        case CLI_OPT_LIGHT_WRAP:
            if (!cli_parse_float(CMD, "--light-wrap", optarg, 0.0, 1.0, &so.light_wrap))
                return CLI_EXIT_USAGE;
            break;
        case CLI_GST_OPT_PRESET: {
            bool known = false;
            for (size_t i = 0; i < sizeof x264_presets / sizeof x264_presets[0]; i++)
                known = known || strcmp(optarg, x264_presets[i]) == 0;
            if (!known)
                return cli_usage_error(CMD,
                                       "invalid --preset '%s' (expected an x264 preset: "
                                       "ultrafast, superfast, veryfast, faster, fast, medium, "
                                       "slow, slower, veryslow or placebo)",
                                       optarg);
            eo.preset = optarg;
            video_only = true;
            break;
        }
        case CLI_GST_OPT_CRF:
            if (!cli_parse_int(CMD, "--crf", optarg, 0, 63, &eo.crf)) return CLI_EXIT_USAGE;
            video_only = true;
            break;
        case CLI_GST_OPT_BITRATE:
            if (!cli_parse_int(CMD, "--bitrate", optarg, 1, 2000000, &eo.bitrate_kbps))
                return CLI_EXIT_USAGE;
            video_only = true;
            break;
        case CLI_GST_OPT_NO_PROCESS:
            no_process = true;
            video_only = true;
            break;
        case 'h':
        case CLI_OPT_HELP:
            usage(stdout);
            return CLI_EXIT_OK;
        default:
            return cli_getopt_error(CMD, opt, argv);
        }
    }

    if (optind >= argc) return cli_usage_error(CMD, "missing input video");
    if (argc - optind > 1)
        return cli_usage_error(CMD, "one input video at a time (got %d: '%s', '%s'%s)",
                               argc - optind, argv[optind], argv[optind + 1],
                               argc - optind > 2 ? ", ..." : "");
    const char *in_path = argv[optind];
    if (bg_spec == NULL) return cli_usage_error(CMD, "missing -b BACKGROUND");
    if (out_path == NULL) return cli_usage_error(CMD, "missing -o OUT");

    /* An image sequence is `replace`'s job (it numbers and writes the frames). */
    if (cli_is_sequence_pattern(out_path)) {
        if (video_only)
            return cli_usage_error(CMD,
                                   "--preset, --crf and --bitrate apply to video files, not to "
                                   "the image sequence '%s'",
                                   out_path);
        return cli_cmd_replace(argc, argv);
    }

    bool transparent = false;
    int rc = cli_gst_check_background(CMD, bg_spec, &transparent);
    if (rc != CLI_EXIT_OK) return rc;
    const container *ct = container_for(out_path);
    if (ct == NULL)
        return cli_usage_error(CMD,
                               "output '%s' must end in .mp4, .mkv, .webm or .mov (or hold %%05d "
                               "for a PNG sequence)",
                               out_path);
    if (transparent && ct->alpha_encoder == NULL)
        return cli_usage_error(CMD,
                               "'-b transparent' cannot be written to %s: %s; use .mov (ProRes "
                               "4444), .mkv (FFV1) or a PNG sequence (out/%%05d.png)",
                               ct->ext, ct->no_alpha_why);
    if (so.light_wrap > 0.0f && transparent)
        return cli_usage_error(CMD, "--light-wrap has no effect with '-b transparent'");
    if (eo.bitrate_kbps > 0 && eo.crf >= 0)
        return cli_usage_error(CMD, "--crf and --bitrate exclude each other");
    const char *encoder = transparent ? ct->alpha_encoder : ct->encoder;
    bool h264 = strcmp(encoder, "x264enc") == 0, vp9 = strcmp(encoder, "vp9enc") == 0;
    if (eo.preset != NULL && !h264)
        return cli_usage_error(CMD, "--preset applies to H.264 outputs (%s is %s)", ct->ext,
                               transparent ? "lossless/intra" : "VP9");
    if ((eo.crf >= 0 || eo.bitrate_kbps > 0) && !h264 && !vp9)
        return cli_usage_error(CMD, "--crf and --bitrate apply to H.264 and VP9 outputs");
    if (eo.crf > 50 && h264)
        return cli_usage_error(CMD, "invalid --crf '%d' for H.264 (expected 0 to 50)", eo.crf);
    if (so.have_threshold && !(so.have_softness && so.softness > 0.0f))
        return cli_usage_error(CMD, "--threshold needs a --softness above 0");
    rc = cli_seg_check(CMD, &so);
    if (rc != CLI_EXIT_OK) return rc;

    /* The element checks the rest of the options against its properties. */
    if (!cli_gst_init()) return CLI_EXIT_FAIL;
    GstElement *bd = gst_element_factory_make("backdrop", NULL);
    if (bd == NULL) {
        cli_error("cannot create the GStreamer element 'backdrop'");
        return CLI_EXIT_FAIL;
    }
    gst_object_ref_sink(bd);
    video_run r;
    memset(&r, 0, sizeof r);
    g_mutex_init(&r.lock);
    r.streams = g_string_new(NULL);
    GString *desc = g_string_new(NULL);
    rc = cli_gst_configure(CMD, bd, &so, NULL, bg_spec);
    if (rc != CLI_EXIT_OK) goto done;

    /* Files: IN readable, OUT not IN, OUT's directory writable. */
    rc = CLI_EXIT_FAIL;
    FILE *f = fopen(in_path, "rb");
    if (f == NULL) {
        cli_error("cannot read '%s': %s", in_path, strerror(errno));
        goto done;
    }
    fclose(f);
    struct stat st_in = {0}, st_out = {0};
    if (stat(in_path, &st_in) == 0 && S_ISDIR(st_in.st_mode)) {
        cli_error("cannot read '%s': it is a directory", in_path);
        goto done;
    }
    if (stat(out_path, &st_out) == 0 && st_out.st_dev == st_in.st_dev &&
        st_out.st_ino == st_in.st_ino) {
        rc = cli_usage_error(CMD, "OUT '%s' is the input file", out_path);
        goto done;
    }
    r.tmp_path = temp_name(out_path);
    {
        const char *slash = strrchr(out_path, '/');
        char *dir = slash ? g_strndup(out_path, (gsize)(slash - out_path + 1)) : g_strdup(".");
        int ok = access(dir, W_OK | X_OK);
        int err = errno;
        g_free(dir);
        if (ok != 0) {
            cli_error("cannot write '%s': %s", out_path, strerror(err));
            goto done;
        }
    }
    if (!no_process) {
        const char *model = cli_resolve_model(so.model_path);
        if (model == NULL) goto done;
        g_object_set(bd, "model", model, NULL);
    }

    r.in_path = in_path;
    r.out_path = out_path;
    r.ct = ct;
    r.transparent = transparent;
    r.no_process = no_process;
    r.verbose = so.verbose;
    r.frame_ns = 0;
    r.seg_start = r.seg_stop = r.last_end = GST_CLOCK_TIME_NONE;
    if (!build(&r, &eo, bd, desc)) goto done;
    if (so.verbose) cli_error("pipeline: %s", desc->str);
    rc = run_pipeline(&r);

done:
    if (r.pipeline != NULL) {
        gst_element_set_state(r.pipeline, GST_STATE_NULL);
        gst_object_unref(r.pipeline);
    }
    gst_object_unref(bd);
    g_free(r.tmp_path);
    g_string_free(desc, TRUE);
    g_string_free(r.streams, TRUE);
    g_mutex_clear(&r.lock);
    return rc;
}
