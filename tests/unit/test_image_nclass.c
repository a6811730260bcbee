/*
 * test_image_nclass.c -- N-class model outputs in the pipeline:
 *  - bd_class_probability: two-class sigmoid of the difference and N-class
 *    softmax against double-precision formulas, stability at huge logits, NaN,
 *    the probability detection (a softmax output is used as is) and
 *    force_logits;
 *  - mediapipe.onnx ([1,144,256,2] logits) through bd_pipeline_mask on the
 *    reference inputs (256x144, so the upsampling is the identity): the alpha
 *    equals round(255 * softmax(ONNX Runtime output)[person]) within 2 levels;
 *  - bd_pipeline_create reports its reasons through opts.error_buf.
 * The reference part skips when BD_SHARED_DIR (or the codecs) is missing.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "image/image.h"

static void test_softmax_math(void) {
    /* two classes: person = channel 1 */
    const float two[] = {0.0f, 0.0f, -3.0f, 2.0f, 5.0f, -1.0f, -1e30f, 1e30f, 1e30f, -1e30f,
                         88.0f, 90.0f, -200.0f, -100.0f};
    const size_t n2 = sizeof two / sizeof two[0] / 2;
    float p[16];
    CHECK(bd_class_probability(two, n2, 2, 1, 0, p) == 0);
    for (size_t i = 0; i < n2; i++) {
        double d = (double)two[2 * i + 1] - (double)two[2 * i];
        double want = 1.0 / (1.0 + exp(-d));
        CHECK_MSG(isfinite(p[i]) && fabs(p[i] - want) < 1e-6, "pixel %zu: %g vs %g", i, p[i],
                  want);
    }
    /* the other class is the complement */
    float q[16];
    bd_class_probability(two, n2, 2, 0, 0, q);
    for (size_t i = 0; i < n2; i++) CHECK(fabsf(p[i] + q[i] - 1.0f) < 1e-6f);

    /* three classes */
    const float three[] = {1.0f, 2.0f, 3.0f, 1000.0f, 1001.0f, 999.0f, -5.0f, -5.0f, -5.0f};
    CHECK(bd_class_probability(three, 3, 3, 1, 0, p) == 0);
    for (int i = 0; i < 3; i++) {
        const float *s = three + 3 * i;
        double mx = fmax(fmax(s[0], s[1]), s[2]), sum = 0;
        for (int c = 0; c < 3; c++) sum += exp(s[c] - mx);
        double want = exp(s[1] - mx) / sum;
        CHECK_MSG(fabs(p[i] - want) < 1e-6, "3-class pixel %d: %g vs %g", i, p[i], want);
    }

    /* NaN in, NaN out (the upsampler makes it 0) */
    const float nan2[] = {NAN, 1.0f, 0.0f, 0.0f};
    bd_class_probability(nan2, 2, 2, 1, 0, p);
    CHECK(isnan(p[0]) && fabsf(p[1] - 0.5f) < 1e-7f);

    /* probabilities already (a softmax output): used as is ... */
    const float probs[] = {0.25f, 0.75f, 1.0f, 0.0f, 0.5f, 0.5f};
    CHECK(bd_class_probability(probs, 3, 2, 1, 0, p) == 1);
    CHECK(p[0] == 0.75f && p[1] == 0.0f && p[2] == 0.5f);
    /* ... unless forced to logits */
    CHECK(bd_class_probability(probs, 3, 2, 1, 1, p) == 0);
    CHECK(fabsf(p[0] - 1.0f / (1.0f + expf(-0.5f))) < 1e-6f);
    /* one pixel that does not sum to 1 makes the whole map logits */
    const float mixed[] = {0.25f, 0.75f, 0.5f, 0.4f};
    CHECK(bd_class_probability(mixed, 2, 2, 1, 0, p) == 0);
    CHECK(fabsf(p[0] - 1.0f / (1.0f + expf(-0.5f))) < 1e-6f);
}

static bd_model *load_mediapipe(const char *shared) {
    char path[1024];
    bd_model *m = NULL;
    if (bd_model_create(NULL, &m) != BD_OK) return NULL;
    if (bd_model_load_file(m, harness_path(path, sizeof path, shared,
                                           "models/onnx/mediapipe.onnx")) != BD_OK) {
        CHECK_MSG(0, "mediapipe.onnx: %s", bd_model_last_error(m));
        bd_model_free(m);
        return NULL;
    }
    return m;
}

static const char *shared;

