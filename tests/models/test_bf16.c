/*
 * test_bf16.c -- the BF16 mode (bd_model_options.precision BD_PRECISION_BF16:
 * dense convolutions with bf16 weights and activations) against FP32 on real
 * photos, with issue 14's accuracy budget:
 *   mean |alpha_bf16 - alpha_fp32| <= 1/255 and IoU(alpha > 0.5) >= 0.99.
 * Cases: the selfie models on the reference photos of ../shared/testdata/reference
 * (*.input.f32); MODNet on the 512x288 photo of models/matting-refs; RVM on the
 * 10 frames of rvm_256x144_r1 played forward and back for 30 frames with its
 * recurrent state carried (the error of the last 5 frames must stay in budget
 * too: it must not grow with the state). 1 and 2 threads must agree bit for bit
 * (the conversion step split across threads). Prints every figure.
 * Also: stats say BF16 with ops counted; a kernel level capped to avx2 falls
 * back to FP32 with a note. Skipped (77) without AVX512_BF16 or the models.
 */
#include <dirent.h>
#include <math.h>

#include "harness.h"
#include "precision_check.h"

/* One image through fp32 and bf16 (1 and 2 threads). */
static void one_image(const char *what, const char *model, const float *x, size_t n, int w,
                      int h, const char *out_name) {
    runner f, b, b2;
    if (open_runner(&f, model, BD_PRECISION_FP32, BD_ISA_AUTO, 1, w, h, 0) ||
        open_runner(&b, model, BD_PRECISION_BF16, BD_ISA_AUTO, 1, w, h, 0) ||
        open_runner(&b2, model, BD_PRECISION_BF16, BD_ISA_AUTO, 2, w, h, 0))
        return;
    CHECK(b.st.precision == BD_PRECISION_BF16 && b.st.n_ops_bf16 > 0 &&
          f.st.precision == BD_PRECISION_FP32 && f.st.n_ops_bf16 == 0);
    const int k = out_name ? output_index(f.m, out_name) : 0;
    size_t n0 = 0, n1 = 0, n2 = 0;
    const float *y0 = run(&f, x, n, k, &n0), *y1 = run(&b, x, n, k, &n1);
    const float *y2 = run(&b2, x, n, k, &n2);
    CHECK_MSG(y0 && y1 && y2 && n0 == n1 && n1 == n2, "%s: run failed", what);
    if (y0 && y1 && y2 && n0 == n1 && n1 == n2) {
        double mean, iou;
        compare(y0, y1, n0, &mean, &iou);
        check_budget(what, mean, iou);
        CHECK_MSG(memcmp(y1, y2, n1 * sizeof(float)) == 0, "%s: 1 and 2 threads differ", what);
    }
    close_runner(&f), close_runner(&b), close_runner(&b2);
}

static void test_selfie(const char *models) {
    char dir[1024], path[2048], mpath[2048];
    DIR *d = harness_reference_dir(dir, sizeof dir, "photos");
    if (!d) return;
    struct dirent *e;
    int cases = 0;
    while ((e = readdir(d))) {
        const char *suf = ".input.f32", *nm = e->d_name;
        size_t len = strlen(nm), ls = strlen(suf);
        if (len <= ls || strcmp(nm + len - ls, suf) != 0) continue;
        const char *file = strstr(nm, "__general") ? "selfie_segmentation.tflite"
                                                   : "selfie_segmentation_landscape.tflite";
        harness_path(mpath, sizeof mpath, models, file);
        struct stat sb;
        if (stat(mpath, &sb) != 0) {
            harness_skip_data("%s missing", mpath);
            continue;
        }
        bd_model *m = NULL;
        bd_tensor_info ti;
        size_t n = 0;
        if (bd_model_create(NULL, &m) == BD_OK && bd_model_load_file(m, mpath) == BD_OK &&
            bd_model_input_info(m, 0, &ti) == BD_OK)
            n = (size_t)ti.dims[1] * ti.dims[2] * ti.dims[3];
        bd_model_free(m);
        float *x =
            n ? harness_read_f32(harness_path(path, sizeof path, dir, nm), n, NULL) : NULL;
        CHECK_MSG(x, "%s: cannot read the input", nm);
        if (x) {
            char what[128];
            snprintf(what, sizeof what, "%.*s", (int)(len - ls), nm);
            one_image(what, mpath, x, n, 0, 0, NULL);
            cases++;
        }
        free(x);
    }
    closedir(d);
    CHECK_MSG(cases >= 2, "only %d photos found", cases);
}

static void test_modnet(const char *models) {
    char mpath[2048], path[2048], refs[1024];
    struct stat sb;
    harness_path(mpath, sizeof mpath, models, "modnet.onnx");
    harness_path(refs, sizeof refs, models, "matting-refs");
    if (stat(mpath, &sb) != 0) {
        harness_skip_data("%s missing", mpath);
        return;
    }
    const int w = 512, h = 288;
    float *x = harness_read_f32(harness_path(path, sizeof path, refs, "modnet_512x288.in.f32"),
                        (size_t)3 * w * h, NULL);
    if (!x) {
        harness_skip_data("modnet_512x288.in.f32 missing");
        return;
    }
    /* MODNet's free dims come from the frame size (long side 512) */
    one_image("modnet 512x288", mpath, x, (size_t)3 * w * h, w, h, NULL);
    free(x);
}

