/*
 * fb_mutator.c -- the edits of the TFLite mutator (fb_mutator.h) on the tree of
 * fb_tree.h. Each edit picks its target with the seed's PRNG and returns 0 when
 * the model has nothing it applies to (another edit is then tried). Edits only
 * touch subgraph 0, the one the importer reads.
 */
#include "fb_mutator.h"

#include <stdlib.h>
#include <string.h>

#include "fb_tree.h"

typedef struct mut {
    fbm_tree *t;
    uint64_t s;                       /* PRNG state */
    int model, sg;                    /* Model and subgraph 0 tables (sg may be -1) */
    int codes, buffers, tensors, ops; /* their vectors of tables (-1 when absent) */
} mut;

static uint32_t rnd(mut *m) { /* xorshift64* */
    m->s ^= m->s >> 12, m->s ^= m->s << 25, m->s ^= m->s >> 27;
    return (uint32_t)((m->s * 2685821657736338717ull) >> 32);
}

static uint32_t below(mut *m, uint32_t n) { return n ? rnd(m) % n : 0; }

static fbm_node *nd(mut *m, int k) { return &m->t->n[k]; }

static uint32_t count(mut *m, int vec) { return vec < 0 ? 0 : nd(m, vec)->n; }

/* A random element (table node) of a vector of tables, or -1. */
static int pick(mut *m, int vec) {
    uint32_t n = count(m, vec);
    return n ? nd(m, vec)->kids[below(m, n)] : -1;
}

static int32_t get_i32(mut *m, int vec, uint32_t i) {
    const uint8_t *p = nd(m, vec)->data + 4 * (size_t)i;
    return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                     (uint32_t)p[3] << 24);
}

static void set_u32(mut *m, int vec, uint32_t i, uint32_t v) {
    uint8_t *p = nd(m, vec)->data + 4 * (size_t)i;
    for (int j = 0; j < 4; j++) p[j] = (uint8_t)(v >> (8 * j));
}

static void set_field(mut *m, int k, int id, uint64_t v) {
    nd(m, k)->v[id] = v;
    nd(m, k)->present |= 1u << id;
}

/* The scalar vector at field id of table k, created empty when absent (-1 when
 * out of room). */
static int vec_of(mut *m, int k, int id) {
    int c = fbm_child(m->t, k, id);
    if (c >= 0) return c;
    const fbm_field *f = fbm_field_of(nd(m, k)->schema, id);
    c = fbm_new(m->t, FBM_N_BYTES, 0, f->sub);
    if (c >= 0) set_field(m, k, id, (uint64_t)c);
    return c;
}

/* Inserts one element (esize bytes at elem, or the node index kid) at position i. */
static int vec_insert(mut *m, int vec, uint32_t i, const void *elem, int kid) {
    if (!fbm_reserve(m->t, vec, nd(m, vec)->n + 1)) return 0;
    fbm_node *x = nd(m, vec);
    if (x->kind == FBM_N_TABLES) {
        memmove(x->kids + i + 1, x->kids + i, (size_t)(x->n - i) * sizeof *x->kids);
        x->kids[i] = kid;
    } else {
        size_t e = x->esize;
        memmove(x->data + (i + 1) * e, x->data + i * e, (size_t)(x->n - i) * e);
        memcpy(x->data + i * e, elem, e);
    }
    x->n++;
    return 1;
}

static void vec_erase(mut *m, int vec, uint32_t i) {
    fbm_node *x = nd(m, vec);
    if (x->kind == FBM_N_TABLES)
        memmove(x->kids + i, x->kids + i + 1, (size_t)(x->n - i - 1) * sizeof *x->kids);
    else
        memmove(x->data + i * x->esize, x->data + (i + 1) * x->esize,
                (size_t)(x->n - i - 1) * x->esize);
    x->n--;
}

/* ---- values ------------------------------------------------------------------------ */

