/*
 * fb_tree.c -- the schema, decoder and builder of fb_tree.h.
 *
 * Wire format (flatbuffers.dev, "Internals"; the same reading as
 * src/import/tflite/flatbuf.c): little-endian; a uoffset is a u32 added to its
 * own position; a table starts with an i32 soffset (vtable = table - soffset);
 * a vtable is u16 vtable bytes, u16 table bytes, then a u16 offset per field id
 * (0 = absent). A vector is a u32 count and the elements; a string is a byte
 * vector followed by a NUL.
 *
 * The builder writes front to back, as scripts/make_fuzz_corpus.py does: each
 * vtable just before its table (a positive soffset), each child after its
 * parent (uoffsets point forward). Fields are laid out largest first, so every
 * scalar is aligned to its size (8-byte tables start 8-aligned); vector data is
 * aligned to its element size, byte vectors to 16 (weights read as floats).
 */
#include "fb_tree.h"

#include <stdlib.h>
#include <string.h>

#define MAX_NODES (1 << 17)
#define MAX_BYTES ((size_t)16 << 20)

/* ---- schema (schema.fbs field ids; the importer's comments list the same) ---------- */

static const fbm_field schemas[FBM_S_COUNT][FBM_MAX_FIELDS] = {
    [FBM_S_MODEL] = {{0, FBM_K_I32, 0},
                     {1, FBM_K_VTAB, FBM_S_OPCODE},
                     {2, FBM_K_VTAB, FBM_S_SUBGRAPH},
                     {3, FBM_K_STR, 0},
                     {4, FBM_K_VTAB, FBM_S_BUFFER}},
    [FBM_S_OPCODE] = {{0, FBM_K_U8, 0}, {1, FBM_K_STR, 0}, {2, FBM_K_I32, 0}, {3, FBM_K_I32, 0}},
    [FBM_S_SUBGRAPH] = {{0, FBM_K_VTAB, FBM_S_TENSOR},
                        {1, FBM_K_VEC, 4},
                        {2, FBM_K_VEC, 4},
                        {3, FBM_K_VTAB, FBM_S_OPERATOR},
                        {4, FBM_K_STR, 0}},
    [FBM_S_TENSOR] = {{0, FBM_K_VEC, 4},
                      {1, FBM_K_U8, 0},
                      {2, FBM_K_I32, 0},
                      {3, FBM_K_STR, 0},
                      {6, FBM_K_TAB, FBM_S_SPARSITY}},
    [FBM_S_BUFFER] = {{0, FBM_K_VEC, 1}, {1, FBM_K_U64, 0}, {2, FBM_K_U64, 0}},
    [FBM_S_OPERATOR] = {{0, FBM_K_I32, 0},
                        {1, FBM_K_VEC, 4},
                        {2, FBM_K_VEC, 4},
                        {3, FBM_K_UTYPE, 0},
                        {4, FBM_K_UNION, FBM_U_OPTIONS},
                        {5, FBM_K_VEC, 1}},
    [FBM_S_SPARSITY] = {{0, FBM_K_VEC, 4}, {1, FBM_K_VEC, 4}, {2, FBM_K_VTAB, FBM_S_DIMMETA}},
    [FBM_S_DIMMETA] = {{0, FBM_K_U8, 0},
                       {1, FBM_K_I32, 0},
                       {2, FBM_K_UTYPE, 0},
                       {3, FBM_K_UNION, FBM_U_SPARSE_INDEX},
                       {4, FBM_K_UTYPE, 0},
                       {5, FBM_K_UNION, FBM_U_SPARSE_INDEX}},
    [FBM_S_I32VEC] = {{0, FBM_K_VEC, 4}},
    [FBM_S_U16VEC] = {{0, FBM_K_VEC, 2}},
    [FBM_S_U8VEC] = {{0, FBM_K_VEC, 1}},
    /* Conv2DOptions: padding, stride_w, stride_h, activation, dilation_w, dilation_h */
    [FBM_S_CONV] = {{0, FBM_K_U8, 0},
                    {1, FBM_K_I32, 0},
                    {2, FBM_K_I32, 0},
                    {3, FBM_K_U8, 0},
                    {4, FBM_K_I32, 0},
                    {5, FBM_K_I32, 0}},
    /* DepthwiseConv2DOptions: ... 3 depth_multiplier, 4 activation, 5/6 dilation */
    [FBM_S_DWCONV] = {{0, FBM_K_U8, 0},
                      {1, FBM_K_I32, 0},
                      {2, FBM_K_I32, 0},
                      {3, FBM_K_I32, 0},
                      {4, FBM_K_U8, 0},
                      {5, FBM_K_I32, 0},
                      {6, FBM_K_I32, 0}},
    /* Pool2DOptions: padding, stride_w, stride_h, filter_w, filter_h, activation */
    [FBM_S_POOL] = {{0, FBM_K_U8, 0},
                    {1, FBM_K_I32, 0},
                    {2, FBM_K_I32, 0},
                    {3, FBM_K_I32, 0},
                    {4, FBM_K_I32, 0},
                    {5, FBM_K_U8, 0}},
    /* FullyConnectedOptions: activation, weights_format, keep_num_dims, asymmetric_q */
    [FBM_S_FC] = {{0, FBM_K_U8, 0}, {1, FBM_K_U8, 0}, {2, FBM_K_U8, 0}, {3, FBM_K_U8, 0}},
    [FBM_S_F1] = {{0, FBM_K_F32, 0}},
    [FBM_S_CONCAT] = {{0, FBM_K_I32, 0}, {1, FBM_K_U8, 0}},
    [FBM_S_U1] = {{0, FBM_K_U8, 0}},
    /* ResizeBilinearOptions: 0/1 new_height/new_width (deprecated), align_corners,
     * half_pixel_centers */
    [FBM_S_RESIZE] = {{0, FBM_K_I32, 0}, {1, FBM_K_I32, 0}, {2, FBM_K_U8, 0}, {3, FBM_K_U8, 0}},
    [FBM_S_RESHAPE] = {{0, FBM_K_VEC, 4}},
    /* StridedSliceOptions: begin, end, ellipsis, new_axis, shrink_axis masks, offset */
    [FBM_S_SSLICE] = {{0, FBM_K_I32, 0},
                      {1, FBM_K_I32, 0},
                      {2, FBM_K_I32, 0},
                      {3, FBM_K_I32, 0},
                      {4, FBM_K_I32, 0},
                      {5, FBM_K_U8, 0}},
    /* TransposeConvOptions: padding, stride_w, stride_h, activation */
    [FBM_S_TCONV] = {{0, FBM_K_U8, 0}, {1, FBM_K_I32, 0}, {2, FBM_K_I32, 0}, {3, FBM_K_U8, 0}},
    [FBM_S_I1] = {{0, FBM_K_I32, 0}},
};

