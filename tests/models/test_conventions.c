/*
 * test_conventions.c -- model conventions and recurrent state:
 * - inference on the models we have (selfie TFLite and ONNX, mediapipe.onnx,
 *   the recurrent fixture tests/data/onnx/recurrent_gru.onnx) and from ONNX
 *   metadata_props (meta_props.onnx; a bad entry refuses the model);
 * - the sidecar parser on good and hostile text (every error names its line);
 * - a session carrying the recurrent state: each of 3 frames matches ONNX
 *   Runtime (scripts/make_recurrent_fixture.py) feeding only the image, and
 *   after bd_session_reset_state frame 0 matches again;
 * - the pipeline on the recurrent model (NCHW image input, the model's own
 *   alpha output, state carried, bd_pipeline_reset_state);
 * - bd_image_to_tensor_conv: NCHW, BGR and per-channel normalisation against
 *   the NHWC reference preprocessing.
 */
#include <math.h>

#include "backdrop.h"
#include "harness.h"
#include "image/image.h"

static bd_model *load(const char *path) {
    bd_model *m = NULL;
    if (bd_model_create(NULL, &m) != BD_OK) return NULL;
    if (bd_model_load_file(m, path) != BD_OK) {
        fprintf(stderr, "load %s: %s\n", path, bd_model_last_error(m));
        bd_model_free(m);
        return NULL;
    }
    return m;
}

static bd_model *load_rel(const char *env, const char *rel) {
    const char *dir = harness_env_dir(env);
    char path[1024];
    if (!dir) return NULL;
    return load(harness_path(path, sizeof path, dir, rel));
}

static bd_status infer(const bd_model *m, bd_model_conventions *c) {
    memset(c, 0, sizeof *c);
    c->struct_size = sizeof *c;
    char err[256];
    bd_status st = bd_model_conventions_infer(m, c, err, sizeof err);
    if (st != BD_OK) fprintf(stderr, "infer: %s\n", err);
    return st;
}

static void test_infer_selfie(void) {
    const char *files[] = {"models/selfie_segmentation.tflite",
                           "models/onnx/selfie_segmentation.onnx"};
    for (int f = 0; f < 2; f++) {
        bd_model *m = load_rel("BD_SHARED_DIR", files[f]);
        if (!m) {
            harness_skip_data("%s not available", files[f]);
            continue;
        }
        bd_model_conventions c;
        CHECK(infer(m, &c) == BD_OK);
        CHECK(c.image_input == 0 && c.layout == BD_LAYOUT_NHWC && c.from_layout == BD_FROM_INFERRED);
        CHECK(c.input_w == 256 && c.input_h == 256);
        CHECK(c.bgr == 0 && c.from_color == BD_FROM_DEFAULT);
        CHECK(c.mean[0] == 0.0f && c.std[0] == 1.0f && c.std[2] == 1.0f);
        CHECK(c.mask_output == 0 && c.n_classes == 1 && c.output_layout == BD_LAYOUT_NHWC);
        CHECK_MSG(c.output_kind == BD_OUTPUT_PROB && c.from_output_kind == BD_FROM_INFERRED,
                  "%s: kind %d", files[f], c.output_kind);
        CHECK(c.n_state_pairs == 0);
        bd_model_free(m);
    }
}

static void test_infer_mediapipe(void) {
    bd_model *m = load_rel("BD_SHARED_DIR", "models/onnx/mediapipe.onnx");
    if (!m) {
        harness_skip_data("mediapipe.onnx not available");
        return;
    }
    bd_model_conventions c;
    CHECK(infer(m, &c) == BD_OK);
    CHECK(c.layout == BD_LAYOUT_NHWC && c.input_w == 256 && c.input_h == 144);
    CHECK(c.n_classes == 2 && c.output_layout == BD_LAYOUT_NHWC &&
          c.from_output_layout == BD_FROM_INFERRED);
    /* the final ConvTranspose has no activation: two-class logits */
    CHECK(c.output_kind == BD_OUTPUT_LOGITS && c.from_output_kind == BD_FROM_INFERRED);
    CHECK(c.person_class == -1);
    bd_model_free(m);
}

static bd_model *load_fixture(void) {
    return load_rel("BD_SOURCE_DIR", "tests/data/onnx/recurrent_gru.onnx");
}