/* A new int32 near, at the edges of, or far from old (wrapping arithmetic). */
static uint32_t edge_i32(mut *m, uint32_t old) {
    switch (rnd(m) % 12) {
    case 0: return 0;
    case 1: return 1;
    case 2: return UINT32_MAX; /* -1 */
    case 3: return old + 1;
    case 4: return old - 1;
    case 5: return 2 + below(m, 7);
    case 6: return 1u << below(m, 31);
    case 7: return rnd(m) & 1 ? 0x7fffffffu : 0x80000000u;
    case 8: return old * 2;
    case 9: return old / 2;
    case 10: return (uint32_t)0 - (1u << below(m, 8)); /* small negative */
    default: return rnd(m);
    }
}

/* A tensor dim: mostly small or a neighbour, sometimes 0, -1 or anything (which
 * the importer refuses: kept rare, a refused model is a dead end of its chain). */
static uint32_t dim_value(mut *m, uint32_t old) {
    uint32_t r = rnd(m) % 32;
    if (r == 0) return 0;
    if (r == 1) return UINT32_MAX;
    if (r == 2) return edge_i32(m, old);
    if (r < 7) return old * 2;
    if (r < 10) return old > 1 ? old / 2 : 2;
    if (r < 15) return old + 1;
    if (r < 19) return old > 1 ? old - 1 : 2;
    if (r < 24) return 1;
    return 1 + below(m, 8);
}

/* Float bits: 0, -0, 1, -1, NaN, inf, -inf, 1e30, the smallest denormal, 65504
 * (the largest half), 0.5, 2, -2^31. */
static uint32_t edge_f32(mut *m) {
    static const uint32_t bits[] = {0x00000000u, 0x80000000u, 0x3f800000u, 0xbf800000u, 0x7fc00000u,
                                    0x7f800000u, 0xff800000u, 0x7149f2cau, 0x00000001u, 0x477fe000u,
                                    0x3f000000u, 0x40000000u, 0xcf000000u};
    return bits[below(m, sizeof bits / sizeof bits[0])];
}

/* A byte-wide option (padding SAME/VALID, an activation, a bool, a mode): mostly
 * a value some op accepts. */
static uint32_t edge_u8(mut *m, uint32_t old) {
    static const uint8_t act[] = {0, 1, 3, 6}; /* none, RELU, RELU6, TANH */
    uint32_t r = rnd(m) % 8;
    if (r < 3) return below(m, 2);
    if (r < 5) return act[below(m, 4)];
    if (r == 5) return old ^ 1;
    if (r == 6) return below(m, 7);
    return rnd(m) & 0xff;
}

/* An int option (a stride, a dilation, a window, an axis, a mask): mostly small. */
static uint32_t option_i32(mut *m, uint32_t old) {
    switch (rnd(m) % 4) {
    case 0: return 1 + below(m, 3);
    case 1: return old + (rnd(m) & 1 ? 1 : UINT32_MAX);
    default: return edge_i32(m, old);
    }
}

/* ---- edits ------------------------------------------------------------------------- */

/* The tensor index an operator or the graph could refer to: mostly a real one. */
static uint32_t tensor_ref(mut *m) {
    uint32_t n = count(m, m->tensors);
    switch (rnd(m) % 16) {
    case 0: return UINT32_MAX;
    case 1: return n;
    default: return below(m, n);
    }
}

/* Most of the time, resizes the data of constant tensor t to what its shape and
 * type now need (the old bytes repeated), so that a new dim of a weight is not
 * just refused for its byte count. Activations and odd shapes are left alone. */
static void fit_data(mut *m, int t) {
    if (rnd(m) % 8 == 0 || !(nd(m, t)->present >> 2 & 1)) return;
    uint32_t bi = (uint32_t)nd(m, t)->v[2];
    if (bi == 0 || bi >= count(m, m->buffers)) return;
    int d = fbm_child(m->t, nd(m, m->buffers)->kids[bi], 0);
    if (d < 0 || nd(m, d)->n == 0) return;
    static const uint8_t esize[10] = {4, 2, 4, 1, 8, 0, 0, 0, 0, 1}; /* TensorType */
    uint32_t type = nd(m, t)->present >> 1 & 1 ? (uint32_t)nd(m, t)->v[1] : 0;
    uint64_t bytes = type < 10 ? esize[type] : 0;
    int shape = fbm_child(m->t, t, 0);
    for (uint32_t i = 0; shape >= 0 && i < nd(m, shape)->n && bytes; i++) {
        int32_t dim = get_i32(m, shape, i);
        if (dim < 0 || dim > 65536) return;
        bytes *= (uint64_t)dim;
        if (bytes > (1u << 20)) return;
    }
    uint32_t n = nd(m, d)->n, to = (uint32_t)bytes;
    if (to == 0 || to == n || !fbm_reserve(m->t, d, to)) return;
    uint8_t *p = nd(m, d)->data;
    for (uint32_t i = n; i < to; i++) p[i] = p[i % n];
    nd(m, d)->n = to;
}

