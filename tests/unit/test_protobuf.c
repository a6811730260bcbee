/*
 * test_protobuf.c -- the protobuf wire-format reader and the ONNX decoder on
 * hand-built inputs.
 *
 * Reader: varints at the 64-bit limit and past it, truncated records, field
 * number 0, groups and undefined wire types, lengths past the end, packed and
 * unpacked repeated scalars, the nesting limit. Decoder: tiny ModelProtos written
 * here byte by byte (a writer of ~40 lines) check a minimal model that loads and
 * runs, packed vs unpacked dims and float_data, an initializer with external data
 * (BD_ERR_UNSUPPORTED naming the file), a symbolic input size, a missing opset
 * and an unknown op (named with its node and opset).
 */
#include <math.h>

#include "harness.h"
#include "import/onnx/onnx.h"

/* ---- a minimal protobuf writer -------------------------------------------------- */

typedef struct wbuf {
    unsigned char d[4096];
    size_t n;
} wbuf;

static void w_varint(wbuf *b, uint64_t v) {
    do {
        unsigned char c = v & 0x7f;
        v >>= 7;
        b->d[b->n++] = c | (v ? 0x80 : 0);
    } while (v);
}
static void w_tag(wbuf *b, unsigned field, int wire) { w_varint(b, (uint64_t)field << 3 | (unsigned)wire); }
static void w_int(wbuf *b, unsigned field, int64_t v) {
    w_tag(b, field, PB_VARINT);
    w_varint(b, (uint64_t)v);
}
static void w_bytes(wbuf *b, unsigned field, const void *p, size_t n) {
    w_tag(b, field, PB_LEN);
    w_varint(b, n);
    memcpy(b->d + b->n, p, n);
    b->n += n;
}
static void w_str(wbuf *b, unsigned field, const char *s) { w_bytes(b, field, s, strlen(s)); }
static void w_msg(wbuf *b, unsigned field, const wbuf *m) { w_bytes(b, field, m->d, m->n); }
static void w_float(wbuf *b, unsigned field, float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    w_tag(b, field, PB_I32);
    for (int i = 0; i < 4; i++) b->d[b->n++] = (unsigned char)(u >> (8 * i));
}

/* ValueInfoProto name, float tensor type with dims (a dim < 0 is dim_param "H"). */
static void w_value_info(wbuf *out, unsigned field, const char *name, int n, const int64_t *dims) {
    wbuf shape = {{0}, 0}, tt = {{0}, 0}, type = {{0}, 0}, vi = {{0}, 0};
    for (int i = 0; i < n; i++) {
        wbuf dim = {{0}, 0};
        if (dims[i] >= 0) w_int(&dim, 1, dims[i]);
        else w_str(&dim, 2, "H");
        w_msg(&shape, 1, &dim);
    }
    w_int(&tt, 1, ONNX_FLOAT);
    w_msg(&tt, 2, &shape);
    w_msg(&type, 1, &tt);
    w_str(&vi, 1, name);
    w_msg(&vi, 2, &type);
    w_msg(out, field, &vi);
}

/* A model y = op(x, [c]) with x [1,2,2,3]; c (if with_const) a [3] float initializer
 * written per `how`: 0 float_data unpacked, 1 packed, 2 external data. */
