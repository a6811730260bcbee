/*
 * plugin.c -- the loadable GStreamer plugin "backdrop" (libgstbackdrop.so): one
 * element, `backdrop` (gstbackdrop.c). Programs that link the element in call
 * gst_backdrop_register(NULL) instead and need no plugin file.
 */
#include "gstbackdrop.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.1.0"
#endif
#define PACKAGE "backdrop"

static gboolean plugin_init(GstPlugin *plugin) { return gst_backdrop_register(plugin); }

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, backdrop,
                  "Person segmentation and background replacement on the CPU", plugin_init,
                  PACKAGE_VERSION, "unknown", "backdrop", "backdrop (built from source)")