/* True if tensor t has constant data (a buffer other than the empty one with bytes). */
static int is_const(mut *m, int t) {
    if (!(nd(m, t)->present >> 2 & 1)) return 0;
    uint32_t bi = (uint32_t)nd(m, t)->v[2];
    if (bi == 0 || bi >= count(m, m->buffers)) return 0;
    int d = fbm_child(m->t, nd(m, m->buffers)->kids[bi], 0);
    return d >= 0 && nd(m, d)->n > 0;
}

static int e_dim(mut *m) {
    int t = pick(m, m->tensors);
    for (int tries = 0; tries < 4 && t >= 0 && is_const(m, t) && rnd(m) % 3; tries++)
        t = pick(m, m->tensors); /* mostly an activation */
    int shape = fbm_child(m->t, t, 0);
    if (shape < 0 || nd(m, shape)->n == 0) return 0;
    uint32_t i = below(m, nd(m, shape)->n), rank = nd(m, shape)->n;
    uint32_t old = (uint32_t)get_i32(m, shape, i), v = dim_value(m, old);
    if (is_const(m, t) || rnd(m) % 4 == 0) {
        set_u32(m, shape, i, v);
        fit_data(m, t);
        return 1;
    }
    /* An activation: the same dim of every tensor of that rank that has the same
     * extent changes with it (a new input height flows down a stride-1 network),
     * or the declared shapes downstream would just disagree. A channel count (the
     * last dim: TFLite is NHWC) also changes in the last dim of tensors of any rank
     * (biases) and in dim 0 of 4-D ones (the O of OHWI conv kernels). */
    int channels = i + 1 == rank;
    for (uint32_t k = 0; k < count(m, m->tensors); k++) {
        int u = nd(m, m->tensors)->kids[k], us = fbm_child(m->t, u, 0);
        if (us < 0 || nd(m, us)->n == 0) continue;
        uint32_t r = nd(m, us)->n, hit = 0;
        if (r == rank && (uint32_t)get_i32(m, us, i) == old) set_u32(m, us, i, v), hit = 1;
        if (channels && r != rank && (uint32_t)get_i32(m, us, r - 1) == old)
            set_u32(m, us, r - 1, v), hit = 1;
        if (channels && r == 4 && (uint32_t)get_i32(m, us, 0) == old) set_u32(m, us, 0, v), hit = 1;
        if (hit) fit_data(m, u);
    }
    return 1;
}

static int e_rank(mut *m) {
    int t = pick(m, m->tensors);
    if (t < 0) return 0;
    int shape = vec_of(m, t, 0);
    if (shape < 0) return 0;
    uint32_t n = nd(m, shape)->n;
    if (n > 0 && (n >= 7 || rnd(m) & 1)) {
        vec_erase(m, shape, below(m, n));
        fit_data(m, t);
        return 1;
    }
    uint32_t i = below(m, n + 1), v = rnd(m) & 1 ? 1 : 1 + below(m, 8);
    if (n && rnd(m) & 1) v = (uint32_t)get_i32(m, shape, below(m, n));
    uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    if (!vec_insert(m, shape, i, le, 0)) return 0;
    fit_data(m, t);
    return 1;
}

static int e_tensor_field(mut *m) {
    int t = pick(m, m->tensors);
    if (t < 0) return 0;
    if (rnd(m) % 4) { /* type: the ones the importer maps, or any */
        static const uint8_t types[] = {0, 1, 2, 3, 4, 9, 0, 1, 2};
        uint32_t v = rnd(m) % 4 ? types[below(m, sizeof types)] : below(m, 18);
        set_field(m, t, 1, v);
        fit_data(m, t);
    } else { /* buffer */
        uint32_t nb = count(m, m->buffers);
        set_field(m, t, 2, rnd(m) % 4 == 0 ? 0 : rnd(m) % 16 ? below(m, nb) : nb);
    }
    return 1;
}

