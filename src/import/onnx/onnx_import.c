/*
 * onnx_import.c -- ONNX graph (decoded by onnx.c) -> backdrop graph IR.
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
 * Add/Sub/Mul/Div, Constant, ConstantOfShape on constants) is evaluated here at
 * import, since every shape is fixed once the graph inputs are. Constants stay
 * host arrays (float32 or int64, ONNX order) until a compute op consumes one.
 *
 * Op semantics follow the ONNX operator specification (onnx/docs/Operators.md)
 * for opsets 7..22; version differences are noted where handled. An unsupported
 * op or attribute fails with the op type, node index and name, and the opset.
 */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
} importer;

/* ---- messages ---------------------------------------------------------------------- */

/* Fails the current node: "node 12 'Conv__221' (Conv, opset 11): ...". */
static bd_status node_fail(importer *im, bd_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bd_status node_fail(importer *im, bd_status st, const char *fmt, ...) {
    char msg[BD_ERR_MSG_SIZE], name[64], op[48];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!im->node) return bd_err_set(im->err, st, "%s", msg); /* initializers, graph I/O */
    onnx_str_print(im->node->name, name, sizeof name);
    onnx_str_print(im->node->op_type, op, sizeof op);
    return bd_err_set(im->err, st, "node %d '%s' (%s, opset %lld): %s", im->node_index, name, op,
                      (long long)im->opset, msg);
}

#define UNSUPPORTED(...) node_fail(im, BD_ERR_UNSUPPORTED, __VA_ARGS__)
#define MALFORMED(...) node_fail(im, BD_ERR_FORMAT, __VA_ARGS__)

/* ---- symbols ----------------------------------------------------------------------- */

static size_t hash_str(onnx_str s) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < s.len; i++) h = (h ^ (uint8_t)s.s[i]) * 1099511628211ull;
    return (size_t)h;
}

static sym *lookup(importer *im, onnx_str name) {
    size_t mask = im->table_cap - 1;
    for (size_t at = hash_str(name) & mask;; at = (at + 1) & mask) {
        int k = im->table[at];
        if (k < 0) return NULL;
        if (onnx_str_same(im->syms[k].name, name)) return &im->syms[k];
    }
}

/* A fresh symbol (not named in the table). Capacity was reserved up front. */
static sym *new_sym(importer *im) {
    if (im->n_syms >= im->cap_syms) return NULL;
    sym *s = &im->syms[im->n_syms++];
    memset(s, 0, sizeof *s);
    s->v = -1;
    s->alt_v = -1;
    return s;
}

/* Defines ONNX value `name`; an SSA graph defines each name once. */
static bd_status define(importer *im, onnx_str name, sym **out, const char *what) {
    char buf[64];
    if (name.len == 0)
        return bd_err_set(im->err, BD_ERR_FORMAT, "%s has an empty name", what);
    if (lookup(im, name))
        return bd_err_set(im->err, BD_ERR_FORMAT, "value '%s' (%s) is defined twice",
                          onnx_str_print(name, buf, sizeof buf), what);
    sym *s = new_sym(im);
    if (!s) return bd_err_set(im->err, BD_ERR_LIMIT, "too many values");
    s->name = name;
    size_t mask = im->table_cap - 1, at = hash_str(name) & mask;
    while (im->table[at] >= 0) at = (at + 1) & mask;
    im->table[at] = (int)(s - im->syms);
    *out = s;
    return BD_OK;
}

static void sym_free_data(sym *s) {
    free(s->f);
    free(s->i);
    s->f = NULL;
    s->i = NULL;
}

/* NUL-terminated copy of an ONNX name for IR values and messages. */
static const char *cname(onnx_str s, char *buf, size_t size) { return onnx_str_print(s, buf, size); }

static bool has_in(const importer *im, int k) {
    return k < im->node->n_inputs && im->node->inputs[k].len > 0;
}

/* Input k of the current node (must be present and defined). */
static bd_status get_in(importer *im, int k, sym **out) {
    char buf[64];
    if (!has_in(im, k)) return MALFORMED("input %d is missing", k);
    sym *s = lookup(im, im->node->inputs[k]);
    if (!s)
        return MALFORMED("input '%s' is not defined by an earlier node, an initializer or a "
                         "graph input",
                         cname(im->node->inputs[k], buf, sizeof buf));
    *out = s;
    return BD_OK;
}

/* Defines output k of the current node. */
static bd_status def_out(importer *im, int k, sym **out) {
    if (k >= im->node->n_outputs || im->node->outputs[k].len == 0)
        return MALFORMED("output %d is missing", k);
    return define(im, im->node->outputs[k], out, "a node output");
}

/* ---- constants --------------------------------------------------------------------- */

/* Makes s a constant of the given shape with room for its elements. */
static bd_status const_alloc(importer *im, sym *s, bool is_float, int rank, const int64_t *dims) {
    size_t n = 1, bytes;
    if (rank < 0 || rank > MAXR) return UNSUPPORTED("constant of rank %d", rank);
    for (int k = 0; k < rank; k++) {
        if (dims[k] < 0 || (uint64_t)dims[k] > (uint64_t)SIZE_MAX ||
            !bd_size_mul(n, (size_t)dims[k], &n))
            return MALFORMED("constant with invalid dimension %lld", (long long)dims[k]);
    }
    if (!bd_size_mul(n, 8, &bytes) || bytes > im->g->max_tensor_bytes)
        return bd_err_set(im->err, BD_ERR_LIMIT, "a constant of %zu elements exceeds the limit",
                          n);
    s->is_const = true;
    s->is_float = is_float;
    s->rank = rank;
    for (int k = 0; k < rank; k++) s->dims[k] = dims[k];
    s->n = n;
    if (is_float) s->f = malloc(sizeof(float) * (n ? n : 1));
    else s->i = malloc(sizeof(int64_t) * (n ? n : 1));
    if (is_float ? !s->f : !s->i) return bd_err_set(im->err, BD_ERR_NO_MEMORY, "out of memory");
    return BD_OK;
}

static double cval(const sym *s, size_t k) { return s->is_float ? s->f[k] : (double)s->i[k]; }
static int64_t ival(const sym *s, size_t k) { return s->is_float ? (int64_t)s->f[k] : s->i[k]; }

/* Decodes a TensorProto (initializer or attribute) into constant s. */
static bd_status const_from_tensor(importer *im, sym *s, const onnx_tensor *t) {
    bool is_float = onnx_dtype_is_float(t->data_type);
    bd_status st = const_alloc(im, s, is_float, t->n_dims, t->dims);
    if (st) return st;
    return is_float ? onnx_tensor_f32(t, s->f, im->err) : onnx_tensor_i64(t, s->i, im->err);
}

/* Reads constant input k as int64 values (at most max). */
static bd_status const_ints(importer *im, int k, int64_t *dst, size_t max, size_t *n) {
    sym *s;
    bd_status st = get_in(im, k, &s);
    if (st) return st;
    if (!s->is_const) {
        char nb[64];
        return UNSUPPORTED("input %d ('%s') must be a constant, but it is computed at run time "
                           "from the graph's inputs; shapes, scales and sizes are folded only "
                           "when constant (fix such an input, e.g. RVM's downsample_ratio, "
                           "when exporting)",
                           k, onnx_str_print(s->name, nb, sizeof nb));
    }
    if (s->n > max) return UNSUPPORTED("input %d has %zu elements (at most %zu)", k, s->n, max);
    for (size_t j = 0; j < s->n; j++) dst[j] = ival(s, j);
    *n = s->n;
    return BD_OK;
}

static bd_status const_floats(importer *im, int k, float *dst, size_t max, size_t *n) {
    sym *s;
    bd_status st = get_in(im, k, &s);
    if (st) return st;
    if (!s->is_const) {
        char nb[64];
        return UNSUPPORTED("input %d ('%s') must be a constant, but it is computed at run time "
                           "from the graph's inputs; shapes, scales and sizes are folded only "
                           "when constant (fix such an input, e.g. RVM's downsample_ratio, "
                           "when exporting)",
                           k, onnx_str_print(s->name, nb, sizeof nb));
    }
    if (s->n > max) return UNSUPPORTED("input %d has %zu elements (at most %zu)", k, s->n, max);
    for (size_t j = 0; j < s->n; j++) dst[j] = (float)cval(s, j);
    *n = s->n;
    return BD_OK;
}

/* ---- attributes -------------------------------------------------------------------- */

static bd_status attr_int(importer *im, const char *name, int64_t def, int64_t *out) {
    const onnx_attr *a = onnx_node_attr(im->node, name);
    *out = def;
    if (!a) return BD_OK;
    if (a->type != ONNX_ATTR_INT) return MALFORMED("attribute '%s' is not an int", name);
    *out = a->i;
    return BD_OK;
}

static bd_status attr_float(importer *im, const char *name, float def, float *out) {
    const onnx_attr *a = onnx_node_attr(im->node, name);
    *out = def;
    if (!a) return BD_OK;
    if (a->type != ONNX_ATTR_FLOAT) return MALFORMED("attribute '%s' is not a float", name);
    *out = a->f;
    return BD_OK;
}

/* String attribute; *out stays `def` when absent. */
static bd_status attr_str(importer *im, const char *name, const char *def, onnx_str *out) {
    const onnx_attr *a = onnx_node_attr(im->node, name);
    out->s = def;
    out->len = strlen(def);
    if (!a) return BD_OK;
    if (a->type != ONNX_ATTR_STRING) return MALFORMED("attribute '%s' is not a string", name);
    *out = a->s;
    return BD_OK;
}

/* ints attribute into dst[max]; *n = -1 when absent. */
static bd_status attr_ints(importer *im, const char *name, int64_t *dst, size_t max, int *n) {
    const onnx_attr *a = onnx_node_attr(im->node, name);
    size_t got;
    *n = -1;
    if (!a) return BD_OK;
    if (a->type != ONNX_ATTR_INTS) return MALFORMED("attribute '%s' is not a list of ints", name);
    if (!onnx_attr_ints(a, dst, max, &got))
        return UNSUPPORTED("attribute '%s' has %zu values (at most %zu)", name, a->n_ints, max);
    *n = (int)got;
    return BD_OK;
}

/* ---- IR construction --------------------------------------------------------------- */

static void ir_dims_of(const int64_t *onnx_dims, int rank, const int *perm, int64_t *out) {
    for (int j = 0; j < rank; j++) out[j] = onnx_dims[perm[j]];
}

static int add_value(importer *im, const char *name, int rank, const int64_t *dims) {
    if (rank > BD_MAX_DIMS) {
        UNSUPPORTED("tensor '%s' has rank %d (at most %d)", name, rank, BD_MAX_DIMS);
        return BD_ERR_UNSUPPORTED;
    }
    return bd_graph_add_value(im->g, name, BD_DTYPE_F32, rank, dims, im->err);
}

/* Makes s a computed value held by a new IR value (named after s) in `perm`. */
static bd_status new_ir(importer *im, sym *s, int rank, const int64_t *onnx_dims, const int *perm,
                        const char *suffix) {
    char name[200], base[160];
    int64_t d[MAXR];
    if (rank > MAXR) return UNSUPPORTED("result of rank %d", rank);
    snprintf(name, sizeof name, "%s%s", cname(s->name, base, sizeof base), suffix);
    s->is_const = false;
    s->rank = rank;
    for (int k = 0; k < rank; k++) {
        s->dims[k] = onnx_dims[k];
        s->perm[k] = perm[k];
    }
    ir_dims_of(onnx_dims, rank, perm, d);
    int v = add_value(im, name, rank, d);
    if (v < 0) return v;
    s->v = v;
    s->alt_v = -1;
    return BD_OK;
}

static bd_node node_init(importer *im, bd_op_type op) {
    bd_node n;
    memset(&n, 0, sizeof n);
    n.op = op;
    n.src_index = im->node_index;
    n.src_name = im->op_name;
    n.conv.stride_h = n.conv.stride_w = n.conv.dilation_h = n.conv.dilation_w = 1;
    n.conv.depth_multiplier = 1;
    return n;
}

static bd_status add_node(importer *im, const bd_node *n) {
    int r = bd_graph_add_node(im->g, n, im->err);
    return r < 0 ? r : BD_OK;
}

/* An IR constant holding constant s padded to `rank` (leading 1s, as ONNX
 * broadcasting aligns right) and permuted by perm. Returns the value or < 0. */
static int const_ir(importer *im, const sym *s, int rank, const int *perm) {
    char name[200], base[160];
    int64_t pd[MAXR], d[MAXR];
    int lead = rank - s->rank;
    if (lead < 0 || rank > BD_MAX_DIMS) {
        UNSUPPORTED("constant '%s' of rank %d used at rank %d",
                    cname(s->name, base, sizeof base), s->rank, rank);
        return BD_ERR_UNSUPPORTED;
    }
    for (int k = 0; k < rank; k++) pd[k] = k < lead ? 1 : s->dims[k - lead];
    for (int k = 0; k < rank; k++)
        if (pd[k] < 1) {
            UNSUPPORTED("empty constant '%s'", cname(s->name, base, sizeof base));
            return BD_ERR_UNSUPPORTED;
        }
    ir_dims_of(pd, rank, perm, d);
    snprintf(name, sizeof name, "%s", s->name.len ? cname(s->name, base, sizeof base) : "const");
    int v = bd_graph_add_value(im->g, name, BD_DTYPE_F32, rank, d, im->err);
    if (v < 0) return v;
    bd_value *val = &im->g->values[v];
    float *dst = bd_aligned_alloc(val->n_bytes);
    if (!dst) return bd_err_set(im->err, BD_ERR_NO_MEMORY, "out of memory");
    /* dst at IR index (i_0..i_r-1) = src at ONNX index a with a[perm[j]] = i_j. */
    size_t src_stride[MAXR], st = 1;
    for (int k = rank - 1; k >= 0; k--) {
        src_stride[k] = st;
        st *= (size_t)pd[k];
    }
    int64_t idx[MAXR] = {0};
    for (size_t e = 0; e < val->n_elems; e++) {
        size_t off = 0;
        for (int j = 0; j < rank; j++) off += (size_t)idx[j] * src_stride[perm[j]];
        dst[e] = (float)cval(s, off);
        for (int j = rank - 1; j >= 0; j--) { /* odometer over IR dims */
            if (++idx[j] < d[j]) break;
            idx[j] = 0;
        }
    }
    val->data = dst;
    val->is_const = true;
    return v;
}

static bool perm_eq(const int *a, const int *b, int rank) {
    for (int k = 0; k < rank; k++)
        if (a[k] != b[k]) return false;
    return true;
}

/* True if layouts pa and pb of a value with ONNX dims `dims` have the same
 * memory order: their non-unit axes appear in the same sequence. */
static bool mem_equal(const int64_t *dims, int rank, const int *pa, const int *pb) {
    int ja = 0, jb = 0;
    for (;;) {
        while (ja < rank && dims[pa[ja]] == 1) ja++;
        while (jb < rank && dims[pb[jb]] == 1) jb++;
        if (ja == rank || jb == rank) return ja == rank && jb == rank;
        if (pa[ja++] != pb[jb++]) return false;
    }
}

