/*
 * cmd_cam.c -- `backdrop cam`: a live camera, background replaced, written to a
 * virtual camera (a v4l2loopback device) that video-call apps open like any
 * webcam. Built only with GStreamer (BD_HAVE_GST).
 *
 * The pipeline (built element by element; --source/--sink replace the two v4l2
 * ends with a gst-launch fragment parsed into a bin):
 *
 *   v4l2src device=DEV ! [raw or MJPEG caps from --size/--fps] ! decodebin
 *       ! videoconvert ! queue leaky=downstream max-size-buffers=1
 *       ! backdrop ! videoconvert ! video/x-raw,format=YUY2
 *       ! v4l2sink device=OUT sync=false
 *
 * The camera runs at its own pace and never waits for the model: the one-frame
 * leaky queue drops the older frame whenever a new one arrives before the
 * element took the last, and the element's QoS drops frames that are already
 * late. So the output falls behind by at most one frame, whatever the cost of
 * a frame (the frame rate drops instead).
 *
 * --stats prints once a second: frames in (captured), out (processed), dropped
 * before processing (leaky-queue overruns plus the element's QoS drops, from
 * GST_MESSAGE_QOS; in = out + dropped, give or take the frame in flight),
 * frames the sink reported late (its own QoS drops, after processing), the processing
 * latency of a frame from the element's sink pad to its src pad (median and
 * p99 over the last second; buffers are matched by PTS through a small ring,
 * written and read on the element's streaming thread), and the CPU share of
 * the process (getrusage over wall time). Nothing is allocated per frame: the
 * ring, the last second's samples and the whole run's histogram are allocated
 * at start.
 *
 * --frames N sends end-of-stream after N processed frames (later ones are
 * dropped), for tests and benchmarks. Ctrl-C (or SIGTERM) sends end-of-stream
 * too and the command exits 0 once it has drained (a second Ctrl-C stops at
 * once); a camera or pipeline error exits 1, a usage error 2.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "gst_util.h"

#define CMD "cam"
#define DEFAULT_DEVICE "/dev/video0"
#define DEFAULT_OUTPUT "/dev/video10"
#define DEFAULT_FORMAT "YUY2"
#define RING 64             /* frames in flight inside the element, at most (power of 2) */
#define SECOND_SAMPLES 1024 /* latency samples kept per stats interval */
#define HIST_BINS 20000     /* whole-run latency histogram: 0.1 ms bins up to 2 s */
#define HIST_BIN_NS 100000
#define STATS_MS 1000
#define EOS_WAIT_MS 5000 /* after EOS is sent, how long to wait for it to drain */
#define MAX_QOS_SOURCES 8

typedef struct stamp {
    GstClockTime pts;
    gint64 t_ns; /* when it entered the element */
} stamp;

typedef struct cam_run {
    /* The command line. */
    const char *device, *output;       /* the default v4l2 ends */
    const char *source_desc, *sink_desc; /* or the fragments */
    long max_frames;                   /* --frames; 0 = until stopped */
    bool stats, verbose;

    GstElement *pipeline, *source, *sink, *queue, *bd;
    GstElement *convert_in; /* where the decoded camera pad goes (default source) */
    GMainLoop *loop;

    /* Written on the element's streaming thread only (both probes run there:
     * GstBaseTransform pushes from its chain function). */
    stamp ring[RING];
    guint ring_head;

    /* Counters, atomic. */
    gint n_in;      /* frames into the leaky queue (captured) */
    gint n_bd_in;   /* frames into the element */
    gint n_out;     /* frames out of the element */
    gint n_overrun; /* leaky-queue drops */

    /* Latency samples, under `lock`: this interval's, and the whole run's. */
    GMutex lock;
    double *second; /* SECOND_SAMPLES, ms */
    int n_second;
    guint32 *hist; /* HIST_BINS */
    long n_hist;

    /* QoS drops per element that reported them (cumulative per element). Main thread. */
    GstObject *qos_src[MAX_QOS_SOURCES];
    guint64 qos_dropped[MAX_QOS_SOURCES];
    int n_qos_src;

    /* Main thread. */
    int rc;
    bool done, eos_sent, stopped_by_signal;
    double t_start_ms, t_last_ms, cpu_last_s, cpu_start_s;
    gint last_in, last_out;
    guint64 last_dropped;
    double *scratch; /* SECOND_SAMPLES, for sorting */
} cam_run;

