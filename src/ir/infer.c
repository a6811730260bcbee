/*
 * infer.c -- the verifier and per-op shape inference.
 *
 * The verifier is the wall between untrusted model files and the kernels: after
 * bd_graph_verify() succeeds, every node's inputs exist and precede it, every
 * shape obeys its op's rule and every size fits in size_t and the tensor limit.
 * infer() checks one node's inputs (arity, dtypes, ranks, constant weights,
 * attribute ranges) and computes its output shape, one helper per op family;
 * bd_graph_verify() compares that shape with the declared one.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"

/* ---- checks ------------------------------------------------------------------------- */

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


/* ---- arity -------------------------------------------------------------------------- */

/* Checks the input count of node n against its op (-1: one or more). */
static bd_status check_arity(const bd_node *n, bd_err *err) {
    static const int arity[BD_OP_COUNT] = {
        [BD_OP_CONV2D] = 3, [BD_OP_DWCONV2D] = 3, [BD_OP_TCONV2D] = 3, [BD_OP_ADD] = 2,
        [BD_OP_MUL] = 2, [BD_OP_RELU] = 1, [BD_OP_RELU6] = 1, [BD_OP_CLAMP] = 1,
        [BD_OP_HARDSWISH] = 1, [BD_OP_SIGMOID] = 1, [BD_OP_TANH] = 1, [BD_OP_MEAN_HW] = 1,
        [BD_OP_AVGPOOL2D] = 1, [BD_OP_MAXPOOL2D] = 1, [BD_OP_RESIZE_BILINEAR] = 1,
        [BD_OP_CONCAT] = -1, [BD_OP_RESHAPE] = 1, [BD_OP_DEQUANTIZE] = 1,
        [BD_OP_TRANSPOSE] = 1, [BD_OP_FULLY_CONNECTED] = 3, [BD_OP_SUB] = 2, [BD_OP_DIV] = 2,
        [BD_OP_PRELU] = 2, [BD_OP_SOFTMAX] = 1, [BD_OP_PAD] = 1, [BD_OP_SLICE] = 1,
        [BD_OP_RESIZE_NEAREST] = 1, [BD_OP_INSTANCE_NORM] = 3, [BD_OP_RESIZE_AFFINE] = 3,
    };
    int want = arity[n->op];
    bool is_conv = n->op == BD_OP_CONV2D || n->op == BD_OP_DWCONV2D || n->op == BD_OP_TCONV2D;
    if (is_conv && n->n_inputs == 4) want = 4; /* fused residual */
    if (n->op == BD_OP_MUL && n->n_inputs == 3) want = 3; /* fused addend */
    if (n->op == BD_OP_RESIZE_AFFINE && n->n_inputs == 4) want = 4; /* fused addend */
    if ((want > 0 && n->n_inputs != want) || (want < 0 && n->n_inputs < 1))
        return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "has %d inputs, expected %d",
                          NODE_ARGS(n), n->n_inputs, want);
    return BD_OK;
}

/* ---- convolutions ------------------------------------------------------------------- */

/* Checks the weight and bias of a convolution against its input and yields the
 * output channel count *oc. */
