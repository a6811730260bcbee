/*
 * onnx_values.c -- the ONNX importer's bookkeeping, shared by every op lowering
 * (onnx_lower.h): messages naming the current node, the symbol table of ONNX
 * values, host constants, attribute and constant-input readers, and IR
 * construction with layout tracking (a value's perm, the RESHAPE or TRANSPOSE
 * that brings it to another one, constants permuted on the way into the IR).
 *
 * The layout rules themselves are described at the top of onnx_lower.h.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/onnx/onnx_lower.h"

/* ---- messages ---------------------------------------------------------------------- */

/* Fails the current node: "node 12 'Conv__221' (Conv, opset 11): ...". */
bd_status bd_onnx_fail(importer *im, bd_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bd_status bd_onnx_fail(importer *im, bd_status st, const char *fmt, ...) {
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

/* ---- symbols ----------------------------------------------------------------------- */

static size_t hash_str(onnx_str s) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < s.len; i++) h = (h ^ (uint8_t)s.s[i]) * 1099511628211ull;
    return (size_t)h;
}

sym *bd_onnx_lookup(importer *im, onnx_str name) {
    size_t mask = im->table_cap - 1;
    for (size_t at = hash_str(name) & mask;; at = (at + 1) & mask) {
        int k = im->table[at];
        if (k < 0) return NULL;
        if (onnx_str_same(im->syms[k].name, name)) return &im->syms[k];
    }
}

/* A fresh symbol (not named in the table). Capacity was reserved up front. */
sym *bd_onnx_new_sym(importer *im) {
    if (im->n_syms >= im->cap_syms) return NULL;
    sym *s = &im->syms[im->n_syms++];
    memset(s, 0, sizeof *s);
    s->v = -1;
    s->alt_v = -1;
    return s;
}

/* Defines ONNX value `name`; an SSA graph defines each name once. */
bd_status bd_onnx_define(importer *im, onnx_str name, sym **out, const char *what) {
    char buf[64];
    if (name.len == 0)
        return bd_err_set(im->err, BD_ERR_FORMAT, "%s has an empty name", what);
    if (bd_onnx_lookup(im, name))
        return bd_err_set(im->err, BD_ERR_FORMAT, "value '%s' (%s) is defined twice",
                          onnx_str_print(name, buf, sizeof buf), what);
    sym *s = bd_onnx_new_sym(im);
    if (!s) return bd_err_set(im->err, BD_ERR_LIMIT, "too many values");
    s->name = name;
    size_t mask = im->table_cap - 1, at = hash_str(name) & mask;
    while (im->table[at] >= 0) at = (at + 1) & mask;
    im->table[at] = (int)(s - im->syms);
    *out = s;
    return BD_OK;
}

void bd_onnx_sym_free(sym *s) {
    free(s->f);
    free(s->i);
    s->f = NULL;
    s->i = NULL;
}

bool bd_onnx_has_in(const importer *im, int k) {
    return k < im->node->n_inputs && im->node->inputs[k].len > 0;
}

/* Input k of the current node (must be present and defined). */
bd_status bd_onnx_in(importer *im, int k, sym **out) {
    char buf[64];
    if (!bd_onnx_has_in(im, k)) return MALFORMED("input %d is missing", k);
    sym *s = bd_onnx_lookup(im, im->node->inputs[k]);
    if (!s)
        return MALFORMED("input '%s' is not defined by an earlier node, an initializer or a "
                         "graph input",
                         onnx_str_print(im->node->inputs[k], buf, sizeof buf));
    *out = s;
    return BD_OK;
}

/* Defines output k of the current node. */
bd_status bd_onnx_out(importer *im, int k, sym **out) {
    if (k >= im->node->n_outputs || im->node->outputs[k].len == 0)
        return MALFORMED("output %d is missing", k);
    return bd_onnx_define(im, im->node->outputs[k], out, "a node output");
}

/* ---- constants --------------------------------------------------------------------- */