/* The IR value holding s in layout `want` (adding a RESHAPE or TRANSPOSE node if
 * needed; constants become IR constants). */
static bd_status layout(importer *im, sym *s, const int *want, int *v_out) {
    if (s->is_const) {
        int v = const_ir(im, s, s->rank, want);
        if (v < 0) return v;
        *v_out = v;
        return BD_OK;
    }
    if (perm_eq(s->perm, want, s->rank)) {
        *v_out = s->v;
        return BD_OK;
    }
    if (s->alt_v >= 0 && perm_eq(s->alt_perm, want, s->rank)) {
        *v_out = s->alt_v;
        return BD_OK;
    }
    char name[200], base[160];
    int64_t d[MAXR];
    ir_dims_of(s->dims, s->rank, want, d);
    bool same_mem = mem_equal(s->dims, s->rank, s->perm, want);
    snprintf(name, sizeof name, "%s/%s", cname(s->name, base, sizeof base),
             same_mem ? "reshaped" : "transposed");
    int v = add_value(im, name, s->rank, d);
    if (v < 0) return v;
    bd_node n = node_init(im, same_mem ? BD_OP_RESHAPE : BD_OP_TRANSPOSE);
    n.n_inputs = 1;
    n.inputs[0] = s->v;
    n.output = v;
    if (!same_mem) {
        /* IR' axis i is ONNX axis want[i], which is IR axis inv(perm)[want[i]]. */
        int inv[MAXR];
        for (int j = 0; j < s->rank; j++) inv[s->perm[j]] = j;
        for (int i = 0; i < s->rank; i++) n.perm[i] = inv[want[i]];
    }
    bd_status st = add_node(im, &n);
    if (st) return st;
    s->alt_v = v;
    memcpy(s->alt_perm, want, sizeof(int) * (size_t)s->rank);
    *v_out = v;
    return BD_OK;
}

/* Input k as a rank-4 value in NHWC (ONNX NCHW). */
static bd_status spatial_in(importer *im, int k, sym **s, int *v) {
    bd_status st = get_in(im, k, s);
    if (st) return st;
    char buf[64];
    if ((*s)->rank != 4)
        return UNSUPPORTED("input '%s' has rank %d; only 2-D spatial (NCHW) data is supported",
                           cname((*s)->name, buf, sizeof buf), (*s)->rank);
    if ((*s)->is_const) return UNSUPPORTED("a constant spatial input");
    return layout(im, *s, NHWC_PERM, v);
}

/* Unary op node: out = op(in), same layout. */
static bd_status unary(importer *im, bd_op_type op, float lo, float hi) {
    sym *in, *out;
    bd_status st;
    int v;
    if ((st = get_in(im, 0, &in))) return st;
    const int *perm = in->is_const ? ID_PERM : in->perm;
    if ((st = layout(im, in, perm, &v)) || (st = def_out(im, 0, &out)) ||
        (st = new_ir(im, out, in->rank, in->dims, perm, "")))
        return st;
    bd_node n = node_init(im, op);
    n.n_inputs = 1;
    n.inputs[0] = v;
    n.output = out->v;
    n.act_min = lo;
    n.act_max = hi;
    return add_node(im, &n);
}

/* ---- reshape-like ops -------------------------------------------------------------- */

/* out = in with new ONNX dims (same elements, ONNX memory order). */
static bd_status reshape_to(importer *im, sym *in, sym *out, int rank, const int64_t *dims) {
    size_t n = 1;
    for (int k = 0; k < rank; k++) {
        if (dims[k] < 0 || !bd_size_mul(n, (size_t)dims[k], &n))
            return MALFORMED("invalid target dimension %lld", (long long)dims[k]);
    }
    size_t have = 1;
    for (int k = 0; k < in->rank; k++) have *= (size_t)in->dims[k];
    if (n != have) return MALFORMED("reshape from %zu to %zu elements", have, n);
    if (in->is_const) {
        bd_status st = const_alloc(im, out, in->is_float, rank, dims);
        if (st) return st;
        if (in->is_float) memcpy(out->f, in->f, sizeof(float) * n);
        else memcpy(out->i, in->i, sizeof(int64_t) * n);
        return BD_OK;
    }
    if (rank > BD_MAX_DIMS) return UNSUPPORTED("result of rank %d", rank);
    int v = in->v;
    bd_status st;
    if (!mem_equal(in->dims, in->rank, in->perm, ID_PERM) &&
        (st = layout(im, in, ID_PERM, &v)))
        return st;
    const bd_value *val = &im->g->values[v];
    bool same = val->n_dims == rank;
    for (int k = 0; same && k < rank; k++) same = val->dims[k] == dims[k];
    out->is_const = false;
    out->rank = rank;
    for (int k = 0; k < rank; k++) {
        out->dims[k] = dims[k];
        out->perm[k] = k;
    }
    if (same) { /* the IR value already has this shape in this memory order */
        out->v = v;
        out->alt_v = -1;
        return BD_OK;
    }
    if ((st = new_ir(im, out, rank, dims, ID_PERM, ""))) return st;
    bd_node nd = node_init(im, BD_OP_RESHAPE);
    nd.n_inputs = 1;
    nd.inputs[0] = v;
    nd.output = out->v;
    return add_node(im, &nd);
}

/* Reshape (opset 5+: shape is input 1; allowzero from opset 14). */
static bd_status op_reshape(importer *im) {
    sym *in, *out;
    int64_t shape[MAXR], allowzero = 0;
    size_t n;
    bd_status st;
    if ((st = get_in(im, 0, &in)) || (st = const_ints(im, 1, shape, MAXR, &n)) ||
        (st = attr_int(im, "allowzero", 0, &allowzero)))
        return st;
    int infer = -1;
    size_t known = 1, total = 1;
    for (int k = 0; k < in->rank; k++) total *= (size_t)in->dims[k];
    for (size_t k = 0; k < n; k++) {
        if (shape[k] == 0 && !allowzero) { /* 0 copies the input dimension */
            if ((int)k >= in->rank) return MALFORMED("shape[%zu] = 0 beyond the input rank", k);
            shape[k] = in->dims[k];
        }
        if (shape[k] == -1) {
            if (infer >= 0) return MALFORMED("more than one -1 in the shape");
            infer = (int)k;
            continue;
        }
        if (shape[k] < 0 || !bd_size_mul(known, (size_t)shape[k], &known))
            return MALFORMED("invalid shape[%zu] = %lld", k, (long long)shape[k]);
    }
    if (infer >= 0) {
        if (known == 0 || total % known) return MALFORMED("cannot infer the -1 dimension");
        shape[infer] = (int64_t)(total / known);
    }
    if ((st = def_out(im, 0, &out))) return st;
    return reshape_to(im, in, out, (int)n, shape);
}

/* Flatten: [prod(d[0:axis]), prod(d[axis:])], axis default 1 (negative from opset 11). */
static bd_status op_flatten(importer *im) {
    sym *in, *out;
    int64_t axis;
    bd_status st;
    if ((st = get_in(im, 0, &in)) || (st = attr_int(im, "axis", 1, &axis))) return st;
    if (axis < 0) axis += in->rank;
    if (axis < 0 || axis > in->rank) return MALFORMED("axis %lld out of range", (long long)axis);
    int64_t d[2] = {1, 1};
    for (int k = 0; k < in->rank; k++) d[k < axis ? 0 : 1] *= in->dims[k];
    if ((st = def_out(im, 0, &out))) return st;
    return reshape_to(im, in, out, 2, d);
}

/* Squeeze / Unsqueeze: axes from the attribute (opset < 13) or input 1 (13+). */
static bd_status get_axes(importer *im, int64_t *axes, int *n_axes) {
    if (im->opset >= 13) {
        size_t n = 0;
        *n_axes = -1;
        if (!has_in(im, 1)) return BD_OK;
        bd_status st = const_ints(im, 1, axes, MAXR, &n);
        *n_axes = (int)n;
        return st;
    }
    return attr_ints(im, "axes", axes, MAXR, n_axes);
}

static bd_status op_squeeze(importer *im) {
    sym *in, *out;
    int64_t axes[MAXR], d[MAXR];
    int n_axes, r = 0;
    bool drop[MAXR] = {false};
    bd_status st;
    if ((st = get_in(im, 0, &in)) || (st = get_axes(im, axes, &n_axes))) return st;
    for (int k = 0; k < n_axes; k++) {
        int64_t a = axes[k] < 0 ? axes[k] + in->rank : axes[k];
        if (a < 0 || a >= in->rank || in->dims[a] != 1)
            return MALFORMED("cannot squeeze axis %lld", (long long)axes[k]);
        drop[a] = true;
    }
    for (int k = 0; k < in->rank; k++)
        if (!(n_axes < 0 ? in->dims[k] == 1 : drop[k])) d[r++] = in->dims[k];
    if ((st = def_out(im, 0, &out))) return st;
    return reshape_to(im, in, out, r, d);
}

static bd_status op_unsqueeze(importer *im) {
    sym *in, *out;
    int64_t axes[MAXR], d[MAXR];
    int n_axes;
    bool ins[MAXR] = {false};
    bd_status st;
    if ((st = get_in(im, 0, &in)) || (st = get_axes(im, axes, &n_axes))) return st;
    if (n_axes < 0) return MALFORMED("no axes");
    int r = in->rank + n_axes;
    if (r > MAXR) return UNSUPPORTED("result of rank %d", r);
    for (int k = 0; k < n_axes; k++) {
        int64_t a = axes[k] < 0 ? axes[k] + r : axes[k];
        if (a < 0 || a >= r || ins[a]) return MALFORMED("invalid axis %lld", (long long)axes[k]);
        ins[a] = true;
    }
    for (int k = 0, j = 0; k < r; k++) d[k] = ins[k] ? 1 : in->dims[j++];
    if ((st = def_out(im, 0, &out))) return st;
    return reshape_to(im, in, out, r, d);
}

/* Transpose: no data moves; the output is the input's IR value with the composed
 * perm (see the file comment). Constants are transposed here. perm defaults to
 * reversing the axes. */
static bd_status op_transpose(importer *im) {
    sym *in, *out;
    int64_t p[MAXR];
    int np;
    bool seen[MAXR] = {false};
    bd_status st;
    if ((st = get_in(im, 0, &in)) || (st = attr_ints(im, "perm", p, MAXR, &np))) return st;
    if (np < 0) {
        np = in->rank;
        for (int k = 0; k < np; k++) p[k] = np - 1 - k;
    }
    if (np != in->rank) return MALFORMED("perm has %d entries for rank %d", np, in->rank);
    for (int k = 0; k < np; k++) {
        if (p[k] < 0 || p[k] >= np || seen[p[k]]) return MALFORMED("perm is not a permutation");
        seen[p[k]] = true;
    }
    if ((st = def_out(im, 0, &out))) return st;
    int64_t od[MAXR] = {0};
    for (int k = 0; k < np; k++) od[k] = in->dims[p[k]];
    if (in->is_const) {
        if ((st = const_alloc(im, out, in->is_float, np, od))) return st;
        size_t stride[MAXR], s = 1;
        for (int k = np - 1; k >= 0; k--) {
            stride[k] = s;
            s *= (size_t)in->dims[k];
        }
        int64_t idx[MAXR] = {0};
        for (size_t e = 0; e < out->n; e++) {
            size_t off = 0;
            for (int k = 0; k < np; k++) off += (size_t)idx[k] * stride[p[k]];
            if (in->is_float) out->f[e] = in->f[off];
            else out->i[e] = in->i[off];
            for (int k = np - 1; k >= 0; k--) {
                if (++idx[k] < od[k]) break;
                idx[k] = 0;
            }
        }
        return BD_OK;
    }
    int inv[MAXR];
    for (int k = 0; k < np; k++) inv[p[k]] = k;
    out->is_const = false;
    out->rank = np;
    for (int k = 0; k < np; k++) {
        out->dims[k] = od[k];
        out->perm[k] = inv[in->perm[k]];
    }
    out->v = in->v;
    out->alt_v = -1;
    return BD_OK;
}

/* Identity, and Dropout in inference (output 0 only). */
static bd_status op_identity(importer *im) {
    sym *in, *out;
    bd_status st;
    if ((st = get_in(im, 0, &in)) || (st = def_out(im, 0, &out))) return st;
    onnx_str name = out->name;
    *out = *in;
    out->name = name;
    if (in->is_const) { /* deep copy: each symbol owns its data */
        out->f = NULL;
        out->i = NULL;
        if ((st = const_alloc(im, out, in->is_float, in->rank, in->dims))) return st;
        if (in->is_float) memcpy(out->f, in->f, sizeof(float) * in->n);
        else memcpy(out->i, in->i, sizeof(int64_t) * in->n);
    }
    return BD_OK;
}

/* ---- element-wise ------------------------------------------------------------------ */

/* Right-aligned broadcast of two ONNX shapes (numpy rules). */
static bool broadcast(const sym *a, const sym *b, int *rank, int64_t *dims) {
    int r = a->rank > b->rank ? a->rank : b->rank;
    for (int k = 0; k < r; k++) {
        int ka = a->rank - r + k, kb = b->rank - r + k;
        int64_t da = ka >= 0 ? a->dims[ka] : 1, db = kb >= 0 ? b->dims[kb] : 1;
        if (da != db && da != 1 && db != 1) return false;
        dims[k] = da == 1 ? db : da;
    }
    *rank = r;
    return true;
}

/* Constant folding of Add/Sub/Mul/Div (float, or int64 when both are ints; ONNX
 * integer Div truncates, like C). */
static bd_status fold_binary(importer *im, char op, const sym *a, const sym *b, sym *out) {
    int r;
    int64_t d[MAXR];
    if (!broadcast(a, b, &r, d)) return MALFORMED("shapes do not broadcast");
    bool is_float = a->is_float || b->is_float;
    bd_status st = const_alloc(im, out, is_float, r, d);
    if (st) return st;
    int64_t idx[MAXR] = {0};
    for (size_t e = 0; e < out->n; e++) {
        size_t oa = 0, ob = 0;
        for (int k = 0; k < r; k++) {
            int ka = a->rank - r + k, kb = b->rank - r + k;
            if (ka >= 0) oa = oa * (size_t)a->dims[ka] + (a->dims[ka] == 1 ? 0 : (size_t)idx[k]);
            if (kb >= 0) ob = ob * (size_t)b->dims[kb] + (b->dims[kb] == 1 ? 0 : (size_t)idx[k]);
        }
        if (is_float) {
            double x = cval(a, oa), y = cval(b, ob);
            out->f[e] = (float)(op == '+' ? x + y : op == '-' ? x - y : op == '*' ? x * y : x / y);
        } else {
            int64_t x = a->i[oa], y = b->i[ob];
            if (op == '/' && (y == 0 || (x == INT64_MIN && y == -1)))
                return MALFORMED("integer division by zero in a constant");
            /* wrap-around arithmetic via unsigned, as shapes never get there */
            out->i[e] = op == '+'   ? (int64_t)((uint64_t)x + (uint64_t)y)
                        : op == '-' ? (int64_t)((uint64_t)x - (uint64_t)y)
                        : op == '*' ? (int64_t)((uint64_t)x * (uint64_t)y)
                                    : x / y;
        }
        for (int k = r - 1; k >= 0; k--) {
            if (++idx[k] < d[k]) break;
            idx[k] = 0;
        }
    }
    return BD_OK;
}