const fbm_field *fbm_field_of(int schema, int id) {
    if (schema < 0 || schema >= FBM_S_COUNT || id < 0 || id >= FBM_MAX_FIELDS) return NULL;
    for (int i = 0; i < FBM_MAX_FIELDS; i++) {
        const fbm_field *f = &schemas[schema][i];
        if (f->kind == FBM_K_NONE) break;
        if (f->id == id) return f;
    }
    return NULL;
}

int fbm_union_schema(int which, unsigned type) {
    if (which == FBM_U_SPARSE_INDEX) {
        static const int s[4] = {FBM_S_EMPTY, FBM_S_I32VEC, FBM_S_U16VEC, FBM_S_U8VEC};
        return type < 4 ? s[type] : FBM_S_EMPTY;
    }
    switch (type) { /* BuiltinOptions (the importer's OPT_* ids) */
    case 1: return FBM_S_CONV;
    case 2: return FBM_S_DWCONV;
    case 5: return FBM_S_POOL;
    case 8: return FBM_S_FC;
    case 9:
    case 75: return FBM_S_F1;
    case 10: return FBM_S_CONCAT;
    case 11:
    case 21:
    case 27:
    case 28:
    case 29:
    case 77: return FBM_S_U1;
    case 15: return FBM_S_RESIZE;
    case 17: return FBM_S_RESHAPE;
    case 32: return FBM_S_SSLICE;
    case 49: return FBM_S_TCONV;
    case 94: return FBM_S_I1;
    default: return FBM_S_EMPTY;
    }
}

