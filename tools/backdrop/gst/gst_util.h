/*
 * gst_util.h -- what `backdrop video` and `backdrop cam` share (built only with
 * GStreamer, BD_HAVE_GST): GStreamer start-up with the element registered
 * statically, the -b syntax check, mapping the segmentation options onto the
 * `backdrop` element's properties, element creation with a message naming the
 * missing package, and one-line bus error reports.
 *
 * Everything here runs on the command's main thread.
 */
#ifndef BD_CLI_GST_UTIL_H
#define BD_CLI_GST_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <gst/gst.h>

#include "../cli.h"

/* Long option ids of video and cam, above cli.h's CLI_OPT_* ids (which stay
 * below 0x200), so cli_getopt_error still tells short from long options. */
enum {
    CLI_GST_OPT_PRESET = 0x200,
    CLI_GST_OPT_CRF,
    CLI_GST_OPT_BITRATE,
    CLI_GST_OPT_NO_PROCESS,
    CLI_GST_OPT_DEVICE,
    CLI_GST_OPT_SOURCE,
    CLI_GST_OPT_SINK,
    CLI_GST_OPT_SIZE,
    CLI_GST_OPT_FPS,
    CLI_GST_OPT_FORMAT,
    CLI_GST_OPT_FRAMES,
    CLI_GST_OPT_STATS,
};

/* Initialises GStreamer once and registers the linked-in `backdrop` element.
 * Prints "backdrop: cannot initialise GStreamer: ..." and returns false on
 * failure. GStreamer stays initialised until the process exits. */
bool cli_gst_init(void);

/* Checks the -b syntax exactly as `backdrop replace` reads it (blur, blur:R with
 * R in 1..1000, color:#RRGGBB, transparent, or an image path). Returns
 * CLI_EXIT_OK, setting *transparent, or CLI_EXIT_USAGE after printing. */
int cli_gst_check_background(const char *cmd, const char *spec, bool *transparent);

/* Sets the `backdrop` element's properties from the command line: the model
 * (already resolved, may be NULL for the element's default), the background
 * spec, and every option of `o` that was given. An option the element has no
 * property for (e.g. --mean: the element reads MODEL.backdrop instead) or a
 * value outside the property's range is a usage error, printed; returns
 * CLI_EXIT_OK or CLI_EXIT_USAGE. */
int cli_gst_configure(const char *cmd, GstElement *element, const cli_seg_opts *o,
                      const char *model_path, const char *bg_spec);

/* gst_element_factory_make(factory, NULL), or NULL after printing
 * "backdrop: GStreamer element 'F' is missing (package P)". */
GstElement *cli_gst_make(const char *factory);

/* Prints an error or warning message from the bus as one line,
 * "backdrop: <what>: <message>", and with `verbose` a second line with
 * GStreamer's debug text and the element that posted it. */
void cli_gst_report(GstMessage *msg, const char *what, bool verbose);

/* A short name for a stream's codec ("AAC", "Opus", "H.264", ...), else the
 * caps' media type. Static storage or a string owned by `caps`. */
const char *cli_gst_codec_name(const GstCaps *caps);

/* Seconds of CPU time (user + system) this process has used. */
double cli_gst_cpu_seconds(void);

#endif /* BD_CLI_GST_UTIL_H */