static int same_shape(mut *m, int a, int b) {
    int sa = fbm_child(m->t, a, 0), sb = fbm_child(m->t, b, 0);
    if (sa < 0 || sb < 0) return sa == sb;
    return nd(m, sa)->n == nd(m, sb)->n &&
           (nd(m, sa)->n == 0 || memcmp(nd(m, sa)->data, nd(m, sb)->data, 4 * nd(m, sa)->n) == 0);
}

static int e_wire(mut *m) {
    int op = pick(m, m->ops);
    int v = fbm_child(m->t, op, rnd(m) % 3 ? 1 : 2);
    if (v < 0 || nd(m, v)->n == 0) return 0;
    uint32_t i = below(m, nd(m, v)->n), cur = (uint32_t)get_i32(m, v, i), to = tensor_ref(m);
    uint32_t n = count(m, m->tensors);
    if (cur < n && rnd(m) & 1) { /* mostly another tensor of the same shape */
        uint32_t seen = 0;
        for (uint32_t k = 0; k < n; k++)
            if (k != cur &&
                same_shape(m, nd(m, m->tensors)->kids[k], nd(m, m->tensors)->kids[cur]) &&
                below(m, ++seen) == 0)
                to = k;
    }
    set_u32(m, v, i, to);
    return 1;
}

static int e_arity(mut *m) {
    int op = pick(m, m->ops);
    if (op < 0) return 0;
    int v = vec_of(m, op, rnd(m) % 4 ? 1 : 2);
    if (v < 0) return 0;
    uint32_t n = nd(m, v)->n;
    if (n > 0 && rnd(m) & 1) {
        vec_erase(m, v, below(m, n));
        return 1;
    }
    uint32_t x = n && rnd(m) & 1 ? (uint32_t)get_i32(m, v, below(m, n)) : tensor_ref(m);
    uint8_t le[4] = {(uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16), (uint8_t)(x >> 24)};
    return vec_insert(m, v, rnd(m) & 1 ? n : below(m, n + 1), le, 0);
}

static int e_opcode_index(mut *m) {
    int op = pick(m, m->ops);
    if (op < 0) return 0;
    uint32_t nc = count(m, m->codes);
    set_field(m, op, 0, rnd(m) % 16 ? below(m, nc) : nc);
    return 1;
}

/* Another builtin code: one the importer reads, or rarely any. */
static uint32_t builtin_code(mut *m) {
    static const uint8_t codes[] = {0,  1,  2,  3,  4,  5,   6,   9,   14, 17, 18, 19, 20,
                                    21, 22, 23, 25, 28, 32,  34,  39,  40, 41, 42, 43, 45,
                                    54, 60, 67, 70, 98, 100, 117, 124, 53, 11, 127};
    return rnd(m) % 8 ? codes[below(m, sizeof codes)] : below(m, 200);
}

/* The BuiltinOptions type the importer wants for a builtin code (0: none). */
static uint32_t options_type_of(uint32_t code) {
    static const struct {
        uint8_t code, type;
    } map[] = {{3, 1},   {4, 2},   {1, 5},   {17, 5},   {9, 8},   {25, 9},  {2, 10},
               {0, 11},  {23, 15}, {22, 17}, {18, 21},  {40, 27}, {41, 28}, {42, 29},
               {45, 32}, {67, 49}, {98, 75}, {100, 77}, {5, 94}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].code == code) return map[i].type;
    return 0;
}

/* Gives op the options type `type`: a copy of another operator's table of that
 * type when there is one, else a table of defaults; none for type 0. */
static void set_options(mut *m, int op, uint32_t type) {
    if (type == 0) {
        nd(m, op)->present &= ~(3u << 3);
        return;
    }
    int from = -1;
    for (uint32_t k = 0; k < count(m, m->ops); k++) {
        int o = nd(m, m->ops)->kids[k];
        if (o != op && fbm_child(m->t, o, 4) >= 0 && nd(m, o)->present >> 3 & 1 &&
            nd(m, o)->v[3] == type)
            from = o;
    }
    int c = from >= 0 ? fbm_copy(m->t, fbm_child(m->t, from, 4))
                      : fbm_new(m->t, FBM_N_TABLE, fbm_union_schema(FBM_U_OPTIONS, type), 0);
    if (c < 0) return;
    set_field(m, op, 3, type);
    set_field(m, op, 4, (uint64_t)c);
}

