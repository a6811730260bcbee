/*
 * test_reference.c -- the engine against an independent runtime.
 *
 * For every case in ../shared/testdata/reference (the TFLite oracle's inputs,
 * outputs and pre-sigmoid logits on real photos), feeds the reference input
 * tensor to our engine and checks
 *   probability: max |ours - ref| <= 1e-3
 *   logits:      max |ours - ref| / max(|ref|, 1) <= 2e-3
 * for every ISA level this machine runs (ref, scalar, and the SIMD levels).
 * The logits are read through bd_model_options.extra_outputs: the input of the
 * model's final LOGISTIC, found by walking the imported graph.
 */
#include <dirent.h>
#include <math.h>

#include "harness.h"
#include "import/tflite/tflite.h"
#include "runtime/runtime.h"

static const char *model_file(const char *model_kind, char *buf, size_t size) {
    const char *name = strcmp(model_kind, "general") == 0 ? "selfie_segmentation.tflite"
                                                          : "selfie_segmentation_landscape.tflite";
    const char *shared = harness_env_dir("BD_SHARED_DIR");
    const char *models = harness_env_dir("BD_MODELS_DIR");
    struct stat sb;
    if (shared) {
        snprintf(buf, size, "%s/models/%s", shared, name);
        if (stat(buf, &sb) == 0) return buf;
    }
    if (models) {
        snprintf(buf, size, "%s/%s", models, name);
        if (stat(buf, &sb) == 0) return buf;
    }
    return NULL;
}

/* Name of the tensor feeding the final LOGISTIC of output 0, read from the
 * imported graph before compilation (fusion folds that LOGISTIC into the
 * transposed convolution unless the tensor is requested as an output). */
static int logits_name(const char *path, char *name, size_t size) {
    size_t len;
    unsigned char *data = harness_read_file(path, &len);
    if (!data) return -1;
    bd_model_options mo;
    bd_model_options_default(&mo);
    bd_graph g;
    bd_err err = {0};
    bd_graph_init(&g, mo.max_tensor_bytes);
    int ok = bd_tflite_import(data, len, &mo, &g, &err) == BD_OK;
    int found = -1;
    for (int i = 0; ok && i < g.n_nodes; i++)
        if (g.nodes[i].op == BD_OP_SIGMOID && g.nodes[i].output == g.outputs[0])
            found = g.nodes[i].inputs[0];
    if (found >= 0) snprintf(name, size, "%s", g.values[found].name);
    bd_graph_free(&g);
    free(data);
    return found >= 0 ? 0 : -1;
}

/* The same case on the fully fused graph (no extra outputs, so the final
 * LOGISTIC is fused into the transposed convolution), with 1 and 2 threads:
 * the two must be bit-identical. */
static void check_fused(const char *mpath, bd_isa isa, const float *in_ref, size_t n_in,
                        const float *out_ref, const char *case_name) {
    bd_model_options mo;
    bd_model_options_default(&mo);
    mo.isa = isa;
    bd_model *m = NULL;
    bd_session *s[2] = {NULL, NULL};
    const float *out[2] = {NULL, NULL};
    size_t n_out = 0;
    if (bd_model_create(&mo, &m) || bd_model_load_file(m, mpath)) {
        CHECK_MSG(0, "%s: fused model failed: %s", case_name, bd_model_last_error(m));
        goto out;
    }
    for (int t = 0; t < 2; t++) {
        bd_session_options so;
        bd_session_options_default(&so);
        so.n_threads = t + 1;
        float *in;
        size_t n;
        if (bd_session_create(m, &so, &s[t]) || bd_session_input(s[t], 0, &in, &n) || n != n_in) {
            CHECK_MSG(0, "%s: session with %d threads", case_name, t + 1);
            goto out;
        }
        memcpy(in, in_ref, n * 4);
        CHECK(bd_session_run(s[t]) == BD_OK);
        CHECK(bd_session_output(s[t], 0, &out[t], &n_out) == BD_OK);
    }
    double max_abs = 0;
    size_t differ = 0;
    for (size_t i = 0; i < n_out; i++) {
        double d = fabs((double)out[0][i] - out_ref[i]);
        if (!(d <= max_abs)) max_abs = d;
        differ += memcmp(&out[0][i], &out[1][i], sizeof(float)) != 0;
    }
    CHECK_MSG(max_abs <= 1e-3, "%s fused: output max abs diff %g", case_name, max_abs);
    CHECK_MSG(differ == 0, "%s: %zu outputs differ between 1 and 2 threads", case_name, differ);
out:
    bd_session_free(s[0]);
    bd_session_free(s[1]);
    bd_model_free(m);
}

