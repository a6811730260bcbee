/*
 * test_onnx_external.c -- ONNX initializers in an external data file (issue 5,
 * item 1), made by scripts/make_onnx_testdata.py in tests/data/onnx/external:
 *   ext.onnx + ext.weights: loads from its file and matches ONNX Runtime within
 *     1e-4 of the output range; from memory it fails, naming the external file;
 *   hostile copies (offset past the end, a length unlike the tensor's size, a
 *     missing file, "../" and absolute locations, a non-numeric offset) each fail
 *     cleanly with a message naming the problem.
 */
#include <math.h>

#include "harness.h"
#include <backdrop.h>

static void test_loads_and_matches(void) {
    const char *src = harness_env_dir("BD_SOURCE_DIR");
    char path[1200];
    if (!src) {
        harness_skip_data("BD_SOURCE_DIR not set");
        return;
    }
    size_t n_in = 0, n_ref = 0;
    snprintf(path, sizeof path, "%s/tests/data/onnx/external/ext.input.f32", src);
    float *in = (float *)harness_read_file(path, &n_in);
    snprintf(path, sizeof path, "%s/tests/data/onnx/external/ext.ort.f32", src);
    float *ref = (float *)harness_read_file(path, &n_ref);
    snprintf(path, sizeof path, "%s/tests/data/onnx/external/ext.onnx", src);
    CHECK(in && ref);
    bd_model *m = NULL;
    bd_session *s = NULL;
    CHECK(bd_model_create(NULL, &m) == BD_OK);
    bd_status st = bd_model_load_file(m, path);
    CHECK_MSG(st == BD_OK, "%s", bd_model_last_error(m));
    float *x;
    const float *y;
    size_t n;
    if (st == BD_OK && in && ref && bd_session_create(m, NULL, &s) == BD_OK &&
        bd_session_input(s, 0, &x, &n) == BD_OK && n == n_in / 4) {
        memcpy(x, in, n_in);
        CHECK(bd_session_run(s) == BD_OK);
        CHECK(bd_session_output(s, 0, &y, &n) == BD_OK && n == n_ref / 4);
        float lo = ref[0], hi = ref[0];
        double max_abs = 0;
        for (size_t i = 0; i < n_ref / 4; i++) {
            lo = fminf(lo, ref[i]);
            hi = fmaxf(hi, ref[i]);
            max_abs = fmax(max_abs, fabs((double)y[i] - ref[i]));
        }
        printf("external data: max abs %.3g (range %.3g)\n", max_abs, (double)(hi - lo));
        CHECK(max_abs <= 1e-4 * fmax(hi - lo, 1e-3));
    } else {
        CHECK_MSG(0, "session");
    }
    bd_session_free(s);
    bd_model_free(m);

    /* The same bytes from memory: there is no directory to find the weights in. */
    size_t size = 0;
    unsigned char *data = harness_read_file(path, &size);
    CHECK(data != NULL);
    CHECK(bd_model_create(NULL, &m) == BD_OK);
    st = bd_model_load_memory(m, data, size);
    CHECK_MSG(st == BD_ERR_UNSUPPORTED && strstr(bd_model_last_error(m), "ext.weights") &&
                  strstr(bd_model_last_error(m), "bd_model_load_file"),
              "status %d: %s", (int)st, bd_model_last_error(m));
    bd_model_free(m);
    free(data);
    free(in);
    free(ref);
}

static void test_hostile(void) {
    const char *src = harness_env_dir("BD_SOURCE_DIR");
    if (!src) {
        harness_skip_data("BD_SOURCE_DIR not set");
        return;
    }
    static const struct {
        const char *file, *msg;
    } cases[] = {
        {"ext_bad_offset", "lie outside"},
        {"ext_bad_length", "external data length 12"},
        {"ext_missing", "cannot open external data file 'no_such.weights'"},
        {"ext_traversal", "is not a relative path inside"},
        {"ext_absolute", "is not a relative path inside"},
        {"ext_not_number", "not a decimal number"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/tests/data/onnx/external/%s.onnx", src, cases[k].file);
        bd_model *m = NULL;
        CHECK(bd_model_create(NULL, &m) == BD_OK);
        bd_status st = bd_model_load_file(m, path);
        printf("%-15s -> %s\n", cases[k].file, bd_model_last_error(m));
        CHECK_MSG(st != BD_OK && strstr(bd_model_last_error(m), cases[k].msg),
                  "%s: status %d, '%s'", cases[k].file, (int)st, bd_model_last_error(m));
        bd_model_free(m);
    }
}

int main(void) {
    RUN(test_loads_and_matches);
    RUN(test_hostile);
    return harness_finish();
}
