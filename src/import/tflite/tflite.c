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
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

typedef struct opcode {
    int code;
    int version;
    char custom[64]; /* custom_code, truncated */
} opcode;

typedef struct importer {
    const fb_buf *buf;
    bd_graph *g;
    bd_err *err;
    const bd_model_options *opts;
    opcode *codes;
    uint32_t n_codes;
    fb_vec buffers;
    int n_tensors;
} importer;

#define MALFORMED(what)                                                                   \
    bd_err_set(im->err, BD_ERR_FORMAT, "malformed TFLite file: %s", what)

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

static bd_dtype map_type(uint8_t t, bool *ok) {
    *ok = true;
    switch (t) {
    case 0: return BD_DTYPE_F32;
    case 1: return BD_DTYPE_F16;
    case 2: return BD_DTYPE_I32;
    case 3: return BD_DTYPE_U8;
    case 4: return BD_DTYPE_I64;
    case 9: return BD_DTYPE_I8;
    default: *ok = false; return BD_DTYPE_F32;
    }
}

/* ---- sparse constants (TFLite SparsityParameters) ---------------------------------- */

/* One level of a sparse tensor's dim_metadata: DENSE (dense_size) or SPARSE_CSR
 * (array_segments, array_indices: Int32Vector, Uint16Vector or Uint8Vector). */
typedef struct sparse_level {
    bool csr;
    fb_vec seg, idx;
    int seg_size, idx_size; /* element bytes: 4, 2 or 1 */
} sparse_level;

static uint32_t index_at(const fb_vec *v, int size, uint32_t i) {
    const uint8_t *p = v->buf->data + v->pos + (size_t)i * (size_t)size;
    if (size == 1) return p[0];
    if (size == 2) return (uint32_t)p[0] | (uint32_t)p[1] << 8;
    int32_t x;
    memcpy(&x, p, 4);
    return x < 0 ? UINT32_MAX : (uint32_t)x;
}

/* Reads the SparseIndexVector union at fields (type_id, type_id + 1) of dm. */
static bool index_vector(const fb_table *dm, int type_id, fb_vec *out, int *size) {
    uint8_t type;
    fb_table t;
    bool present;
    static const int sizes[4] = {0, 4, 2, 1};
    if (!fb_u8(dm, type_id, 0, &type) || type < 1 || type > 3 ||
        !fb_table_field(dm, type_id + 1, &t, &present) || !present)
        return false;
    *size = sizes[type];
    return fb_vector(&t, 0, (size_t)*size, out, &present) && present;
}

/* Writes the values of a checked sparse tensor into the dense out (row-major). */
static void densify_walk(const sparse_level *lv, const int64_t *dims, int n_dims, int level,
                         size_t pos, size_t offset, const uint8_t *values, size_t esize,
                         uint8_t *out) {
    if (level == n_dims) {
        memcpy(out + offset * esize, values + pos * esize, esize);
        return;
    }
    const sparse_level *l = &lv[level];
    size_t d = (size_t)dims[level];
    if (!l->csr) {
        for (size_t i = 0; i < d; i++)
            densify_walk(lv, dims, n_dims, level + 1, pos * d + i, offset * d + i, values, esize,
                         out);
        return;
    }
    uint32_t k0 = index_at(&l->seg, l->seg_size, (uint32_t)pos);
    uint32_t k1 = index_at(&l->seg, l->seg_size, (uint32_t)pos + 1);
    for (uint32_t k = k0; k < k1; k++)
        densify_walk(lv, dims, n_dims, level + 1, k,
                     offset * d + index_at(&l->idx, l->idx_size, k), values, esize, out);
}

/* Makes tensor v (declared dense shape, sparse data src of n bytes) a dense
 * constant. Supported: the identity traversal order and no block map (what the
 * converter writes for MediaPipe's sparse models); every segment, index and count
 * is checked before anything is written. */
