/*
 * onnx.h -- the ONNX importer: a decoded view of a ModelProto (onnx.c) and the
 * ONNX -> backdrop IR translation (onnx_import.c, with the op lowerings declared
 * in onnx_lower.h).
 *
 * onnx.c decodes the parts of the public schema (onnx/onnx.proto, IR version
 * 3..10) that inference needs into plain structs whose strings and tensor bytes
 * point into the caller's buffer (nothing is copied; the buffer must outlive the
 * onnx_model). Field numbers used:
 *
 *   ModelProto:        1 ir_version, 2 producer_name, 3 producer_version, 4 domain,
 *                      7 graph, 8 opset_import, 14 metadata_props
 *   StringStringEntryProto: 1 key, 2 value
 *   OperatorSetIdProto: 1 domain, 2 version
 *   GraphProto:        1 node, 2 name, 5 initializer, 11 input, 12 output
 *                      (13 value_info and 15 sparse_initializer are not read)
 *   NodeProto:         1 input, 2 output, 3 name, 4 op_type, 5 attribute, 7 domain
 *   AttributeProto:    1 name, 20 type, 2 f, 3 i, 4 s, 5 t, 7 floats, 8 ints
 *                      (graphs, strings lists and sparse tensors are not read)
 *   ValueInfoProto:    1 name, 2 type; TypeProto: 1 tensor_type;
 *   TypeProto.Tensor:  1 elem_type, 2 shape; TensorShapeProto: 1 dim;
 *   Dimension:         1 dim_value, 2 dim_param
 *   TensorProto:       1 dims, 2 data_type, 4 float_data, 5 int32_data,
 *                      7 int64_data, 8 name, 9 raw_data, 10 double_data,
 *                      11 uint64_data, 13 external_data, 14 data_location
 *
 * Every count, length and dimension is checked while decoding; tensor contents
 * are checked against their declared size when they are converted.
 */
#ifndef BD_ONNX_H
#define BD_ONNX_H

#include "import/onnx/protobuf.h"
#include "ir/ir.h"

#define ONNX_MAX_DIMS 8      /* rank of any tensor we accept from the file */
#define ONNX_MAX_OPSETS 16   /* opset_import entries */
#define ONNX_MAX_NODE_IO 64  /* inputs or outputs of one node */
#define ONNX_MAX_ATTRS 64    /* attributes of one node */
#define ONNX_MAX_PROPS 64    /* metadata_props kept (later ones are ignored) */

/* TensorProto.DataType */
enum {
    ONNX_FLOAT = 1, ONNX_UINT8 = 2, ONNX_INT8 = 3, ONNX_UINT16 = 4, ONNX_INT16 = 5,
    ONNX_INT32 = 6, ONNX_INT64 = 7, ONNX_STRING = 8, ONNX_BOOL = 9, ONNX_FLOAT16 = 10,
    ONNX_DOUBLE = 11, ONNX_UINT32 = 12, ONNX_UINT64 = 13,
};

/* AttributeProto.AttributeType */
enum {
    ONNX_ATTR_FLOAT = 1, ONNX_ATTR_INT = 2, ONNX_ATTR_STRING = 3, ONNX_ATTR_TENSOR = 4,
    ONNX_ATTR_GRAPH = 5, ONNX_ATTR_FLOATS = 6, ONNX_ATTR_INTS = 7, ONNX_ATTR_STRINGS = 8,
};

/* A byte string inside the model buffer (not NUL-terminated). */
typedef struct onnx_str {
    const char *s;
    size_t len;
} onnx_str;

typedef struct onnx_tensor {
    onnx_str name;
    int32_t data_type;
    int n_dims;
    int64_t dims[ONNX_MAX_DIMS]; /* each >= 0 */
    size_t n_elems;              /* product of dims (checked); 1 for a scalar */
    bool has_raw;
    const uint8_t *raw;          /* raw_data: little-endian, n_elems * element size */
    size_t raw_len;
    size_t n_typed;              /* elements in the typed *_data field of data_type */
    bool external;               /* data_location = EXTERNAL or external_data present */
    onnx_str location;           /* external_data "location", if any */
    onnx_str ext_offset, ext_length; /* external_data "offset" / "length" (decimal) */
    bool has_offset, has_length;
    pb_msg msg;                  /* the TensorProto itself, re-read to decode *_data */
} onnx_tensor;

typedef struct onnx_attr {
    onnx_str name;
    int type;            /* AttributeType; inferred from the payload for IR < 2 files */
    float f;
    int64_t i;
    onnx_str s;
    bool has_t;
    onnx_tensor t;
    size_t n_ints, n_floats;
    pb_msg msg;          /* the AttributeProto, re-read for ints / floats */
} onnx_attr;