static int inline_size(int kind) {
    switch (kind) {
    case FBM_K_U8:
    case FBM_K_UTYPE: return 1;
    case FBM_K_U64: return 8;
    default: return 4;
    }
}

static int is_ref(int kind) { return kind >= FBM_K_STR; }

/* ---- nodes ------------------------------------------------------------------------- */

int fbm_new(fbm_tree *t, int kind, int schema, int esize) {
    if (t->count >= MAX_NODES) return -1;
    if (t->count == t->cap) {
        int cap = t->cap ? 2 * t->cap : 64;
        fbm_node *n = realloc(t->n, (size_t)cap * sizeof *n);
        if (!n) return -1;
        t->n = n, t->cap = cap;
    }
    fbm_node *x = &t->n[t->count];
    memset(x, 0, sizeof *x);
    x->kind = (uint8_t)kind, x->schema = (uint8_t)schema, x->esize = (uint8_t)esize;
    return t->count++;
}

int fbm_reserve(fbm_tree *t, int k, uint32_t n) {
    fbm_node *x = &t->n[k];
    if (n <= x->cap) return 1;
    if (n > (1u << 24)) return 0;
    uint32_t cap = n < 8 ? 8 : n + n / 2;
    if (x->kind == FBM_N_TABLES) {
        int *p = realloc(x->kids, (size_t)cap * sizeof *p);
        if (!p) return 0;
        x->kids = p;
    } else {
        size_t add = (size_t)(cap - x->cap) * x->esize;
        if (t->bytes + add > MAX_BYTES) return 0;
        uint8_t *p = realloc(x->data, (size_t)cap * x->esize);
        if (!p) return 0;
        x->data = p;
        t->bytes += add;
    }
    x->cap = cap;
    return 1;
}

int fbm_child(const fbm_tree *t, int k, int id) {
    if (k < 0 || id < 0 || id >= FBM_MAX_FIELDS || !(t->n[k].present >> id & 1)) return -1;
    const fbm_field *f = fbm_field_of(t->n[k].schema, id);
    if (!f || !is_ref(f->kind)) return -1;
    return (int)t->n[k].v[id];
}

int fbm_copy(fbm_tree *t, int k) {
    int c = fbm_new(t, t->n[k].kind, t->n[k].schema, t->n[k].esize);
    if (c < 0) return -1;
    fbm_node src = t->n[k]; /* by value: t->n may move below */
    t->n[c] = src;
    t->n[c].data = NULL, t->n[c].kids = NULL, t->n[c].cap = 0;
    if (src.kind == FBM_N_BYTES || src.kind == FBM_N_TABLES) {
        if (!fbm_reserve(t, c, src.n)) {
            t->n[c].n = 0;
            return -1;
        }
        if (src.kind == FBM_N_BYTES) {
            if (src.n) memcpy(t->n[c].data, src.data, (size_t)src.n * src.esize);
            return c;
        }
        for (uint32_t i = 0; i < src.n; i++) {
            int kid = fbm_copy(t, t->n[k].kids[i]);
            if (kid < 0) {
                t->n[c].n = i;
                return -1;
            }
            t->n[c].kids[i] = kid;
        }
        return c;
    }
    for (int id = 0; id < FBM_MAX_FIELDS; id++) {
        int kid = fbm_child(t, k, id);
        if (kid < 0) continue;
        t->n[c].present &= ~(1u << id); /* until the copy exists */
        int cc = fbm_copy(t, kid);
        if (cc < 0) return -1;
        t->n[c].v[id] = (uint64_t)cc;
        t->n[c].present |= 1u << id;
    }
    return c;
}

