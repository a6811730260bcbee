/*
 * test_tflite_ops_corpus.c -- hostile copies of the small op-coverage models of
 * tests/data/tflite-ops (FULLY_CONNECTED, PAD/PADV2/MIRROR_PAD, TRANSPOSE,
 * TRANSPOSE_CONV, SOFTMAX, MEAN, STRIDED_SLICE, DEPTH_TO_SPACE, sparse constants
 * through DENSIFY, ...) must fail cleanly or load and run, never crash (corpus.h:
 * truncations, bit flips, overwrites; a sample of mutants is run). Targeted: the
 * bad_*.tflite files of scripts/make_tflite_testdata.py, each malformed in one
 * field, must fail to load with a message naming what is wrong. Meant to run
 * under ASan+UBSan too.
 */
#include "harness.h"
#include "runtime/runtime.h"

#include "fuzz/corpus.h"

static unsigned char *load_case(const char *name, size_t *size) {
    char path[1200];
    const char *src = harness_env_dir("BD_SOURCE_DIR");
    if (!src) return NULL;
    snprintf(path, sizeof path, "%s/tests/data/tflite-ops/%s.tflite", src, name);
    return harness_read_file(path, size);
}

static void test_corpus(void) {
    static const char *const cases[] = {"fc",   "pad",  "reshape_transpose", "softmax",
                                        "mean", "tconv", "prelu",            "slice_d2s",
                                        "sparse", "segnet_logits"};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t size;
        unsigned char *d = load_case(cases[k], &size);
        if (!d) {
            harness_skip("%s not found (BD_SOURCE_DIR)", cases[k]);
            continue;
        }
        corpus_run(cases[k], d, size, 4242 + (unsigned)k);
        free(d);
    }
}

static void test_bad_models(void) {
    static const struct {
        const char *name, *want;
    } cases[] = {
        {"bad_pad_negative", "(PAD): negative padding 1/-1 on axis 1"},
        {"bad_pad_rank", "'pads') must be a constant int32 or int64 tensor of 8 elements"},
        {"bad_tconv_shape", "output_shape [1,6,6,2] differs from output tensor 'out'"},
        {"bad_transpose_perm", "perm is not a permutation"},
        {"bad_concat_act", "(CONCATENATION): fused activation 1"},
        {"bad_concat_axis", "(CONCATENATION): axis 4 of a 4-D input"},
        {"bad_fc_rows", "(7 values) does not split into rows of 4"},
        {"bad_mean_axes", "(MEAN): input 1"},
        {"bad_slice_ellipsis", "(STRIDED_SLICE): ellipsis_mask 1"},
        {"bad_slice_stride0", "(STRIDED_SLICE): stride 0 on axis 1"},
        {"bad_d2s_block", "(DEPTH_TO_SPACE): block 3"},
        {"bad_sparse_index", "sparse tensor 1 'w_sparse': level 3 index 0 is outside dimension 4"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t size;
        char msg[BD_ERR_MSG_SIZE];
        unsigned char *d = load_case(cases[k].name, &size);
        if (!d) {
            harness_skip("%s not found (BD_SOURCE_DIR)", cases[k].name);
            continue;
        }
        bd_status st = try_load(d, size, 0, msg, sizeof msg);
        CHECK_MSG(st != BD_OK && strstr(msg, cases[k].want), "%s: status %d: %s (want '%s')",
                  cases[k].name, (int)st, msg, cases[k].want);
        free(d);
    }
}

int main(void) {
    RUN(test_corpus);
    RUN(test_bad_models);
    return harness_finish();
}
