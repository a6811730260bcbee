/*
 * precision_check.h -- shared by the reduced-precision accuracy tests
 * (test_bf16.c, test_int8.c; included by exactly one file each, after
 * harness.h): a model + session opened at a precision, ISA and thread count,
 * one run of input 0, an output found by name, and the accuracy budget of
 * issue 14 (mean |alpha - fp32 alpha| <= 1/255, IoU of the 0.5 masks >= 0.99).
 */
#ifndef BD_TEST_PRECISION_CHECK_H
#define BD_TEST_PRECISION_CHECK_H

#include <math.h>

#include "harness.h"
#include "runtime/runtime.h"

typedef struct runner {
    bd_model *m;
    bd_session *s;
    bd_model_stats st;
} runner;

/* Creates *m and loads model `path` at prec and isa for frames of w x h (0: the
 * model's own size) and RVM's ratio (0: automatic), its stats into *st. 0 or -1
 * (a failed check; *m may need freeing). */
static int load_model(bd_model **m, bd_model_stats *st, const char *path, bd_precision prec,
                      bd_isa isa, int w, int h, float ratio) {
    bd_model_options mo;
    bd_model_options_default(&mo);
    mo.precision = prec;
    mo.isa = isa;
    mo.frame_width = w;
    mo.frame_height = h;
    mo.downsample_ratio = ratio;
    st->struct_size = sizeof *st;
    if (bd_model_create(&mo, m) || bd_model_load_file(*m, path) || bd_model_get_stats(*m, st)) {
        CHECK_MSG(0, "%s: %s", path, *m ? bd_model_last_error(*m) : "no memory");
        return -1;
    }
    return 0;
}

static int open_runner(runner *r, const char *path, bd_precision prec, bd_isa isa, int threads,
                       int w, int h, float ratio) {
    bd_session_options so;
    bd_session_options_default(&so);
    so.n_threads = threads;
    memset(r, 0, sizeof *r);
    if (load_model(&r->m, &r->st, path, prec, isa, w, h, ratio)) return -1;
    if (bd_session_create(r->m, &so, &r->s)) {
        CHECK_MSG(0, "%s: %s", path, bd_model_last_error(r->m));
        return -1;
    }
    return 0;
}

static void close_runner(runner *r) {
    bd_session_free(r->s);
    bd_model_free(r->m);
}

/* Sets input 0 to x (n floats), runs, returns output `out` (n_out floats). */
static const float *run(runner *r, const float *x, size_t n, int out, size_t *n_out) {
    float *in;
    size_t ni;
    const float *o = NULL;
    if (bd_session_input(r->s, 0, &in, &ni) || ni != n) return NULL;
    memcpy(in, x, n * sizeof(float));
    if (bd_session_run(r->s) || bd_session_output(r->s, out, &o, n_out)) return NULL;
    return o;
}

static int output_index(const bd_model *m, const char *name) {
    for (int k = 0; k < bd_model_n_outputs(m); k++) {
        bd_tensor_info ti;
        if (bd_model_output_info(m, k, &ti) == BD_OK && strcmp(ti.name, name) == 0) return k;
    }
    return 0;
}

/* Mean abs difference (alphas clamped to [0, 1]) and IoU of the > 0.5 masks. */
static void compare(const float *a, const float *b, size_t n, double *mean, double *iou) {
    double sum = 0;
    size_t inter = 0, uni = 0;
    for (size_t i = 0; i < n; i++) {
        double x = a[i] < 0 ? 0 : a[i] > 1 ? 1 : a[i], y = b[i] < 0 ? 0 : b[i] > 1 ? 1 : b[i];
        sum += fabs(x - y);
        inter += x > 0.5 && y > 0.5;
        uni += x > 0.5 || y > 0.5;
    }
    *mean = n ? sum / (double)n : 0;
    *iou = uni ? (double)inter / (double)uni : 1.0;
}

static void check_budget(const char *what, double mean, double iou) {
    printf("  %-40s mean |d alpha| %.5f (%.2f/255), IoU %.5f\n", what, mean, mean * 255, iou);
    CHECK_MSG(mean <= 1.0 / 255.0, "%s: mean |d alpha| %.5f > 1/255", what, mean);
    CHECK_MSG(iou >= 0.99, "%s: IoU %.5f < 0.99", what, iou);
}

#endif /* BD_TEST_PRECISION_CHECK_H */
