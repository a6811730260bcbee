/*
 * onnx.c -- decodes a serialized ONNX ModelProto into the structs of onnx.h.
 *
 * The model is walked with the checked reader of protobuf.h using the field
 * numbers of onnx/onnx.proto listed in onnx.h. Repeated message fields (nodes,
 * initializers, inputs, attributes) are counted in a first pass over their
 * parent and stored in exactly sized arrays in a second. Strings and tensor
 * payloads are not copied: they point into the caller's buffer. Unknown fields
 * are skipped (protobuf's forward-compatibility rule), but every known field must
 * have its declared wire type.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/onnx/onnx.h"

#define MALFORMED(err, what) bd_err_set(err, BD_ERR_FORMAT, "malformed ONNX file: %s", what)

bool onnx_str_eq(onnx_str a, const char *b) {
    size_t n = strlen(b);
    return a.len == n && (n == 0 || memcmp(a.s, b, n) == 0);
}

bool onnx_str_same(onnx_str a, onnx_str b) {
    return a.len == b.len && (a.len == 0 || memcmp(a.s, b.s, a.len) == 0);
}

const char *onnx_str_print(onnx_str s, char *buf, size_t size) {
    return bd_name_print(buf, size, s.s, s.len);
}

static onnx_str as_str(const pb_field *f) {
    onnx_str s = {(const char *)f->data, f->len};
    return s;
}

bool bd_onnx_probe(const uint8_t *data, size_t size) {
    pb_msg m;
    pb_field f;
    bool error;
    pb_init(&m, data, size);
    if (!pb_next(&m, &f, &error)) return false;
    /* ModelProto fields: 1 ir_version, 5 model_version (varints); 2 producer_name,
     * 3 producer_version, 4 domain, 6 doc_string, 7 graph, 8 opset_import,
     * 14 metadata_props, 20 training_info, 25 functions (LEN). Exporters write
     * ir_version first. */
    switch (f.number) {
    case 1:
    case 5: return f.wire_type == PB_VARINT;
    case 2:
    case 3:
    case 4:
    case 6:
    case 7:
    case 8:
    case 14:
    case 20:
    case 25: return f.wire_type == PB_LEN;
    default: return false;
    }
}

bool onnx_dtype_supported(int32_t t) {
    switch (t) {
    case ONNX_FLOAT:
    case ONNX_UINT8:
    case ONNX_INT8:
    case ONNX_UINT16:
    case ONNX_INT16:
    case ONNX_INT32:
    case ONNX_INT64:
    case ONNX_BOOL:
    case ONNX_FLOAT16:
    case ONNX_DOUBLE:
    case ONNX_UINT32:
    case ONNX_UINT64: return true;
    default: return false;
    }
}

bool onnx_dtype_is_float(int32_t t) {
    return t == ONNX_FLOAT || t == ONNX_FLOAT16 || t == ONNX_DOUBLE;
}

/* Bytes per element in raw_data (0 for types we do not convert). */
size_t onnx_raw_elem_size(int32_t t) {
    switch (t) {
    case ONNX_UINT8:
    case ONNX_INT8:
    case ONNX_BOOL: return 1;
    case ONNX_UINT16:
    case ONNX_INT16:
    case ONNX_FLOAT16: return 2;
    case ONNX_FLOAT:
    case ONNX_INT32:
    case ONNX_UINT32: return 4;
    case ONNX_INT64:
    case ONNX_DOUBLE:
    case ONNX_UINT64: return 8;
    default: return 0;
    }
}

/* The TensorProto field that carries values of type t when raw_data is absent
 * (onnx.proto comments on float_data .. uint64_data), and its element wire type. */