static void test_infer_recurrent(void) {
    bd_model *m = load_fixture();
    CHECK(m != NULL);
    if (!m) return;
    bd_model_conventions c;
    CHECK(infer(m, &c) == BD_OK);
    CHECK(c.image_input == 0 && c.layout == BD_LAYOUT_NCHW && c.input_w == 12 && c.input_h == 8);
    CHECK(c.mask_output == 0 && c.output_kind == BD_OUTPUT_ALPHA &&
          c.from_mask_output == BD_FROM_INFERRED);
    CHECK(c.output_layout == BD_LAYOUT_NCHW && c.n_classes == 1);
    CHECK(c.n_state_pairs == 1 && c.state_input[0] == 1 && c.state_output[0] == 1 &&
          c.from_states == BD_FROM_INFERRED);
    int in[4], out[4], n = -1;
    CHECK(bd_model_state_pairs(m, in, out, 4, &n) == BD_OK && n == 1);
    bd_model_free(m);
}

static bd_status parse(const bd_model *m, const char *text, bd_model_conventions *c, char *err,
                       size_t size) {
    return bd_model_conventions_parse(m, text, strlen(text), "t.backdrop", c, err, size);
}

static void test_sidecar_good(void) {
    bd_model *m = load_fixture();
    if (!m) return;
    bd_model_conventions c;
    CHECK(infer(m, &c) == BD_OK);
    char err[256] = "x";
    const char *text = "# ImageNet normalisation\r\n"
                       "  mean = 0.485, 0.456,0.406   # RGB\n"
                       "std=0.229, 0.224, 0.225\n"
                       "\n\t\n"
                       "color = bgr\n"
                       "output = logits\n"
                       "mask_output = pha\n"
                       "image_input = 0\n"
                       "state = r1i r1o\n"
                       "layout = nchw";
    CHECK(parse(m, text, &c, err, sizeof err) == BD_OK);
    CHECK_MSG(err[0] == 0, "%s", err);
    CHECK(fabsf(c.mean[1] - 0.456f) < 1e-7f && fabsf(c.std[2] - 0.225f) < 1e-7f);
    CHECK(c.from_norm == BD_FROM_SIDECAR && c.bgr == 1 && c.from_color == BD_FROM_SIDECAR);
    CHECK(c.output_kind == BD_OUTPUT_LOGITS && c.from_output_kind == BD_FROM_SIDECAR);
    CHECK(c.n_state_pairs == 1 && c.from_states == BD_FROM_SIDECAR);
    CHECK(c.layout == BD_LAYOUT_NCHW && c.input_w == 12);
    /* range, one-number std */
    CHECK(infer(m, &c) == BD_OK);
    CHECK(parse(m, "range = -1..1\n", &c, err, sizeof err) == BD_OK);
    CHECK(c.mean[2] == 0.5f && c.std[0] == 0.5f);
    CHECK(infer(m, &c) == BD_OK);
    CHECK(parse(m, "std = 0.5\nperson_class = 0\n", &c, err, sizeof err) == BD_OK);
    CHECK(c.std[0] == 0.5f && c.std[2] == 0.5f && c.person_class == 0);
    CHECK(parse(m, "", &c, err, sizeof err) == BD_OK); /* empty: nothing changes */
    bd_model_free(m);
}

