/*
 * tflite_internal.h -- private interface of the TFLite importer, shared by the
 * driver (tflite.c: opcodes, operators, graph inputs and outputs), the tensor
 * reader (tflite_tensors.c) and the lowering helpers (tflite_lower.c). Nothing
 * outside src/import/tflite/ includes it; the importer's interface is tflite.h.
 *
 * The helpers take the importer state and report errors through im->err; the
 * ones that return bd_status give BD_OK or the error they set, the ones that
 * return an int give a value index or a negative status.
 */
#ifndef BD_TFLITE_INTERNAL_H
#define BD_TFLITE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "import/tflite/flatbuf.h"
#include "import/tflite/tflite.h"

/* BuiltinOperator codes (schema.fbs). */
enum {
    TFL_ADD = 0, TFL_AVERAGE_POOL_2D = 1, TFL_CONCATENATION = 2, TFL_CONV_2D = 3,
    TFL_DEPTHWISE_CONV_2D = 4, TFL_DEPTH_TO_SPACE = 5, TFL_DEQUANTIZE = 6,
    TFL_FULLY_CONNECTED = 9, TFL_LOGISTIC = 14, TFL_MAX_POOL_2D = 17, TFL_MUL = 18,
    TFL_RELU = 19, TFL_RELU_N1_TO_1 = 20, TFL_RELU6 = 21, TFL_RESHAPE = 22,
    TFL_RESIZE_BILINEAR = 23, TFL_SOFTMAX = 25, TFL_TANH = 28, TFL_CUSTOM = 32, TFL_PAD = 34,
    TFL_TRANSPOSE = 39, TFL_MEAN = 40, TFL_SUB = 41, TFL_DIV = 42, TFL_SQUEEZE = 43,
    TFL_STRIDED_SLICE = 45, TFL_PRELU = 54, TFL_PADV2 = 60, TFL_TRANSPOSE_CONV = 67,
    TFL_EXPAND_DIMS = 70, TFL_LEAKY_RELU = 98, TFL_MIRROR_PAD = 100, TFL_HARD_SWISH = 117,
    TFL_DENSIFY = 124,
};

/* BuiltinOptions union type ids (schema.fbs). */
enum {
    OPT_CONV2D = 1, OPT_DWCONV2D = 2, OPT_POOL2D = 5, OPT_FULLY_CONNECTED = 8, OPT_SOFTMAX = 9,
    OPT_CONCAT = 10, OPT_ADD = 11, OPT_RESIZE_BILINEAR = 15, OPT_RESHAPE = 17, OPT_MUL = 21,
    OPT_REDUCER = 27, OPT_SUB = 28, OPT_DIV = 29, OPT_TRANSPOSE_CONV = 49, OPT_LEAKY_RELU = 75,
    OPT_STRIDED_SLICE = 32, OPT_MIRROR_PAD = 77, OPT_DEPTH_TO_SPACE = 94,
};

/* One entry of Model.operator_codes. */
typedef struct opcode {
    int code; /* BuiltinOperator: max(deprecated_builtin_code, builtin_code) */
    int version;
    char custom[64]; /* custom_code, truncated */
} opcode;

/* The state of one import. */
typedef struct importer {
    const fb_buf *buf; /* the whole file (borrowed) */
    bd_graph *g;       /* the graph being built */
    bd_err *err;
    const bd_model_options *opts; /* limits */
    opcode *codes;                /* [n_codes], owned; freed by bd_tflite_import */
    uint32_t n_codes;
    fb_vec buffers; /* Model.buffers */
    int n_tensors;  /* subgraph 0's tensor count = IR values 0..n_tensors-1 */
} importer;

/* Sets a BD_ERR_FORMAT error naming what was malformed and returns it (needs im). */
#define MALFORMED(what) bd_err_set(im->err, BD_ERR_FORMAT, "malformed TFLite file: %s", what)

/* ---- tensors (tflite_tensors.c) ------------------------------------------------------ */

/* Reads tensor i of the subgraph into IR value i (shape, dtype, constant data;
 * sparse constants are made dense). */
bd_status bd_tfl_read_tensor(importer *im, const fb_vec *tensors, uint32_t i);

/* ---- lowering helpers (tflite_lower.c) ----------------------------------------------- */

/* Reads the int32 constant tensor v of exactly n elements into out[0..n). */
bd_status bd_tfl_const_i32(importer *im, int op_index, int v, int n, int32_t *out);
/* Reads input k of n, a constant int32 or int64 tensor of exactly count elements,
 * into out[0..count); values outside int32 are an error. */
bd_status bd_tfl_const_ints(importer *im, const bd_node *n, int k, int count, int64_t *out);
/* fused_activation_function (schema ActivationFunctionType) -> node epilogue. */
bd_status bd_tfl_set_act(importer *im, bd_node *n, uint8_t fa);
/* Checks n's stride, dilation and window (kh x kw) and turns the Padding enum
 * (SAME = 0, VALID = 1) into explicit pads for an in_h x in_w input. */
bd_status bd_tfl_set_padding(importer *im, bd_node *n, uint8_t padding, int64_t in_h, int64_t in_w,
                             int kh, int kw);
/* Checks that n's first input is 4-D and gives its H and W. */
bd_status bd_tfl_input4(importer *im, const bd_node *n, int64_t *h, int64_t *w);
/* Adds node n (copied) to the graph. */
bd_status bd_tfl_add_node(importer *im, const bd_node *n);
/* Adds an f32 activation value "<tensor v's name>/<suffix>" of the given shape. */
int bd_tfl_add_temp(importer *im, int v, const char *suffix, int n_dims, const int64_t *dims);
/* Adds n writing a value of shape dims, RESHAPEd into n's declared output when
 * that has another shape. */
bd_status bd_tfl_add_reshaped(importer *im, bd_node *n, int n_dims, const int64_t *dims);

/* The ops that lower to more than one node or need their constant inputs read;
 * each takes n with its op, inputs and output filled and adds the node(s). */
bd_status bd_tfl_lower_fc(importer *im, bd_node *n, bool keep_dims);
bd_status bd_tfl_lower_tconv(importer *im, bd_node *n, uint8_t padding, uint8_t fa);
bd_status bd_tfl_lower_pad(importer *im, bd_node *n, int mode);
bd_status bd_tfl_lower_strided_slice(importer *im, bd_node *n, int32_t begin_mask, int32_t end_mask,
                                     int32_t shrink_mask);
bd_status bd_tfl_lower_depth_to_space(importer *im, bd_node *n, int32_t block);

#endif /* BD_TFLITE_INTERNAL_H */