static void typed_field(int32_t t, uint32_t *number, int *wire) {
    switch (t) {
    case ONNX_FLOAT: *number = 4; *wire = PB_I32; return;  /* float_data */
    case ONNX_INT64: *number = 7; *wire = PB_VARINT; return; /* int64_data */
    case ONNX_DOUBLE: *number = 10; *wire = PB_I64; return; /* double_data */
    case ONNX_UINT32:
    case ONNX_UINT64: *number = 11; *wire = PB_VARINT; return; /* uint64_data */
    default: /* int32_data holds INT32, INT16, INT8, UINT16, UINT8, BOOL, FLOAT16 bits */
        *number = 5;
        *wire = PB_VARINT;
        return;
    }
}

/* ---- TensorProto ------------------------------------------------------------------- */

static bd_status parse_tensor(const pb_msg *parent, const pb_field *tf, onnx_tensor *t,
                              bd_err *err) {
    pb_msg m;
    pb_field f;
    bool error;
    memset(t, 0, sizeof *t);
    if (!pb_open(parent, tf, &m)) return MALFORMED(err, "tensor is not a message");
    t->msg = m;
    size_t n_dims = 0;
    /* Pass 1: scalar fields and dims. */
    while (pb_next(&m, &f, &error)) {
        switch (f.number) {
        case 1: { /* dims: repeated int64, packed or not */
            size_t n;
            int64_t d[ONNX_MAX_DIMS];
            if (!pb_count_elems(&f, PB_VARINT, &n)) return MALFORMED(err, "tensor dims");
            if (n > ONNX_MAX_DIMS - n_dims)
                return bd_err_set(err, BD_ERR_UNSUPPORTED, "a tensor has more than %d dimensions",
                                  ONNX_MAX_DIMS);
            pb_get_varints(&f, d, n);
            for (size_t i = 0; i < n; i++) t->dims[n_dims++] = d[i];
            break;
        }
        case 2: {
            int64_t v;
            if (!pb_as_int64(&f, &v) || v < 0 || v > INT32_MAX)
                return MALFORMED(err, "tensor data_type");
            t->data_type = (int32_t)v;
            break;
        }
        case 8:
            if (f.wire_type != PB_LEN) return MALFORMED(err, "tensor name");
            t->name = as_str(&f);
            break;
        case 9:
            if (f.wire_type != PB_LEN) return MALFORMED(err, "tensor raw_data");
            t->has_raw = true;
            t->raw = f.data;
            t->raw_len = f.len;
            break;
        case 13: { /* external_data: StringStringEntryProto {1 key, 2 value} */
            pb_msg e;
            pb_field ef;
            onnx_str key = {"", 0}, value = {"", 0};
            if (!pb_open(&m, &f, &e)) return MALFORMED(err, "tensor external_data");
            while (pb_next(&e, &ef, &error)) {
                if (ef.wire_type != PB_LEN) continue;
                if (ef.number == 1) key = as_str(&ef);
                if (ef.number == 2) value = as_str(&ef);
            }
            if (error) return MALFORMED(err, "tensor external_data entry");
            t->external = true;
            if (onnx_str_eq(key, "location")) t->location = value;
            /* offset and length are decimal strings; parsed when the data is read */
            if (onnx_str_eq(key, "offset")) t->ext_offset = value, t->has_offset = true;
            if (onnx_str_eq(key, "length")) t->ext_length = value, t->has_length = true;
            break;
        }
        case 14: {
            int64_t v;
            if (!pb_as_int64(&f, &v)) return MALFORMED(err, "tensor data_location");
            if (v == 1) t->external = true; /* DataLocation EXTERNAL */
            break;
        }
        default: break;
        }
    }
    if (error) return MALFORMED(err, "tensor record");
    t->n_dims = (int)n_dims;
    size_t elems = 1;
    for (size_t i = 0; i < n_dims; i++) {
        if (t->dims[i] < 0 || (uint64_t)t->dims[i] > (uint64_t)SIZE_MAX ||
            !bd_size_mul(elems, (size_t)t->dims[i], &elems))
            return bd_err_set(err, BD_ERR_FORMAT, "a tensor has invalid dimension %zu = %lld", i,
                              (long long)t->dims[i]);
    }
    t->n_elems = elems;
    /* Pass 2: count the elements of the typed field for this data type. */
    uint32_t number;
    int wire;
    typed_field(t->data_type, &number, &wire);
    pb_rewind(&m);
    while (pb_next(&m, &f, &error)) {
        if (f.number != number) continue;
        size_t n;
        if (!pb_count_elems(&f, wire, &n) || !bd_size_add(t->n_typed, n, &t->n_typed))
            return MALFORMED(err, "tensor data field");
    }
    if (error) return MALFORMED(err, "tensor record");
    return BD_OK;
}

