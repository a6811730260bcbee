/*
 * tflite.c -- TFLite model file -> backdrop graph IR.
 *
 * Reads the FlatBuffer with the checked accessors of flatbuf.h, using the field
 * ids of the public TFLite schema (tensorflow/lite/schema/schema.fbs, version 3):
 *
 *   Model:        0 version, 1 operator_codes, 2 subgraphs, 3 description, 4 buffers
 *   OperatorCode: 0 deprecated_builtin_code (i8), 1 custom_code, 2 version,
 *                 3 builtin_code (i32); the real code is max(0, 3)
 *   SubGraph:     0 tensors, 1 inputs, 2 outputs, 3 operators, 4 name
 *   Tensor:       0 shape, 1 type, 2 buffer, 3 name, 4 quantization, 6 sparsity
 *   Buffer:       0 data, 1 offset (u64), 2 size (u64)
 *   Operator:     0 opcode_index, 1 inputs, 2 outputs, 3 builtin_options_type,
 *                 4 builtin_options, 5 custom_options
 *
 * TFLite tensor i becomes IR value i, so messages use the file's tensor numbers.
 * Only subgraph 0 is imported. Every index, count, size and shape is checked here
 * or in bd_graph_verify().
 *
 * This file holds the driver: operator codes, the operators (their options are
 * decoded here, the multi-node lowerings live in tflite_lower.c), graph inputs
 * and outputs; tensors and their constant data are read by tflite_tensors.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/tflite/tflite_internal.h"

/* Names for messages; codes not listed print as BUILTIN_<n>. */
static const char *builtin_name(int code) {
    static const char *const names[] = {
        "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D",
        "DEPTH_TO_SPACE", "DEQUANTIZE", "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED",
        "HASHTABLE_LOOKUP", "L2_NORMALIZATION", "L2_POOL_2D", "LOCAL_RESPONSE_NORMALIZATION",
        "LOGISTIC", "LSH_PROJECTION", "LSTM", "MAX_POOL_2D", "MUL", "RELU", "RELU_N1_TO_1",
        "RELU6", "RESHAPE", "RESIZE_BILINEAR", "RNN", "SOFTMAX", "SPACE_TO_DEPTH", "SVDF",
        "TANH", "CONCAT_EMBEDDINGS", "SKIP_GRAM", "CALL", "CUSTOM", "EMBEDDING_LOOKUP_SPARSE",
        "PAD", "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER", "BATCH_TO_SPACE_ND",
        "SPACE_TO_BATCH_ND", "TRANSPOSE", "MEAN", "SUB", "DIV", "SQUEEZE",
        "UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE", "BIDIRECTIONAL_SEQUENCE_RNN", "EXP",
        "TOPK_V2", "SPLIT", "LOG_SOFTMAX", "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST",
        "PRELU", "MAXIMUM", "ARG_MAX", "MINIMUM", "LESS", "NEG", "PADV2", "GREATER",
        "GREATER_EQUAL", "LESS_EQUAL", "SELECT", "SLICE", "SIN", "TRANSPOSE_CONV",
    };
    if (code >= 0 && code < (int)(sizeof names / sizeof names[0])) return names[code];
    switch (code) {
    case TFL_EXPAND_DIMS: return "EXPAND_DIMS";
    case TFL_LEAKY_RELU: return "LEAKY_RELU";
    case TFL_MIRROR_PAD: return "MIRROR_PAD";
    case TFL_HARD_SWISH: return "HARD_SWISH";
    case TFL_DENSIFY: return "DENSIFY";
    default: break;
    }
    return NULL;
}

