/*
 * ir.h -- backdrop's graph IR: tensors (values) and nodes (ops) in execution order.
 *
 * Importers (TFLite, ONNX) build a bd_graph; shape inference and the verifier
 * (ir.c) then check every node against the rules of its op, so that the kernels can
 * trust every shape, index and size they are handed. Passes rewrite the graph; the
 * runtime plans memory and executes it.
 *
 * Layout: activations are NHWC (batch, height, width, channels), as in TFLite.
 * Weights: CONV2D  [OC, KH, KW, IC]   (OHWI)
 *          DWCONV2D [1, KH, KW, C*M]  (depth multiplier M)
 *          TCONV2D [OC, KH, KW, IC]   (OHWI, MediaPipe Convolution2DTransposeBias)
 * Biases are [OC] and always present after import (a zero bias is synthesised).
 * A convolution may have a 4th input, a residual added before its activation
 * (fused by a pass; same shape as the output).
 */
#ifndef BD_IR_H
#define BD_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "core/ops.h"

typedef enum bd_op_type {
    BD_OP_NONE = 0,   /* a dead node, removed by bd_graph_compact */
    BD_OP_CONV2D,     /* in, weight, bias [, residual] */
    BD_OP_DWCONV2D,   /* in, weight, bias [, residual] */
    BD_OP_TCONV2D,    /* in, weight, bias [, residual]: transposed convolution */
    BD_OP_ADD,        /* a, b (broadcast) */
    BD_OP_MUL,        /* a, b (broadcast) [, addend: y = a*b + addend, channel gates only] */
    BD_OP_RELU,
    BD_OP_RELU6,
    BD_OP_CLAMP,      /* min(max(x, act_min), act_max) */
    BD_OP_HARDSWISH,  /* x * relu6(x + 3) / 6 */
    BD_OP_SIGMOID,
    BD_OP_TANH,
    BD_OP_MEAN_HW,    /* mean over H and W, keep dims: [N,H,W,C] -> [N,1,1,C] */
    BD_OP_AVGPOOL2D,  /* average over valid (unpadded) taps, TFLite rule */
    BD_OP_MAXPOOL2D,
    BD_OP_RESIZE_BILINEAR,
    BD_OP_CONCAT,     /* n inputs along `axis` */
    BD_OP_RESHAPE,    /* data unchanged; only the shape */
    BD_OP_DEQUANTIZE, /* f16 constant -> f32; folded away at compile */
    BD_OP_TRANSPOSE,  /* out dims[i] = in dims[perm[i]] (any rank; numpy semantics) */
    BD_OP_FULLY_CONNECTED, /* in [.., K], weight [N, K], bias [N] -> [.., N] (+ act) */
    BD_OP_SUB,        /* a - b (broadcast) */
    BD_OP_DIV,        /* a / b (broadcast) */
    BD_OP_PRELU,      /* x, slope (broadcast): x < 0 ? x * slope : x */
    BD_OP_SOFTMAX,    /* over the axes [axis, axis + axis_n) (contiguous in memory) */
    BD_OP_PAD,        /* pads[] before/after each axis; pad_mode, pad_value */
    BD_OP_SLICE,      /* out[i] = in[begin + i * step] per axis (step != 0) */
    BD_OP_RESIZE_NEAREST, /* NHWC, ONNX Resize nearest (coord_mode, nearest_mode, scales) */
    BD_OP_INSTANCE_NORM,  /* x [N,H,W,C], scale [C], bias [C] (constants), epsilon:
                           * per image and channel, (x - mean_hw) / sqrt(var_hw + eps)
                           * * scale + bias (no fused activation) */
    BD_OP_RESIZE_AFFINE,  /* a, x, b: y = resize(a) * x + resize(b), the bilinear resize
                           * of a and b [N,H,W,C] to out_h x out_w (align_corners,
                           * half_pixel); x and y any shape of N*out_h*out_w*C elements
                           * in that order. Made by fusion only (passes/fuse.c). */
    BD_OP_COUNT
} bd_op_type;

#define BD_MAX_NODE_INPUTS 8

typedef struct bd_value {
    char *name;          /* owned by the graph */
    bd_dtype dtype;
    int n_dims;
    int64_t dims[BD_MAX_DIMS];
    size_t n_elems;      /* product of dims (checked against limits) */
    size_t n_bytes;      /* n_elems * dtype size */
    void *data;          /* constant data (aligned, owned by the graph), or NULL */
    bool is_const;
    bool is_input;       /* a graph input */
    bool is_output;      /* a graph output (or an extra output) */
    unsigned free_dims;  /* graph input: bit k = dim k was symbolic and set at load */
    /* Filled by bd_graph_analyse: */
    int producer;        /* node index, -1 for constants and inputs */
    int n_consumers;
    int first_use, last_use; /* node indices of the live range */
    size_t arena_offset; /* filled by the planner */
    int alias_of;        /* value whose memory this one shares (reshape, concat part), -1 */
    size_t alias_offset; /* bytes into alias_of's memory where this one starts */
} bd_value;

