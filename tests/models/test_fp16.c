/*
 * test_fp16.c -- the FP16 weight-storage mode (bd_model_options.precision) on
 * the selfie models.
 *
 * For every reference case in ../shared/testdata/reference (3 photos x 2
 * models) and every level this machine runs, loads the model in FP32 and in
 * FP16 and checks
 *   - levels with F16C kernels (avx2, avx512): stats say FP16, some ops have
 *     half weights, the weight bytes are at most 60% of FP32's, and the output
 *     probability is within 1e-2 (max abs) of the reference outputs (issue 4's
 *     target); 1 and 2 threads give bit-identical outputs;
 *   - levels without (ref, scalar): the mode falls back to FP32 with a note in
 *     the stats, and the output is bit-identical to the FP32 model's.
 * Prints, per case and level, the max abs error of FP16 against the reference
 * and against our FP32 output (the figures docs/NOTES.md quotes).
 * The selfie models store their weights as float16, so FP16 storage is lossless
 * on them (the test counts the weights rounding changed and then requires FP16
 * == FP32 bit for bit); the small ONNX test models (fp32 random weights) check a
 * real rounding: within 1e-2 of ORT's output range, and different from FP32.
 * Also: precision values other than FP32/FP16 are rejected, and an options
 * struct from before the field (smaller struct_size) loads as FP32.
 */
#include <dirent.h>
#include <math.h>

#include "harness.h"
#include "runtime/runtime.h"

static double worst_ref, worst_f32; /* over all FP16 runs */

static const char *model_file(const char *kind, char *buf, size_t size) {
    const char *name = strcmp(kind, "general") == 0 ? "selfie_segmentation.tflite"
                                                    : "selfie_segmentation_landscape.tflite";
    const char *dirs[2] = {harness_env_dir("BD_SHARED_DIR"), harness_env_dir("BD_MODELS_DIR")};
    struct stat sb;
    for (int i = 0; i < 2; i++) {
        if (!dirs[i]) continue;
        snprintf(buf, size, i == 0 ? "%s/models/%s" : "%s/%s", dirs[i], name);
        if (stat(buf, &sb) == 0) return buf;
    }
    return NULL;
}

/* Weights and biases of the half-stored ops that rounding to half changed. */
static long count_changed(const bd_graph *g) {
    long n = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        if (!g->nodes[i].packed_f16) continue;
        for (int j = 1; j <= 2; j++) {
            const bd_value *v = &g->values[g->nodes[i].inputs[j]];
            const float *x = v->data;
            for (size_t k = 0; k < v->n_elems; k++)
                n += bd_f16_to_f32(bd_f32_to_f16(x[k])) != x[k];
        }
    }
    return n;
}

/* Loads `path` at `isa` and `prec`, runs `in` with n_threads; copies output 0
 * to a new buffer (*out, *n_out), the stats to *st and, if `changed` is not
 * NULL, count_changed() to it. Returns 0 on success. */
static int run_model(const char *path, bd_isa isa, bd_precision prec, int n_threads,
                     const float *in_ref, size_t n_in, float **out, size_t *n_out,
                     bd_model_stats *st, long *changed) {
    bd_model_options mo;
    bd_model_options_default(&mo);
    mo.isa = isa;
    mo.precision = prec;
    bd_model *m = NULL;
    bd_session *s = NULL;
    bd_session_options so;
    bd_session_options_default(&so);
    so.n_threads = n_threads;
    int rc = -1;
    float *in;
    size_t n;
    const float *o;
    *out = NULL;
    if (bd_model_create(&mo, &m) || bd_model_load_file(m, path)) {
        CHECK_MSG(0, "%s: %s", path, bd_model_last_error(m));
        goto done;
    }
    st->struct_size = sizeof *st;
    if (bd_model_get_stats(m, st) || bd_session_create(m, &so, &s) ||
        bd_session_input(s, 0, &in, &n) || n != n_in)
        goto done;
    memcpy(in, in_ref, n * sizeof(float));
    if (bd_session_run(s) || bd_session_output(s, 0, &o, n_out)) goto done;
    *out = malloc(*n_out * sizeof(float));
    if (!*out) goto done;
    memcpy(*out, o, *n_out * sizeof(float));
    if (changed) *changed = count_changed(&m->graph);
    rc = 0;
done:
    bd_session_free(s);
    bd_model_free(m);
    return rc;
}

static double max_abs(const float *a, const float *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= m)) m = d; /* NaN propagates as a failure */
    }
    return m;
}