static bd_status read_opcodes(importer *im, const fb_table *model) {
    fb_vec v;
    bool present;
    if (!fb_vector(model, 1, 4, &v, &present)) return MALFORMED("operator_codes");
    im->n_codes = v.len;
    im->codes = calloc(v.len ? v.len : 1, sizeof(opcode));
    if (!im->codes) return bd_err_set(im->err, BD_ERR_NO_MEMORY, "out of memory");
    for (uint32_t i = 0; i < v.len; i++) {
        fb_table oc;
        uint8_t dep;
        int32_t code, version;
        const char *s;
        uint32_t len;
        if (!fb_vec_table(&v, i, &oc) || !fb_u8(&oc, 0, 0, &dep) || !fb_i32(&oc, 3, 0, &code) ||
            !fb_i32(&oc, 2, 1, &version) || !fb_string(&oc, 1, &s, &len, &present))
            return MALFORMED("operator code");
        /* deprecated_builtin_code is an int8 that saturates at 127 (PLACEHOLDER_FOR_
         * GREATER_OP_CODES); newer files carry the real code in builtin_code. */
        int d = (int8_t)dep;
        im->codes[i].code = code > d ? code : d;
        im->codes[i].version = version;
        bd_name_print(im->codes[i].custom, sizeof im->codes[i].custom, s, len);
    }
    return BD_OK;
}

static bd_status read_operator(importer *im, const fb_vec *ops, uint32_t oi) {
    fb_table op, opt;
    fb_vec ins, outs, custom;
    uint32_t code_index;
    uint8_t opt_type;
    bool present, has_opt;
    char what[48];
    snprintf(what, sizeof what, "operator %u", oi);
    if (!fb_vec_table(ops, oi, &op) || !fb_u32(&op, 0, 0, &code_index) ||
        !fb_vector(&op, 1, 4, &ins, &present) || !fb_vector(&op, 2, 4, &outs, &present) ||
        !fb_u8(&op, 3, 0, &opt_type) || !fb_table_field(&op, 4, &opt, &has_opt) ||
        !fb_vector(&op, 5, 1, &custom, &present))
        return MALFORMED(what);
    if (code_index >= im->n_codes)
        return bd_err_set(im->err, BD_ERR_FORMAT, "op %u: opcode index %u out of range (%u codes)",
                          oi, code_index, im->n_codes);
    const opcode *oc = &im->codes[code_index];
    const char *name = builtin_name(oc->code);
    char fallback[32];
    if (!name) {
        snprintf(fallback, sizeof fallback, "BUILTIN_%d", oc->code);
        name = fallback;
    }
    bool is_tbias = oc->code == TFL_CUSTOM && strcmp(oc->custom, "Convolution2DTransposeBias") == 0;
    bd_status st =
        bd_graph_count_src_op(im->g, oc->code == TFL_CUSTOM ? oc->custom : name, im->err);
    if (st) return st;

    const char *src_name = is_tbias ? "Convolution2DTransposeBias" : builtin_name(oc->code);
    bd_node n; /* n.op is set per operator below */
    bd_node_init(&n, BD_OP_NONE, (int)oi, src_name ? src_name : "?");

    /* Inputs (-1 = an omitted optional input) and the single output. */
    if (ins.len < 1 || ins.len > BD_MAX_NODE_INPUTS || outs.len != 1)
        return bd_err_set(im->err, BD_ERR_UNSUPPORTED, "op %u (%s): %u inputs and %u outputs", oi,
                          name, ins.len, outs.len);
    int n_in = 0;
    for (uint32_t k = 0; k < ins.len; k++) {
        int32_t t = fb_vec_i32(&ins, k);
        if (t < -1 || t >= im->n_tensors)
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (%s): input %u is tensor %d of %d",
                              oi, name, k, t, im->n_tensors);
        n.inputs[n_in++] = t; /* -1 kept here, handled per op */
    }
    n.n_inputs = n_in;
    n.output = fb_vec_i32(&outs, 0);
    if (n.output < 0 || n.output >= im->n_tensors)
        return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (%s): output is tensor %d of %d", oi,
                          name, n.output, im->n_tensors);
    for (int k = 0; k < n.n_inputs; k++) {
        /* optional inputs: the biases */
        bool optional_ok = ((oc->code == TFL_CONV_2D || oc->code == TFL_DEPTHWISE_CONV_2D ||
                             oc->code == TFL_FULLY_CONNECTED) && k == 2) ||
                           (oc->code == TFL_TRANSPOSE_CONV && k == 3);
        if (n.inputs[k] < 0 && !optional_ok)
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (%s): input %d is missing", oi, name,
                              k);
    }

    /* Checks that the options table is present and has the expected union type. */
