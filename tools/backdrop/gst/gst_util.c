/*
 * gst_util.c -- helpers shared by `backdrop video` and `backdrop cam` (see
 * gst_util.h): GStreamer start-up, the -b check, segmentation options ->
 * element properties, element creation and bus error lines.
 *
 * The options are mapped onto the element by property name and checked against
 * the property's GParamSpec (its type and range), so the command line and the
 * element cannot silently disagree: an option the element cannot honour is a
 * usage error before anything starts, never an ignored flag.
 */
#define _POSIX_C_SOURCE 200809L

#include "gst_util.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "gstbackdrop.h"

#define MAX_BLUR_RADIUS 1000 /* as `backdrop replace -b blur:R` */

bool cli_gst_init(void) {
    static bool done = false;
    if (done) return true;
    GError *gerr = NULL;
    if (!gst_init_check(NULL, NULL, &gerr)) {
        cli_error("cannot initialise GStreamer: %s", gerr ? gerr->message : "unknown error");
        g_clear_error(&gerr);
        return false;
    }
    /* The element is linked into the CLI: register it statically, so no plugin
     * file (GST_PLUGIN_PATH) is needed. */
    if (!gst_backdrop_register(NULL)) {
        cli_error("cannot register the GStreamer element 'backdrop'");
        return false;
    }
    done = true;
    return true;
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int cli_gst_check_background(const char *cmd, const char *spec, bool *transparent) {
    *transparent = false;
    if (spec[0] == '\0') return cli_usage_error(cmd, "empty background");
    if (strcmp(spec, "transparent") == 0) {
        *transparent = true;
    } else if (strncmp(spec, "blur:", 5) == 0) {
        int r;
        if (!cli_parse_int(cmd, "blur radius", spec + 5, 1, MAX_BLUR_RADIUS, &r))
            return CLI_EXIT_USAGE;
    } else if (strncmp(spec, "color:", 6) == 0) {
        const char *hex = spec + 6;
        if (hex[0] == '#') hex++;
        bool ok = strlen(hex) == 6;
        for (int i = 0; ok && i < 6; i++) ok = hex_digit(hex[i]) >= 0;
        if (!ok)
            return cli_usage_error(cmd, "invalid colour '%s' (expected color:#RRGGBB)", spec);
    }
    /* "blur" and anything else (an image path, read by the element) are fine. */
    return CLI_EXIT_OK;
}

/* The element's property `prop`, or NULL after a usage error saying that
 * `opt` cannot be used. */
static GParamSpec *need_prop(const char *cmd, GstElement *e, const char *opt, const char *prop) {
    GParamSpec *ps = g_object_class_find_property(G_OBJECT_GET_CLASS(e), prop);
    if (ps == NULL)
        cli_usage_error(cmd, "%s is not available here: the backdrop element has no '%s' property",
                        opt, prop);
    return ps;
}

static int set_int(const char *cmd, GstElement *e, const char *opt, const char *prop, int v) {
    GParamSpec *ps = need_prop(cmd, e, opt, prop);
    if (ps == NULL) return CLI_EXIT_USAGE;
    if (G_IS_PARAM_SPEC_INT(ps)) {
        const GParamSpecInt *pi = G_PARAM_SPEC_INT(ps);
        if (v < pi->minimum || v > pi->maximum)
            return cli_usage_error(cmd, "%s %d is out of the element's range %d..%d", opt, v,
                                   pi->minimum, pi->maximum);
        g_object_set(e, prop, v, NULL);
    } else if (G_IS_PARAM_SPEC_UINT(ps)) {
        const GParamSpecUInt *pu = G_PARAM_SPEC_UINT(ps);
        if (v < 0 || (guint)v < pu->minimum || (guint)v > pu->maximum)
            return cli_usage_error(cmd, "%s %d is out of the element's range %u..%u", opt, v,
                                   pu->minimum, pu->maximum);
        g_object_set(e, prop, (guint)v, NULL);
    } else if (G_IS_PARAM_SPEC_ENUM(ps)) {
        if (g_enum_get_value(G_PARAM_SPEC_ENUM(ps)->enum_class, v) == NULL)
            return cli_usage_error(cmd, "%s: the element has no value %d", opt, v);
        g_object_set(e, prop, v, NULL);
    } else {
        return cli_usage_error(cmd, "%s: the element's '%s' property is not an integer", opt,
                               prop);
    }
    return CLI_EXIT_OK;
}

static int set_double(const char *cmd, GstElement *e, const char *opt, const char *prop,
                      double v) {
    GParamSpec *ps = need_prop(cmd, e, opt, prop);
    if (ps == NULL) return CLI_EXIT_USAGE;
    if (G_IS_PARAM_SPEC_DOUBLE(ps)) {
        const GParamSpecDouble *pd = G_PARAM_SPEC_DOUBLE(ps);
        if (v < pd->minimum || v > pd->maximum)
            return cli_usage_error(cmd, "%s %g is out of the element's range %g..%g", opt, v,
                                   pd->minimum, pd->maximum);
        g_object_set(e, prop, v, NULL);
    } else if (G_IS_PARAM_SPEC_FLOAT(ps)) {
        const GParamSpecFloat *pf = G_PARAM_SPEC_FLOAT(ps);
        if (v < pf->minimum || v > pf->maximum)
            return cli_usage_error(cmd, "%s %g is out of the element's range %g..%g", opt, v,
                                   (double)pf->minimum, (double)pf->maximum);
        g_object_set(e, prop, (gfloat)v, NULL);
    } else {
        return cli_usage_error(cmd, "%s: the element's '%s' property is not a number", opt, prop);
    }
    return CLI_EXIT_OK;
}

static int set_bool(const char *cmd, GstElement *e, const char *opt, const char *prop,
                    bool v) {
    GParamSpec *ps = need_prop(cmd, e, opt, prop);
    if (ps == NULL) return CLI_EXIT_USAGE;
    if (!G_IS_PARAM_SPEC_BOOLEAN(ps))
        return cli_usage_error(cmd, "%s: the element's '%s' property is not a switch", opt, prop);
    g_object_set(e, prop, v ? TRUE : FALSE, NULL);
    return CLI_EXIT_OK;
}

static int set_string(const char *cmd, GstElement *e, const char *opt, const char *prop,
                      const char *v) {
    GParamSpec *ps = need_prop(cmd, e, opt, prop);
    if (ps == NULL) return CLI_EXIT_USAGE;
    if (!G_IS_PARAM_SPEC_STRING(ps))
        return cli_usage_error(cmd, "%s: the element's '%s' property is not a string", opt, prop);
    g_object_set(e, prop, v, NULL);
    return CLI_EXIT_OK;
}

int cli_gst_configure(const char *cmd, GstElement *e, const cli_seg_opts *o,
                      const char *model_path, const char *bg_spec) {
    /* The model conventions the element reads from MODEL.backdrop (as `replace`
     * does when no flag overrides them); there are no per-flag properties. */
    const char *conv_flag = o->have_mean     ? "--mean/--range"
                            : o->have_std    ? "--std/--range"
                            : o->bgr >= 0    ? (o->bgr ? "--bgr" : "--rgb")
                            : o->layout != 0 ? "--layout"
                            : o->output_kind >= 0 ? "--output-kind"
                                                  : NULL;
    if (conv_flag != NULL)
        return cli_usage_error(cmd,
                               "%s is not available here: the backdrop element reads the model's "
                               "conventions from MODEL.backdrop beside the model (see 'backdrop "
                               "info MODEL')",
                               conv_flag);
    int rc = CLI_EXIT_OK;
    if (model_path != NULL) rc = set_string(cmd, e, "--model", "model", model_path);
    if (rc == CLI_EXIT_OK && bg_spec != NULL)
        rc = set_string(cmd, e, "-b", "background", bg_spec);
    if (rc == CLI_EXIT_OK && o->conventions_path != NULL)
        rc = set_string(cmd, e, "--conventions", "conventions", o->conventions_path);
    if (rc == CLI_EXIT_OK && o->n_threads > 0)
        rc = set_int(cmd, e, "--threads", "threads", o->n_threads);
    if (rc == CLI_EXIT_OK && o->have_threshold)
        rc = set_double(cmd, e, "--threshold", "threshold", o->threshold);
    if (rc == CLI_EXIT_OK && o->have_softness)
        rc = set_double(cmd, e, "--softness", "softness", o->softness);
    if (rc == CLI_EXIT_OK && o->fit != 0) rc = set_int(cmd, e, "--fit", "fit", o->fit);
    if (rc == CLI_EXIT_OK && o->refine) rc = set_bool(cmd, e, "--refine", "refine", true);
    if (rc == CLI_EXIT_OK && o->refine_radius > 0)
        rc = set_int(cmd, e, "--refine-radius", "refine-radius", o->refine_radius);
    if (rc == CLI_EXIT_OK && o->refine_eps > 0.0f)
        rc = set_double(cmd, e, "--refine-eps", "refine-eps", o->refine_eps);
    if (rc == CLI_EXIT_OK && o->feather > 0.0f)
        rc = set_double(cmd, e, "--feather", "feather", o->feather);
    if (rc == CLI_EXIT_OK && o->light_wrap > 0.0f)
        rc = set_double(cmd, e, "--light-wrap", "light-wrap", o->light_wrap);
    if (rc == CLI_EXIT_OK && o->have_class)
        rc = set_int(cmd, e, "--class", "person-class", o->person_class);
    if (rc == CLI_EXIT_OK && o->precision != CLI_PREC_FP32)
        rc = set_int(cmd, e, "--precision", "precision",
                     (int)cli_precision_request(o->precision));
    if (rc == CLI_EXIT_OK && o->downsample_ratio > 0.0f)
        rc = set_double(cmd, e, "--downsample-ratio", "downsample-ratio",
                        (double)o->downsample_ratio);
    if (rc == CLI_EXIT_OK && o->temporal >= 0)
        rc = set_bool(cmd, e, "--temporal", "temporal", o->temporal == 1);
    if (rc == CLI_EXIT_OK && o->temporal_strength > 0.0f)
        rc = set_double(cmd, e, "--temporal-strength", "temporal-strength", o->temporal_strength);
    if (rc == CLI_EXIT_OK && o->reuse) rc = set_bool(cmd, e, "--reuse", "reuse", true);
    return rc;
}

/* The Debian package that ships each element the commands use. */
static const char *package_of(const char *factory) {
    static const struct {
        const char *prefix, *package;
    } table[] = {
        {"x264enc", "gstreamer1.0-plugins-ugly"}, {"avenc_", "gstreamer1.0-libav"},
        {"avdec_", "gstreamer1.0-libav"},         {"vp9enc", "gstreamer1.0-plugins-good"},
        {"qtmux", "gstreamer1.0-plugins-good"},   {"mp4mux", "gstreamer1.0-plugins-good"},
        {"matroskamux", "gstreamer1.0-plugins-good"}, {"webmmux", "gstreamer1.0-plugins-good"},
        {"v4l2", "gstreamer1.0-plugins-good"},    {"h264parse", "gstreamer1.0-plugins-bad"},
        {"fakevideosink", "gstreamer1.0-plugins-bad"}, {"queue", "libgstreamer1.0-0"},
        {"filesrc", "libgstreamer1.0-0"},         {"filesink", "libgstreamer1.0-0"},
        {"fakesink", "libgstreamer1.0-0"},        {"capsfilter", "libgstreamer1.0-0"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strncmp(factory, table[i].prefix, strlen(table[i].prefix)) == 0)
            return table[i].package;
    return "gstreamer1.0-plugins-base";
}

GstElement *cli_gst_make(const char *factory) {
    GstElement *e = gst_element_factory_make(factory, NULL);
    if (e == NULL)
        cli_error("GStreamer element '%s' is missing (install %s)", factory, package_of(factory));
    return e;
}

void cli_gst_report(GstMessage *msg, const char *what, bool verbose) {
    GError *gerr = NULL;
    gchar *debug = NULL;
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR)
        gst_message_parse_error(msg, &gerr, &debug);
    else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_WARNING)
        gst_message_parse_warning(msg, &gerr, &debug);
    const char *text = gerr != NULL && gerr->message != NULL ? gerr->message : "unknown error";
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_WARNING)
        cli_error("%s: warning: %s", what, text);
    else
        cli_error("%s: %s", what, text);
    if (verbose) {
        GstObject *src = GST_MESSAGE_SRC(msg);
        gchar *path = src ? gst_object_get_path_string(src) : NULL;
        cli_error("debug: %s: %s", path ? path : "?", debug ? debug : "(none)");
        g_free(path);
    }
    g_clear_error(&gerr);
    g_free(debug);
}

