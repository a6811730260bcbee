/*
 * test_onnx_passes.c -- the load-time rewrites for PyTorch's MobileNetV3 and
 * DeepLabV3 exports, on small models from scripts/make_onnx_passdata.py:
 *   pass_hswish_se: HardSigmoid(1/6, 1/2) * x becomes HARDSWISH and fuses into
 *     the conv; the squeeze-excite gate's HardSigmoid folds into its conv
 *     (scale into the weights, + 1/2 into the bias, clip as the activation);
 *   pass_dilated: a 3x3 conv with dilation 6 on 5 rows loses its unused tap
 *     rows, one with dilation 24 on 5x23 becomes 1x1; depthwise 3x3 and 5x5 with
 *     dilation 2 run the fast tiles;
 *   pass_ibnorm: MODNet's IBNorm (Slice, BatchNorm / InstanceNorm, Concat, Relu)
 *     becomes one INSTANCE_NORM over a channel range with the relu fused, twice
 *     (the norm part second and first; a large instance mean in the first);
 *   pass_slice_view: two Slices of rows of an NHWC map (one of the other) are
 *     views into the conv's output (runtime/planner.c), a window of columns is
 *     not, nor are rows with their columns reversed; a relu, a 1x1 conv and a
 *     concat read them;
 *   pass_layout: an NCHW input and its channel mean concatenated, times a conv's
 *     output, box-filtered twice (RVM's refiner): the concat and the product are
 *     made NHWC, so only two TRANSPOSEs remain (the input for the first conv, the
 *     output back to NCHW);
 *   pass_rejoin: a conv's output split in two and concatenated again in order is
 *     the output (no CONCAT, no SLICE); a second split concatenated in the other
 *     order keeps its two slices and its concat;
 *   pass_affine_tail: RVM's last step (two upsampled coefficient maps, A * x + B)
 *     split 3 + 1, the 3 plus the input's first channels, both parts clipped to
 *     [0, 1]: one RESIZE_AFFINE with the addend and the clamp, no ADD or CLAMP left.
 * Checked: the compiled structure, the output against ONNX Runtime at every ISA
 * (max |ours - ort| <= 1e-4 * range), and bit-identical outputs with 1, 2 and 3
 * threads (dynamic tile claiming must not change results).
 */
#include <math.h>

#include "harness.h"
#include "runtime/runtime.h"

static float *run(const bd_model *m, const float *in, size_t n_in, int n_threads, size_t *n_out) {
    bd_session_options so;
    bd_session_options_default(&so);
    so.n_threads = n_threads;
    bd_session *s = NULL;
    float *x, *copy = NULL;
    const float *y;
    size_t n = 0;
    if (bd_session_create(m, &so, &s) || bd_session_input(s, 0, &x, &n) || n != n_in) {
        CHECK_MSG(0, "session or input size (%zu vs %zu)", n, n_in);
        goto out;
    }
    memcpy(x, in, n * 4);
    for (int r = 0; r < 3; r++) CHECK(bd_session_run(s) == BD_OK); /* reruns: same result */
    CHECK(bd_session_output(s, 0, &y, n_out) == BD_OK);
    copy = malloc(*n_out * 4 + 4);
    if (copy) memcpy(copy, y, *n_out * 4);
out:
    bd_session_free(s);
    return copy;
}

static int count_op(const bd_graph *g, bd_op_type op) {
    int c = 0;
    for (int i = 0; i < g->n_nodes; i++) c += g->nodes[i].op == op;
    return c;
}

/* The idx-th node with op `op`, or NULL. */
static const bd_node *nth_op(const bd_graph *g, bd_op_type op, int idx) {
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].op == op && idx-- == 0) return &g->nodes[i];
    return NULL;
}

