/*
 * test_onnx_reference.c -- the ONNX import path against ONNX Runtime and against
 * our own TFLite import path.
 *
 * 1. For every case in ../shared/testdata/reference_onnx (ONNX Runtime 1.30 outputs
 *    of the two real tf2onnx exports on real photos), feed the reference input to
 *    our engine at every ISA level this machine runs and check
 *        max |ours - ort| <= 1e-4 * (max(ort) - min(ort))
 *    (issue 5: 1e-4 relative to the output's range). Outputs must also be
 *    bit-identical between 1 and 2 threads.
 * 2. selfie_segmentation.onnx carries the weights of selfie_segmentation.tflite:
 *    both import paths, fed the same input, must agree to 1e-4 on the probability
 *    (range [0, 1]).
 * 3. Import details: the model's input and output shapes and names, the format
 *    string, and that the NHWC->NCHW Transposes cost no op (a Transpose whose
 *    perm only relabels axes must not become a TRANSPOSE node).
 */
#include <dirent.h>
#include <math.h>

#include "harness.h"
#include "runtime/runtime.h"

static const char *shared_path(char *buf, size_t size, const char *rel) {
    const char *shared = harness_env_dir("BD_SHARED_DIR");
    struct stat sb;
    if (!shared) return NULL;
    snprintf(buf, size, "%s/%s", shared, rel);
    return stat(buf, &sb) == 0 ? buf : NULL;
}

/* Loads a model at an ISA level; NULL (with a failed check) on error. */
static bd_model *load(const char *path, bd_isa isa) {
    bd_model_options mo;
    bd_model_options_default(&mo);
    mo.isa = isa;
    bd_model *m = NULL;
    CHECK(bd_model_create(&mo, &m) == BD_OK);
    if (bd_model_load_file(m, path) != BD_OK) {
        CHECK_MSG(0, "%s: %s", path, bd_model_last_error(m));
        bd_model_free(m);
        return NULL;
    }
    return m;
}

/* Runs model m on `in` (n_in floats) with n_threads; copies output 0 into a new
 * buffer (*n_out floats). */
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
    copy = malloc(*n_out * 4);
    if (copy) memcpy(copy, y, *n_out * 4);
out:
    bd_session_free(s);
    return copy;
}

static void run_case(const char *dir, const char *case_name, bd_isa isa) {
    char mpath[1024], path[1400];
    const char *rel = strstr(case_name, "__selfie_onnx")  ? "models/onnx/selfie_segmentation.onnx"
                      : strstr(case_name, "__meet_onnx") ? "models/onnx/mediapipe.onnx"
                                                         : NULL;
    if (!rel || !shared_path(mpath, sizeof mpath, rel)) {
        harness_skip_data("%s: model not found", case_name);
        return;
    }
    bd_model *m = load(mpath, isa);
    if (!m) return;
    bd_tensor_info ii, oi;
    CHECK(bd_model_input_info(m, 0, &ii) == BD_OK && bd_model_output_info(m, 0, &oi) == BD_OK);
    size_t n_in = 1, n_ref = 1;
    for (int k = 0; k < ii.n_dims; k++) n_in *= (size_t)ii.dims[k];
    for (int k = 0; k < oi.n_dims; k++) n_ref *= (size_t)oi.dims[k];
    snprintf(path, sizeof path, "%s/%s.input.f32", dir, case_name);
    float *in = harness_read_f32(path, n_in, NULL);
    snprintf(path, sizeof path, "%s/%s.ort.f32", dir, case_name);
    float *ref = harness_read_f32(path, n_ref, NULL);
    CHECK_MSG(in && ref, "%s: input or reference missing or of the wrong size", case_name);
    size_t n1 = 0, n2 = 0;
    float *y1 = in && ref ? run(m, in, n_in, 1, &n1) : NULL;
    float *y2 = in && ref ? run(m, in, n_in, 2, &n2) : NULL;
    if (y1 && y2 && n1 == n_ref && n2 == n_ref) {
        float lo = ref[0], hi = ref[0];
        for (size_t i = 0; i < n_ref; i++) {
            lo = ref[i] < lo ? ref[i] : lo;
            hi = ref[i] > hi ? ref[i] : hi;
        }
        double max_abs = 0, range = (double)hi - lo;
        size_t differ = 0;
        for (size_t i = 0; i < n_ref; i++) {
            double d = fabs((double)y1[i] - ref[i]);
            if (!(d <= max_abs)) max_abs = d; /* NaN propagates as a failure */
            differ += memcmp(&y1[i], &y2[i], 4) != 0;
        }
        printf("%-26s isa=%-6s max abs %.3g, range %.3g, relative %.3g\n", case_name,
               bd_isa_name(m->kernels.isa), max_abs, range, max_abs / range);
        CHECK_MSG(max_abs <= 1e-4 * range, "%s: max abs %g > 1e-4 x range %g", case_name, max_abs,
                  range);
        CHECK_MSG(differ == 0, "%s: %zu outputs differ between 1 and 2 threads", case_name,
                  differ);
    } else {
        CHECK_MSG(0, "%s: run failed or output size differs", case_name);
    }
    free(y1);
    free(y2);
    free(in);
    free(ref);
    bd_model_free(m);
}