static void usage(FILE *f) {
    fputs("Usage: backdrop cam [--device DEV] [--output OUT] [-b BACKGROUND] [OPTIONS]\n"
          "Capture a camera, replace the background behind the people and write the frames\n"
          "to a virtual camera that video-call apps can open (a v4l2loopback device):\n"
          "  v4l2src device=DEV ! decodebin ! videoconvert ! queue leaky=downstream\n"
          "  max-size-buffers=1 ! backdrop ! videoconvert ! video/x-raw,format=YUY2\n"
          "  ! v4l2sink device=OUT sync=false\n"
          "Frames are dropped, never queued, when processing is slower than the camera.\n"
          "Runs until Ctrl-C (exit 0 once the pipeline has drained) or --frames N.\n"
          "\n"
          "Options:\n"
          "      --device DEV    the camera (default " DEFAULT_DEVICE "); its native format and\n"
          "                      rate are negotiated (raw or MJPEG)\n"
          "      --output OUT    the v4l2loopback device (default " DEFAULT_OUTPUT ")\n"
          "      --source DESC   a gst-launch fragment instead of the camera, e.g.\n"
          "                      'videotestsrc is-live=true pattern=ball'\n"
          "      --sink DESC     a gst-launch fragment instead of the loopback device, e.g.\n"
          "                      fakevideosink or 'videoconvert ! autovideosink'\n"
          "      --size WxH      ask the camera for this size (default: its own)\n"
          "      --fps N[/D]     ask the camera for this frame rate\n"
          "      --format F      the output's pixel format, a GStreamer name (default YUY2\n"
          "                      for the loopback device, which browsers accept; with\n"
          "                      --sink: whatever the sink negotiates)\n"
          "      --frames N      stop after N processed frames\n"
          "      --stats         once a second on stderr: frames in, out and dropped,\n"
          "                      the element's latency per frame (median, p99) and the\n"
          "                      CPU share; a total line at the end\n"
          "  -b, --background BACKGROUND\n"
          "                      PATH, blur (default), blur:RADIUS, color:#RRGGBB, or\n"
          "                      transparent (needs an alpha --format such as BGRA)\n"
          "      --light-wrap S  let the background's light spill over the person's edge\n",
          f);
    fputs(CLI_SEG_HELP, f);
    fputs("                      (-v also prints the pipeline)\n"
          "  The model conventions come from MODEL.backdrop here; --threads defaults to\n"
          "  one per core (at most 4).\n"
          "  -h, --help          print this help and exit\n"
          "\n"
          "Set up the virtual camera once (needs root; the README has the details):\n"
          "  sudo modprobe v4l2loopback devices=1 video_nr=10 card_label=backdrop "
          "exclusive_caps=1\n"
          "Start backdrop cam before the browser or app opens the camera.\n"
          "\n"
          "Examples:\n"
          "  backdrop cam -b beach.jpg\n"
          "  backdrop cam --device /dev/video2 --size 1280x720 --fps 30 -b blur:20 --stats\n"
          "  backdrop cam --source 'videotestsrc is-live=true' --sink fakevideosink \\\n"
          "      --frames 100 --stats\n",
          f);
}

/* ------------------------------------------------------------------------
 * Streaming-thread probes and signals.
 */

static GstPadProbeReturn on_captured(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
    cam_run *r = data;
    g_atomic_int_inc(&r->n_in);
    return GST_PAD_PROBE_OK;
}

static void on_overrun(GstElement *queue, gpointer data) {
    cam_run *r = data;
    g_atomic_int_inc(&r->n_overrun);
}

static GstPadProbeReturn on_bd_in(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
    cam_run *r = data;
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
    g_atomic_int_inc(&r->n_bd_in);
    stamp *s = &r->ring[r->ring_head++ & (RING - 1)];
    s->pts = GST_BUFFER_PTS(buf);
    s->t_ns = (gint64)gst_util_get_timestamp();
    return GST_PAD_PROBE_OK;
}

static gboolean send_eos(gpointer data);

static GstPadProbeReturn on_bd_out(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
    cam_run *r = data;
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
    if (r->max_frames > 0 && g_atomic_int_get(&r->n_out) >= r->max_frames)
        return GST_PAD_PROBE_DROP; /* after the last frame asked for, while EOS travels */
    gint64 now = (gint64)gst_util_get_timestamp();
    GstClockTime pts = GST_BUFFER_PTS(buf);
    /* The newest entry with this PTS: a frame the element dropped (QoS) left an
     * entry that is simply overwritten later. */
    if (GST_CLOCK_TIME_IS_VALID(pts)) {
        for (guint k = 1; k <= RING; k++) {
            const stamp *s = &r->ring[(r->ring_head - k) & (RING - 1)];
            if (s->pts != pts) continue;
            double ms = (double)(now - s->t_ns) / 1e6;
            long bin = (long)((now - s->t_ns) / HIST_BIN_NS);
            if (bin < 0) bin = 0;
            if (bin >= HIST_BINS) bin = HIST_BINS - 1;
            g_mutex_lock(&r->lock);
            if (r->n_second < SECOND_SAMPLES) r->second[r->n_second++] = ms;
            r->hist[bin]++;
            r->n_hist++;
            g_mutex_unlock(&r->lock);
            break;
        }
    }
    gint n = g_atomic_int_add(&r->n_out, 1) + 1;
    if (r->max_frames > 0 && n == r->max_frames) g_idle_add(send_eos, r);
    return GST_PAD_PROBE_OK;
}