static bd_status conv_weights(const bd_graph *g, const bd_node *n, int64_t *oc, bd_err *err) {
    const bd_value *in = &g->values[n->inputs[0]];
    const bd_value *w = &g->values[n->inputs[1]], *b = &g->values[n->inputs[2]];
    bd_status st;
    if ((st = need_rank(n, in, 4, "input", err)) || (st = need_rank(n, w, 4, "weight", err)) ||
        (st = need_rank(n, b, 1, "bias", err)) || (st = need_const(n, w, "weight", err)) ||
        (st = need_const(n, b, "bias", err)))
        return st;
    if (w->dtype != BD_DTYPE_F32 && w->dtype != BD_DTYPE_F16)
        return bd_err_set(err, BD_ERR_UNSUPPORTED, NODE_FMT "weight '%s' has dtype %d",
                          NODE_ARGS(n), w->name, (int)w->dtype);
    int64_t ic = in->dims[3], kh = w->dims[1], kw = w->dims[2];
    if (kh > 64 || kw > 64)
        return bd_err_set(err, BD_ERR_UNSUPPORTED, NODE_FMT "kernel %lldx%lld is too large",
                          NODE_ARGS(n), (long long)kh, (long long)kw);
    if (n->op == BD_OP_DWCONV2D) {
        int m = n->conv.depth_multiplier;
        if (w->dims[0] != 1 || m < 1 || w->dims[3] != ic * m)
            return bd_err_set(err, BD_ERR_FORMAT,
                              NODE_FMT "depthwise weight channels %lld != input channels %lld "
                                       "x multiplier %d",
                              NODE_ARGS(n), (long long)w->dims[3], (long long)ic, m);
        *oc = w->dims[3];
    } else {
        if (w->dims[3] != ic)
            return bd_err_set(err, BD_ERR_FORMAT,
                              NODE_FMT "weight input channels %lld != input channels %lld",
                              NODE_ARGS(n), (long long)w->dims[3], (long long)ic);
        *oc = w->dims[0];
    }
    if (b->dims[0] != *oc)
        return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "bias has %lld entries, expected %lld",
                          NODE_ARGS(n), (long long)b->dims[0], (long long)*oc);
    if (b->dtype != w->dtype && b->dtype != BD_DTYPE_F32)
        return bd_err_set(err, BD_ERR_UNSUPPORTED, NODE_FMT "bias dtype %d", NODE_ARGS(n),
                          (int)b->dtype);
    return BD_OK;
}

/* The output height and width of a convolution (kernel kh x kw). */
static bd_status conv_out_hw(const bd_node *n, const bd_value *in, int64_t kh, int64_t kw,
                             int64_t *oh, int64_t *ow, bd_err *err) {
    const bd_conv_attr *c = &n->conv;
    if (n->op == BD_OP_TCONV2D) {
        /* out = s*(in-1) + k - pad_total; every output pixel must exist. */
        if (c->stride_h < 1 || c->stride_w < 1 || c->stride_h > 64 || c->stride_w > 64 ||
            c->pad_top < 0 || c->pad_bottom < 0 || c->pad_left < 0 || c->pad_right < 0)
            return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "invalid stride or padding",
                              NODE_ARGS(n));
        *oh = (int64_t)c->stride_h * (in->dims[1] - 1) + kh - c->pad_top - c->pad_bottom;
        *ow = (int64_t)c->stride_w * (in->dims[2] - 1) + kw - c->pad_left - c->pad_right;
        if (*oh < 1 || *ow < 1)
            return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "empty output", NODE_ARGS(n));
        return BD_OK;
    }
    if (c->stride_h > 64 || c->stride_w > 64 || c->dilation_h > BD_MAX_INPUT_SIDE ||
        c->dilation_w > BD_MAX_INPUT_SIDE ||
        !bd_conv_out_size(in->dims[1], (int)kh, c->stride_h, c->dilation_h, c->pad_top,
                          c->pad_bottom, oh) ||
        !bd_conv_out_size(in->dims[2], (int)kw, c->stride_w, c->dilation_w, c->pad_left,
                          c->pad_right, ow))
        return bd_err_set(err, BD_ERR_FORMAT,
                          NODE_FMT "invalid geometry: input %lldx%lld, kernel %lldx%lld, "
                                   "stride %dx%d, dilation %dx%d",
                          NODE_ARGS(n), (long long)in->dims[1], (long long)in->dims[2],
                          (long long)kh, (long long)kw, c->stride_h, c->stride_w,
                          c->dilation_h, c->dilation_w);
    return BD_OK;
}

/* CONV2D, DWCONV2D, TCONV2D: [N,H,W,C] -> [N,OH,OW,OC], with an optional fused
 * residual of the output's shape. */
static bd_status infer_conv(const bd_graph *g, const bd_node *n, int64_t *dims, bd_err *err) {
    const bd_value *in = &g->values[n->inputs[0]], *w = &g->values[n->inputs[1]];
    int64_t oc = 0, oh = 0, ow = 0;
    bd_status st;
    if ((st = conv_weights(g, n, &oc, err)) ||
        (st = conv_out_hw(n, in, w->dims[1], w->dims[2], &oh, &ow, err)))
        return st;
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
    return BD_OK;
}

/* ---- element-wise ------------------------------------------------------------------- */