static void test_against_onnxruntime(void) {
    char dir[1024];
    if (!shared_path(dir, sizeof dir, "testdata/reference_onnx")) {
        harness_skip_data("reference_onnx not found (BD_SHARED_DIR)");
        return;
    }
    DIR *d = opendir(dir);
    if (!d) {
        harness_skip_data("%s unreadable", dir);
        return;
    }
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

/* The ONNX and TFLite files of the general selfie model agree on every
 * reference photo. */
static void test_onnx_matches_tflite(void) {
    char onnx[1024], tfl[1024], dir[1024], path[1400];
    if (!shared_path(onnx, sizeof onnx, "models/onnx/selfie_segmentation.onnx") ||
        !shared_path(tfl, sizeof tfl, "models/selfie_segmentation.tflite") ||
        !shared_path(dir, sizeof dir, "testdata/reference_onnx")) {
        harness_skip_data("selfie models or reference inputs not found");
        return;
    }
    static const char *const photos[] = {"astronaut", "basketball1", "camera"};
    bd_isa best = bd_isa_detect();
    for (int isa = BD_ISA_REF; isa <= (int)best; isa++) {
        bd_model *mo = load(onnx, (bd_isa)isa), *mt = load(tfl, (bd_isa)isa);
        for (int p = 0; mo && mt && p < 3; p++) {
            size_t n_in = 256 * 256 * 3, na = 0, nb = 0;
            snprintf(path, sizeof path, "%s/%s__selfie_onnx.input.f32", dir, photos[p]);
            float *in = harness_read_f32(path, n_in, NULL);
            CHECK_MSG(in != NULL, "%s", path);
            float *a = in ? run(mo, in, n_in, 1, &na) : NULL;
            float *b = in ? run(mt, in, n_in, 1, &nb) : NULL;
            CHECK(a && b && na == nb && na == 256 * 256);
            double max_abs = 0;
            for (size_t i = 0; a && b && i < na && na == nb; i++) {
                double d = fabs((double)a[i] - b[i]);
                if (!(d <= max_abs)) max_abs = d;
            }
            printf("%-12s isa=%-6s onnx vs tflite: max abs %.3g\n", photos[p],
                   bd_isa_name((bd_isa)isa), max_abs);
            CHECK_MSG(max_abs <= 1e-4, "%s: ONNX and TFLite paths differ by %g", photos[p],
                      max_abs);
            free(a);
            free(b);
            free(in);
        }
        bd_model_free(mo);
        bd_model_free(mt);
    }
}

static void test_import_shape(void) {
    char path[1024];
    if (!shared_path(path, sizeof path, "models/onnx/mediapipe.onnx")) {
        harness_skip_data("mediapipe.onnx not found");
        return;
    }
    bd_model *m = load(path, BD_ISA_AUTO);
    if (!m) return;
    bd_tensor_info ii, oi;
    bd_model_stats st = {.struct_size = sizeof st};
    CHECK(bd_model_input_info(m, 0, &ii) == BD_OK && bd_model_output_info(m, 0, &oi) == BD_OK);
    CHECK(strcmp(ii.name, "input_1:0") == 0 && ii.n_dims == 4 && ii.dims[1] == 144 &&
          ii.dims[2] == 256 && ii.dims[3] == 3);
    CHECK(strcmp(oi.name, "segment:0") == 0 && oi.n_dims == 4 && oi.dims[1] == 144 &&
          oi.dims[2] == 256 && oi.dims[3] == 2);
    CHECK(bd_model_get_stats(m, &st) == BD_OK && strcmp(st.format, "onnx") == 0);
    /* The 14 Transposes of the file only relabel axes: none is executed. */
    int n_transpose = 0, n_fc = 0;
    for (int i = 0; i < m->graph.n_nodes; i++) {
        n_transpose += m->graph.nodes[i].op == BD_OP_TRANSPOSE;
        n_fc += m->graph.nodes[i].op == BD_OP_FULLY_CONNECTED;
    }
    CHECK_MSG(n_transpose == 0, "%d TRANSPOSE nodes", n_transpose);
    CHECK_MSG(n_fc == 12, "%d FULLY_CONNECTED nodes (the 12 MatMuls)", n_fc);
    bd_model_free(m);
}

int main(void) {
    RUN(test_import_shape);
    RUN(test_against_onnxruntime);
    RUN(test_onnx_matches_tflite);
    return harness_finish();
}