static bd_status read_sparse(importer *im, int v, const fb_table *sp, const uint8_t *src,
                             size_t n) {
    const bd_value *val = &im->g->values[v];
    char what[BD_MAX_NAME + 64];
    snprintf(what, sizeof what, "sparse tensor %d '%s'", v, val->name);
    fb_vec trav, block, dms;
    bool p1, p2, p3;
    /* SparsityParameters: 0 traversal_order, 1 block_map, 2 dim_metadata */
    if (!fb_vector(sp, 0, 4, &trav, &p1) || !fb_vector(sp, 1, 4, &block, &p2) ||
        !fb_vector(sp, 2, 4, &dms, &p3))
        return MALFORMED(what);
    int nd = val->n_dims;
    bool identity = (int)trav.len == nd;
    for (int i = 0; identity && i < nd; i++) identity = fb_vec_i32(&trav, (uint32_t)i) == i;
    if (!identity || block.len != 0 || (int)dms.len != nd || nd < 1)
        return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                          "%s: only the identity traversal order without blocks is supported "
                          "(%u traversal dims, %u block dims, %u levels for %d dims)",
                          what, trav.len, block.len, dms.len, nd);
    size_t esize = bd_dtype_size(val->dtype);
    if (esize == 0 || n % esize != 0)
        return bd_err_set(im->err, BD_ERR_FORMAT, "%s: %zu bytes of values", what, n);
    sparse_level lv[BD_MAX_DIMS];
    size_t n_pos = 1; /* positions at the current level */
    for (int l = 0; l < nd; l++) {
        fb_table dm;
        uint8_t format;
        int32_t dense;
        /* DimensionMetadata: 0 format, 1 dense_size, 2/3 array_segments, 4/5 array_indices */
        if (!fb_vec_table(&dms, (uint32_t)l, &dm) || !fb_u8(&dm, 0, 0, &format) ||
            !fb_i32(&dm, 1, 0, &dense) || format > 1)
            return MALFORMED(what);
        lv[l].csr = format == 1;
        size_t d = (size_t)im->g->values[v].dims[l];
        if (!lv[l].csr) {
            if ((size_t)dense != d || dense < 1)
                return bd_err_set(im->err, BD_ERR_FORMAT,
                                  "%s: level %d dense_size %d for dimension %zu", what, l, dense,
                                  d);
            if (!bd_size_mul(n_pos, d, &n_pos)) return MALFORMED(what);
            continue;
        }
        if (!index_vector(&dm, 2, &lv[l].seg, &lv[l].seg_size) ||
            !index_vector(&dm, 4, &lv[l].idx, &lv[l].idx_size) || lv[l].seg.len != n_pos + 1)
            return bd_err_set(im->err, BD_ERR_FORMAT,
                              "%s: level %d needs %zu segments and its indices", what, l,
                              n_pos + 1);
        uint32_t prev = 0;
        for (uint32_t k = 0; k <= n_pos; k++) {
            uint32_t s = index_at(&lv[l].seg, lv[l].seg_size, k);
            if (s < prev || s > lv[l].idx.len || (k == 0 && s != 0))
                return bd_err_set(im->err, BD_ERR_FORMAT, "%s: level %d segment %u is %u", what,
                                  l, k, s);
            prev = s;
        }
        for (uint32_t k = 0; k < lv[l].idx.len; k++)
            if (index_at(&lv[l].idx, lv[l].idx_size, k) >= d)
                return bd_err_set(im->err, BD_ERR_FORMAT,
                                  "%s: level %d index %u is outside dimension %zu", what, l, k,
                                  d);
        n_pos = prev; /* the last segment: positions below */
    }
    if (n_pos != n / esize)
        return bd_err_set(im->err, BD_ERR_FORMAT, "%s: %zu values for %zu positions", what,
                          n / esize, n_pos);
    bd_status st = bd_value_set_const(im->g, v, NULL, im->err);
    if (st) return st;
    val = &im->g->values[v];
    densify_walk(lv, val->dims, nd, 0, 0, 0, src, esize, val->data);
    return BD_OK;
}

