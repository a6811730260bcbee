/*
 * test_model_limits.c -- the caps of bd_model_options refuse a model at load
 * with BD_ERR_LIMIT and a message naming the limit, and a model within them
 * loads: file bytes, op count, tensor count, tensor bytes and the activation
 * arena (max_arena_bytes, 0 = the default), on the small fixed model of the
 * fuzz targets (tests/fuzz/data/seg_nchw.onnx: Conv 1x1 + Sigmoid on
 * [1,3,8,12]; its arena holds a few [1,1,8,12] tensors).
 */
#include "harness.h"

#include "backdrop.h"

static unsigned char *model_bytes;
static size_t model_size;

/* Loads the model with one option changed; returns the status, message in msg. */
static bd_status load_with(void (*edit)(bd_model_options *), char *msg, size_t n) {
    bd_model_options o;
    bd_model_options_default(&o);
    if (edit) edit(&o);
    bd_model *m = NULL;
    bd_status st = bd_model_create(&o, &m);
    if (st == BD_OK) st = bd_model_load_memory(m, model_bytes, model_size);
    snprintf(msg, n, "%s", m ? bd_model_last_error(m) : "");
    bd_model_free(m);
    return st;
}

static void tiny_file(bd_model_options *o) { o->max_file_bytes = 100; }
static void one_op(bd_model_options *o) { o->max_ops = 1; }
static void two_tensors(bd_model_options *o) { o->max_tensors = 2; }
static void small_tensor(bd_model_options *o) { o->max_tensor_bytes = 64; }
static void small_arena(bd_model_options *o) { o->max_arena_bytes = 256; }
static void zero_arena(bd_model_options *o) { o->max_arena_bytes = 0; }

static void test_limits(void) {
    char msg[512];
    bd_model_options o;
    bd_model_options_default(&o);
    CHECK(o.max_arena_bytes == (size_t)1 << 30);
    CHECK_MSG(load_with(NULL, msg, sizeof msg) == BD_OK, "default limits: %s", msg);
    CHECK_MSG(load_with(zero_arena, msg, sizeof msg) == BD_OK, "arena 0 = default: %s", msg);
    CHECK(load_with(tiny_file, msg, sizeof msg) == BD_ERR_LIMIT);
    CHECK_MSG(strstr(msg, "limit") && strstr(msg, "100"), "file: %s", msg);
    CHECK(load_with(one_op, msg, sizeof msg) == BD_ERR_LIMIT);
    CHECK_MSG(strstr(msg, "2 nodes") != NULL, "ops: %s", msg);
    CHECK(load_with(two_tensors, msg, sizeof msg) == BD_ERR_LIMIT);
    CHECK_MSG(strstr(msg, "limits") != NULL, "tensors: %s", msg);
    CHECK(load_with(small_tensor, msg, sizeof msg) == BD_ERR_LIMIT);
    CHECK_MSG(strstr(msg, "64 bytes") != NULL, "tensor bytes: %s", msg);
    CHECK(load_with(small_arena, msg, sizeof msg) == BD_ERR_LIMIT);
    CHECK_MSG(strstr(msg, "max_arena_bytes") && strstr(msg, "256"), "arena: %s", msg);
}

int main(void) {
    const char *src = getenv("BD_SOURCE_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fuzz/data/seg_nchw.onnx", src ? src : ".");
    model_bytes = harness_read_file(path, &model_size);
    if (!model_bytes) {
        harness_skip_data("%s not found (BD_SOURCE_DIR)", path);
        return harness_finish();
    }
    RUN(test_limits);
    free(model_bytes);
    return harness_finish();
}
