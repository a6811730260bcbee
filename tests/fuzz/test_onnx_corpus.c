/*
 * test_onnx_corpus.c -- hostile ONNX files must fail cleanly, never crash.
 *
 * Each real ONNX model in ../shared/models/onnx goes through corpus_run()
 * (corpus.h: truncations, bit flips, overwrites; loaded, and a sample run).
 * Targeted patches check specific messages: an
 * unsupported op names its op_type, node name and opset; a wrong tensor size and
 * an input whose name no node defines are reported as such. Meant to run under
 * ASan+UBSan too.
 */
#include "harness.h"
#include "runtime/runtime.h"

#include "fuzz/corpus.h"

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
        harness_skip_data("%s not found (BD_SHARED_DIR)", name);
        return;
    }
    corpus_run(name, orig, size, 4242);
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
        harness_skip_data("model not found");
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
