/*
 * ir.c -- graph construction (values with checked shapes, constants, nodes, the
 * source-op histogram), the helpers both importers share (broadcasting, printable
 * names), window geometry, compaction and liveness analysis. The verifier with
 * shape inference is in infer.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"

static const char *const op_names[BD_OP_COUNT] = {
    [BD_OP_NONE] = "NONE",
    [BD_OP_CONV2D] = "CONV2D",
    [BD_OP_DWCONV2D] = "DWCONV2D",
    [BD_OP_TCONV2D] = "TCONV2D",
    [BD_OP_ADD] = "ADD",
    [BD_OP_MUL] = "MUL",
    [BD_OP_RELU] = "RELU",
    [BD_OP_RELU6] = "RELU6",
    [BD_OP_CLAMP] = "CLAMP",
    [BD_OP_HARDSWISH] = "HARDSWISH",
    [BD_OP_SIGMOID] = "SIGMOID",
    [BD_OP_TANH] = "TANH",
    [BD_OP_MEAN_HW] = "MEAN_HW",
    [BD_OP_AVGPOOL2D] = "AVGPOOL2D",
    [BD_OP_MAXPOOL2D] = "MAXPOOL2D",
    [BD_OP_RESIZE_BILINEAR] = "RESIZE_BILINEAR",
    [BD_OP_CONCAT] = "CONCAT",
    [BD_OP_RESHAPE] = "RESHAPE",
    [BD_OP_DEQUANTIZE] = "DEQUANTIZE",
    [BD_OP_TRANSPOSE] = "TRANSPOSE",
    [BD_OP_FULLY_CONNECTED] = "FULLY_CONNECTED",
    [BD_OP_SUB] = "SUB",
    [BD_OP_DIV] = "DIV",
    [BD_OP_PRELU] = "PRELU",
    [BD_OP_SOFTMAX] = "SOFTMAX",
    [BD_OP_INSTANCE_NORM] = "INSTANCE_NORM",
    [BD_OP_PAD] = "PAD",
    [BD_OP_SLICE] = "SLICE",
    [BD_OP_RESIZE_NEAREST] = "RESIZE_NEAREST",
    [BD_OP_RESIZE_AFFINE] = "RESIZE_AFFINE",
};

const char *bd_op_name(bd_op_type op) {
    return (op >= 0 && op < BD_OP_COUNT && op_names[op]) ? op_names[op] : "?";
}

size_t bd_dtype_size(bd_dtype dt) {
    switch (dt) {
    case BD_DTYPE_F32: return 4;
    case BD_DTYPE_F16: return 2;
    case BD_DTYPE_I32: return 4;
    case BD_DTYPE_U8: return 1;
    case BD_DTYPE_I8: return 1;
    case BD_DTYPE_I64: return 8;
    default: return 0;
    }
}

void bd_graph_init(bd_graph *g, size_t max_tensor_bytes) {
    memset(g, 0, sizeof *g);
    g->max_tensor_bytes = max_tensor_bytes;
}

void bd_graph_free(bd_graph *g) {
    if (!g) return;
    for (int i = 0; i < g->n_values; i++) {
        free(g->values[i].name);
        bd_aligned_free(g->values[i].data);
    }
    free(g->values);
    for (int i = 0; i < g->n_nodes; i++) {
        bd_aligned_free(g->nodes[i].packed);
        bd_aligned_free(g->nodes[i].packed_f16);
        bd_aligned_free(g->nodes[i].packed_bf16);
        bd_aligned_free(g->nodes[i].packed_int8);
    }
    free(g->nodes);
    free(g->inputs);
    free(g->outputs);
    free(g->description);
    free(g->conventions);
    free(g->hist);
    memset(g, 0, sizeof *g);
}

/* Grows an array of `elem` bytes to hold at least need elements. */
static bool grow(void **arr, int *cap, int need, size_t elem) {
    if (need <= *cap) return true;
    int ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > (1 << 28)) return false;
        ncap *= 2;
    }
    size_t bytes;
    if (!bd_size_mul((size_t)ncap, elem, &bytes)) return false;
    void *p = realloc(*arr, bytes);
    if (!p) return false;
    *arr = p;
    *cap = ncap;
    return true;
}

