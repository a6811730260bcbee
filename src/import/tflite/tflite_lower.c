/*
 * tflite_lower.c -- the helpers that build IR nodes for TFLite operators: constant
 * operand readers, fused activations and padding, temporaries and reshapes, and
 * the ops that lower to more than one node or to attributes read from constant
 * inputs (FULLY_CONNECTED, TRANSPOSE_CONV, PAD/PADV2/MIRROR_PAD, STRIDED_SLICE,
 * DEPTH_TO_SPACE). read_operator (tflite.c) decodes the options and calls them.
 */
#include <stdio.h>
#include <string.h>

#include "import/tflite/tflite_internal.h"

/* Reads an int32 constant input into out[0..n). */
bd_status bd_tfl_const_i32(importer *im, int op_index, int v, int n, int32_t *out) {
    const bd_value *val = &im->g->values[v];
    if (!val->is_const || val->dtype != BD_DTYPE_I32 || (int)val->n_elems != n)
        return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                          "op %d: tensor %d '%s' must be a constant int32 tensor of %d elements",
                          op_index, v, val->name, n);
    memcpy(out, val->data, sizeof(int32_t) * (size_t)n);
    return BD_OK;
}

/* fused_activation_function (schema ActivationFunctionType) -> node epilogue. */
bd_status bd_tfl_set_act(importer *im, bd_node *n, uint8_t fa) {
    switch (fa) {
    case 0: n->act = BD_ACT_NONE; return BD_OK;
    case 1: n->act = BD_ACT_RELU; return BD_OK;
    case 2: n->act = BD_ACT_CLAMP; n->act_min = -1; n->act_max = 1; return BD_OK;
    case 3: n->act = BD_ACT_RELU6; return BD_OK;
    default:
        return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                          "op %d (%s): unsupported fused activation %u", n->src_index,
                          n->src_name, fa);
    }
}

/* Padding enum (schema Padding: SAME = 0, VALID = 1) -> explicit pads. */
bd_status bd_tfl_set_padding(importer *im, bd_node *n, uint8_t padding, int64_t in_h, int64_t in_w,
                             int kh, int kw) {
    bd_conv_attr *c = &n->conv;
    if (c->stride_h < 1 || c->stride_w < 1 || c->dilation_h < 1 || c->dilation_w < 1 ||
        c->stride_h > 4096 || c->stride_w > 4096 || c->dilation_h > 64 || c->dilation_w > 64 ||
        kh < 1 || kw < 1 || kh > 4096 || kw > 4096)
        return bd_err_set(im->err, BD_ERR_FORMAT,
                          "op %d (%s): invalid stride %dx%d, dilation %dx%d or window %dx%d",
                          n->src_index, n->src_name, c->stride_h, c->stride_w, c->dilation_h,
                          c->dilation_w, kh, kw);
    if (padding == 0) {
        bd_same_padding(in_h, kh, c->stride_h, c->dilation_h, &c->pad_top, &c->pad_bottom);
        bd_same_padding(in_w, kw, c->stride_w, c->dilation_w, &c->pad_left, &c->pad_right);
    } else if (padding != 1) {
        return bd_err_set(im->err, BD_ERR_FORMAT, "op %d (%s): unknown padding %u", n->src_index,
                          n->src_name, padding);
    }
    return BD_OK;
}

/* Returns the 4-D input's dims or an error. */
bd_status bd_tfl_input4(importer *im, const bd_node *n, int64_t *h, int64_t *w) {
    const bd_value *in = &im->g->values[n->inputs[0]];
    if (in->n_dims != 4)
        return bd_err_set(im->err, BD_ERR_UNSUPPORTED, "op %d (%s): input '%s' is not 4-D",
                          n->src_index, n->src_name, in->name);
    *h = in->dims[1];
    *w = in->dims[2];
    return BD_OK;
}

/* Adds node n (copied) to the graph. */
bd_status bd_tfl_add_node(importer *im, const bd_node *n) {
    int st = bd_graph_add_node(im->g, n, im->err);
    return st < 0 ? st : BD_OK;
}