/* ADD, MUL, SUB, DIV, PRELU: numpy broadcasting of the two inputs; a MUL channel
 * gate may carry a fused addend of the output's shape. */
static bd_status infer_binary(const bd_graph *g, const bd_node *n, int *n_dims, int64_t *dims,
                              bd_err *err) {
    const bd_value *in = &g->values[n->inputs[0]], *b = &g->values[n->inputs[1]];
    bd_status st;
    if ((st = need_f32(n, b, "input", err))) return st;
    int nd, bad;
    if (!bd_broadcast_shape(in->n_dims, in->dims, b->n_dims, b->dims, &nd, dims, &bad)) {
        int ia = in->n_dims - nd + bad, ib = b->n_dims - nd + bad; /* both >= 0: neither is 1 */
        return bd_err_set(err, BD_ERR_FORMAT,
                          NODE_FMT "shapes of '%s' and '%s' do not broadcast (dim %d: "
                                   "%lld vs %lld)",
                          NODE_ARGS(n), in->name, b->name, bad, (long long)in->dims[ia],
                          (long long)b->dims[ib]);
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
    return BD_OK;
}

/* ---- windows and resizes ------------------------------------------------------------ */

/* AVGPOOL2D, MAXPOOL2D: the window geometry gives the output height and width. */
static bd_status infer_pool(const bd_node *n, const bd_value *in, int64_t *dims, bd_err *err) {
    const bd_conv_attr *c = &n->conv;
    bd_status st;
    if ((st = need_rank(n, in, 4, "input", err))) return st;
    if (c->kernel_h > 4096 || c->kernel_w > 4096 || c->stride_h > 4096 || c->stride_w > 4096 ||
        !bd_conv_out_size(in->dims[1], c->kernel_h, c->stride_h, 1, c->pad_top, c->pad_bottom,
                          &dims[1]) ||
        !bd_conv_out_size(in->dims[2], c->kernel_w, c->stride_w, 1, c->pad_left, c->pad_right,
                          &dims[2]))
        return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "invalid pooling geometry", NODE_ARGS(n));
    return BD_OK;
}

/* RESIZE_BILINEAR, RESIZE_NEAREST: [N,H,W,C] -> [N,out_h,out_w,C]; nearest also
 * checks its scales and modes. */
static bd_status infer_resize(const bd_node *n, const bd_value *in, int64_t *dims, bd_err *err) {
    bd_status st;
    if (n->op == BD_OP_RESIZE_NEAREST &&
        (!(n->scale_h > 0.0f && n->scale_h < 1e6f && n->scale_w > 0.0f && n->scale_w < 1e6f) ||
         n->coord_mode < BD_COORD_HALF_PIXEL ||
         n->coord_mode > BD_COORD_TF_HALF_PIXEL_FOR_NEAREST ||
         n->nearest_mode < BD_NEAREST_ROUND_PREFER_FLOOR || n->nearest_mode > BD_NEAREST_SIMPLE))
        return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "invalid nearest-resize parameters",
                          NODE_ARGS(n));
    /* the size rules of RESIZE_BILINEAR apply to both */
    if ((st = need_rank(n, in, 4, "input", err))) return st;
    if (n->out_h < 1 || n->out_w < 1 || n->out_h > 65536 || n->out_w > 65536)
        return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "invalid output size %lldx%lld",
                          NODE_ARGS(n), (long long)n->out_h, (long long)n->out_w);
    if (n->align_corners && n->half_pixel)
        return bd_err_set(err, BD_ERR_FORMAT,
                          NODE_FMT "align_corners and half_pixel_centers both set", NODE_ARGS(n));
    dims[1] = n->out_h;
    dims[2] = n->out_w;
    return BD_OK;
}

/* RESIZE_AFFINE (a, x, b [, r]): a and b [N,H,W,C] alike; x holds N*out_h*out_w*C
 * elements and gives the output its shape; the addend r (fuse.c pass 7), the
 * elements of the leading images it is added to: a whole number of them, >= 1. */