/* Checks dims and computes element and byte counts. */
static bd_status check_shape(const bd_graph *g, const char *name, bd_dtype dtype, int n_dims,
                             const int64_t *dims, size_t *n_elems, size_t *n_bytes,
                             bd_err *err) {
    if (n_dims < 0 || n_dims > BD_MAX_DIMS)
        return bd_err_set(err, BD_ERR_UNSUPPORTED, "tensor '%s' has %d dimensions (max %d)",
                          name, n_dims, BD_MAX_DIMS);
    size_t elems = 1;
    for (int i = 0; i < n_dims; i++) {
        if (dims[i] < 1 || (uint64_t)dims[i] > (uint64_t)SIZE_MAX ||
            !bd_size_mul(elems, (size_t)dims[i], &elems))
            return bd_err_set(err, BD_ERR_FORMAT, "tensor '%s' has invalid dimension %d = %lld",
                              name, i, (long long)dims[i]);
    }
    size_t esize = bd_dtype_size(dtype), bytes;
    if (esize == 0)
        return bd_err_set(err, BD_ERR_UNSUPPORTED, "tensor '%s' has an unsupported dtype %d",
                          name, (int)dtype);
    if (!bd_size_mul(elems, esize, &bytes) || bytes > g->max_tensor_bytes)
        return bd_err_set(err, BD_ERR_LIMIT, "tensor '%s' is larger than the limit of %zu bytes",
                          name, g->max_tensor_bytes);
    *n_elems = elems;
    *n_bytes = bytes;
    return BD_OK;
}

int bd_graph_add_value(bd_graph *g, const char *name, bd_dtype dtype, int n_dims,
                       const int64_t *dims, bd_err *err) {
    if (!name) name = "";
    size_t elems, bytes;
    bd_status st = check_shape(g, name, dtype, n_dims, dims, &elems, &bytes, err);
    if (st) return st;
    if (!grow((void **)&g->values, &g->cap_values, g->n_values + 1, sizeof(bd_value)))
        return bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory adding tensor '%s'", name);
    bd_value *v = &g->values[g->n_values];
    memset(v, 0, sizeof *v);
    size_t name_len = strlen(name);
    v->name = malloc(name_len + 1);
    if (v->name) memcpy(v->name, name, name_len + 1);
    if (!v->name) return bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory");
    v->dtype = dtype;
    v->n_dims = n_dims;
    for (int i = 0; i < n_dims; i++) v->dims[i] = dims[i];
    v->n_elems = elems;
    v->n_bytes = bytes;
    v->producer = -1;
    v->alias_of = -1;
    return g->n_values++;
}

bd_status bd_value_set_shape(bd_graph *g, int vi, int n_dims, const int64_t *dims, bd_err *err) {
    bd_value *v = &g->values[vi];
    size_t elems, bytes;
    bd_status st = check_shape(g, v->name, v->dtype, n_dims, dims, &elems, &bytes, err);
    if (st) return st;
    v->n_dims = n_dims;
    for (int i = 0; i < n_dims; i++) v->dims[i] = dims[i];
    v->n_elems = elems;
    v->n_bytes = bytes;
    return BD_OK;
}

bd_status bd_graph_count_src_op(bd_graph *g, const char *name, bd_err *err) {
    g->n_src_ops++;
    for (int i = 0; i < g->n_hist; i++)
        if (strcmp(g->hist[i].name, name) == 0) {
            g->hist[i].count++;
            return BD_OK;
        }
    if (!grow((void **)&g->hist, &g->cap_hist, g->n_hist + 1, sizeof(g->hist[0])))
        return bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory");
    snprintf(g->hist[g->n_hist].name, sizeof g->hist[0].name, "%s", name);
    g->hist[g->n_hist++].count = 1;
    return BD_OK;
}

int bd_graph_add_node(bd_graph *g, const bd_node *node, bd_err *err) {
    if (!grow((void **)&g->nodes, &g->cap_nodes, g->n_nodes + 1, sizeof(bd_node)))
        return bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory adding op %d", node->src_index);
    g->nodes[g->n_nodes] = *node;
    return g->n_nodes++;
}

bd_status bd_value_set_const(bd_graph *g, int v, const void *src, bd_err *err) {
    bd_value *val = &g->values[v];
    val->data = bd_aligned_alloc(val->n_bytes);
    if (!val->data) return bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory");
    if (src) memcpy(val->data, src, val->n_bytes);
    else memset(val->data, 0, val->n_bytes);
    val->is_const = true;
    return BD_OK;
}

int bd_graph_add_const(bd_graph *g, const char *name, bd_dtype dtype, int n_dims,
                       const int64_t *dims, void **data, bd_err *err) {
    int v = bd_graph_add_value(g, name, dtype, n_dims, dims, err);
    if (v < 0) return v;
    bd_status st = bd_value_set_const(g, v, NULL, err);
    if (st) return st;
    if (data) *data = g->values[v].data;
    return v;
}

void bd_node_init(bd_node *n, bd_op_type op, int src_index, const char *src_name) {
    memset(n, 0, sizeof *n);
    n->op = op;
    n->src_index = src_index;
    n->src_name = src_name;
    n->conv.stride_h = n->conv.stride_w = n->conv.dilation_h = n->conv.dilation_w = 1;
    n->conv.depth_multiplier = 1;
}