/* Adds an f32 activation value named "<tensor v's name>/<suffix>" of the given
 * shape, for the extra steps one TFLite op may lower to. Returns its index or a
 * negative status. */
int bd_tfl_add_temp(importer *im, int v, const char *suffix, int n_dims, const int64_t *dims) {
    char name[BD_MAX_NAME];
    snprintf(name, sizeof name, "%s/%s", im->g->values[v].name, suffix);
    return bd_graph_add_value(im->g, name, BD_DTYPE_F32, n_dims, dims, im->err);
}

/* Adds node n writing a temporary of shape dims, then a RESHAPE of it into n's
 * declared output (the verifier checks that the element counts agree). */
bd_status bd_tfl_add_reshaped(importer *im, bd_node *n, int n_dims, const int64_t *dims) {
    int out = n->output;
    const bd_value *o = &im->g->values[out];
    bool same = o->n_dims == n_dims;
    for (int i = 0; same && i < n_dims; i++) same = o->dims[i] == dims[i];
    if (same) return bd_tfl_add_node(im, n);
    int t = bd_tfl_add_temp(im, out, "pre_reshape", n_dims, dims);
    if (t < 0) return t;
    n->output = t;
    bd_status st = bd_tfl_add_node(im, n);
    if (st) return st;
    bd_node r;
    bd_node_init(&r, BD_OP_RESHAPE, n->src_index, n->src_name);
    r.inputs[0] = t;
    r.n_inputs = 1;
    r.output = out;
    return bd_tfl_add_node(im, &r);
}

/* Reads a constant integer (int32 or int64) tensor of exactly n elements into
 * out[0..n); values outside int32 are an error. */
bd_status bd_tfl_const_ints(importer *im, const bd_node *n, int k, int count, int64_t *out) {
    const bd_value *val = &im->g->values[n->inputs[k]];
    if (!val->is_const || (val->dtype != BD_DTYPE_I32 && val->dtype != BD_DTYPE_I64) ||
        (int64_t)val->n_elems != count)
        return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                          "op %d (%s): input %d (tensor %d '%s') must be a constant int32 or "
                          "int64 tensor of %d elements",
                          n->src_index, n->src_name, k, n->inputs[k], val->name, count);
    for (int i = 0; i < count; i++) {
        int64_t x;
        if (val->dtype == BD_DTYPE_I32) {
            int32_t y;
            memcpy(&y, (const char *)val->data + 4 * (size_t)i, 4);
            x = y;
        } else {
            memcpy(&x, (const char *)val->data + 8 * (size_t)i, 8);
        }
        if (x < INT32_MIN || x > INT32_MAX)
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %d (%s): input %d holds %lld",
                              n->src_index, n->src_name, k, (long long)x);
        out[i] = x;
    }
    return BD_OK;
}

/* FULLY_CONNECTED: TFLite flattens the input into [rows, K] rows (K the weight's
 * second dimension, rows = elements / K) and gives [rows, N], or, with
 * keep_num_dims, the input's leading dimensions and N. */