static void run_case(const char *dir, const char *case_name, bd_isa isa) {
    const char *kind = strstr(case_name, "__general") ? "general" : "landscape";
    char mpath[1024], lname[BD_MAX_NAME], path[1400];
    if (!model_file(kind, mpath, sizeof mpath)) {
        harness_skip_data("%s: model not found", case_name);
        return;
    }
    if (logits_name(mpath, lname, sizeof lname) != 0) {
        CHECK_MSG(0, "%s: no final LOGISTIC", mpath);
        return;
    }
    const char *extra[1] = {lname};
    bd_model_options mo;
    bd_model_options_default(&mo);
    mo.isa = isa;
    mo.extra_outputs = extra;
    mo.n_extra_outputs = 1;
    bd_model *m = NULL;
    bd_session *s = NULL;
    float *in_ref = NULL, *out_ref = NULL, *log_ref = NULL;
    CHECK(bd_model_create(&mo, &m) == BD_OK);
    CHECK_MSG(bd_model_load_file(m, mpath) == BD_OK, "%s", bd_model_last_error(m));
    if (bd_model_n_outputs(m) != 2) goto out;
    CHECK(bd_session_create(m, NULL, &s) == BD_OK);
    float *in;
    size_t n_in, n_out, n_log;
    const float *out, *logits;
    CHECK(bd_session_input(s, 0, &in, &n_in) == BD_OK);
    snprintf(path, sizeof path, "%s/%s.input.f32", dir, case_name);
    in_ref = harness_read_f32(path, n_in, NULL);
    CHECK_MSG(in_ref != NULL, "%s: missing or wrong size", path);
    if (!in_ref) goto out;
    memcpy(in, in_ref, n_in * 4);
    CHECK(bd_session_run(s) == BD_OK);
    CHECK(bd_session_output(s, 0, &out, &n_out) == BD_OK);
    CHECK(bd_session_output(s, 1, &logits, &n_log) == BD_OK);
    snprintf(path, sizeof path, "%s/%s.output.f32", dir, case_name);
    out_ref = harness_read_f32(path, n_out, NULL);
    snprintf(path, sizeof path, "%s/%s.logits.f32", dir, case_name);
    log_ref = harness_read_f32(path, n_log, NULL);
    CHECK(out_ref && log_ref);
    if (!out_ref || !log_ref) goto out;
    double max_abs = 0, max_rel = 0;
    for (size_t i = 0; i < n_out; i++) {
        double d = fabs((double)out[i] - out_ref[i]);
        if (!(d <= max_abs)) max_abs = d; /* NaN propagates as a failure */
    }
    for (size_t i = 0; i < n_log; i++) {
        double r = fabs((double)logits[i] - log_ref[i]) / fmax(fabs(log_ref[i]), 1.0);
        if (!(r <= max_rel)) max_rel = r;
    }
    printf("%-28s isa=%-6s output max abs %.3g, logits max rel %.3g\n", case_name,
           bd_isa_name(m->kernels.isa), max_abs, max_rel);
    CHECK_MSG(max_abs <= 1e-3, "%s: output max abs diff %g", case_name, max_abs);
    CHECK_MSG(max_rel <= 2e-3, "%s: logits max rel diff %g", case_name, max_rel);
    check_fused(mpath, isa, in_ref, n_in, out_ref, case_name);
out:
    free(in_ref);
    free(out_ref);
    free(log_ref);
    bd_session_free(s);
    bd_model_free(m);
}

static void test_reference_cases(void) {
    char dir[1024];
    DIR *d = harness_reference_dir(dir, sizeof dir, "reference outputs");
    if (!d) return;
    int cases = 0;
    struct dirent *e;
    bd_isa best = bd_isa_detect();
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0 || !strstr(e->d_name, "__"))
            continue;
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(len - 5), e->d_name);
        for (int isa = BD_ISA_REF; isa <= (int)best; isa++) run_case(dir, name, (bd_isa)isa);
        cases++;
    }
    closedir(d);
    CHECK_MSG(cases >= 6, "only %d reference cases found", cases);
}

int main(void) {
    RUN(test_reference_cases);
    return harness_finish();
}