bool bd_broadcast_shape(int na, const int64_t *a, int nb, const int64_t *b, int *n_out,
                        int64_t *out, int *bad_axis) {
    int r = na > nb ? na : nb;
    *n_out = r;
    for (int i = 0; i < r; i++) {
        int ia = na - r + i, ib = nb - r + i;
        int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
        if (da != db && da != 1 && db != 1) {
            if (bad_axis) *bad_axis = i;
            return false;
        }
        out[i] = da == 1 ? db : da; /* not max(): ONNX constants may have 0-size axes */
    }
    return true;
}

const char *bd_name_print(char *dst, size_t size, const char *s, size_t len) {
    size_t n = len < size - 1 ? len : size - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        dst[i] = (c < 32 || c > 126) ? '?' : (char)c;
    }
    dst[n] = '\0';
    return dst;
}

bool bd_conv_out_size(int64_t in, int k, int stride, int dilation, int pad_before,
                      int pad_after, int64_t *out) {
    if (k < 1 || stride < 1 || dilation < 1 || pad_before < 0 || pad_after < 0) return false;
    int64_t eff = (int64_t)(k - 1) * dilation + 1;
    int64_t padded = in + pad_before + pad_after;
    if (padded < eff) return false;
    *out = (padded - eff) / stride + 1;
    return true;
}

void bd_same_padding(int64_t in, int k, int stride, int dilation, int *before, int *after) {
    int64_t out = (in + stride - 1) / stride;
    int64_t eff = (int64_t)(k - 1) * dilation + 1;
    int64_t total = (out - 1) * stride + eff - in;
    if (total < 0) total = 0;
    *before = (int)(total / 2);
    *after = (int)(total - total / 2);
}

bd_status bd_graph_compact(bd_graph *g, bd_err *err) {
    int nn = 0;
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].op != BD_OP_NONE) g->nodes[nn++] = g->nodes[i];
    g->n_nodes = nn;

    /* Keep values that are referenced by a live node or are graph inputs/outputs. */
    int *remap = malloc(sizeof(int) * ((size_t)g->n_values + 1));
    if (!remap) return bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory");
    for (int v = 0; v < g->n_values; v++) remap[v] = -1;
    for (int i = 0; i < g->n_inputs; i++) remap[g->inputs[i]] = 1;
    for (int i = 0; i < g->n_outputs; i++) remap[g->outputs[i]] = 1;
    for (int i = 0; i < g->n_nodes; i++) {
        for (int k = 0; k < g->nodes[i].n_inputs; k++) remap[g->nodes[i].inputs[k]] = 1;
        remap[g->nodes[i].output] = 1;
    }
    int nv = 0;
    for (int v = 0; v < g->n_values; v++) {
        if (remap[v] < 0) {
            free(g->values[v].name);
            bd_aligned_free(g->values[v].data);
            continue;
        }
        g->values[nv] = g->values[v];
        remap[v] = nv++;
    }
    g->n_values = nv;
    for (int i = 0; i < g->n_inputs; i++) g->inputs[i] = remap[g->inputs[i]];
    for (int i = 0; i < g->n_outputs; i++) g->outputs[i] = remap[g->outputs[i]];
    for (int i = 0; i < g->n_nodes; i++) {
        for (int k = 0; k < g->nodes[i].n_inputs; k++)
            g->nodes[i].inputs[k] = remap[g->nodes[i].inputs[k]];
        g->nodes[i].output = remap[g->nodes[i].output];
    }
    for (int v = 0; v < g->n_values; v++)
        if (g->values[v].alias_of >= 0) g->values[v].alias_of = remap[g->values[v].alias_of];
    free(remap);
    return BD_OK;
}

void bd_graph_analyse(bd_graph *g) {
    for (int v = 0; v < g->n_values; v++) {
        bd_value *val = &g->values[v];
        val->producer = -1;
        val->n_consumers = 0;
        val->first_use = val->is_input ? 0 : -1;
        val->last_use = -1;
    }
    for (int i = 0; i < g->n_nodes; i++) {
        bd_node *n = &g->nodes[i];
        if (n->op == BD_OP_NONE) continue; /* fused away, not yet compacted */
        for (int k = 0; k < n->n_inputs; k++) {
            bd_value *v = &g->values[n->inputs[k]];
            v->n_consumers++;
            if (v->last_use < i) v->last_use = i;
        }
        bd_value *o = &g->values[n->output];
        o->producer = i;
        o->first_use = i;
        if (o->last_use < i) o->last_use = i;
    }
    /* Inputs and outputs stay alive for the whole run: the caller reads the outputs
     * afterwards, and a re-run must see the same input. */
    for (int i = 0; i < g->n_inputs; i++) g->values[g->inputs[i]].last_use = g->n_nodes;
    for (int i = 0; i < g->n_outputs; i++) g->values[g->outputs[i]].last_use = g->n_nodes;
}