/* Makes s a constant of the given shape with room for its elements. */
bd_status bd_onnx_const_alloc(importer *im, sym *s, bool is_float, int rank, const int64_t *dims) {
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

/* Decodes a TensorProto (initializer or attribute) into constant s. */
bd_status bd_onnx_const_from_tensor(importer *im, sym *s, const onnx_tensor *t) {
    bool is_float = onnx_dtype_is_float(t->data_type);
    bd_status st = bd_onnx_const_alloc(im, s, is_float, t->n_dims, t->dims);
    if (st) return st;
    return is_float ? onnx_tensor_f32(t, s->f, im->err) : onnx_tensor_i64(t, s->i, im->err);
}

/* Input k as a constant of at most max elements. */
static bd_status const_in(importer *im, int k, size_t max, sym **out) {
    sym *s;
    bd_status st = bd_onnx_in(im, k, &s);
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
    *out = s;
    return BD_OK;
}

/* Reads constant input k as int64 values (at most max). */
bd_status bd_onnx_const_ints(importer *im, int k, int64_t *dst, size_t max, size_t *n) {
    sym *s = NULL;
    bd_status st = const_in(im, k, max, &s);
    if (st) return st;
    for (size_t j = 0; j < s->n; j++) dst[j] = ival(s, j);
    *n = s->n;
    return BD_OK;
}

bd_status bd_onnx_const_floats(importer *im, int k, float *dst, size_t max, size_t *n) {
    sym *s = NULL;
    bd_status st = const_in(im, k, max, &s);
    if (st) return st;
    for (size_t j = 0; j < s->n; j++) dst[j] = (float)cval(s, j);
    *n = s->n;
    return BD_OK;
}

/* A zero-filled float32 IR constant with dims, filled by the caller. */
int bd_onnx_new_const(importer *im, const char *name, int rank, const int64_t *dims, float **data) {
    void *p = NULL;
    int v = bd_graph_add_const(im->g, name, BD_DTYPE_F32, rank, dims, &p, im->err);
    *data = p;
    return v;
}

/* Bias input k (optional): an IR constant [n] (zeros when absent). */
int bd_onnx_bias_in(importer *im, int k, int64_t n, float scale) {
    float *b = NULL;
    sym *s = NULL;
    if (bd_onnx_has_in(im, k)) {
        bd_status st = bd_onnx_in(im, k, &s);
        if (st) return st;
        if (!s->is_const) return UNSUPPORTED("bias must be a constant");
        if (s->n != (size_t)n && s->n != 1)
            return MALFORMED("bias has %zu values, expected %lld", s->n, (long long)n);
    }
    char name[160], base[128];
    snprintf(name, sizeof name, "%s", s ? onnx_str_print(s->name, base, sizeof base) : "zero_bias");
    int v = bd_onnx_new_const(im, name, 1, &n, &b);
    if (v < 0) return v;
    for (int64_t c = 0; s && c < n; c++) b[c] = scale * (float)cval(s, s->n == 1 ? 0 : (size_t)c);
    return v;
}

/* ---- attributes -------------------------------------------------------------------- */

bd_status bd_onnx_attr_int(importer *im, const char *name, int64_t def, int64_t *out) {
    const onnx_attr *a = onnx_node_attr(im->node, name);
    *out = def;
    if (!a) return BD_OK;
    if (a->type != ONNX_ATTR_INT) return MALFORMED("attribute '%s' is not an int", name);
    *out = a->i;
    return BD_OK;
}

bd_status bd_onnx_attr_float(importer *im, const char *name, float def, float *out) {
    const onnx_attr *a = onnx_node_attr(im->node, name);
    *out = def;
    if (!a) return BD_OK;
    if (a->type != ONNX_ATTR_FLOAT) return MALFORMED("attribute '%s' is not a float", name);
    *out = a->f;
    return BD_OK;
}

/* String attribute; *out stays `def` when absent. */
bd_status bd_onnx_attr_str(importer *im, const char *name, const char *def, onnx_str *out) {
    const onnx_attr *a = onnx_node_attr(im->node, name);
    out->s = def;
    out->len = strlen(def);
    if (!a) return BD_OK;
    if (a->type != ONNX_ATTR_STRING) return MALFORMED("attribute '%s' is not a string", name);
    *out = a->s;
    return BD_OK;
}

/* ints attribute into dst[max]; *n = -1 when absent. */
bd_status bd_onnx_attr_ints(importer *im, const char *name, int64_t *dst, size_t max, int *n) {
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
bd_status bd_onnx_new_ir(importer *im, sym *s, int rank, const int64_t *onnx_dims, const int *perm,
                        const char *suffix) {
    char name[200], base[160];
    int64_t d[MAXR];
    if (rank > MAXR) return UNSUPPORTED("result of rank %d", rank);
    snprintf(name, sizeof name, "%s%s", onnx_str_print(s->name, base, sizeof base), suffix);
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

bd_node bd_onnx_node(importer *im, bd_op_type op) {
    bd_node n;
    bd_node_init(&n, op, im->node_index, im->op_name);
    return n;
}

bd_node bd_onnx_node1(importer *im, bd_op_type op, int in_v, int out_v) {
    bd_node n = bd_onnx_node(im, op);
    n.n_inputs = 1;
    n.inputs[0] = in_v;
    n.output = out_v;
    return n;
}

bd_node bd_onnx_node3(importer *im, bd_op_type op, int a, int b, int c, int out_v) {
    bd_node n = bd_onnx_node1(im, op, a, out_v);
    n.n_inputs = 3;
    n.inputs[1] = b;
    n.inputs[2] = c;
    return n;
}

bd_status bd_onnx_add_node(importer *im, const bd_node *n) {
    int r = bd_graph_add_node(im->g, n, im->err);
    return r < 0 ? r : BD_OK;
}

/* An IR constant holding constant s padded to `rank` (leading 1s, as ONNX
 * broadcasting aligns right) and permuted by perm. Returns the value or < 0. */
int bd_onnx_const_ir(importer *im, const sym *s, int rank, const int *perm) {
    char name[200], base[160];
    int64_t pd[MAXR], d[MAXR];
    int lead = rank - s->rank;
    if (lead < 0 || rank > BD_MAX_DIMS) {
        UNSUPPORTED("constant '%s' of rank %d used at rank %d",
                    onnx_str_print(s->name, base, sizeof base), s->rank, rank);
        return BD_ERR_UNSUPPORTED;
    }
    for (int k = 0; k < rank; k++) pd[k] = k < lead ? 1 : s->dims[k - lead];
    for (int k = 0; k < rank; k++)
        if (pd[k] < 1) {
            UNSUPPORTED("empty constant '%s'", onnx_str_print(s->name, base, sizeof base));
            return BD_ERR_UNSUPPORTED;
        }
    ir_dims_of(pd, rank, perm, d);
    snprintf(name, sizeof name, "%s",
             s->name.len ? onnx_str_print(s->name, base, sizeof base) : "const");
    float *dst = NULL;
    int v = bd_onnx_new_const(im, name, rank, d, &dst);
    if (v < 0) return v;
    const bd_value *val = &im->g->values[v];
    /* dst at IR index (i_0..i_r-1) = src at ONNX index a with a[perm[j]] = i_j. */
    size_t src_stride[MAXR];
    row_strides(pd, rank, src_stride);
    int64_t idx[MAXR] = {0};
    for (size_t e = 0; e < val->n_elems; e++) {
        size_t off = 0;
        for (int j = 0; j < rank; j++) off += (size_t)idx[j] * src_stride[perm[j]];
        dst[e] = (float)cval(s, off);
        next_index(idx, d, rank);
    }
    return v;
}

bool bd_onnx_perm_eq(const int *a, const int *b, int rank) {
    for (int k = 0; k < rank; k++)
        if (a[k] != b[k]) return false;
    return true;
}

/* True if layouts pa and pb of a value with ONNX dims `dims` have the same
 * memory order: their non-unit axes appear in the same sequence. */
bool bd_onnx_mem_equal(const int64_t *dims, int rank, const int *pa, const int *pb) {
    int ja = 0, jb = 0;
    for (;;) {
        while (ja < rank && dims[pa[ja]] == 1) ja++;
        while (jb < rank && dims[pb[jb]] == 1) jb++;
        if (ja == rank || jb == rank) return ja == rank && jb == rank;
        if (pa[ja++] != pb[jb++]) return false;
    }
}

/* Elements of s that holding it in layout c would transpose: none when it is
 * held so already, converted so already, or its memory order is the same. */
static size_t layout_cost(const sym *s, int r, const int *c) {
    if (s->is_const || s->rank != r || bd_onnx_perm_eq(s->perm, c, r) ||
        (s->alt_v >= 0 && bd_onnx_perm_eq(s->alt_perm, c, r)) ||
        bd_onnx_mem_equal(s->dims, r, s->perm, c))
        return 0;
    size_t n = 1;
    for (int j = 0; j < r; j++) n *= (size_t)s->dims[j];
    return n;
}

void bd_onnx_pick_layout(const importer *im, sym *const *ops, int n, int r, int *perm) {
    const bool onnx_order = im->onnx_order && im->onnx_order[im->node_index];
    const int *best = ID_PERM;
    size_t best_cost = SIZE_MAX;
    bool best_pref = false;
    for (int k = 0; k < 2 * n; k++) {
        const sym *s = ops[k / 2];
        if (s->is_const || s->rank != r || (k % 2 == 1 && s->alt_v < 0)) continue;
        const int *c = k % 2 == 0 ? s->perm : s->alt_perm;
        size_t cost = 0;
        for (int j = 0; j < n; j++) cost += layout_cost(ops[j], r, c);
        const bool pref = onnx_order ? bd_onnx_perm_eq(c, ID_PERM, r)
                                     : r == 4 && bd_onnx_perm_eq(c, NHWC_PERM, 4);
        if (cost < best_cost || (cost == best_cost && pref && !best_pref)) {
            best = c;
            best_cost = cost;
            best_pref = pref;
        }
    }
    memcpy(perm, best, sizeof(int) * (size_t)r);
}

/* The IR value holding s in layout `want` (adding a RESHAPE or TRANSPOSE node if
 * needed; constants become IR constants). */
bd_status bd_onnx_layout(importer *im, sym *s, const int *want, int *v_out) {
    if (s->is_const) {
        int v = bd_onnx_const_ir(im, s, s->rank, want);
        if (v < 0) return v;
        *v_out = v;
        return BD_OK;
    }
    if (bd_onnx_perm_eq(s->perm, want, s->rank)) {
        *v_out = s->v;
        return BD_OK;
    }
    if (s->alt_v >= 0 && bd_onnx_perm_eq(s->alt_perm, want, s->rank)) {
        *v_out = s->alt_v;
        return BD_OK;
    }
    char name[200], base[160];
    int64_t d[MAXR];
    ir_dims_of(s->dims, s->rank, want, d);
    bool same_mem = bd_onnx_mem_equal(s->dims, s->rank, s->perm, want);
    snprintf(name, sizeof name, "%s/%s", onnx_str_print(s->name, base, sizeof base),
             same_mem ? "reshaped" : "transposed");
    int v = add_value(im, name, s->rank, d);
    if (v < 0) return v;
    bd_node n = bd_onnx_node1(im, same_mem ? BD_OP_RESHAPE : BD_OP_TRANSPOSE, s->v, v);
    if (!same_mem) {
        /* IR' axis i is ONNX axis want[i], which is IR axis inv(perm)[want[i]]. */
        int inv[MAXR];
        for (int j = 0; j < s->rank; j++) inv[s->perm[j]] = j;
        for (int i = 0; i < s->rank; i++) n.perm[i] = inv[want[i]];
    }
    bd_status st = bd_onnx_add_node(im, &n);
    if (st) return st;
    s->alt_v = v;
    memcpy(s->alt_perm, want, sizeof(int) * (size_t)s->rank);
    *v_out = v;
    return BD_OK;
}

/* Input k as a rank-4 value in NHWC (ONNX NCHW). */
bd_status bd_onnx_spatial_in(importer *im, int k, sym **s, int *v) {
    bd_status st = bd_onnx_in(im, k, s);
    if (st) return st;
    char buf[64];
    if ((*s)->rank != 4)
        return UNSUPPORTED("input '%s' has rank %d; only 2-D spatial (NCHW) data is supported",
                           onnx_str_print((*s)->name, buf, sizeof buf), (*s)->rank);
    if ((*s)->is_const) return UNSUPPORTED("a constant spatial input");
    return bd_onnx_layout(im, *s, NHWC_PERM, v);
}

/* out = in with new ONNX dims (same elements, ONNX memory order). */
bd_status bd_onnx_reshape_to(importer *im, sym *in, sym *out, int rank, const int64_t *dims) {
    size_t n = 1;
    for (int k = 0; k < rank; k++) {
        if (dims[k] < 0 || !bd_size_mul(n, (size_t)dims[k], &n))
            return MALFORMED("invalid target dimension %lld", (long long)dims[k]);
    }
    size_t have = 1;
    for (int k = 0; k < in->rank; k++) have *= (size_t)in->dims[k];
    if (n != have) return MALFORMED("reshape from %zu to %zu elements", have, n);
    if (in->is_const) {
        bd_status st = bd_onnx_const_alloc(im, out, in->is_float, rank, dims);
        if (st) return st;
        if (in->is_float) memcpy(out->f, in->f, sizeof(float) * n);
        else memcpy(out->i, in->i, sizeof(int64_t) * n);
        return BD_OK;
    }
    if (rank > BD_MAX_DIMS) return UNSUPPORTED("result of rank %d", rank);
    int v = in->v;
    bd_status st;
    if (!bd_onnx_mem_equal(in->dims, in->rank, in->perm, ID_PERM) &&
        (st = bd_onnx_layout(im, in, ID_PERM, &v)))
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
    if ((st = bd_onnx_new_ir(im, out, rank, dims, ID_PERM, ""))) return st;
    bd_node nd = bd_onnx_node1(im, BD_OP_RESHAPE, v, out->v);
    return bd_onnx_add_node(im, &nd);
}

/* Right-aligned broadcast of two ONNX shapes (numpy rules). */
bool bd_onnx_broadcast(const sym *a, const sym *b, int *rank, int64_t *dims) {
    return bd_broadcast_shape(a->rank, a->dims, b->rank, b->dims, rank, dims, NULL);
}