typedef struct onnx_node {
    onnx_str name, op_type, domain;
    int n_inputs, n_outputs, n_attrs;
    onnx_str *inputs;    /* "" = an omitted optional input */
    onnx_str *outputs;
    onnx_attr *attrs;
} onnx_node;

typedef struct onnx_value_info {
    onnx_str name;
    int32_t elem_type;   /* 0 if not given */
    int n_dims;          /* -1 if no shape is given */
    int64_t dims[ONNX_MAX_DIMS]; /* -1 for a symbolic (dim_param) or missing dim */
} onnx_value_info;

typedef struct onnx_opset {
    onnx_str domain;     /* "" or "ai.onnx" = the default domain */
    int64_t version;
} onnx_opset;

typedef struct onnx_model {
    int64_t ir_version;
    onnx_str producer_name, producer_version, graph_name;
    int n_opsets;
    onnx_opset opsets[ONNX_MAX_OPSETS];
    int n_nodes, n_inits, n_inputs, n_outputs;
    onnx_node *nodes;
    onnx_tensor *inits;
    onnx_value_info *inputs, *outputs;
    /* ModelProto 14 metadata_props (StringStringEntryProto: 1 key, 2 value). */
    int n_props;
    onnx_str prop_key[ONNX_MAX_PROPS], prop_value[ONNX_MAX_PROPS];
} onnx_model;

/* True if data looks like a serialized ModelProto (its first record is a
 * ModelProto field of the right wire type). A cheap probe for format detection. */
bool bd_onnx_probe(const uint8_t *data, size_t size);

/* Decodes a ModelProto (data: borrowed, must outlive *m). Checks opts' op and
 * tensor limits. Returns BD_OK or BD_ERR_FORMAT / UNSUPPORTED / LIMIT / NO_MEMORY
 * with err set; *m is then freed already. */
bd_status onnx_parse(const uint8_t *data, size_t size, const bd_model_options *opts,
                     onnx_model *m, bd_err *err);
void onnx_model_free(onnx_model *m);

/* The opset version imported for the default domain ("" / "ai.onnx"), or 0. */
int64_t onnx_default_opset(const onnx_model *m);

/* String helpers. */
bool onnx_str_eq(onnx_str a, const char *b);
bool onnx_str_same(onnx_str a, onnx_str b);
/* Copies s into buf (NUL-terminated, truncated, non-printable bytes as '?'). */
const char *onnx_str_print(onnx_str s, char *buf, size_t size);

/* Finds an attribute of a node by name, or NULL. */
const onnx_attr *onnx_node_attr(const onnx_node *n, const char *name);
/* Decodes the `ints` / `floats` of an attribute into dst (at most max). Returns
 * the element count; false if there are more than max. */
bool onnx_attr_ints(const onnx_attr *a, int64_t *dst, size_t max, size_t *n);
bool onnx_attr_floats(const onnx_attr *a, float *dst, size_t max, size_t *n);

/* Converts a tensor's contents (raw_data or the typed field) to float32 or int64.
 * dst holds t->n_elems elements. Integer -> float and float -> integer (whole
 * values only) conversions are allowed. Returns BD_ERR_FORMAT if the stored data
 * do not match the shape, BD_ERR_UNSUPPORTED for external data or other types. */
bd_status onnx_tensor_f32(const onnx_tensor *t, float *dst, bd_err *err);
bd_status onnx_tensor_i64(const onnx_tensor *t, int64_t *dst, bd_err *err);
/* True for the element types onnx_tensor_f32/_i64 can convert. */
bool onnx_dtype_supported(int32_t data_type);
bool onnx_dtype_is_float(int32_t data_type);

/* Bytes per element of raw_data for a data type (0 if unsupported). */
size_t onnx_raw_elem_size(int32_t data_type);

/* Reads the external data of tensor t (data_location = EXTERNAL) from the file
 * named by its "location", relative to base_dir (onnx_external.c). The location
 * must be relative with no ".." component; "offset" and "length" (decimal) must
 * lie inside the file and length must equal the tensor's byte size. On success
 * *buf (owned by the caller, free()) holds the bytes and *resolved is t with
 * them as raw_data. base_dir NULL (a model loaded from memory) is an error. */
bd_status onnx_external_read(const onnx_tensor *t, const char *base_dir, uint8_t **buf,
                             onnx_tensor *resolved, bd_err *err);

/* Imports the model's main graph into an initialised, empty graph g (data: borrowed;
 * constants are copied). base_dir: the model file's directory, for external data
 * (NULL when loaded from memory: external data is then an error). The result is
 * not yet verified: call bd_graph_verify(). An unsupported op fails with its
 * op_type, node name and opset. */
bd_status bd_onnx_import(const uint8_t *data, size_t size, const bd_model_options *opts,
                         const char *base_dir, bd_graph *g, bd_err *err);

#endif /* BD_ONNX_H */