static int e_builtin(mut *m) {
    int op = pick(m, m->ops);
    if (op < 0 || m->codes < 0 || !(nd(m, op)->present & 1)) return 0;
    uint32_t ci = (uint32_t)nd(m, op)->v[0];
    if (ci >= count(m, m->codes)) return 0;
    int code = nd(m, m->codes)->kids[ci];
    int own = rnd(m) & 1;
    if (own) { /* a new code entry for this operator only */
        code = fbm_copy(m->t, code);
        if (code < 0 || !vec_insert(m, m->codes, count(m, m->codes), NULL, code)) return 0;
        set_field(m, op, 0, count(m, m->codes) - 1);
    }
    uint32_t c = builtin_code(m);
    set_field(m, code, 3, c);
    set_field(m, code, 0, c < 127 ? c : 127); /* deprecated_builtin_code saturates */
    /* mostly with the options the new op reads (of this op only) */
    if (own && rnd(m) % 4) set_options(m, op, options_type_of(c));
    return 1;
}

static int e_option(mut *m) {
    int opt = -1;
    for (int tries = 0; tries < 4 && opt < 0; tries++) opt = fbm_child(m->t, pick(m, m->ops), 4);
    if (opt < 0) return 0;
    int schema = nd(m, opt)->schema;
    const fbm_field *f = fbm_field_of(schema, (int)below(m, FBM_MAX_FIELDS));
    if (!f) f = fbm_field_of(schema, 0);
    if (!f) return 0;
    uint32_t old = (uint32_t)nd(m, opt)->v[f->id];
    if (!(nd(m, opt)->present >> f->id & 1)) old = 0;
    switch (f->kind) {
    case FBM_K_U8: set_field(m, opt, f->id, edge_u8(m, old)); break;
    case FBM_K_I32: set_field(m, opt, f->id, option_i32(m, old)); break;
    case FBM_K_F32: set_field(m, opt, f->id, edge_f32(m)); break;
    case FBM_K_VEC: {
        int v = fbm_child(m->t, opt, f->id);
        if (v < 0 || nd(m, v)->n == 0) return 0;
        uint32_t i = below(m, nd(m, v)->n);
        set_u32(m, v, i, dim_value(m, (uint32_t)get_i32(m, v, i)));
        break;
    }
    default: return 0;
    }
    if (rnd(m) % 8 == 0) nd(m, opt)->present &= ~(1u << f->id); /* back to the default */
    return 1;
}

static int e_option_type(mut *m) {
    int op = pick(m, m->ops);
    if (op < 0) return 0;
    switch (rnd(m) % 4) {
    case 0: { /* another operator's options */
        int from = pick(m, m->ops), opt = fbm_child(m->t, from, 4);
        if (from == op || opt < 0) return 0;
        int c = fbm_copy(m->t, opt);
        if (c < 0) return 0;
        set_field(m, op, 3, nd(m, from)->v[3]);
        set_field(m, op, 4, (uint64_t)c);
        return 1;
    }
    case 1: /* none */ nd(m, op)->present &= ~(3u << 3); return 1;
    default: { /* another type: the table kept (read by the wrong schema) or a fresh one */
        static const uint8_t types[] = {1,  2,  5,  8,  9,  10, 11, 15, 17,
                                        21, 27, 28, 29, 32, 49, 75, 77, 94};
        uint32_t type = rnd(m) % 8 ? types[below(m, sizeof types)] : below(m, 127);
        set_field(m, op, 3, type);
        if (fbm_child(m->t, op, 4) < 0 || rnd(m) & 1) {
            int c = fbm_new(m->t, FBM_N_TABLE, fbm_union_schema(FBM_U_OPTIONS, type), 0);
            if (c < 0) return 0;
            set_field(m, op, 4, (uint64_t)c);
        }
        return 1;
    }
    }
}