static bd_status infer_resize_affine(const bd_graph *g, const bd_node *n, const bd_value *a,
                                     int *n_dims, int64_t *dims, bd_err *err) {
    const bd_value *x = &g->values[n->inputs[1]], *b = &g->values[n->inputs[2]];
    bd_status st;
    if ((st = infer_resize(n, a, dims, err)) || (st = need_f32(n, x, "multiplier", err)) ||
        (st = need_f32(n, b, "addend", err)))
        return st;
    bool same = b->n_dims == a->n_dims;
    for (int i = 0; same && i < a->n_dims; i++) same = b->dims[i] == a->dims[i];
    size_t want = 0;
    bool ok = same && bd_size_mul((size_t)a->dims[0], (size_t)n->out_h, &want) &&
              bd_size_mul(want, (size_t)n->out_w, &want) &&
              bd_size_mul(want, (size_t)a->dims[3], &want);
    if (!ok || want != x->n_elems)
        return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "operands of a resized linear model "
                          "do not match", NODE_ARGS(n));
    if (n->n_inputs > 3) {
        const bd_value *r = &g->values[n->inputs[3]];
        const size_t im = a->dims[0] > 0 ? want / (size_t)a->dims[0] : 0;
        if ((st = need_f32(n, r, "addend", err))) return st;
        if (im == 0 || r->n_elems == 0 || r->n_elems > want || r->n_elems % im != 0)
            return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "addend of %zu elements does not "
                              "cover whole images of %zu", NODE_ARGS(n), r->n_elems, im);
    }
    *n_dims = x->n_dims;
    memcpy(dims, x->dims, sizeof(int64_t) * BD_MAX_DIMS);
    return BD_OK;
}

/* ---- shape ops ---------------------------------------------------------------------- */

/* CONCAT: the inputs agree except along `axis`, where their sizes add up. */
static bd_status infer_concat(const bd_graph *g, const bd_node *n, int64_t *dims, bd_err *err) {
    const bd_value *in = &g->values[n->inputs[0]];
    bd_status st;
    if (n->axis < 0 || n->axis >= in->n_dims)
        return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "axis %d out of range", NODE_ARGS(n),
                          n->axis);
    int64_t sum = 0;
    for (int k = 0; k < n->n_inputs; k++) {
        const bd_value *v = &g->values[n->inputs[k]];
        if ((st = need_f32(n, v, "input", err))) return st;
        if (v->n_dims != in->n_dims)
            return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "inputs differ in rank", NODE_ARGS(n));
        for (int i = 0; i < v->n_dims; i++)
            if (i != n->axis && v->dims[i] != in->dims[i])
                return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "input %d differs in dimension %d",
                                  NODE_ARGS(n), k, i);
        sum += v->dims[n->axis];
    }
    dims[n->axis] = sum;
    return BD_OK;
}

/* RESHAPE: the importer set the output shape; it must hold the same elements. */
static bd_status infer_reshape(const bd_graph *g, const bd_node *n, int *n_dims, int64_t *dims,
                               bd_err *err) {
    const bd_value *in = &g->values[n->inputs[0]], *o = &g->values[n->output];
    if (o->n_dims < 1 || o->n_elems != in->n_elems)
        return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "reshape from %zu to %zu elements",
                          NODE_ARGS(n), in->n_elems, o->n_elems);
    *n_dims = o->n_dims;
    memcpy(dims, o->dims, sizeof(int64_t) * BD_MAX_DIMS);
    return BD_OK;
}

/* TRANSPOSE: perm must be a permutation of 0..rank-1. */
static bd_status infer_transpose(const bd_node *n, const bd_value *in, int64_t *dims,
                                 bd_err *err) {
    bool seen[BD_MAX_DIMS] = {false};
    for (int i = 0; i < in->n_dims; i++) {
        int p = n->perm[i];
        if (p < 0 || p >= in->n_dims || seen[p])
            return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "perm is not a permutation",
                              NODE_ARGS(n));
        seen[p] = true;
        dims[i] = in->dims[p];
    }
    return BD_OK;
}

/* PAD: out = before + in + after per axis; reflect needs pads < dim (no repeat of
 * the edge, as ONNX Runtime); edge and constant take any pads >= 0. */
static bd_status infer_pad(const bd_node *n, const bd_value *in, int64_t *dims, bd_err *err) {
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
    return BD_OK;
}