static void test_sidecar_hostile(void) {
    bd_model *m = load_fixture();
    if (!m) return;
    static const struct {
        const char *text;
        const char *want; /* substring of the message */
    } bad[] = {
        {"mean = 1,2\n", "t.backdrop:1: mean"},
        {"\n\nfoo = 1\n", "t.backdrop:3: unknown key 'foo'"},
        {"color = rgb\ncolor = bgr\n", ":2: key 'color' given twice"},
        {"std = 1, 0, 1\n", "must not be 0"},
        {"std = nan\n", ":1: std"},
        {"mean = 1e400\n", ":1: mean"},
        {"mean = 0x\n", ":1: mean"},
        {"range = 0..2\n", "range '0..2'"},
        {"mean = 0\nrange = 0..1\n", ":2: 'range' and 'range'"},
        {"layout = chw\n", "layout 'chw'"},
        {"just text\n", ":1: expected 'key = value'"},
        {" = 3\n", "missing key"},
        {"output =\n", "has no value"},
        {"person_class = -1\n", "person_class '-1'"},
        {"person_class = 99999\n", "person_class"},
        {"mask_output = nope\n", "no output 'nope'"},
        {"image_input = 7\n", "no input '7'"},
        {"state = r1i\n", "expected 'INPUT OUTPUT'"},
        {"state = src pha\n", "shapes differ"},
        {"state = r1i r1o\nstate = r1i r1o\n", ":2: state"},
        {"color = b\x01gr\n", "control"},
        {"color = bgr\xc3\xa9\n", "non-ASCII"},
        {"layout = nhwc\n", "layout asked for"}, /* [1,3,8,12] is not NHWC */
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        bd_model_conventions c, before;
        CHECK(infer(m, &c) == BD_OK);
        before = c;
        char err[256] = "";
        bd_status st = parse(m, bad[k].text, &c, err, sizeof err);
        CHECK_MSG(st == BD_ERR_FORMAT, "case %zu: status %d", k, st);
        CHECK_MSG(strstr(err, bad[k].want) != NULL, "case %zu: '%s' lacks '%s'", k, err,
                  bad[k].want);
        CHECK_MSG(memcmp(&c, &before, sizeof c) == 0, "case %zu changed the conventions", k);
    }
    /* NUL inside, overlong line, too large */
    bd_model_conventions c;
    CHECK(infer(m, &c) == BD_OK);
    char err[256];
    CHECK(bd_model_conventions_parse(m, "color = rgb\0x\n", 14, "t", &c, err, sizeof err) ==
          BD_ERR_FORMAT);
    char *big = malloc(70000);
    if (big) {
        memset(big, '#', 70000);
        CHECK(bd_model_conventions_parse(m, big, 2000, "t", &c, err, sizeof err) ==
              BD_ERR_FORMAT); /* one 2000-char comment line */
        CHECK(strstr(err, "line longer") != NULL);
        CHECK(bd_model_conventions_parse(m, big, 70000, "t", &c, err, sizeof err) == BD_ERR_LIMIT);
        free(big);
    }
    /* random bytes never crash and either parse or fail with a message */
    unsigned seed = 7;
    char buf[256];
    for (int it = 0; it < 2000; it++) {
        size_t n = harness_rand(&seed) % sizeof buf;
        for (size_t i = 0; i < n; i++) {
            static const char alpha[] = "=#, \n\tmeanstdcolorbgrlayoutnchw0123.-r1iopha_\x80\x01";
            buf[i] = alpha[harness_rand(&seed) % (sizeof alpha - 1)];
        }
        err[0] = 0;
        bd_status st = bd_model_conventions_parse(m, buf, n, "t", &c, err, sizeof err);
        if (st != BD_OK) CHECK(err[0] != 0);
    }
    CHECK(bd_model_conventions_sidecar(m, "/nonexistent/x.backdrop", &c, err, sizeof err) ==
          BD_ERR_IO);
    bd_model_free(m);
}

/* tests/data/onnx/<name> under BD_SOURCE_DIR as `want` floats, or NULL. */
static float *read_data(const char *name, size_t want) {
    const char *dir = harness_env_dir("BD_SOURCE_DIR");
    char rel[256], path[1024];
    snprintf(rel, sizeof rel, "tests/data/onnx/%s", name);
    return dir ? harness_read_f32(harness_path(path, sizeof path, dir, rel), want, NULL) : NULL;
}

/* max |a - b| <= 1e-4 * range(b) (floor 1e-6) */
static int close_enough(const float *a, const float *b, size_t n, double *worst) {
    float lo = b[0], hi = b[0];
    for (size_t i = 0; i < n; i++) lo = b[i] < lo ? b[i] : lo, hi = b[i] > hi ? b[i] : hi;
    double tol = 1e-4 * (hi - lo);
    if (tol < 1e-6) tol = 1e-6;
    *worst = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= *worst)) *worst = d;
    }
    return *worst <= tol;
}

enum { FW = 12, FH = 8, NPIX = FW * FH };