static void test_reference(void) {
    bd_model *m = load_mediapipe(shared);
    if (!m) return;
    char errbuf[256] = "x";
    bd_pipeline_options po;
    bd_pipeline_options_default(&po);
    CHECK(po.person_class == -1);
    po.error_buf = errbuf;
    po.error_buf_size = sizeof errbuf;
    bd_pipeline *p = NULL;
    CHECK_MSG(bd_pipeline_create(m, &po, &p) == BD_OK, "%s", errbuf);
    CHECK(errbuf[0] == 0);
    static const char *const cases[] = {"astronaut", "basketball1", "camera"};
    for (int k = 0; p && k < 3; k++) {
        char path[1024], rel[256], err[256] = "";
        snprintf(rel, sizeof rel, "testdata/reference_onnx/%s__meet_onnx.input.png", cases[k]);
        bd_image_buf *frame = NULL, *alpha = NULL;
        if (bd_image_read_file(harness_path(path, sizeof path, shared, rel), BD_PIXEL_RGB24,
                               NULL, &frame, err, sizeof err) != BD_OK) {
            CHECK_MSG(0, "%s: %s", rel, err);
            continue;
        }
        snprintf(rel, sizeof rel, "testdata/reference_onnx/%s__meet_onnx.ort.f32", cases[k]);
        size_t size = 0;
        float *ort = (float *)harness_read_file(harness_path(path, sizeof path, shared, rel),
                                                &size);
        const bd_image *f = bd_image_view(frame);
        CHECK(f->width == 256 && f->height == 144);
        CHECK_MSG(ort && size == (size_t)256 * 144 * 2 * sizeof(float), "%s: %zu bytes", rel,
                  size);
        if (ort && size == (size_t)256 * 144 * 2 * sizeof(float) && f->width == 256 &&
            f->height == 144 && bd_image_alloc(256, 144, BD_PIXEL_GRAY8, &alpha) == BD_OK) {
            const bd_image *a = bd_image_view(alpha);
            CHECK_MSG(bd_pipeline_mask(p, f, a) == BD_OK, "%s", bd_pipeline_last_error(p));
            int worst = 0, n_off = 0;
            for (int y = 0; y < 144; y++)
                for (int x = 0; x < 256; x++) {
                    const float *s = ort + ((size_t)y * 256 + (size_t)x) * 2;
                    double prob = 1.0 / (1.0 + exp((double)s[0] - (double)s[1]));
                    int want = (int)floor(prob * 255.0 + 0.5);
                    int d = abs((int)a->data[(size_t)y * a->stride_bytes + (size_t)x] - want);
                    if (d > worst) worst = d;
                    n_off += d > 1;
                }
            CHECK_MSG(worst <= 2, "%s: alpha differs from ORT's softmax by %d levels", cases[k],
                      worst);
            CHECK_MSG(n_off <= 256 * 144 / 1000, "%s: %d pixels off by more than 1", cases[k],
                      n_off);
        }
        free(ort);
        bd_image_free(alpha);
        bd_image_free(frame);
    }
    bd_pipeline_free(p);
    p = NULL;

    /* explicit class 1 is the default; class 0 is the complement; 2 is out of range */
    po.person_class = 2;
    CHECK(bd_pipeline_create(m, &po, &p) == BD_ERR_INVALID_ARG && p == NULL);
    CHECK_MSG(strstr(errbuf, "person class 2") && strstr(errbuf, "2 channels"), "%s", errbuf);
    po.person_class = -2;
    CHECK(bd_pipeline_create(m, &po, &p) == BD_ERR_INVALID_ARG && p == NULL);
    CHECK_MSG(strstr(errbuf, "person_class") != NULL, "%s", errbuf);
    bd_model_free(m);
}

static void test_create_errors(void) {
    char errbuf[256] = "";
    bd_pipeline_options po;
    bd_pipeline_options_default(&po);
    po.error_buf = errbuf;
    po.error_buf_size = sizeof errbuf;
    bd_model *empty = NULL;
    bd_pipeline *p = NULL;
    CHECK(bd_model_create(NULL, &empty) == BD_OK);
    CHECK(bd_pipeline_create(empty, &po, &p) == BD_ERR_BAD_STATE && p == NULL);
    CHECK_MSG(strstr(errbuf, "not loaded") != NULL, "%s", errbuf);
    po.n_threads = -1;
    CHECK(bd_pipeline_create(empty, &po, &p) == BD_ERR_INVALID_ARG && p == NULL);
    CHECK_MSG(strstr(errbuf, "n_threads") != NULL, "%s", errbuf);
    po.n_threads = 0;
    /* a tiny buffer is truncated, not overrun */
    char tiny[4] = {'a', 'b', 'c', 'd'};
    po.error_buf = tiny;
    po.error_buf_size = 3;
    CHECK(bd_pipeline_create(empty, &po, &p) == BD_ERR_BAD_STATE);
    CHECK(tiny[2] == 0 && tiny[3] == 'd');
    /* postprocess-only pipelines report too, and clear the buffer on success */
    po.error_buf = errbuf;
    po.error_buf_size = sizeof errbuf;
    po.fit = 99;
    CHECK(bd_pipeline_create_postprocess(&po, &p) == BD_ERR_INVALID_ARG);
    CHECK_MSG(strstr(errbuf, "fit") != NULL, "%s", errbuf);
    po.fit = BD_FIT_STRETCH;
    CHECK(bd_pipeline_create_postprocess(&po, &p) == BD_OK && errbuf[0] == 0);
    bd_pipeline_free(p);
    bd_model_free(empty);
}

int main(void) {
    RUN(test_softmax_math);
    RUN(test_create_errors);
    shared = harness_env_dir("BD_SHARED_DIR");
    char probe[1024];
    FILE *pf = shared ? fopen(harness_path(probe, sizeof probe, shared,
                                           "models/onnx/mediapipe.onnx"),
                              "rb")
                      : NULL;
    if (pf) fclose(pf);
#ifndef BD_WITH_CODECS
    harness_skip("built without image codecs: the reference inputs cannot be read");
    return harness_finish();
#endif
    if (!pf) {
        harness_skip_data("BD_SHARED_DIR with models/onnx/mediapipe.onnx missing");
        return harness_finish();
    }
    RUN(test_reference);
    return harness_finish();
}
