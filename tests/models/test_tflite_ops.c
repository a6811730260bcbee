/*
 * test_tflite_ops.c -- op coverage of the TFLite importer on small generated models.
 *
 * tests/data/tflite-ops holds tiny float32 models written by
 * scripts/make_tflite_testdata.py (flatbuffers + the `tflite` schema package,
 * seeded random weights) and LiteRT's output for a seeded random input: see the
 * script for what each case exercises (FULLY_CONNECTED with and without
 * keep_num_dims and bias, RELU6, HARD_SWISH, CONCATENATION, PAD / PADV2 /
 * MIRROR_PAD, MAX_POOL_2D, AVERAGE_POOL_2D, RESHAPE, SQUEEZE, EXPAND_DIMS,
 * TRANSPOSE, SOFTMAX with beta, MEAN with and without keep_dims, the builtin
 * TRANSPOSE_CONV in SAME and VALID, PRELU, LEAKY_RELU, SUB, STRIDED_SLICE,
 * DEPTH_TO_SPACE, sparse constants through DENSIFY, and two small two-class
 * segmentation nets). Each must load and match at every ISA level within
 *     max |ours - litert| <= 1e-5 * max(range of litert, 1e-3)
 * and give bit-identical outputs with 1 and 3 threads. The two-class nets also go
 * through the pipeline: the conventions must call the conv-ended one logits and the
 * softmax-ended one probabilities, and bd_pipeline_mask on the input image (the
 * model's own size, so no resampling) must give round(255 * p(person)) within 2
 * levels, p from LiteRT's output (softmax of the logits, or the probability as is).
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

typedef struct fixture {
    unsigned char *model;
    float *in, *ref;
    size_t model_size, n_in, n_ref;
} fixture;

static bool load_fixture(const char *dir, const char *name, fixture *f) {
    char path[1400];
    size_t in_bytes = 0, ref_bytes = 0;
    memset(f, 0, sizeof *f);
    snprintf(path, sizeof path, "%s/%s.tflite", dir, name);
    f->model = harness_read_file(path, &f->model_size);
    snprintf(path, sizeof path, "%s/%s.input.f32", dir, name);
    f->in = (float *)harness_read_file(path, &in_bytes);
    snprintf(path, sizeof path, "%s/%s.litert.f32", dir, name);
    f->ref = (float *)harness_read_file(path, &ref_bytes);
    f->n_in = in_bytes / 4;
    f->n_ref = ref_bytes / 4;
    CHECK_MSG(f->model && f->in && f->ref, "%s: files missing", name);
    return f->model && f->in && f->ref;
}

static void free_fixture(fixture *f) {
    free(f->model);
    free(f->in);
    free(f->ref);
}

static void run_case(const char *dir, const char *name) {
    fixture f;
    if (!load_fixture(dir, name, &f)) {
        free_fixture(&f);
        return;
    }
    bd_isa best = bd_isa_detect();
    for (int isa = BD_ISA_REF; isa <= (int)best; isa++) {
        bd_model_options mo;
        bd_model_options_default(&mo);
        mo.isa = (bd_isa)isa;
        bd_model *m = NULL;
        CHECK(bd_model_create(&mo, &m) == BD_OK);
        if (bd_model_load_memory(m, f.model, f.model_size) != BD_OK) {
            CHECK_MSG(0, "%s: %s", name, bd_model_last_error(m));
            bd_model_free(m);
            break;
        }
        size_t n1 = 0, n3 = 0;
        float *y1 = run(m, f.in, f.n_in, 1, &n1), *y3 = run(m, f.in, f.n_in, 3, &n3);
        CHECK_MSG(y1 && y3 && n1 == f.n_ref && n3 == f.n_ref,
                  "%s: output has %zu values, LiteRT %zu", name, n1, f.n_ref);
        if (y1 && y3 && n1 == f.n_ref && n3 == f.n_ref) {
            float lo = f.ref[0], hi = f.ref[0];
            double max_abs = 0;
            size_t differ = 0;
            for (size_t i = 0; i < f.n_ref; i++) {
                lo = f.ref[i] < lo ? f.ref[i] : lo;
                hi = f.ref[i] > hi ? f.ref[i] : hi;
                double d = fabs((double)y1[i] - f.ref[i]);
                if (!(d <= max_abs)) max_abs = d;
                differ += memcmp(&y1[i], &y3[i], 4) != 0;
            }
            double range = fmax((double)hi - lo, 1e-3);
            printf("%-18s isa=%-6s max abs %.3g (range %.3g, rel %.2g)\n", name,
                   bd_isa_name(m->kernels.isa), max_abs, range, max_abs / range);
            CHECK_MSG(max_abs <= 1e-5 * range, "%s: max abs %g, range %g", name, max_abs, range);
            CHECK_MSG(differ == 0, "%s: %zu values differ between 1 and 3 threads", name, differ);
        }
        free(y1);
        free(y3);
        bd_model_free(m);
    }
    free_fixture(&f);
}

/* A two-class [1,32,32,2] net through the conventions and bd_pipeline_mask. */
static void pipeline_case(const char *dir, const char *name, bd_output_kind kind) {
    fixture f;
    bd_model *m = NULL;
    bd_pipeline *p = NULL;
    bd_image_buf *frame = NULL, *alpha = NULL;
    const int w = 32, h = 32;
    if (!load_fixture(dir, name, &f)) goto out;
    CHECK(f.n_in == (size_t)w * h * 3 && f.n_ref == (size_t)w * h * 2);
    if (f.n_in != (size_t)w * h * 3 || f.n_ref != (size_t)w * h * 2) goto out;
    CHECK(bd_model_create(NULL, &m) == BD_OK);
    if (!m || bd_model_load_memory(m, f.model, f.model_size) != BD_OK) {
        CHECK_MSG(0, "%s: %s", name, m ? bd_model_last_error(m) : "no model");
        goto out;
    }
    bd_model_conventions c;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    char err[256] = "";
    CHECK_MSG(bd_model_conventions_infer(m, &c, err, sizeof err) == BD_OK, "%s: %s", name, err);
    CHECK_MSG(c.output_kind == kind && c.n_classes == 2,
              "%s: output kind %d (want %d), %d classes", name, (int)c.output_kind, (int)kind,
              c.n_classes);
    bd_pipeline_options po;
    bd_pipeline_options_default(&po);
    po.error_buf = err;
    po.error_buf_size = sizeof err;
    if (bd_pipeline_create(m, &po, &p) != BD_OK) {
        CHECK_MSG(0, "%s: %s", name, err);
        goto out;
    }
    if (bd_image_alloc(w, h, BD_PIXEL_RGB24, &frame) != BD_OK ||
        bd_image_alloc(w, h, BD_PIXEL_GRAY8, &alpha) != BD_OK) {
        CHECK_MSG(0, "out of memory");
        goto out;
    }
    const bd_image *fi = bd_image_view(frame), *a = bd_image_view(alpha);
    for (int y = 0; y < h; y++) /* the input is u8 / 255 */
        for (int x = 0; x < w * 3; x++)
            fi->data[(size_t)y * fi->stride_bytes + (size_t)x] =
                (uint8_t)lrintf(f.in[(size_t)y * w * 3 + (size_t)x] * 255.0f);
    if (bd_pipeline_mask(p, fi, a) != BD_OK) {
        CHECK_MSG(0, "%s", bd_pipeline_last_error(p));
        goto out;
    }
    int worst = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const float *s = f.ref + ((size_t)y * w + (size_t)x) * 2;
            double prob = kind == BD_OUTPUT_LOGITS ? 1.0 / (1.0 + exp((double)s[0] - s[1])) : s[1];
            int want = (int)floor(prob * 255.0 + 0.5);
            int d = abs((int)a->data[(size_t)y * a->stride_bytes + (size_t)x] - want);
            if (d > worst) worst = d;
        }
    printf("%-18s pipeline alpha vs 255 * p(person): worst %d levels\n", name, worst);
    CHECK_MSG(worst <= 2, "%s: alpha differs from LiteRT's p(person) by %d levels", name, worst);