/* Checks that a tensor's stored values match its shape; returns the source. */
static bd_status check_tensor_data(const onnx_tensor *t, bd_err *err) {
    char name[64];
    onnx_str_print(t->name, name, sizeof name);
    if (t->external)
        return bd_err_set(err, BD_ERR_UNSUPPORTED,
                          "tensor '%s' keeps its data in an external file (location '%.*s') "
                          "that was not read",
                          name, (int)(t->location.len < 80 ? t->location.len : 80),
                          t->location.s ? t->location.s : "");
    if (!onnx_dtype_supported(t->data_type))
        return bd_err_set(err, BD_ERR_UNSUPPORTED, "tensor '%s' has unsupported data type %d",
                          name, (int)t->data_type);
    if (t->has_raw) {
        size_t want;
        if (!bd_size_mul(t->n_elems, onnx_raw_elem_size(t->data_type), &want) || want != t->raw_len)
            return bd_err_set(err, BD_ERR_FORMAT,
                              "tensor '%s': raw_data has %zu bytes, its shape needs %zu elements "
                              "of %zu bytes",
                              name, t->raw_len, t->n_elems, onnx_raw_elem_size(t->data_type));
        return BD_OK;
    }
    if (t->n_typed != t->n_elems)
        return bd_err_set(err, BD_ERR_FORMAT, "tensor '%s' holds %zu values, its shape needs %zu",
                          name, t->n_typed, t->n_elems);
    return BD_OK;
}

/* Conversions of file values whose plain C casts are undefined out of range
 * (C11 6.3.1.4, 6.3.1.5): a double into int64 saturates (NaN -> 0), into float
 * beyond +-FLT_MAX becomes +-inf (NaN stays NaN). Found by fuzz_onnx. */
static int64_t to_i64(double v) {
    if (v != v) return 0;
    if (v >= 9223372036854775807.0) return INT64_MAX; /* 2^63 */
    if (v <= -9223372036854775808.0) return INT64_MIN;
    return (int64_t)v;
}

static float to_f32(double v) {
    if (v > 3.4028234663852886e38) return INFINITY;
    if (v < -3.4028234663852886e38) return -INFINITY;
    return (float)v;
}