bd_status bd_tfl_lower_fc(importer *im, bd_node *n, bool keep_dims) {
    const bd_value *x = &im->g->values[n->inputs[0]], *w = &im->g->values[n->inputs[1]];
    if (w->n_dims != 2 || x->n_dims < 1)
        return bd_err_set(im->err, BD_ERR_FORMAT,
                          "op %d (FULLY_CONNECTED): weight '%s' is not 2-D [N, K]", n->src_index,
                          w->name);
    int64_t units = w->dims[0], k = w->dims[1];
    if ((int64_t)x->n_elems % k != 0 || (keep_dims && x->dims[x->n_dims - 1] != k))
        return bd_err_set(im->err, BD_ERR_FORMAT,
                          "op %d (FULLY_CONNECTED): input '%s' (%zu values) does not split into "
                          "rows of %lld",
                          n->src_index, x->name, x->n_elems, (long long)k);
    int64_t rows = (int64_t)x->n_elems / k, dims[BD_MAX_DIMS];
    int nd = 2;
    if (n->n_inputs < 3 || n->inputs[2] < 0) { /* no bias: zeros (moves g->values) */
        int b = bd_graph_add_const(im->g, "zero_bias", BD_DTYPE_F32, 1, &units, NULL, im->err);
        if (b < 0) return b;
        n->inputs[2] = b;
        n->n_inputs = 3;
    }
    x = &im->g->values[n->inputs[0]];
    if (x->dims[x->n_dims - 1] != k) { /* flatten first */
        dims[0] = rows;
        dims[1] = k;
        int t = bd_tfl_add_temp(im, n->inputs[0], "rows", 2, dims);
        if (t < 0) return t;
        bd_node r;
        bd_node_init(&r, BD_OP_RESHAPE, n->src_index, n->src_name);
        r.inputs[0] = n->inputs[0];
        r.n_inputs = 1;
        r.output = t;
        bd_status st = bd_tfl_add_node(im, &r);
        if (st) return st;
        n->inputs[0] = t;
    } else {
        nd = x->n_dims;
        memcpy(dims, x->dims, sizeof dims);
    }
    dims[nd - 1] = units;
    return bd_tfl_add_reshaped(im, n, nd, dims);
}

/* TRANSPOSE_CONV: inputs (output_shape, weights [O,KH,KW,I], input[, bias]) ->
 * TCONV2D (input, weights, bias). TFLite pads as a SAME/VALID convolution from the
 * output back to the input would (ComputePaddingHeightWidth on the output size):
 * out_y = in_y * stride - pad_top + ky, outputs outside [0, out_h) dropped. */
bd_status bd_tfl_lower_tconv(importer *im, bd_node *n, uint8_t padding, uint8_t fa) {
    int64_t shape[4];
    bd_status st;
    if (n->n_inputs < 3 || n->n_inputs > 4)
        return bd_err_set(im->err, BD_ERR_FORMAT, "op %d (TRANSPOSE_CONV): %d inputs",
                          n->src_index, n->n_inputs);
    if ((st = bd_tfl_const_ints(im, n, 0, 4, shape))) return st;
    const bd_value *o = &im->g->values[n->output], *w = &im->g->values[n->inputs[1]];
    const bd_value *x = &im->g->values[n->inputs[2]];
    bool same = o->n_dims == 4;
    for (int i = 0; same && i < 4; i++) same = o->dims[i] == shape[i];
    if (!same)
        return bd_err_set(im->err, BD_ERR_FORMAT,
                          "op %d (TRANSPOSE_CONV): output_shape [%lld,%lld,%lld,%lld] differs "
                          "from output tensor '%s'",
                          n->src_index, (long long)shape[0], (long long)shape[1],
                          (long long)shape[2], (long long)shape[3], o->name);
    if (w->n_dims != 4 || x->n_dims != 4 || w->dims[1] > 64 || w->dims[2] > 64)
        return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                          "op %d (TRANSPOSE_CONV): input and weight must be 4-D, kernel <= 64",
                          n->src_index);
    int s[2] = {n->conv.stride_h, n->conv.stride_w};
    int64_t k[2] = {w->dims[1], w->dims[2]}, in[2] = {x->dims[1], x->dims[2]};
    int64_t out[2] = {shape[1], shape[2]}, before[2], after[2];
    if (s[0] < 1 || s[1] < 1 || s[0] > 64 || s[1] > 64 || padding > 1)
        return bd_err_set(im->err, BD_ERR_FORMAT,
                          "op %d (TRANSPOSE_CONV): invalid stride %dx%d or padding %u",
                          n->src_index, s[0], s[1], padding);
    for (int a = 0; a < 2; a++) {
        /* the size a convolution of the output would give, and its padding */
        int64_t conv_out =
            padding == 0 ? (out[a] + s[a] - 1) / s[a] : (out[a] - k[a] + s[a]) / s[a];
        int64_t total = (conv_out - 1) * s[a] + k[a] - out[a];
        before[a] = total > 0 ? total / 2 : 0;
        after[a] = s[a] * (in[a] - 1) + k[a] - before[a] - out[a];
        if (after[a] < 0 || before[a] > 4096 || after[a] > 4096)
            return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                              "op %d (TRANSPOSE_CONV): output %s %lld is more than the input's "
                              "%lld taps of stride %d and kernel %lld reach",
                              n->src_index, a ? "width" : "height", (long long)out[a],
                              (long long)in[a], s[a], (long long)k[a]);
    }
    n->conv.pad_top = (int)before[0];
    n->conv.pad_bottom = (int)after[0];
    n->conv.pad_left = (int)before[1];
    n->conv.pad_right = (int)after[1];
    int bias = n->n_inputs == 4 ? n->inputs[3] : -1;
    n->inputs[0] = n->inputs[2];
    n->inputs[2] = bias;
    n->n_inputs = 3;
    if (bias < 0) {
        int64_t oc = w->dims[0];
        int b = bd_graph_add_const(im->g, "zero_bias", BD_DTYPE_F32, 1, &oc, NULL, im->err);
        if (b < 0) return b;
        n->inputs[2] = b;
    }
    if ((st = bd_tfl_set_act(im, n, fa))) return st;
    return bd_tfl_add_node(im, n);
}

