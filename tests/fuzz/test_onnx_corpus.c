/*
 * test_onnx_corpus.c -- hostile ONNX files must fail cleanly, never crash.
 *
 * From each real ONNX model in ../shared/models/onnx: every truncation length up
 * to 64 bytes and 257 evenly spread ones (each copy malloc'd to its exact length
 * so ASan sees any over-read); 2000 seeded single-bit flips; 500 seeded
 * multi-byte overwrites with extreme values (0x00, 0xFF, 0x7F, 0x80). Each copy is
 * loaded: an error must come with a message; a copy that loads gets a session,
 * and a sample of them is run once (a hostile model that passes the verifier
 * must still be safe to run). Targeted patches check specific messages: an
 * unsupported op names its op_type, node name and opset; a wrong tensor size and
 * an input whose name no node defines are reported as such. Meant to run under
 * ASan+UBSan too.
 */
#include "harness.h"
#include "runtime/runtime.h"

static int n_loaded, n_rejected, n_ran;

/* Loads a copy; returns the status and the message in msg. */
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
            }
        }
        bd_session_free(s);
    }
    bd_model_free(m);
    return st;
}

static unsigned char *load_model(const char *name, size_t *size) {
    char path[1024];
    const char *shared = harness_env_dir("BD_SHARED_DIR");
    if (!shared) return NULL;
    snprintf(path, sizeof path, "%s/models/onnx/%s", shared, name);
    return harness_read_file(path, size);
}

static void corpus(const char *name) {
    size_t size;
    unsigned char *orig = load_model(name, &size);
    if (!orig) {
        harness_skip("%s not found (BD_SHARED_DIR)", name);
        return;
    }
    char msg[BD_ERR_MSG_SIZE];
    n_loaded = n_rejected = n_ran = 0;
    CHECK_MSG(try_load(orig, size, 1, msg, sizeof msg) == BD_OK, "%s: %s", name, msg);
    unsigned char *copy = malloc(size);
    for (size_t k = 0; k <= 64 + 257; k++) {
        size_t len = k <= 64 ? k : (size - 1) * (k - 65) / 256;
        unsigned char *t = malloc(len ? len : 1);
        memcpy(t, orig, len);
        bd_status st = try_load(t, len, 0, msg, sizeof msg);
        CHECK_MSG(st != BD_OK, "%s truncated to %zu bytes loaded", name, len);
        free(t);
    }
    unsigned seed = 4242;
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
    free(copy);
    free(orig);
}

static void test_corpus_selfie(void) { corpus("selfie_segmentation.onnx"); }
static void test_corpus_meet(void) { corpus("mediapipe.onnx"); }

/* Position of the first occurrence of pat in d, or SIZE_MAX. */
static size_t find(const unsigned char *d, size_t size, const void *pat, size_t len) {
    for (size_t i = 0; i + len <= size; i++)
        if (memcmp(d + i, pat, len) == 0) return i;
    return (size_t)-1;
}

static void test_targeted_patches(void) {
    size_t size;
    unsigned char *d = load_model("selfie_segmentation.onnx", &size);
    if (!d) {
        harness_skip("model not found");
        return;
    }
    char msg[BD_ERR_MSG_SIZE];
    /* NodeProto.op_type (field 4, LEN: tag 0x22) "Relu" of node 're_lu' -> "Relx". */
    size_t at = find(d, size, "\x22\x04Relu", 6);
    CHECK(at != (size_t)-1);
    if (at != (size_t)-1) {
        d[at + 5] = 'x';
        CHECK(try_load(d, size, 0, msg, sizeof msg) == BD_ERR_UNSUPPORTED);
        CHECK_MSG(strstr(msg, "Relx") && strstr(msg, "'re_lu'") && strstr(msg, "opset 11"),
                  "message: %s", msg);
        d[at + 5] = 'u';
    }
    /* A node input renamed to a value nobody defines: "re_lu:0" (LEN 7, field 1:
     * tag 0x0a) as consumed by the depthwise conv -> "re_lX:0". */
    at = find(d, size, "\x0a\x07re_lu:0", 9);
    CHECK(at != (size_t)-1);
    if (at != (size_t)-1) {
        d[at + 6] = 'X';
        CHECK(try_load(d, size, 0, msg, sizeof msg) == BD_ERR_FORMAT);
        CHECK_MSG(strstr(msg, "re_lX:0") && strstr(msg, "not defined"), "message: %s", msg);
        d[at + 6] = 'u';
    }
    /* An initializer whose dims no longer match its raw_data: the first dims
     * entry of the 3x3 stem filter [16,3,3,3] (field 1 varint: 0x08 0x10) -> 17. */
    at = find(d, size, "\x08\x10\x08\x03\x08\x03\x08\x03", 8);
    CHECK(at != (size_t)-1);
    if (at != (size_t)-1) {
        d[at + 1] = 17;
        bd_status st = try_load(d, size, 0, msg, sizeof msg);
        CHECK_MSG(st == BD_ERR_FORMAT && strstr(msg, "raw_data"), "status %d: %s", st, msg);
        d[at + 1] = 0x10;
    }
    CHECK(try_load(d, size, 0, msg, sizeof msg) == BD_OK);
    free(d);
}

int main(void) {
    RUN(test_targeted_patches);
    RUN(test_corpus_selfie);
    RUN(test_corpus_meet);
    return harness_finish();
}