out:
    bd_image_free(alpha);
    bd_image_free(frame);
    bd_pipeline_free(p);
    bd_model_free(m);
    free_fixture(&f);
}

static const char *data_dir(char *dir, size_t size) {
    const char *src = harness_env_dir("BD_SOURCE_DIR");
    if (!src) return NULL;
    snprintf(dir, size, "%s/tests/data/tflite-ops", src);
    return dir;
}

static void test_generated_models(void) {
    char dir[1024];
    if (!data_dir(dir, sizeof dir)) {
        harness_skip("BD_SOURCE_DIR not set");
        return;
    }
    static const char *const cases[] = {
        "fc",   "relu6_hswish", "concat", "pad",  "pool",          "reshape_transpose",
        "softmax", "mean",      "tconv",  "prelu", "segnet_logits", "segnet_softmax",
        "slice_d2s", "sparse"};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) run_case(dir, cases[k]);
}

static void test_two_class_pipeline(void) {
    char dir[1024];
    if (!data_dir(dir, sizeof dir)) {
        harness_skip("BD_SOURCE_DIR not set");
        return;
    }
    pipeline_case(dir, "segnet_logits", BD_OUTPUT_LOGITS);
    pipeline_case(dir, "segnet_softmax", BD_OUTPUT_PROB);
}

int main(void) {
    RUN(test_generated_models);
    RUN(test_two_class_pipeline);
    return harness_finish();
}
