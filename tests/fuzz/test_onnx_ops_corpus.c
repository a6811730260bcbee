/*
 * test_onnx_ops_corpus.c -- hostile copies of the small op-coverage models of
 * tests/data/onnx (Softmax, PRelu/LeakyRelu, Pad, Split, Slice, nearest Resize,
 * the constant shape ops, grouped ConvTranspose, BN folding) must fail cleanly or
 * load and run, never crash (corpus.h: truncations, bit flips, overwrites; a
 * sample of mutants is run, so mutated pads, slice bounds and scales reach the
 * verifier and the kernels). Targeted: a Split whose num_outputs disagrees with
 * its output count is an error naming both. Meant to run under ASan+UBSan too.
 */
#include "harness.h"
#include "runtime/runtime.h"

#include "fuzz/corpus.h"

static unsigned char *load_case(const char *name, size_t *size) {
    char path[1200];
    const char *src = harness_env_dir("BD_SOURCE_DIR");
    if (!src) return NULL;
    snprintf(path, sizeof path, "%s/tests/data/onnx/%s.onnx", src, name);
    return harness_read_file(path, size);
}

static void test_corpus(void) {
    static const char *const cases[] = {"softmax13", "prelu_pad",   "pad10",
                                        "split_slice", "split18",   "resize_nearest",
                                        "shape_ops", "tconv_group", "conv_bn_fold"};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t size;
        unsigned char *d = load_case(cases[k], &size);
        if (!d) {
            harness_skip_data("%s not found (BD_SOURCE_DIR)", cases[k]);
            continue;
        }
        corpus_run(cases[k], d, size, 777 + (unsigned)k);
        free(d);
    }
}

static void test_split_count(void) {
    size_t size;
    unsigned char *d = load_case("split18", &size);
    char msg[BD_ERR_MSG_SIZE];
    if (!d) {
        harness_skip_data("split18 not found");
        return;
    }
    /* AttributeProto name "num_outputs" then i = 2 (field 3 varint: 0x18 0x02). */
    size_t at = (size_t)-1;
    for (size_t i = 0; i + 11 <= size; i++)
        if (memcmp(d + i, "num_outputs", 11) == 0) at = i + 11;
    size_t v = (size_t)-1;
    for (size_t i = at; at != (size_t)-1 && i + 1 < size && i < at + 8; i++)
        if (d[i] == 0x18 && d[i + 1] == 0x02) v = i + 1;
    CHECK(v != (size_t)-1);
    if (v != (size_t)-1) {
        d[v] = 3;
        bd_status st = try_load(d, size, 0, msg, sizeof msg);
        CHECK_MSG(st == BD_ERR_FORMAT && strstr(msg, "num_outputs 3 but 2 outputs") &&
                      strstr(msg, "Split"),
                  "status %d: %s", (int)st, msg);
        d[v] = 2;
        CHECK(try_load(d, size, 0, msg, sizeof msg) == BD_OK);
    }
    free(d);
}

int main(void) {
    RUN(test_split_count);
    RUN(test_corpus);
    return harness_finish();
}