/* A temporary scalar or per-element constant built from b by f(x). */
static bd_status const_map(importer *im, const sym *b, sym **out, char how) {
    sym *t = new_sym(im);
    if (!t) return bd_err_set(im->err, BD_ERR_LIMIT, "too many values");
    bd_status st = const_alloc(im, t, true, b->rank, b->dims);
    if (st) return st;
    t->name = b->name;
    for (size_t k = 0; k < b->n; k++) {
        double x = cval(b, k);
        t->f[k] = (float)(how == '-' ? -x : 1.0 / x);
    }
    *out = t;
    return BD_OK;
}

/* IR node op(a, b) with ONNX broadcasting; out gets the layout of the first
 * computed operand of full rank. */
static bd_status binary_ir(importer *im, bd_op_type op, sym *a, sym *b, sym *out) {
    int r;
    int64_t d[MAXR];
    bd_status st;
    if (!broadcast(a, b, &r, d)) return MALFORMED("shapes do not broadcast");
    if (r > BD_MAX_DIMS) return UNSUPPORTED("result of rank %d", r);
    const int *target = ID_PERM;
    if (!a->is_const && a->rank == r) target = a->perm;
    else if (!b->is_const && b->rank == r) target = b->perm;
    int tp[MAXR];
    memcpy(tp, target, sizeof(int) * (size_t)r);
    sym *ops[2] = {a, b};
    int v[2];
    for (int k = 0; k < 2; k++) {
        sym *s = ops[k];
        if (s->is_const) {
            if ((v[k] = const_ir(im, s, r, tp)) < 0) return v[k];
        } else if (s->rank == r) {
            if ((st = layout(im, s, tp, &v[k]))) return st;
        } else if (perm_eq(tp, ID_PERM, r) && perm_eq(s->perm, ID_PERM, s->rank)) {
            v[k] = s->v; /* both in ONNX order: IR broadcasting is ONNX broadcasting */
        } else {
            /* Lower rank in another layout: give it the leading unit axes first. */
            sym *t = new_sym(im);
            int64_t pd[MAXR];
            if (!t) return bd_err_set(im->err, BD_ERR_LIMIT, "too many values");
            int lead = r - s->rank;
            for (int j = 0; j < r; j++) pd[j] = j < lead ? 1 : s->dims[j - lead];
            t->name = s->name;
            if ((st = reshape_to(im, s, t, r, pd)) || (st = layout(im, t, tp, &v[k]))) return st;
        }
    }
    if ((st = def_out(im, 0, &out)) || (st = new_ir(im, out, r, d, tp, ""))) return st;
    bd_node n = node_init(im, op);
    n.n_inputs = 2;
    n.inputs[0] = v[0];
    n.inputs[1] = v[1];
    n.output = out->v;
    return add_node(im, &n);
}

/* Add, Sub, Mul, Div (opset 7+: multidirectional broadcasting). */
static bd_status op_arith(importer *im) {
    sym *a, *b, *out = NULL;
    bd_status st;
    char op = onnx_str_eq(im->node->op_type, "Add")   ? '+'
              : onnx_str_eq(im->node->op_type, "Sub") ? '-'
              : onnx_str_eq(im->node->op_type, "Mul") ? '*'
                                                       : '/';
    if ((st = get_in(im, 0, &a)) || (st = get_in(im, 1, &b))) return st;
    if (a->is_const && b->is_const) {
        if ((st = def_out(im, 0, &out))) return st;
        return fold_binary(im, op, a, b, out);
    }
    switch (op) {
    case '+': return binary_ir(im, BD_OP_ADD, a, b, out);
    case '*': return binary_ir(im, BD_OP_MUL, a, b, out);
    case '/': /* x / c = x * (1/c): differs from a true division by at most 1 ulp */
        if (!b->is_const) return binary_ir(im, BD_OP_DIV, a, b, out);
        if ((st = const_map(im, b, &b, '/'))) return st;
        return binary_ir(im, BD_OP_MUL, a, b, out);
    default: /* '-'; x - c = x + (-c) exactly */
        if (b->is_const) {
            if ((st = const_map(im, b, &b, '-'))) return st;
            return binary_ir(im, BD_OP_ADD, a, b, out);
        }
        return binary_ir(im, BD_OP_SUB, a, b, out);
    }
}

/* Relu, Sigmoid, Tanh, HardSwish (opset 14). */
static bd_status op_relu(importer *im) { return unary(im, BD_OP_RELU, 0, 0); }
static bd_status op_sigmoid(importer *im) { return unary(im, BD_OP_SIGMOID, 0, 0); }
static bd_status op_tanh(importer *im) { return unary(im, BD_OP_TANH, 0, 0); }
static bd_status op_hardswish(importer *im) { return unary(im, BD_OP_HARDSWISH, 0, 0); }

/* Clip: bounds are attributes min/max before opset 11, optional constant inputs
 * 1 and 2 from opset 11 (absent = no bound). [0, 6] is RELU6, [0, inf) RELU. */
static bd_status op_clip(importer *im) {
    float lo = -INFINITY, hi = INFINITY;
    bd_status st;
    if (im->opset < 11) {
        if ((st = attr_float(im, "min", -FLT_MAX, &lo)) || (st = attr_float(im, "max", FLT_MAX, &hi)))
            return st;
    } else {
        size_t n;
        if (has_in(im, 1) && (st = const_floats(im, 1, &lo, 1, &n))) return st;
        if (has_in(im, 2) && (st = const_floats(im, 2, &hi, 1, &n))) return st;
    }
    if (isnan(lo) || isnan(hi)) return UNSUPPORTED("NaN bounds");
    if (lo == 0.0f && hi == 6.0f) return unary(im, BD_OP_RELU6, 0, 0);
    if (lo == 0.0f && hi >= FLT_MAX) return unary(im, BD_OP_RELU, 0, 0);
    return unary(im, BD_OP_CLAMP, lo, hi);
}

/* ---- convolutions ------------------------------------------------------------------ */

typedef struct conv_geom {
    int64_t k[2], s[2], d[2], pads[4]; /* pads: top, left, bottom, right */
    bool same_upper, same_lower;       /* auto_pad */
} conv_geom;

/* Reads kernel_shape, strides, dilations, pads, auto_pad (Conv, ConvTranspose,
 * AveragePool, MaxPool share these, onnx Operators.md). */
static bd_status read_geom(importer *im, conv_geom *g, const int64_t *kernel_from_weight) {
    int64_t v[8];
    int n;
    bd_status st;
    for (int k = 0; k < 2; k++) {
        g->s[k] = g->d[k] = 1;
        g->k[k] = kernel_from_weight ? kernel_from_weight[k] : 0;
    }
    memset(g->pads, 0, sizeof g->pads);
    if ((st = attr_ints(im, "kernel_shape", v, 8, &n))) return st;
    if (n >= 0) {
        if (n != 2) return UNSUPPORTED("kernel_shape has %d entries (2-D only)", n);
        if (kernel_from_weight && (v[0] != g->k[0] || v[1] != g->k[1]))
            return MALFORMED("kernel_shape disagrees with the weight");
        g->k[0] = v[0];
        g->k[1] = v[1];
    }
    if ((st = attr_ints(im, "strides", v, 8, &n))) return st;
    if (n >= 0 && n != 2) return UNSUPPORTED("strides has %d entries", n);
    if (n == 2) g->s[0] = v[0], g->s[1] = v[1];
    if ((st = attr_ints(im, "dilations", v, 8, &n))) return st;
    if (n >= 0 && n != 2) return UNSUPPORTED("dilations has %d entries", n);
    if (n == 2) g->d[0] = v[0], g->d[1] = v[1];
    if ((st = attr_ints(im, "pads", v, 8, &n))) return st;
    if (n >= 0 && n != 4) return UNSUPPORTED("pads has %d entries", n);
    if (n == 4) memcpy(g->pads, v, sizeof g->pads);
    for (int k = 0; k < 2; k++)
        if (g->k[k] < 1 || g->k[k] > 4096 || g->s[k] < 1 || g->s[k] > 4096 || g->d[k] < 1 ||
            g->d[k] > 64)
            return MALFORMED("invalid kernel %lld, stride %lld or dilation %lld",
                             (long long)g->k[k], (long long)g->s[k], (long long)g->d[k]);
    for (int k = 0; k < 4; k++)
        if (g->pads[k] < 0 || g->pads[k] > 4096)
            return UNSUPPORTED("padding %lld", (long long)g->pads[k]);
    onnx_str ap;
    if ((st = attr_str(im, "auto_pad", "NOTSET", &ap))) return st;
    g->same_upper = onnx_str_eq(ap, "SAME_UPPER");
    g->same_lower = onnx_str_eq(ap, "SAME_LOWER");
    if (onnx_str_eq(ap, "VALID")) memset(g->pads, 0, sizeof g->pads);
    else if (!g->same_upper && !g->same_lower && !onnx_str_eq(ap, "NOTSET"))
        return MALFORMED("unknown auto_pad");
    return BD_OK;
}

/* Resolves SAME_UPPER / SAME_LOWER for a forward window over in_h x in_w:
 * out = ceil(in / stride), the odd pixel of padding at the end (UPPER) or at the
 * beginning (LOWER). */
static void resolve_same(conv_geom *g, int64_t in_h, int64_t in_w) {
    if (!g->same_upper && !g->same_lower) return;
    int b, a;
    const int64_t in[2] = {in_h, in_w};
    for (int k = 0; k < 2; k++) {
        bd_same_padding(in[k], (int)g->k[k], (int)g->s[k], (int)g->d[k], &b, &a);
        if (g->same_lower) {
            int t = b;
            b = a;
            a = t;
        }
        g->pads[k] = b;
        g->pads[k + 2] = a;
    }
}

static void set_conv_attr(bd_node *n, const conv_geom *g) {
    n->conv.stride_h = (int)g->s[0];
    n->conv.stride_w = (int)g->s[1];
    n->conv.dilation_h = (int)g->d[0];
    n->conv.dilation_w = (int)g->d[1];
    n->conv.pad_top = (int)g->pads[0];
    n->conv.pad_left = (int)g->pads[1];
    n->conv.pad_bottom = (int)g->pads[2];
    n->conv.pad_right = (int)g->pads[3];
    n->conv.kernel_h = (int)g->k[0];
    n->conv.kernel_w = (int)g->k[1];
}

/* An IR constant of `count` floats with dims, filled by the caller. */
static int new_const(importer *im, const char *name, int rank, const int64_t *dims, float **data) {
    int v = bd_graph_add_value(im->g, name, BD_DTYPE_F32, rank, dims, im->err);
    if (v < 0) return v;
    bd_value *val = &im->g->values[v];
    val->data = bd_aligned_alloc(val->n_bytes);
    if (!val->data) return bd_err_set(im->err, BD_ERR_NO_MEMORY, "out of memory");
    memset(val->data, 0, val->n_bytes);
    val->is_const = true;
    *data = val->data;
    return v;
}

/* Bias input k (optional): an IR constant [n] (zeros when absent). */
static int bias_in(importer *im, int k, int64_t n, float scale) {
    float *b = NULL;
    sym *s = NULL;
    if (has_in(im, k)) {
        bd_status st = get_in(im, k, &s);
        if (st) return st;
        if (!s->is_const) return UNSUPPORTED("bias must be a constant");
        if (s->n != (size_t)n && s->n != 1)
            return MALFORMED("bias has %zu values, expected %lld", s->n, (long long)n);
    }
    char name[160], base[128];
    snprintf(name, sizeof name, "%s", s ? cname(s->name, base, sizeof base) : "zero_bias");
    int v = new_const(im, name, 1, &n, &b);
    if (v < 0) return v;
    for (int64_t c = 0; s && c < n; c++) b[c] = scale * (float)cval(s, s->n == 1 ? 0 : (size_t)c);
    return v;
}

/* Conv (opset 1, 11: same attributes). X [N,C,H,W], W [O, C/group, KH, KW], B [O]. */
static bd_status op_conv(importer *im) {
    sym *x, *w, *out;
    int xv;
    bd_status st;
    if ((st = spatial_in(im, 0, &x, &xv)) || (st = get_in(im, 1, &w))) return st;
    if (!w->is_const || w->rank != 4)
        return UNSUPPORTED("the weight must be a constant 4-D tensor");
    int64_t group, o = w->dims[0], cg = w->dims[1], c = x->dims[1];
    conv_geom g;
    if ((st = attr_int(im, "group", 1, &group)) || (st = read_geom(im, &g, &w->dims[2]))) return st;
    if (group < 1 || cg * group != c || o % group != 0)
        return MALFORMED("group %lld: weight [%lld,%lld,..] does not fit %lld input channels",
                         (long long)group, (long long)o, (long long)cg, (long long)c);
    resolve_same(&g, x->dims[2], x->dims[3]);
    int64_t oh, ow;
    if (!bd_conv_out_size(x->dims[2], (int)g.k[0], (int)g.s[0], (int)g.d[0], (int)g.pads[0],
                          (int)g.pads[2], &oh) ||
        !bd_conv_out_size(x->dims[3], (int)g.k[1], (int)g.s[1], (int)g.d[1], (int)g.pads[1],
                          (int)g.pads[3], &ow))
        return MALFORMED("the window does not fit the input");
    bool dw = group == c && cg == 1 && group > 1;
    int64_t kh = g.k[0], kw = g.k[1];
    char name[160], base[128];
    cname(w->name, base, sizeof base);
    snprintf(name, sizeof name, "%s", base);
    float *wd = NULL;
    int wv;
    if (dw) { /* [C*M, 1, KH, KW] -> [1, KH, KW, C*M] */
        int64_t d[4] = {1, kh, kw, o};
        if ((wv = new_const(im, name, 4, d, &wd)) < 0) return wv;
        for (int64_t oc = 0; oc < o; oc++)
            for (int64_t y = 0; y < kh; y++)
                for (int64_t z = 0; z < kw; z++)
                    wd[(y * kw + z) * o + oc] = w->f ? w->f[(oc * kh + y) * kw + z]
                                                     : (float)w->i[(oc * kh + y) * kw + z];
    } else { /* OIHW -> OHWI; a grouped conv becomes block-diagonal dense weights */
        int64_t d[4] = {o, kh, kw, c};
        if ((wv = new_const(im, name, 4, d, &wd)) < 0) return wv;
        int64_t og = o / group;
        for (int64_t oc = 0; oc < o; oc++) {
            int64_t c0 = (oc / og) * cg;
            for (int64_t ic = 0; ic < cg; ic++)
                for (int64_t y = 0; y < kh; y++)
                    for (int64_t z = 0; z < kw; z++)
                        wd[((oc * kh + y) * kw + z) * c + c0 + ic] =
                            (float)cval(w, (size_t)(((oc * cg + ic) * kh + y) * kw + z));
        }
    }
    int bv = bias_in(im, 2, o, 1.0f);
    if (bv < 0) return bv;
    int64_t od[4] = {x->dims[0], o, oh, ow};
    if ((st = def_out(im, 0, &out)) || (st = new_ir(im, out, 4, od, NHWC_PERM, ""))) return st;
    bd_node n = node_init(im, dw ? BD_OP_DWCONV2D : BD_OP_CONV2D);
    set_conv_attr(&n, &g);
    n.conv.kernel_h = n.conv.kernel_w = 0; /* convolutions take the kernel from the weight */
    n.conv.depth_multiplier = dw ? (int)(o / c) : 1;
    n.n_inputs = 3;
    n.inputs[0] = xv;
    n.inputs[1] = wv;
    n.inputs[2] = bv;
    n.output = out->v;
    return add_node(im, &n);
}

