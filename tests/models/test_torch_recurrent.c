/*
 * test_torch_recurrent.c -- the recurrent cases of the PyTorch test models
 * (the torch test-model contract: $BD_TORCH_MODELS_DIR/manifest.tsv, kind
 * "recurrent"): the session is given only the image of each frame and carries
 * the state itself. Before each run its state inputs must equal what ONNX
 * Runtime was given (the harness carried ORT's own state), and every output must
 * match ORT within 1e-4 of the output's range; after bd_session_reset_state,
 * frame 0 must match again. Skipped when the directory is not set; a model that
 * needs an op this build does not import yet is reported as a skip naming it --
 * both are failures when BD_REQUIRE_TORCH_MODELS=1 (scripts/test.sh).
 */
#define _POSIX_C_SOURCE 200809L /* strtok_r */
#include <math.h>

#include "backdrop.h"
#include "harness.h"

/* scripts/test.sh sets BD_REQUIRE_TORCH_MODELS=1: then a missing directory or a
 * model this build cannot import is a failure, not a skip. */
static int required(void) {
    const char *r = getenv("BD_REQUIRE_TORCH_MODELS");
    return r && strcmp(r, "1") == 0;
}

/* dir/name as `want` floats, or NULL (a file of the wrong size is reported). */
static float *read_ref(const char *dir, const char *name, size_t want) {
    char path[2048];
    size_t have;
    float *d = harness_read_f32(harness_path(path, sizeof path, dir, name), want, &have);
    if (!d && have != SIZE_MAX)
        fprintf(stderr, "%s: %zu bytes, want %zu\n", path, have, want * sizeof(float));
    return d;
}

/* max |a - b| relative to b's range (tolerance 1e-4 of it, floor 1e-6). */
static int matches(const float *a, const float *b, size_t n, double *err, double *tol) {
    float lo = b[0], hi = b[0];
    for (size_t i = 1; i < n; i++) lo = b[i] < lo ? b[i] : lo, hi = b[i] > hi ? b[i] : hi;
    *tol = 1e-4 * ((double)hi - lo);
    if (*tol < 1e-6) *tol = 1e-6;
    *err = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= *err)) *err = d;
    }
    return *err <= *tol;
}

static void run_case(const char *dir, const char *name, const char *file, int n_frames,
                     int n_in, int n_out) {
    char path[2048];
    bd_model *m = NULL;
    CHECK(bd_model_create(NULL, &m) == BD_OK);
    bd_status st = bd_model_load_file(m, harness_path(path, sizeof path, dir, file));
    if (st == BD_ERR_UNSUPPORTED && !required()) {
        harness_skip("%s: %s", name, bd_model_last_error(m));
        bd_model_free(m);
        return;
    }
    CHECK_MSG(st == BD_OK, "%s: %s", name, bd_model_last_error(m));
    if (st != BD_OK) {
        bd_model_free(m);
        return;
    }
    CHECK(bd_model_n_inputs(m) == n_in && bd_model_n_outputs(m) == n_out);
    bd_model_conventions c;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    char why[256] = "";
    CHECK_MSG(bd_model_conventions_infer(m, &c, why, sizeof why) == BD_OK, "%s", why);
    CHECK_MSG(c.n_state_pairs == n_in - 1 && c.image_input == 0 && c.mask_output == 0 &&
                  c.output_kind == BD_OUTPUT_ALPHA,
              "%s: %d pairs, image %d, mask %d, kind %d", name, c.n_state_pairs, c.image_input,
              c.mask_output, c.output_kind);
    bd_session *s = NULL;
    CHECK(bd_session_create(m, NULL, &s) == BD_OK);
    if (!s) {
        bd_model_free(m);
        return;
    }
    CHECK(bd_session_n_state_pairs(s) == n_in - 1);
    for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < n_frames; k++) {
            char fn[512];
            for (int i = 0; i < n_in; i++) {
                float *in = NULL;
                size_t n = 0;
                CHECK(bd_session_input(s, i, &in, &n) == BD_OK);
                snprintf(fn, sizeof fn, "%s.f%d.in%d.f32", name, k, i);
                float *ref = read_ref(dir, fn, n);
                CHECK_MSG(ref != NULL, "%s", fn);
                if (!ref) continue;
                if (i == 0) {
                    memcpy(in, ref, n * sizeof(float)); /* only the image is fed */
                } else {
                    double err, tol;
                    CHECK_MSG(matches(in, ref, n, &err, &tol),
                              "%s pass %d: carried state input %d of frame %d off by %g (tol %g)",
                              name, pass, i, k, err, tol);
                }
                free(ref);
            }
            CHECK(bd_session_run(s) == BD_OK);
            for (int j = 0; j < n_out; j++) {
                const float *out = NULL;
                size_t n = 0;
                CHECK(bd_session_output(s, j, &out, &n) == BD_OK);
                snprintf(fn, sizeof fn, "%s.f%d.out%d.f32", name, k, j);
                float *ref = read_ref(dir, fn, n);
                CHECK_MSG(ref != NULL, "%s", fn);
                if (!ref) continue;
                double err, tol;
                CHECK_MSG(matches(out, ref, n, &err, &tol),
                          "%s pass %d frame %d output %d: max diff %g > %g", name, pass, k, j,
                          err, tol);
                printf("%s pass %d frame %d output %d: max diff %.3g (tol %.3g)\n", name, pass, k,
                       j, err, tol);
                free(ref);
            }
            if (pass == 1) break; /* after the reset: frame 0 only */
        }
        CHECK(bd_session_reset_state(s) == BD_OK);
    }
    bd_session_free(s);
    bd_model_free(m);
}

static void test_torch_recurrent(void) {
    const char *dir = harness_env_dir("BD_TORCH_MODELS_DIR");
    if (!dir) {
        CHECK_MSG(!required(), "BD_REQUIRE_TORCH_MODELS=1 but BD_TORCH_MODELS_DIR is not set");
        harness_skip_data("BD_TORCH_MODELS_DIR not set");
        return;
    }
    char path[2048];
    size_t size = 0;
    char *text = (char *)harness_read_file(harness_path(path, sizeof path, dir, "manifest.tsv"),
                                           &size);
    if (!text) {
        CHECK_MSG(!required(), "BD_REQUIRE_TORCH_MODELS=1 but %s has no manifest.tsv", dir);
        harness_skip_data("no manifest.tsv in %s", dir);
        return;
    }
    int n_cases = 0;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || line[0] == '\0') continue;
        char name[256], file[256], kind[32];
        int frames = 0, n_in = 0, n_out = 0;
        if (sscanf(line, "%255[^\t]\t%255[^\t]\t%d\t%d\t%d\t%31s", name, file, &frames, &n_in,
                   &n_out, kind) != 6) {
            CHECK_MSG(0, "bad manifest line '%s'", line);
            continue;
        }
        if (strcmp(kind, "recurrent") != 0) continue;
        CHECK(frames >= 1 && frames <= 100 && n_in >= 2 && n_out >= 2);
        run_case(dir, name, file, frames, n_in, n_out);
        n_cases++;
    }
    CHECK_MSG(n_cases > 0, "no recurrent case in the manifest");
    free(text);
}

int main(void) {
    RUN(test_torch_recurrent);
    return harness_finish();
}
