/*
 * test_matting_models.c -- the published matting models (MODNet, scripts/fetch-models.sh
 * --matting) against ONNX Runtime, at free input sizes (bd_model_options.input_width/
 * input_height). References: scripts/make_matting_refs.py writes
 * $BD_MATTING_REFS_DIR (default $BD_MODELS_DIR/matting-refs)/manifest.tsv with
 * "name model width height" lines and <name>.in.f32 / .out.f32 (NCHW float32).
 * Requires max |ours - ORT| <= 1e-3 on the alpha. Recurrent cases (RVM; lines with
 * "ratio frames" after the size) run a sequence of frames through one session, its
 * state carried over by the library, with downsample_ratio bound at load, and
 * compare pha and fgr on every frame (the error must stay within 1e-3 over the
 * sequence). Exits 77 (ctest SKIP) when the models or the references are missing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include <backdrop.h>

#define SKIP_CODE 77

/* Loads models/file with the options mo and opens a session of n_threads on it.
 * Returns 0 (a failed check naming the case; nothing left to free) if either
 * step fails. */
static int open_case(const bd_model_options *mo, const char *models, const char *name,
                     const char *file, int n_threads, bd_model **m, bd_session **s) {
    char path[2048];
    *m = NULL;
    *s = NULL;
    CHECK(bd_model_create(mo, m) == BD_OK);
    if (!*m) return 0;
    if (bd_model_load_file(*m, harness_path(path, sizeof path, models, file)) != BD_OK) {
        CHECK_MSG(0, "%s: load: %s", name, bd_model_last_error(*m));
        bd_model_free(*m);
        *m = NULL;
        return 0;
    }
    bd_session_options so;
    bd_session_options_default(&so);
    so.n_threads = n_threads;
    if (bd_session_create(*m, &so, s) != BD_OK) {
        CHECK_MSG(0, "%s: session: %s", name, *s ? bd_session_last_error(*s) : "no memory");
        bd_session_free(*s);
        bd_model_free(*m);
        *s = NULL;
        *m = NULL;
        return 0;
    }
    return 1;
}

static void run_case(const char *models, const char *refs, const char *name, const char *file,
                     int w, int h, int n_threads) {
    char path[2048], p2[256];
    bd_model_options mo;
    bd_model_options_default(&mo);
    mo.input_width = w;
    mo.input_height = h;
    bd_model *m;
    bd_session *s;
    if (!open_case(&mo, models, name, file, n_threads, &m, &s)) return;
    CHECK(bd_model_input_free_dims(m, 0) == 0xCu); /* H and W of NCHW */
    float *x = NULL;
    const float *y = NULL;
    size_t nx = 0, ny = 0;
    snprintf(p2, sizeof p2, "%s.in.f32", name);
    float *in = bd_session_input(s, 0, &x, &nx) == BD_OK
                    ? harness_expect_f32(harness_path(path, sizeof path, refs, p2), nx)
                    : NULL;
    CHECK(nx == (size_t)3 * (size_t)w * (size_t)h);
    if (in) {
        memcpy(x, in, nx * 4);
        CHECK_MSG(bd_session_run(s) == BD_OK, "%s: run: %s", name, bd_session_last_error(s));
        snprintf(p2, sizeof p2, "%s.out.f32", name);
        float *ref = bd_session_output(s, 0, &y, &ny) == BD_OK
                         ? harness_expect_f32(harness_path(path, sizeof path, refs, p2), ny)
                         : NULL;
        if (ref) {
            double worst = 0.0, lo = ref[0], hi = ref[0];
            for (size_t i = 0; i < ny; i++) {
                double e = fabs((double)y[i] - (double)ref[i]);
                if (!(e <= worst)) worst = e; /* NaN counts */
                if (ref[i] < lo) lo = ref[i];
                if (ref[i] > hi) hi = ref[i];
            }
            printf("  %-16s %dx%d %d thr  max |ours - ORT| = %.3g  (ORT range %.3g..%.3g)\n",
                   name, w, h, n_threads, worst, lo, hi);
            CHECK_MSG(worst <= 1e-3, "%s: max error %g > 1e-3", name, worst);
        }
        free(ref);
    }
    free(in);
    bd_session_free(s);
    bd_model_free(m);
}

/* Index of the output named `name`, or -1. */
static int output_index(const bd_model *m, const char *name) {
    for (int k = 0; k < bd_model_n_outputs(m); k++) {
        bd_tensor_info t;
        if (bd_model_output_info(m, k, &t) == BD_OK && strcmp(t.name, name) == 0) return k;
    }
    return -1;
}