static void test_rvm(const char *models) {
    enum { W = 256, H = 144, N_SRC = 10, N_FRAMES = 30 };
    char mpath[2048], path[2048], refs[1024], name[128];
    struct stat sb;
    harness_path(mpath, sizeof mpath, models, "rvm_mobilenetv3_fp32.onnx");
    harness_path(refs, sizeof refs, models, "matting-refs");
    if (stat(mpath, &sb) != 0) {
        harness_skip_data("%s missing", mpath);
        return;
    }
    const size_t n = (size_t)3 * W * H;
    float *src[N_SRC] = {0};
    for (int i = 0; i < N_SRC; i++) {
        snprintf(name, sizeof name, "rvm_256x144_r1.f%d.in.f32", i);
        src[i] = harness_read_f32(harness_path(path, sizeof path, refs, name), n, NULL);
        if (!src[i]) {
            harness_skip_data("%s missing", name);
            for (int j = 0; j < i; j++) free(src[j]);
            return;
        }
    }
    runner f, b, u;
    memset(&u, 0, sizeof u);
    if (open_runner(&f, mpath, BD_PRECISION_FP32, BD_ISA_AUTO, 2, W, H, 1.0f) ||
        open_runner(&b, mpath, BD_PRECISION_BF16, BD_ISA_AUTO, 2, W, H, 1.0f))
        goto done;
    CHECK(b.st.precision == BD_PRECISION_BF16 && b.st.n_ops_bf16 > 0);
    /* u: the same bf16 model with its concats run (the folding of the channel
     * concats into the bf16 conversion or the Winograd transform undone before
     * the session; a skipped concat's output has no room in the plan, so each
     * gets its own past the arena's end): bit for bit b */
    int folded = 0;
    if (load_model(&u.m, &u.st, mpath, BD_PRECISION_BF16, BD_ISA_AUTO, W, H, 1.0f) == 0) {
        for (int i = 0; i < u.m->graph.n_nodes; i++) {
            bd_node *nd = &u.m->graph.nodes[i];
            if (!nd->concat_skipped) continue;
            bd_value *cv = &u.m->graph.values[nd->output];
            cv->arena_offset = (u.m->arena_bytes + 63) / 64 * 64;
            u.m->arena_bytes = cv->arena_offset + cv->n_bytes;
            folded++;
            nd->concat_skipped = false;
        }
        bd_session_options so;
        bd_session_options_default(&so);
        so.n_threads = 2;
        CHECK(bd_session_create(u.m, &so, &u.s) == BD_OK);
    }
    printf("  rvm bf16: %d channel concats read in place by their conv's conversion\n", folded);
    CHECK(folded > 0);
    CHECK(bd_session_n_state_pairs(f.s) == 4 && bd_session_n_state_pairs(b.s) == 4);
    const int pha = output_index(f.m, "pha");
    double worst_mean = 0, worst_iou = 1, last_mean = 0, first_mean = 0;
    for (int t = 0; t < N_FRAMES; t++) {
        /* 0..9, 9..0, 0..9: a clip that moves forth and back */
        const int k = (t / N_SRC) % 2 ? N_SRC - 1 - t % N_SRC : t % N_SRC;
        size_t n0 = 0, n1 = 0;
        const float *y0 = run(&f, src[k], n, pha, &n0), *y1 = run(&b, src[k], n, pha, &n1);
        CHECK_MSG(y0 && y1 && n0 == n1 && n0 == (size_t)W * H, "rvm frame %d: run failed", t);
        if (!(y0 && y1 && n0 == n1)) break;
        size_t n2 = 0;
        const float *y2 = u.s ? run(&u, src[k], n, pha, &n2) : NULL;
        CHECK_MSG(y2 && n2 == n1 && memcmp(y1, y2, n1 * sizeof *y1) == 0,
                  "rvm frame %d: concats read in place differ from concats run", t);
        double mean, iou;
        compare(y0, y1, n0, &mean, &iou);
        if (mean > worst_mean) worst_mean = mean;
        if (iou < worst_iou) worst_iou = iou;
        if (t < 5) first_mean += mean / 5;
        if (t >= N_FRAMES - 5) last_mean += mean / 5;
        if (t % 5 == 0 || t == N_FRAMES - 1)
            printf("  rvm frame %2d: mean |d alpha| %.5f, IoU %.5f\n", t, mean, iou);
    }
    printf("  rvm mean |d alpha|: frames 0-4 %.5f, frames 25-29 %.5f\n", first_mean, last_mean);
    check_budget("rvm 256x144 r1, worst of 30 frames", worst_mean, worst_iou);
    CHECK_MSG(last_mean <= 1.0 / 255.0, "rvm: the error grows with the state (%.5f)", last_mean);
done:
    close_runner(&f), close_runner(&b), close_runner(&u);
    for (int i = 0; i < N_SRC; i++) free(src[i]);
}