static void run_case(const char *dir, const char *case_name, bd_isa isa) {
    const char *kind = strstr(case_name, "__general") ? "general" : "landscape";
    char mpath[1024], path[1400];
    if (!model_file(kind, mpath, sizeof mpath)) {
        harness_skip_data("%s: model not found", case_name);
        return;
    }
    float *in_ref = NULL, *out_ref = NULL, *o32 = NULL, *o16 = NULL, *o16t2 = NULL;
    size_t n_in, n32 = 0, n16 = 0, n16t2 = 0;
    bd_model_stats s32, s16, st2;
    /* The input size comes from the model: ask a throwaway FP32 model. */
    {
        bd_model *m = NULL;
        bd_tensor_info ti;
        if (bd_model_create(NULL, &m) || bd_model_load_file(m, mpath) ||
            bd_model_input_info(m, 0, &ti)) {
            CHECK_MSG(0, "%s: %s", mpath, bd_model_last_error(m));
            bd_model_free(m);
            return;
        }
        n_in = 1;
        for (int i = 0; i < ti.n_dims; i++) n_in *= (size_t)ti.dims[i];
        bd_model_free(m);
    }
    snprintf(path, sizeof path, "%s/%s.input.f32", dir, case_name);
    in_ref = harness_read_f32(path, n_in, NULL);
    CHECK_MSG(in_ref != NULL, "%s: missing or wrong size", path);
    if (!in_ref) goto out;
    long changed = 0;
    if (run_model(mpath, isa, BD_PRECISION_FP32, 1, in_ref, n_in, &o32, &n32, &s32, NULL) ||
        run_model(mpath, isa, BD_PRECISION_FP16, 1, in_ref, n_in, &o16, &n16, &s16, &changed)) {
        CHECK_MSG(0, "%s isa=%s: run failed", case_name, bd_isa_name(isa));
        goto out;
    }
    CHECK(n32 == n16);
    snprintf(path, sizeof path, "%s/%s.output.f32", dir, case_name);
    out_ref = harness_read_f32(path, n32, NULL);
    CHECK_MSG(out_ref != NULL, "%s: missing or wrong size", path);
    if (!out_ref || n32 != n16) goto out;
    const double e_ref = max_abs(o16, out_ref, n16), e_f32 = max_abs(o16, o32, n16);
    const double e_32ref = max_abs(o32, out_ref, n32);
    printf("%-28s isa=%-6s %s (%d ops fp16, weights %.1f -> %.1f KiB, %ld changed by "
           "rounding): output max abs vs reference %.3g (fp32: %.3g), vs fp32 %.3g\n",
           case_name, bd_isa_name(s16.isa), s16.precision == BD_PRECISION_FP16 ? "fp16" : "fp32",
           s16.n_ops_fp16, s32.weight_bytes / 1024.0, s16.weight_bytes / 1024.0, changed, e_ref,
           e_32ref, e_f32);
    CHECK(s32.precision == BD_PRECISION_FP32 && s32.n_ops_fp16 == 0 && !s32.precision_note[0]);
    if (s16.isa >= BD_ISA_AVX2) {
        if (e_ref > worst_ref) worst_ref = e_ref;
        if (e_f32 > worst_f32) worst_f32 = e_f32;
        CHECK_MSG(e_ref <= 1e-2, "%s isa=%s fp16: output max abs vs reference %g > 1e-2",
                  case_name, bd_isa_name(s16.isa), e_ref);
        /* The selfie models store their weights as float16 (fold.c), so rounding
         * them changes nothing and FP16 must equal FP32 bit for bit; a model with
         * fp32 weights is checked in test_onnx_fp32_weights. */
        if (changed == 0)
            CHECK_MSG(e_f32 == 0, "%s isa=%s: fp16 differs from fp32 (%g) with unchanged weights",
                      case_name, bd_isa_name(s16.isa), e_f32);
        CHECK(s16.precision == BD_PRECISION_FP16 && s16.n_ops_fp16 > 0);
        CHECK_MSG(s16.weight_bytes * 10 <= s32.weight_bytes * 6, "weights %zu vs fp32 %zu",
                  s16.weight_bytes, s32.weight_bytes);
        if (run_model(mpath, isa, BD_PRECISION_FP16, 2, in_ref, n_in, &o16t2, &n16t2, &st2,
                      NULL) == 0)
            CHECK_MSG(n16t2 == n16 && memcmp(o16, o16t2, n16 * sizeof(float)) == 0,
                      "%s isa=%s fp16: 1 and 2 threads differ", case_name, bd_isa_name(isa));
        else
            CHECK_MSG(0, "%s: 2-thread fp16 run failed", case_name);
    } else { /* no F16C kernels at this level: FP32 with a note */
        CHECK(s16.precision == BD_PRECISION_FP32 && s16.n_ops_fp16 == 0);
        CHECK_MSG(s16.precision_note[0] != '\0', "isa=%s: no fallback note", bd_isa_name(isa));
        CHECK_MSG(memcmp(o16, o32, n16 * sizeof(float)) == 0,
                  "%s isa=%s: fallback differs from fp32", case_name, bd_isa_name(isa));
    }
out:
    free(in_ref);
    free(out_ref);
    free(o32);
    free(o16);
    free(o16t2);
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
        /* ref is slow (~80 ms a run) and has the same fallback as scalar */
        for (int isa = BD_ISA_SCALAR; isa <= (int)best; isa++) run_case(dir, name, (bd_isa)isa);
        cases++;
    }
    closedir(d);
    CHECK_MSG(cases >= 6, "only %d reference cases found", cases);
    printf("worst fp16 output max abs: %.3g vs the references, %.3g vs fp32\n", worst_ref,
           worst_f32);
}