static size_t build_model(unsigned char *dst, const char *op, int with_const, int how,
                          int symbolic, int with_opset) {
    wbuf node = {{0}, 0}, graph = {{0}, 0}, model = {{0}, 0}, opset = {{0}, 0};
    w_str(&node, 1, "x");
    if (with_const) w_str(&node, 1, "c");
    w_str(&node, 2, "y");
    w_str(&node, 3, "the_node");
    w_str(&node, 4, op);
    w_msg(&graph, 1, &node);
    w_str(&graph, 2, "g");
    if (with_const) {
        wbuf t = {{0}, 0};
        w_int(&t, 1, 3); /* dims unpacked */
        w_int(&t, 2, ONNX_FLOAT);
        w_str(&t, 8, "c");
        if (how == 0) {
            for (int i = 0; i < 3; i++) w_float(&t, 4, (float)(i + 1));
        } else if (how == 1) {
            float v[3] = {1, 2, 3};
            w_bytes(&t, 4, v, sizeof v); /* packed float_data (little-endian host) */
        } else {
            wbuf e = {{0}, 0};
            w_str(&e, 1, "location");
            w_str(&e, 2, "weights.bin");
            w_msg(&t, 13, &e);
            w_int(&t, 14, 1);
        }
        w_msg(&graph, 5, &t);
    }
    /* symbolic 1: the channel dim is symbolic; 2: the height (C fixed, a free size) */
    int64_t dims[4] = {1, symbolic == 1 ? -1 : 2, symbolic == 2 ? -1 : 2, 3};
    w_value_info(&graph, 11, "x", 4, dims);
    dims[1] = 2;
    dims[2] = 2;
    w_value_info(&graph, 12, "y", 4, dims);
    w_int(&model, 1, 7);
    w_str(&model, 2, "hand");
    w_msg(&model, 7, &graph);
    if (with_opset) {
        w_str(&opset, 1, "");
        w_int(&opset, 2, 13);
        w_msg(&model, 8, &opset);
    }
    memcpy(dst, model.d, model.n);
    return model.n;
}

/* ---- reader ------------------------------------------------------------------------ */

