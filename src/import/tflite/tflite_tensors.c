/*
 * tflite_tensors.c -- TFLite tensors -> IR values: the type mapping, the
 * constant data of Model.buffers, and sparse constants made dense.
 *
 * Schema fields (tensorflow/lite/schema/schema.fbs, version 3):
 *   Tensor:       0 shape, 1 type, 2 buffer, 3 name, 4 quantization, 6 sparsity
 *   Buffer:       0 data, 1 offset (u64), 2 size (u64)
 * TFLite tensor i becomes IR value i.
 */
#include <stdio.h>
#include <string.h>

#include "import/tflite/tflite_internal.h"

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
bd_status bd_tfl_read_tensor(importer *im, const fb_vec *tensors, uint32_t i) {
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
