/*
 * ir.c -- graph construction, the verifier with shape inference, compaction and
 * liveness analysis.
 *
 * The verifier is the wall between untrusted model files and the kernels: after
 * bd_graph_verify() succeeds, every node's inputs exist and precede it, every
 * shape obeys its op's rule and every size fits in size_t and the tensor limit.
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
    [BD_OP_PAD] = "PAD",
    [BD_OP_SLICE] = "SLICE",
    [BD_OP_RESIZE_NEAREST] = "RESIZE_NEAREST",
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

/* ---- verifier ----------------------------------------------------------------------- */

/* Message prefix naming the node. */
#define NODE_FMT "op %d (%s): "
#define NODE_ARGS(n) (n)->src_index, (n)->src_name ? (n)->src_name : bd_op_name((n)->op)

static void shape_str(const bd_value *v, char *buf, size_t size) {
    size_t at = 0;
    at += (size_t)snprintf(buf + at, size - at, "[");
    for (int i = 0; i < v->n_dims && at < size; i++)
        at += (size_t)snprintf(buf + at, size - at, i ? ",%lld" : "%lld", (long long)v->dims[i]);
    if (at < size) snprintf(buf + at, size - at, "]");
}

static bd_status need_f32(const bd_node *n, const bd_value *v, const char *what, bd_err *err) {
    if (v->dtype != BD_DTYPE_F32)
        return bd_err_set(err, BD_ERR_UNSUPPORTED, NODE_FMT "%s '%s' is not float32",
                          NODE_ARGS(n), what, v->name);
    return BD_OK;
}

static bd_status need_rank(const bd_node *n, const bd_value *v, int rank, const char *what,
                           bd_err *err) {
    if (v->n_dims != rank) {
        char s[96];
        shape_str(v, s, sizeof s);
        return bd_err_set(err, BD_ERR_UNSUPPORTED, NODE_FMT "%s '%s' has shape %s, expected %d-D",
                          NODE_ARGS(n), what, v->name, s, rank);
    }
    return BD_OK;
}

static bd_status need_const(const bd_node *n, const bd_value *v, const char *what, bd_err *err) {
    if (!v->is_const)
        return bd_err_set(err, BD_ERR_UNSUPPORTED, NODE_FMT "%s '%s' must be a constant",
                          NODE_ARGS(n), what, v->name);
    return BD_OK;
}