/* max |ours - reference file| over output `out` of s. */
static double output_error(bd_session *s, int out, const char *refs, const char *file) {
    char path[2048];
    const float *y = NULL;
    size_t ny = 0;
    if (bd_session_output(s, out, &y, &ny) != BD_OK) return INFINITY;
    float *ref = harness_expect_f32(harness_path(path, sizeof path, refs, file), ny);
    if (!ref) return INFINITY;
    double worst = 0.0;
    for (size_t i = 0; i < ny; i++) {
        double e = fabs((double)y[i] - (double)ref[i]);
        if (!(e <= worst)) worst = e; /* NaN counts */
    }
    free(ref);
    return worst;
}

static void run_recurrent(const char *models, const char *refs, const char *name,
                          const char *file, int w, int h, float ratio, int frames,
                          int n_threads) {
    char path[2048], p2[256];
    bd_model_options mo;
    bd_model_options_default(&mo);
    mo.frame_width = w; /* a recurrent model runs at the frame's own size */
    mo.frame_height = h;
    mo.downsample_ratio = ratio;
    bd_model *m;
    bd_session *s;
    if (!open_case(&mo, models, name, file, n_threads, &m, &s)) return;
    bd_tensor_info in;
    CHECK(bd_model_input_info(m, 0, &in) == BD_OK && in.n_dims == 4 && in.dims[2] == h &&
          in.dims[3] == w);
    bd_model_stats st = {.struct_size = sizeof st};
    CHECK(bd_model_get_stats(m, &st) == BD_OK && fabsf(st.downsample_ratio - ratio) < 1e-6f);
    int pha = output_index(m, "pha"), fgr = output_index(m, "fgr");
    CHECK(pha >= 0 && fgr >= 0);
    if (pha < 0 || fgr < 0) {
        CHECK_MSG(0, "%s: session: %s", name, "no outputs");
        bd_session_free(s);
        bd_model_free(m);
        return;
    }
    double first = 0.0, worst = 0.0, worst_fgr = 0.0;
    for (int t = 0; t < frames; t++) {
        float *x = NULL;
        size_t nx = 0;
        snprintf(p2, sizeof p2, "%s.f%d.in.f32", name, t);
        float *src = bd_session_input(s, 0, &x, &nx) == BD_OK
                         ? harness_expect_f32(harness_path(path, sizeof path, refs, p2), nx)
                         : NULL;
        if (!src) break;
        memcpy(x, src, nx * 4);
        free(src);
        if (bd_session_run(s) != BD_OK) {
            CHECK_MSG(0, "%s: run: %s", name, bd_session_last_error(s));
            break;
        }
        snprintf(p2, sizeof p2, "%s.f%d.pha.f32", name, t);
        double e = output_error(s, pha, refs, p2);
        snprintf(p2, sizeof p2, "%s.f%d.fgr.f32", name, t);
        double ef = output_error(s, fgr, refs, p2);
        if (t == 0) first = e;
        if (!(e <= worst)) worst = e;
        if (!(ef <= worst_fgr)) worst_fgr = ef;
    }
    printf("  %-16s %dx%d r=%.3g %d frames %d thr  max |ours - ORT|: pha %.3g (frame 0: %.3g), "
           "fgr %.3g\n",
           name, w, h, (double)ratio, frames, n_threads, worst, first, worst_fgr);
    CHECK_MSG(worst <= 1e-3 && worst_fgr <= 1e-3, "%s: max error pha %g, fgr %g > 1e-3", name,
              worst, worst_fgr);
    bd_session_free(s);
    bd_model_free(m);
}

/* BT.601 limited range, as the library's bd_rgb_to_yuv. */
static void rgb_to_yuv(const uint8_t *rgb, int *y, int *u, int *v) {
    const int r = rgb[0], g = rgb[1], b = rgb[2];
    *y = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16;
    *u = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128;
    *v = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128;
}

/* The same frame as I420 (what decoders give): where the RGB run's alpha is
 * opaque, the composite's Y is fgr's Y (the model sees the YUV round trip of the
 * frame, so a few levels of slack), and ignore_fgr changes the output. */