/* Element i of raw_data as double (exact for every type but (u)int64 > 2^53). */
static double raw_f64(const onnx_tensor *t, size_t i) {
    const uint8_t *p = t->raw;
    switch (t->data_type) {
    case ONNX_FLOAT: {
        uint32_t u = pb_le32(p + 4 * i);
        float v;
        memcpy(&v, &u, 4);
        return v;
    }
    case ONNX_DOUBLE: {
        uint64_t u = pb_le64(p + 8 * i);
        double v;
        memcpy(&v, &u, 8);
        return v;
    }
    case ONNX_FLOAT16: return bd_f16_to_f32((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
    case ONNX_UINT8:
    case ONNX_BOOL: return p[i];
    case ONNX_INT8: return (int8_t)p[i];
    case ONNX_UINT16: return (uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
    case ONNX_INT16: return (int16_t)(uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
    case ONNX_INT32: return (int32_t)pb_le32(p + 4 * i);
    case ONNX_UINT32: return pb_le32(p + 4 * i);
    case ONNX_INT64: return (double)(int64_t)pb_le64(p + 8 * i);
    case ONNX_UINT64: return (double)pb_le64(p + 8 * i);
    default: return 0;
    }
}

static int64_t raw_i64(const onnx_tensor *t, size_t i) {
    if (t->data_type == ONNX_INT64 || t->data_type == ONNX_UINT64)
        return (int64_t)pb_le64(t->raw + 8 * i);
    return to_i64(raw_f64(t, i));
}

/* Walks the typed field of t, calling put(i, value) for each element. Values of
 * int32_data are reinterpreted per data type (FLOAT16 keeps its bits there). */
typedef struct sink {
    float *f;
    int64_t *i;
} sink;

static double typed_value_f64(int32_t dt, int64_t v) {
    switch (dt) {
    case ONNX_FLOAT16: return bd_f16_to_f32((uint16_t)v);
    case ONNX_INT32: return (int32_t)v;
    default: return (double)v;
    }
}

/* Elements k .. k + chunk - 1 of a fixed-width (width bytes) numeric field: a
 * packed field's slice of bytes; an unpacked record is its one element. */
static pb_field fixed_slice(const pb_field *f, size_t width, size_t k, size_t chunk) {
    pb_field sub = *f;
    if (f->wire_type == PB_LEN) {
        sub.data = f->data + width * k;
        sub.len = width * chunk;
    }
    return sub;
}

static bd_status convert(const onnx_tensor *t, sink out, bd_err *err) {
    bd_status st = check_tensor_data(t, err);
    if (st) return st;
    if (t->has_raw) {
        for (size_t i = 0; i < t->n_elems; i++) {
            if (out.f) out.f[i] = to_f32(raw_f64(t, i));
            else out.i[i] = raw_i64(t, i);
        }
        return BD_OK;
    }
    uint32_t number;
    int wire;
    typed_field(t->data_type, &number, &wire);
    pb_msg m = t->msg;
    pb_field f;
    bool error;
    size_t at = 0;
    pb_rewind(&m);
    while (pb_next(&m, &f, &error)) {
        if (f.number != number) continue;
        size_t n;
        if (!pb_count_elems(&f, wire, &n) || n > t->n_elems - at)
            return MALFORMED(err, "tensor data field");
        /* Decode in chunks through a small stack buffer. */
        for (size_t k = 0; k < n;) {
            size_t chunk = n - k < 256 ? n - k : 256;
            if (wire == PB_I32) { /* float_data */
                float buf[256];
                const pb_field sub = fixed_slice(&f, 4, k, chunk);
                pb_get_f32s(&sub, buf, chunk);
                for (size_t j = 0; j < chunk; j++, at++) {
                    if (out.f) out.f[at] = buf[j];
                    else out.i[at] = to_i64(buf[j]);
                }
            } else if (wire == PB_I64) { /* double_data */
                double buf[256];
                const pb_field sub = fixed_slice(&f, 8, k, chunk);
                pb_get_f64s(&sub, buf, chunk);
                for (size_t j = 0; j < chunk; j++, at++) {
                    if (out.f) out.f[at] = to_f32(buf[j]);
                    else out.i[at] = to_i64(buf[j]);
                }
            } else { /* varints: decoded all at once (they cannot be split by index) */
                int64_t *buf = malloc(sizeof(int64_t) * (n ? n : 1));
                if (!buf) return bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory");
                pb_get_varints(&f, buf, n);
                for (size_t j = 0; j < n; j++, at++) {
                    if (out.f) out.f[at] = (float)typed_value_f64(t->data_type, buf[j]);
                    else if (t->data_type == ONNX_INT32) out.i[at] = (int32_t)buf[j];
                    else out.i[at] = buf[j];
                }
                free(buf);
                chunk = n - k;
            }
            k += chunk;
        }
    }
    if (error || at != t->n_elems) return MALFORMED(err, "tensor data field");
    return BD_OK;
}

bd_status onnx_tensor_f32(const onnx_tensor *t, float *dst, bd_err *err) {
    sink s = {dst, NULL};
    return convert(t, s, err);
}

bd_status onnx_tensor_i64(const onnx_tensor *t, int64_t *dst, bd_err *err) {
    sink s = {NULL, dst};
    return convert(t, s, err);
}

/* ---- AttributeProto ---------------------------------------------------------------- */

static bd_status parse_attr(const pb_msg *parent, const pb_field *af, onnx_attr *a, bd_err *err) {
    pb_msg m;
    pb_field f;
    bool error;
    bd_status st;
    int inferred = 0;
    memset(a, 0, sizeof *a);
    if (!pb_open(parent, af, &m)) return MALFORMED(err, "attribute is not a message");
    a->msg = m;
    while (pb_next(&m, &f, &error)) {
        size_t n;
        switch (f.number) {
        case 1:
            if (f.wire_type != PB_LEN) return MALFORMED(err, "attribute name");
            a->name = as_str(&f);
            break;
        case 20: {
            int64_t v;
            if (!pb_as_int64(&f, &v) || v < 0 || v > 64) return MALFORMED(err, "attribute type");
            a->type = (int)v;
            break;
        }
        case 2:
            if (!pb_as_float(&f, &a->f)) return MALFORMED(err, "attribute f");
            inferred = ONNX_ATTR_FLOAT;
            break;
        case 3:
            if (!pb_as_int64(&f, &a->i)) return MALFORMED(err, "attribute i");
            inferred = ONNX_ATTR_INT;
            break;
        case 4:
            if (f.wire_type != PB_LEN) return MALFORMED(err, "attribute s");
            a->s = as_str(&f);
            inferred = ONNX_ATTR_STRING;
            break;
        case 5:
            if ((st = parse_tensor(&m, &f, &a->t, err))) return st;
            a->has_t = true;
            inferred = ONNX_ATTR_TENSOR;
            break;
        case 7:
            if (!pb_count_elems(&f, PB_I32, &n)) return MALFORMED(err, "attribute floats");
            a->n_floats += n;
            inferred = ONNX_ATTR_FLOATS;
            break;
        case 8:
            if (!pb_count_elems(&f, PB_VARINT, &n)) return MALFORMED(err, "attribute ints");
            a->n_ints += n;
            inferred = ONNX_ATTR_INTS;
            break;
        default: break; /* graphs, strings, sparse tensors, type protos: not used */
        }
    }
    if (error) return MALFORMED(err, "attribute record");
    if (a->type == 0) a->type = inferred; /* IR version 1 files have no type field */
    return BD_OK;
}

const onnx_attr *onnx_node_attr(const onnx_node *n, const char *name) {
    for (int i = 0; i < n->n_attrs; i++)
        if (onnx_str_eq(n->attrs[i].name, name)) return &n->attrs[i];
    return NULL;
}

/* Copies every element of a's repeated field `number` (elements of wire type
 * `wire`, packed or not: PB_VARINT into int64_t, PB_I32 into float) to dst, at
 * most max of them; returns how many. A record that would pass max is skipped
 * (the callers checked the count parse_attr took, so none does). */
static size_t attr_repeated(const onnx_attr *a, uint32_t number, int wire, void *dst, size_t max) {
    pb_msg m = a->msg;
    pb_field f;
    bool error;
    size_t at = 0;
    pb_rewind(&m);
    while (pb_next(&m, &f, &error)) {
        size_t n;
        if (f.number != number || !pb_count_elems(&f, wire, &n) || n > max - at) continue;
        if (wire == PB_VARINT) pb_get_varints(&f, (int64_t *)dst + at, n);
        else pb_get_f32s(&f, (float *)dst + at, n);
        at += n;
    }
    return at;
}

bool onnx_attr_ints(const onnx_attr *a, int64_t *dst, size_t max, size_t *n_out) {
    if (a->n_ints > max) return false;
    *n_out = attr_repeated(a, 8, PB_VARINT, dst, max); /* AttributeProto.ints = 8 */
    return true;
}

bool onnx_attr_floats(const onnx_attr *a, float *dst, size_t max, size_t *n_out) {
    if (a->n_floats > max) return false;
    *n_out = attr_repeated(a, 7, PB_I32, dst, max); /* AttributeProto.floats = 7 */
    return true;
}

/* ---- NodeProto --------------------------------------------------------------------- */

static bd_status parse_node(const pb_msg *parent, const pb_field *nf, int index, onnx_node *n,
                            bd_err *err) {
    pb_msg m;
    pb_field f;
    bool error;
    bd_status st;
    char what[64];
    snprintf(what, sizeof what, "node %d", index);
    if (!pb_open(parent, nf, &m)) return MALFORMED(err, what);
    /* Pass 1: counts. */
    int ni = 0, no = 0, na = 0;
    while (pb_next(&m, &f, &error)) {
        if (f.number == 1) ni++;
        if (f.number == 2) no++;
        if (f.number == 5) na++;
    }
    if (error) return MALFORMED(err, what);
    if (ni > ONNX_MAX_NODE_IO || no > ONNX_MAX_NODE_IO || na > ONNX_MAX_ATTRS)
        return bd_err_set(err, BD_ERR_UNSUPPORTED,
                          "node %d has %d inputs, %d outputs and %d attributes (limits %d, %d, %d)",
                          index, ni, no, na, ONNX_MAX_NODE_IO, ONNX_MAX_NODE_IO, ONNX_MAX_ATTRS);
    n->inputs = calloc((size_t)ni + 1, sizeof(onnx_str));
    n->outputs = calloc((size_t)no + 1, sizeof(onnx_str));
    n->attrs = calloc((size_t)na + 1, sizeof(onnx_attr));
    if (!n->inputs || !n->outputs || !n->attrs)
        return bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory");
    /* Pass 2: contents. */
    pb_rewind(&m);
    while (pb_next(&m, &f, &error)) {
        switch (f.number) {
        case 1:
        case 2:
        case 3:
        case 4:
        case 7:
            if (f.wire_type != PB_LEN) return MALFORMED(err, what);
            if (f.number == 1) n->inputs[n->n_inputs++] = as_str(&f);
            if (f.number == 2) n->outputs[n->n_outputs++] = as_str(&f);
            if (f.number == 3) n->name = as_str(&f);
            if (f.number == 4) n->op_type = as_str(&f);
            if (f.number == 7) n->domain = as_str(&f);
            break;
        case 5:
            if ((st = parse_attr(&m, &f, &n->attrs[n->n_attrs], err))) return st;
            n->n_attrs++;
            break;
        default: break;
        }
    }
    if (error) return MALFORMED(err, what);
    return BD_OK;
}

/* ---- ValueInfoProto ---------------------------------------------------------------- */

static bd_status parse_value_info(const pb_msg *parent, const pb_field *vf, onnx_value_info *v,
                                  bd_err *err) {
    pb_msg m, type, tt, shape, dim;
    pb_field f, g, h, d, e;
    bool error;
    memset(v, 0, sizeof *v);
    v->n_dims = -1;
    if (!pb_open(parent, vf, &m)) return MALFORMED(err, "value info");
    while (pb_next(&m, &f, &error)) {
        if (f.number == 1 && f.wire_type == PB_LEN) v->name = as_str(&f);
        if (f.number != 2) continue;
        /* TypeProto: 1 tensor_type (TypeProto.Tensor: 1 elem_type, 2 shape) */
        if (!pb_open(&m, &f, &type)) return MALFORMED(err, "value info type");
        while (pb_next(&type, &g, &error)) {
            if (g.number != 1) continue; /* sequences, maps...: left as "no tensor type" */
            if (!pb_open(&type, &g, &tt)) return MALFORMED(err, "tensor type");
            while (pb_next(&tt, &h, &error)) {
                int64_t et;
                if (h.number == 1) {
                    if (!pb_as_int64(&h, &et) || et < 0 || et > INT32_MAX)
                        return MALFORMED(err, "elem_type");
                    v->elem_type = (int32_t)et;
                }
                if (h.number != 2) continue;
                if (!pb_open(&tt, &h, &shape)) return MALFORMED(err, "tensor shape");
                v->n_dims = 0;
                while (pb_next(&shape, &d, &error)) {
                    if (d.number != 1) continue;
                    if (v->n_dims >= ONNX_MAX_DIMS)
                        return bd_err_set(err, BD_ERR_UNSUPPORTED,
                                          "a graph input or output has more than %d dimensions",
                                          ONNX_MAX_DIMS);
                    int64_t dv = -1; /* dim_param or nothing: unknown */
                    if (!pb_open(&shape, &d, &dim)) return MALFORMED(err, "dimension");
                    while (pb_next(&dim, &e, &error))
                        if (e.number == 1 && !pb_as_int64(&e, &dv))
                            return MALFORMED(err, "dim_value");
                    if (error) return MALFORMED(err, "dimension");
                    v->dims[v->n_dims++] = dv;
                }
                if (error) return MALFORMED(err, "tensor shape");
            }
            if (error) return MALFORMED(err, "tensor type");
        }
        if (error) return MALFORMED(err, "value info type");
    }
    if (error) return MALFORMED(err, "value info");
    return BD_OK;
}

/* ---- GraphProto and ModelProto ----------------------------------------------------- */

static bd_status parse_graph(const pb_msg *parent, const pb_field *gf,
                             const bd_model_options *opts, onnx_model *om, bd_err *err) {
    pb_msg m;
    pb_field f;
    bool error;
    bd_status st;
    if (!pb_open(parent, gf, &m)) return MALFORMED(err, "graph");
    size_t nn = 0, ni = 0, nin = 0, nout = 0;
    while (pb_next(&m, &f, &error)) {
        if (f.number == 1) nn++;
        if (f.number == 5) ni++;
        if (f.number == 11) nin++;
        if (f.number == 12) nout++;
    }
    if (error) return MALFORMED(err, "graph record");
    if (nn > (size_t)opts->max_ops || ni + nin + nout > (size_t)opts->max_tensors)
        return bd_err_set(err, BD_ERR_LIMIT,
                          "the model has %zu nodes and %zu initializers (limits %d ops, %d tensors)",
                          nn, ni, opts->max_ops, opts->max_tensors);
    if (nin > 64 || nout > 64 + ni) /* inputs may repeat every initializer (IR < 4) */
        return bd_err_set(err, BD_ERR_UNSUPPORTED, "the graph has %zu inputs and %zu outputs",
                          nin, nout);
    om->nodes = calloc(nn + 1, sizeof(onnx_node));
    om->inits = calloc(ni + 1, sizeof(onnx_tensor));
    om->inputs = calloc(nin + 1, sizeof(onnx_value_info));
    om->outputs = calloc(nout + 1, sizeof(onnx_value_info));
    if (!om->nodes || !om->inits || !om->inputs || !om->outputs)
        return bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory");
    pb_rewind(&m);
    while (pb_next(&m, &f, &error)) {
        switch (f.number) {
        case 1:
            st = parse_node(&m, &f, om->n_nodes, &om->nodes[om->n_nodes], err);
            om->n_nodes++; /* counted even on failure, so its arrays are freed */
            if (st) return st;
            break;
        case 2:
            if (f.wire_type != PB_LEN) return MALFORMED(err, "graph name");
            om->graph_name = as_str(&f);
            break;
        case 5:
            if ((st = parse_tensor(&m, &f, &om->inits[om->n_inits], err))) return st;
            om->n_inits++;
            break;
        case 11:
            if ((st = parse_value_info(&m, &f, &om->inputs[om->n_inputs], err))) return st;
            om->n_inputs++;
            break;
        case 12:
            if ((st = parse_value_info(&m, &f, &om->outputs[om->n_outputs], err))) return st;
            om->n_outputs++;
            break;
        default: break;
        }
    }
    if (error) return MALFORMED(err, "graph record");
    return BD_OK;
}

bd_status onnx_parse(const uint8_t *data, size_t size, const bd_model_options *opts,
                     onnx_model *om, bd_err *err) {
    pb_msg m;
    pb_field f;
    bool error, have_graph = false;
    bd_status st = BD_OK;
    memset(om, 0, sizeof *om);
    pb_init(&m, data, size);
    pb_field graph;
    while (pb_next(&m, &f, &error)) {
        switch (f.number) {
        case 1:
            if (!pb_as_int64(&f, &om->ir_version)) {
                st = MALFORMED(err, "ir_version");
                goto fail;
            }
            break;
        case 2:
        case 3:
            if (f.wire_type != PB_LEN) {
                st = MALFORMED(err, "producer");
                goto fail;
            }
            if (f.number == 2) om->producer_name = as_str(&f);
            else om->producer_version = as_str(&f);
            break;
        case 7:
            if (f.wire_type != PB_LEN) {
                st = MALFORMED(err, "graph");
                goto fail;
            }
            graph = f; /* parsed after the loop, once the opsets are known */
            have_graph = true;
            break;
        case 8: { /* OperatorSetIdProto: 1 domain, 2 version */
            pb_msg o;
            pb_field of;
            onnx_opset os = {{"", 0}, 0};
            if (!pb_open(&m, &f, &o)) {
                st = MALFORMED(err, "opset_import");
                goto fail;
            }
            while (pb_next(&o, &of, &error)) {
                if (of.number == 1 && of.wire_type == PB_LEN) os.domain = as_str(&of);
                if (of.number == 2 && !pb_as_int64(&of, &os.version)) error = true;
                if (error) break;
            }
            if (error) {
                st = MALFORMED(err, "opset_import");
                goto fail;
            }
            if (om->n_opsets >= ONNX_MAX_OPSETS) {
                st = bd_err_set(err, BD_ERR_UNSUPPORTED, "more than %d opset imports",
                                ONNX_MAX_OPSETS);
                goto fail;
            }
            om->opsets[om->n_opsets++] = os;
            break;
        }
        case 14: { /* metadata_props: StringStringEntryProto 1 key, 2 value */
            pb_msg o;
            pb_field of;
            onnx_str key = {"", 0}, value = {"", 0};
            if (!pb_open(&m, &f, &o)) {
                st = MALFORMED(err, "metadata_props");
                goto fail;
            }
            while (pb_next(&o, &of, &error)) {
                if (of.wire_type != PB_LEN) continue;
                if (of.number == 1) key = as_str(&of);
                if (of.number == 2) value = as_str(&of);
            }
            if (error) {
                st = MALFORMED(err, "metadata_props");
                goto fail;
            }
            if (om->n_props < ONNX_MAX_PROPS) {
                om->prop_key[om->n_props] = key;
                om->prop_value[om->n_props++] = value;
            }
            break;
        }
        default: break;
        }
    }
    if (error) {
        st = MALFORMED(err, "model record");
        goto fail;
    }
    if (!have_graph) {
        st = bd_err_set(err, BD_ERR_FORMAT, "not an ONNX model (no graph)");
        goto fail;
    }
    if (om->ir_version < 3 && om->n_opsets == 0) {
        /* IR version 3 introduced opset_import; older files mean opset 1. */
        om->opsets[0].domain.s = "";
        om->opsets[0].version = 1;
        om->n_opsets = 1;
    }
    if ((st = parse_graph(&m, &graph, opts, om, err))) goto fail;
    return BD_OK;
fail:
    onnx_model_free(om);
    return st;
}

void onnx_model_free(onnx_model *om) {
    if (!om) return;
    for (int i = 0; om->nodes && i < om->n_nodes; i++) {
        free(om->nodes[i].inputs);
        free(om->nodes[i].outputs);
        free(om->nodes[i].attrs);
    }
    free(om->nodes);
    free(om->inits);
    free(om->inputs);
    free(om->outputs);
    memset(om, 0, sizeof *om);
}

int64_t onnx_default_opset(const onnx_model *om) {
    for (int i = 0; i < om->n_opsets; i++)
        if (om->opsets[i].domain.len == 0 || onnx_str_eq(om->opsets[i].domain, "ai.onnx"))
            return om->opsets[i].version;
    return 0;
}