static void test_session_state(void) {
    bd_model *m = load_fixture();
    if (!m) return;
    float *src[3], *pha[3];
    int ok = 1;
    for (int k = 0; k < 3; k++) {
        char name[64];
        snprintf(name, sizeof name, "recurrent_gru.f%d.src.f32", k);
        src[k] = read_data(name, 3 * NPIX);
        snprintf(name, sizeof name, "recurrent_gru.f%d.pha.f32", k);
        pha[k] = read_data(name, NPIX);
        ok &= src[k] && pha[k];
    }
    CHECK(ok);
    for (int threads = 1; ok && threads <= 2; threads++) {
        bd_session_options so;
        bd_session_options_default(&so);
        so.n_threads = threads;
        bd_session *s = NULL;
        CHECK(bd_session_create(m, &so, &s) == BD_OK);
        if (!s) break;
        CHECK(bd_session_n_state_pairs(s) == 1);
        float *in = NULL, *state = NULL;
        size_t n = 0, ns = 0;
        CHECK(bd_session_input(s, 0, &in, &n) == BD_OK && n == 3 * NPIX);
        CHECK(bd_session_input(s, 1, &state, &ns) == BD_OK && ns == 4 * NPIX);
        int zero = 1;
        for (size_t i = 0; i < ns; i++) zero &= state[i] == 0.0f;
        CHECK_MSG(zero, "state is zero at creation");
        for (int pass = 0; pass < 2; pass++) {
            for (int k = 0; k < 3; k++) {
                memcpy(in, src[k], sizeof(float) * 3 * NPIX); /* only the image */
                CHECK(bd_session_run(s) == BD_OK);
                const float *out = NULL;
                size_t no = 0;
                CHECK(bd_session_output(s, 0, &out, &no) == BD_OK && no == NPIX);
                double worst = 0;
                CHECK_MSG(close_enough(out, pha[k], NPIX, &worst),
                          "threads %d pass %d frame %d: max diff %g", threads, pass, k, worst);
                if (pass == 1) break; /* after the reset: frame 0 again, then stop */
            }
            CHECK(bd_session_reset_state(s) == BD_OK);
            zero = 1;
            for (size_t i = 0; i < ns; i++) zero &= state[i] == 0.0f;
            CHECK(zero);
        }
        /* The state matters: frame 1 without the carried state differs from ORT's. */
        memcpy(in, src[1], sizeof(float) * 3 * NPIX);
        CHECK(bd_session_reset_state(s) == BD_OK && bd_session_run(s) == BD_OK);
        const float *out = NULL;
        size_t no = 0;
        double worst = 0;
        CHECK(bd_session_output(s, 0, &out, &no) == BD_OK);
        CHECK_MSG(!close_enough(out, pha[1], NPIX, &worst), "frame 1 from zero state: %g", worst);
        bd_session_free(s);
    }
    /* carry_state = -1: the caller owns the state */
    bd_session_options so;
    bd_session_options_default(&so);
    so.carry_state = -1;
    bd_session *s = NULL;
    CHECK(bd_session_create(m, &so, &s) == BD_OK && bd_session_n_state_pairs(s) == 0);
    bd_session_free(s);
    /* bad explicit pairs are refused */
    int pairs[2] = {0, 1}; /* src [1,3,..] vs r1o [1,4,..] */
    so.carry_state = 0;
    so.state_pairs = pairs;
    so.n_state_pairs = 1;
    s = NULL;
    CHECK(bd_session_create(m, &so, &s) == BD_ERR_INVALID_ARG && s == NULL);
    for (int k = 0; k < 3; k++) {
        free(src[k]);
        free(pha[k]);
    }
    bd_model_free(m);
}

