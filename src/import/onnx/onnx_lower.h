/*
 * onnx_lower.h -- private interface of the ONNX -> IR lowering, shared by the
 * driver (onnx_import.c), the bookkeeping (onnx_values.c) and the op families
 * (onnx_elementwise.c, onnx_conv.c, onnx_nn.c, onnx_shape.c, onnx_fold.c).
 *
 * Layout strategy. ONNX tensors are NCHW; our IR and kernels are NHWC. Rather
 * than a separate layout pass, the importer tracks, for every ONNX value, which IR
 * value holds it and in which axis order:
 *
 *     IR dims[j] = ONNX dims[perm[j]]      (and the elements correspond likewise)
 *
 * so perm = identity is "stored as ONNX sees it" and perm = {0,2,3,1} is "an NCHW
 * tensor stored NHWC". Consequences:
 *   - Transpose never moves data: its output is the same IR value with the
 *     composed perm (out_perm[j] = inverse(transpose_perm)[in_perm[j]]). The
 *     NHWC->NCHW Transpose that tf2onnx puts after an NHWC graph input, and the
 *     NCHW<->NHWC pairs around squeeze-excite blocks, cost nothing.
 *   - Spatial ops (Conv, ConvTranspose, pools, Resize, GlobalAveragePool) ask for
 *     their input in perm {0,2,3,1} (= NHWC in the IR) and produce that perm.
 *     Their weights are reordered at import: Conv OIHW -> OHWI, depthwise
 *     [C*M,1,KH,KW] -> [1,KH,KW,C*M], ConvTranspose [C,O,KH,KW] -> [O,KH,KW,C].
 *   - Element-wise ops keep their input's perm; constant operands are padded to
 *     the output rank (ONNX broadcasting is right-aligned) and permuted the same
 *     way, so broadcasting in the IR is the ONNX broadcast. Axis attributes
 *     (Concat, ReduceMean) are mapped through perm.
 *   - Ops that depend on memory order (Reshape, Flatten, Squeeze, Unsqueeze,
 *     MatMul, graph outputs) ask for identity. When the non-unit axes already
 *     appear in ONNX order (e.g. NCHW [1,C,1,1] stored as [1,1,1,C]) that is only
 *     a RESHAPE, or nothing at all when the IR shape already matches; otherwise a
 *     TRANSPOSE node is inserted.
 * When an op needs another perm than its input has, the converted IR value is
 * cached on the ONNX value, so several consumers share one TRANSPOSE.
 *
 * Shape arithmetic (Shape, Gather, Slice, Concat, Unsqueeze, Squeeze, Cast,
 * Add/Sub/Mul/Div, Constant, ConstantOfShape on constants) is evaluated at
 * import, since every shape is fixed once the graph inputs are. Constants stay
 * host arrays (float32 or int64, ONNX order) until a compute op consumes one.
 */
#ifndef BD_ONNX_LOWER_H
#define BD_ONNX_LOWER_H

#include "import/onnx/onnx.h"

#define MAXR ONNX_MAX_DIMS

static const int ID_PERM[MAXR] = {0, 1, 2, 3, 4, 5, 6, 7};
static const int NHWC_PERM[4] = {0, 2, 3, 1}; /* NCHW value stored NHWC */

/* One ONNX value. */
typedef struct sym {
    onnx_str name;
    bool is_const;
    int rank;              /* ONNX rank */
    int64_t dims[MAXR];    /* ONNX (logical) dims */
    /* Constants: ONNX order, n elements, float32 or int64. */
    bool is_float;
    float *f;
    int64_t *i;
    size_t n;
    /* Computed values: IR value v holds it with IR dims[j] = dims[perm[j]]. */
    int v;
    int perm[MAXR];
    int alt_v;             /* the same value converted to alt_perm, or -1 */
    int alt_perm[MAXR];
} sym;

typedef struct importer {
    bd_graph *g;
    bd_err *err;
    const bd_model_options *opts;
    onnx_model om;
    int64_t opset;
    sym *syms;
    int n_syms, cap_syms;
    int *table;            /* open-addressing hash: name -> sym index, -1 empty */
    size_t table_cap;      /* a power of two */
    const onnx_node *node; /* the node being imported */
    int node_index;
    const char *op_name;   /* static name of the node's op type */
    /* Graph inputs (onnx_import.c): the size of free spatial dims (0 = none given),
     * the image input's H and W, the dims of each recurrent state input (per file
     * input; NULL on the first pass, which takes them as 1) and the bound ratio. */
    int free_w, free_h;
    int64_t image_w, image_h;
    const int64_t (*state_dims)[MAXR];
    /* Per node: its outputs flow only through order-agnostic element-wise ops
     * into graph outputs, so they are best made in ONNX order (onnx_hint.c). */
    bool *onnx_order;
} importer;

