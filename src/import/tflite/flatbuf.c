/*
 * flatbuf.c -- the bounds-checked FlatBuffers accessors (see flatbuf.h).
 */
#include <string.h>

#include "import/tflite/flatbuf.h"

/* True if [pos, pos+n) lies inside the buffer. */
static bool in_buf(const fb_buf *b, size_t pos, size_t n) {
    return pos <= b->size && n <= b->size - pos;
}

static uint32_t rd_u32(const fb_buf *b, size_t pos) {
    uint32_t v;
    memcpy(&v, b->data + pos, 4);
    return v;
}

static uint16_t rd_u16(const fb_buf *b, size_t pos) {
    uint16_t v;
    memcpy(&v, b->data + pos, 2);
    return v;
}

/* Opens the table at pos: reads its soffset and validates the vtable. */
static bool table_at(const fb_buf *b, size_t pos, fb_table *out) {
    if (!in_buf(b, pos, 4)) return false;
    int32_t soff;
    uint32_t u = rd_u32(b, pos);
    memcpy(&soff, &u, 4);
    int64_t vt = (int64_t)pos - (int64_t)soff;
    if (vt < 0 || !in_buf(b, (size_t)vt, 4)) return false;
    uint16_t vt_bytes = rd_u16(b, (size_t)vt), tbl_bytes = rd_u16(b, (size_t)vt + 2);
    if (vt_bytes < 4 || (vt_bytes & 1) || !in_buf(b, (size_t)vt, vt_bytes)) return false;
    if (tbl_bytes < 4 || !in_buf(b, pos, tbl_bytes)) return false;
    out->buf = b;
    out->pos = pos;
    out->vtable = (size_t)vt;
    out->vt_bytes = vt_bytes;
    out->tbl_bytes = tbl_bytes;
    return true;
}

bool fb_root(const fb_buf *b, fb_table *out) {
    if (!in_buf(b, 0, 8)) return false;
    return table_at(b, rd_u32(b, 0), out);
}

/* Position of field `id` holding `size` bytes, or 0 if absent. Returns false if
 * the field lies outside the table. */
static bool field_pos(const fb_table *t, int id, size_t size, size_t *pos) {
    *pos = 0;
    if (id < 0) return false;
    size_t slot = 4 + 2 * (size_t)id;
    if (slot + 2 > t->vt_bytes) return true; /* beyond the vtable: absent */
    uint16_t off = rd_u16(t->buf, t->vtable + slot);
    if (off == 0) return true;
    if (off < 4 || (size_t)off + size > t->tbl_bytes) return false;
    *pos = t->pos + off;
    return true;
}

#define SCALAR_GETTER(name, type)                                                          \
    bool name(const fb_table *t, int id, type def, type *out) {                           \
        size_t pos;                                                                        \
        if (!field_pos(t, id, sizeof(type), &pos)) return false;                           \
        if (pos == 0) {                                                                    \
            *out = def;                                                                    \
            return true;                                                                   \
        }                                                                                  \
        memcpy(out, t->buf->data + pos, sizeof(type));                                     \
        return true;                                                                       \
    }
SCALAR_GETTER(fb_u8, uint8_t)
SCALAR_GETTER(fb_i32, int32_t)
SCALAR_GETTER(fb_u32, uint32_t)
SCALAR_GETTER(fb_u64, uint64_t)
SCALAR_GETTER(fb_f32, float)

/* Follows the uoffset stored in field `id`. */
static bool deref(const fb_table *t, int id, size_t *target, bool *present) {
    size_t pos;
    *present = false;
    if (!field_pos(t, id, 4, &pos)) return false;
    if (pos == 0) return true;
    uint32_t off = rd_u32(t->buf, pos);
    if (off == 0 || !in_buf(t->buf, pos, (size_t)off)) return false;
    *target = pos + off;
    *present = true;
    return true;
}

bool fb_table_field(const fb_table *t, int id, fb_table *out, bool *present) {
    size_t target;
    if (!deref(t, id, &target, present)) return false;
    if (!*present) return true;
    return table_at(t->buf, target, out);
}

static bool vec_at(const fb_buf *b, size_t pos, size_t elem_size, fb_vec *out) {
    if (!in_buf(b, pos, 4)) return false;
    uint32_t len = rd_u32(b, pos);
    if (elem_size && (size_t)len > (b->size - pos - 4) / elem_size) return false;
    out->buf = b;
    out->pos = pos + 4;
    out->len = len;
    return true;
}

bool fb_vector(const fb_table *t, int id, size_t elem_size, fb_vec *out, bool *present) {
    size_t target;
    if (!deref(t, id, &target, present)) return false;
    if (!*present) {
        out->buf = t->buf;
        out->pos = 0;
        out->len = 0;
        return true;
    }
    return vec_at(t->buf, target, elem_size, out);
}

bool fb_string(const fb_table *t, int id, const char **s, uint32_t *len, bool *present) {
    fb_vec v;
    if (!fb_vector(t, id, 1, &v, present)) return false;
    *s = *present ? (const char *)t->buf->data + v.pos : "";
    *len = *present ? v.len : 0;
    return true;
}

bool fb_vec_table(const fb_vec *v, uint32_t i, fb_table *out) {
    if (i >= v->len) return false;
    size_t pos = v->pos + 4 * (size_t)i;
    if (!in_buf(v->buf, pos, 4)) return false;
    uint32_t off = rd_u32(v->buf, pos);
    if (!in_buf(v->buf, pos, (size_t)off)) return false;
    return table_at(v->buf, pos + off, out);
}

int32_t fb_vec_i32(const fb_vec *v, uint32_t i) {
    int32_t x;
    memcpy(&x, v->buf->data + v->pos + 4 * (size_t)i, 4);
    return x;
}

uint8_t fb_vec_u8(const fb_vec *v, uint32_t i) { return v->buf->data[v->pos + i]; }