static void test_pipeline_recurrent(void) {
    bd_model *m = load_fixture();
    if (!m) return;
    float *src[3], *pha[3];
    int ok = 1;
    for (int k = 0; k < 3; k++) {
        char name[64];
        snprintf(name, sizeof name, "recurrent_gru.f%d.src.f32", k);
        src[k] = read_data(name, 3 * NPIX);
        snprintf(name, sizeof name, "recurrent_gru.f%d.pha.f32", k);
        pha[k] = read_data(name, NPIX);
        ok &= src[k] && pha[k];
    }
    bd_pipeline_options po;
    bd_pipeline_options_default(&po);
    char why[256] = "";
    po.error_buf = why;
    po.error_buf_size = sizeof why;
    bd_pipeline *p = NULL;
    CHECK_MSG(bd_pipeline_create(m, &po, &p) == BD_OK, "%s", why);
    bd_image_buf *frame = NULL, *alpha = NULL;
    CHECK(bd_image_alloc(FW, FH, BD_PIXEL_RGB24, &frame) == BD_OK);
    CHECK(bd_image_alloc(FW, FH, BD_PIXEL_GRAY8, &alpha) == BD_OK);
    if (!p || !frame || !alpha || !ok) goto done;
    /* A frame of the model's size is sampled 1:1. ORT's inputs are not multiples of
     * 1/255, so the pipeline's alpha is compared with ORT's within the error
     * that u8 quantisation of the input allows, and exactly with itself after a reset. */
    const bd_image *f = bd_image_view(frame), *a = bd_image_view(alpha);
    uint8_t first[NPIX];
    for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < 3; k++) {
            for (int y = 0; y < FH; y++)
                for (int x = 0; x < FW; x++)
                    for (int c = 0; c < 3; c++)
                        f->data[y * f->stride_bytes + x * 3 + c] =
                            (uint8_t)lrintf(src[k][c * NPIX + y * FW + x] * 255.0f);
            CHECK(bd_pipeline_mask(p, f, a) == BD_OK);
            int worst = 0;
            for (int y = 0; y < FH; y++)
                for (int x = 0; x < FW; x++) {
                    int d = abs((int)a->data[y * a->stride_bytes + x] -
                                (int)lrintf(pha[k][y * FW + x] * 255.0f));
                    worst = d > worst ? d : worst;
                }
            CHECK_MSG(worst <= 3, "pass %d frame %d: alpha off by %d", pass, k, worst);
            if (k == 0) {
                for (int y = 0; y < FH; y++) {
                    if (pass == 0) memcpy(first + y * FW, a->data + y * a->stride_bytes, FW);
                    else CHECK(memcmp(first + y * FW, a->data + y * a->stride_bytes, FW) == 0);
                }
            }
            if (pass == 1) break;
        }
        CHECK(bd_pipeline_reset_state(p) == BD_OK);
    }
done:
    bd_image_free(frame);
    bd_image_free(alpha);
    bd_pipeline_free(p);
    for (int k = 0; k < 3; k++) {
        free(src[k]);
        free(pha[k]);
    }
    bd_model_free(m);
}

/* NCHW + BGR + per-channel normalisation == the NHWC reference, permuted. */
static void test_tensor_conv(void) {
    bd_image_buf *img = NULL;
    CHECK(bd_image_alloc(13, 7, BD_PIXEL_RGB24, &img) == BD_OK);
    if (!img) return;
    const bd_image *v = bd_image_view(img);
    unsigned seed = 3;
    for (int y = 0; y < 7; y++)
        for (int x = 0; x < 39; x++) v->data[y * v->stride_bytes + x] = (uint8_t)harness_rand(&seed);
    bd_linear_axis ax = {0}, ay = {0};
    const int ow = 9, oh = 5;
    CHECK(bd_linear_axis_set(&ax, 13, ow, 13.0 / ow, 0.0) == BD_OK);
    CHECK(bd_linear_axis_set(&ay, 7, oh, 7.0 / oh, 0.0) == BD_OK);
    float lut[256], ref[9 * 5 * 3], got[9 * 5 * 3];
    bd_tensor_lut(1.0f, 0.0f, lut);
    bd_image_to_tensor_fit(v, &ax, &ay, 1, 8, 0, 4, -7.0f, lut, ref);
    bd_tensor_map tm;
    tm.planar = 1;
    tm.rows = NULL;
    const float mean[3] = {0.1f, 0.2f, 0.3f}, std[3] = {0.5f, 0.25f, 2.0f};
    for (int c = 0; c < 3; c++) { /* tensor channel c holds source channel 2 - c */
        tm.dst_channel[c] = 2 - c;
        bd_tensor_lut(1.0f / std[c], -mean[c] / std[c], tm.lut[c]);
        tm.pad[c] = (float)c;
    }
    bd_image_to_tensor_conv(v, &ax, &ay, 1, 8, 0, 4, &tm, got);
    int bad = 0;
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++)
            for (int t = 0; t < 3; t++) {
                const float g = got[t * ow * oh + y * ow + x];
                const float r = ref[(y * ow + x) * 3 + (2 - t)];
                const int inside = x >= 1 && x < 8 && y < 4;
                const float want = inside ? (r - mean[t]) / std[t] : (float)t;
                if (!(fabsf(g - want) <= 1e-5f)) bad++;
            }
    CHECK_MSG(bad == 0, "%d values differ", bad);
    bd_linear_axis_free(&ax);
    bd_linear_axis_free(&ay);
    bd_image_free(img);
}

/* RVM's downsample_ratio: a [1] input bound to a constant at load (option, else
 * automatic: 1 for small frames), so the Resize scales computed from it fold. */