/* ConvTranspose: X [N,C,H,W], W [C, O/group, KH, KW]. Output size per axis:
 *   out = stride*(in-1) + output_padding + (k-1)*dilation + 1 - pad_begin - pad_end
 * With output_shape given the pads are derived (Operators.md, ConvTranspose):
 *   total = stride*(in-1) + output_padding + (k-1)*dilation + 1 - output_shape,
 *   SAME_UPPER: begin = total/2; otherwise begin = total - total/2; end = the rest. */
static bd_status op_conv_transpose(importer *im) {
    sym *x, *w, *out;
    int xv;
    bd_status st;
    if ((st = spatial_in(im, 0, &x, &xv)) || (st = get_in(im, 1, &w))) return st;
    if (!w->is_const || w->rank != 4)
        return UNSUPPORTED("the weight must be a constant 4-D tensor");
    int64_t group, c = x->dims[1], og = w->dims[1], kh = w->dims[2], kw = w->dims[3];
    conv_geom g;
    int64_t outpad[2] = {0, 0}, oshape[4];
    int n_op, n_os;
    if ((st = attr_int(im, "group", 1, &group)) || (st = read_geom(im, &g, &w->dims[2])) ||
        (st = attr_ints(im, "output_padding", outpad, 2, &n_op)) ||
        (st = attr_ints(im, "output_shape", oshape, 4, &n_os)))
        return st;
    if (group < 1 || c % group != 0 || og > ((int64_t)1 << 20) / group)
        return MALFORMED("group %lld does not divide %lld input channels", (long long)group,
                         (long long)c);
    int64_t o = og * group, cg = c / group;
    if (w->dims[0] != c)
        return MALFORMED("weight has %lld input channels, the input %lld", (long long)w->dims[0],
                         (long long)c);
    if (g.d[0] != 1 || g.d[1] != 1) return UNSUPPORTED("dilations other than 1");
    if (n_op < 0) outpad[0] = outpad[1] = 0;
    else if (n_op != 2) return MALFORMED("output_padding has %d entries", n_op);
    int64_t full[2], in[2] = {x->dims[2], x->dims[3]}, odims[2];
    for (int k = 0; k < 2; k++) {
        if (outpad[k] < 0 || outpad[k] >= 4096) return MALFORMED("invalid output_padding");
        full[k] = g.s[k] * (in[k] - 1) + outpad[k] + g.k[k];
    }
    bool derive = n_os >= 0 || g.same_upper || g.same_lower;
    for (int k = 0; k < 2; k++) {
        if (derive) {
            int64_t want = n_os == 2 ? oshape[k] : n_os == 4 ? oshape[k + 2] : in[k] * g.s[k];
            if (n_os >= 0 && n_os != 2 && n_os != 4)
                return MALFORMED("output_shape has %d entries", n_os);
            int64_t total = full[k] - want;
            if (total < 0 || total > 8192)
                return UNSUPPORTED("output_shape %lld needs padding %lld", (long long)want,
                                   (long long)total);
            g.pads[k] = g.same_upper ? total / 2 : total - total / 2;
            g.pads[k + 2] = total - g.pads[k];
        }
        odims[k] = full[k] - g.pads[k] - g.pads[k + 2];
        /* Our TCONV2D computes stride*(in-1) + k - pad_begin - pad_end; fold the
         * output_padding into a smaller end padding. */
        g.pads[k + 2] -= outpad[k];
        if (g.pads[k + 2] < 0)
            return UNSUPPORTED("output_padding beyond the end padding (extra output rows)");
        if (odims[k] < 1) return MALFORMED("empty output");
    }
    float *wd = NULL;
    int wv;
    char name[160];
    /* [C, O/group, KH, KW] -> [O, KH, KW, C]; with groups, output channel oc of
     * group oc / og reads only input channels of that group (block-diagonal,
     * zeros elsewhere: new_const zero-fills). */
    int64_t d[4] = {o, kh, kw, c};
    cname(w->name, name, sizeof name);
    if ((wv = new_const(im, name, 4, d, &wd)) < 0) return wv;
    for (int64_t oc = 0; oc < o; oc++) {
        int64_t gi = oc / og, ocl = oc % og;
        for (int64_t y = 0; y < kh; y++)
            for (int64_t z = 0; z < kw; z++)
                for (int64_t ic = gi * cg; ic < (gi + 1) * cg; ic++)
                    wd[((oc * kh + y) * kw + z) * c + ic] =
                        (float)cval(w, (size_t)(((ic * og + ocl) * kh + y) * kw + z));
    }
    int bv = bias_in(im, 2, o, 1.0f);
    if (bv < 0) return bv;
    int64_t od[4] = {x->dims[0], o, odims[0], odims[1]};
    if ((st = def_out(im, 0, &out)) || (st = new_ir(im, out, 4, od, NHWC_PERM, ""))) return st;
    bd_node n = node_init(im, BD_OP_TCONV2D);
    set_conv_attr(&n, &g);
    n.conv.kernel_h = n.conv.kernel_w = 0;
    n.n_inputs = 3;
    n.inputs[0] = xv;
    n.inputs[1] = wv;
    n.inputs[2] = bv;
    n.output = out->v;
    return add_node(im, &n);
}

/* ---- pooling and reductions -------------------------------------------------------- */

/* The mean over H and W of NCHW input xv into output 0 (keepdims). */
static bd_status mean_hw(importer *im, sym *x, int xv, bool keepdims) {
    sym *out, *tmp;
    bd_status st;
    int64_t od[4] = {x->dims[0], x->dims[1], 1, 1};
    if (keepdims) {
        if ((st = def_out(im, 0, &out))) return st;
        tmp = out;
    } else {
        if (!(tmp = new_sym(im))) return bd_err_set(im->err, BD_ERR_LIMIT, "too many values");
        tmp->name = im->node->outputs[0];
    }
    if ((st = new_ir(im, tmp, 4, od, NHWC_PERM, keepdims ? "" : "/keepdims"))) return st;
    bd_node n = node_init(im, BD_OP_MEAN_HW);
    n.n_inputs = 1;
    n.inputs[0] = xv;
    n.output = tmp->v;
    if ((st = add_node(im, &n)) || keepdims) return st;
    if ((st = def_out(im, 0, &out))) return st;
    return reshape_to(im, tmp, out, 2, od);
}

/* AveragePool / MaxPool (opset 7..22). count_include_pad = 0 (the default)
 * divides by the taps inside the input, as our AVGPOOL2D does; ceil_mode
 * (opset 10+) is accepted when it gives the same size as floor. */
static bd_status op_pool(importer *im) {
    sym *x, *out;
    int xv;
    bd_status st;
    bool is_max = onnx_str_eq(im->node->op_type, "MaxPool");
    int64_t cip = 0, ceil_mode = 0;
    conv_geom g;
    if ((st = spatial_in(im, 0, &x, &xv)) || (st = read_geom(im, &g, NULL)) ||
        (st = attr_int(im, "count_include_pad", 0, &cip)) ||
        (st = attr_int(im, "ceil_mode", 0, &ceil_mode)))
        return st;
    if (im->node->n_outputs > 1 && im->node->outputs[1].len)
        return UNSUPPORTED("the Indices output of MaxPool");
    if (g.d[0] != 1 || g.d[1] != 1) return UNSUPPORTED("dilations other than 1");
    resolve_same(&g, x->dims[2], x->dims[3]);
    bool padded = g.pads[0] || g.pads[1] || g.pads[2] || g.pads[3];
    if (!is_max && cip && padded) return UNSUPPORTED("count_include_pad = 1 with padding");
    int64_t oh, ow;
    if (!bd_conv_out_size(x->dims[2], (int)g.k[0], (int)g.s[0], 1, (int)g.pads[0],
                          (int)g.pads[2], &oh) ||
        !bd_conv_out_size(x->dims[3], (int)g.k[1], (int)g.s[1], 1, (int)g.pads[1],
                          (int)g.pads[3], &ow))
        return MALFORMED("the window does not fit the input");
    if (ceil_mode) {
        int64_t rh = (x->dims[2] + g.pads[0] + g.pads[2] - g.k[0]) % g.s[0];
        int64_t rw = (x->dims[3] + g.pads[1] + g.pads[3] - g.k[1]) % g.s[1];
        if (rh || rw) return UNSUPPORTED("ceil_mode = 1 where it changes the output size");
    }
    /* A window covering the whole unpadded plane is a global mean. */
    if (!is_max && !padded && g.k[0] == x->dims[2] && g.k[1] == x->dims[3])
        return mean_hw(im, x, xv, true);
    int64_t od[4] = {x->dims[0], x->dims[1], oh, ow};
    if ((st = def_out(im, 0, &out)) || (st = new_ir(im, out, 4, od, NHWC_PERM, ""))) return st;
    bd_node n = node_init(im, is_max ? BD_OP_MAXPOOL2D : BD_OP_AVGPOOL2D);
    set_conv_attr(&n, &g);
    n.n_inputs = 1;
    n.inputs[0] = xv;
    n.output = out->v;
    return add_node(im, &n);
}

static bd_status op_global_avg_pool(importer *im) {
    sym *x;
    int xv;
    bd_status st = spatial_in(im, 0, &x, &xv);
    return st ? st : mean_hw(im, x, xv, true);
}

/* ReduceMean over the spatial axes {2,3} of an NCHW tensor (axes: attribute
 * before opset 18, input 1 from 18; keepdims default 1). */
static bd_status op_reduce_mean(importer *im) {
    sym *x;
    int xv, n_axes;
    int64_t axes[MAXR], keep;
    bd_status st;
    if ((st = get_in(im, 0, &x)) || (st = attr_int(im, "keepdims", 1, &keep))) return st;
    if (im->opset >= 18) {
        size_t n = 0;
        n_axes = -1;
        if (has_in(im, 1)) {
            if ((st = const_ints(im, 1, axes, MAXR, &n))) return st;
            n_axes = (int)n;
        }
    } else if ((st = attr_ints(im, "axes", axes, MAXR, &n_axes))) {
        return st;
    }
    bool hw = x->rank == 4 && n_axes == 2;
    for (int k = 0; hw && k < 2; k++) {
        int64_t a = axes[k] < 0 ? axes[k] + 4 : axes[k];
        hw = a == 2 || a == 3;
    }
    if (!hw || axes[0] == axes[1])
        return UNSUPPORTED("ReduceMean is supported over the spatial axes {2,3} of a 4-D "
                           "tensor only");
    if ((st = spatial_in(im, 0, &x, &xv))) return st;
    return mean_hw(im, x, xv, keep != 0);
}

/* ---- resize ------------------------------------------------------------------------ */

/* Resize / Upsample with mode nearest on the spatial axes of an NCHW tensor.
 * The source index follows ONNX Runtime: the coordinate mode maps an output index
 * to a float input coordinate using the scale (the given scale, or out/in when
 * sizes are given), then nearest_mode (default round_prefer_floor) rounds it.
 * Upsample and Resize-10 have no such attributes: asymmetric, and floor (ceil
 * when downsampling), which ONNX Runtime calls the "simple" mode. */
static bd_status resize_nearest(importer *im, sym *x, const int64_t *od, onnx_str ctm,
                                const float *scales, bool legacy) {
    sym *out;
    onnx_str nm;
    bd_status st;
    if ((st = attr_str(im, "nearest_mode", "round_prefer_floor", &nm))) return st;
    int cm = onnx_str_eq(ctm, "half_pixel")                    ? BD_COORD_HALF_PIXEL
             : onnx_str_eq(ctm, "pytorch_half_pixel")          ? BD_COORD_PYTORCH_HALF_PIXEL
             : onnx_str_eq(ctm, "align_corners")               ? BD_COORD_ALIGN_CORNERS
             : onnx_str_eq(ctm, "asymmetric")                  ? BD_COORD_ASYMMETRIC
             : onnx_str_eq(ctm, "tf_half_pixel_for_nearest")   ? BD_COORD_TF_HALF_PIXEL_FOR_NEAREST
                                                               : -1;
    int nmode = legacy                                       ? BD_NEAREST_SIMPLE
                : onnx_str_eq(nm, "round_prefer_floor")      ? BD_NEAREST_ROUND_PREFER_FLOOR
                : onnx_str_eq(nm, "round_prefer_ceil")       ? BD_NEAREST_ROUND_PREFER_CEIL
                : onnx_str_eq(nm, "floor")                   ? BD_NEAREST_FLOOR
                : onnx_str_eq(nm, "ceil")                    ? BD_NEAREST_CEIL
                                                             : -1;
    if (legacy) cm = BD_COORD_ASYMMETRIC;
    if (cm < 0)
        return UNSUPPORTED("coordinate_transformation_mode '%.*s' with mode nearest",
                           (int)(ctm.len < 24 ? ctm.len : 24), ctm.s);
    if (nmode < 0)
        return UNSUPPORTED("nearest_mode '%.*s'", (int)(nm.len < 24 ? nm.len : 24), nm.s);
    float sh = scales ? scales[2] : (float)od[2] / (float)x->dims[2];
    float sw = scales ? scales[3] : (float)od[3] / (float)x->dims[3];
    if (!(sh > 0.0f && sw > 0.0f && sh < 1e6f && sw < 1e6f))
        return MALFORMED("invalid scales %g, %g", sh, sw);
    int xv;
    if ((st = spatial_in(im, 0, &x, &xv)) || (st = def_out(im, 0, &out)) ||
        (st = new_ir(im, out, 4, od, NHWC_PERM, "")))
        return st;
    bd_node n = node_init(im, BD_OP_RESIZE_NEAREST);
    n.n_inputs = 1;
    n.inputs[0] = xv;
    n.output = out->v;
    n.out_h = od[2];
    n.out_w = od[3];
    n.coord_mode = cm;
    n.nearest_mode = nmode;
    n.scale_h = sh;
    n.scale_w = sw;
    return add_node(im, &n);
}

/* Resize (opset 10: X, scales; 11+: X, roi, scales, sizes) and Upsample (opset 7-8:
 * scales attribute; 9: scales input). Linear mode on the two spatial axes maps to
 * RESIZE_BILINEAR: coordinate_transformation_mode half_pixel (the default from
 * opset 11) -> half_pixel, align_corners -> align_corners, asymmetric (opset 10 and
 * Upsample) -> neither; pytorch_half_pixel equals half_pixel when no output axis
 * has length 1. With scales, out = floor(in * scale) and the kernel samples with
 * in/out, which equals 1/scale whenever in * scale is whole. */
