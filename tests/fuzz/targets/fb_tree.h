/*
 * fb_tree.h -- a TFLite model as a small in-memory tree, for the FlatBuffers
 * mutator (fb_mutator.h): a schema-driven decoder of the fields the importer
 * (src/import/tflite/) reads, and a builder that writes the tree back as a valid
 * FlatBuffer with the "TFL3" identifier.
 *
 * The schema is the part of tensorflow/lite/schema/schema.fbs (version 3) that
 * the importer uses: Model, OperatorCode, SubGraph, Tensor (without
 * quantization, which is not read), Buffer, Operator with its BuiltinOptions
 * union (the option tables the importer reads; other union members become an
 * empty table of the same type), SparsityParameters and DimensionMetadata.
 * Fields outside it are dropped.
 *
 * A node is a table (scalars and child node indices by field id), a vector of
 * tables (child indices) or a byte vector (a string, or a vector of 1/2/4-byte
 * scalars, kept as raw little-endian bytes). Nodes live in one growable array
 * and refer to each other by index, so an edit may add nodes while it holds
 * indices. Everything read from the input is bounds-checked; the decoder refuses
 * what the importer would refuse as malformed. No global state.
 */
#ifndef BD_FB_TREE_H
#define BD_FB_TREE_H

#include <stddef.h>
#include <stdint.h>

#define FBM_MAX_FIELDS 8 /* field ids 0..7: enough for every table modelled */

/* Table types (schemas). */
enum {
    FBM_S_EMPTY, /* an options table of a union member we do not model */
    FBM_S_MODEL,
    FBM_S_OPCODE,
    FBM_S_SUBGRAPH,
    FBM_S_TENSOR,
    FBM_S_BUFFER,
    FBM_S_OPERATOR,
    FBM_S_SPARSITY,
    FBM_S_DIMMETA,
    FBM_S_I32VEC, /* the SparseIndexVector members */
    FBM_S_U16VEC,
    FBM_S_U8VEC,
    FBM_S_CONV, /* BuiltinOptions members */
    FBM_S_DWCONV,
    FBM_S_POOL,
    FBM_S_FC,
    FBM_S_F1, /* Softmax (beta), LeakyRelu (alpha): 0 float */
    FBM_S_CONCAT,
    FBM_S_U1, /* Add, Mul, Sub, Div (activation), Reducer (keep_dims), MirrorPad (mode) */
    FBM_S_RESIZE,
    FBM_S_RESHAPE,
    FBM_S_SSLICE,
    FBM_S_TCONV,
    FBM_S_I1, /* DepthToSpace: 0 block_size */
    FBM_S_COUNT
};

/* Field kinds. */
enum {
    FBM_K_NONE,
    FBM_K_U8,    /* u8 / i8 / bool / enum byte */
    FBM_K_UTYPE, /* a union's type byte (field id N-1 of the union at N) */
    FBM_K_I32,   /* i32 / u32 */
    FBM_K_F32,
    FBM_K_U64,
    FBM_K_STR,
    FBM_K_VEC,  /* a vector of scalars; sub = element bytes (1, 2, 4) */
    FBM_K_TAB,  /* a table; sub = its schema */
    FBM_K_VTAB, /* a vector of tables; sub = the element schema */
    FBM_K_UNION /* a table whose schema the type byte picks; sub = which union */
};

enum { FBM_U_OPTIONS, FBM_U_SPARSE_INDEX };

typedef struct fbm_field {
    uint8_t id, kind, sub;
} fbm_field;

enum { FBM_N_TABLE, FBM_N_TABLES, FBM_N_BYTES };

typedef struct fbm_node {
    uint8_t kind;               /* FBM_N_* */
    uint8_t schema;             /* table: its schema; vector of tables: the elements' */
    uint8_t esize;              /* byte vector: element bytes */
    uint8_t is_str;             /* byte vector: a string (NUL written after it) */
    uint32_t present;           /* table: bit id set when field id is there */
    uint64_t v[FBM_MAX_FIELDS]; /* table: a scalar's bits, or a child's node index */
    uint32_t n;                 /* vectors: element count */
    uint32_t cap;               /* vectors: allocated elements */
    uint8_t *data;              /* byte vector: n * esize bytes (owned) */
    int *kids;                  /* vector of tables: n node indices (owned) */
} fbm_node;

typedef struct fbm_tree {
    fbm_node *n;
    int count, cap;
    size_t bytes; /* byte-vector bytes held, capped (hostile sharing of offsets) */
} fbm_tree;

/* The field `id` of a schema, or NULL when the schema has none. */
const fbm_field *fbm_field_of(int schema, int id);
/* The table schema a union member type selects (FBM_S_EMPTY when not modelled). */
int fbm_union_schema(int which, unsigned type);

/* Decodes the model data[0..size); returns the root node (a Model table), or -1
 * when the input is not a FlatBuffer the importer could walk or is too large.
 * The tree must be freed with fbm_tree_free either way. */
int fbm_decode(fbm_tree *t, const uint8_t *data, size_t size);
/* Writes the tree under root as a FlatBuffer with the TFL3 identifier into
 * out[0..max_size); returns its size, or 0 when it would not fit. */
size_t fbm_encode(const fbm_tree *t, int root, uint8_t *out, size_t max_size);
void fbm_tree_free(fbm_tree *t);

/* A new empty node (-1 when out of room). Invalidates fbm_node pointers. */
int fbm_new(fbm_tree *t, int kind, int schema, int esize);
/* A deep copy of node k (-1 when out of room). */
int fbm_copy(fbm_tree *t, int k);
/* Makes room for n elements in vector node k (0 when out of memory). */
int fbm_reserve(fbm_tree *t, int k, uint32_t n);
/* The child node of table k at field id, or -1 when absent. */
int fbm_child(const fbm_tree *t, int k, int id);

#endif /* BD_FB_TREE_H */