/* SLICE: the output shape is the importer's; every index it reads must exist. */
static bd_status infer_slice(const bd_graph *g, const bd_node *n, int64_t *dims, bd_err *err) {
    const bd_value *in = &g->values[n->inputs[0]], *o = &g->values[n->output];
    if (o->n_dims != in->n_dims)
        return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "slice changes the rank", NODE_ARGS(n));
    for (int i = 0; i < in->n_dims; i++) {
        int64_t b0 = n->pads[i], s0 = n->pads[in->n_dims + i], d = o->dims[i];
        int64_t last = b0 + (d - 1) * s0; /* |s0| <= 2^31, d <= 2^31: no overflow */
        if (s0 == 0 || s0 > INT32_MAX || s0 < -INT32_MAX || d > INT32_MAX || b0 < 0 ||
            b0 >= in->dims[i] || last < 0 || last >= in->dims[i])
            return bd_err_set(err, BD_ERR_FORMAT,
                              NODE_FMT "slice of axis %d reads outside the input", NODE_ARGS(n),
                              i);
        dims[i] = d;
    }
    return BD_OK;
}

/* ---- fully connected, softmax ------------------------------------------------------- */

/* FULLY_CONNECTED: in [.., K] x weight [N, K] + bias [N] -> [.., N]; the kernel
 * treats every leading index as one row. */
static bd_status infer_fc(const bd_graph *g, const bd_node *n, int64_t *dims, bd_err *err) {
    const bd_value *in = &g->values[n->inputs[0]];
    const bd_value *w = &g->values[n->inputs[1]], *b = &g->values[n->inputs[2]];
    bd_status st;
    if ((st = need_rank(n, w, 2, "weight", err)) || (st = need_rank(n, b, 1, "bias", err)) ||
        (st = need_const(n, w, "weight", err)) || (st = need_const(n, b, "bias", err)) ||
        (st = need_f32(n, w, "weight", err)) || (st = need_f32(n, b, "bias", err)))
        return st;
    if (in->n_dims < 1 || in->dims[in->n_dims - 1] != w->dims[1] || b->dims[0] != w->dims[0])
        return bd_err_set(err, BD_ERR_FORMAT,
                          NODE_FMT "input '%s' does not fit weight [%lld,%lld] and bias [%lld]",
                          NODE_ARGS(n), in->name, (long long)w->dims[0], (long long)w->dims[1],
                          (long long)b->dims[0]);
    if (in->n_elems / (size_t)w->dims[1] > INT32_MAX || w->dims[0] > INT32_MAX ||
        w->dims[1] > INT32_MAX)
        return bd_err_set(err, BD_ERR_UNSUPPORTED, NODE_FMT "too large", NODE_ARGS(n));
    dims[in->n_dims - 1] = w->dims[0];
    return BD_OK;
}

/* INSTANCE_NORM: a 4-D input with H*W >= 1, constant f32 scale and bias of [C], a
 * finite epsilon >= 0, the normalised channels inside [0, C), no tanh epilogue
 * (the kernel applies the others); shape unchanged. */
static bd_status infer_instance_norm(const bd_graph *g, const bd_node *n, const bd_value *in,
                                     bd_err *err) {
    bd_status st;
    if ((st = need_rank(n, in, 4, "input", err))) return st;
    for (int k = 1; k < 3; k++) {
        const bd_value *p = &g->values[n->inputs[k]];
        const char *what = k == 1 ? "scale" : "bias";
        if ((st = need_f32(n, p, what, err)) || (st = need_rank(n, p, 1, what, err)) ||
            (st = need_const(n, p, what, err)))
            return st;
        if (p->dims[0] != in->dims[3])
            return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "%s has %lld values for %lld channels",
                              NODE_ARGS(n), what, (long long)p->dims[0], (long long)in->dims[3]);
    }
    if (!(n->epsilon >= 0.0f) || !isfinite(n->epsilon))
        return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "epsilon must be finite and >= 0",
                          NODE_ARGS(n));
    if (n->norm_c1 != 0 && (n->norm_c0 < 0 || n->norm_c0 >= n->norm_c1 ||
                            n->norm_c1 > in->dims[3]))
        return bd_err_set(err, BD_ERR_FORMAT,
                          NODE_FMT "normalised channels %d..%d out of the %lld channels",
                          NODE_ARGS(n), n->norm_c0, n->norm_c1 - 1, (long long)in->dims[3]);
    if (n->act == BD_ACT_TANH)
        return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "no tanh epilogue", NODE_ARGS(n));
    return BD_OK;
}