static bd_status op_resize(importer *im) {
    sym *x, *out;
    bd_status st;
    bool upsample = onnx_str_eq(im->node->op_type, "Upsample");
    onnx_str mode, ctm;
    float scales[MAXR];
    int64_t sizes[MAXR];
    size_t n_scales = 0, n_sizes = 0;
    if ((st = get_in(im, 0, &x)) || (st = attr_str(im, "mode", "nearest", &mode))) return st;
    bool legacy = upsample || im->opset < 11;
    if ((st = attr_str(im, "coordinate_transformation_mode", legacy ? "asymmetric" : "half_pixel",
                       &ctm)))
        return st;
    bool nearest = onnx_str_eq(mode, "nearest");
    if (!nearest && !onnx_str_eq(mode, "linear") && !onnx_str_eq(mode, "bilinear"))
        return UNSUPPORTED("mode '%.*s' (only nearest and linear)",
                           (int)(mode.len < 16 ? mode.len : 16), mode.s);
    int64_t aa = 0;
    const onnx_attr *axes_attr = onnx_node_attr(im->node, "axes");
    if ((st = attr_int(im, "antialias", 0, &aa))) return st;
    if (aa || axes_attr) return UNSUPPORTED("antialias or axes (opset 18)");
    onnx_str karp;
    if ((st = attr_str(im, "keep_aspect_ratio_policy", "stretch", &karp))) return st;
    if (!onnx_str_eq(karp, "stretch")) return UNSUPPORTED("keep_aspect_ratio_policy (opset 18)");
    if (upsample && im->opset < 9) {
        const onnx_attr *a = onnx_node_attr(im->node, "scales");
        if (!a || !onnx_attr_floats(a, scales, MAXR, &n_scales))
            return MALFORMED("scales attribute missing or too long");
    } else {
        int si = (upsample || im->opset < 11) ? 1 : 2;
        sym *s;
        if (has_in(im, si)) {
            if ((st = get_in(im, si, &s))) return st;
            /* an empty constant means "use sizes"; a computed one cannot be folded */
            if ((s->n > 0 || !s->is_const) &&
                (st = const_floats(im, si, scales, MAXR, &n_scales)))
                return st;
        }
        if (!upsample && im->opset >= 11 && has_in(im, 3) &&
            (st = const_ints(im, 3, sizes, MAXR, &n_sizes)))
            return st;
    }
    int64_t od[MAXR];
    if (n_sizes) {
        if ((int)n_sizes != x->rank) return MALFORMED("sizes has %zu entries", n_sizes);
        memcpy(od, sizes, sizeof(int64_t) * n_sizes);
    } else if ((int)n_scales == x->rank) {
        for (int k = 0; k < x->rank; k++) {
            double o = floor((double)x->dims[k] * scales[k]);
            if (!(o >= 1 && o <= 65536)) return MALFORMED("scale %g gives no output", scales[k]);
            od[k] = (int64_t)o;
        }
    } else {
        return MALFORMED("neither scales nor sizes of rank %d", x->rank);
    }
    if (x->rank != 4 || od[0] != x->dims[0] || od[1] != x->dims[1])
        return UNSUPPORTED("only resizing the spatial axes of an NCHW tensor");
    if (nearest) return resize_nearest(im, x, od, ctm, n_sizes ? NULL : scales, legacy);
    bool ac = onnx_str_eq(ctm, "align_corners"), hp = onnx_str_eq(ctm, "half_pixel");
    if (onnx_str_eq(ctm, "pytorch_half_pixel") && od[2] > 1 && od[3] > 1) hp = true;
    if (!ac && !hp && !onnx_str_eq(ctm, "asymmetric"))
        return UNSUPPORTED("coordinate_transformation_mode '%.*s'",
                           (int)(ctm.len < 24 ? ctm.len : 24), ctm.s);
    int xv;
    if ((st = spatial_in(im, 0, &x, &xv)) || (st = def_out(im, 0, &out)) ||
        (st = new_ir(im, out, 4, od, NHWC_PERM, "")))
        return st;
    bd_node n = node_init(im, BD_OP_RESIZE_BILINEAR);
    n.n_inputs = 1;
    n.inputs[0] = xv;
    n.output = out->v;
    n.out_h = od[2];
    n.out_w = od[3];
    n.align_corners = ac;
    n.half_pixel = hp;
    return add_node(im, &n);
}

/* ---- concat, matmul, batch norm ----------------------------------------------------- */

/* Concat (opset 4+: axis required; negative from 11). Constants are joined here. */
static bd_status op_concat(importer *im) {
    int64_t axis;
    sym *ins[BD_MAX_NODE_INPUTS], *out, *first = NULL;
    bd_status st;
    int n_in = im->node->n_inputs;
    if (n_in < 1 || n_in > BD_MAX_NODE_INPUTS)
        return UNSUPPORTED("%d inputs (1..%d)", n_in, BD_MAX_NODE_INPUTS);
    if ((st = attr_int(im, "axis", 0, &axis))) return st;
    bool all_const = true;
    for (int k = 0; k < n_in; k++) {
        if ((st = get_in(im, k, &ins[k]))) return st;
        if (!ins[k]->is_const && !first) first = ins[k];
        all_const = all_const && ins[k]->is_const;
    }
    int r = ins[0]->rank;
    if (axis < 0) axis += r;
    if (axis < 0 || axis >= r) return MALFORMED("axis out of range");
    int64_t od[MAXR];
    memcpy(od, ins[0]->dims, sizeof od);
    od[axis] = 0;
    for (int k = 0; k < n_in; k++) {
        if (ins[k]->rank != r) return MALFORMED("inputs differ in rank");
        for (int j = 0; j < r; j++)
            if (j != axis && ins[k]->dims[j] != od[j]) return MALFORMED("inputs differ in shape");
        od[axis] += ins[k]->dims[axis];
    }
    if ((st = def_out(im, 0, &out))) return st;
    if (all_const) {
        bool is_float = false;
        for (int k = 0; k < n_in; k++) is_float = is_float || ins[k]->is_float;
        if ((st = const_alloc(im, out, is_float, r, od))) return st;
        size_t outer = 1, inner = 1, at = 0;
        for (int j = 0; j < axis; j++) outer *= (size_t)od[j];
        for (int j = (int)axis + 1; j < r; j++) inner *= (size_t)od[j];
        for (size_t o = 0; o < outer; o++)
            for (int k = 0; k < n_in; k++) {
                size_t chunk = (size_t)ins[k]->dims[axis] * inner;
                for (size_t e = 0; e < chunk; e++, at++) {
                    if (is_float) out->f[at] = (float)cval(ins[k], o * chunk + e);
                    else out->i[at] = ins[k]->i[o * chunk + e];
                }
            }
        return BD_OK;
    }
    int tp[MAXR];
    memcpy(tp, first->perm, sizeof(int) * (size_t)r);
    bd_node n = node_init(im, BD_OP_CONCAT);
    for (int k = 0; k < n_in; k++)
        if ((st = layout(im, ins[k], tp, &n.inputs[k]))) return st;
    if ((st = new_ir(im, out, r, od, tp, ""))) return st;
    for (int j = 0; j < r; j++)
        if (tp[j] == axis) n.axis = j; /* the ONNX axis, as an IR axis */
    n.n_inputs = n_in;
    n.output = out->v;
    return add_node(im, &n);
}

/* x [.., K] times a constant w: out [.., N] = x w + bias, as FULLY_CONNECTED with
 * weight [N, K] (transposed here unless trans_b). */
static bd_status fully_connected(importer *im, sym *x, const sym *w, bool trans_b, float alpha,
                                 int bias_v, sym *out) {
    bd_status st;
    if (w->rank != 2) return UNSUPPORTED("the constant operand must be 2-D");
    int64_t k = trans_b ? w->dims[1] : w->dims[0], nn = trans_b ? w->dims[0] : w->dims[1];
    if (x->rank < 1 || x->dims[x->rank - 1] != k)
        return MALFORMED("inner dimensions differ (%lld vs %lld)",
                         (long long)(x->rank ? x->dims[x->rank - 1] : 0), (long long)k);
    int xv = x->v;
    /* The IR value must hold x in ONNX memory order with K innermost. */
    if (!perm_eq(x->perm, ID_PERM, x->rank)) {
        sym *t = new_sym(im);
        if (!t) return bd_err_set(im->err, BD_ERR_LIMIT, "too many values");
        t->name = x->name;
        if ((st = reshape_to(im, x, t, x->rank, x->dims))) return st;
        xv = t->v;
    }
    const bd_value *xval = &im->g->values[xv];
    if (xval->dims[xval->n_dims - 1] != k) return UNSUPPORTED("operand layout");
    float *wd = NULL;
    int64_t d[2] = {nn, k};
    char name[160];
    cname(w->name, name, sizeof name);
    int wv = new_const(im, name, 2, d, &wd);
    if (wv < 0) return wv;
    for (int64_t i = 0; i < nn; i++)
        for (int64_t j = 0; j < k; j++)
            wd[i * k + j] = alpha * (float)cval(w, (size_t)(trans_b ? i * k + j : j * nn + i));
    if (bias_v < 0 && (bias_v = bias_in(im, 99, nn, 1.0f)) < 0) return bias_v;
    int64_t od[MAXR];
    memcpy(od, x->dims, sizeof od);
    od[x->rank - 1] = nn;
    if ((st = new_ir(im, out, x->rank, od, ID_PERM, ""))) return st;
    bd_node n = node_init(im, BD_OP_FULLY_CONNECTED);
    n.n_inputs = 3;
    n.inputs[0] = xv;
    n.inputs[1] = wv;
    n.inputs[2] = bias_v;
    n.output = out->v;
    return add_node(im, &n);
}

/* MatMul (opset 1, 9, 13) with a constant 2-D right operand. */
static bd_status op_matmul(importer *im) {
    sym *a, *b, *out;
    bd_status st;
    if ((st = get_in(im, 0, &a)) || (st = get_in(im, 1, &b))) return st;
    if (a->is_const || !b->is_const)
        return UNSUPPORTED("only a computed tensor times a constant matrix");
    if ((st = def_out(im, 0, &out))) return st;
    return fully_connected(im, a, b, false, 1.0f, -1, out);
}

/* Gemm: Y = alpha * A' B' + beta * C (A' = A or A^T, likewise B'), A [M,K]. */
static bd_status op_gemm(importer *im) {
    sym *a, *b, *out;
    float alpha, beta;
    int64_t ta, tb;
    bd_status st;
    if ((st = get_in(im, 0, &a)) || (st = get_in(im, 1, &b)) ||
        (st = attr_float(im, "alpha", 1.0f, &alpha)) || (st = attr_float(im, "beta", 1.0f, &beta)) ||
        (st = attr_int(im, "transA", 0, &ta)) || (st = attr_int(im, "transB", 0, &tb)))
        return st;
    if (a->is_const || !b->is_const || ta || a->rank != 2)
        return UNSUPPORTED("only a computed [M,K] tensor (transA = 0) times a constant");
    int64_t nn = tb ? b->dims[0] : b->dims[1];
    if (has_in(im, 2)) { /* C must broadcast as a row: [N], [1,N] or a scalar */
        sym *c;
        if ((st = get_in(im, 2, &c))) return st;
        if (!c->is_const || (c->n != 1 && c->n != (size_t)nn) ||
            (c->rank == 2 && c->dims[0] != 1))
            return UNSUPPORTED("C must be a constant row of %lld values", (long long)nn);
    }
    int bv = bias_in(im, 2, b->rank == 2 ? nn : 1, beta);
    if (bv < 0) return bv;
    if ((st = def_out(im, 0, &out))) return st;
    return fully_connected(im, a, b, tb != 0, alpha, bv, out);
}

/* BatchNormalization in inference (training_mode 0, one output):
 *   y = (x - mean) / sqrt(var + eps) * scale + B = x * s + t,
 *   s = scale / sqrt(var + eps), t = B - mean * s,
 * as a per-channel MUL and ADD (channel axis 1). */
static bd_status op_batchnorm(importer *im) {
    sym *x, *p[4], *out;
    float eps;
    int64_t tm = 0;
    bd_status st;
    if ((st = get_in(im, 0, &x)) || (st = attr_float(im, "epsilon", 1e-5f, &eps)) ||
        (st = attr_int(im, "training_mode", 0, &tm)))
        return st;
    if (tm || (im->node->n_outputs > 1 && im->node->outputs[1].len))
        return UNSUPPORTED("training mode");
    if (x->rank < 2 || x->is_const) return UNSUPPORTED("a constant input or rank %d", x->rank);
    int64_t c = x->dims[1];
    for (int k = 0; k < 4; k++) {
        if ((st = get_in(im, k + 1, &p[k]))) return st;
        if (!p[k]->is_const || p[k]->n != (size_t)c)
            return UNSUPPORTED("parameter %d must be a constant of %lld values", k + 1,
                               (long long)c);
    }
    sym *s = new_sym(im), *t = new_sym(im), *mid = new_sym(im);
    if (!s || !t || !mid) return bd_err_set(im->err, BD_ERR_LIMIT, "too many values");
    int64_t d[MAXR];
    for (int k = 0; k < x->rank; k++) d[k] = k == 1 ? c : 1;
    if ((st = const_alloc(im, s, true, x->rank, d)) || (st = const_alloc(im, t, true, x->rank, d)))
        return st;
    for (int64_t k = 0; k < c; k++) {
        double sc = cval(p[0], (size_t)k) / sqrt(cval(p[3], (size_t)k) + eps);
        s->f[k] = (float)sc;
        t->f[k] = (float)(cval(p[1], (size_t)k) - cval(p[2], (size_t)k) * sc);
    }
    s->name = t->name = mid->name = im->node->outputs[0];
    /* mid = x * s (a temporary), out = mid + t */
    int r;
    int64_t od[MAXR];
    if (!broadcast(x, s, &r, od)) return MALFORMED("shape");
    const int *tp = x->perm;
    int xv, sv, tv;
    if ((st = layout(im, x, tp, &xv)) || (st = new_ir(im, mid, r, od, tp, "/scaled"))) return st;
    if ((sv = const_ir(im, s, r, tp)) < 0) return sv;
    bd_node n = node_init(im, BD_OP_MUL);
    n.n_inputs = 2;
    n.inputs[0] = xv;
    n.inputs[1] = sv;
    n.output = mid->v;
    if ((st = add_node(im, &n))) return st;
    if ((tv = const_ir(im, t, r, tp)) < 0) return tv;
    if ((st = def_out(im, 0, &out)) || (st = new_ir(im, out, r, od, tp, ""))) return st;
    n.op = BD_OP_ADD;
    n.inputs[0] = mid->v;
    n.inputs[1] = tv;
    n.output = out->v;
    return add_node(im, &n);
}

/* HardSigmoid: y = max(0, min(1, alpha*x + beta)), alpha 0.2, beta 0.5 by default;
 * as MUL, ADD and CLAMP. */