#define NEED_OPTIONS(type_id)                                                              \
    do {                                                                                   \
        if (!has_opt || opt_type != (type_id))                                             \
            return bd_err_set(im->err, BD_ERR_FORMAT,                                      \
                              "op %u (%s): missing or wrong builtin options (type %u)", oi, \
                              name, opt_type);                                             \
    } while (0)
    /* The same for ops whose options table may be absent (TFLite then uses the
     * schema defaults, and so does OPT). */
#define ALLOW_OPTIONS(type_id)                                                             \
    do {                                                                                   \
        if (has_opt) NEED_OPTIONS(type_id);                                                \
    } while (0)
    /* Reads options field id into *dst: `def` when the field or the table is absent. */
#define OPT(getter, id, def, dst)                                                          \
    do {                                                                                   \
        if (!has_opt) *(dst) = (def);                                                      \
        else if (!getter(&opt, id, def, dst)) return MALFORMED(what);                      \
    } while (0)

    int64_t ih = 0, iw = 0;
    uint8_t padding = 0, fa = 0;
    int32_t i1, i2, i3, i4;
    switch (oc->code) {
    case TFL_CONV_2D:
    case TFL_DEPTHWISE_CONV_2D: {
        bool dw = oc->code == TFL_DEPTHWISE_CONV_2D;
        n.op = dw ? BD_OP_DWCONV2D : BD_OP_CONV2D;
        NEED_OPTIONS(dw ? OPT_DWCONV2D : OPT_CONV2D);
        /* Conv2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 act, 4 dil_w, 5 dil_h.
         * DepthwiseConv2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 depth_multiplier,
         * 4 act, 5 dil_w, 6 dil_h. */
        int a = dw ? 1 : 0;
        OPT(fb_u8, 0, 0, &padding);
        OPT(fb_i32, 1, 1, &i1);
        OPT(fb_i32, 2, 1, &i2);
        OPT(fb_u8, 3 + a, 0, &fa);
        OPT(fb_i32, 4 + a, 1, &i3);
        OPT(fb_i32, 5 + a, 1, &i4);
        n.conv.stride_w = i1;
        n.conv.stride_h = i2;
        n.conv.dilation_w = i3;
        n.conv.dilation_h = i4;
        if (dw) {
            OPT(fb_i32, 3, 1, &i1);
            n.conv.depth_multiplier = i1;
        }
        if (n.n_inputs < 2 || n.n_inputs > 3)
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (%s): %d inputs", oi, name,
                              n.n_inputs);
        const bd_value *w = &im->g->values[n.inputs[1]];
        if (w->n_dims != 4 || w->dims[1] > 4096 || w->dims[2] > 4096)
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (%s): weight is not a 4-D kernel",
                              oi, name);
        int kh = (int)w->dims[1], kw = (int)w->dims[2];
        int64_t n_bias = dw ? w->dims[3] : w->dims[0];
        if (n.n_inputs == 2 || n.inputs[2] < 0) { /* no bias: synthesise zeros */
            /* may move g->values: w is stale after this */
            int b = bd_graph_add_const(im->g, "zero_bias", BD_DTYPE_F32, 1, &n_bias, NULL, im->err);
            if (b < 0) return b;
            n.inputs[2] = b;
            n.n_inputs = 3;
        }
        if ((st = bd_tfl_input4(im, &n, &ih, &iw)) || (st = bd_tfl_set_act(im, &n, fa)) ||
            (st = bd_tfl_set_padding(im, &n, padding, ih, iw, kh, kw)))
            return st;
        break;
    }
    case TFL_CUSTOM: {
        if (!is_tbias)
            return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                              "op %u: unsupported custom operator '%s' (version %d)", oi,
                              oc->custom, oc->version);
        /* MediaPipe Convolution2DTransposeBias: custom_options are the raw C struct
         * TfLiteTransposeConvParams {int32 padding; int32 stride_w; int32 stride_h},
         * padding as the C enum kTfLitePaddingSame = 1, kTfLitePaddingValid = 2. */
        n.op = BD_OP_TCONV2D;
        if (custom.len < 12 || n.n_inputs != 3)
            return bd_err_set(im->err, BD_ERR_FORMAT,
                              "op %u (%s): needs 3 inputs and 12 bytes of options", oi,
                              n.src_name);
        int32_t p[3];
        memcpy(p, im->buf->data + custom.pos, 12);
        const bd_value *w = &im->g->values[n.inputs[1]];
        if (w->n_dims != 4 || (p[0] != 1 && p[0] != 2) || p[1] < 1 || p[2] < 1 || p[1] > 64 ||
            p[2] > 64)
            return bd_err_set(im->err, BD_ERR_FORMAT,
                              "op %u (%s): invalid options (padding %d, stride %dx%d)", oi,
                              n.src_name, p[0], p[1], p[2]);
        if ((st = bd_tfl_input4(im, &n, &ih, &iw))) return st;
        n.conv.stride_w = p[1];
        n.conv.stride_h = p[2];
        /* pad_total = SAME ? max(0, k - (in-1) % s - 1) : 0; before = total / 2. */
        int64_t kh = w->dims[1], kw = w->dims[2];
        int64_t ph = p[0] == 1 ? kh - (ih - 1) % p[2] - 1 : 0;
        int64_t pw = p[0] == 1 ? kw - (iw - 1) % p[1] - 1 : 0;
        if (ph < 0) ph = 0;
        if (pw < 0) pw = 0;
        if (ph > 4096 || pw > 4096) return MALFORMED(what);
        n.conv.pad_top = (int)(ph / 2);
        n.conv.pad_bottom = (int)(ph - ph / 2);
        n.conv.pad_left = (int)(pw / 2);
        n.conv.pad_right = (int)(pw - pw / 2);
        break;
    }
    case TFL_ADD:
    case TFL_MUL:
        n.op = oc->code == TFL_ADD ? BD_OP_ADD : BD_OP_MUL;
        /* AddOptions / MulOptions: 0 fused_activation_function */
        ALLOW_OPTIONS(oc->code == TFL_ADD ? OPT_ADD : OPT_MUL);
        OPT(fb_u8, 0, 0, &fa);
        if ((st = bd_tfl_set_act(im, &n, fa))) return st;
        break;
    case TFL_RELU: n.op = BD_OP_RELU; break;
    case TFL_RELU6: n.op = BD_OP_RELU6; break;
    case TFL_RELU_N1_TO_1:
        n.op = BD_OP_CLAMP;
        n.act_min = -1;
        n.act_max = 1;
        break;
    case TFL_HARD_SWISH: n.op = BD_OP_HARDSWISH; break;
    case TFL_LOGISTIC: n.op = BD_OP_SIGMOID; break;
    case TFL_TANH: n.op = BD_OP_TANH; break;
    case TFL_AVERAGE_POOL_2D:
    case TFL_MAX_POOL_2D: {
        n.op = oc->code == TFL_AVERAGE_POOL_2D ? BD_OP_AVGPOOL2D : BD_OP_MAXPOOL2D;
        NEED_OPTIONS(OPT_POOL2D);
        /* Pool2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 filter_w, 4 filter_h, 5 act */
        OPT(fb_u8, 0, 0, &padding);
        OPT(fb_i32, 1, 1, &i1);
        OPT(fb_i32, 2, 1, &i2);
        OPT(fb_i32, 3, 1, &i3);
        OPT(fb_i32, 4, 1, &i4);
        OPT(fb_u8, 5, 0, &fa);
        n.conv.stride_w = i1;
        n.conv.stride_h = i2;
        n.conv.kernel_w = i3;
        n.conv.kernel_h = i4;
        if ((st = bd_tfl_input4(im, &n, &ih, &iw)) || (st = bd_tfl_set_act(im, &n, fa)) ||
            (st = bd_tfl_set_padding(im, &n, padding, ih, iw, i4, i3)))
            return st;
        /* A VALID average pool whose window is the whole plane is a global mean. */
        if (n.op == BD_OP_AVGPOOL2D && padding == 1 && i4 == ih && i3 == iw && fa == 0)
            n.op = BD_OP_MEAN_HW;
        break;
    }
    case TFL_MEAN: {
        /* MEAN over axes {1,2} of a 4-D tensor (ReducerOptions: 0 keep_dims); without
         * keep_dims the [N,1,1,C] mean is reshaped to the declared [N,C]. */
        uint8_t keep = 0;
        ALLOW_OPTIONS(OPT_REDUCER);
        OPT(fb_u8, 0, 0, &keep);
        int64_t axes[2];
        if (n.n_inputs != 2)
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (MEAN): %d inputs, expected 2", oi,
                              n.n_inputs);
        if ((st = bd_tfl_input4(im, &n, &ih, &iw)) || (st = bd_tfl_const_ints(im, &n, 1, 2, axes)))
            return st;
        for (int k = 0; k < 2; k++)
            if (axes[k] < 0) axes[k] += 4;
        if (!((axes[0] == 1 && axes[1] == 2) || (axes[0] == 2 && axes[1] == 1)))
            return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                              "op %u (MEAN): only the mean over H and W (axes 1,2) is "
                              "supported, not axes %lld,%lld",
                              oi, (long long)axes[0], (long long)axes[1]);
        n.op = BD_OP_MEAN_HW;
        n.n_inputs = 1;
        const bd_value *x = &im->g->values[n.inputs[0]];
        int64_t dims[4] = {x->dims[0], 1, 1, x->dims[3]};
        return bd_tfl_add_reshaped(im, &n, 4, dims);
    }
    case TFL_FULLY_CONNECTED: {
        /* FullyConnectedOptions: 0 fused_activation_function, 1 weights_format,
         * 2 keep_num_dims, 3 asymmetric_quantize_inputs (quantized only) */
        uint8_t wf = 0, keep = 0;
        ALLOW_OPTIONS(OPT_FULLY_CONNECTED);
        OPT(fb_u8, 0, 0, &fa);
        OPT(fb_u8, 1, 0, &wf);
        OPT(fb_u8, 2, 0, &keep);
        if (wf != 0)
            return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                              "op %u (FULLY_CONNECTED): weights_format %u (only DEFAULT)", oi, wf);
        if (n.n_inputs < 2 || n.n_inputs > 3)
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (FULLY_CONNECTED): %d inputs", oi,
                              n.n_inputs);
        n.op = BD_OP_FULLY_CONNECTED;
        if ((st = bd_tfl_set_act(im, &n, fa))) return st;
        return bd_tfl_lower_fc(im, &n, keep != 0);
    }
    case TFL_SOFTMAX: {
        /* SoftmaxOptions: 0 beta (schema default 0, as TFLite reads a missing table);
         * softmax(beta * x) over the last axis. */
        float beta = 0.0f;
        ALLOW_OPTIONS(OPT_SOFTMAX);
        OPT(fb_f32, 0, 0.0f, &beta);
        if (n.n_inputs != 1)
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (SOFTMAX): %d inputs", oi,
                              n.n_inputs);
        const bd_value *x = &im->g->values[n.inputs[0]];
        if (x->n_dims < 1 || !isfinite(beta))
            return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                              "op %u (SOFTMAX): input '%s' is a scalar or beta %g is not finite",
                              oi, x->name, (double)beta);
        n.op = BD_OP_SOFTMAX;
        n.axis = x->n_dims - 1;
        n.axis_n = 1;
        if (beta != 1.0f) { /* scale first: a MUL by the constant beta */
            int64_t one = 1;
            float *bv;
            int bc = bd_graph_add_const(im->g, "softmax_beta", BD_DTYPE_F32, 1, &one,
                                        (void **)&bv, im->err);
            if (bc < 0) return bc;
            *bv = beta;
            x = &im->g->values[n.inputs[0]];
            int64_t dims[BD_MAX_DIMS];
            memcpy(dims, x->dims, sizeof dims);
            int t = bd_tfl_add_temp(im, n.output, "scaled", x->n_dims, dims);
            if (t < 0) return t;
            bd_node m;
            bd_node_init(&m, BD_OP_MUL, (int)oi, n.src_name);
            m.inputs[0] = n.inputs[0];
            m.inputs[1] = bc;
            m.n_inputs = 2;
            m.output = t;
            if ((st = bd_tfl_add_node(im, &m))) return st;
            n.inputs[0] = t;
        }
        break;
    }
    case TFL_PAD:
    case TFL_PADV2:
        if (n.n_inputs != (oc->code == TFL_PAD ? 2 : 3))
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (%s): %d inputs", oi, name,
                              n.n_inputs);
        n.op = BD_OP_PAD;
        return bd_tfl_lower_pad(im, &n, BD_PAD_CONSTANT);
    case TFL_MIRROR_PAD: {
        uint8_t mode = 0; /* MirrorPadOptions: 0 mode (REFLECT = 0, SYMMETRIC = 1) */
        ALLOW_OPTIONS(OPT_MIRROR_PAD);
        OPT(fb_u8, 0, 0, &mode);
        if (mode != 0)
            return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                              "op %u (MIRROR_PAD): mode %u (only REFLECT)", oi, mode);
        if (n.n_inputs != 2)
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (%s): %d inputs", oi, name,
                              n.n_inputs);
        n.op = BD_OP_PAD;
        return bd_tfl_lower_pad(im, &n, BD_PAD_REFLECT);
    }
    case TFL_TRANSPOSE: {
        const bd_value *x = &im->g->values[n.inputs[0]];
        int64_t perm[BD_MAX_DIMS];
        int rank = x->n_dims;
        if (n.n_inputs != 2)
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (TRANSPOSE): %d inputs", oi,
                              n.n_inputs);
        if ((st = bd_tfl_const_ints(im, &n, 1, rank, perm))) return st;
        for (int i = 0; i < rank; i++) n.perm[i] = (int)perm[i]; /* checked by the verifier */
        n.op = BD_OP_TRANSPOSE;
        n.n_inputs = 1;
        break;
    }
    case TFL_TRANSPOSE_CONV: {
        /* TransposeConvOptions: 0 padding, 1 stride_w, 2 stride_h, 3 fused act */
        NEED_OPTIONS(OPT_TRANSPOSE_CONV);
        OPT(fb_u8, 0, 0, &padding);
        OPT(fb_i32, 1, 1, &i1);
        OPT(fb_i32, 2, 1, &i2);
        OPT(fb_u8, 3, 0, &fa);
        n.op = BD_OP_TCONV2D;
        n.conv.stride_w = i1;
        n.conv.stride_h = i2;
        return bd_tfl_lower_tconv(im, &n, padding, fa);
    }
    case TFL_PRELU:
        if (n.n_inputs != 2)
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (PRELU): %d inputs", oi, n.n_inputs);
        n.op = BD_OP_PRELU;
        break;
    case TFL_LEAKY_RELU: {
        /* LeakyReluOptions: 0 alpha: a PRELU with a constant scalar slope */
        float alpha = 0.0f;
        ALLOW_OPTIONS(OPT_LEAKY_RELU);
        OPT(fb_f32, 0, 0.0f, &alpha);
        if (!isfinite(alpha))
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (LEAKY_RELU): alpha %g", oi,
                              (double)alpha);
        int64_t one = 1;
        float *av;
        int ac = bd_graph_add_const(im->g, "leaky_alpha", BD_DTYPE_F32, 1, &one, (void **)&av,
                                    im->err);
        if (ac < 0) return ac;
        *av = alpha;
        n.op = BD_OP_PRELU;
        n.inputs[1] = ac;
        n.n_inputs = 2;
        break;
    }
    case TFL_SUB:
    case TFL_DIV:
        n.op = oc->code == TFL_SUB ? BD_OP_SUB : BD_OP_DIV;
        if (n.n_inputs != 2)
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (%s): %d inputs", oi, name,
                              n.n_inputs);
        /* SubOptions / DivOptions: 0 fused_activation_function */
        ALLOW_OPTIONS(oc->code == TFL_SUB ? OPT_SUB : OPT_DIV);
        OPT(fb_u8, 0, 0, &fa);
        if ((st = bd_tfl_set_act(im, &n, fa))) return st;
        break;
    case TFL_RESIZE_BILINEAR: {
        n.op = BD_OP_RESIZE_BILINEAR;
        uint8_t ac = 0, hp = 0;
        /* ResizeBilinearOptions: 2 align_corners, 3 half_pixel_centers */
        ALLOW_OPTIONS(OPT_RESIZE_BILINEAR);
        OPT(fb_u8, 2, 0, &ac);
        OPT(fb_u8, 3, 0, &hp);
        int32_t size[2];
        if (n.n_inputs != 2)
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (%s): 2 inputs", oi, name);
        if ((st = bd_tfl_const_i32(im, (int)oi, n.inputs[1], 2, size))) return st;
        n.out_h = size[0];
        n.out_w = size[1];
        n.align_corners = ac != 0;
        n.half_pixel = hp != 0;
        n.n_inputs = 1;
        break;
    }
    case TFL_CONCATENATION: {
        n.op = BD_OP_CONCAT;
        NEED_OPTIONS(OPT_CONCAT); /* ConcatenationOptions: 0 axis, 1 act */
        OPT(fb_i32, 0, 0, &i1);
        OPT(fb_u8, 1, 0, &fa);
        /* TFLite's float kernel refuses a fused activation here (concatenation.cc
         * Prepare); its XNNPACK delegate ignores it. Neither is worth copying. */
        if (fa != 0)
            return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                              "op %u (CONCATENATION): fused activation %u (TFLite's own kernel "
                              "rejects it too)",
                              oi, fa);
        int rank = im->g->values[n.inputs[0]].n_dims;
        if (i1 < -rank || i1 >= rank)
            return bd_err_set(im->err, BD_ERR_FORMAT,
                              "op %u (CONCATENATION): axis %d of a %d-D input", oi, i1, rank);
        if (i1 < 0) i1 += rank;
        n.axis = i1;
        break;
    }
    case TFL_RESHAPE:
    case TFL_SQUEEZE:
    case TFL_EXPAND_DIMS:
        /* The shape comes from the output tensor's declared shape (the new_shape /
         * squeeze_dims options and the shape or axis input say the same); the
         * verifier checks that the element counts agree. */
        if (n.n_inputs > (oc->code == TFL_SQUEEZE ? 1 : 2))
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (%s): %d inputs", oi, name,
                              n.n_inputs);
        n.op = BD_OP_RESHAPE;
        n.n_inputs = 1;
        break;
    case TFL_DEQUANTIZE: n.op = BD_OP_DEQUANTIZE; break;
    case TFL_DENSIFY: {
        /* The sparse constant was made dense when it was read: its output is a copy. */
        const bd_value *x = &im->g->values[n.inputs[0]], *o = &im->g->values[n.output];
        if (n.n_inputs != 1 || !x->is_const || o->is_const || o->dtype != x->dtype ||
            o->n_elems != x->n_elems || o->is_input)
            return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                              "op %u (DENSIFY): input must be a constant of the output's size "
                              "and type",
                              oi);
        return bd_value_set_const(im->g, n.output, x->data, im->err);
    }
    case TFL_STRIDED_SLICE: {
        /* StridedSliceOptions: 0 begin_mask, 1 end_mask, 2 ellipsis_mask,
         * 3 new_axis_mask, 4 shrink_axis_mask, 5 offset */
        int32_t bm = 0, em = 0, elm = 0, nam = 0, sam = 0;
        uint8_t offset = 0;
        ALLOW_OPTIONS(OPT_STRIDED_SLICE);
        OPT(fb_i32, 0, 0, &bm);
        OPT(fb_i32, 1, 0, &em);
        OPT(fb_i32, 2, 0, &elm);
        OPT(fb_i32, 3, 0, &nam);
        OPT(fb_i32, 4, 0, &sam);
        OPT(fb_u8, 5, 0, &offset);
        if (elm != 0 || nam != 0 || offset != 0)
            return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                              "op %u (STRIDED_SLICE): ellipsis_mask %d, new_axis_mask %d, "
                              "offset %u (only 0)",
                              oi, elm, nam, offset);
        n.op = BD_OP_SLICE;
        return bd_tfl_lower_strided_slice(im, &n, bm, em, sam);
    }
    case TFL_DEPTH_TO_SPACE: {
        NEED_OPTIONS(OPT_DEPTH_TO_SPACE); /* DepthToSpaceOptions: 0 block_size */
        OPT(fb_i32, 0, 0, &i1);
        if (n.n_inputs != 1)
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (DEPTH_TO_SPACE): %d inputs", oi,
                              n.n_inputs);
        return bd_tfl_lower_depth_to_space(im, &n, i1);
    }
    default:
        return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                          "op %u: unsupported operator %s (builtin code %d, version %d)", oi,
                          name, oc->code, oc->version);
    }
