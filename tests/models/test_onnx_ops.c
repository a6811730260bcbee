/*
 * test_onnx_ops.c -- op coverage of the ONNX importer on small generated models.
 *
 * tests/data/onnx holds tiny graphs made by scripts/make_onnx_testdata.py with
 * seeded random weights, and ONNX Runtime's output for a seeded random input
 * (see the script for what each case exercises: grouped/depthwise convolutions,
 * auto_pad, dilations, BatchNormalization, padded pools, Resize coordinate modes,
 * Upsample, ConvTranspose with output_padding, Gemm, Flatten, shape arithmetic,
 * NCHW inputs, float_data/int64_data initializers, initializers listed as inputs;
 * Softmax in both opset semantics, LeakyRelu/PRelu, Pad, Split, Slice of computed
 * tensors, nearest Resize/Upsample, Sub/Div of computed tensors, the constant shape
 * ops, grouped ConvTranspose, BatchNormalization folded into convolutions).
 * Each must load and match at every ISA level within
 *     max |ours - ort| <= 1e-4 * max(range of ort, 1e-3)
 * and give bit-identical outputs with 1 and 3 threads.
 */
#include <math.h>

#include "harness.h"
#include "runtime/runtime.h"

static float *run(const bd_model *m, const float *in, size_t n_in, int n_threads, size_t *n_out) {
    bd_session_options so;
    bd_session_options_default(&so);
    so.n_threads = n_threads;
    bd_session *s = NULL;
    float *x, *copy = NULL;
    const float *y;
    size_t n;
    if (bd_session_create(m, &so, &s) || bd_session_input(s, 0, &x, &n) || n != n_in) {
        CHECK_MSG(0, "session or input size (%zu vs %zu)", n, n_in);
        goto out;
    }
    memcpy(x, in, n * 4);
    CHECK(bd_session_run(s) == BD_OK);
    CHECK(bd_session_output(s, 0, &y, n_out) == BD_OK);
    copy = malloc(*n_out * 4 + 4);
    if (copy) memcpy(copy, y, *n_out * 4);
out:
    bd_session_free(s);
    return copy;
}

static void run_case(const char *dir, const char *name) {
    char path[1400];
    size_t model_size = 0, in_bytes = 0, ref_bytes = 0;
    snprintf(path, sizeof path, "%s/%s.onnx", dir, name);
    unsigned char *model = harness_read_file(path, &model_size);
    snprintf(path, sizeof path, "%s/%s.input.f32", dir, name);
    float *in = (float *)harness_read_file(path, &in_bytes);
    snprintf(path, sizeof path, "%s/%s.ort.f32", dir, name);
    float *ref = (float *)harness_read_file(path, &ref_bytes);
    CHECK_MSG(model && in && ref, "%s: files missing", name);
    bd_isa best = bd_isa_detect();
    for (int isa = BD_ISA_REF; model && in && ref && isa <= (int)best; isa++) {
        bd_model_options mo;
        bd_model_options_default(&mo);
        mo.isa = (bd_isa)isa;
        bd_model *m = NULL;
        CHECK(bd_model_create(&mo, &m) == BD_OK);
        if (bd_model_load_memory(m, model, model_size) != BD_OK) {
            CHECK_MSG(0, "%s: %s", name, bd_model_last_error(m));
            bd_model_free(m);
            break;
        }
        size_t n1 = 0, n3 = 0, n_ref = ref_bytes / 4;
        float *y1 = run(m, in, in_bytes / 4, 1, &n1), *y3 = run(m, in, in_bytes / 4, 3, &n3);
        CHECK_MSG(y1 && y3 && n1 == n_ref && n3 == n_ref, "%s: output has %zu values, ORT %zu",
                  name, n1, n_ref);
        if (y1 && y3 && n1 == n_ref && n3 == n_ref) {
            float lo = ref[0], hi = ref[0];
            double max_abs = 0;
            size_t differ = 0;
            for (size_t i = 0; i < n_ref; i++) {
                lo = ref[i] < lo ? ref[i] : lo;
                hi = ref[i] > hi ? ref[i] : hi;
                double d = fabs((double)y1[i] - ref[i]);
                if (!(d <= max_abs)) max_abs = d;
                differ += memcmp(&y1[i], &y3[i], 4) != 0;
            }
            double range = fmax((double)hi - lo, 1e-3);
            printf("%-16s isa=%-6s max abs %.3g (range %.3g)\n", name,
                   bd_isa_name(m->kernels.isa), max_abs, range);
            CHECK_MSG(max_abs <= 1e-4 * range, "%s: max abs %g, range %g", name, max_abs, range);
            CHECK_MSG(differ == 0, "%s: %zu values differ between 1 and 3 threads", name, differ);
        }
        free(y1);
        free(y3);
        bd_model_free(m);
    }
    free(model);
    free(in);
    free(ref);
}

static void test_generated_models(void) {
    const char *src = harness_env_dir("BD_SOURCE_DIR");
    char dir[1024];
    if (!src) {
        harness_skip_data("BD_SOURCE_DIR not set");
        return;
    }
    snprintf(dir, sizeof dir, "%s/tests/data/onnx", src);
    static const char *const cases[] = {
        "conv_group_bn", "conv_same_dw",   "pool_gemm",      "resize_modes",
        "upsample_tconv", "nhwc_matmul",   "softmax13",      "softmax11",
        "prelu_pad",     "pad10",          "split_slice",    "split11",
        "split18",       "resize_nearest", "upsample9_nearest", "upsample7_nearest",
        "shape_ops",     "tconv_group",    "conv_bn_fold"};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) run_case(dir, cases[k]);
}

int main(void) {
    RUN(test_generated_models);
    return harness_finish();
}
