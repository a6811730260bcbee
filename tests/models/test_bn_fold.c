/*
 * test_bn_fold.c -- BatchNormalization folded into convolutions (passes/bn_fold.c
 * with pattern.c's bias fold), on tests/data/onnx/conv_bn_fold.onnx:
 * Conv -> BN -> Relu -> depthwise Conv -> BN -> ConvTranspose -> BN.
 *
 * The graph is compiled twice by hand (the load pipeline of model.c): once with
 * the folds and once without. Checks: before, 3 MULs and 3 ADDs follow the three
 * convolutions; after, none are left and the compiled graph is the convolutions
 * plus the input/output layout transposes; both graphs compute the same output
 * within 1e-5 of its range (the fold only reorders roundings), and the folded one
 * matches ONNX Runtime.
 */
#include <math.h>

#include "harness.h"
#include "import/onnx/onnx.h"
#include "runtime/runtime.h"

static int count(const bd_graph *g, bd_op_type op) {
    int n = 0;
    for (int i = 0; i < g->n_nodes; i++) n += g->nodes[i].op == op;
    return n;
}

/* model.c's load() with the BN fold switched on or off (bias fold and fusion
 * follow only when folding, as they would merge the ADD/RELU otherwise too). */
static bd_status build(bd_model *m, const unsigned char *data, size_t size, bool fold,
                       int *n_mul, int *n_add) {
    bd_graph *g = &m->graph;
    bd_status st;
    bd_model_options_default(&m->opts);
    bd_graph_init(g, m->opts.max_tensor_bytes);
    if ((st = bd_onnx_import(data, size, &m->opts, NULL, g, &m->err)) ||
        (st = bd_pass_fold_constants(g, &m->err)) || (st = bd_graph_compact(g, &m->err)) ||
        (st = bd_graph_verify(g, &m->err)))
        return st;
    if (fold) {
        if ((st = bd_pass_fold_batchnorm(g, &m->err)) ||
            (st = bd_pass_match_patterns(g, &m->err)) || (st = bd_pass_fuse(g, &m->err)) ||
            (st = bd_graph_verify(g, &m->err)))
            return st;
    }
    *n_mul = count(g, BD_OP_MUL);
    *n_add = count(g, BD_OP_ADD);
    bd_graph_analyse(g);
    if ((st = bd_plan_memory(g, &m->arena_bytes, &m->err))) return st;
    bd_kernels_init(&m->kernels, BD_ISA_REF);
    if ((st = bd_pack_weights(m))) return st;
    m->loaded = true;
    return BD_OK;
}

static float *run(const bd_model *m, const float *in, size_t n_in, size_t *n_out) {
    bd_session *s = NULL;
    float *x, *copy = NULL;
    const float *y;
    size_t n;
    if (bd_session_create(m, NULL, &s) == BD_OK && bd_session_input(s, 0, &x, &n) == BD_OK &&
        n == n_in) {
        memcpy(x, in, n * 4);
        if (bd_session_run(s) == BD_OK && bd_session_output(s, 0, &y, n_out) == BD_OK) {
            copy = malloc(*n_out * 4);
            if (copy) memcpy(copy, y, *n_out * 4);
        }
    }
    bd_session_free(s);
    return copy;
}

static void test_fold(void) {
    const char *src = harness_env_dir("BD_SOURCE_DIR");
    char path[1200];
    if (!src) {
        harness_skip_data("BD_SOURCE_DIR not set");
        return;
    }
    size_t size = 0, in_bytes = 0, ref_bytes = 0;
    snprintf(path, sizeof path, "%s/tests/data/onnx/conv_bn_fold.onnx", src);
    unsigned char *data = harness_read_file(path, &size);
    snprintf(path, sizeof path, "%s/tests/data/onnx/conv_bn_fold.input.f32", src);
    float *in = (float *)harness_read_file(path, &in_bytes);
    snprintf(path, sizeof path, "%s/tests/data/onnx/conv_bn_fold.ort.f32", src);
    float *ref = (float *)harness_read_file(path, &ref_bytes);
    CHECK(data && in && ref);
    if (!data || !in || !ref) goto out;
    bd_model *plain = calloc(1, sizeof *plain), *folded = calloc(1, sizeof *folded);
    int mul0 = -1, add0 = -1, mul1 = -1, add1 = -1;
    CHECK(plain && folded);
    bd_status s0 = build(plain, data, size, false, &mul0, &add0);
    bd_status s1 = build(folded, data, size, true, &mul1, &add1);
    CHECK_MSG(s0 == BD_OK, "%s", plain->err.msg);
    CHECK_MSG(s1 == BD_OK, "%s", folded->err.msg);
    if (s0 == BD_OK && s1 == BD_OK) {
        const bd_graph *g = &folded->graph;
        int convs = count(g, BD_OP_CONV2D) + count(g, BD_OP_DWCONV2D) + count(g, BD_OP_TCONV2D);
        printf("before: %d ops (%d MUL, %d ADD); after: %d ops (%d MUL, %d ADD, %d convs, "
               "%d RELU)\n",
               plain->graph.n_nodes, mul0, add0, g->n_nodes, mul1, add1, convs,
               count(g, BD_OP_RELU));
        CHECK(mul0 == 3 && add0 == 3);
        CHECK(mul1 == 0 && add1 == 0 && convs == 3 && count(g, BD_OP_RELU) == 0);
        CHECK(g->n_nodes == convs + count(g, BD_OP_TRANSPOSE) + count(g, BD_OP_RESHAPE));
        size_t n0 = 0, n1 = 0;
        float *y0 = run(plain, in, in_bytes / 4, &n0), *y1 = run(folded, in, in_bytes / 4, &n1);
        CHECK(y0 && y1 && n0 == ref_bytes / 4 && n1 == n0);
        if (y0 && y1 && n0 == ref_bytes / 4 && n1 == n0) {
            float lo = ref[0], hi = ref[0];
            double d01 = 0, d1r = 0;
            for (size_t i = 0; i < n0; i++) {
                lo = fminf(lo, ref[i]);
                hi = fmaxf(hi, ref[i]);
                d01 = fmax(d01, fabs((double)y0[i] - y1[i]));
                d1r = fmax(d1r, fabs((double)y1[i] - ref[i]));
            }
            printf("folded vs unfolded: max abs %.3g, folded vs ORT %.3g (range %.3g)\n", d01,
                   d1r, (double)(hi - lo));
            CHECK(d01 <= 1e-5 * (hi - lo));
            CHECK(d1r <= 1e-5 * (hi - lo));
        }
        free(y0);
        free(y1);
    }
    bd_model_free(plain);
    bd_model_free(folded);
out:
    free(data);
    free(in);
    free(ref);
}

int main(void) {
    RUN(test_fold);
    return harness_finish();
}