/* The small ONNX test models (tests/data/onnx, fp32 random weights, ONNX Runtime
 * outputs): FP16 at the best level must really round (changed > 0, output !=
 * FP32) and stay within 1e-2 of the output range of ORT's fp32 result. */
static void test_onnx_fp32_weights(void) {
    const char *src = harness_env_dir("BD_SOURCE_DIR");
    if (!src) {
        harness_skip_data("BD_SOURCE_DIR not set");
        return;
    }
    static const char *const names[] = {"conv_group_bn", "conv_same_dw", "pool_gemm",
                                        "upsample_tconv"};
    int rounded = 0;
    for (int i = 0; i < 4; i++) {
        char mpath[1400], path[1400];
        snprintf(mpath, sizeof mpath, "%s/tests/data/onnx/%s.onnx", src, names[i]);
        size_t in_bytes = 0, ref_bytes = 0, n32 = 0, n16 = 0;
        snprintf(path, sizeof path, "%s/tests/data/onnx/%s.input.f32", src, names[i]);
        float *in = (float *)harness_read_file(path, &in_bytes);
        snprintf(path, sizeof path, "%s/tests/data/onnx/%s.ort.f32", src, names[i]);
        float *ref = (float *)harness_read_file(path, &ref_bytes), *o32 = NULL, *o16 = NULL;
        bd_model_stats s32, s16;
        long changed = 0;
        CHECK_MSG(in && ref, "%s: files missing", names[i]);
        if (in && ref &&
            run_model(mpath, BD_ISA_AUTO, BD_PRECISION_FP32, 1, in, in_bytes / 4, &o32, &n32, &s32,
                      NULL) == 0 &&
            run_model(mpath, BD_ISA_AUTO, BD_PRECISION_FP16, 1, in, in_bytes / 4, &o16, &n16, &s16,
                      &changed) == 0 &&
            n16 == ref_bytes / 4 && n32 == n16) {
            float lo = ref[0], hi = ref[0];
            for (size_t k = 0; k < n16; k++) lo = fminf(lo, ref[k]), hi = fmaxf(hi, ref[k]);
            const double range = fmax((double)hi - lo, 1e-3);
            const double e_ref = max_abs(o16, ref, n16), e_f32 = max_abs(o16, o32, n16);
            printf("%-16s isa=%-6s %s (%d ops fp16, %ld weights changed by rounding): max abs "
                   "vs ORT %.3g, vs fp32 %.3g (range %.3g)\n",
                   names[i], bd_isa_name(s16.isa),
                   s16.precision == BD_PRECISION_FP16 ? "fp16" : "fp32", s16.n_ops_fp16, changed,
                   e_ref, e_f32, range);
            CHECK_MSG(e_ref <= 1e-2 * range, "%s fp16: max abs %g vs ORT, range %g", names[i],
                      e_ref, range);
            if (s16.isa >= BD_ISA_AVX2 && changed > 0) rounded += e_f32 > 0;
        } else {
            CHECK_MSG(0, "%s: run failed or output size differs", names[i]);
        }
        free(in), free(ref), free(o32), free(o16);
    }
    if (bd_isa_detect() >= BD_ISA_AVX2)
        CHECK_MSG(rounded > 0, "no ONNX test model's fp16 output differs from fp32");
}

static void test_options(void) {
    bd_model_options mo;
    bd_model_options_default(&mo);
    CHECK(mo.precision == BD_PRECISION_FP32);
    bd_model *m = NULL;
    mo.precision = (bd_precision)7;
    CHECK(bd_model_create(&mo, &m) == BD_ERR_INVALID_ARG && m == NULL);
    /* A caller compiled before the field: its struct ends before `precision`. */
    mo.precision = BD_PRECISION_FP16;
    mo.struct_size = offsetof(bd_model_options, precision);
    CHECK(bd_model_create(&mo, &m) == BD_OK && m);
    if (m) CHECK(m->opts.precision == BD_PRECISION_FP32);
    bd_model_free(m);
}

int main(void) {
    RUN(test_options);
    RUN(test_reference_cases);
    RUN(test_onnx_fp32_weights);
    return harness_finish();
}