static bd_status op_hardsigmoid(importer *im) {
    sym *x, *out;
    float alpha, beta;
    bd_status st;
    if ((st = get_in(im, 0, &x)) || (st = attr_float(im, "alpha", 0.2f, &alpha)) ||
        (st = attr_float(im, "beta", 0.5f, &beta)))
        return st;
    if (x->is_const) return UNSUPPORTED("a constant input");
    int64_t one = 1;
    float *a = NULL, *b = NULL;
    int xv, av, bv;
    if ((st = layout(im, x, x->perm, &xv))) return st;
    if ((av = new_const(im, "hardsigmoid_alpha", 1, &one, &a)) < 0) return av;
    *a = alpha;
    if ((bv = new_const(im, "hardsigmoid_beta", 1, &one, &b)) < 0) return bv;
    *b = beta;
    if ((st = def_out(im, 0, &out))) return st;
    sym tmp[2];
    for (int k = 0; k < 2; k++) {
        memset(&tmp[k], 0, sizeof tmp[k]);
        tmp[k].name = out->name;
        if ((st = new_ir(im, &tmp[k], x->rank, x->dims, x->perm, k ? "/shifted" : "/scaled")))
            return st;
    }
    if ((st = new_ir(im, out, x->rank, x->dims, x->perm, ""))) return st;
    bd_node n = node_init(im, BD_OP_MUL);
    n.n_inputs = 2;
    n.inputs[0] = xv;
    n.inputs[1] = av;
    n.output = tmp[0].v;
    if ((st = add_node(im, &n))) return st;
    n.op = BD_OP_ADD;
    n.inputs[0] = tmp[0].v;
    n.inputs[1] = bv;
    n.output = tmp[1].v;
    if ((st = add_node(im, &n))) return st;
    n = node_init(im, BD_OP_CLAMP);
    n.n_inputs = 1;
    n.inputs[0] = tmp[1].v;
    n.output = out->v;
    n.act_min = 0.0f;
    n.act_max = 1.0f;
    return add_node(im, &n);
}

/* ---- shape arithmetic on constants ------------------------------------------------- */

/* Shape (start/end attributes from opset 15): the input's ONNX dims as int64. */
static bd_status op_shape(importer *im) {
    sym *x, *out;
    int64_t start, end;
    bd_status st;
    if ((st = get_in(im, 0, &x)) || (st = attr_int(im, "start", 0, &start)) ||
        (st = attr_int(im, "end", x->rank, &end)))
        return st;
    if (start < 0) start += x->rank;
    if (end < 0) end += x->rank;
    start = start < 0 ? 0 : start > x->rank ? x->rank : start;
    end = end < start ? start : end > x->rank ? x->rank : end;
    int64_t n = end - start;
    if ((st = def_out(im, 0, &out)) || (st = const_alloc(im, out, false, 1, &n))) return st;
    for (int64_t k = 0; k < n; k++) out->i[k] = x->dims[start + k];
    return BD_OK;
}

static bd_status need_const(importer *im, const sym *s) {
    if (!s->is_const)
        return UNSUPPORTED("only constant inputs are supported (shape arithmetic folded at load)");
    return BD_OK;
}

/* Gather on constants (axis attribute, negative indices count from the end). */
static bd_status op_gather(importer *im) {
    sym *x, *idx, *out;
    int64_t axis;
    bd_status st;
    if ((st = get_in(im, 0, &x)) || (st = get_in(im, 1, &idx)) || (st = need_const(im, x)) ||
        (st = need_const(im, idx)) || (st = attr_int(im, "axis", 0, &axis)))
        return st;
    if (axis < 0) axis += x->rank;
    if (axis < 0 || axis >= x->rank) return MALFORMED("axis out of range");
    int r = x->rank - 1 + idx->rank;
    if (r > MAXR) return UNSUPPORTED("result of rank %d", r);
    int64_t od[MAXR];
    int at = 0;
    for (int k = 0; k < axis; k++) od[at++] = x->dims[k];
    for (int k = 0; k < idx->rank; k++) od[at++] = idx->dims[k];
    for (int k = (int)axis + 1; k < x->rank; k++) od[at++] = x->dims[k];
    if ((st = def_out(im, 0, &out)) || (st = const_alloc(im, out, x->is_float, r, od))) return st;
    size_t outer = 1, inner = 1, e = 0, dim = (size_t)x->dims[axis];
    for (int k = 0; k < axis; k++) outer *= (size_t)x->dims[k];
    for (int k = (int)axis + 1; k < x->rank; k++) inner *= (size_t)x->dims[k];
    for (size_t o = 0; o < outer; o++)
        for (size_t j = 0; j < idx->n; j++) {
            int64_t i = ival(idx, j);
            if (i < 0) i += (int64_t)dim;
            if (i < 0 || (size_t)i >= dim) return MALFORMED("index %lld out of range", (long long)i);
            for (size_t q = 0; q < inner; q++, e++) {
                size_t src = (o * dim + (size_t)i) * inner + q;
                if (x->is_float) out->f[e] = x->f[src];
                else out->i[e] = x->i[src];
            }
        }
    return BD_OK;
}

/* out = x[b + i * s] per ONNX axis (od: the output dims, each >= 1). Constants
 * are sliced here; a computed tensor gets a SLICE node in its own layout. */
static bd_status slice_to(importer *im, sym *x, sym *out, const int64_t *b, const int64_t *s,
                          const int64_t *od) {
    bd_status st;
    for (int k = 0; k < x->rank; k++)
        if (od[k] < 1) return UNSUPPORTED("an empty slice (axis %d)", k);
    if (!x->is_const) {
        int xv;
        if (x->rank > BD_MAX_DIMS) return UNSUPPORTED("slice of rank %d", x->rank);
        if ((st = layout(im, x, x->perm, &xv)) ||
            (st = new_ir(im, out, x->rank, od, x->perm, "")))
            return st;
        bd_node n = node_init(im, BD_OP_SLICE);
        n.n_inputs = 1;
        n.inputs[0] = xv;
        n.output = out->v;
        for (int j = 0; j < x->rank; j++) { /* IR axis j is ONNX axis perm[j] */
            n.pads[j] = b[x->perm[j]];
            n.pads[x->rank + j] = s[x->perm[j]];
        }
        return add_node(im, &n);
    }
    if ((st = const_alloc(im, out, x->is_float, x->rank, od))) return st;
    size_t stride[MAXR], t = 1;
    for (int k = x->rank - 1; k >= 0; k--) {
        stride[k] = t;
        t *= (size_t)x->dims[k];
    }
    int64_t idx[MAXR] = {0};
    for (size_t e = 0; e < out->n; e++) {
        size_t off = 0;
        for (int k = 0; k < x->rank; k++) off += (size_t)(b[k] + idx[k] * s[k]) * stride[k];
        if (x->is_float) out->f[e] = x->f[off];
        else out->i[e] = x->i[off];
        for (int k = x->rank - 1; k >= 0; k--) {
            if (++idx[k] < od[k]) break;
            idx[k] = 0;
        }
    }
    return BD_OK;
}

/* Slice: starts/ends/axes attributes before opset 10, inputs (data, starts, ends,
 * axes, steps) from 10, which must be constants after folding. Bounds are clamped
 * as the spec says (negative = from the end; PyTorch writes INT64_MAX for "to the
 * end"); any non-zero step. */
static bd_status op_slice(importer *im) {
    sym *x, *out;
    int64_t starts[MAXR], ends[MAXR], axes[MAXR], steps[MAXR];
    size_t ns, ne, na = 0, nst = 0;
    int n;
    bd_status st;
    if ((st = get_in(im, 0, &x))) return st;
    if (im->opset < 10) {
        if ((st = attr_ints(im, "starts", starts, MAXR, &n))) return st;
        ns = n < 0 ? 0 : (size_t)n;
        if ((st = attr_ints(im, "ends", ends, MAXR, &n))) return st;
        ne = n < 0 ? 0 : (size_t)n;
        if ((st = attr_ints(im, "axes", axes, MAXR, &n))) return st;
        na = n < 0 ? 0 : (size_t)n;
    } else {
        if ((st = const_ints(im, 1, starts, MAXR, &ns)) || (st = const_ints(im, 2, ends, MAXR, &ne)))
            return st;
        if (has_in(im, 3) && (st = const_ints(im, 3, axes, MAXR, &na))) return st;
        if (has_in(im, 4) && (st = const_ints(im, 4, steps, MAXR, &nst))) return st;
    }
    if (ns != ne || (na && na != ns) || (nst && nst != ns) || ns > (size_t)x->rank)
        return MALFORMED("starts, ends, axes and steps differ in length");
    int64_t b[MAXR], s[MAXR], od[MAXR];
    for (int k = 0; k < x->rank; k++) {
        b[k] = 0;
        s[k] = 1;
        od[k] = x->dims[k];
    }
    bool seen[MAXR] = {false};
    for (size_t k = 0; k < ns; k++) {
        int64_t a = na ? axes[k] : (int64_t)k, step = nst ? steps[k] : 1;
        if (a < 0) a += x->rank;
        if (a < 0 || a >= x->rank || seen[a] || step == 0 || step > ((int64_t)1 << 40) ||
            step < -((int64_t)1 << 40))
            return MALFORMED("invalid axis or step");
        seen[a] = true;
        int64_t dim = x->dims[a], lo = starts[k], hi = ends[k];
        if (lo < 0) lo = lo < -dim ? 0 : lo + dim;
        if (hi < 0) hi = hi < -dim ? -1 : hi + dim;
        if (step > 0) {
            lo = lo > dim ? dim : lo;
            hi = hi < 0 ? 0 : hi > dim ? dim : hi;
            od[a] = hi > lo ? (hi - lo + step - 1) / step : 0;
        } else {
            lo = lo > dim - 1 ? dim - 1 : lo;
            hi = hi > dim - 1 ? dim - 1 : hi;
            od[a] = lo > hi ? (lo - hi + (-step) - 1) / (-step) : 0;
        }
        b[a] = lo;
        s[a] = step;
    }
    if ((st = def_out(im, 0, &out))) return st;
    return slice_to(im, x, out, b, s, od);
}

/* Split along `axis` (default 0): sizes from the `split` attribute (< 13) or
 * input 1 (13+), else num_outputs (18) parts of ceil(dim / n) with a smaller
 * last one, else equal parts, one per output. Each output is a slice. */
static bd_status op_split(importer *im) {
    sym *x;
    int64_t axis, sizes[ONNX_MAX_NODE_IO], num = 0;
    int n_out = im->node->n_outputs, n_sizes = -1;
    bd_status st;
    if ((st = get_in(im, 0, &x)) || (st = attr_int(im, "axis", 0, &axis)) ||
        (st = attr_int(im, "num_outputs", 0, &num)))
        return st;
    if (axis < 0) axis += x->rank;
    if (axis < 0 || axis >= x->rank) return MALFORMED("axis out of range");
    if (n_out < 1 || n_out > ONNX_MAX_NODE_IO) return MALFORMED("%d outputs", n_out);
    int64_t dim = x->dims[axis];
    if (im->opset < 13) {
        if ((st = attr_ints(im, "split", sizes, ONNX_MAX_NODE_IO, &n_sizes))) return st;
    } else if (has_in(im, 1)) {
        size_t got;
        if ((st = const_ints(im, 1, sizes, ONNX_MAX_NODE_IO, &got))) return st;
        n_sizes = (int)got;
    }
    if (n_sizes < 0) {
        if (num && num != n_out)
            return MALFORMED("num_outputs %lld but %d outputs", (long long)num, n_out);
        int64_t part = im->opset >= 18 && num ? (dim + n_out - 1) / n_out : dim / n_out;
        if (im->opset < 18 || !num) {
            if (dim % n_out) return MALFORMED("%lld elements do not split into %d equal parts",
                                              (long long)dim, n_out);
        }
        for (int k = 0; k < n_out; k++) {
            int64_t left = dim - part * k;
            sizes[k] = left < part ? (left < 0 ? 0 : left) : part;
        }
        n_sizes = n_out;
    }
    if (n_sizes != n_out)
        return MALFORMED("split has %d sizes but the node has %d outputs", n_sizes, n_out);
    int64_t at = 0;
    for (int k = 0; k < n_out; k++) {
        if (sizes[k] < 0 || sizes[k] > dim - at) return MALFORMED("split sizes exceed the axis");
        at += sizes[k];
    }
    if (at != dim)
        return MALFORMED("split sizes sum to %lld, the axis has %lld", (long long)at,
                         (long long)dim);
    at = 0;
    for (int k = 0; k < n_out; k++) {
        int64_t b[MAXR] = {0}, s[MAXR], od[MAXR];
        sym *out;
        for (int j = 0; j < x->rank; j++) {
            s[j] = 1;
            od[j] = x->dims[j];
        }
        b[axis] = at;
        od[axis] = sizes[k];
        at += sizes[k];
        if (im->node->outputs[k].len == 0) continue; /* an unused output */
        if ((st = def_out(im, k, &out)) || (st = slice_to(im, x, out, b, s, od))) return st;
    }
    return BD_OK;
}

/* Cast: constants are converted; a float computed tensor cast to float passes. */
static bd_status op_cast(importer *im) {
    sym *x, *out;
    int64_t to;
    bd_status st;
    if ((st = get_in(im, 0, &x)) || (st = attr_int(im, "to", 0, &to))) return st;
    bool to_float = onnx_dtype_is_float((int32_t)to);
    if (!x->is_const) {
        if (to != ONNX_FLOAT) return UNSUPPORTED("cast of a computed tensor to type %lld",
                                                 (long long)to);
        return op_identity(im);
    }
    if (!onnx_dtype_supported((int32_t)to)) return UNSUPPORTED("cast to type %lld", (long long)to);
    if ((st = def_out(im, 0, &out)) || (st = const_alloc(im, out, to_float, x->rank, x->dims)))
        return st;
    for (size_t k = 0; k < x->n; k++) {
        if (to_float) out->f[k] = (float)cval(x, k);
        else if (to == ONNX_BOOL) out->i[k] = cval(x, k) != 0;
        else out->i[k] = x->is_float ? (int64_t)x->f[k] : x->i[k];
    }
    return BD_OK;
}

/* Constant: value (tensor), value_float(s), value_int(s) (opset 12+). */
static bd_status op_constant(importer *im) {
    sym *out;
    bd_status st;
    const onnx_attr *a = im->node->n_attrs == 1 ? &im->node->attrs[0] : NULL;
    if (!a) return UNSUPPORTED("%d attributes (expected exactly one)", im->node->n_attrs);
    if ((st = def_out(im, 0, &out))) return st;
    if (onnx_str_eq(a->name, "value") && a->has_t) return const_from_tensor(im, out, &a->t);
    int64_t one = 1, n = 0;
    if (onnx_str_eq(a->name, "value_float") || onnx_str_eq(a->name, "value_int")) {
        bool f = a->type == ONNX_ATTR_FLOAT;
        if ((st = const_alloc(im, out, f, 0, &one))) return st;
        if (f) out->f[0] = a->f;
        else out->i[0] = a->i;
        return BD_OK;
    }
    if (onnx_str_eq(a->name, "value_floats") || onnx_str_eq(a->name, "value_ints")) {
        bool f = a->type == ONNX_ATTR_FLOATS;
        size_t got;
        n = (int64_t)(f ? a->n_floats : a->n_ints);
        if ((st = const_alloc(im, out, f, 1, &n))) return st;
        if (f) onnx_attr_floats(a, out->f, (size_t)n, &got);
        else onnx_attr_ints(a, out->i, (size_t)n, &got);
        return BD_OK;
    }
    return UNSUPPORTED("constant attribute kind");
}