static void check_structure(const char *name, const bd_graph *g) {
    if (strcmp(name, "pass_hswish_se") == 0) {
        CHECK_MSG(count_op(g, BD_OP_CLAMP) == 0 && count_op(g, BD_OP_ADD) == 0 &&
                      count_op(g, BD_OP_HARDSWISH) == 0,
                  "%s: HardSigmoid pieces left", name);
        const bd_node *c0 = nth_op(g, BD_OP_CONV2D, 0), *c2 = nth_op(g, BD_OP_CONV2D, 2);
        CHECK_MSG(c0 && c0->act == BD_ACT_HARDSWISH, "%s: hardswish not fused", name);
        CHECK_MSG(c2 && c2->act == BD_ACT_CLAMP && c2->act_min == 0.0f && c2->act_max == 1.0f,
                  "%s: SE gate not folded into its conv", name);
        CHECK_MSG(count_op(g, BD_OP_MUL) == 1, "%s: %d MULs (want the gate only)", name,
                  count_op(g, BD_OP_MUL));
    } else if (strcmp(name, "pass_slice_view") == 0) {
        const bd_node *s0 = nth_op(g, BD_OP_SLICE, 0), *s1 = nth_op(g, BD_OP_SLICE, 1);
        const bd_node *s2 = nth_op(g, BD_OP_SLICE, 2), *c0 = nth_op(g, BD_OP_CONV2D, 0);
        const bd_node *s3 = nth_op(g, BD_OP_SLICE, 3);
        CHECK_MSG(s0 && s1 && s2 && s3 && c0 && count_op(g, BD_OP_SLICE) == 4, "%s: slices",
                  name);
        if (s0 && s1 && s2 && s3 && c0) {
            const bd_value *v0 = &g->values[s0->output], *v1 = &g->values[s1->output];
            const bd_value *w = &g->values[s2->output];
            const size_t row = 10 * 6 * sizeof(float); /* one NHWC row of the conv */
            CHECK_MSG(v0->alias_of == c0->output && v0->alias_offset == 2 * row,
                      "%s: rows 2..9 not a view at row 2 (%d, %zu)", name, v0->alias_of,
                      v0->alias_offset);
            CHECK_MSG(v1->alias_of == c0->output && v1->alias_offset == 3 * row,
                      "%s: rows 1..4 of the view not a view at row 3 (%d, %zu)", name,
                      v1->alias_of, v1->alias_offset);
            CHECK_MSG(w->alias_of < 0, "%s: the column window is not contiguous", name);
            CHECK_MSG(g->values[s3->output].alias_of < 0,
                      "%s: rows with their columns reversed are not a view", name);
            size_t off = 0;
            CHECK(bd_slice_view(g, s0, &off) && off == 2 * row && !bd_slice_view(g, s2, &off) &&
                  !bd_slice_view(g, s3, &off));
        }
    } else if (strcmp(name, "pass_layout") == 0) {
        const bd_node *cat = nth_op(g, BD_OP_CONCAT, 0), *mul = nth_op(g, BD_OP_MUL, 0);
        CHECK_MSG(count_op(g, BD_OP_TRANSPOSE) == 2, "%s: %d TRANSPOSEs (want 2)", name,
                  count_op(g, BD_OP_TRANSPOSE));
        CHECK_MSG(cat && cat->axis == 3 && mul && g->values[mul->output].dims[3] == 4,
                  "%s: the concat and the product are not NHWC", name);
    } else if (strcmp(name, "pass_rejoin") == 0) {
        const bd_node *dw = nth_op(g, BD_OP_DWCONV2D, 0);
        const int j = dw ? g->values[dw->inputs[0]].producer : -1;
        CHECK_MSG(count_op(g, BD_OP_CONCAT) == 1 && count_op(g, BD_OP_SLICE) == 2,
                  "%s: %d CONCATs and %d SLICEs (want 1 and 2)", name, count_op(g, BD_OP_CONCAT),
                  count_op(g, BD_OP_SLICE));
        CHECK_MSG(j >= 0 && g->nodes[j].op == BD_OP_RESHAPE &&
                      g->values[g->nodes[j].inputs[0]].producer >= 0 &&
                      g->nodes[g->values[g->nodes[j].inputs[0]].producer].op == BD_OP_CONV2D,
                  "%s: the rejoined concat is not a RESHAPE of the conv's output", name);
    } else if (strcmp(name, "pass_affine_tail") == 0) {
        const bd_node *f = nth_op(g, BD_OP_RESIZE_AFFINE, 0);
        CHECK_MSG(f && f->n_inputs == 4 && f->act == BD_ACT_CLAMP && f->act_min == 0.0f &&
                      f->act_max == 1.0f,
                  "%s: the tail is not in the RESIZE_AFFINE", name);
        CHECK_MSG(count_op(g, BD_OP_ADD) == 0 && count_op(g, BD_OP_CLAMP) == 0 &&
                      count_op(g, BD_OP_MUL) == 0 && count_op(g, BD_OP_RESIZE_BILINEAR) == 0,
                  "%s: element-wise ops left", name);
    } else if (strcmp(name, "pass_ibnorm") == 0) {
        const bd_node *n0 = nth_op(g, BD_OP_INSTANCE_NORM, 0);
        const bd_node *n1 = nth_op(g, BD_OP_INSTANCE_NORM, 1);
        CHECK_MSG(count_op(g, BD_OP_SLICE) == 0 && count_op(g, BD_OP_CONCAT) == 0 &&
                      count_op(g, BD_OP_MUL) == 0 && count_op(g, BD_OP_ADD) == 0 &&
                      count_op(g, BD_OP_RELU) == 0 && count_op(g, BD_OP_INSTANCE_NORM) == 2,
                  "%s: IBNorm pieces left", name);
        CHECK_MSG(n0 && n0->norm_c0 == 12 && n0->norm_c1 == 24 && n0->act == BD_ACT_RELU,
                  "%s: first split norm (channels 12..23, relu) not formed", name);
        CHECK_MSG(n1 && n1->norm_c0 == 0 && n1->norm_c1 == 13 && n1->act == BD_ACT_NONE,
                  "%s: second split norm (channels 0..12) not formed", name);
    } else {
        const bd_node *c0 = nth_op(g, BD_OP_CONV2D, 0), *c1 = nth_op(g, BD_OP_CONV2D, 1);
        const bd_value *w0 = c0 ? &g->values[c0->inputs[1]] : NULL;
        const bd_value *w1 = c1 ? &g->values[c1->inputs[1]] : NULL;
        CHECK_MSG(w0 && w0->dims[1] == 1 && w0->dims[2] == 3 && c0->conv.pad_top == 0 &&
                      c0->conv.pad_left == 6,
                  "%s: dilation-6 conv not trimmed to 1x3", name);
        CHECK_MSG(w1 && w1->dims[1] == 1 && w1->dims[2] == 1 && c1->conv.pad_top == 0 &&
                      c1->conv.pad_left == 0 && c1->conv.dilation_w == 1,
                  "%s: dilation-24 conv not a 1x1", name);
        CHECK(count_op(g, BD_OP_DWCONV2D) == 2);
    }
}