#undef NEED_OPTIONS
#undef ALLOW_OPTIONS
#undef OPT
    st = bd_graph_add_node(im->g, &n, im->err);
    return st < 0 ? st : BD_OK;
}

static bd_status read_io(importer *im, const fb_table *sg, int id, int **list, int *count,
                         const char *what) {
    fb_vec v;
    bool present;
    if (!fb_vector(sg, id, 4, &v, &present)) return MALFORMED(what);
    if (v.len == 0 || v.len > 64)
        return bd_err_set(im->err, BD_ERR_UNSUPPORTED, "the model has %u %s", v.len, what);
    *list = malloc(sizeof(int) * v.len);
    if (!*list) return bd_err_set(im->err, BD_ERR_NO_MEMORY, "out of memory");
    *count = (int)v.len;
    for (uint32_t i = 0; i < v.len; i++) {
        int32_t t = fb_vec_i32(&v, i);
        if (t < 0 || t >= im->n_tensors)
            return bd_err_set(im->err, BD_ERR_FORMAT, "%s %u is tensor %d of %d", what, i, t,
                              im->n_tensors);
        (*list)[i] = t;
    }
    return BD_OK;
}

bd_status bd_tflite_import(const uint8_t *data, size_t size, const bd_model_options *opts,
                           bd_graph *g, bd_err *err) {
    fb_buf buf = {data, size};
    importer imv = {.buf = &buf, .g = g, .err = err, .opts = opts};
    importer *im = &imv;
    fb_table model, sg;
    fb_vec subgraphs, tensors, ops;
    bool present;
    uint32_t version;
    bd_status st = BD_OK;

    if (size < 8 || memcmp(data + 4, "TFL3", 4) != 0)
        return bd_err_set(err, BD_ERR_FORMAT, "not a TFLite model (no TFL3 identifier)");
    if (!fb_root(&buf, &model) || !fb_u32(&model, 0, 0, &version)) return MALFORMED("root table");
    if (version != 3)
        return bd_err_set(err, BD_ERR_UNSUPPORTED, "TFLite schema version %u (expected 3)",
                          version);
    const char *desc;
    uint32_t desc_len;
    if (!fb_string(&model, 3, &desc, &desc_len, &present)) return MALFORMED("description");
    g->description = malloc((size_t)desc_len + 1);
    if (!g->description) return bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory");
    bd_name_print(g->description, (size_t)desc_len + 1, desc, desc_len);

    if ((st = read_opcodes(im, &model))) goto done;
    if (!fb_vector(&model, 4, 4, &im->buffers, &present)) {
        st = MALFORMED("buffers");
        goto done;
    }
    if (!fb_vector(&model, 2, 4, &subgraphs, &present) || subgraphs.len < 1 ||
        !fb_vec_table(&subgraphs, 0, &sg)) {
        st = MALFORMED("no subgraph");
        goto done;
    }
    if (!fb_vector(&sg, 0, 4, &tensors, &present) || !fb_vector(&sg, 3, 4, &ops, &present)) {
        st = MALFORMED("subgraph tensors or operators");
        goto done;
    }
    if ((int64_t)tensors.len > opts->max_tensors || (int64_t)ops.len > opts->max_ops) {
        st = bd_err_set(err, BD_ERR_LIMIT, "the model has %u tensors and %u ops (limits %d, %d)",
                        tensors.len, ops.len, opts->max_tensors, opts->max_ops);
        goto done;
    }
    im->n_tensors = (int)tensors.len;
    for (uint32_t i = 0; i < tensors.len; i++)
        if ((st = bd_tfl_read_tensor(im, &tensors, i))) goto done;
    if ((st = read_io(im, &sg, 1, &g->inputs, &g->n_inputs, "graph inputs")) ||
        (st = read_io(im, &sg, 2, &g->outputs, &g->n_outputs, "graph outputs")))
        goto done;
    for (int i = 0; i < g->n_inputs; i++) g->values[g->inputs[i]].is_input = true;
    for (int i = 0; i < g->n_outputs; i++) g->values[g->outputs[i]].is_output = true;
    for (uint32_t i = 0; i < ops.len; i++)
        if ((st = read_operator(im, &ops, i))) goto done;
done:
    free(im->codes);
    return st;
}