const char *cli_gst_codec_name(const GstCaps *caps) {
    if (caps == NULL || gst_caps_get_size(caps) == 0) return "unknown";
    const GstStructure *s = gst_caps_get_structure(caps, 0);
    const char *name = gst_structure_get_name(s);
    static const struct {
        const char *media, *codec;
    } table[] = {
        {"audio/x-opus", "Opus"},    {"audio/x-vorbis", "Vorbis"}, {"audio/x-flac", "FLAC"},
        {"audio/x-ac3", "AC-3"},     {"audio/x-eac3", "E-AC-3"},   {"audio/x-dts", "DTS"},
        {"audio/x-alac", "ALAC"},    {"audio/x-raw", "PCM"},       {"audio/x-alaw", "A-law"},
        {"audio/x-mulaw", "mu-law"}, {"audio/x-true-hd", "TrueHD"}, {"video/x-h264", "H.264"},
        {"video/x-h265", "H.265"},   {"video/x-vp8", "VP8"},       {"video/x-vp9", "VP9"},
        {"video/x-av1", "AV1"},      {"video/x-prores", "ProRes"}, {"video/x-ffv", "FFV1"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(name, table[i].media) == 0) return table[i].codec;
    if (strcmp(name, "audio/mpeg") == 0) {
        int version = 0, layer = 0;
        gst_structure_get_int(s, "mpegversion", &version);
        if (version == 2 || version == 4) return "AAC";
        gst_structure_get_int(s, "layer", &layer);
        return layer == 2 ? "MP2" : "MP3";
    }
    return name;
}

double cli_gst_cpu_seconds(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0.0;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}