/* PAD, PADV2, MIRROR_PAD: paddings is a constant [rank, 2] (before, after per axis). */
bd_status bd_tfl_lower_pad(importer *im, bd_node *n, int mode) {
    const bd_value *x = &im->g->values[n->inputs[0]];
    int rank = x->n_dims;
    int64_t p[2 * BD_MAX_DIMS];
    bd_status st;
    if (rank < 1 || (st = bd_tfl_const_ints(im, n, 1, 2 * rank, p)))
        return rank < 1 ? bd_err_set(im->err, BD_ERR_UNSUPPORTED, "op %d (%s): scalar input",
                                     n->src_index, n->src_name)
                        : st;
    for (int i = 0; i < rank; i++) {
        if (p[2 * i] < 0 || p[2 * i + 1] < 0)
            return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                              "op %d (%s): negative padding %lld/%lld on axis %d", n->src_index,
                              n->src_name, (long long)p[2 * i], (long long)p[2 * i + 1], i);
        n->pads[i] = p[2 * i];
        n->pads[rank + i] = p[2 * i + 1];
    }
    n->pad_mode = mode;
    n->pad_value = 0.0f;
    if (n->n_inputs == 3) { /* PADV2 constant_values: one float */
        const bd_value *c = &im->g->values[n->inputs[2]];
        if (!c->is_const || c->dtype != BD_DTYPE_F32 || c->n_elems != 1)
            return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                              "op %d (%s): constant_values '%s' must be one constant float",
                              n->src_index, n->src_name, c->name);
        memcpy(&n->pad_value, c->data, 4);
    }
    n->n_inputs = 1;
    return bd_tfl_add_node(im, n);
}

/* STRIDED_SLICE with constant begin, end and strides (TensorFlow semantics per
 * axis: masks take the whole range, negative indices count from the end, clamped;
 * shrink_axis takes the one element at begin and drops the axis, by a RESHAPE into
 * the declared output). No ellipsis, new axis or offset. */
