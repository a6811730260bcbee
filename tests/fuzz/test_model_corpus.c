/*
 * test_model_corpus.c -- hostile TFLite files must fail cleanly, never crash.
 *
 * Each real selfie model goes through corpus_run() (corpus.h: truncations, bit
 * flips, overwrites; loaded, and a sample run). Targeted patches check specific messages: an unsupported op
 * names the op and its index; an out-of-range tensor index and an oversized
 * dimension are reported as such. Meant to run under ASan+UBSan too.
 */
#include "harness.h"
#include "import/tflite/flatbuf.h"
#include "runtime/runtime.h"

#include "fuzz/corpus.h"

static unsigned char *load_model(const char *name, size_t *size) {
    char path[1024];
    const char *dirs[2] = {harness_env_dir("BD_MODELS_DIR"), harness_env_dir("BD_SHARED_DIR")};
    for (int i = 0; i < 2; i++) {
        if (!dirs[i]) continue;
        snprintf(path, sizeof path, i == 0 ? "%s/%s" : "%s/models/%s", dirs[i], name);
        unsigned char *d = harness_read_file(path, size);
        if (d) return d;
    }
    return NULL;
}

static void corpus(const char *name) {
    size_t size;
    unsigned char *orig = load_model(name, &size);
    if (!orig) {
        harness_skip_data("%s not found (run scripts/fetch-models.sh)", name);
        return;
    }
    corpus_run(name, orig, size, 12345);
    free(orig);
}

static void test_corpus_general(void) { corpus("selfie_segmentation.tflite"); }
static void test_corpus_landscape(void) { corpus("selfie_segmentation_landscape.tflite"); }

/* Finds the table of operator_codes[index] and subgraph 0's tensor `ti` to patch. */
static bool find_tables(const unsigned char *d, size_t size, uint32_t oc_index, fb_table *oc,
                        uint32_t ti, fb_table *tensor) {
    fb_buf buf = {d, size};
    static fb_buf keep;
    keep = buf;
    fb_table model, sg;
    fb_vec codes, sgs, tensors;
    bool present;
    return fb_root(&keep, &model) && fb_vector(&model, 1, 4, &codes, &present) &&
           fb_vec_table(&codes, oc_index, oc) && fb_vector(&model, 2, 4, &sgs, &present) &&
           fb_vec_table(&sgs, 0, &sg) && fb_vector(&sg, 0, 4, &tensors, &present) &&
           fb_vec_table(&tensors, ti, tensor);
}

/* Byte position of a scalar field in a table (0 if absent). */
static size_t field_at(const fb_table *t, int id) {
    uint16_t off;
    memcpy(&off, t->buf->data + t->vtable + 4 + 2 * id, 2);
    return off ? t->pos + off : 0;
}

static void test_targeted_patches(void) {
    size_t size;
    unsigned char *d = load_model("selfie_segmentation.tflite", &size);
    if (!d) {
        harness_skip_data("model not found");
        return;
    }
    char msg[BD_ERR_MSG_SIZE];
    fb_table oc, tensor;
    /* operator_codes[2] is RELU (code 19); the first RELU is op 7. */
    CHECK(find_tables(d, size, 2, &oc, 3, &tensor));
    size_t at = field_at(&oc, 0);
    CHECK(at != 0 && d[at] == 19);
    if (at) {
        d[at] = 27; /* SVDF (> 19: the file also has builtin_code 19; max wins) */
        CHECK(try_load(d, size, 0, msg, sizeof msg) == BD_ERR_UNSUPPORTED);
        CHECK_MSG(strstr(msg, "op 7") && strstr(msg, "SVDF"), "message: %s", msg);
        d[at] = 19;
    }
    /* Tensor 3 is [1,128,128,16]: make its height huge, then zero, then negative. */
    fb_vec shape;
    bool present;
    CHECK(fb_vector(&tensor, 0, 4, &shape, &present) && shape.len == 4);
    size_t dim1 = shape.pos + 4;
    int32_t orig, v;
    memcpy(&orig, d + dim1, 4);
    CHECK(orig == 128);
    const int32_t bad[3] = {0x7fffffff, 0, -5};
    for (int i = 0; i < 3; i++) {
        v = bad[i];
        memcpy(d + dim1, &v, 4);
        bd_status st = try_load(d, size, 0, msg, sizeof msg);
        CHECK_MSG(st == BD_ERR_FORMAT || st == BD_ERR_LIMIT, "dim %d: status %d", v, st);
        CHECK_MSG(strstr(msg, "tensor") != NULL, "dim %d: message: %s", v, msg);
    }
    memcpy(d + dim1, &orig, 4);
    /* The buffer index of tensor 3 pointing far outside the buffers vector. */
    at = field_at(&tensor, 2);
    if (at) {
        uint32_t b = 0xfffffff0u, ob;
        memcpy(&ob, d + at, 4);
        memcpy(d + at, &b, 4);
        CHECK(try_load(d, size, 0, msg, sizeof msg) == BD_ERR_FORMAT);
        CHECK_MSG(strstr(msg, "buffer") != NULL, "message: %s", msg);
        memcpy(d + at, &ob, 4);
    }
    CHECK(try_load(d, size, 0, msg, sizeof msg) == BD_OK);
    free(d);
}

static void test_api_misuse(void) {
    bd_model *m = NULL;
    CHECK(bd_model_create(NULL, NULL) == BD_ERR_INVALID_ARG);
    CHECK(bd_model_load_file(NULL, "x") == BD_ERR_INVALID_ARG);
    CHECK(bd_model_create(NULL, &m) == BD_OK);
    CHECK(bd_model_load_file(m, "/nonexistent/model.tflite") == BD_ERR_IO);
    CHECK(strstr(bd_model_last_error(m), "/nonexistent/model.tflite") != NULL);
    CHECK(bd_model_load_file(m, "/nonexistent/model.tflite") == BD_ERR_BAD_STATE);
    bd_session *s = NULL;
    CHECK(bd_session_create(m, NULL, &s) == BD_ERR_BAD_STATE && s == NULL);
    CHECK(bd_model_n_inputs(m) == 0);
    bd_model_free(m);
    m = NULL;
    CHECK(bd_model_create(NULL, &m) == BD_OK);
    CHECK(bd_model_load_memory(m, "not a model at all", 18) == BD_ERR_FORMAT);
    bd_model_free(m);
    bd_model_free(NULL);
    bd_session_free(NULL);
    CHECK(strcmp(bd_status_str(BD_ERR_FORMAT), "malformed input") == 0);
}

int main(void) {
    RUN(test_api_misuse);
    RUN(test_targeted_patches);
    RUN(test_corpus_general);
    RUN(test_corpus_landscape);
    return harness_finish();
}