/* ------------------------------------------------------------------------
 * Main thread: stats, bus, stopping.
 */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of sorted v[0..n-1] (nearest rank). */
static double quantile(const double *v, int n, double q) {
    int k = (int)(q * n + 0.999999) - 1;
    if (k < 0) k = 0;
    if (k >= n) k = n - 1;
    return v[k];
}

/* The q-quantile of the whole run's histogram, in ms (bin centres). */
static double hist_quantile(const cam_run *r, double q) {
    long want = (long)(q * (double)r->n_hist + 0.999999);
    if (want < 1) want = 1;
    long seen = 0;
    for (int i = 0; i < HIST_BINS; i++) {
        seen += r->hist[i];
        if (seen >= want) return ((double)i + 0.5) * HIST_BIN_NS / 1e6;
    }
    return (double)HIST_BINS * HIST_BIN_NS / 1e6;
}

/* QoS drops reported by the element (`element`) or by everything else (the
 * sink: frames that were processed but arrived too late to show). */
static guint64 qos_total(const cam_run *r, bool element) {
    guint64 t = 0;
    for (int i = 0; i < r->n_qos_src; i++)
        if ((r->qos_src[i] == GST_OBJECT(r->bd)) == element) t += r->qos_dropped[i];
    return t;
}

static void print_stats(cam_run *r, bool final) {
    double now = cli_now_ms(), cpu = cli_gst_cpu_seconds();
    gint in = g_atomic_int_get(&r->n_in), out = g_atomic_int_get(&r->n_out);
    guint64 overrun = (guint64)g_atomic_int_get(&r->n_overrun), qos = qos_total(r, true);
    guint64 late = qos_total(r, false);
    char lat[96] = "latency -";
    if (final) {
        g_mutex_lock(&r->lock);
        if (r->n_hist > 0)
            snprintf(lat, sizeof lat, "latency %.1f ms median, %.1f ms p99 (%ld frames)",
                     hist_quantile(r, 0.5), hist_quantile(r, 0.99), r->n_hist);
        g_mutex_unlock(&r->lock);
        double wall = (now - r->t_start_ms) / 1000.0;
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        cli_error("stats total: %d in, %d out, %llu dropped (queue %llu, qos %llu), %llu late "
                  "at the sink, %s, %.1f fps, cpu %.0f%% of one core (%ld cores), %.1f s",
                  in, out, (unsigned long long)(overrun + qos), (unsigned long long)overrun,
                  (unsigned long long)qos, (unsigned long long)late, lat,
                  wall > 0 ? out / wall : 0.0,
                  wall > 0 ? 100.0 * (cpu - r->cpu_start_s) / wall : 0.0, ncpu, wall);
        return;
    }
    g_mutex_lock(&r->lock);
    int n = r->n_second;
    memcpy(r->scratch, r->second, (size_t)n * sizeof *r->scratch);
    r->n_second = 0;
    g_mutex_unlock(&r->lock);
    if (n > 0) {
        qsort(r->scratch, (size_t)n, sizeof *r->scratch, cmp_double);
        snprintf(lat, sizeof lat, "latency %.1f ms median, %.1f ms p99",
                 quantile(r->scratch, n, 0.5),
                 quantile(r->scratch, n, 0.99));
    }
    double wall = (now - r->t_last_ms) / 1000.0;
    guint64 dropped = overrun + qos;
    cli_error("stats: %d in, %d out, %llu dropped (total: queue %llu, qos %llu, late at sink "
              "%llu), %s, cpu %.0f%%",
              in - r->last_in, out - r->last_out, (unsigned long long)(dropped - r->last_dropped),
              (unsigned long long)overrun, (unsigned long long)qos, (unsigned long long)late, lat,
              wall > 0 ? 100.0 * (cpu - r->cpu_last_s) / wall : 0.0);
    r->last_in = in;
    r->last_out = out;
    r->last_dropped = dropped;
    r->t_last_ms = now;
    r->cpu_last_s = cpu;
}

static gboolean on_stats(gpointer data) {
    print_stats(data, false);
    return G_SOURCE_CONTINUE;
}

static gboolean on_eos_timeout(gpointer data) {
    cam_run *r = data;
    if (!r->done) {
        if (r->verbose)
            cli_error("end-of-stream did not drain in %d s: stopping", EOS_WAIT_MS / 1000);
        r->done = true;
        g_main_loop_quit(r->loop);
    }
    return G_SOURCE_REMOVE;
}