/* BF16 requested with the level capped at avx2: FP32 with a note. */
static void test_fallback(const char *models) {
    char mpath[2048];
    struct stat sb;
    harness_path(mpath, sizeof mpath, models, "selfie_segmentation.tflite");
    if (stat(mpath, &sb) != 0) return;
    runner r;
    if (open_runner(&r, mpath, BD_PRECISION_BF16, BD_ISA_AVX2, 1, 0, 0, 0) == 0)
        CHECK(r.st.precision == BD_PRECISION_FP32 && r.st.n_ops_bf16 == 0 &&
              strstr(r.st.precision_note, "BF16") != NULL);
    close_runner(&r);
}

/* The peak loops of bd_measure_peak_gmacs_precision and BD_PRECISION_AUTO: the
 * bf16 loop runs where the kernels are and is refused below avx512; AUTO is no
 * precision to measure; a model loaded with AUTO says what it chose, runs it, and
 * gives exactly what that precision requested directly gives. */
static void test_auto(const char *models, bool vnni) {
    double f = 0, b = 0, q = 0, x = 1;
    CHECK(bd_measure_peak_gmacs_precision(BD_ISA_AUTO, BD_PRECISION_FP32, &f) == BD_OK && f > 0);
    CHECK(bd_measure_peak_gmacs_precision(BD_ISA_AUTO, BD_PRECISION_BF16, &b) == BD_OK && b > 0);
    CHECK(bd_measure_peak_gmacs_precision(BD_ISA_AVX2, BD_PRECISION_BF16, &x) ==
              BD_ERR_UNSUPPORTED &&
          x == 0);
    CHECK(bd_measure_peak_gmacs_precision(BD_ISA_AUTO, BD_PRECISION_AUTO, &x) ==
          BD_ERR_INVALID_ARG);
    CHECK(bd_measure_peak_gmacs_precision(BD_ISA_AUTO, (bd_precision)99, &x) ==
          BD_ERR_INVALID_ARG);
    if (vnni)
        CHECK(bd_measure_peak_gmacs_precision(BD_ISA_AUTO, BD_PRECISION_INT8, &q) == BD_OK &&
              q > 0);
    printf("peaks per core: fp32 FMA %.1f, bf16 vdpbf16ps %.1f, int8 vpdpbusd %.1f GMAC/s\n", f,
           b, q);
    char mpath[2048];
    struct stat sb;
    harness_path(mpath, sizeof mpath, models, "selfie_segmentation.tflite");
    if (stat(mpath, &sb) != 0) return;
    runner a, d, c;
    if (open_runner(&a, mpath, BD_PRECISION_AUTO, BD_ISA_AUTO, 1, 0, 0, 0)) return;
    const bd_precision chose = a.st.precision;
    printf("auto: %s\n", a.st.precision_note);
    CHECK(chose == BD_PRECISION_BF16 || chose == BD_PRECISION_FP32);
    CHECK(strstr(a.st.precision_note, chose == BD_PRECISION_BF16 ? "auto chose bf16"
                                                                 : "auto chose fp32") != NULL);
    if (open_runner(&d, mpath, chose, BD_ISA_AUTO, 1, 0, 0, 0) == 0) {
        float *in = NULL;
        size_t n = 0;
        if (bd_session_input(a.s, 0, &in, &n) == BD_OK) {
            float *x0 = malloc(n * sizeof *x0);
            for (size_t i = 0; i < n && x0; i++) x0[i] = (float)((i * 7919) % 256) / 255.0f;
            size_t n1 = 0, n2 = 0;
            const float *y1 = x0 ? run(&a, x0, n, 0, &n1) : NULL;
            const float *y2 = x0 ? run(&d, x0, n, 0, &n2) : NULL;
            CHECK_MSG(y1 && y2 && n1 == n2 && memcmp(y1, y2, n1 * sizeof *y1) == 0,
                      "auto differs from the precision it chose");
            free(x0);
        }
        close_runner(&d);
    }
    close_runner(&a);
    if (open_runner(&c, mpath, BD_PRECISION_AUTO, BD_ISA_AVX2, 1, 0, 0, 0) == 0)
        CHECK(c.st.precision == BD_PRECISION_FP32 &&
              strstr(c.st.precision_note, "auto chose fp32 (no BF16 kernels") != NULL);
    close_runner(&c);
}

int main(void) {
    bd_cpu_info ci;
    bd_cpu_detect(&ci);
    const char *models = harness_env_dir("BD_MODELS_DIR");
#if !defined(BD_HAVE_AVX512_BF16)
    ci.avx512_bf16 = false;
#endif
    if (!ci.avx512_bf16 || !models) {
        harness_skip_data(!models ? "BD_MODELS_DIR not set" : "no AVX512_BF16 on this CPU/build");
        return harness_finish();
    }
    bool vnni = ci.avx512_vnni;
#if !defined(BD_HAVE_AVX512_VNNI)
    vnni = false;
#endif
    test_fallback(models);
    test_auto(models, vnni);
    test_selfie(models);
    test_modnet(models);
    test_rvm(models);
    return harness_finish();
}
