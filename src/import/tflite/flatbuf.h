/*
 * flatbuf.h -- a bounds-checked reader for the FlatBuffers binary format, enough
 * to walk a TFLite model without generated code.
 *
 * Wire format (flatbuffers.dev, "Internals"): all integers little-endian; a
 * uoffset is a u32 added to its own position; a table starts with an i32 soffset
 * (vtable position = table position - soffset); a vtable is u16 vtable_bytes,
 * u16 table_bytes, then one u16 per field id giving the field's offset inside the
 * table (0 = absent, use the default). A vector is a u32 count followed by the
 * elements; a string is a vector of bytes followed by a NUL. A union field id N
 * has its type byte at id N-1.
 *
 * Every accessor checks that what it reads lies inside the buffer (and, for table
 * fields, inside the table's declared size), and returns false otherwise. No
 * alignment is assumed: values are read with memcpy.
 */
#ifndef BD_FLATBUF_H
#define BD_FLATBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fb_buf {
    const uint8_t *data;
    size_t size;
} fb_buf;

typedef struct fb_table {
    const fb_buf *buf;
    size_t pos;          /* table start */
    size_t vtable;       /* vtable start */
    uint16_t vt_bytes;   /* vtable size in bytes */
    uint16_t tbl_bytes;  /* table inline size in bytes */
} fb_table;

typedef struct fb_vec {
    const fb_buf *buf;
    size_t pos;   /* first element */
    uint32_t len; /* element count */
} fb_vec;

/* Opens the root table (uoffset at 0). */
bool fb_root(const fb_buf *buf, fb_table *out);

/* Scalar fields: *out = the field or `def` when absent. False if out of bounds. */
bool fb_u8(const fb_table *t, int id, uint8_t def, uint8_t *out);
bool fb_i32(const fb_table *t, int id, int32_t def, int32_t *out);
bool fb_u32(const fb_table *t, int id, uint32_t def, uint32_t *out);
bool fb_u64(const fb_table *t, int id, uint64_t def, uint64_t *out);
bool fb_f32(const fb_table *t, int id, float def, float *out);

/* Reference fields. *present is false (and the call succeeds) when the field is
 * absent. fb_vector checks that len * elem_size bytes follow the count. */
bool fb_table_field(const fb_table *t, int id, fb_table *out, bool *present);
bool fb_vector(const fb_table *t, int id, size_t elem_size, fb_vec *out, bool *present);
/* A string: *s points into the buffer (not NUL-checked beyond len), *len bytes. */
bool fb_string(const fb_table *t, int id, const char **s, uint32_t *len, bool *present);

/* Element access; the vector was bounds-checked for its element size already,
 * except fb_vec_table which must follow and check the element's offset. */
bool fb_vec_table(const fb_vec *v, uint32_t i, fb_table *out);
int32_t fb_vec_i32(const fb_vec *v, uint32_t i);
uint8_t fb_vec_u8(const fb_vec *v, uint32_t i);

#endif /* BD_FLATBUF_H */