static void test_varint_limits(void) {
    const uint8_t max[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    const uint8_t over[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    const uint8_t eleven[11] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    uint64_t v = 0;
    size_t pos = 0;
    CHECK(pb_read_varint(max, 10, &pos, &v) && v == UINT64_MAX && pos == 10);
    pos = 0;
    CHECK(!pb_read_varint(over, 10, &pos, &v) && pos == 0);
    pos = 0;
    CHECK(!pb_read_varint(eleven, 11, &pos, &v));
    pos = 0;
    CHECK(!pb_read_varint(max, 9, &pos, &v)); /* truncated */
    pos = 0;
    CHECK(pb_read_varint((const uint8_t *)"\x96\x01", 2, &pos, &v) && v == 150);
}

/* Reads every record of data; returns the count, or -1 on an error. */
static int walk(const uint8_t *data, size_t size) {
    pb_msg m;
    pb_field f;
    bool error;
    int n = 0;
    pb_init(&m, data, size);
    while (pb_next(&m, &f, &error)) n++;
    return error ? -1 : n;
}

static void test_records(void) {
    CHECK(walk((const uint8_t *)"\x08\x01\x12\x02hi\x1d\x00\x00\x80\x3f", 11) == 3);
    CHECK(walk((const uint8_t *)"\x00\x01", 2) == -1);         /* field number 0 */
    CHECK(walk((const uint8_t *)"\x0b\x0c", 2) == -1);         /* group start/end */
    CHECK(walk((const uint8_t *)"\x0e\x01", 2) == -1);         /* wire type 6 */
    CHECK(walk((const uint8_t *)"\x12\x05hi", 4) == -1);       /* length past the end */
    CHECK(walk((const uint8_t *)"\x1d\x00\x00", 3) == -1);     /* truncated fixed32 */
    CHECK(walk((const uint8_t *)"\x09\x00\x00\x00\x00", 5) == -1); /* truncated fixed64 */
    CHECK(walk((const uint8_t *)"\x08", 1) == -1);             /* varint missing */
    CHECK(walk(NULL, 0) == 0);
    /* A tag above 32 bits. */
    CHECK(walk((const uint8_t *)"\x80\x80\x80\x80\x80\x01\x00", 7) == -1);
}

static void test_repeated(void) {
    pb_msg m;
    pb_field f;
    bool error;
    size_t n = 0;
    int64_t v[4];
    /* packed varints 1, 300, -1 (10 bytes) */
    const uint8_t packed[] = {0x0a, 13,   0x01, 0xac, 0x02, 0xff, 0xff, 0xff, 0xff,
                              0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    pb_init(&m, packed, sizeof packed);
    CHECK(pb_next(&m, &f, &error) && pb_count_elems(&f, PB_VARINT, &n) && n == 3);
    pb_get_varints(&f, v, n);
    CHECK(v[0] == 1 && v[1] == 300 && v[2] == -1);
    /* an incomplete last element */
    const uint8_t bad[] = {0x0a, 2, 0x01, 0x80};
    pb_init(&m, bad, sizeof bad);
    CHECK(pb_next(&m, &f, &error) && !pb_count_elems(&f, PB_VARINT, &n));
    /* packed fixed32 must be a multiple of 4 bytes */
    const uint8_t f32[] = {0x22, 6, 0, 0, 0x80, 0x3f, 0, 0};
    pb_init(&m, f32, sizeof f32);
    CHECK(pb_next(&m, &f, &error) && !pb_count_elems(&f, PB_I32, &n));
    /* a wire-type mismatch: a fixed32 where varints are expected */
    const uint8_t mism[] = {0x0d, 0, 0, 0, 0};
    pb_init(&m, mism, sizeof mism);
    CHECK(pb_next(&m, &f, &error) && !pb_count_elems(&f, PB_VARINT, &n));
}

static void test_depth_limit(void) {
    /* 20 nested messages in field 1: opening beyond PB_MAX_DEPTH fails. */
    uint8_t buf[64];
    size_t n = 0;
    for (int i = 0; i < 20; i++) {
        buf[n++] = 0x0a;
        buf[n++] = (uint8_t)(2 * (20 - i - 1));
    }
    pb_msg m, sub;
    pb_field f;
    bool error;
    int depth = 0;
    pb_init(&m, buf, n);
    while (pb_next(&m, &f, &error) && pb_open(&m, &f, &sub)) {
        m = sub;
        depth++;
    }
    CHECK_MSG(depth == PB_MAX_DEPTH, "opened %d levels", depth);
}

/* ---- decoder ----------------------------------------------------------------------- */

static bd_status load(const unsigned char *d, size_t n, char *msg, bd_model **keep) {
    bd_model *m = NULL;
    bd_model_create(NULL, &m);
    bd_status st = bd_model_load_memory(m, d, n);
    snprintf(msg, BD_ERR_MSG_SIZE, "%s", bd_model_last_error(m));
    if (keep && st == BD_OK) *keep = m;
    else bd_model_free(m);
    return st;
}

static void test_minimal_models(void) {
    unsigned char d[4096];
    char msg[BD_ERR_MSG_SIZE];
    bd_model *m = NULL;
    size_t n = build_model(d, "Relu", 0, 0, 0, 1);
    CHECK(bd_onnx_probe(d, n));
    CHECK_MSG(load(d, n, msg, &m) == BD_OK, "%s", msg);
    if (m) {
        bd_session *s = NULL;
        float *x;
        const float *y;
        size_t nx, ny;
        CHECK(bd_session_create(m, NULL, &s) == BD_OK);
        CHECK(bd_session_input(s, 0, &x, &nx) == BD_OK && nx == 12);
        for (size_t i = 0; i < nx; i++) x[i] = (float)i - 6.0f;
        CHECK(bd_session_run(s) == BD_OK && bd_session_output(s, 0, &y, &ny) == BD_OK);
        CHECK(ny == 12 && y[0] == 0.0f && y[11] == 5.0f);
        bd_session_free(s);
        bd_model_free(m);
        m = NULL;
    }
    /* y = x + c with c as unpacked and as packed float_data: broadcast over C. */
    for (int how = 0; how < 2; how++) {
        n = build_model(d, "Add", 1, how, 0, 1);
        CHECK_MSG(load(d, n, msg, &m) == BD_OK, "how %d: %s", how, msg);
        if (!m) continue;
        bd_session *s = NULL;
        float *x;
        const float *y;
        size_t nx, ny;
        CHECK(bd_session_create(m, NULL, &s) == BD_OK && bd_session_input(s, 0, &x, &nx) == BD_OK);
        for (size_t i = 0; i < nx; i++) x[i] = 0.0f;
        CHECK(bd_session_run(s) == BD_OK && bd_session_output(s, 0, &y, &ny) == BD_OK);
        CHECK(y[0] == 1.0f && y[1] == 2.0f && y[2] == 3.0f && y[3] == 1.0f);
        bd_session_free(s);
        bd_model_free(m);
        m = NULL;
    }
    n = build_model(d, "Add", 1, 2, 0, 1);
    CHECK(load(d, n, msg, NULL) == BD_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(msg, "external") && strstr(msg, "weights.bin"), "%s", msg);
    n = build_model(d, "Relu", 0, 0, 1, 1);
    CHECK(load(d, n, msg, NULL) == BD_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(msg, "symbolic"), "%s", msg);
    n = build_model(d, "Relu", 0, 0, 0, 0);
    CHECK(load(d, n, msg, NULL) == BD_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(msg, "opset"), "%s", msg);
    n = build_model(d, "Softplus", 0, 0, 0, 1);
    CHECK(load(d, n, msg, NULL) == BD_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(msg, "Softplus") && strstr(msg, "the_node") && strstr(msg, "opset 13"),
              "%s", msg);
        /* A free height: refused without a size, sized by the options otherwise. */
    n = build_model(d, "Relu", 0, 0, 2, 1);
    CHECK(load(d, n, msg, NULL) == BD_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(msg, "symbolic") && strstr(msg, "input_width/input_height"), "%s", msg);
    {
        bd_model_options mo;
        bd_model_options_default(&mo);
        CHECK(mo.input_width == 0 && mo.input_height == 0);
        mo.input_width = -1;
        CHECK(bd_model_create(&mo, &m) == BD_ERR_INVALID_ARG);
        mo.input_width = BD_MAX_INPUT_SIDE + 1;
        CHECK(bd_model_create(&mo, &m) == BD_ERR_INVALID_ARG);
        /* an older caller's struct without the fields reads as 0 (no size) */
        mo.input_width = mo.input_height = 7;
        mo.struct_size = offsetof(bd_model_options, input_width);
        m = NULL;
        CHECK(bd_model_create(&mo, &m) == BD_OK);
        CHECK(m && bd_model_load_memory(m, d, n) == BD_ERR_UNSUPPORTED);
        bd_model_free(m);
        m = NULL;
        bd_model_options_default(&mo);
        mo.input_width = 9; /* W is fixed (3): only H takes a size */
        mo.input_height = 5;
        CHECK(bd_model_create(&mo, &m) == BD_OK);
        CHECK_MSG(m && bd_model_load_memory(m, d, n) == BD_OK, "%s", bd_model_last_error(m));
        bd_tensor_info ti;
        CHECK(bd_model_input_info(m, 0, &ti) == BD_OK && ti.n_dims == 4 && ti.dims[1] == 2 &&
              ti.dims[2] == 5 && ti.dims[3] == 3);
        CHECK(bd_model_input_free_dims(m, 0) == 1u << 2);
        CHECK(bd_model_input_free_dims(m, 1) == 0 && bd_model_input_free_dims(NULL, 0) == 0);
        bd_model_free(m);
        m = NULL;
    }
    /* Not a model: a text file and an empty buffer are not probed as ONNX. */
    CHECK(!bd_onnx_probe((const uint8_t *)"hello", 5));
    CHECK(!bd_onnx_probe(d, 0));
}

int main(void) {
    RUN(test_varint_limits);
    RUN(test_records);
    RUN(test_repeated);
    RUN(test_depth_limit);
    RUN(test_minimal_models);
    return harness_finish();
}