static void check_fgr_i420(const bd_model *m, const bd_image *rgb, const float *a,
                           const float *fg, int w, int h) {
    bd_image_buf *ib = NULL, *ob = NULL, *ob2 = NULL;
    bd_pipeline *p = NULL, *p2 = NULL;
    bd_pipeline_options po;
    bd_pipeline_options_default(&po);
    CHECK(bd_image_alloc(w, h, BD_PIXEL_I420, &ib) == BD_OK &&
          bd_image_alloc(w, h, BD_PIXEL_I420, &ob) == BD_OK &&
          bd_image_alloc(w, h, BD_PIXEL_I420, &ob2) == BD_OK &&
          bd_pipeline_create(m, &po, &p) == BD_OK);
    po.ignore_fgr = 1;
    CHECK(bd_pipeline_create(m, &po, &p2) == BD_OK);
    if (ib && ob && ob2 && p && p2) {
        const bd_image *f = bd_image_view(ib), *o = bd_image_view(ob), *o2 = bd_image_view(ob2);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int Y, U, V;
                rgb_to_yuv(rgb->data + (size_t)y * rgb->stride_bytes + (size_t)x * 3, &Y, &U, &V);
                f->data[(size_t)y * f->stride_bytes + (size_t)x] = (uint8_t)Y;
                if (!(x & 1) && !(y & 1)) {
                    f->plane[0][(size_t)(y / 2) * f->plane_stride_bytes[0] + (size_t)x / 2] = (uint8_t)U;
                    f->plane[1][(size_t)(y / 2) * f->plane_stride_bytes[1] + (size_t)x / 2] = (uint8_t)V;
                }
            }
        bd_background bg = {.kind = BD_BG_COLOR, .color = {0, 255, 0}};
        CHECK(bd_pipeline_replace(p, f, &bg, o) == BD_OK);
        CHECK(bd_pipeline_replace(p2, f, &bg, o2) == BD_OK);
        long opaque = 0, near = 0, differ = 0;
        const size_t n = (size_t)w * h;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                const size_t k = (size_t)y * w + (size_t)x;
                const uint8_t got = o->data[(size_t)y * o->stride_bytes + (size_t)x];
                differ += got != o2->data[(size_t)y * o2->stride_bytes + (size_t)x];
                if (!(a[k] > 0.99f)) continue;
                uint8_t c[3];
                for (int j = 0; j < 3; j++) {
                    const float v = fg[(size_t)j * n + k];
                    c[j] = (uint8_t)(v <= 0 ? 0 : v >= 1 ? 255 : (int)(v * 255.0f + 0.5f));
                }
                int Y, U, V;
                rgb_to_yuv(c, &Y, &U, &V);
                opaque++;
                near += abs(got - Y) <= 6;
            }
        printf("  fgr composite I420 %dx%d: %ld of %ld opaque pixels within 6 levels of fgr's "
               "Y; %ld Y bytes differ with ignore_fgr\n",
               w, h, near, opaque, differ);
        CHECK_MSG(opaque > 0 && near >= opaque * 99 / 100, "I420 fgr: %ld of %ld near", near,
                  opaque);
        CHECK_MSG(differ > 0, "%s", "I420: ignore_fgr changed nothing");
    }
    bd_pipeline_free(p);
    bd_pipeline_free(p2);
    bd_image_free(ib);
    bd_image_free(ob);
    bd_image_free(ob2);
}

/* bd_pipeline_replace with RVM over a colour: C = fgr * a + bg * (1 - a) from the
 * model's own outputs (a separate session on the same tensor), and ignore_fgr
 * composites the frame instead. */