/* One row of an op family's table: ONNX op_type -> lowering function. The
 * function lowers im->node (its inputs are defined symbols) and defines the
 * node's outputs; it returns BD_OK or fails with a message naming the node. */
typedef struct onnx_op_entry {
    const char *name;
    bd_status (*fn)(importer *im);
    int min_opset; /* first opset whose semantics the handler implements */
} onnx_op_entry;

/* The op families' tables, each ended by an entry with a NULL name. */
extern const onnx_op_entry bd_onnx_elementwise_ops[]; /* onnx_elementwise.c */
extern const onnx_op_entry bd_onnx_conv_ops[];        /* onnx_conv.c */
extern const onnx_op_entry bd_onnx_nn_ops[];          /* onnx_nn.c */
extern const onnx_op_entry bd_onnx_shape_ops[];       /* onnx_shape.c */
extern const onnx_op_entry bd_onnx_fold_ops[];        /* onnx_fold.c */

/* ---- messages (onnx_values.c) -------------------------------------------------------- */

/* Fails the current node: "node 12 'Conv__221' (Conv, opset 11): ...". Without a
 * current node (initializers, graph I/O) the message stands alone. Returns st. */
bd_status bd_onnx_fail(importer *im, bd_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define UNSUPPORTED(...) bd_onnx_fail(im, BD_ERR_UNSUPPORTED, __VA_ARGS__)
#define MALFORMED(...) bd_onnx_fail(im, BD_ERR_FORMAT, __VA_ARGS__)

/* ---- layout look-ahead (onnx_hint.c) ------------------------------------------------- */

/* Fills im->onnx_order for every node of im->om (owned by the importer). */
bd_status bd_onnx_layout_hints(importer *im);

/* ---- symbols (onnx_values.c) --------------------------------------------------------- */

/* The symbol named `name`, or NULL. */
sym *bd_onnx_lookup(importer *im, onnx_str name);
/* A fresh symbol, not named in the table (a temporary); NULL when the capacity
 * reserved up front is used up. */
sym *bd_onnx_new_sym(importer *im);
/* Defines ONNX value `name` (once: the graph is SSA); `what` names it in messages. */
bd_status bd_onnx_define(importer *im, onnx_str name, sym **out, const char *what);
/* Frees a constant's host data. */
void bd_onnx_sym_free(sym *s);
/* True if input k of the current node is present (not omitted). */
bool bd_onnx_has_in(const importer *im, int k);
/* Input k of the current node (must be present and defined). */
bd_status bd_onnx_in(importer *im, int k, sym **out);
/* Defines output k of the current node. */
bd_status bd_onnx_out(importer *im, int k, sym **out);

/* ---- constants (onnx_values.c) ------------------------------------------------------- */

/* Element k of constant s as a double / as an int64 (floats truncate; a float
 * outside int64 saturates and NaN reads as 0, since converting them is undefined
 * behaviour: the callers' range checks then refuse the value; fuzz_onnx crasher). */
static inline double cval(const sym *s, size_t k) {
    return s->is_float ? s->f[k] : (double)s->i[k];
}
static inline int64_t ival(const sym *s, size_t k) {
    if (!s->is_float) return s->i[k];
    double v = s->f[k];
    if (v != v) return 0;
    if (v >= 9223372036854775807.0) return INT64_MAX; /* 2^63 */
    if (v <= -9223372036854775808.0) return INT64_MIN;
    return (int64_t)v;
}

/* Row-major element strides of a shape of rank r. */
static inline void row_strides(const int64_t *dims, int r, size_t *stride) {
    size_t s = 1;
    for (int k = r - 1; k >= 0; k--) {
        stride[k] = s;
        s *= (size_t)dims[k];
    }
}

/* Advances the multi-index idx over dims (rank r) in row-major order, the last
 * axis fastest, like an odometer (after the last element it wraps to zeros). */
static inline void next_index(int64_t *idx, const int64_t *dims, int r) {
    for (int k = r - 1; k >= 0; k--) {
        if (++idx[k] < dims[k]) return;
        idx[k] = 0;
    }
}

/* Makes s a constant of the given shape with room for its elements. */
bd_status bd_onnx_const_alloc(importer *im, sym *s, bool is_float, int rank, const int64_t *dims);
/* Decodes a TensorProto (initializer or attribute) into constant s. */
bd_status bd_onnx_const_from_tensor(importer *im, sym *s, const onnx_tensor *t);
/* Reads constant input k as int64 / float values (at most max). */
bd_status bd_onnx_const_ints(importer *im, int k, int64_t *dst, size_t max, size_t *n);
bd_status bd_onnx_const_floats(importer *im, int k, float *dst, size_t max, size_t *n);
/* A zero-filled float32 IR constant; *data points at its elements. Returns the
 * value index or a negative status. */
int bd_onnx_new_const(importer *im, const char *name, int rank, const int64_t *dims,
                      float **data);
/* Bias input k (optional) times scale, as an IR constant [n] (zeros when absent;
 * a single value is repeated). Returns the value index or a negative status. */
int bd_onnx_bias_in(importer *im, int k, int64_t n, float scale);

/* ---- attributes of the current node (onnx_values.c) ---------------------------------- */

/* Each leaves `def` (or *n = -1 for ints) when the attribute is absent. */
bd_status bd_onnx_attr_int(importer *im, const char *name, int64_t def, int64_t *out);
bd_status bd_onnx_attr_float(importer *im, const char *name, float def, float *out);
bd_status bd_onnx_attr_str(importer *im, const char *name, const char *def, onnx_str *out);
bd_status bd_onnx_attr_ints(importer *im, const char *name, int64_t *dst, size_t max, int *n);

/* ---- IR construction and layout (onnx_values.c) -------------------------------------- */

/* Makes s a computed value held by a new IR value (named after s plus suffix) in
 * layout perm. */
bd_status bd_onnx_new_ir(importer *im, sym *s, int rank, const int64_t *onnx_dims,
                         const int *perm, const char *suffix);
/* A node of the current ONNX node (source index and op name filled, unit strides,
 * dilations and depth multiplier). */
bd_node bd_onnx_node(importer *im, bd_op_type op);
/* The same with one input, IR value in_v, and the output IR value out_v. */
bd_node bd_onnx_node1(importer *im, bd_op_type op, int in_v, int out_v);
/* The same with three inputs (data, weight, bias of the convolutions and FC). */
bd_node bd_onnx_node3(importer *im, bd_op_type op, int a, int b, int c, int out_v);
bd_status bd_onnx_add_node(importer *im, const bd_node *n);
/* An IR constant holding constant s padded to `rank` (leading 1s, as ONNX
 * broadcasting aligns right) and permuted by perm. Returns the value or < 0. */
int bd_onnx_const_ir(importer *im, const sym *s, int rank, const int *perm);
bool bd_onnx_perm_eq(const int *a, const int *b, int rank);
/* True if layouts pa and pb of a value with ONNX dims `dims` have the same
 * memory order: their non-unit axes appear in the same sequence. */
bool bd_onnx_mem_equal(const int64_t *dims, int rank, const int *pa, const int *pb);
/* The layout (perm, rank r) for an op whose result combines operands ops[0..n)
 * element by element (the binary ops, Concat): among the layouts its computed
 * operands of rank r are held or cached in, the one that transposes the fewest
 * elements. Ties go to NHWC, or to ONNX order when the node's outputs go out in
 * ONNX order (onnx_hint.c); then to the earlier candidate. ONNX order when no
 * operand is computed at rank r. */
void bd_onnx_pick_layout(const importer *im, sym *const *ops, int n, int r, int *perm);
/* The IR value holding s in layout `want` (adding a RESHAPE or TRANSPOSE node if
 * needed, cached on s; constants become IR constants). */
bd_status bd_onnx_layout(importer *im, sym *s, const int *want, int *v_out);
/* Input k as a rank-4 value in NHWC (ONNX NCHW). */
bd_status bd_onnx_spatial_in(importer *im, int k, sym **s, int *v);
/* out = in with new ONNX dims (same elements, ONNX memory order). */
bd_status bd_onnx_reshape_to(importer *im, sym *in, sym *out, int rank, const int64_t *dims);
/* Right-aligned broadcast of two ONNX shapes (numpy rules, bd_broadcast_shape);
 * false if they do not broadcast. */
bool bd_onnx_broadcast(const sym *a, const sym *b, int *rank, int64_t *dims);

/* ---- shared lowering (onnx_elementwise.c) -------------------------------------------- */

/* IR node op(a, b) with ONNX broadcasting into output 0 of the current node (out:
 * NULL, it is defined here); the result gets the layout of the first computed
 * operand of full rank. */
bd_status bd_onnx_binary(importer *im, bd_op_type op, sym *a, sym *b, sym *out);

#endif /* BD_ONNX_LOWER_H */