/* Reads tensor i of the subgraph into IR value i (shape, dtype, constant data). */
static bd_status read_tensor(importer *im, const fb_vec *tensors, uint32_t i) {
    fb_table t;
    fb_vec shape;
    bool present;
    uint8_t type;
    uint32_t buffer;
    const char *s;
    uint32_t len;
    char name[BD_MAX_NAME], what[64];
    snprintf(what, sizeof what, "tensor %u", i);
    if (!fb_vec_table(tensors, i, &t) || !fb_vector(&t, 0, 4, &shape, &present) ||
        !fb_u8(&t, 1, 0, &type) || !fb_u32(&t, 2, 0, &buffer) ||
        !fb_string(&t, 3, &s, &len, &present))
        return MALFORMED(what);
    bd_name_print(name, sizeof name, s, len);
    bool ok;
    bd_dtype dt = map_type(type, &ok);
    if (!ok)
        return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                          "tensor %u '%s' has unsupported TFLite type %u", i, name, type);
    if (shape.len > BD_MAX_DIMS)
        return bd_err_set(im->err, BD_ERR_UNSUPPORTED, "tensor %u '%s' has %u dimensions (max %d)",
                          i, name, shape.len, BD_MAX_DIMS);
    int64_t dims[BD_MAX_DIMS];
    for (uint32_t d = 0; d < shape.len; d++) dims[d] = fb_vec_i32(&shape, d);
    int v = bd_graph_add_value(im->g, name, dt, (int)shape.len, dims, im->err);
    if (v < 0) return v;

    /* Constant data lives in buffers[buffer]: inline `data`, or offset/size from the
     * start of the file (large models). Buffer 0 is the empty sentinel. */
    if (buffer >= im->buffers.len)
        return bd_err_set(im->err, BD_ERR_FORMAT,
                          "tensor %u '%s' refers to buffer %u of %u", i, name, buffer,
                          im->buffers.len);
    fb_table b;
    fb_vec data;
    uint64_t off, size;
    if (!fb_vec_table(&im->buffers, buffer, &b) || !fb_vector(&b, 0, 1, &data, &present) ||
        !fb_u64(&b, 1, 0, &off) || !fb_u64(&b, 2, 0, &size))
        return MALFORMED("buffer");
    const uint8_t *src = NULL;
    size_t n = 0;
    if (present && data.len > 0) {
        src = im->buf->data + data.pos;
        n = data.len;
    } else if (off > 1) {
        if (off > im->buf->size || size > im->buf->size - off)
            return bd_err_set(im->err, BD_ERR_FORMAT,
                              "tensor %u '%s': buffer %u lies outside the file", i, name, buffer);
        src = im->buf->data + off;
        n = (size_t)size;
    }
    if (!src) return BD_OK; /* an activation */
    fb_table sp; /* Tensor 6: sparsity */
    if (!fb_table_field(&t, 6, &sp, &present)) return MALFORMED(what);
    if (present) {
        bd_status st = read_sparse(im, v, &sp, src, n);
        if (st) return st;
        const bd_value *val = &im->g->values[v];
        if (dt == BD_DTYPE_F32 || dt == BD_DTYPE_F16) im->g->n_params += (int64_t)val->n_elems;
        return BD_OK;
    }
    const bd_value *val = &im->g->values[v];
    if (n != val->n_bytes)
        return bd_err_set(im->err, BD_ERR_FORMAT,
                          "tensor %u '%s' has %zu bytes of data, its shape needs %zu", i, name, n,
                          val->n_bytes);
    bd_status st = bd_value_set_const(im->g, v, src, im->err);
    if (st) return st;
    if (dt == BD_DTYPE_F32 || dt == BD_DTYPE_F16) im->g->n_params += (int64_t)val->n_elems;
    return BD_OK;
}

