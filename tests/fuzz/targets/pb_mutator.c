/*
 * pb_mutator.c -- the protobuf tree mutator of pb_mutator.h: a wire-format
 * parser into a node array (children as linked lists), the edits, and the
 * writer that recomputes lengths.
 */
#include "pb_mutator.h"

#include <stdlib.h>
#include <string.h>

#define MAX_NODES 65536
#define MAX_DEPTH 12

typedef struct node {
    uint32_t field;
    uint8_t wire;   /* 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32 */
    uint8_t is_msg; /* wire 2 parsed as a sub-message */
    uint8_t depth;
    uint64_t v;           /* varint / fixed value */
    const uint8_t *bytes; /* wire 2, not a message: the bytes (into the input) */
    size_t len;
    int child, next; /* first child, next sibling (-1 = none) */
} node;

typedef struct tree {
    node *n;
    int count;
    uint8_t *pool; /* bytes made by edits; bytes of edited nodes point here */
    size_t pool_len, pool_cap;
} tree;

static uint32_t rnd(uint64_t *s) { /* xorshift64* */
    *s ^= *s >> 12, *s ^= *s << 25, *s ^= *s >> 27;
    return (uint32_t)((*s * 2685821657736338717ull) >> 32);
}

static int get_varint(const uint8_t *p, size_t n, size_t *at, uint64_t *v) {
    uint64_t x = 0;
    for (int shift = 0; shift < 64 && *at < n; shift += 7) {
        uint8_t b = p[(*at)++];
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 1;
        }
    }
    return 0;
}

static int new_node(tree *t) {
    if (t->count >= MAX_NODES) return -1;
    memset(&t->n[t->count], 0, sizeof(node));
    t->n[t->count].child = t->n[t->count].next = -1;
    return t->count++;
}

/* Parses p[0..n) as fields; returns the first node (or -1 for none) through
 * *first; 0 when the bytes are not a well-formed message. */
static int parse(tree *t, const uint8_t *p, size_t n, int depth, int *first) {
    size_t at = 0;
    int prev = -1;
    *first = -1;
    while (at < n) {
        uint64_t tag, v = 0;
        if (!get_varint(p, n, &at, &tag)) return 0;
        uint32_t field = (uint32_t)(tag >> 3), wire = (uint32_t)(tag & 7);
        if (field == 0 || field > 1000 || tag >> 32) return 0;
        int k = new_node(t);
        if (k < 0) return 0;
        node *x = &t->n[k];
        x->field = field, x->wire = (uint8_t)wire, x->depth = (uint8_t)depth;
        if (wire == 0) {
            if (!get_varint(p, n, &at, &v)) return 0;
            x->v = v;
        } else if (wire == 1 || wire == 5) {
            size_t w = wire == 1 ? 8 : 4;
            if (n - at < w) return 0;
            for (size_t i = 0; i < w; i++) v |= (uint64_t)p[at + i] << (8 * i);
            at += w;
            x->v = v;
        } else if (wire == 2) {
            if (!get_varint(p, n, &at, &v) || v > n - at) return 0;
            x->bytes = p + at, x->len = (size_t)v;
            at += (size_t)v;
            int saved = t->count, c;
            if (depth < MAX_DEPTH && v > 0 && parse(t, x->bytes, x->len, depth + 1, &c)) {
                t->n[k].is_msg = 1, t->n[k].child = c;
            } else {
                t->count = saved; /* bytes, not a message */
            }
            x = &t->n[k];
        } else {
            return 0;
        }
        if (prev >= 0)
            t->n[prev].next = k;
        else
            *first = k;
        prev = k;
    }
    return 1;
}

static size_t varint_len(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) v >>= 7, n++;
    return n;
}

/* Bytes of the fields of the list starting at k. */
static size_t list_size(const tree *t, int k);

static size_t payload_size(const tree *t, const node *x) {
    if (x->wire == 0) return varint_len(x->v);
    if (x->wire == 1) return 8;
    if (x->wire == 5) return 4;
    size_t len = x->is_msg ? list_size(t, x->child) : x->len;
    return varint_len(len) + len;
}

static size_t list_size(const tree *t, int k) {
    size_t total = 0;
    for (; k >= 0; k = t->n[k].next)
        total +=
            varint_len((uint64_t)t->n[k].field << 3 | t->n[k].wire) + payload_size(t, &t->n[k]);
    return total;
}

static uint8_t *put_varint(uint8_t *o, uint64_t v) {
    while (v >= 0x80) *o++ = (uint8_t)(v | 0x80), v >>= 7;
    *o++ = (uint8_t)v;
    return o;
}

static uint8_t *write_list(const tree *t, int k, uint8_t *o) {
    for (; k >= 0; k = t->n[k].next) {
        const node *x = &t->n[k];
        o = put_varint(o, (uint64_t)x->field << 3 | x->wire);
        if (x->wire == 0) {
            o = put_varint(o, x->v);
        } else if (x->wire == 1 || x->wire == 5) {
            for (int i = 0; i < (x->wire == 1 ? 8 : 4); i++) *o++ = (uint8_t)(x->v >> (8 * i));
        } else if (x->is_msg) {
            o = put_varint(o, list_size(t, x->child));
            o = write_list(t, x->child, o);
        } else {
            o = put_varint(o, x->len);
            if (x->len) memcpy(o, x->bytes, x->len);
            o += x->len;
        }
    }
    return o;
}