void fbm_tree_free(fbm_tree *t) {
    for (int i = 0; i < t->count; i++) {
        free(t->n[i].data);
        free(t->n[i].kids);
    }
    free(t->n);
    memset(t, 0, sizeof *t);
}

/* ---- decoder ----------------------------------------------------------------------- */

typedef struct in_buf {
    const uint8_t *p;
    size_t n;
} in_buf;

static int in(const in_buf *b, size_t pos, size_t len) { return pos <= b->n && len <= b->n - pos; }

static uint32_t rd32(const in_buf *b, size_t pos) {
    return (uint32_t)b->p[pos] | (uint32_t)b->p[pos + 1] << 8 | (uint32_t)b->p[pos + 2] << 16 |
           (uint32_t)b->p[pos + 3] << 24;
}

static uint16_t rd16(const in_buf *b, size_t pos) {
    return (uint16_t)(b->p[pos] | b->p[pos + 1] << 8);
}

/* Follows the uoffset at pos (in bounds of 4 bytes already); 0 when it leaves the buffer. */
static int follow(const in_buf *b, size_t pos, size_t *target) {
    uint32_t off = rd32(b, pos);
    if (off == 0 || !in(b, pos, off)) return 0;
    *target = pos + off;
    return 1;
}

static int decode_table(fbm_tree *t, const in_buf *b, size_t pos, int schema, int lenient);

static int decode_bytes(fbm_tree *t, const in_buf *b, size_t pos, int esize, int is_str) {
    if (!in(b, pos, 4)) return -1;
    uint32_t len = rd32(b, pos);
    if ((size_t)len > (b->n - pos - 4) / (size_t)esize) return -1;
    int k = fbm_new(t, FBM_N_BYTES, 0, esize);
    if (k < 0 || !fbm_reserve(t, k, len)) return -1;
    if (len) memcpy(t->n[k].data, b->p + pos + 4, (size_t)len * (size_t)esize);
    t->n[k].n = len;
    t->n[k].is_str = (uint8_t)is_str;
    return k;
}

static int decode_tables(fbm_tree *t, const in_buf *b, size_t pos, int schema) {
    if (!in(b, pos, 4)) return -1;
    uint32_t len = rd32(b, pos);
    if ((size_t)len > (b->n - pos - 4) / 4) return -1;
    int k = fbm_new(t, FBM_N_TABLES, schema, 0);
    if (k < 0 || !fbm_reserve(t, k, len)) return -1;
    for (uint32_t i = 0; i < len; i++) {
        size_t at = pos + 4 + 4 * (size_t)i, target;
        if (!follow(b, at, &target)) return -1;
        int kid = decode_table(t, b, target, schema, 0);
        if (kid < 0) return -1;
        t->n[k].kids[i] = kid;
        t->n[k].n = i + 1;
    }
    return k;
}

/* Decodes the table at pos. `lenient` (an options table, whose type byte an edit
 * may have changed, so that it is now read by another member's schema): a field
 * that does not decode is dropped, as the importer reads only the fields of the
 * op it imports; otherwise it makes the whole table fail. */