/* SOFTMAX: the axes [axis, axis + axis_n) lie inside the input; shape unchanged. */
static bd_status infer_softmax(const bd_node *n, const bd_value *in, bd_err *err) {
    if (n->axis < 0 || n->axis_n < 1 || n->axis + n->axis_n > in->n_dims)
        return bd_err_set(err, BD_ERR_FORMAT, NODE_FMT "axes %d..%d out of range", NODE_ARGS(n),
                          n->axis, n->axis + n->axis_n - 1);
    return BD_OK;
}

/* ---- dispatch ----------------------------------------------------------------------- */

/* Infers the output shape of node n into dims/n_dims (which start as the first
 * input's shape: the unary ops keep it). */
static bd_status infer(const bd_graph *g, const bd_node *n, int *n_dims, int64_t *dims,
                       bd_err *err) {
    const bd_value *in = &g->values[n->inputs[0]];
    bd_status st;
    if ((st = check_arity(n, err))) return st;
    if (n->op != BD_OP_DEQUANTIZE && (st = need_f32(n, in, "input", err))) return st;

    *n_dims = in->n_dims;
    memcpy(dims, in->dims, sizeof(int64_t) * BD_MAX_DIMS);
    switch (n->op) {
    case BD_OP_CONV2D:
    case BD_OP_DWCONV2D:
    case BD_OP_TCONV2D: return infer_conv(g, n, dims, err);
    case BD_OP_ADD:
    case BD_OP_MUL:
    case BD_OP_SUB:
    case BD_OP_DIV:
    case BD_OP_PRELU: return infer_binary(g, n, n_dims, dims, err);
    case BD_OP_RELU:
    case BD_OP_RELU6:
    case BD_OP_CLAMP:
    case BD_OP_HARDSWISH:
    case BD_OP_SIGMOID:
    case BD_OP_TANH: return BD_OK;
    case BD_OP_MEAN_HW:
        if ((st = need_rank(n, in, 4, "input", err))) return st;
        dims[1] = dims[2] = 1;
        return BD_OK;
    case BD_OP_INSTANCE_NORM: return infer_instance_norm(g, n, in, err);
    case BD_OP_AVGPOOL2D:
    case BD_OP_MAXPOOL2D: return infer_pool(n, in, dims, err);
    case BD_OP_RESIZE_NEAREST:
    case BD_OP_RESIZE_BILINEAR: return infer_resize(n, in, dims, err);
    case BD_OP_RESIZE_AFFINE: return infer_resize_affine(g, n, in, n_dims, dims, err);
    case BD_OP_CONCAT: return infer_concat(g, n, dims, err);
    case BD_OP_RESHAPE: return infer_reshape(g, n, n_dims, dims, err);
    case BD_OP_TRANSPOSE: return infer_transpose(n, in, dims, err);
    case BD_OP_FULLY_CONNECTED: return infer_fc(g, n, dims, err);
    case BD_OP_SOFTMAX: return infer_softmax(n, in, err);
    case BD_OP_PAD: return infer_pad(n, in, dims, err);
    case BD_OP_SLICE: return infer_slice(g, n, dims, err);
    case BD_OP_DEQUANTIZE:
        /* Constant folding removes every DEQUANTIZE of a float16 constant; one that is
         * left (a non-constant input, another dtype) is not supported at run time. */
        return bd_err_set(err, BD_ERR_UNSUPPORTED,
                          NODE_FMT "only DEQUANTIZE of a float16 constant is supported",
                          NODE_ARGS(n));
    default: return bd_err_set(err, BD_ERR_UNSUPPORTED, NODE_FMT "unknown op", NODE_ARGS(n));
    }
}

/* ---- verifier ----------------------------------------------------------------------- */

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
        /* A constant has no place in the activation arena, where the session hands
         * out (and the recurrent-state pairing copies) every graph output. */
        if (g->values[v].is_const) {
            st = bd_err_set(err, BD_ERR_UNSUPPORTED,
                            "graph output %d '%s' is a constant, not computed by any op", i,
                            g->values[v].name);
            goto done;
        }
    }
done:
    free(defined);
    return st;
}