/* ConstantOfShape: input 0 = the shape; value attribute (one element, float 0
 * by default). */
static bd_status op_constant_of_shape(importer *im) {
    sym *out, val;
    int64_t shape[MAXR];
    size_t n;
    bd_status st;
    if ((st = const_ints(im, 0, shape, MAXR, &n))) return st;
    const onnx_attr *a = onnx_node_attr(im->node, "value");
    memset(&val, 0, sizeof val);
    if (a && !a->has_t) return MALFORMED("value is not a tensor");
    if (a) {
        if ((st = const_from_tensor(im, &val, &a->t))) goto done;
        if (val.n != 1) {
            st = MALFORMED("value has %zu elements", val.n);
            goto done;
        }
    }
    if ((st = def_out(im, 0, &out)) ||
        (st = const_alloc(im, out, !a || val.is_float, (int)n, shape)))
        goto done;
    for (size_t k = 0; k < out->n; k++) {
        if (out->is_float) out->f[k] = a ? val.f[0] : 0.0f;
        else out->i[k] = val.i[0];
    }
done:
    sym_free_data(&val);
    return st;
}

/* ---- activations with parameters, softmax, pad ------------------------------------- */

/* PRelu (opset 7+: slope broadcasts unidirectionally to X, e.g. [C,1,1] per
 * channel) and LeakyRelu (alpha attribute, 0.01 by default) as PRELU. */
static bd_status op_prelu(importer *im) {
    sym *x, *slope, *out = NULL;
    bd_status st;
    if ((st = get_in(im, 0, &x))) return st;
    if (x->is_const) return UNSUPPORTED("a constant input");
    if (onnx_str_eq(im->node->op_type, "LeakyRelu")) {
        float alpha;
        int64_t one = 1;
        if ((st = attr_float(im, "alpha", 0.01f, &alpha))) return st;
        if (!(slope = new_sym(im))) return bd_err_set(im->err, BD_ERR_LIMIT, "too many values");
        if ((st = const_alloc(im, slope, true, 0, &one))) return st;
        slope->name = im->node->outputs[0];
        slope->f[0] = alpha;
    } else {
        if ((st = get_in(im, 1, &slope))) return st;
        if (!slope->is_const) return UNSUPPORTED("a computed slope");
        int r;
        int64_t d[MAXR];
        if (!broadcast(x, slope, &r, d) || r != x->rank)
            return MALFORMED("slope does not broadcast to the input");
        for (int k = 0; k < r; k++)
            if (d[k] != x->dims[k]) return MALFORMED("slope does not broadcast to the input");
    }
    return binary_ir(im, BD_OP_PRELU, x, slope, out);
}

/* Softmax. Opset < 13: the input is coerced to 2-D at `axis` (default 1) and the
 * softmax runs over all of dims[axis:] at once; opset 13+: over the single axis
 * `axis` (default -1). The reduced axes must be adjacent in memory: the input's
 * layout is kept when they are (the channel axis of NCHW-stored-NHWC data is the
 * innermost), else the input is brought to ONNX order. */
static bd_status op_softmax(importer *im) {
    sym *x, *out;
    int64_t axis;
    bd_status st;
    if ((st = get_in(im, 0, &x)) || (st = attr_int(im, "axis", im->opset < 13 ? 1 : -1, &axis)))
        return st;
    if (x->is_const) return UNSUPPORTED("a constant input");
    int r = x->rank;
    if (axis < 0) axis += r;
    if (axis < 0 || axis >= r) return MALFORMED("axis %lld out of range", (long long)axis);
    bool in_set[MAXR];
    for (int k = 0; k < r; k++) in_set[k] = im->opset < 13 ? k >= axis : k == axis;
    const int *perm = x->perm;
    int first = -1, last = -1;
    for (int j = 0; j < r; j++)
        if (in_set[perm[j]]) {
            if (first < 0) first = j;
            last = j;
        }
    for (int j = first; j <= last; j++)
        if (!in_set[perm[j]]) perm = ID_PERM; /* not adjacent: use ONNX order */
    if (perm == ID_PERM) {
        first = (int)axis;
        last = im->opset < 13 ? r - 1 : (int)axis;
    }
    int xv;
    if ((st = layout(im, x, perm, &xv)) || (st = def_out(im, 0, &out)) ||
        (st = new_ir(im, out, r, x->dims, perm, "")))
        return st;
    bd_node n = node_init(im, BD_OP_SOFTMAX);
    n.n_inputs = 1;
    n.inputs[0] = xv;
    n.output = out->v;
    n.axis = first;
    n.axis_n = last - first + 1;
    return add_node(im, &n);
}

/* Pad: mode constant (value), reflect or edge; pads [x1_begin, x2_begin, ..,
 * x1_end, ..] as an attribute (opset < 11) or input 1 (11+, constant after
 * folding), the value as attribute `value` (< 11) or optional input 2, and the
 * axes of the pads as optional input 3 (opset 18). Negative pads (cropping) and
 * mode wrap (opset 19) are not supported. */
static bd_status op_pad(importer *im) {
    sym *x, *out;
    int64_t pads[2 * MAXR], axes[MAXR];
    float value = 0.0f;
    onnx_str mode;
    int n_pads = -1;
    size_t n_axes = 0;
    bd_status st;
    if ((st = get_in(im, 0, &x)) || (st = attr_str(im, "mode", "constant", &mode))) return st;
    if (x->is_const) return UNSUPPORTED("a constant input");
    int r = x->rank;
    if (im->opset < 11) {
        if ((st = attr_ints(im, "pads", pads, 2 * MAXR, &n_pads)) ||
            (st = attr_float(im, "value", 0.0f, &value)))
            return st;
    } else {
        size_t got, nv;
        if ((st = const_ints(im, 1, pads, 2 * MAXR, &got))) return st;
        n_pads = (int)got;
        if (has_in(im, 2) && (st = const_floats(im, 2, &value, 1, &nv))) return st;
        if (has_in(im, 3) && (st = const_ints(im, 3, axes, MAXR, &n_axes))) return st;
    }
    int64_t before[MAXR] = {0}, after[MAXR] = {0};
    if (n_axes) {
        if (n_pads != 2 * (int)n_axes) return MALFORMED("%d pads for %zu axes", n_pads, n_axes);
        for (size_t k = 0; k < n_axes; k++) {
            int64_t a = axes[k] < 0 ? axes[k] + r : axes[k];
            if (a < 0 || a >= r) return MALFORMED("axis %lld out of range", (long long)axes[k]);
            before[a] = pads[k];
            after[a] = pads[n_axes + k];
        }
    } else {
        if (n_pads != 2 * r) return MALFORMED("%d pads for rank %d", n_pads, r);
        for (int k = 0; k < r; k++) {
            before[k] = pads[k];
            after[k] = pads[r + k];
        }
    }
    int pm = onnx_str_eq(mode, "constant") ? BD_PAD_CONSTANT
             : onnx_str_eq(mode, "reflect") ? BD_PAD_REFLECT
             : onnx_str_eq(mode, "edge")    ? BD_PAD_EDGE
                                            : -1;
    if (pm < 0)
        return UNSUPPORTED("mode '%.*s'", (int)(mode.len < 16 ? mode.len : 16), mode.s);
    int64_t od[MAXR];
    for (int k = 0; k < r; k++) {
        if (before[k] < 0 || after[k] < 0)
            return UNSUPPORTED("negative pads (cropping) on axis %d", k);
        if (before[k] > 65536 || after[k] > 65536) return UNSUPPORTED("pads beyond 65536");
        if (pm == BD_PAD_REFLECT && (before[k] >= x->dims[k] || after[k] >= x->dims[k]))
            return UNSUPPORTED("reflect pads of %lld/%lld on axis %d of size %lld",
                               (long long)before[k], (long long)after[k], k,
                               (long long)x->dims[k]);
        od[k] = x->dims[k] + before[k] + after[k];
    }
    if (r > BD_MAX_DIMS) return UNSUPPORTED("rank %d", r);
    int xv;
    if ((st = layout(im, x, x->perm, &xv)) || (st = def_out(im, 0, &out)) ||
        (st = new_ir(im, out, r, od, x->perm, "")))
        return st;
    bd_node n = node_init(im, BD_OP_PAD);
    n.n_inputs = 1;
    n.inputs[0] = xv;
    n.output = out->v;
    for (int j = 0; j < r; j++) {
        n.pads[j] = before[x->perm[j]];
        n.pads[r + j] = after[x->perm[j]];
    }
    n.pad_mode = pm;
    n.pad_value = value;
    return add_node(im, &n);
}

/* ---- more shape arithmetic on constants -------------------------------------------- */

/* Folds an element-wise op of n_in constants with multidirectional broadcasting:
 * Equal, Less, Greater (-> 0/1 as int64; ONNX bool), Not, Where, Min, Max. */
static bd_status fold_nary(importer *im, char op, sym **in, int n_in, sym *out, bool is_float) {
    int r = 0;
    int64_t d[MAXR];
    for (int k = 0; k < n_in; k++) r = in[k]->rank > r ? in[k]->rank : r;
    for (int j = 0; j < r; j++) {
        d[j] = 1;
        for (int k = 0; k < n_in; k++) {
            int kk = in[k]->rank - r + j;
            int64_t dk = kk >= 0 ? in[k]->dims[kk] : 1;
            if (dk != 1 && d[j] != 1 && dk != d[j]) return MALFORMED("shapes do not broadcast");
            if (dk != 1) d[j] = dk;
        }
    }
    bd_status st = const_alloc(im, out, is_float, r, d);
    if (st) return st;
    int64_t idx[MAXR] = {0};
    for (size_t e = 0; e < out->n; e++) {
        double v[ONNX_MAX_NODE_IO];
        int64_t iv[ONNX_MAX_NODE_IO];
        for (int k = 0; k < n_in; k++) {
            size_t off = 0;
            for (int j = 0; j < r; j++) {
                int kk = in[k]->rank - r + j;
                if (kk >= 0)
                    off = off * (size_t)in[k]->dims[kk] +
                          (in[k]->dims[kk] == 1 ? 0 : (size_t)idx[j]);
            }
            v[k] = cval(in[k], off);
            iv[k] = in[k]->is_float ? 0 : in[k]->i[off];
        }
        double res = 0;
        int64_t ires = 0;
        bool ints = !is_float;
        switch (op) {
        case '=': ires = in[0]->is_float || in[1]->is_float ? v[0] == v[1] : iv[0] == iv[1]; break;
        case '<': ires = in[0]->is_float || in[1]->is_float ? v[0] < v[1] : iv[0] < iv[1]; break;
        case '>': ires = in[0]->is_float || in[1]->is_float ? v[0] > v[1] : iv[0] > iv[1]; break;
        case '!': ires = v[0] == 0; break;
        case '?': /* Where(cond, x, y) */
            res = v[0] != 0 ? v[1] : v[2];
            ires = v[0] != 0 ? iv[1] : iv[2];
            break;
        case 'm':
        case 'M':
            res = v[0];
            ires = iv[0];
            for (int k = 1; k < n_in; k++) {
                bool take = op == 'm' ? (ints ? iv[k] < ires : v[k] < res)
                                      : (ints ? iv[k] > ires : v[k] > res);
                if (take) {
                    res = v[k];
                    ires = iv[k];
                }
            }
            break;
        default: break;
        }
        if (is_float) out->f[e] = (float)res;
        else out->i[e] = ires;
        for (int j = r - 1; j >= 0; j--) {
            if (++idx[j] < d[j]) break;
            idx[j] = 0;
        }
    }
    return BD_OK;
}

/* Equal, Less, Greater, Not, Where, Min, Max on constants (the shape arithmetic
 * PyTorch exports, e.g. for interpolate sizes and negative-dim handling). */
static bd_status op_logic(importer *im) {
    sym *in[ONNX_MAX_NODE_IO], *out;
    bd_status st;
    onnx_str t = im->node->op_type;
    char op = onnx_str_eq(t, "Equal")     ? '='
              : onnx_str_eq(t, "Less")    ? '<'
              : onnx_str_eq(t, "Greater") ? '>'
              : onnx_str_eq(t, "Not")     ? '!'
              : onnx_str_eq(t, "Where")   ? '?'
              : onnx_str_eq(t, "Min")     ? 'm'
                                          : 'M';
    int n_in = op == '!' ? 1 : op == '?' ? 3 : op == 'm' || op == 'M' ? im->node->n_inputs : 2;
    if (n_in < 1 || n_in > ONNX_MAX_NODE_IO) return MALFORMED("%d inputs", n_in);
    bool any_float = false;
    for (int k = 0; k < n_in; k++) {
        if ((st = get_in(im, k, &in[k])) || (st = need_const(im, in[k]))) return st;
        if (k > 0 || op != '?') any_float = any_float || in[k]->is_float;
    }
    bool is_float = (op == '?' || op == 'm' || op == 'M') && any_float;
    if ((st = def_out(im, 0, &out))) return st;
    return fold_nary(im, op, in, n_in, out, is_float);
}

/* Expand(x, shape): the output has the broadcast of x's dims and `shape`.
 * Constants are broadcast here; a computed x becomes x + zeros of the target
 * shape (exact: x + 0 = x). */
static bd_status op_expand(importer *im) {
    sym *x, *out = NULL;
    int64_t shape[MAXR], d[MAXR];
    size_t n;
    bd_status st;
    if ((st = get_in(im, 0, &x)) || (st = const_ints(im, 1, shape, MAXR, &n))) return st;
    int r = x->rank > (int)n ? x->rank : (int)n;
    for (int j = 0; j < r; j++) {
        int kx = x->rank - r + j, ks = (int)n - r + j;
        int64_t dx = kx >= 0 ? x->dims[kx] : 1, ds = ks >= 0 ? shape[ks] : 1;
        if (ds < 1) return UNSUPPORTED("expansion to dimension %lld", (long long)ds);
        if (dx != ds && dx != 1 && ds != 1) return MALFORMED("shape does not broadcast");
        d[j] = dx == 1 ? ds : dx;
    }
    if (!x->is_const) {
        sym *zeros = new_sym(im);
        if (!zeros) return bd_err_set(im->err, BD_ERR_LIMIT, "too many values");
        if ((st = const_alloc(im, zeros, true, r, d))) return st;
        zeros->name = im->node->outputs[0];
        for (size_t k = 0; k < zeros->n; k++) zeros->f[k] = 0.0f;
        return binary_ir(im, BD_OP_ADD, x, zeros, out);
    }
    if ((st = def_out(im, 0, &out)) || (st = const_alloc(im, out, x->is_float, r, d))) return st;
    int64_t idx[MAXR] = {0};
    for (size_t e = 0; e < out->n; e++) {
        size_t off = 0;
        for (int j = 0; j < r; j++) {
            int kx = x->rank - r + j;
            if (kx >= 0)
                off = off * (size_t)x->dims[kx] + (x->dims[kx] == 1 ? 0 : (size_t)idx[j]);
        }
        if (x->is_float) out->f[e] = x->f[off];
        else out->i[e] = x->i[off];
        for (int j = r - 1; j >= 0; j--) {
            if (++idx[j] < d[j]) break;
            idx[j] = 0;
        }
    }
    return BD_OK;
}

