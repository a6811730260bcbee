/*
 * test_model_corpus.c -- hostile model files must fail cleanly, never crash.
 *
 * From each real selfie model: every truncation length up to 64 bytes and 257
 * evenly spread ones (each must fail, or load and compute exactly what the intact
 * model does); 3000 seeded single-bit flips; 500 seeded multi-byte
 * overwrites with extreme values (0x00, 0xFF, 0x7F, 0x80). Each copy is loaded:
 * an error must come with a message; a copy that loads gets a session, and a
 * sample of them is run once (a hostile model that passes the verifier must still
 * be safe to run). Targeted patches check specific messages: an unsupported op
 * names the op and its index; an out-of-range tensor index and an oversized
 * dimension are reported as such. Meant to run under ASan+UBSan too.
 */
#include "harness.h"
#include "import/tflite/flatbuf.h"
#include "runtime/runtime.h"

static int n_loaded, n_rejected, n_ran;

/* Output 0 of the intact model on the fixed input (set by corpus()), so that a
 * truncated copy that still loads can be checked against it. */
static float *intact_out;
static size_t intact_n;
static float *last_out; /* output of the last run (owned here) */
static size_t last_n;

/* Loads a copy; returns the status and the message in msg. With run set, runs it
 * once on a constant input and keeps the output in last_out. */
static bd_status try_load(const unsigned char *data, size_t size, int run, char *msg,
                          size_t msg_size) {
    bd_model *m = NULL;
    bd_status st = bd_model_create(NULL, &m);
    CHECK(st == BD_OK);
    if (st) return st;
    st = bd_model_load_memory(m, data, size);
    snprintf(msg, msg_size, "%s", bd_model_last_error(m));
    if (st != BD_OK) {
        n_rejected++;
        CHECK_MSG(msg[0] != '\0', "status %d without a message", st);
        CHECK(st < 0);
    } else {
        n_loaded++;
        bd_session *s = NULL;
        CHECK(bd_session_create(m, NULL, &s) == BD_OK);
        if (s && run) {
            float *in;
            size_t n;
            if (bd_session_input(s, 0, &in, &n) == BD_OK) {
                for (size_t i = 0; i < n; i++) in[i] = 0.5f;
                CHECK(bd_session_run(s) == BD_OK);
                n_ran++;
                const float *out;
                free(last_out);
                last_out = NULL;
                if (bd_session_output(s, 0, &out, &last_n) == BD_OK &&
                    (last_out = malloc(last_n * sizeof(float))))
                    memcpy(last_out, out, last_n * sizeof(float));
            }
        }
        bd_session_free(s);
    }
    bd_model_free(m);
    return st;
}

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
        harness_skip("%s not found (run scripts/fetch-models.sh)", name);
        return;
    }
    char msg[BD_ERR_MSG_SIZE];
    n_loaded = n_rejected = n_ran = 0;
    CHECK_MSG(try_load(orig, size, 1, msg, sizeof msg) == BD_OK, "%s: %s", name, msg);
    free(intact_out);
    intact_out = last_out;
    intact_n = last_n;
    last_out = NULL;
    unsigned char *copy = malloc(size);
    /* Truncations: malloc'd to the exact length so ASan catches any over-read. */
    for (size_t k = 0; k <= 64 + 257; k++) {
        size_t len = k <= 64 ? k : (size - 1) * (k - 65) / 256;
        unsigned char *t = malloc(len ? len : 1);
        memcpy(t, orig, len);
        /* A FlatBuffer has no total length: a cut that removes only bytes no table
         * refers to (e.g. the tail of an unread metadata buffer, as in the PyPI
         * wheel's copies) leaves a valid model. So a truncated copy must either fail,
         * or load and compute exactly what the intact model computes. */
        bd_status st = try_load(t, len, 1, msg, sizeof msg);
        if (st == BD_OK)
            CHECK_MSG(intact_out && last_out && last_n == intact_n &&
                          memcmp(last_out, intact_out, intact_n * sizeof(float)) == 0,
                      "%s truncated to %zu bytes loads but computes something else", name, len);
        free(t);
    }
    unsigned seed = 12345;
    int run_budget = 12;
    for (int k = 0; k < 2500; k++) {
        memcpy(copy, orig, size);
        if (k < 2000) {
            size_t at = harness_rand(&seed) % size;
            copy[at] ^= (unsigned char)(1u << (harness_rand(&seed) % 8));
        } else {
            static const unsigned char vals[4] = {0x00, 0xFF, 0x7F, 0x80};
            size_t at = harness_rand(&seed) % size, len = 1 + harness_rand(&seed) % 8;
            unsigned char v = vals[harness_rand(&seed) % 4];
            for (size_t i = 0; i < len && at + i < size; i++) copy[at + i] = v;
        }
        int run = run_budget > 0 && (k % 50) == 0;
        if (try_load(copy, size, run, msg, sizeof msg) == BD_OK && run) run_budget--;
    }
    printf("%s: %d mutants loaded, %d rejected, %d run\n", name, n_loaded, n_rejected, n_ran);
    free(last_out);
    last_out = NULL;
    free(intact_out);
    intact_out = NULL;
    free(copy);
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
        harness_skip("model not found");
        return;
    }
    char msg[BD_ERR_MSG_SIZE];
    fb_table oc, tensor;
    /* operator_codes[2] is RELU (code 19); the first RELU is op 7. */
    CHECK(find_tables(d, size, 2, &oc, 3, &tensor));
    size_t at = field_at(&oc, 0);
    CHECK(at != 0 && d[at] == 19);
    if (at) {
        d[at] = 25; /* SOFTMAX */
        CHECK(try_load(d, size, 0, msg, sizeof msg) == BD_ERR_UNSUPPORTED);
        CHECK_MSG(strstr(msg, "op 7") && strstr(msg, "SOFTMAX"), "message: %s", msg);
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