typedef struct bd_conv_attr {
    int stride_h, stride_w;
    int dilation_h, dilation_w;
    int pad_top, pad_left, pad_bottom, pad_right; /* explicit, resolved at import */
    int kernel_h, kernel_w;                       /* pooling window (pool ops only) */
    int depth_multiplier;                         /* DWCONV2D */
} bd_conv_attr;

typedef struct bd_node {
    bd_op_type op;
    int n_inputs;
    int inputs[BD_MAX_NODE_INPUTS]; /* value indices */
    int output;                     /* one output per node */
    bd_conv_attr conv;              /* conv, dwconv, tconv, pools */
    bd_act act;                     /* fused activation */
    bool residual_after_act;        /* DWCONV2D with a residual: add it after act */
    float act_min, act_max;         /* for BD_ACT_CLAMP */
    bool align_corners, half_pixel; /* RESIZE_BILINEAR, RESIZE_AFFINE */
    int64_t out_h, out_w;           /* RESIZE_BILINEAR, RESIZE_AFFINE output size */
    int axis;                       /* CONCAT (normalised to >= 0) */
    int perm[BD_MAX_DIMS];          /* TRANSPOSE */
    int axis_n;                     /* SOFTMAX: number of axes from `axis` */
    int64_t pads[2 * BD_MAX_DIMS];  /* PAD: before (0..r-1), after (r..2r-1);
                                     * SLICE: begin (0..r-1), step (r..2r-1) */
    int pad_mode;                   /* PAD: BD_PAD_* */
    float pad_value;                /* PAD constant */
    int coord_mode, nearest_mode;   /* RESIZE_NEAREST: BD_COORD_*, BD_NEAREST_* */
    float scale_h, scale_w;         /* RESIZE_NEAREST: output / input scale */
    float epsilon;                  /* INSTANCE_NORM */
    int norm_c0, norm_c1;           /* INSTANCE_NORM: channels [c0, c1) are normalised,
                                     * the others only scaled and shifted (scale * x +
                                     * bias); norm_c1 == 0: every channel */
    float *packed;                  /* conv weights+bias packed for the chosen kernel
                                     * (owned; set at compile time) */
    uint16_t *packed_f16;           /* FP16 storage: the same as IEEE halves for the
                                     * table's _f16 kernel, instead of packed (owned) */
    uint16_t *packed_bf16;          /* BF16: bf16 weights + fp32 bias for the table's
                                     * conv2d_bf16, instead of packed (owned) */
    int8_t *packed_int8;            /* INT8: s8 weights, scales, fp32 bias for the
                                     * table's conv2d_int8, instead of packed (owned) */
    bool wino;                      /* CONV2D: packed is for the table's conv2d_wino
                                     * (Winograd F(4x4, 3x3), kernels/wino.h) */
    bool concat_skipped;            /* CONCAT: not run; its one consumer, the BF16 conv
                                     * after it, converts the parts (model.c fold_concats) */
    int src_index;                  /* index of the op in the source file */
    const char *src_name;           /* op name in the source file (static) */
} bd_node;

typedef struct bd_graph {
    bd_value *values;
    int n_values, cap_values;
    bd_node *nodes;
    int n_nodes, cap_nodes;
    int *inputs, n_inputs;   /* value indices of graph inputs */
    int *outputs, n_outputs; /* value indices of graph outputs (incl. extra) */
    char *description;       /* owned, may be NULL */
    /* Conventions the file states (ONNX metadata_props "backdrop.KEY"), as sidecar
     * text "KEY = VALUE" lines; owned, may be NULL (runtime/conventions.c). */
    char *conventions;
    /* Facts about the source file, kept for `backdrop info`: */
    int n_src_ops;             /* ops in the file */
    int64_t n_params;          /* float constant elements (weights, biases) */
    float downsample_ratio;    /* the value bound to RVM's downsample_ratio input, 0 = none */
    struct bd_op_hist {
        char name[48];
        int count;
    } *hist;                   /* op histogram, order of first appearance */
    int n_hist, cap_hist;
    size_t max_tensor_bytes; /* limit from the options */
} bd_graph;

const char *bd_op_name(bd_op_type op);
size_t bd_dtype_size(bd_dtype dt);

void bd_graph_init(bd_graph *g, size_t max_tensor_bytes);
void bd_graph_free(bd_graph *g);

/* Adds a value; name is copied; dims are checked (1..BD_MAX_DIMS dims, each >= 1,
 * element and byte counts within limits). Returns the index or a negative status
 * (with err set). */
int bd_graph_add_value(bd_graph *g, const char *name, bd_dtype dtype, int n_dims,
                       const int64_t *dims, bd_err *err);
/* Counts one source op of the given name in the histogram (import facts). */
bd_status bd_graph_count_src_op(bd_graph *g, const char *name, bd_err *err);
/* Adds a node (copied); returns its index or a negative status. */
int bd_graph_add_node(bd_graph *g, const bd_node *node, bd_err *err);
/* Changes a value's shape (checked as in add_value). */
bd_status bd_value_set_shape(bd_graph *g, int v, int n_dims, const int64_t *dims, bd_err *err);