static gboolean send_eos(gpointer data) {
    cam_run *r = data;
    if (r->eos_sent || r->done) return G_SOURCE_REMOVE;
    r->eos_sent = true;
    gst_element_send_event(r->pipeline, gst_event_new_eos());
    g_timeout_add(EOS_WAIT_MS, on_eos_timeout, r);
    return G_SOURCE_REMOVE;
}

static gboolean on_signal(gpointer data) {
    cam_run *r = data;
    r->stopped_by_signal = true;
    if (!r->eos_sent) {
        send_eos(r);
    } else if (!r->done) { /* a second Ctrl-C: stop now */
        r->done = true;
        g_main_loop_quit(r->loop);
    }
    return G_SOURCE_CONTINUE;
}

/* What a bus error from `src` means. */
static void what_failed(const cam_run *r, GstObject *src, char *buf, size_t size) {
    bool in_source = src == GST_OBJECT(r->source) ||
                     gst_object_has_as_ancestor(src, GST_OBJECT(r->source));
    bool in_sink =
        src == GST_OBJECT(r->sink) || gst_object_has_as_ancestor(src, GST_OBJECT(r->sink));
    if (in_source && r->source_desc)
        snprintf(buf, size, "--source '%s' failed", r->source_desc);
    else if (in_source)
        snprintf(buf, size, "cannot capture from camera '%s'", r->device);
    else if (in_sink && r->sink_desc)
        snprintf(buf, size, "--sink '%s' failed", r->sink_desc);
    else if (in_sink)
        snprintf(buf, size, "cannot write to '%s'", r->output);
    else if (src == GST_OBJECT(r->bd))
        snprintf(buf, size, "cannot process the camera's frames");
    else
        snprintf(buf, size, "camera pipeline");
}

/* Adds a QoS message's cumulative drop count for its element. */
static void note_qos(cam_run *r, GstMessage *msg) {
    GstFormat fmt;
    guint64 processed = 0, dropped = 0;
    gst_message_parse_qos_stats(msg, &fmt, &processed, &dropped);
    if (fmt != GST_FORMAT_BUFFERS && fmt != GST_FORMAT_DEFAULT) return;
    GstObject *src = GST_MESSAGE_SRC(msg);
    for (int i = 0; i < r->n_qos_src; i++) {
        if (r->qos_src[i] == src) {
            if (dropped > r->qos_dropped[i]) r->qos_dropped[i] = dropped;
            return;
        }
    }
    if (r->n_qos_src < MAX_QOS_SOURCES) {
        r->qos_src[r->n_qos_src] = src; /* compared only, never dereferenced */
        r->qos_dropped[r->n_qos_src++] = dropped;
    }
}

static gboolean on_bus(GstBus *bus, GstMessage *msg, gpointer data) {
    cam_run *r = data;
    if (r->done) return G_SOURCE_CONTINUE;
    switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ERROR: {
        char what[600];
        what_failed(r, GST_MESSAGE_SRC(msg), what, sizeof what);
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
            cli_gst_report(msg, what, true);
        }
        break;
    case GST_MESSAGE_QOS:
        note_qos(r, msg);
        break;
    case GST_MESSAGE_EOS:
        r->done = true;
        g_main_loop_quit(r->loop);
        break;
    default:
        break;
    }
    return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------------
 * Building (main thread).
 */

/* The default source's decoded pad (raw frames, or MJPEG decoded). */
static void on_decoded_pad(GstElement *decodebin, GstPad *pad, gpointer data) {
    cam_run *r = data;
    GstPad *sinkpad = gst_element_get_static_pad(r->convert_in, "sink");
    if (!gst_pad_is_linked(sinkpad)) gst_pad_link(pad, sinkpad);
    gst_object_unref(sinkpad);
}

/* A fragment as a bin with one ghost pad (`dir`); NULL after a usage error. */
static GstElement *parse_fragment(const char *opt, const char *desc, GstPadDirection dir) {
    GError *gerr = NULL;
    GstElement *bin = gst_parse_bin_from_description_full(desc, TRUE, NULL,
                                                          GST_PARSE_FLAG_FATAL_ERRORS, &gerr);
    if (bin == NULL || gerr != NULL) {
        /* gst-launch caps ("! video/x-raw,width=640") annotate a link, so they
         * cannot end a source fragment or start a sink one: give them an
         * element to link to (a capsfilter without caps passes everything). */
        gchar *wrapped = dir == GST_PAD_SRC ? g_strconcat(desc, " ! capsfilter", NULL)
                                            : g_strconcat("capsfilter ! ", desc, NULL);
        GError *gerr2 = NULL;
        GstElement *bin2 = gst_parse_bin_from_description_full(
            wrapped, TRUE, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &gerr2);
        g_free(wrapped);
        if (bin2 != NULL && gerr2 == NULL) {
            if (bin != NULL) gst_object_unref(gst_object_ref_sink(bin));
            g_clear_error(&gerr);
            bin = bin2;
        } else {
            if (bin2 != NULL) gst_object_unref(gst_object_ref_sink(bin2));
            g_clear_error(&gerr2);
        }
    }
    if (bin == NULL || gerr != NULL) {
        cli_usage_error(CMD, "invalid %s '%s': %s", opt, desc,
                        gerr ? gerr->message : "parse error");
        g_clear_error(&gerr);
        if (bin != NULL) gst_object_unref(gst_object_ref_sink(bin));
        return NULL;
    }
    GstPad *pad = gst_element_get_static_pad(bin, dir == GST_PAD_SRC ? "src" : "sink");
    if (pad == NULL) {
        cli_usage_error(CMD, "%s '%s' has no unlinked %s pad to connect", opt, desc,
                        dir == GST_PAD_SRC ? "source" : "sink");
        gst_object_unref(gst_object_ref_sink(bin));
        return NULL;
    }
    gst_object_unref(pad);
    return bin;
}

