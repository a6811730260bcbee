/*
 * gstbackdrop.h -- the GStreamer element `backdrop`: a GstVideoFilter that runs
 * libbackdrop's pipeline (model -> mask -> fused upsample + composite) on every
 * raw video frame.
 *
 * Caps: video/x-raw in RGB, BGR, RGBA, BGRA, RGBx, BGRx, YUY2, NV12, I420 (any
 * size, any rate). With an opaque background (image, blur, colour) the output
 * has the input's caps and the frame is processed in place. With
 * background=transparent the input must be RGB-family and the output is RGBA
 * (or BGRA for a BGR-ordered input) carrying the mask as alpha.
 *
 * Properties (every one readable and writable; a change takes effect on the
 * next frame; `model` and `threads` reload the model when they change):
 *   model        path to a .tflite/.onnx model (default: $BACKDROP_MODEL, else the
 *                selfie model in the installed data directory or the source tree)
 *   background   "blur", "blur:R", "color:#rrggbb", "transparent" or an image path
 *                (default "blur")
 *   refine, feather, threshold, softness, light-wrap, threads  as the CLI options
 *   fit          stretch | letterbox | crop
 * Errors (unreadable model or background, bad property value) are posted on the
 * bus as GST_ELEMENT_ERROR with the library's message; the element never aborts.
 * QoS is enabled: a frame that is already late is dropped before inference.
 */
#ifndef GST_BACKDROP_H
#define GST_BACKDROP_H

#include <gst/gst.h>
#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_BACKDROP (gst_backdrop_get_type())
G_DECLARE_FINAL_TYPE(GstBackdrop, gst_backdrop, GST, BACKDROP, GstVideoFilter)

/* Registers the element factory "backdrop" in `plugin` (NULL = statically, into
 * the default registry, for a program that links the element in). */
gboolean gst_backdrop_register(GstPlugin *plugin);

G_END_DECLS

#endif /* GST_BACKDROP_H */
