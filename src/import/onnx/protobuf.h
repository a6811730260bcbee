/*
 * protobuf.h -- a bounds-checked reader for the Protocol Buffers wire format,
 * enough to walk an ONNX ModelProto without generated code or libprotobuf.
 *
 * Wire format (protobuf.dev, "Encoding"): a message is a sequence of records,
 * each a varint tag = (field_number << 3) | wire_type followed by the payload:
 *   0 VARINT  a base-128 varint (at most 10 bytes, little-endian groups of 7 bits)
 *   1 I64     8 bytes little-endian (fixed64, sfixed64, double)
 *   2 LEN     a varint byte count, then that many bytes (string, bytes, embedded
 *             message, packed repeated scalars)
 *   3 SGROUP, 4 EGROUP  deprecated groups: ONNX never uses them; rejected
 *   5 I32     4 bytes little-endian (fixed32, sfixed32, float)
 * Fields may come in any order and may repeat; for a non-repeated field the last
 * occurrence wins. A repeated scalar field may be written element by element or
 * "packed" (one LEN record of concatenated elements), or mixed: a reader must
 * accept both, whatever the .proto says.
 *
 * Every accessor checks that what it reads lies inside the message it walks
 * (and so inside the buffer), and returns false otherwise; a varint longer than
 * 10 bytes or overflowing 64 bits, a field number of 0, a length past the end and
 * a nesting deeper than PB_MAX_DEPTH are all errors. No alignment is assumed.
 */
#ifndef BD_PROTOBUF_H
#define BD_PROTOBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_MAX_DEPTH 16 /* ModelProto > GraphProto > NodeProto > AttributeProto > ... */

enum { PB_VARINT = 0, PB_I64 = 1, PB_LEN = 2, PB_SGROUP = 3, PB_EGROUP = 4, PB_I32 = 5 };

/* A message (or any byte range) being read: [data, data + size), read position. */
typedef struct pb_msg {
    const uint8_t *data;
    size_t size;
    size_t pos;
    int depth; /* nesting level: 0 for the root message */
} pb_msg;

/* One record. For VARINT/I64/I32 `u64` holds the value (I32 zero-extended); for
 * LEN, `data`/`len` point at the payload inside the message. */
typedef struct pb_field {
    uint32_t number;
    int wire_type;
    uint64_t u64;
    const uint8_t *data;
    size_t len;
} pb_field;

/* Starts reading a root message of `size` bytes. */
void pb_init(pb_msg *m, const uint8_t *data, size_t size);

/* Reads the next record into *f. Returns true with *f filled, or false at the
 * end (*error = false) or on a malformed record (*error = true). */
bool pb_next(pb_msg *m, pb_field *f, bool *error);

/* Opens the payload of a LEN record as a nested message (depth + 1). False if
 * the field is not LEN or the nesting is too deep. */
bool pb_open(const pb_msg *parent, const pb_field *f, pb_msg *out);

/* Restarts reading a message from its first record. */
static inline void pb_rewind(pb_msg *m) { m->pos = 0; }

/* Decodes a varint at data[*pos] (bounded by size); advances *pos. */
bool pb_read_varint(const uint8_t *data, size_t size, size_t *pos, uint64_t *out);

/* Scalar views of a record, checking its wire type. */
bool pb_as_int64(const pb_field *f, int64_t *out); /* VARINT (int64/int32/enum/bool) */
bool pb_as_float(const pb_field *f, float *out);   /* I32 */
bool pb_as_double(const pb_field *f, double *out); /* I64 */

/* Repeated scalars: counts the elements one record carries, packed (LEN) or
 * not. `elem_wire` is the element's own wire type: PB_VARINT, PB_I32 or PB_I64.
 * For packed varints every element must be complete. False on a wire-type
 * mismatch or a malformed payload. */
bool pb_count_elems(const pb_field *f, int elem_wire, size_t *count);
/* Decodes all `n` elements (the count above) of such a record into dst. Varints
 * are returned as int64 (two's complement, as int64/int32/enum fields are). */
void pb_get_varints(const pb_field *f, int64_t *dst, size_t n);
void pb_get_f32s(const pb_field *f, float *dst, size_t n);
void pb_get_f64s(const pb_field *f, double *dst, size_t n);

/* Little-endian loads (no alignment assumed). */
static inline uint32_t pb_le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t pb_le64(const uint8_t *p) {
    return (uint64_t)pb_le32(p) | (uint64_t)pb_le32(p + 4) << 32;
}

#endif /* BD_PROTOBUF_H */