static int e_graph_io(mut *m) {
    if (m->sg < 0) return 0;
    int v = vec_of(m, m->sg, rnd(m) & 1 ? 1 : 2);
    if (v < 0) return 0;
    uint32_t n = nd(m, v)->n, r = rnd(m) % 4;
    if (n > 0 && r < 2) {
        set_u32(m, v, below(m, n), tensor_ref(m));
        return 1;
    }
    if (n > 0 && r == 2) {
        vec_erase(m, v, below(m, n));
        return 1;
    }
    uint32_t x = tensor_ref(m);
    uint8_t le[4] = {(uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16), (uint8_t)(x >> 24)};
    return vec_insert(m, v, n, le, 0);
}

/* A buffer with data (the tensors' constants: weights, shapes, axes, pads). */
static int data_of(mut *m) {
    for (int tries = 0; tries < 8; tries++) {
        int d = fbm_child(m->t, pick(m, m->buffers), 0);
        if (d >= 0 && nd(m, d)->n > 0) return d;
    }
    return -1;
}

static int e_buffer_size(mut *m) {
    int d = data_of(m);
    if (d < 0) return 0;
    uint32_t n = nd(m, d)->n, to;
    switch (rnd(m) % 6) {
    case 0: to = n / 2; break;
    case 1: to = n - 1; break;
    case 2: to = n >= 4 ? n - 4 : 0; break;
    case 3: to = n + 4; break;
    case 4: to = n + 1 + below(m, 64); break;
    default: to = 0; break;
    }
    if (to > n) {
        if (!fbm_reserve(m->t, d, to)) return 0;
        memset(nd(m, d)->data + n, 0, to - n);
    }
    nd(m, d)->n = to;
    return 1;
}

static int e_buffer_value(mut *m) {
    int d = data_of(m);
    if (d < 0 || nd(m, d)->n < 4) return 0;
    uint32_t i = below(m, nd(m, d)->n / 4);
    set_u32(m, d, i, rnd(m) & 1 ? edge_f32(m) : edge_i32(m, (uint32_t)get_i32(m, d, i)));
    return 1;
}

/* Appends a copy of tensor t (its buffer shared); returns its index, or -1. */
static int add_tensor(mut *m, int t) {
    uint32_t n = count(m, m->tensors);
    if (t < 0 || n >= 256) return -1;
    int c = fbm_copy(m->t, t);
    if (c < 0 || !vec_insert(m, m->tensors, n, NULL, c)) return -1;
    return (int)n;
}

/* Replaces every use of tensor `from` as an operator input by `to`. */
static void rewire_uses(mut *m, uint32_t from, uint32_t to) {
    for (uint32_t k = 0; k < count(m, m->ops); k++) {
        int ins = fbm_child(m->t, nd(m, m->ops)->kids[k], 1);
        for (uint32_t i = 0; ins >= 0 && i < nd(m, ins)->n; i++)
            if ((uint32_t)get_i32(m, ins, i) == from) set_u32(m, ins, i, to);
    }
}

static int e_duplicate(mut *m) {
    uint32_t n = count(m, m->ops);
    uint32_t at = below(m, n);
    int op = n ? nd(m, m->ops)->kids[at] : -1;
    int outs = fbm_child(m->t, op, 2);
    if (outs < 0 || nd(m, outs)->n == 0) return 0;
    uint32_t out = (uint32_t)get_i32(m, outs, 0);
    if (out >= count(m, m->tensors)) return 0;
    switch (rnd(m) % 4) {
    case 0: { /* the operator twice, the copy writing a new tensor of the same shape,
               * which half the time takes over the original's consumers */
        if (n >= 64) return 0;
        int c = fbm_copy(m->t, op), t = c < 0 ? -1 : add_tensor(m, nd(m, m->tensors)->kids[out]);
        if (t < 0 || !vec_insert(m, m->ops, at + 1, NULL, c)) return 0;
        set_u32(m, fbm_child(m->t, c, 2), 0, (uint32_t)t);
        if (rnd(m) & 1) rewire_uses(m, out, (uint32_t)t);
        return 1;
    }
    case 1: { /* the operator deleted, its consumers reading its first input */
        int ins = fbm_child(m->t, op, 1);
        if (n < 2 || ins < 0 || nd(m, ins)->n == 0) return 0;
        rewire_uses(m, out, (uint32_t)get_i32(m, ins, 0));
        vec_erase(m, m->ops, at);
        return 1;
    }
    case 2: /* the operator's output moved to a new tensor that nothing reads */
        if (add_tensor(m, nd(m, m->tensors)->kids[out]) < 0) return 0;
        set_u32(m, outs, 0, count(m, m->tensors) - 1);
        return 1;
    default: { /* an operator copied anywhere (mostly refused: a tensor written twice) */
        if (n >= 64) return 0;
        int c = fbm_copy(m->t, op);
        return c >= 0 && vec_insert(m, m->ops, below(m, n + 1), NULL, c);
    }
    }
}