static void test_runtime_scalar(void) {
    const char *dir = harness_env_dir("BD_SOURCE_DIR");
    char path[1024];
    if (!dir) return;
    harness_path(path, sizeof path, dir, "tests/data/onnx/runtime_scale.onnx");
    const float ratios[3] = {0.0f, 0.5f, 0.25f};
    const int64_t sides[3] = {8, 4, 2};
    for (int k = 0; k < 3; k++) {
        bd_model_options mo;
        bd_model_options_default(&mo);
        mo.downsample_ratio = ratios[k];
        bd_model *m = NULL;
        CHECK(bd_model_create(&mo, &m) == BD_OK);
        if (!m) return;
        bd_status st = bd_model_load_file(m, path);
        CHECK_MSG(st == BD_OK, "ratio %g: %s", (double)ratios[k], bd_model_last_error(m));
        bd_tensor_info out;
        bd_model_stats stats = {.struct_size = sizeof stats};
        CHECK(st != BD_OK || (bd_model_n_inputs(m) == 1 &&
                              bd_model_output_info(m, 0, &out) == BD_OK && out.n_dims == 4 &&
                              out.dims[2] == sides[k] && out.dims[3] == sides[k]));
        CHECK(st != BD_OK || (bd_model_get_stats(m, &stats) == BD_OK &&
                              stats.downsample_ratio == (ratios[k] > 0 ? ratios[k] : 1.0f)));
        bd_model_free(m);
    }
    bd_model_options mo;
    bd_model_options_default(&mo);
    bd_model *m = NULL;
    mo.downsample_ratio = 1.5f; /* out of (0, 1] */
    CHECK(bd_model_create(&mo, &m) == BD_ERR_INVALID_ARG && m == NULL);
    m = load_rel("BD_SOURCE_DIR", "tests/data/onnx/runtime_scalar.onnx");
    CHECK(m != NULL);
    if (!m) return;
    bd_model_conventions c;
    CHECK(bd_model_n_inputs(m) == 1);
    CHECK(infer(m, &c) == BD_OK && c.image_input == 0 && c.n_state_pairs == 0);
    bd_model_free(m);
}

/* Conventions an ONNX file states in metadata_props ("backdrop.KEY"). */
static void test_metadata_props(void) {
    bd_model *m = load_rel("BD_SOURCE_DIR", "tests/data/onnx/meta_props.onnx");
    CHECK(m != NULL);
    if (!m) return;
    bd_model_conventions c;
    CHECK(infer(m, &c) == BD_OK);
    CHECK(c.bgr == 1 && c.from_color == BD_FROM_INFERRED);
    CHECK(fabsf(c.mean[0] - 0.485f) < 1e-7f && fabsf(c.std[2] - 0.225f) < 1e-7f &&
          c.from_norm == BD_FROM_INFERRED);
    CHECK(c.person_class == 0 && c.from_class == BD_FROM_INFERRED);
    CHECK(c.n_classes == 2 && c.output_kind == BD_OUTPUT_LOGITS);
    char err[256] = "";
    CHECK(parse(m, "color = rgb\n", &c, err, sizeof err) == BD_OK); /* the sidecar wins */
    CHECK(c.bgr == 0 && c.from_color == BD_FROM_SIDECAR);
    bd_model_free(m);

    m = load_rel("BD_SOURCE_DIR", "tests/data/onnx/meta_props_bad.onnx");
    CHECK(m != NULL);
    if (!m) return;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    CHECK(bd_model_conventions_infer(m, &c, err, sizeof err) == BD_ERR_FORMAT);
    CHECK_MSG(strstr(err, "metadata_props:2: unknown key 'colour'") != NULL, "%s", err);
    bd_pipeline_options po;
    bd_pipeline_options_default(&po);
    char why[256] = "";
    po.error_buf = why;
    po.error_buf_size = sizeof why;
    bd_pipeline *p = NULL;
    CHECK(bd_pipeline_create(m, &po, &p) == BD_ERR_FORMAT && p == NULL);
    CHECK_MSG(strstr(why, "unknown key 'colour'") != NULL, "%s", why);
    bd_model_free(m);
}

int main(void) {
    RUN(test_metadata_props);
    RUN(test_runtime_scalar);
    RUN(test_infer_selfie);
    RUN(test_infer_mediapipe);
    RUN(test_infer_recurrent);
    RUN(test_sidecar_good);
    RUN(test_sidecar_hostile);
    RUN(test_session_state);
    RUN(test_pipeline_recurrent);
    RUN(test_tensor_conv);
    return harness_finish();
}
