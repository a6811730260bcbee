/*
 * tflite.h -- the TFLite importer's interface.
 */
#ifndef BD_TFLITE_H
#define BD_TFLITE_H

#include "ir/ir.h"

/* Imports subgraph 0 of a TFLite FlatBuffer (data, size: borrowed; constants are
 * copied) into an initialised, empty graph g. The result is not yet verified:
 * call bd_graph_verify(). Returns BD_OK or an error with err set. */
bd_status bd_tflite_import(const uint8_t *data, size_t size, const bd_model_options *opts,
                           bd_graph *g, bd_err *err);

#endif /* BD_TFLITE_H */