static void run_case(const char *dir, const char *name) {
    char path[1400];
    size_t model_size = 0, in_bytes = 0, ref_bytes = 0;
    snprintf(path, sizeof path, "%s/%s.onnx", dir, name);
    unsigned char *model = harness_read_file(path, &model_size);
    snprintf(path, sizeof path, "%s/%s.input.f32", dir, name);
    float *in = (float *)harness_read_file(path, &in_bytes);
    snprintf(path, sizeof path, "%s/%s.ort.f32", dir, name);
    float *ref = (float *)harness_read_file(path, &ref_bytes);
    CHECK_MSG(model && in && ref, "%s: files missing", name);
    bd_isa best = bd_isa_detect();
    for (int isa = BD_ISA_REF; model && in && ref && isa <= (int)best; isa++) {
        bd_model_options mo;
        bd_model_options_default(&mo);
        mo.isa = (bd_isa)isa;
        bd_model *m = NULL;
        CHECK(bd_model_create(&mo, &m) == BD_OK);
        if (bd_model_load_memory(m, model, model_size) != BD_OK) {
            CHECK_MSG(0, "%s: %s", name, bd_model_last_error(m));
            bd_model_free(m);
            break;
        }
        if (isa == BD_ISA_REF) check_structure(name, &m->graph);
        size_t n[3] = {0}, n_ref = ref_bytes / 4;
        float *y[3];
        for (int t = 0; t < 3; t++) y[t] = run(m, in, in_bytes / 4, t + 1, &n[t]);
        bool ok = y[0] && y[1] && y[2] && n[0] == n_ref && n[1] == n_ref && n[2] == n_ref;
        CHECK_MSG(ok, "%s: output has %zu values, ORT %zu", name, n[0], n_ref);
        if (ok) {
            float lo = ref[0], hi = ref[0];
            double max_abs = 0;
            size_t differ = 0;
            for (size_t i = 0; i < n_ref; i++) {
                lo = ref[i] < lo ? ref[i] : lo;
                hi = ref[i] > hi ? ref[i] : hi;
                double d = fabs((double)y[0][i] - ref[i]);
                if (!(d <= max_abs)) max_abs = d;
                differ += memcmp(&y[0][i], &y[1][i], 4) != 0 || memcmp(&y[0][i], &y[2][i], 4) != 0;
            }
            double range = fmax((double)hi - lo, 1e-3);
            printf("%-16s isa=%-6s max abs %.3g (range %.3g)\n", name,
                   bd_isa_name(m->kernels.isa), max_abs, range);
            CHECK_MSG(max_abs <= 1e-4 * range, "%s: max abs %g, range %g", name, max_abs, range);
            CHECK_MSG(differ == 0, "%s: %zu values differ between 1, 2, 3 threads", name, differ);
        }
        for (int t = 0; t < 3; t++) free(y[t]);
        bd_model_free(m);
    }
    free(model);
    free(in);
    free(ref);
}

static void test_pass_models(void) {
    const char *src = harness_env_dir("BD_SOURCE_DIR");
    char dir[1024];
    if (!src) {
        harness_skip_data("BD_SOURCE_DIR not set");
        return;
    }
    snprintf(dir, sizeof dir, "%s/tests/data/onnx", src);
    run_case(dir, "pass_hswish_se");
    run_case(dir, "pass_dilated");
    run_case(dir, "pass_ibnorm");
    run_case(dir, "pass_slice_view");
    run_case(dir, "pass_layout");
    run_case(dir, "pass_rejoin");
    run_case(dir, "pass_affine_tail");
}

int main(void) {
    RUN(test_pass_models);
    return harness_finish();
}