static int decode_table(fbm_tree *t, const in_buf *b, size_t pos, int schema, int lenient) {
    if (!in(b, pos, 4)) return -1;
    int64_t vt = (int64_t)pos - (int64_t)(int32_t)rd32(b, pos);
    if (vt < 0 || !in(b, (size_t)vt, 4)) return -1;
    size_t vtp = (size_t)vt;
    uint16_t vt_bytes = rd16(b, vtp), tbl_bytes = rd16(b, vtp + 2);
    if (vt_bytes < 4 || (vt_bytes & 1) || !in(b, vtp, vt_bytes)) return -1;
    if (tbl_bytes < 4 || !in(b, pos, tbl_bytes)) return -1;
    int k = fbm_new(t, FBM_N_TABLE, schema, 0);
    if (k < 0) return -1;
    unsigned utype = 0;
    for (int i = 0; i < FBM_MAX_FIELDS; i++) {
        const fbm_field *f = &schemas[schema][i];
        if (f->kind == FBM_K_NONE) break;
        size_t slot = 4 + 2 * (size_t)f->id;
        if (slot + 2 > vt_bytes) continue; /* beyond the vtable: absent */
        uint16_t off = rd16(b, vtp + slot);
        if (off == 0) continue;
        int size = inline_size(f->kind);
        if (off < 4 || (size_t)off + (size_t)size > tbl_bytes) {
            if (lenient) continue;
            return -1;
        }
        size_t at = pos + off;
        uint64_t v = 0;
        if (!is_ref(f->kind)) {
            for (int j = 0; j < size; j++) v |= (uint64_t)b->p[at + (size_t)j] << (8 * j);
            if (f->kind == FBM_K_UTYPE) utype = (unsigned)v;
        } else {
            size_t target;
            int kid = -1;
            if (follow(b, at, &target)) switch (f->kind) {
                case FBM_K_STR: kid = decode_bytes(t, b, target, 1, 1); break;
                case FBM_K_VEC: kid = decode_bytes(t, b, target, f->sub, 0); break;
                case FBM_K_TAB: kid = decode_table(t, b, target, f->sub, 0); break;
                case FBM_K_VTAB: kid = decode_tables(t, b, target, f->sub); break;
                default:
                    kid = decode_table(t, b, target, fbm_union_schema(f->sub, utype),
                                       f->sub == FBM_U_OPTIONS);
                    break;
                }
            if (kid < 0 && lenient) continue;
            if (kid < 0) return -1;
            v = (uint64_t)kid;
        }
        t->n[k].v[f->id] = v;
        t->n[k].present |= 1u << f->id;
    }
    return k;
}

int fbm_decode(fbm_tree *t, const uint8_t *data, size_t size) {
    in_buf b = {data, size};
    if (size < 8 || memcmp(data + 4, "TFL3", 4) != 0) return -1;
    return decode_table(t, &b, rd32(&b, 0), FBM_S_MODEL, 0);
}

/* ---- builder ----------------------------------------------------------------------- */

typedef struct out_buf {
    uint8_t *p;
    size_t n, max;
    int full;
} out_buf;

/* Appends len bytes (zeros when src is NULL); returns their position. */
static size_t put(out_buf *o, const void *src, size_t len) {
    size_t at = o->n;
    if (o->full || len > o->max - o->n) {
        o->full = 1;
        return at;
    }
    if (src)
        memcpy(o->p + o->n, src, len);
    else
        memset(o->p + o->n, 0, len);
    o->n += len;
    return at;
}

static void align(out_buf *o, size_t a) {
    while (!o->full && o->n % a) put(o, NULL, 1);
}