typedef struct cam_opts {
    int width, height;  /* 0 = the camera's */
    int fps_n, fps_d;   /* 0 = the camera's */
    const char *format; /* output format (GStreamer name); NULL = default */
} cam_opts;

/* The caps the size and rate options ask of the source; NULL if none. For the
 * camera, raw and MJPEG both (whichever it offers at that size). */
static GstCaps *source_caps(const cam_opts *co, bool with_jpeg) {
    if (co->width == 0 && co->fps_n == 0) return NULL;
    GstCaps *caps = gst_caps_new_empty();
    const char *media[] = {"video/x-raw", "image/jpeg"};
    for (int i = 0; i < (with_jpeg ? 2 : 1); i++) {
        GstStructure *s = gst_structure_new_empty(media[i]);
        if (co->width > 0)
            gst_structure_set(s, "width", G_TYPE_INT, co->width, "height", G_TYPE_INT, co->height,
                              NULL);
        if (co->fps_n > 0)
            gst_structure_set(s, "framerate", GST_TYPE_FRACTION, co->fps_n, co->fps_d, NULL);
        gst_caps_append_structure(caps, s);
    }
    return caps;
}

static GstElement *capsfilter(GstCaps *caps) {
    GstElement *cf = cli_gst_make("capsfilter");
    if (cf != NULL) g_object_set(cf, "caps", caps, NULL);
    gst_caps_unref(caps);
    return cf;
}