/* Deep copy of node k (and its subtree) as a new, unlinked node; -1 if full. */
static int copy_node(tree *t, int k) {
    int c = new_node(t);
    if (c < 0) return -1;
    t->n[c] = t->n[k];
    t->n[c].next = -1, t->n[c].child = -1;
    int prev = -1;
    for (int s = t->n[k].child; s >= 0; s = t->n[s].next) {
        int d = copy_node(t, s);
        if (d < 0) return -1;
        if (prev >= 0)
            t->n[prev].next = d;
        else
            t->n[c].child = d;
        prev = d;
    }
    return c;
}

/* The live nodes (reachable from the root list) in pre-order, with parents. */
static int collect(const tree *t, int k, int parent, int *order, int *parents, int n) {
    for (; k >= 0; k = t->n[k].next) {
        order[n] = k, parents[n] = parent;
        n = collect(t, t->n[k].child, k, order, parents, n + 1);
    }
    return n;
}

static uint64_t new_varint(uint64_t v, uint64_t *s) {
    switch (rnd(s) % 10) {
    case 0: return v + 1;
    case 1: return v - 1; /* 0 - 1: the 10-byte encoding of -1 */
    case 2: return rnd(s) % 4;
    case 3: return rnd(s) % 17;
    case 4: return v * 2;
    case 5: return v / 2;
    case 6: return (uint64_t)-1 - rnd(s) % 3;
    case 7: return (uint64_t)1 << (rnd(s) % 40);
    case 8: return (uint64_t)(int64_t)(int32_t)rnd(s);
    default: return ((uint64_t)rnd(s) << 32) | rnd(s);
    }
}

/* Edits one node; returns 0 if nothing suitable was found. */
static int edit(tree *t, int *root, uint64_t *s) {
    int *order = malloc(sizeof(int) * (size_t)t->count * 2);
    if (!order) return 0;
    int *parents = order + t->count;
    int n = collect(t, *root, -1, order, parents, 0), ok = 0;
    if (n == 0) goto out;
    int what = (int)(rnd(s) % 16);
    for (int tries = 0; tries < 16 && !ok; tries++) {
        int i = (int)(rnd(s) % (uint32_t)n), k = order[i];
        node *x = &t->n[k];
        if (what < 6) { /* a varint */
            if (x->wire != 0) continue;
            x->v = new_varint(x->v, s);
            ok = 1;
        } else if (what < 9) { /* bytes from another bytes field */
            if (x->wire != 2 || x->is_msg) continue;
            int j = order[rnd(s) % (uint32_t)n];
            if (t->n[j].wire != 2 || t->n[j].is_msg || j == k) continue;
            x->bytes = t->n[j].bytes, x->len = t->n[j].len;
            ok = 1;
        } else if (what < 11) { /* duplicate */
            int c = copy_node(t, k);
            if (c < 0) break;
            x = &t->n[k];
            t->n[c].next = x->next;
            x->next = c;
            ok = 1;
        } else if (what < 12) { /* delete: unlink from the parent's list */
            int p = parents[i], *link = p >= 0 ? &t->n[p].child : root;
            while (*link != k) link = &t->n[*link].next;
            *link = x->next;
            ok = 1;
        } else if (what < 13) { /* swap with the next sibling */
            int nx = x->next;
            if (nx < 0) continue;
            node tmp = t->n[k];
            int keep_k = t->n[k].next, keep_nx = t->n[nx].next;
            t->n[k] = t->n[nx], t->n[k].next = keep_k;
            t->n[nx] = tmp, t->n[nx].next = keep_nx;
            ok = 1;
        } else if (what < 15) { /* another sub-message of the same field number */
            if (!x->is_msg) continue;
            int j = order[rnd(s) % (uint32_t)n];
            if (j == k || !t->n[j].is_msg || t->n[j].field != x->field) continue;
            int c = copy_node(t, j);
            if (c < 0) break;
            t->n[k].child = t->n[c].child;
            ok = 1;
        } else { /* one byte of a bytes field */
            if (x->wire != 2 || x->is_msg || x->len == 0 || t->pool_len + x->len > t->pool_cap)
                continue;
            uint8_t *b = t->pool + t->pool_len;
            memcpy(b, x->bytes, x->len);
            b[rnd(s) % x->len] ^= (uint8_t)(1u << (rnd(s) % 8));
            x->bytes = b;
            t->pool_len += x->len;
            ok = 1;
        }
    }
out:
    free(order);
    return ok;
}

size_t bd_pb_mutate(uint8_t *data, size_t size, size_t max_size, unsigned int seed) {
    tree t = {0};
    size_t result = 0;
    uint8_t *out = NULL;
    t.n = malloc(sizeof(node) * MAX_NODES);
    t.pool_cap = size * 2 + 64;
    t.pool = malloc(t.pool_cap);
    /* The tree points into the input, which is overwritten at the end: parse a copy. */
    uint8_t *in = malloc(size ? size : 1);
    if (!t.n || !t.pool || !in) goto out;
    memcpy(in, data, size);
    int root;
    if (size == 0 || !parse(&t, in, size, 0, &root) || root < 0) goto out;
    uint64_t s = 0x9e3779b97f4a7c15ull ^ seed;
    rnd(&s);
    int edits = 1 + (int)(rnd(&s) % 3), done = 0;
    for (int e = 0; e < edits; e++) done += edit(&t, &root, &s);
    if (!done) goto out;
    size_t n = list_size(&t, root);
    if (n == 0 || n > max_size) goto out;
    out = malloc(n);
    if (!out) goto out;
    write_list(&t, root, out);
    memcpy(data, out, n);
    result = n;
out:
    free(out);
    free(in);
    free(t.pool);
    free(t.n);
    return result;
}