static void wr32(out_buf *o, size_t at, uint32_t v) {
    if (o->full) return;
    for (int i = 0; i < 4; i++) o->p[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

static void put32(out_buf *o, uint32_t v) { wr32(o, put(o, NULL, 4), v); }

/* Points the uoffset slot at `at` to `target` (which lies after it). */
static void patch(out_buf *o, size_t at, size_t target) { wr32(o, at, (uint32_t)(target - at)); }

static size_t encode_node(const fbm_tree *t, int k, out_buf *o);

static size_t encode_table(const fbm_tree *t, int k, out_buf *o) {
    const fbm_node *x = &t->n[k];
    /* Layout: the soffset at 0, then the fields largest first, each aligned. */
    uint16_t off[FBM_MAX_FIELDS] = {0};
    int n_slots = 0, has8 = 0;
    size_t end = 4;
    for (int size = 8; size >= 1; size /= 2)
        for (int i = 0; i < FBM_MAX_FIELDS; i++) {
            const fbm_field *f = &schemas[x->schema][i];
            if (f->kind == FBM_K_NONE) break;
            if (inline_size(f->kind) != size || !(x->present >> f->id & 1)) continue;
            if (is_ref(f->kind) && (int)x->v[f->id] < 0) continue;
            end = (end + (size_t)size - 1) / (size_t)size * (size_t)size;
            off[f->id] = (uint16_t)end;
            end += (size_t)size;
            if (f->id + 1 > n_slots) n_slots = f->id + 1;
            has8 |= size == 8;
        }
    size_t tbl_bytes = (end + 3) / 4 * 4;
    uint16_t vt[2 + FBM_MAX_FIELDS];
    vt[0] = (uint16_t)(4 + 2 * n_slots), vt[1] = (uint16_t)tbl_bytes;
    for (int i = 0; i < n_slots; i++) vt[2 + i] = off[i];
    align(o, 2);
    size_t vpos = o->n;
    for (int i = 0; i < 2 + n_slots; i++) {
        uint8_t le[2] = {(uint8_t)vt[i], (uint8_t)(vt[i] >> 8)};
        put(o, le, 2);
    }
    align(o, has8 ? 8 : 4);
    size_t tpos = put(o, NULL, tbl_bytes);
    if (o->full) return 0;
    wr32(o, tpos, (uint32_t)(tpos - vpos)); /* soffset: the vtable lies before */
    for (int id = 0; id < n_slots; id++) {
        const fbm_field *f = fbm_field_of(x->schema, id);
        if (!off[id] || is_ref(f->kind)) continue;
        for (int j = 0; j < inline_size(f->kind); j++)
            o->p[tpos + off[id] + (size_t)j] = (uint8_t)(x->v[id] >> (8 * j));
    }
    for (int id = 0; id < n_slots; id++) {
        const fbm_field *f = fbm_field_of(x->schema, id);
        if (!off[id] || !is_ref(f->kind)) continue;
        size_t child = encode_node(t, (int)t->n[k].v[id], o);
        if (o->full) return 0;
        patch(o, tpos + off[id], child);
    }
    return tpos;
}

static size_t encode_node(const fbm_tree *t, int k, out_buf *o) {
    const fbm_node *x = &t->n[k];
    if (x->kind == FBM_N_TABLE) return encode_table(t, k, o);
    if (x->kind == FBM_N_TABLES) {
        align(o, 4);
        size_t pos = o->n;
        put32(o, x->n);
        size_t slots = put(o, NULL, 4 * (size_t)x->n);
        for (uint32_t i = 0; i < x->n && !o->full; i++) {
            size_t child = encode_node(t, t->n[k].kids[i], o);
            patch(o, slots + 4 * (size_t)i, child);
        }
        return pos;
    }
    /* the elements after the count aligned to their size (byte data to 16) */
    size_t a = x->is_str ? 4 : x->esize == 1 ? 16 : x->esize < 4 ? 4 : x->esize;
    while (!o->full && (o->n + 4) % a) put(o, NULL, 1);
    size_t pos = o->n;
    put32(o, x->n);
    put(o, x->data, (size_t)x->n * x->esize);
    if (x->is_str) put(o, NULL, 1);
    return pos;
}

size_t fbm_encode(const fbm_tree *t, int root, uint8_t *out, size_t max_size) {
    out_buf o = {out, 0, max_size, 0};
    put(&o, NULL, 4);
    put(&o, "TFL3", 4);
    size_t r = encode_node(t, root, &o);
    if (o.full) return 0;
    patch(&o, 0, r);
    return o.n;
}