/* Reads an int32 constant input into out[0..n). */
static bd_status const_i32(importer *im, int op_index, int v, int n, int32_t *out) {
    const bd_value *val = &im->g->values[v];
    if (!val->is_const || val->dtype != BD_DTYPE_I32 || (int)val->n_elems != n)
        return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                          "op %d: tensor %d '%s' must be a constant int32 tensor of %d elements",
                          op_index, v, val->name, n);
    memcpy(out, val->data, sizeof(int32_t) * (size_t)n);
    return BD_OK;
}

/* fused_activation_function (schema ActivationFunctionType) -> node epilogue. */
static bd_status set_act(importer *im, bd_node *n, uint8_t fa) {
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
static bd_status set_padding(importer *im, bd_node *n, uint8_t padding, int64_t in_h, int64_t in_w,
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
static bd_status input4(importer *im, const bd_node *n, int64_t *h, int64_t *w) {
    const bd_value *in = &im->g->values[n->inputs[0]];
    if (in->n_dims != 4)
        return bd_err_set(im->err, BD_ERR_UNSUPPORTED, "op %d (%s): input '%s' is not 4-D",
                          n->src_index, n->src_name, in->name);
    *h = in->dims[1];
    *w = in->dims[2];
    return BD_OK;
}

/* Adds node n (copied) to the graph. */
static bd_status add_node(importer *im, const bd_node *n) {
    int st = bd_graph_add_node(im->g, n, im->err);
    return st < 0 ? st : BD_OK;
}

/* Adds an f32 activation value named "<tensor v's name>/<suffix>" of the given
 * shape, for the extra steps one TFLite op may lower to. Returns its index or a
 * negative status. */
static int add_temp(importer *im, int v, const char *suffix, int n_dims, const int64_t *dims) {
    char name[BD_MAX_NAME];
    snprintf(name, sizeof name, "%s/%s", im->g->values[v].name, suffix);
    return bd_graph_add_value(im->g, name, BD_DTYPE_F32, n_dims, dims, im->err);
}

/* Adds node n writing a temporary of shape dims, then a RESHAPE of it into n's
 * declared output (the verifier checks that the element counts agree). */
static bd_status add_reshaped(importer *im, bd_node *n, int n_dims, const int64_t *dims) {
    int out = n->output;
    const bd_value *o = &im->g->values[out];
    bool same = o->n_dims == n_dims;
    for (int i = 0; same && i < n_dims; i++) same = o->dims[i] == dims[i];
    if (same) return add_node(im, n);
    int t = add_temp(im, out, "pre_reshape", n_dims, dims);
    if (t < 0) return t;
    n->output = t;
    bd_status st = add_node(im, n);
    if (st) return st;
    bd_node r;
    bd_node_init(&r, BD_OP_RESHAPE, n->src_index, n->src_name);
    r.inputs[0] = t;
    r.n_inputs = 1;
    r.output = out;
    return add_node(im, &r);
}

/* Reads a constant integer (int32 or int64) tensor of exactly n elements into
 * out[0..n); values outside int32 are an error. */
static bd_status const_ints(importer *im, const bd_node *n, int k, int count, int64_t *out) {
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
static bd_status lower_fc(importer *im, bd_node *n, bool keep_dims) {
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
        int t = add_temp(im, n->inputs[0], "rows", 2, dims);
        if (t < 0) return t;
        bd_node r;
        bd_node_init(&r, BD_OP_RESHAPE, n->src_index, n->src_name);
        r.inputs[0] = n->inputs[0];
        r.n_inputs = 1;
        r.output = t;
        bd_status st = add_node(im, &r);
        if (st) return st;
        n->inputs[0] = t;
    } else {
        nd = x->n_dims;
        memcpy(dims, x->dims, sizeof dims);
    }
    dims[nd - 1] = units;
    return add_reshaped(im, n, nd, dims);
}

/* TRANSPOSE_CONV: inputs (output_shape, weights [O,KH,KW,I], input[, bias]) ->
 * TCONV2D (input, weights, bias). TFLite pads as a SAME/VALID convolution from the
 * output back to the input would (ComputePaddingHeightWidth on the output size):
 * out_y = in_y * stride - pad_top + ky, outputs outside [0, out_h) dropped. */
static bd_status lower_tconv(importer *im, bd_node *n, uint8_t padding, uint8_t fa) {
    int64_t shape[4];
    bd_status st;
    if (n->n_inputs < 3 || n->n_inputs > 4)
        return bd_err_set(im->err, BD_ERR_FORMAT, "op %d (TRANSPOSE_CONV): %d inputs",
                          n->src_index, n->n_inputs);
    if ((st = const_ints(im, n, 0, 4, shape))) return st;
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
    if ((st = set_act(im, n, fa))) return st;
    return add_node(im, n);
}

/* PAD, PADV2, MIRROR_PAD: paddings is a constant [rank, 2] (before, after per axis). */
static bd_status lower_pad(importer *im, bd_node *n, int mode) {
    const bd_value *x = &im->g->values[n->inputs[0]];
    int rank = x->n_dims;
    int64_t p[2 * BD_MAX_DIMS];
    bd_status st;
    if (rank < 1 || (st = const_ints(im, n, 1, 2 * rank, p)))
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
    return add_node(im, n);
}

/* STRIDED_SLICE with constant begin, end and strides (TensorFlow semantics per
 * axis: masks take the whole range, negative indices count from the end, clamped;
 * shrink_axis takes the one element at begin and drops the axis, by a RESHAPE into
 * the declared output). No ellipsis, new axis or offset. */
static bd_status lower_strided_slice(importer *im, bd_node *n, int32_t begin_mask,
                                     int32_t end_mask, int32_t shrink_mask) {
    const bd_value *x = &im->g->values[n->inputs[0]];
    int rank = x->n_dims;
    int64_t b[BD_MAX_DIMS], e[BD_MAX_DIMS], s[BD_MAX_DIMS], dims[BD_MAX_DIMS];
    bd_status st;
    if (n->n_inputs != 4 || rank < 1)
        return bd_err_set(im->err, BD_ERR_FORMAT, "op %d (STRIDED_SLICE): %d inputs, rank %d",
                          n->src_index, n->n_inputs, rank);
    if ((st = const_ints(im, n, 1, rank, b)) || (st = const_ints(im, n, 2, rank, e)) ||
        (st = const_ints(im, n, 3, rank, s)))
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
    return add_reshaped(im, n, rank, dims);
}

/* DEPTH_TO_SPACE (block b, TensorFlow's DCR order: channel (by * b + bx) * C' + c):
 * RESHAPE [N,H,W,C] -> [N,H,W,b,b,C'], TRANSPOSE to [N,H,b,W,b,C'], RESHAPE to
 * [N,H*b,W*b,C']. */
static bd_status lower_depth_to_space(importer *im, bd_node *n, int32_t block) {
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
    int a = add_temp(im, out, "blocks", 6, d6);
    if (a < 0) return a;
    int t = add_temp(im, out, "moved", 6, t6);
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
    if ((st = add_node(im, &r1)) || (st = add_node(im, &tr))) return st;
    return add_node(im, &r2);
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
    bd_status st = bd_graph_count_src_op(im->g, oc->code == TFL_CUSTOM ? oc->custom : name, im->err);
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

    /* Checks that the options table has the expected union type. */
#define NEED_OPTIONS(type_id)                                                              \
    do {                                                                                   \
        if (!has_opt || opt_type != (type_id))                                             \
            return bd_err_set(im->err, BD_ERR_FORMAT,                                      \
                              "op %u (%s): missing or wrong builtin options (type %u)", oi, \
                              name, opt_type);                                             \
    } while (0)
#define OPT(getter, id, def, dst)                                                          \
    do {                                                                                   \
        if (!getter(&opt, id, def, dst)) return MALFORMED(what);                           \
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
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (%s): %d inputs", oi, name, n.n_inputs);
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
        if ((st = input4(im, &n, &ih, &iw)) || (st = set_act(im, &n, fa)) ||
            (st = set_padding(im, &n, padding, ih, iw, kh, kw)))
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
        if ((st = input4(im, &n, &ih, &iw))) return st;
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
        if (has_opt) { /* AddOptions / MulOptions: 0 fused_activation_function */
            NEED_OPTIONS(oc->code == TFL_ADD ? OPT_ADD : OPT_MUL);
            OPT(fb_u8, 0, 0, &fa);
            if ((st = set_act(im, &n, fa))) return st;
        }
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
        if ((st = input4(im, &n, &ih, &iw)) || (st = set_act(im, &n, fa)) ||
            (st = set_padding(im, &n, padding, ih, iw, i4, i3)))
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
        if (has_opt) {
            NEED_OPTIONS(OPT_REDUCER);
            OPT(fb_u8, 0, 0, &keep);
        }
        int64_t axes[2];
        if (n.n_inputs != 2)
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (MEAN): %d inputs, expected 2", oi,
                              n.n_inputs);
        if ((st = input4(im, &n, &ih, &iw)) || (st = const_ints(im, &n, 1, 2, axes))) return st;
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
        return add_reshaped(im, &n, 4, dims);
    }
    case TFL_FULLY_CONNECTED: {
        /* FullyConnectedOptions: 0 fused_activation_function, 1 weights_format,
         * 2 keep_num_dims, 3 asymmetric_quantize_inputs (quantized only) */
        uint8_t wf = 0, keep = 0;
        if (has_opt) {
            NEED_OPTIONS(OPT_FULLY_CONNECTED);
            OPT(fb_u8, 0, 0, &fa);
            OPT(fb_u8, 1, 0, &wf);
            OPT(fb_u8, 2, 0, &keep);
        }
        if (wf != 0)
            return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                              "op %u (FULLY_CONNECTED): weights_format %u (only DEFAULT)", oi, wf);
        if (n.n_inputs < 2 || n.n_inputs > 3)
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (FULLY_CONNECTED): %d inputs", oi,
                              n.n_inputs);
        n.op = BD_OP_FULLY_CONNECTED;
        if ((st = set_act(im, &n, fa))) return st;
        return lower_fc(im, &n, keep != 0);
    }
    case TFL_SOFTMAX: {
        /* SoftmaxOptions: 0 beta (schema default 0, as TFLite reads a missing table);
         * softmax(beta * x) over the last axis. */
        float beta = 0.0f;
        if (has_opt) {
            NEED_OPTIONS(OPT_SOFTMAX);
            OPT(fb_f32, 0, 0.0f, &beta);
        }
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
            int t = add_temp(im, n.output, "scaled", x->n_dims, dims);
            if (t < 0) return t;
            bd_node m;
            bd_node_init(&m, BD_OP_MUL, (int)oi, n.src_name);
            m.inputs[0] = n.inputs[0];
            m.inputs[1] = bc;
            m.n_inputs = 2;
            m.output = t;
            if ((st = add_node(im, &m))) return st;
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
        return lower_pad(im, &n, BD_PAD_CONSTANT);
    case TFL_MIRROR_PAD: {
        uint8_t mode = 0; /* MirrorPadOptions: 0 mode (REFLECT = 0, SYMMETRIC = 1) */
        if (has_opt) {
            NEED_OPTIONS(OPT_MIRROR_PAD);
            OPT(fb_u8, 0, 0, &mode);
        }
        if (mode != 0)
            return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                              "op %u (MIRROR_PAD): mode %u (only REFLECT)", oi, mode);
        if (n.n_inputs != 2)
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (%s): %d inputs", oi, name,
                              n.n_inputs);
        n.op = BD_OP_PAD;
        return lower_pad(im, &n, BD_PAD_REFLECT);
    }
    case TFL_TRANSPOSE: {
        const bd_value *x = &im->g->values[n.inputs[0]];
        int64_t perm[BD_MAX_DIMS];
        int rank = x->n_dims;
        if (n.n_inputs != 2)
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (TRANSPOSE): %d inputs", oi,
                              n.n_inputs);
        if ((st = const_ints(im, &n, 1, rank, perm))) return st;
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
        return lower_tconv(im, &n, padding, fa);
    }
    case TFL_PRELU:
        if (n.n_inputs != 2)
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (PRELU): %d inputs", oi, n.n_inputs);
        n.op = BD_OP_PRELU;
        break;
    case TFL_LEAKY_RELU: {
        /* LeakyReluOptions: 0 alpha: a PRELU with a constant scalar slope */
        float alpha = 0.0f;
        if (has_opt) {
            NEED_OPTIONS(OPT_LEAKY_RELU);
            OPT(fb_f32, 0, 0.0f, &alpha);
        }
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
        if (has_opt) { /* SubOptions / DivOptions: 0 fused_activation_function */
            NEED_OPTIONS(oc->code == TFL_SUB ? OPT_SUB : OPT_DIV);
            OPT(fb_u8, 0, 0, &fa);
            if ((st = set_act(im, &n, fa))) return st;
        }
        break;
    case TFL_RESIZE_BILINEAR: {
        n.op = BD_OP_RESIZE_BILINEAR;
        uint8_t ac = 0, hp = 0;
        if (has_opt) { /* ResizeBilinearOptions: 2 align_corners, 3 half_pixel_centers */
            NEED_OPTIONS(OPT_RESIZE_BILINEAR);
            OPT(fb_u8, 2, 0, &ac);
            OPT(fb_u8, 3, 0, &hp);
        }
        int32_t size[2];
        if (n.n_inputs != 2)
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (%s): 2 inputs", oi, name);
        if ((st = const_i32(im, (int)oi, n.inputs[1], 2, size))) return st;
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
        if (has_opt) {
            NEED_OPTIONS(OPT_STRIDED_SLICE);
            OPT(fb_i32, 0, 0, &bm);
            OPT(fb_i32, 1, 0, &em);
            OPT(fb_i32, 2, 0, &elm);
            OPT(fb_i32, 3, 0, &nam);
            OPT(fb_i32, 4, 0, &sam);
            OPT(fb_u8, 5, 0, &offset);
        }
        if (elm != 0 || nam != 0 || offset != 0)
            return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                              "op %u (STRIDED_SLICE): ellipsis_mask %d, new_axis_mask %d, "
                              "offset %u (only 0)",
                              oi, elm, nam, offset);
        n.op = BD_OP_SLICE;
        return lower_strided_slice(im, &n, bm, em, sam);
    }
    case TFL_DEPTH_TO_SPACE: {
        NEED_OPTIONS(OPT_DEPTH_TO_SPACE); /* DepthToSpaceOptions: 0 block_size */
        OPT(fb_i32, 0, 0, &i1);
        if (n.n_inputs != 1)
            return bd_err_set(im->err, BD_ERR_FORMAT, "op %u (DEPTH_TO_SPACE): %d inputs", oi,
                              n.n_inputs);
        return lower_depth_to_space(im, &n, i1);
    }
    default:
        return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                          "op %u: unsupported operator %s (builtin code %d, version %d)", oi,
                          name, oc->code, oc->version);
    }
#undef NEED_OPTIONS
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
        return bd_err_set(err, BD_ERR_UNSUPPORTED, "TFLite schema version %u (expected 3)", version);
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
        if ((st = read_tensor(im, &tensors, i))) goto done;
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