/* Infers the output shape of node n into dims/n_dims. */
static bd_status infer(bd_graph *g, const bd_node *n, int *n_dims, int64_t *dims, bd_err *err) {
    bd_value *in = &g->values[n->inputs[0]];
    bd_status st;
    static const int arity[BD_OP_COUNT] = {
        [BD_OP_CONV2D] = 3, [BD_OP_DWCONV2D] = 3, [BD_OP_TCONV2D] = 3, [BD_OP_ADD] = 2,
        [BD_OP_MUL] = 2, [BD_OP_RELU] = 1, [BD_OP_RELU6] = 1, [BD_OP_CLAMP] = 1,
        [BD_OP_HARDSWISH] = 1, [BD_OP_SIGMOID] = 1, [BD_OP_TANH] = 1, [BD_OP_MEAN_HW] = 1,
        [BD_OP_AVGPOOL2D] = 1, [BD_OP_MAXPOOL2D] = 1, [BD_OP_RESIZE_BILINEAR] = 1,
        [BD_OP_CONCAT] = -1, [BD_OP_RESHAPE] = 1, [BD_OP_DEQUANTIZE] = 1,
        [BD_OP_TRANSPOSE] = 1, [BD_OP_FULLY_CONNECTED] = 3, [BD_OP_SUB] = 2, [BD_OP_DIV] = 2,
        [BD_OP_PRELU] = 2, [BD_OP_SOFTMAX] = 1, [BD_OP_PAD] = 1, [BD_OP_SLICE] = 1,
        [BD_OP_RESIZE_NEAREST] = 1,
    };
    int want = arity[n->op];
    bool is_conv = n->op == BD_OP_CONV2D || n->op == BD_OP_DWCONV2D || n->op == BD_OP_TCONV2D;
    if (is_conv && n->n_inputs == 4) want = 4; /* fused residual */
    if (n->op == BD_OP_MUL && n->n_inputs == 3) want = 3; /* fused addend */
    if ((want > 0 && n->n_inputs != want) || (want < 0 && n->n_inputs < 1))
        return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "has %d inputs, expected %d",
                          NODE_ARGS(n), n->n_inputs, want);
    if (n->op != BD_OP_DEQUANTIZE && (st = need_f32(n, in, "input", err))) return st;

    *n_dims = in->n_dims;
    memcpy(dims, in->dims, sizeof(int64_t) * BD_MAX_DIMS);
    const bd_conv_attr *c = &n->conv;
    switch (n->op) {
    case BD_OP_CONV2D:
    case BD_OP_DWCONV2D:
    case BD_OP_TCONV2D: {
        bd_value *w = &g->values[n->inputs[1]], *b = &g->values[n->inputs[2]];
        if ((st = need_rank(n, in, 4, "input", err)) || (st = need_rank(n, w, 4, "weight", err)) ||
            (st = need_rank(n, b, 1, "bias", err)) || (st = need_const(n, w, "weight", err)) ||
            (st = need_const(n, b, "bias", err)))
            return st;
        if (w->dtype != BD_DTYPE_F32 && w->dtype != BD_DTYPE_F16)
            return bd_err_set(err, BD_ERR_UNSUPPORTED, NODE_FMT "weight '%s' has dtype %d",
                              NODE_ARGS(n), w->name, (int)w->dtype);
        int64_t ic = in->dims[3], kh = w->dims[1], kw = w->dims[2], oc;
        if (kh > 64 || kw > 64)
            return bd_err_set(err, BD_ERR_UNSUPPORTED, NODE_FMT "kernel %lldx%lld is too large",
                              NODE_ARGS(n), (long long)kh, (long long)kw);
        if (n->op == BD_OP_DWCONV2D) {
            int m = c->depth_multiplier;
            if (w->dims[0] != 1 || m < 1 || w->dims[3] != ic * m)
                return bd_err_set(err, BD_ERR_FORMAT,
                                  NODE_FMT "depthwise weight channels %lld != input channels %lld "
                                           "x multiplier %d",
                                  NODE_ARGS(n), (long long)w->dims[3], (long long)ic, m);
            oc = w->dims[3];
        } else {
            if (w->dims[3] != ic)
                return bd_err_set(err, BD_ERR_FORMAT,
                                  NODE_FMT "weight input channels %lld != input channels %lld",
                                  NODE_ARGS(n), (long long)w->dims[3], (long long)ic);
            oc = w->dims[0];
        }
        if (b->dims[0] != oc)
            return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "bias has %lld entries, expected %lld",
                              NODE_ARGS(n), (long long)b->dims[0], (long long)oc);
        if (b->dtype != w->dtype && b->dtype != BD_DTYPE_F32)
            return bd_err_set(err, BD_ERR_UNSUPPORTED, NODE_FMT "bias dtype %d", NODE_ARGS(n),
                              (int)b->dtype);
        int64_t oh, ow;
        if (n->op == BD_OP_TCONV2D) {
            /* out = s*(in-1) + k - pad_total; every output pixel must exist. */
            if (c->stride_h < 1 || c->stride_w < 1 || c->stride_h > 64 || c->stride_w > 64 ||
                c->pad_top < 0 || c->pad_bottom < 0 || c->pad_left < 0 || c->pad_right < 0)
                return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "invalid stride or padding",
                                  NODE_ARGS(n));
            oh = (int64_t)c->stride_h * (in->dims[1] - 1) + kh - c->pad_top - c->pad_bottom;
            ow = (int64_t)c->stride_w * (in->dims[2] - 1) + kw - c->pad_left - c->pad_right;
            if (oh < 1 || ow < 1)
                return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "empty output", NODE_ARGS(n));
        } else if (c->stride_h > 64 || c->stride_w > 64 || c->dilation_h > 64 ||
                   c->dilation_w > 64 ||
                   !bd_conv_out_size(in->dims[1], (int)kh, c->stride_h, c->dilation_h, c->pad_top,
                                     c->pad_bottom, &oh) ||
                   !bd_conv_out_size(in->dims[2], (int)kw, c->stride_w, c->dilation_w,
                                     c->pad_left, c->pad_right, &ow)) {
            return bd_err_set(err, BD_ERR_FORMAT,
                              NODE_FMT "invalid geometry: input %lldx%lld, kernel %lldx%lld, "
                                       "stride %dx%d, dilation %dx%d",
                              NODE_ARGS(n), (long long)in->dims[1], (long long)in->dims[2],
                              (long long)kh, (long long)kw, c->stride_h, c->stride_w,
                              c->dilation_h, c->dilation_w);
        }
        dims[1] = oh;
        dims[2] = ow;
        dims[3] = oc;
        if (n->residual_after_act && (n->op != BD_OP_DWCONV2D || n->n_inputs != 4 ||
                                      n->act == BD_ACT_TANH))
            return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "invalid residual-after-activation",
                              NODE_ARGS(n));
        if (n->n_inputs == 4) {
            const bd_value *r = &g->values[n->inputs[3]];
            bool same = r->n_dims == 4 && r->dtype == BD_DTYPE_F32;
            for (int i = 0; same && i < 4; i++) same = r->dims[i] == dims[i];
            if (!same)
                return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "residual '%s' has another shape",
                                  NODE_ARGS(n), r->name);
        }
        break;
    }
    case BD_OP_ADD:
    case BD_OP_MUL:
    case BD_OP_SUB:
    case BD_OP_DIV:
    case BD_OP_PRELU: {
        bd_value *b = &g->values[n->inputs[1]];
        if ((st = need_f32(n, b, "input", err))) return st;
        int nd = in->n_dims > b->n_dims ? in->n_dims : b->n_dims;
        for (int i = 0; i < nd; i++) { /* numpy broadcasting, right-aligned */
            int ia = in->n_dims - nd + i, ib = b->n_dims - nd + i;
            int64_t da = ia >= 0 ? in->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
            if (da != db && da != 1 && db != 1)
                return bd_err_set(err, BD_ERR_FORMAT,
                                  NODE_FMT "shapes of '%s' and '%s' do not broadcast (dim %d: "
                                           "%lld vs %lld)",
                                  NODE_ARGS(n), in->name, b->name, i, (long long)da,
                                  (long long)db);
            dims[i] = da > db ? da : db;
        }
        *n_dims = nd;
        if (n->n_inputs == 3) { /* a fused addend: only on channel gates, output shape */
            const bd_value *c3 = &g->values[n->inputs[2]];
            int full, gate;
            bool ok = n->op == BD_OP_MUL && bd_mul_is_channel_gate(g, n, &full, &gate) &&
                      c3->dtype == BD_DTYPE_F32 && c3->n_dims == nd;
            for (int i = 0; ok && i < nd; i++) ok = c3->dims[i] == dims[i];
            if (!ok)
                return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "invalid fused addend '%s'",
                                  NODE_ARGS(n), c3->name);
        }
        break;
    }
    case BD_OP_RELU:
    case BD_OP_RELU6:
    case BD_OP_CLAMP:
    case BD_OP_HARDSWISH:
    case BD_OP_SIGMOID:
    case BD_OP_TANH: break;
    case BD_OP_MEAN_HW:
        if ((st = need_rank(n, in, 4, "input", err))) return st;
        dims[1] = dims[2] = 1;
        break;
    case BD_OP_AVGPOOL2D:
    case BD_OP_MAXPOOL2D:
        if ((st = need_rank(n, in, 4, "input", err))) return st;
        if (c->kernel_h > 4096 || c->kernel_w > 4096 || c->stride_h > 4096 ||
            c->stride_w > 4096 ||
            !bd_conv_out_size(in->dims[1], c->kernel_h, c->stride_h, 1, c->pad_top,
                              c->pad_bottom, &dims[1]) ||
            !bd_conv_out_size(in->dims[2], c->kernel_w, c->stride_w, 1, c->pad_left,
                              c->pad_right, &dims[2]))
            return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "invalid pooling geometry",
                              NODE_ARGS(n));
        break;
    case BD_OP_RESIZE_NEAREST:
        if (!(n->scale_h > 0.0f && n->scale_h < 1e6f && n->scale_w > 0.0f &&
              n->scale_w < 1e6f) ||
            n->coord_mode < BD_COORD_HALF_PIXEL ||
            n->coord_mode > BD_COORD_TF_HALF_PIXEL_FOR_NEAREST ||
            n->nearest_mode < BD_NEAREST_ROUND_PREFER_FLOOR || n->nearest_mode > BD_NEAREST_SIMPLE)
            return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "invalid nearest-resize parameters",
                              NODE_ARGS(n));
        /* the size rules of RESIZE_BILINEAR apply too */
        /* fall through */
    case BD_OP_RESIZE_BILINEAR:
        if ((st = need_rank(n, in, 4, "input", err))) return st;
        if (n->out_h < 1 || n->out_w < 1 || n->out_h > 65536 || n->out_w > 65536)
            return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "invalid output size %lldx%lld",
                              NODE_ARGS(n), (long long)n->out_h, (long long)n->out_w);
        if (n->align_corners && n->half_pixel)
            return bd_err_set(err, BD_ERR_FORMAT,
                              NODE_FMT "align_corners and half_pixel_centers both set",
                              NODE_ARGS(n));
        dims[1] = n->out_h;
        dims[2] = n->out_w;
        break;
    case BD_OP_CONCAT: {
        if (n->axis < 0 || n->axis >= in->n_dims)
            return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "axis %d out of range", NODE_ARGS(n),
                              n->axis);
        int64_t sum = 0;
        for (int k = 0; k < n->n_inputs; k++) {
            bd_value *v = &g->values[n->inputs[k]];
            if ((st = need_f32(n, v, "input", err))) return st;
            if (v->n_dims != in->n_dims)
                return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "inputs differ in rank",
                                  NODE_ARGS(n));
            for (int i = 0; i < v->n_dims; i++)
                if (i != n->axis && v->dims[i] != in->dims[i])
                    return bd_err_set(err, BD_ERR_FORMAT,
                                      NODE_FMT "input %d differs in dimension %d", NODE_ARGS(n), k,
                                      i);
            sum += v->dims[n->axis];
        }
        dims[n->axis] = sum;
        break;
    }
    case BD_OP_RESHAPE: {
        /* The importer set the output shape; it must hold the same elements. */
        bd_value *o = &g->values[n->output];
        if (o->n_dims < 1 || o->n_elems != in->n_elems)
            return bd_err_set(err, BD_ERR_FORMAT,
                              NODE_FMT "reshape from %zu to %zu elements", NODE_ARGS(n),
                              in->n_elems, o->n_elems);
        *n_dims = o->n_dims;
        memcpy(dims, o->dims, sizeof(int64_t) * BD_MAX_DIMS);
        break;
    }
    case BD_OP_TRANSPOSE: {
        /* perm must be a permutation of 0..rank-1. */
        bool seen[BD_MAX_DIMS] = {false};
        for (int i = 0; i < in->n_dims; i++) {
            int p = n->perm[i];
            if (p < 0 || p >= in->n_dims || seen[p])
                return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "perm is not a permutation",
                                  NODE_ARGS(n));
            seen[p] = true;
            dims[i] = in->dims[p];
        }
        break;
    }
    case BD_OP_FULLY_CONNECTED: {
        /* in [.., K] x weight [N, K] + bias [N] -> [.., N]; the kernel treats every
         * leading index as one row. */
        bd_value *w = &g->values[n->inputs[1]], *b = &g->values[n->inputs[2]];
        if ((st = need_rank(n, w, 2, "weight", err)) || (st = need_rank(n, b, 1, "bias", err)) ||
            (st = need_const(n, w, "weight", err)) || (st = need_const(n, b, "bias", err)) ||
            (st = need_f32(n, w, "weight", err)) || (st = need_f32(n, b, "bias", err)))
            return st;
        if (in->n_dims < 1 || in->dims[in->n_dims - 1] != w->dims[1] ||
            b->dims[0] != w->dims[0])
            return bd_err_set(err, BD_ERR_FORMAT,
                              NODE_FMT "input '%s' does not fit weight [%lld,%lld] and bias "
                                       "[%lld]",
                              NODE_ARGS(n), in->name, (long long)w->dims[0],
                              (long long)w->dims[1], (long long)b->dims[0]);
        if (in->n_elems / (size_t)w->dims[1] > INT32_MAX || w->dims[0] > INT32_MAX ||
            w->dims[1] > INT32_MAX)
            return bd_err_set(err, BD_ERR_UNSUPPORTED, NODE_FMT "too large", NODE_ARGS(n));
        dims[in->n_dims - 1] = w->dims[0];
        break;
    }
    case BD_OP_SOFTMAX:
        if (n->axis < 0 || n->axis_n < 1 || n->axis + n->axis_n > in->n_dims)
            return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "axes %d..%d out of range",
                              NODE_ARGS(n), n->axis, n->axis + n->axis_n - 1);
        break;
    case BD_OP_PAD:
        /* out = before + in + after per axis; reflect needs pads < dim (no repeat of
         * the edge, as ONNX Runtime); edge and constant take any pads >= 0. */
        for (int i = 0; i < in->n_dims; i++) {
            int64_t b0 = n->pads[i], a0 = n->pads[in->n_dims + i];
            if (b0 < 0 || a0 < 0 || b0 > 65536 || a0 > 65536 ||
                (n->pad_mode == BD_PAD_REFLECT && (b0 >= in->dims[i] || a0 >= in->dims[i])) ||
                n->pad_mode < BD_PAD_CONSTANT || n->pad_mode > BD_PAD_EDGE)
                return bd_err_set(err, BD_ERR_FORMAT,
                                  NODE_FMT "invalid padding %lld/%lld of axis %d (size %lld)",
                                  NODE_ARGS(n), (long long)b0, (long long)a0, i,
                                  (long long)in->dims[i]);
            dims[i] = in->dims[i] + b0 + a0;
        }
        break;
    case BD_OP_SLICE: {
        /* The output shape is the importer's; every index it reads must exist. */
        bd_value *o = &g->values[n->output];
        if (o->n_dims != in->n_dims)
            return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "slice changes the rank",
                              NODE_ARGS(n));
        for (int i = 0; i < in->n_dims; i++) {
            int64_t b0 = n->pads[i], s0 = n->pads[in->n_dims + i], d = o->dims[i];
            int64_t last = b0 + (d - 1) * s0; /* |s0| <= 2^31, d <= 2^31: no overflow */
            if (s0 == 0 || s0 > INT32_MAX || s0 < -INT32_MAX || d > INT32_MAX || b0 < 0 ||
                b0 >= in->dims[i] || last < 0 || last >= in->dims[i])
                return bd_err_set(err, BD_ERR_FORMAT,
                                  NODE_FMT "slice of axis %d reads outside the input",
                                  NODE_ARGS(n), i);
            dims[i] = d;
        }
        break;
    }
    case BD_OP_DEQUANTIZE:
        /* Constant folding removes every DEQUANTIZE of a float16 constant; one that is
         * left (a non-constant input, another dtype) is not supported at run time. */
        return bd_err_set(err, BD_ERR_UNSUPPORTED,
                          NODE_FMT "only DEQUANTIZE of a float16 constant is supported",
                          NODE_ARGS(n));
    default:
        return bd_err_set(err, BD_ERR_UNSUPPORTED, NODE_FMT "unknown op", NODE_ARGS(n));
    }
    return BD_OK;
}