/* ---- helpers shared by the importers (ir.c) ---- */

/* Makes value v a constant: gives it v's n_bytes of aligned data (owned by the
 * graph), copied from src (borrowed; n_bytes long) or zero-filled when src is
 * NULL. Returns BD_OK or BD_ERR_NO_MEMORY (with err set). */
bd_status bd_value_set_const(bd_graph *g, int v, const void *src, bd_err *err);
/* Adds a zero-filled constant value (bd_graph_add_value, then bd_value_set_const);
 * *data, if data is not NULL, points at its elements afterwards. Returns the
 * index or a negative status (with err set). */
int bd_graph_add_const(bd_graph *g, const char *name, bd_dtype dtype, int n_dims,
                       const int64_t *dims, void **data, bd_err *err);
/* Clears *n and sets op, the source op's index and name (static): unit strides
 * and dilations, depth multiplier 1, no activation, no inputs. */
void bd_node_init(bd_node *n, bd_op_type op, int src_index, const char *src_name);
/* Numpy broadcasting of shapes a (rank na) and b (rank nb), aligned on the right:
 * *n_out = max(na, nb) and out[i] the larger of each pair (a size-1 axis
 * stretches). Returns false if an axis pair differs with neither of size 1;
 * *bad_axis (if not NULL) is then that output axis. */
bool bd_broadcast_shape(int na, const int64_t *a, int nb, const int64_t *b, int *n_out,
                        int64_t *out, int *bad_axis);
/* Copies a name of len bytes from a model file into dst (size > 0 bytes),
 * truncated and NUL-terminated, with bytes outside printable ASCII as '?' so
 * that messages stay printable. Returns dst. */
/* True if graph input `in` and output `out` are named as a recurrent state pair
 * (P_in/P_out, P.in/P.out, P_i/P_o, Pin/Pout, Pi/Po as RVM's r1i/r1o, P/P_out). */
bool bd_state_names_pair(const char *in, const char *out);
const char *bd_name_print(char *dst, size_t size, const char *s, size_t len);

/* Verifies structure and infers every node's output shape: each node's inputs exist
 * and are constants, graph inputs or outputs of earlier nodes; each value has at
 * most one producer; the op's arity, dtypes and input shapes are legal; the output
 * shape equals the inferred one (a declared shape that disagrees is an error).
 * Afterwards kernels may rely on all shapes. */
bd_status bd_graph_verify(bd_graph *g, bd_err *err);

/* Removes BD_OP_NONE nodes and values no longer referenced (keeping graph inputs
 * and outputs), renumbering indices. */
bd_status bd_graph_compact(bd_graph *g, bd_err *err);

/* Fills producer, n_consumers, first_use and last_use of every value. */
void bd_graph_analyse(bd_graph *g);

/* Is SLICE node n one contiguous run of its input (every axis before the first
 * one it takes several indices of at extent 1, that one at step 1, the rest
 * whole)? Then *offset_bytes is where the run starts; the planner makes such an
 * output a view into the input (when the input is no graph input). */
bool bd_slice_view(const bd_graph *g, const bd_node *n, size_t *offset_bytes);

/* True if MUL node n multiplies a full tensor by a per-channel gate: one input
 * has the output's shape, the other is [1,...,1,C] with C the last dimension.
 * Sets *full and *gate to their input positions. (Squeeze-excite gating; such a
 * MUL may carry a fused addend as a third input, with the output's shape.) */
bool bd_mul_is_channel_gate(const bd_graph *g, const bd_node *n, int *full, int *gate);
/* True if value v is a float constant with data holding a single value or one value
 * per channel of a c-channel tensor ([.., c] with every other dim 1): the operand of
 * a per-channel multiply or add that the passes fold. */
bool bd_value_is_channel_const(const bd_graph *g, int v, int64_t c);

/* Index of the graph's first dense node (CONV2D or FULLY_CONNECTED; the stem,
 * which INT8 keeps fp32), or -1 if it has none. */
int bd_graph_first_dense(const bd_graph *g);

/* Multiply-adds of one node (0 for non-MAC ops). */
int64_t bd_node_macs(const bd_graph *g, const bd_node *n);

/* Output size of a convolution-like window along one axis: TF "SAME"/"VALID"
 * resolved into explicit padding. Returns false if the geometry is impossible. */
bool bd_conv_out_size(int64_t in, int k, int stride, int dilation, int pad_before,
                      int pad_after, int64_t *out);

/* TensorFlow SAME padding for one axis: out = ceil(in / stride),
 * pad_total = max((out - 1) * stride + (k - 1) * dilation + 1 - in, 0),
 * before = pad_total / 2, after = the rest. */
void bd_same_padding(int64_t in, int k, int stride, int dilation, int *before, int *after);

#endif /* BD_IR_H */
