/*
 * protobuf.c -- the bounds-checked protobuf wire-format reader (see protobuf.h).
 */
#include <string.h>

#include "import/onnx/protobuf.h"

void pb_init(pb_msg *m, const uint8_t *data, size_t size) {
    m->data = data;
    m->size = data ? size : 0;
    m->pos = 0;
    m->depth = 0;
}

/* A varint is at most 10 bytes; the 10th may only carry bit 63 (value 0 or 1),
 * anything more overflows 64 bits and is rejected. */
bool pb_read_varint(const uint8_t *data, size_t size, size_t *pos, uint64_t *out) {
    uint64_t v = 0;
    size_t p = *pos;
    for (int i = 0; i < 10; i++) {
        if (p >= size) return false;
        uint8_t b = data[p++];
        if (i == 9 && b > 1) return false;
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *pos = p;
            *out = v;
            return true;
        }
    }
    return false;
}

bool pb_next(pb_msg *m, pb_field *f, bool *error) {
    *error = false;
    if (m->pos >= m->size) return false;
    uint64_t tag;
    size_t p = m->pos;
    *error = true;
    if (!pb_read_varint(m->data, m->size, &p, &tag)) return false;
    /* Field numbers are 1 .. 2^29 - 1; the tag is a uint32. */
    if (tag > UINT32_MAX || (tag >> 3) == 0) return false;
    memset(f, 0, sizeof *f);
    f->number = (uint32_t)(tag >> 3);
    f->wire_type = (int)(tag & 7);
    switch (f->wire_type) {
    case PB_VARINT:
        if (!pb_read_varint(m->data, m->size, &p, &f->u64)) return false;
        break;
    case PB_I64:
        if (m->size - p < 8) return false;
        f->u64 = pb_le64(m->data + p);
        f->data = m->data + p;
        f->len = 8;
        p += 8;
        break;
    case PB_I32:
        if (m->size - p < 4) return false;
        f->u64 = pb_le32(m->data + p);
        f->data = m->data + p;
        f->len = 4;
        p += 4;
        break;
    case PB_LEN: {
        uint64_t len;
        if (!pb_read_varint(m->data, m->size, &p, &len)) return false;
        if (len > (uint64_t)(m->size - p)) return false;
        f->data = m->data + p;
        f->len = (size_t)len;
        p += (size_t)len;
        break;
    }
    default: return false; /* groups (3, 4) and the undefined wire types 6, 7 */
    }
    m->pos = p;
    *error = false;
    return true;
}

bool pb_open(const pb_msg *parent, const pb_field *f, pb_msg *out) {
    if (f->wire_type != PB_LEN || parent->depth + 1 > PB_MAX_DEPTH) return false;
    out->data = f->data;
    out->size = f->len;
    out->pos = 0;
    out->depth = parent->depth + 1;
    return true;
}

bool pb_as_int64(const pb_field *f, int64_t *out) {
    if (f->wire_type != PB_VARINT) return false;
    *out = (int64_t)f->u64; /* two's complement, as protobuf encodes negative int64 */
    return true;
}

bool pb_as_float(const pb_field *f, float *out) {
    if (f->wire_type != PB_I32) return false;
    uint32_t u = (uint32_t)f->u64;
    memcpy(out, &u, 4);
    return true;
}

bool pb_as_double(const pb_field *f, double *out) {
    if (f->wire_type != PB_I64) return false;
    memcpy(out, &f->u64, 8);
    return true;
}

bool pb_count_elems(const pb_field *f, int elem_wire, size_t *count) {
    if (f->wire_type == elem_wire) { /* one unpacked element */
        *count = 1;
        return true;
    }
    if (f->wire_type != PB_LEN) return false;
    switch (elem_wire) {
    case PB_I32:
        if (f->len % 4) return false;
        *count = f->len / 4;
        return true;
    case PB_I64:
        if (f->len % 8) return false;
        *count = f->len / 8;
        return true;
    case PB_VARINT: {
        /* Every element ends at a byte without the continuation bit; the payload
         * must end with one, and each element must be a valid varint. */
        size_t n = 0, p = 0;
        uint64_t v;
        while (p < f->len) {
            if (!pb_read_varint(f->data, f->len, &p, &v)) return false;
            n++;
        }
        *count = n;
        return true;
    }
    default: return false;
    }
}

void pb_get_varints(const pb_field *f, int64_t *dst, size_t n) {
    if (f->wire_type == PB_VARINT) {
        if (n >= 1) dst[0] = (int64_t)f->u64;
        return;
    }
    size_t p = 0;
    uint64_t v;
    for (size_t i = 0; i < n && pb_read_varint(f->data, f->len, &p, &v); i++) dst[i] = (int64_t)v;
}

void pb_get_f32s(const pb_field *f, float *dst, size_t n) {
    if (f->wire_type == PB_I32) {
        if (n >= 1) pb_as_float(f, dst);
        return;
    }
    for (size_t i = 0; i < n && 4 * i + 4 <= f->len; i++) {
        uint32_t u = pb_le32(f->data + 4 * i);
        memcpy(&dst[i], &u, 4);
    }
}

void pb_get_f64s(const pb_field *f, double *dst, size_t n) {
    if (f->wire_type == PB_I64) {
        if (n >= 1) pb_as_double(f, dst);
        return;
    }
    for (size_t i = 0; i < n && 8 * i + 8 <= f->len; i++) {
        uint64_t u = pb_le64(f->data + 8 * i);
        memcpy(&dst[i], &u, 8);
    }
}