/* Builds the pipeline; returns CLI_EXIT_OK, or an exit code after printing. */
static int build(cam_run *r, const cam_opts *co, GstElement *bd, GString *desc) {
    r->pipeline = gst_pipeline_new("backdrop-cam");
    GstElement *chain[12];
    int n = 0;
    GstElement *decodebin = NULL;
    /* The source, up to the first videoconvert. */
    if (r->source_desc != NULL) {
        r->source = parse_fragment("--source", r->source_desc, GST_PAD_SRC);
        if (r->source == NULL) return CLI_EXIT_USAGE;
        chain[n++] = r->source;
        g_string_append(desc, r->source_desc);
        GstCaps *caps = source_caps(co, false);
        if (caps != NULL) {
            gchar *s = gst_caps_to_string(caps);
            g_string_append_printf(desc, " ! %s", s);
            g_free(s);
            chain[n++] = capsfilter(caps);
        }
        chain[n++] = r->convert_in = cli_gst_make("videoconvert");
    } else {
        chain[n++] = r->source = cli_gst_make("v4l2src");
        if (r->source != NULL) g_object_set(r->source, "device", r->device, NULL);
        g_string_append_printf(desc, "v4l2src device=%s", r->device);
        GstCaps *caps = source_caps(co, true);
        if (caps != NULL) {
            gchar *s = gst_caps_to_string(caps);
            g_string_append_printf(desc, " ! %s", s);
            g_free(s);
            chain[n++] = capsfilter(caps);
        }
        chain[n++] = decodebin = cli_gst_make("decodebin");
        g_string_append(desc, " ! decodebin");
        chain[n++] = r->convert_in = cli_gst_make("videoconvert");
    }
    g_string_append(desc, " ! videoconvert ! queue leaky=downstream max-size-buffers=1");
    chain[n++] = r->queue = cli_gst_make("queue");
    chain[n++] = r->bd = bd;
    gchar *bg = NULL;
    g_object_get(bd, "background", &bg, NULL);
    g_string_append_printf(desc, " ! backdrop background=%s ! videoconvert", bg ? bg : "?");
    g_free(bg);
    chain[n++] = cli_gst_make("videoconvert");
    const char *format = co->format ? co->format : r->sink_desc ? NULL : DEFAULT_FORMAT;
    if (format != NULL) {
        g_string_append_printf(desc, " ! video/x-raw,format=%s", format);
        chain[n++] = capsfilter(
            gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, format, NULL));
    }
    if (r->sink_desc != NULL) {
        r->sink = parse_fragment("--sink", r->sink_desc, GST_PAD_SINK);
        chain[n++] = r->sink;
        g_string_append_printf(desc, " ! %s", r->sink_desc);
    } else {
        chain[n++] = r->sink = cli_gst_make("v4l2sink");
        if (r->sink != NULL) g_object_set(r->sink, "device", r->output, "sync", FALSE, NULL);
        g_string_append_printf(desc, " ! v4l2sink device=%s sync=false", r->output);
    }
    bool all = true;
    for (int i = 0; i < n; i++) all = all && chain[i] != NULL;
    if (!all) {
        for (int i = 0; i < n; i++)
            if (chain[i] != NULL && chain[i] != bd) gst_object_unref(gst_object_ref_sink(chain[i]));
        r->source = r->sink = r->bd = NULL;
        /* a bad --sink fragment was a usage error (printed); a missing element not */
        return r->sink_desc != NULL && chain[n - 1] == NULL ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
    }
    g_object_set(r->queue, "leaky", 2 /* downstream: drop the older frame */, "max-size-buffers",
                 1, "max-size-bytes", 0, "max-size-time", (guint64)0, NULL);
    for (int i = 0; i < n; i++) gst_bin_add(GST_BIN(r->pipeline), chain[i]);
    bool linked = true;
    for (int i = 0; linked && i + 1 < n; i++) {
        if (chain[i] == decodebin) continue; /* its pad appears at run time */
        linked = gst_element_link(chain[i], chain[i + 1]);
    }
    if (!linked) {
        cli_error("cannot link the camera pipeline (do --size, --fps and --format suit the source "
                  "and the sink?): %s",
                  desc->str);
        return CLI_EXIT_FAIL;
    }
    if (decodebin != NULL) g_signal_connect(decodebin, "pad-added", G_CALLBACK(on_decoded_pad), r);
    g_signal_connect(r->queue, "overrun", G_CALLBACK(on_overrun), r);
    GstPad *p = gst_element_get_static_pad(r->queue, "sink");
    gst_pad_add_probe(p, GST_PAD_PROBE_TYPE_BUFFER, on_captured, r, NULL);
    gst_object_unref(p);
    p = gst_element_get_static_pad(bd, "sink");
    gst_pad_add_probe(p, GST_PAD_PROBE_TYPE_BUFFER, on_bd_in, r, NULL);
    gst_object_unref(p);
    p = gst_element_get_static_pad(bd, "src");
    gst_pad_add_probe(p, GST_PAD_PROBE_TYPE_BUFFER, on_bd_out, r, NULL);
    gst_object_unref(p);
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------------------
 * Option parsing.
 */

static bool parse_size(const char *s, int *w, int *h) {
    char *end = NULL;
    errno = 0;
    long a = strtol(s, &end, 10);
    if (end == s || errno || (*end != 'x' && *end != 'X') || a < 16 || a > 16384) return false;
    const char *t = end + 1;
    long b = strtol(t, &end, 10);
    if (end == t || errno || *end != '\0' || b < 16 || b > 16384 || t[0] < '0' || t[0] > '9')
        return false;
    if (s[0] < '0' || s[0] > '9') return false;
    *w = (int)a;
    *h = (int)b;
    return true;
}

static bool parse_fps(const char *s, int *n, int *d) {
    char *end = NULL;
    errno = 0;
    if (s[0] < '0' || s[0] > '9') return false;
    long a = strtol(s, &end, 10), b = 1;
    if (end == s || errno || a < 1 || a > 1000) return false;
    if (*end == '/') {
        const char *t = end + 1;
        if (t[0] < '0' || t[0] > '9') return false;
        b = strtol(t, &end, 10);
        if (end == t || errno || b < 1 || b > 1000000) return false;
    }
    if (*end != '\0' || a / b > 1000) return false;
    *n = (int)a;
    *d = (int)b;
    return true;
}

/* The GStreamer name of a raw video format, matched ignoring case; NULL if none. */
static const char *format_name(const char *s, bool *has_alpha) {
    for (int f = GST_VIDEO_FORMAT_ENCODED + 1;; f++) {
        const GstVideoFormatInfo *info = gst_video_format_get_info((GstVideoFormat)f);
        if (info == NULL || info->format == GST_VIDEO_FORMAT_UNKNOWN) return NULL;
        if (g_ascii_strcasecmp(s, info->name) == 0) {
            *has_alpha = GST_VIDEO_FORMAT_INFO_HAS_ALPHA(info);
            return info->name;
        }
    }
}