/* Range(start, limit, delta) on constants: max(ceil((limit - start) / delta), 0)
 * elements start + k * delta. */
static bd_status op_range(importer *im) {
    sym *a[3], *out;
    bd_status st;
    bool is_float = false;
    for (int k = 0; k < 3; k++) {
        if ((st = get_in(im, k, &a[k])) || (st = need_const(im, a[k]))) return st;
        if (a[k]->n != 1) return MALFORMED("input %d is not a scalar", k);
        is_float = is_float || a[k]->is_float;
    }
    double s = cval(a[0], 0), l = cval(a[1], 0), d = cval(a[2], 0);
    if (d == 0 || !isfinite(s) || !isfinite(l) || !isfinite(d)) return MALFORMED("invalid range");
    double cnt = ceil((l - s) / d);
    if (cnt < 0) cnt = 0;
    if (cnt > 1e7) return UNSUPPORTED("a range of %g elements", cnt);
    int64_t n = (int64_t)cnt;
    if (n == 0) return UNSUPPORTED("an empty range");
    if ((st = def_out(im, 0, &out)) || (st = const_alloc(im, out, is_float, 1, &n))) return st;
    for (int64_t k = 0; k < n; k++) {
        if (is_float) out->f[k] = (float)(cval(a[0], 0) + (double)k * d);
        else out->i[k] = a[0]->i[0] + k * a[2]->i[0];
    }
    return BD_OK;
}

/* ---- driver ------------------------------------------------------------------------ */

typedef struct op_entry {
    const char *name;
    bd_status (*fn)(importer *im);
    int min_opset; /* first opset whose semantics the handler implements */
} op_entry;

static const op_entry op_table[] = {
    {"Add", op_arith, 7}, {"Sub", op_arith, 7}, {"Mul", op_arith, 7}, {"Div", op_arith, 7},
    {"Relu", op_relu, 6}, {"Sigmoid", op_sigmoid, 6}, {"Tanh", op_tanh, 6},
    {"HardSwish", op_hardswish, 14}, {"HardSigmoid", op_hardsigmoid, 6}, {"Clip", op_clip, 6},
    {"Conv", op_conv, 1}, {"ConvTranspose", op_conv_transpose, 1},
    {"AveragePool", op_pool, 7}, {"MaxPool", op_pool, 1},
    {"GlobalAveragePool", op_global_avg_pool, 1}, {"ReduceMean", op_reduce_mean, 1},
    {"Resize", op_resize, 10}, {"Upsample", op_resize, 7}, {"Concat", op_concat, 4},
    {"Transpose", op_transpose, 1}, {"Reshape", op_reshape, 5}, {"Flatten", op_flatten, 1},
    {"Squeeze", op_squeeze, 1}, {"Unsqueeze", op_unsqueeze, 1}, {"MatMul", op_matmul, 1},
    {"Gemm", op_gemm, 7}, {"BatchNormalization", op_batchnorm, 7},
    {"Identity", op_identity, 1}, {"Dropout", op_identity, 7}, {"Shape", op_shape, 1},
    {"Gather", op_gather, 1}, {"Slice", op_slice, 1}, {"Cast", op_cast, 6},
    {"Constant", op_constant, 1}, {"ConstantOfShape", op_constant_of_shape, 9},
    {"PRelu", op_prelu, 7}, {"LeakyRelu", op_prelu, 6}, {"Softmax", op_softmax, 1},
    {"Pad", op_pad, 2}, {"Split", op_split, 2}, {"Equal", op_logic, 7}, {"Less", op_logic, 7},
    {"Greater", op_logic, 7}, {"Not", op_logic, 1}, {"Where", op_logic, 9},
    {"Min", op_logic, 8}, {"Max", op_logic, 8}, {"Expand", op_expand, 8},
    {"Range", op_range, 11},
};

/* The highest default-domain opset this importer was written against. */
#define MAX_OPSET 22

static bd_status import_node(importer *im, int index) {
    const onnx_node *nd = &im->om.nodes[index];
    char op[48], dom[48];
    im->node = nd;
    im->node_index = index;
    im->op_name = "?";
    onnx_str_print(nd->op_type, op, sizeof op);
    bd_status st = bd_graph_count_src_op(im->g, op, im->err);
    if (st) return st;
    if (nd->domain.len && !onnx_str_eq(nd->domain, "ai.onnx"))
        return UNSUPPORTED("operator %s of domain '%s' is not supported", op,
                           onnx_str_print(nd->domain, dom, sizeof dom));
    for (size_t k = 0; k < sizeof op_table / sizeof op_table[0]; k++) {
        if (!onnx_str_eq(nd->op_type, op_table[k].name)) continue;
        if (im->opset < op_table[k].min_opset)
            return UNSUPPORTED("operator %s is supported from opset %d", op,
                               op_table[k].min_opset);
        im->op_name = op_table[k].name;
        return op_table[k].fn(im);
    }
    return UNSUPPORTED("unsupported operator %s", op);
}

/* Graph input: a float32 tensor with a fixed shape (a symbolic batch = 1). */
static bd_status import_input(importer *im, const onnx_value_info *vi) {
    char name[200];
    cname(vi->name, name, sizeof name);
    if (vi->elem_type != ONNX_FLOAT)
        return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                          "graph input '%s' has element type %d (only float32)", name,
                          (int)vi->elem_type);
    if (vi->n_dims < 0 || vi->n_dims > BD_MAX_DIMS)
        return bd_err_set(im->err, BD_ERR_UNSUPPORTED, "graph input '%s' has no usable shape",
                          name);
    int64_t d[MAXR];
    for (int k = 0; k < vi->n_dims; k++) {
        d[k] = vi->dims[k];
        if (d[k] < 0 && k == 0) d[k] = 1;
        if (d[k] < 1)
            return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                              "graph input '%s' dimension %d is symbolic or empty; a fixed "
                              "input size is needed",
                              name, k);
    }
    sym *s;
    bd_status st = define(im, vi->name, &s, "a graph input");
    if (st) return st;
    s->is_const = false;
    s->rank = vi->n_dims;
    for (int k = 0; k < s->rank; k++) {
        s->dims[k] = d[k];
        s->perm[k] = k;
    }
    int v = bd_graph_add_value(im->g, name, BD_DTYPE_F32, s->rank, d, im->err);
    if (v < 0) return v;
    s->v = v;
    im->g->values[v].is_input = true;
    int *in = realloc(im->g->inputs, sizeof(int) * ((size_t)im->g->n_inputs + 1));
    if (!in) return bd_err_set(im->err, BD_ERR_NO_MEMORY, "out of memory");
    im->g->inputs = in;
    in[im->g->n_inputs++] = v;
    return BD_OK;
}

/* Graph output: held in ONNX order by a value of its own, named as in the file. */
static bd_status import_output(importer *im, const onnx_value_info *vi) {
    char name[200];
    cname(vi->name, name, sizeof name);
    sym *s = lookup(im, vi->name);
    if (!s) return bd_err_set(im->err, BD_ERR_FORMAT, "graph output '%s' is never computed", name);
    if (s->is_const)
        return bd_err_set(im->err, BD_ERR_UNSUPPORTED, "graph output '%s' is a constant", name);
    int v;
    bd_status st;
    if (mem_equal(s->dims, s->rank, s->perm, ID_PERM)) {
        /* Same memory order: only the declared dims differ; use a shape-only view. */
        sym t;
        memset(&t, 0, sizeof t);
        t.name = s->name;
        if ((st = reshape_to(im, s, &t, s->rank, s->dims))) return st;
        v = t.v;
    } else if ((st = layout(im, s, ID_PERM, &v))) {
        return st;
    }
    bd_value *val = &im->g->values[v];
    if (val->is_input || val->is_output) { /* outputs get buffers of their own */
        int64_t d[MAXR];
        memcpy(d, val->dims, sizeof d);
        int c = bd_graph_add_value(im->g, name, BD_DTYPE_F32, val->n_dims, d, im->err);
        if (c < 0) return c;
        bd_node n = node_init(im, BD_OP_RESHAPE);
        n.src_index = im->om.n_nodes;
        n.n_inputs = 1;
        n.inputs[0] = v;
        n.output = c;
        if ((st = add_node(im, &n))) return st;
        v = c;
        val = &im->g->values[v];
    }
    if (strcmp(val->name, name) != 0) { /* report the file's output name */
        size_t len = strlen(name);
        char *nn = malloc(len + 1);
        if (!nn) return bd_err_set(im->err, BD_ERR_NO_MEMORY, "out of memory");
        memcpy(nn, name, len + 1);
        free(val->name);
        val->name = nn;
    }
    val->is_output = true;
    int *o = realloc(im->g->outputs, sizeof(int) * ((size_t)im->g->n_outputs + 1));
    if (!o) return bd_err_set(im->err, BD_ERR_NO_MEMORY, "out of memory");
    im->g->outputs = o;
    o[im->g->n_outputs++] = v;
    return BD_OK;
}

/* metadata_props with keys "backdrop.KEY" become g->conventions, one "KEY = VALUE"
 * line each, for the conventions parser (which checks them like a sidecar file).
 * A key or value with a line break or a NUL would change the lines: refused. */
static bd_status import_conventions(const onnx_model *om, bd_graph *g, bd_err *err) {
    static const char prefix[] = "backdrop.";
    const size_t np = sizeof prefix - 1;
    size_t total = 0;
    for (int k = 0; k < om->n_props; k++) {
        onnx_str key = om->prop_key[k], v = om->prop_value[k];
        if (key.len <= np || memcmp(key.s, prefix, np) != 0) continue;
        if (memchr(key.s, '\n', key.len) || memchr(v.s, '\n', v.len) || memchr(key.s, 0, key.len) ||
            memchr(v.s, 0, v.len) || memchr(key.s, '\r', key.len) || memchr(v.s, '\r', v.len) ||
            key.len > 256 || v.len > 1024)
            return bd_err_set(err, BD_ERR_FORMAT,
                              "metadata_props entry %d: a backdrop.* key or value with a line "
                              "break, NUL or over 1024 bytes",
                              k);
        total += key.len - np + v.len + 4;
    }
    if (total == 0) return BD_OK;
    g->conventions = malloc(total + 1);
    if (!g->conventions) return bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory");
    size_t n = 0;
    for (int k = 0; k < om->n_props; k++) {
        onnx_str key = om->prop_key[k], v = om->prop_value[k];
        if (key.len <= np || memcmp(key.s, prefix, np) != 0) continue;
        memcpy(g->conventions + n, key.s + np, key.len - np);
        n += key.len - np;
        memcpy(g->conventions + n, " = ", 3);
        n += 3;
        memcpy(g->conventions + n, v.s, v.len);
        n += v.len;
        g->conventions[n++] = '\n';
    }
    g->conventions[n] = '\0';
    return BD_OK;
}

bd_status bd_onnx_import(const uint8_t *data, size_t size, const bd_model_options *opts,
                         const char *base_dir, bd_graph *g, bd_err *err) {
    importer imv;
    importer *im = &imv;
    memset(im, 0, sizeof *im);
    im->g = g;
    im->err = err;
    im->opts = opts;
    bd_status st = onnx_parse(data, size, opts, &im->om, err);
    if (st) return st;
    onnx_model *om = &im->om;
    char b1[64], b2[32];
    im->opset = onnx_default_opset(om);
    if (im->opset < 7 || im->opset > MAX_OPSET) {
        st = bd_err_set(err, BD_ERR_UNSUPPORTED,
                        "ONNX default-domain opset %lld is not supported (7..%d)",
                        (long long)im->opset, MAX_OPSET);
        goto done;
    }
    {
        char desc[160];
        snprintf(desc, sizeof desc, "%s %s (ONNX IR %lld, opset %lld)",
                 onnx_str_print(om->producer_name, b1, sizeof b1),
                 onnx_str_print(om->producer_version, b2, sizeof b2),
                 (long long)om->ir_version, (long long)im->opset);
        size_t len = strlen(desc);
        g->description = malloc(len + 1);
        if (!g->description) {
            st = bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory");
            goto done;
        }
        memcpy(g->description, desc, len + 1);
    }
    if ((st = import_conventions(om, g, err))) goto done;
    /* Symbols: initializers, inputs, every node output, and temporaries (at most
     * 8 per node); the hash table is at least twice as large. */
    size_t cap = (size_t)om->n_inits + (size_t)om->n_inputs + 16;
    for (int k = 0; k < om->n_nodes; k++) cap += (size_t)om->nodes[k].n_outputs + 8;
    if (cap > (size_t)1 << 24) {
        st = bd_err_set(err, BD_ERR_LIMIT, "the model has too many values");
        goto done;
    }
    im->cap_syms = (int)cap;
    im->syms = calloc(cap, sizeof(sym));
    im->table_cap = 16;
    while (im->table_cap < 2 * cap) im->table_cap *= 2;
    im->table = malloc(sizeof(int) * im->table_cap);
    if (!im->syms || !im->table) {
        st = bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    for (size_t k = 0; k < im->table_cap; k++) im->table[k] = -1;

    for (int k = 0; k < om->n_inits; k++) {
        sym *s;
        const onnx_tensor *t = &om->inits[k];
        if ((st = define(im, t->name, &s, "an initializer"))) goto done;
        if (t->external) { /* read from its file, then converted as raw_data */
            uint8_t *buf = NULL;
            onnx_tensor resolved;
            if ((st = onnx_external_read(t, base_dir, &buf, &resolved, err))) goto done;
            st = const_from_tensor(im, s, &resolved);
            free(buf);
            if (st) goto done;
        } else if ((st = const_from_tensor(im, s, t))) {
            goto done;
        }
        if (onnx_dtype_is_float(t->data_type)) g->n_params += (int64_t)t->n_elems;
    }
    /* Graph inputs that repeat an initializer's name (IR version < 4 requires
     * this) are constants with a default, and we use the default. */
    for (int k = 0; k < om->n_inputs; k++) {
        if (lookup(im, om->inputs[k].name)) continue;
        if ((st = import_input(im, &om->inputs[k]))) goto done;
    }
    if (g->n_inputs == 0) {
        st = bd_err_set(err, BD_ERR_UNSUPPORTED, "the graph has no (non-constant) input");
        goto done;
    }
    for (int k = 0; k < om->n_nodes; k++)
        if ((st = import_node(im, k))) goto done;
    if (om->n_outputs == 0) {
        st = bd_err_set(err, BD_ERR_FORMAT, "the graph has no outputs");
        goto done;
    }
    for (int k = 0; k < om->n_outputs; k++)
        if ((st = import_output(im, &om->outputs[k]))) goto done;
done:
    for (int k = 0; im->syms && k < im->n_syms; k++) sym_free_data(&im->syms[k]);
    free(im->syms);
    free(im->table);
    onnx_model_free(&im->om);
    return st;
}