bd_status bd_tfl_lower_strided_slice(importer *im, bd_node *n, int32_t begin_mask,
                                     int32_t end_mask, int32_t shrink_mask) {
    const bd_value *x = &im->g->values[n->inputs[0]];
    int rank = x->n_dims;
    int64_t b[BD_MAX_DIMS], e[BD_MAX_DIMS], s[BD_MAX_DIMS], dims[BD_MAX_DIMS];
    bd_status st;
    if (n->n_inputs != 4 || rank < 1)
        return bd_err_set(im->err, BD_ERR_FORMAT, "op %d (STRIDED_SLICE): %d inputs, rank %d",
                          n->src_index, n->n_inputs, rank);
    if ((st = bd_tfl_const_ints(im, n, 1, rank, b)) ||
        (st = bd_tfl_const_ints(im, n, 2, rank, e)) ||
        (st = bd_tfl_const_ints(im, n, 3, rank, s)))
        return st;
    x = &im->g->values[n->inputs[0]];
    for (int i = 0; i < rank; i++) {
        int64_t d = x->dims[i], lo = s[i] > 0 ? 0 : -1, hi = s[i] > 0 ? d : d - 1;
        if (s[i] == 0)
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %d (STRIDED_SLICE): stride 0 on axis %d",
                              n->src_index, i);
        int64_t bi = b[i], ei = e[i];
        if (shrink_mask >> i & 1) {
            if (bi < 0) bi += d;
            if (bi < 0 || bi >= d)
                return bd_err_set(im->err, BD_ERR_FORMAT,
                                  "op %d (STRIDED_SLICE): index %lld outside axis %d of size %lld",
                                  n->src_index, (long long)b[i], i, (long long)d);
            n->pads[i] = bi;
            n->pads[rank + i] = 1;
            dims[i] = 1;
            continue;
        }
        if (begin_mask >> i & 1) bi = s[i] > 0 ? lo : hi;
        else if (bi < 0) bi += d;
        if (end_mask >> i & 1) ei = s[i] > 0 ? hi : lo;
        else if (ei < 0) ei += d;
        bi = bi < lo ? lo : bi > hi ? hi : bi;
        ei = ei < lo ? lo : ei > hi ? hi : ei;
        int64_t count = s[i] > 0 ? (ei - bi + s[i] - 1) / s[i] : (bi - ei - s[i] - 1) / -s[i];
        if (count < 1)
            return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                              "op %d (STRIDED_SLICE): empty result on axis %d", n->src_index, i);
        n->pads[i] = bi;
        n->pads[rank + i] = s[i];
        dims[i] = count;
    }
    n->n_inputs = 1;
    return bd_tfl_add_reshaped(im, n, rank, dims);
}

/* DEPTH_TO_SPACE (block b, TensorFlow's DCR order: channel (by * b + bx) * C' + c):
 * RESHAPE [N,H,W,C] -> [N,H,W,b,b,C'], TRANSPOSE to [N,H,b,W,b,C'], RESHAPE to
 * [N,H*b,W*b,C']. */
bd_status bd_tfl_lower_depth_to_space(importer *im, bd_node *n, int32_t block) {
    const bd_value *x = &im->g->values[n->inputs[0]];
    if (x->n_dims != 4 || block < 1 || block > 64 || x->dims[3] % ((int64_t)block * block) != 0)
        return bd_err_set(im->err, BD_ERR_FORMAT,
                          "op %d (DEPTH_TO_SPACE): block %d for input '%s' (4-D, channels a "
                          "multiple of block^2)",
                          n->src_index, block, x->name);
    int64_t bb = block, d6[6] = {x->dims[0], x->dims[1], x->dims[2], bb, bb,
                                 x->dims[3] / (bb * bb)};
    int64_t t6[6] = {d6[0], d6[1], bb, d6[2], bb, d6[5]};
    int in = n->inputs[0], out = n->output;
    int a = bd_tfl_add_temp(im, out, "blocks", 6, d6);
    if (a < 0) return a;
    int t = bd_tfl_add_temp(im, out, "moved", 6, t6);
    if (t < 0) return t;
    bd_node r1, tr, r2;
    bd_node_init(&r1, BD_OP_RESHAPE, n->src_index, n->src_name);
    r1.inputs[0] = in;
    r1.n_inputs = 1;
    r1.output = a;
    bd_node_init(&tr, BD_OP_TRANSPOSE, n->src_index, n->src_name);
    static const int perm[6] = {0, 1, 3, 2, 4, 5};
    memcpy(tr.perm, perm, sizeof perm);
    tr.inputs[0] = a;
    tr.n_inputs = 1;
    tr.output = t;
    bd_node_init(&r2, BD_OP_RESHAPE, n->src_index, n->src_name);
    r2.inputs[0] = t;
    r2.n_inputs = 1;
    r2.output = out;
    bd_status st;
    if ((st = bd_tfl_add_node(im, &r1)) || (st = bd_tfl_add_node(im, &tr))) return st;
    return bd_tfl_add_node(im, &r2);
}