static void test_fgr_composite(const char *models, const char *refs, const char *name,
                               const char *file) {
    enum { W = 256, H = 144 };
    char path[2048];
    bd_model_options mo;
    bd_model_options_default(&mo);
    mo.frame_width = W;
    mo.frame_height = H;
    bd_model *m = NULL;
    if (bd_model_create(&mo, &m) != BD_OK ||
        bd_model_load_file(m, harness_path(path, sizeof path, models, file)) != BD_OK) {
        CHECK_MSG(0, "fgr: load: %s", m ? bd_model_last_error(m) : "no memory");
        bd_model_free(m);
        return;
    }
    bd_image_buf *fb = NULL, *ob = NULL, *ob2 = NULL;
    bd_pipeline *p = NULL, *p2 = NULL;
    bd_session *s = NULL;
    bd_pipeline_options po;
    bd_pipeline_options_default(&po);
    CHECK(bd_image_alloc(W, H, BD_PIXEL_RGB24, &fb) == BD_OK &&
          bd_image_alloc(W, H, BD_PIXEL_RGB24, &ob) == BD_OK &&
          bd_image_alloc(W, H, BD_PIXEL_RGB24, &ob2) == BD_OK);
    CHECK(bd_pipeline_create(m, &po, &p) == BD_OK);
    po.ignore_fgr = 1;
    CHECK(bd_pipeline_create(m, &po, &p2) == BD_OK);
    CHECK(bd_session_create(m, NULL, &s) == BD_OK);
    if (fb && ob && ob2 && p && p2 && s) {
        const bd_image *f = bd_image_view(fb), *o = bd_image_view(ob), *o2 = bd_image_view(ob2);
        float *x = NULL;
        size_t nx = 0;
        CHECK(bd_session_input(s, 0, &x, &nx) == BD_OK && nx == (size_t)3 * W * H);
        /* frame 0 of the RVM case (the astronaut photo), exact in u8 */
        char fname[256];
        snprintf(fname, sizeof fname, "%s.f0.in.f32", name);
        float *src = nx == (size_t)3 * W * H
                         ? harness_expect_f32(harness_path(path, sizeof path, refs, fname), nx)
                         : NULL;
        for (int y = 0; src && y < H; y++)
            for (int i = 0; i < W; i++)
                for (int c = 0; c < 3; c++) {
                    const size_t k = (size_t)c * W * H + (size_t)y * W + (size_t)i;
                    const uint8_t v = (uint8_t)lrintf(src[k] * 255.0f);
                    f->data[(size_t)y * f->stride_bytes + (size_t)i * 3 + (size_t)c] = v;
                    x[k] = v / 255.0f;
                }
        free(src);
        bd_background bg = {.kind = BD_BG_COLOR, .color = {0, 255, 0}};
        CHECK(bd_pipeline_replace(p, f, &bg, o) == BD_OK);
        CHECK(bd_pipeline_replace(p2, f, &bg, o2) == BD_OK);
        int pha = output_index(m, "pha"), fgr = output_index(m, "fgr");
        const float *a = NULL, *fg = NULL;
        size_t na = 0, nf = 0;
        CHECK(bd_session_run(s) == BD_OK && bd_session_output(s, pha, &a, &na) == BD_OK &&
              bd_session_output(s, fgr, &fg, &nf) == BD_OK && na == (size_t)W * H &&
              nf == (size_t)3 * W * H);
        int worst = 0, differ = 0;
        for (int y = 0; a && fg && na == (size_t)W * H && y < H; y++)
            for (int i = 0; i < W; i++) {
                const size_t k = (size_t)y * W + (size_t)i;
                const double al = a[k] < 0 ? 0 : a[k] > 1 ? 1 : a[k];
                for (int c = 0; c < 3; c++) {
                    double v = fg[(size_t)c * W * H + k];
                    v = v < 0 ? 0 : v > 1 ? 1 : v;
                    const double want = v * 255.0 * al + bg.color[c] * (1.0 - al);
                    const uint8_t got = o->data[(size_t)y * o->stride_bytes + (size_t)i * 3 + (size_t)c];
                    const int e = (int)fabs(got - want + 0.0);
                    if (e > worst) worst = e;
                    differ += got != o2->data[(size_t)y * o2->stride_bytes + (size_t)i * 3 + (size_t)c];
                }
            }
        printf("  fgr composite %dx%d: max |ours - (fgr*a + bg*(1-a))| = %d levels; %d bytes "
               "differ with ignore_fgr\n",
               W, H, worst, differ);
        CHECK_MSG(worst <= 2, "fgr composite off by %d levels", worst);
        CHECK_MSG(differ > 0, "%s", "ignore_fgr changed nothing");
        if (a && fg && na == (size_t)W * H && nf == (size_t)3 * W * H)
            check_fgr_i420(m, f, a, fg, W, H);
    }
    bd_session_free(s);
    bd_pipeline_free(p);
    bd_pipeline_free(p2);
    bd_image_free(fb);
    bd_image_free(ob);
    bd_image_free(ob2);
    bd_model_free(m);
}

int main(void) {
    const char *models = harness_env_dir("BD_MODELS_DIR");
    const char *refs = getenv("BD_MATTING_REFS_DIR");
    char rbuf[1024], path[2048];
    if (!refs && models) refs = harness_path(rbuf, sizeof rbuf, models, "matting-refs");
    struct stat sb;
    FILE *f = refs ? fopen(harness_path(path, sizeof path, refs, "manifest.tsv"), "r") : NULL;
    if (!models || !f) {
        printf("SKIP test_matting_models: no references (scripts/fetch-models.sh --matting, "
               "then scripts/make-matting-refs.sh)\n");
        return SKIP_CODE;
    }
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        char name[128], file[128];
        int w, h, frames = 0;
        float ratio = 0.0f;
        int nf = line[0] == '#' ? 0
                                : sscanf(line, "%127s %127s %d %d %f %d", name, file, &w, &h,
                                         &ratio, &frames);
        if (nf != 4 && nf != 6) continue;
        if (w < 1 || h < 1 || w > 4096 || h > 4096) continue;
        if (nf == 6 && (!(ratio > 0.0f && ratio <= 1.0f) || frames < 1 || frames > 1000)) continue;
        if (stat(harness_path(path, sizeof path, models, file), &sb) != 0) continue;
        if (nf == 6 && strcmp(name, "rvm_256x144_r1") == 0) test_fgr_composite(models, refs, name, file);
        for (int t = 1; t <= 2; t++) {
            if (nf == 6) run_recurrent(models, refs, name, file, w, h, ratio, frames, t);
            else run_case(models, refs, name, file, w, h, t);
        }
        n++;
    }
    fclose(f);
    if (n == 0) {
        printf("SKIP test_matting_models: no case has its model\n");
        return SKIP_CODE;
    }
    printf("%s test_matting_models\n", harness_failed ? "FAIL" : "ok  ");
    return harness_finish();
}