static int e_rare(mut *m) {
    switch (rnd(m) % 3) {
    case 0: set_field(m, m->model, 0, rnd(m) & 1 ? 2 : edge_i32(m, 3)); return 1;
    case 1: {
        int c = pick(m, m->codes);
        if (c < 0) return 0;
        set_field(m, c, 2, rnd(m) & 1 ? below(m, 4) : edge_i32(m, 1));
        return 1;
    }
    default: { /* custom options (Convolution2DTransposeBias: padding, stride_w, stride_h) */
        int v = fbm_child(m->t, pick(m, m->ops), 5);
        if (v < 0 || nd(m, v)->n < 4) return 0;
        uint32_t i = below(m, nd(m, v)->n / 4);
        set_u32(m, v, i, edge_i32(m, (uint32_t)get_i32(m, v, i)));
        return 1;
    }
    }
}

typedef int (*edit_fn)(mut *m);

/* The edits with their weights (out of the sum). */
static const struct {
    edit_fn fn;
    int weight;
} edits[] = {
    {e_dim, 14},        {e_rank, 3},         {e_tensor_field, 4}, {e_wire, 10},
    {e_arity, 3},       {e_opcode_index, 6}, {e_builtin, 5},      {e_option, 18},
    {e_option_type, 3}, {e_graph_io, 3},     {e_buffer_size, 1},  {e_buffer_value, 12},
    {e_duplicate, 6},   {e_rare, 1},
};

static int apply_one(mut *m) {
    int total = 0;
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) total += edits[i].weight;
    for (int tries = 0; tries < 16; tries++) {
        int r = (int)below(m, (uint32_t)total);
        size_t i = 0;
        while (r >= edits[i].weight) r -= edits[i++].weight;
        if (edits[i].fn(m)) return 1;
    }
    return 0;
}

size_t bd_fb_mutate(uint8_t *data, size_t size, size_t max_size, unsigned int seed, int n_edits) {
    fbm_tree t = {0};
    mut m = {.t = &t, .s = 0x9E3779B97F4A7C15ull ^ ((uint64_t)seed << 1 | 1)};
    size_t out_n = 0;
    uint8_t *out = NULL;
    m.model = fbm_decode(&t, data, size);
    if (m.model < 0) goto done;
    int subgraphs = fbm_child(&t, m.model, 2);
    m.sg = count(&m, subgraphs) ? nd(&m, subgraphs)->kids[0] : -1;
    m.codes = fbm_child(&t, m.model, 1);
    m.buffers = fbm_child(&t, m.model, 4);
    m.tensors = fbm_child(&t, m.sg, 0);
    m.ops = fbm_child(&t, m.sg, 3);
    if (n_edits < 0) { /* one edit 60 % of the time, two 25 %, three 15 % */
        uint32_t r = below(&m, 20);
        n_edits = r < 12 ? 1 : r < 17 ? 2 : 3;
    }
    int done_edits = 0;
    for (int i = 0; i < n_edits; i++) done_edits += apply_one(&m);
    if (n_edits > 0 && done_edits == 0) goto done;
    out = malloc(max_size ? max_size : 1);
    if (!out) goto done;
    out_n = fbm_encode(&t, m.model, out, max_size);
    if (out_n) memcpy(data, out, out_n);
done:
    free(out);
    fbm_tree_free(&t);
    return out_n;
}