bool bd_value_is_channel_const(const bd_graph *g, int v, int64_t c) {
    const bd_value *val = &g->values[v];
    if (!val->is_const || val->dtype != BD_DTYPE_F32 || !val->data) return false;
    return val->n_elems == 1 ||
           (val->n_dims >= 1 && val->dims[val->n_dims - 1] == c && val->n_elems == (size_t)c);
}

int bd_graph_first_dense(const bd_graph *g) {
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].op == BD_OP_CONV2D || g->nodes[i].op == BD_OP_FULLY_CONNECTED) return i;
    return -1;
}

bool bd_mul_is_channel_gate(const bd_graph *g, const bd_node *n, int *full, int *gate) {
    if (n->op != BD_OP_MUL || n->n_inputs < 2) return false;
    const bd_value *o = &g->values[n->output];
    if (o->n_dims < 1) return false;
    for (int f = 0; f < 2; f++) {
        const bd_value *a = &g->values[n->inputs[f]], *b = &g->values[n->inputs[1 - f]];
        bool ok = a->n_dims == o->n_dims && b->n_dims == o->n_dims &&
                  b->dims[o->n_dims - 1] == o->dims[o->n_dims - 1];
        for (int i = 0; ok && i < o->n_dims; i++)
            ok = a->dims[i] == o->dims[i] && (i == o->n_dims - 1 || b->dims[i] == 1);
        if (ok) {
            *full = f;
            *gate = 1 - f;
            return true;
        }
    }
    return false;
}

int64_t bd_node_macs(const bd_graph *g, const bd_node *n) {
    const bd_value *in = &g->values[n->inputs[0]], *out = &g->values[n->output];
    switch (n->op) {
    case BD_OP_CONV2D: {
        const bd_value *w = &g->values[n->inputs[1]];
        return (int64_t)out->n_elems * w->dims[1] * w->dims[2] * w->dims[3];
    }
    case BD_OP_DWCONV2D: {
        const bd_value *w = &g->values[n->inputs[1]];
        return (int64_t)out->n_elems * w->dims[1] * w->dims[2];
    }
    case BD_OP_TCONV2D: {
        const bd_value *w = &g->values[n->inputs[1]];
        /* every input pixel scatters KH*KW*OC products of IC terms */
        return (int64_t)(in->n_elems / (size_t)in->dims[3]) * w->dims[0] * w->dims[1] *
               w->dims[2] * w->dims[3];
    }
    case BD_OP_FULLY_CONNECTED: {
        const bd_value *w = &g->values[n->inputs[1]];
        return (int64_t)out->n_elems * w->dims[1];
    }
    default: return 0;
    }
}

/* Input/output suffix pairs that mark recurrent state: P+in <-> P+out. */
static const char *const STATE_SUFFIX[][2] = {
    {"_in", "_out"}, {".in", ".out"}, {"_i", "_o"}, {"in", "out"}, {"i", "o"}, {"", "_out"},
};

static bool ends_with(const char *s, size_t n, const char *suf, size_t *stem) {
    size_t m = strlen(suf);
    if (n <= m || memcmp(s + n - m, suf, m) != 0) return false;
    *stem = n - m;
    return true;
}

bool bd_state_names_pair(const char *in, const char *out) {
    size_t na = strlen(in), nb = strlen(out);
    for (size_t k = 0; k < sizeof STATE_SUFFIX / sizeof STATE_SUFFIX[0]; k++) {
        size_t sa, sb;
        if (ends_with(in, na, STATE_SUFFIX[k][0], &sa) &&
            ends_with(out, nb, STATE_SUFFIX[k][1], &sb) && sa == sb && memcmp(in, out, sa) == 0)
            return true;
    }
    return false;
}

bool bd_slice_view(const bd_graph *g, const bd_node *n, size_t *offset_bytes) {
    if (n->op != BD_OP_SLICE) return false;
    const bd_value *in = &g->values[n->inputs[0]], *out = &g->values[n->output];
    const int r = in->n_dims;
    if (out->n_dims != r || r < 1 || in->n_elems == 0) return false;
    int k = 0; /* the first axis with more than one index taken */
    while (k < r && out->dims[k] == 1) k++;
    if (k < r && n->pads[r + k] != 1) return false; /* a step */
    for (int j = k + 1; j < r; j++) /* whole, in order (a step -1 keeps the size) */
        if (out->dims[j] != in->dims[j] || n->pads[j] != 0 || n->pads[r + j] != 1)
            return false;
    size_t off = 0, stride = 1;
    for (int j = r - 1; j >= 0; j--) {
        off += (size_t)n->pads[j] * stride;
        stride *= (size_t)in->dims[j];
    }
    *offset_bytes = off * (in->n_bytes / in->n_elems);
    return true;
}