bd_status bd_graph_verify(bd_graph *g, bd_err *err) {
    bd_status st = BD_OK;
    /* defined[v]: 1 once v may be read (constant, graph input, or produced earlier). */
    unsigned char *defined = calloc((size_t)g->n_values + 1, 1);
    if (!defined) return bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory");
    for (int v = 0; v < g->n_values; v++) defined[v] = g->values[v].is_const;
    for (int i = 0; i < g->n_inputs; i++) {
        int v = g->inputs[i];
        if (v < 0 || v >= g->n_values || g->values[v].is_const) {
            st = bd_err_set(err, BD_ERR_FORMAT, "graph input %d is not a valid tensor", i);
            goto done;
        }
        if (g->values[v].dtype != BD_DTYPE_F32) {
            st = bd_err_set(err, BD_ERR_UNSUPPORTED, "graph input '%s' is not float32",
                            g->values[v].name);
            goto done;
        }
        defined[v] = 1;
    }
    for (int ni = 0; ni < g->n_nodes; ni++) {
        bd_node *n = &g->nodes[ni];
        if (n->op == BD_OP_NONE) continue;
        if (n->n_inputs < 1 || n->n_inputs > BD_MAX_NODE_INPUTS) {
            st = bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "has %d inputs", NODE_ARGS(n),
                            n->n_inputs);
            goto done;
        }
        for (int k = 0; k < n->n_inputs; k++) {
            int v = n->inputs[k];
            if (v < 0 || v >= g->n_values || !defined[v]) {
                st = bd_err_set(err, BD_ERR_FORMAT,
                                NODE_FMT "input %d (tensor %d) is not computed before this op",
                                NODE_ARGS(n), k, v);
                goto done;
            }
        }
        int o = n->output;
        if (o < 0 || o >= g->n_values || defined[o]) {
            st = bd_err_set(err, BD_ERR_FORMAT,
                            NODE_FMT "output tensor %d is invalid, constant or written twice",
                            NODE_ARGS(n), o);
            goto done;
        }
        int nd = 0;
        int64_t dims[BD_MAX_DIMS] = {0};
        if ((st = infer(g, n, &nd, dims, err))) goto done;
        bd_value *out = &g->values[o];
        bd_dtype want_dt = BD_DTYPE_F32;
        if (out->dtype != want_dt) {
            st = bd_err_set(err, BD_ERR_UNSUPPORTED, NODE_FMT "output '%s' is not float32",
                            NODE_ARGS(n), out->name);
            goto done;
        }
        bool same = out->n_dims == nd;
        for (int i = 0; same && i < nd; i++) same = out->dims[i] == dims[i];
        if (!same) {
            char s[96];
            shape_str(out, s, sizeof s);
            st = bd_err_set(err, BD_ERR_FORMAT,
                            NODE_FMT "output '%s' is declared %s but the op computes a different "
                                     "shape",
                            NODE_ARGS(n), out->name, s);
            goto done;
        }
        defined[o] = 1;
    }
    for (int i = 0; i < g->n_outputs; i++) {
        int v = g->outputs[i];
        if (v < 0 || v >= g->n_values || !defined[v]) {
            st = bd_err_set(err, BD_ERR_FORMAT, "graph output %d is never computed", i);
            goto done;
        }
        if (g->values[v].dtype != BD_DTYPE_F32) {
            st = bd_err_set(err, BD_ERR_UNSUPPORTED, "graph output '%s' is not float32",
                            g->values[v].name);
            goto done;
        }
    }
done:
    free(defined);
    return st;
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