int cli_cmd_cam(int argc, char **argv) {
    static const struct option longopts[] = {
        {"background", required_argument, NULL, CLI_OPT_BACKGROUND},
        {"help", no_argument, NULL, CLI_OPT_HELP},
        {"light-wrap", required_argument, NULL, CLI_OPT_LIGHT_WRAP},
        {"device", required_argument, NULL, CLI_GST_OPT_DEVICE},
        {"output", required_argument, NULL, CLI_OPT_OUTPUT},
        {"source", required_argument, NULL, CLI_GST_OPT_SOURCE},
        {"sink", required_argument, NULL, CLI_GST_OPT_SINK},
        {"size", required_argument, NULL, CLI_GST_OPT_SIZE},
        {"fps", required_argument, NULL, CLI_GST_OPT_FPS},
        {"format", required_argument, NULL, CLI_GST_OPT_FORMAT},
        {"frames", required_argument, NULL, CLI_GST_OPT_FRAMES},
        {"stats", no_argument, NULL, CLI_GST_OPT_STATS},
        CLI_SEG_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    cli_seg_opts so;
    cli_seg_opts_init(&so);
    so.stream = true; /* the frames are a video, in order */
    const char *bg_spec = "blur", *format_arg = NULL;
    cam_opts co = {0};
    cam_run r;
    memset(&r, 0, sizeof r);
    r.device = DEFAULT_DEVICE;
    r.output = DEFAULT_OUTPUT;
    bool device_given = false, output_given = false;

    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":b:h" CLI_SEG_SHORTOPTS, longopts, NULL)) != -1) {
        int rc = cli_seg_opt(CMD, opt, optarg, &so);
        if (rc == CLI_EXIT_USAGE) return rc;
        if (rc == CLI_EXIT_OK) continue;
        switch (opt) {
        case 'b':
        case CLI_OPT_BACKGROUND:
            bg_spec = optarg;
            break;
        case CLI_OPT_LIGHT_WRAP:
            if (!cli_parse_float(CMD, "--light-wrap", optarg, 0.0, 1.0, &so.light_wrap))
                return CLI_EXIT_USAGE;
            break;
        case CLI_GST_OPT_DEVICE:
            if (optarg[0] == '\0') return cli_usage_error(CMD, "empty --device");
            r.device = optarg;
            device_given = true;
            break;
        case CLI_OPT_OUTPUT:
            if (optarg[0] == '\0') return cli_usage_error(CMD, "empty --output");
            r.output = optarg;
            output_given = true;
            break;
        case CLI_GST_OPT_SOURCE:
            if (optarg[0] == '\0') return cli_usage_error(CMD, "empty --source");
            r.source_desc = optarg;
            break;
        case CLI_GST_OPT_SINK:
            if (optarg[0] == '\0') return cli_usage_error(CMD, "empty --sink");
            r.sink_desc = optarg;
            break;
        case CLI_GST_OPT_SIZE:
            if (!parse_size(optarg, &co.width, &co.height))
                return cli_usage_error(CMD, "invalid --size '%s' (expected WxH, e.g. 1280x720, "
                                            "16..16384 each)", optarg);
            break;
        case CLI_GST_OPT_FPS:
            if (!parse_fps(optarg, &co.fps_n, &co.fps_d))
                return cli_usage_error(CMD, "invalid --fps '%s' (expected N or N/D, up to 1000)",
                                       optarg);
            break;
        case CLI_GST_OPT_FORMAT:
            format_arg = optarg;
            break;
        case CLI_GST_OPT_FRAMES: {
            int nf = 0;
            if (!cli_parse_int(CMD, "--frames", optarg, 1, 1000000000, &nf)) return CLI_EXIT_USAGE;
            r.max_frames = nf;
            break;
        }
        case CLI_GST_OPT_STATS:
            r.stats = true;
            break;
        case 'h':
        case CLI_OPT_HELP:
            usage(stdout);
            return CLI_EXIT_OK;
        default:
            return cli_getopt_error(CMD, opt, argv);
        }
    }
    if (optind < argc) return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
    if (device_given && r.source_desc)
        return cli_usage_error(CMD, "--device and --source exclude each other");
    if (output_given && r.sink_desc)
        return cli_usage_error(CMD, "--output and --sink exclude each other");
    bool transparent = false;
    int rc = cli_gst_check_background(CMD, bg_spec, &transparent);
    if (rc != CLI_EXIT_OK) return rc;
    if (so.light_wrap > 0.0f && transparent)
        return cli_usage_error(CMD, "--light-wrap has no effect with '-b transparent'");
    if (so.have_threshold && !(so.have_softness && so.softness > 0.0f))
        return cli_usage_error(CMD, "--threshold needs a --softness above 0");
    rc = cli_seg_check(CMD, &so);
    if (rc != CLI_EXIT_OK) return rc;

    if (!cli_gst_init()) return CLI_EXIT_FAIL;
    if (format_arg != NULL) {
        bool alpha = false;
        co.format = format_name(format_arg, &alpha);
        if (co.format == NULL)
            return cli_usage_error(CMD, "invalid --format '%s' (expected a GStreamer raw video "
                                        "format such as YUY2, NV12, I420, RGB or BGRA)",
                                   format_arg);
        if (transparent && !alpha)
            return cli_usage_error(CMD, "'-b transparent' needs an output format with alpha "
                                        "(--format BGRA or RGBA), not %s", co.format);
    } else if (transparent) {
        return cli_usage_error(CMD, "'-b transparent' needs an output format with alpha "
                                    "(--format BGRA or RGBA; the default YUY2 has none)");
    }

    GstElement *bd = gst_element_factory_make("backdrop", NULL);
    if (bd == NULL) {
        cli_error("cannot create the GStreamer element 'backdrop'");
        return CLI_EXIT_FAIL;
    }
    gst_object_ref_sink(bd);
    g_mutex_init(&r.lock);
    GString *desc = g_string_new(NULL);
    r.verbose = so.verbose;
    rc = cli_gst_configure(CMD, bd, &so, NULL, bg_spec);
    if (rc != CLI_EXIT_OK) goto done;
    rc = build(&r, &co, bd, desc);
    if (rc != CLI_EXIT_OK) goto done;
    rc = CLI_EXIT_FAIL;
    const char *model = cli_resolve_model(so.model_path);
    if (model == NULL) goto done;
    g_object_set(bd, "model", model, NULL);

    /* The v4l2 ends: a missing device is named before GStreamer says less. */
    struct stat st;
    if (r.source_desc == NULL && stat(r.device, &st) != 0) {
        cli_error("cannot open camera '%s': %s (list cameras with 'v4l2-ctl --list-devices')",
                  r.device, strerror(errno));
        goto done;
    }
    if (r.sink_desc == NULL && stat(r.output, &st) != 0) {
        cli_error("cannot open output device '%s': %s (create it with 'sudo modprobe "
                  "v4l2loopback devices=1 video_nr=10 card_label=backdrop exclusive_caps=1', "
                  "or use --sink)",
                  r.output, strerror(errno));
        goto done;
    }
    if (so.verbose) cli_error("pipeline: %s", desc->str);

    r.second = g_new0(double, SECOND_SAMPLES);
    r.scratch = g_new0(double, SECOND_SAMPLES);
    r.hist = g_new0(guint32, HIST_BINS);
    GstBus *bus = gst_element_get_bus(r.pipeline);
    guint bus_watch = gst_bus_add_watch(bus, on_bus, &r);
    guint sig_int = g_unix_signal_add(SIGINT, on_signal, &r);
    guint sig_term = g_unix_signal_add(SIGTERM, on_signal, &r);
    r.loop = g_main_loop_new(NULL, FALSE);
    r.rc = CLI_EXIT_OK;
    r.t_start_ms = r.t_last_ms = cli_now_ms();
    r.cpu_start_s = r.cpu_last_s = cli_gst_cpu_seconds();
    guint stats_timer = r.stats ? g_timeout_add(STATS_MS, on_stats, &r) : 0;
    if (gst_element_set_state(r.pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
        if (m != NULL) {
            on_bus(bus, m, &r);
            gst_message_unref(m);
        } else {
            cli_error("cannot start the camera pipeline");
        }
        r.rc = CLI_EXIT_FAIL;
        r.done = true;
    }
    if (!r.done) g_main_loop_run(r.loop);
    gst_element_set_state(r.pipeline, GST_STATE_NULL);
    rc = r.rc;
    if (r.stats && rc == CLI_EXIT_OK) print_stats(&r, true);
    if (so.verbose && rc == CLI_EXIT_OK) {
        double ms = cli_now_ms() - r.t_start_ms;
        char note[96];
        snprintf(note, sizeof note, "(%d frames processed, %.1f fps)", g_atomic_int_get(&r.n_out),
                 ms > 0 ? g_atomic_int_get(&r.n_out) * 1000.0 / ms : 0.0);
        cli_timing("total", ms, note);
    }
    if (stats_timer) g_source_remove(stats_timer);
    g_source_remove(sig_int);
    g_source_remove(sig_term);
    g_source_remove(bus_watch);
    gst_object_unref(bus);
    g_main_loop_unref(r.loop);

done:
    if (r.pipeline != NULL) {
        gst_element_set_state(r.pipeline, GST_STATE_NULL);
        gst_object_unref(r.pipeline);
    }
    gst_object_unref(bd);
    g_free(r.second);
    g_free(r.scratch);
    g_free(r.hist);
    g_string_free(desc, TRUE);
    g_mutex_clear(&r.lock);
    return rc;
}
