/*
 * test_planner_alias.c -- memory the planner shares instead of copying, on graphs
 * built by hand (runtime/planner.c, model.c fold_concats):
 *   - nested concat elision: concat(concat(a, b), c) on an axis with only size-1
 *     dims before it places a, b and c inside the outer output at their offsets
 *     (the inner parts keep their offsets within the inner concat); values right;
 *   - a channel concat read in place by the bf16 conversion of the conv after it:
 *     parts [1,3], [3,1], [1,15], [2,3], [1,33], [16,4,4] into an identity 1x1 conv
 *     at 1 and 2 threads give back the input; a last part of cp - 1 channels (an
 *     even total) is not folded (the kernel's pad would land on the next pixel).
 * The bf16 half is skipped without AVX512_BF16.
 */
#include <math.h>

#include "graph_build.h"

static void test_nested_concat(void) {
    bd_model *m = new_model();
    if (!m) return;
    bd_graph *g = &m->graph;
    const int64_t d2[2] = {1, 2}, d4[2] = {1, 4}, d6[2] = {1, 6};
    int x = val(g, "x", 2, d6), p[3], r[3];
    mark(g, x, true);
    for (int k = 0; k < 3; k++) { /* r_k = relu(x[:, 2k : 2k+2]): computed, not views */
        char nm[8];
        snprintf(nm, sizeof nm, "p%d", k);
        p[k] = val(g, nm, 2, d2);
        snprintf(nm, sizeof nm, "r%d", k);
        r[k] = val(g, nm, 2, d2);
        bd_node s = op1(BD_OP_SLICE, k, x, p[k]);
        s.pads[1] = 2 * k;
        s.pads[2] = s.pads[3] = 1;
        add(g, &s);
        bd_node a = op1(BD_OP_RELU, 3 + k, p[k], r[k]);
        add(g, &a);
    }
    int in_cat = val(g, "A", 2, d4), out_cat = val(g, "B", 2, d6), y = val(g, "y", 2, d6);
    bd_node c1 = op1(BD_OP_CONCAT, 6, r[0], in_cat);
    c1.n_inputs = 2, c1.inputs[1] = r[1], c1.axis = 1;
    add(g, &c1);
    bd_node c2 = op1(BD_OP_CONCAT, 7, in_cat, out_cat);
    c2.n_inputs = 2, c2.inputs[1] = r[2], c2.axis = 1;
    add(g, &c2);
    bd_node last = op1(BD_OP_RELU, 8, out_cat, y);
    add(g, &last);
    mark(g, y, false);
    if (compile(m, BD_ISA_REF, BD_PRECISION_FP32)) {
        for (int k = 0; k < 3; k++)
            CHECK_MSG(g->values[r[k]].alias_of == out_cat &&
                          g->values[r[k]].alias_offset == (size_t)k * 2 * sizeof(float),
                      "part %d: alias_of %d, offset %zu", k, g->values[r[k]].alias_of,
                      g->values[r[k]].alias_offset);
        const float in[6] = {1, 2, 3, 4, 5, 6};
        float out[6] = {0};
        for (int t = 1; t <= 2; t++)
            if (run(m, t, in, 6, out))
                CHECK_MSG(memcmp(in, out, sizeof in) == 0, "%d threads: %g %g %g %g %g %g", t,
                          out[0], out[1], out[2], out[3], out[4], out[5]);
    }
    bd_model_free(m);
}

/* x [1,H,W,C] split into channel parts (relu'd, so they are computed), concatenated
 * again and put through an identity 1x1 conv in bf16: y == x for values exact in bf16. */
static void bf16_parts(const int *parts, int n_parts, int threads, int h, int w, bool folds) {
    bd_model *m = new_model();
    if (!m) return;
    bd_graph *g = &m->graph;
    int c = 0;
    for (int k = 0; k < n_parts; k++) c += parts[k];
    const int64_t dx[4] = {1, h, w, c};
    int x = val(g, "x", 4, dx), cat = val(g, "cat", 4, dx), y = val(g, "y", 4, dx);
    mark(g, x, true);
    add_concat_of_parts(g, x, cat, parts, n_parts, h, w);
    const int64_t dw[4] = {c, 1, 1, c};
    float *wt = NULL, *bias = NULL;
    int wv, bv;
    if (!add_conv_consts(g, dw, &wv, &bv, &wt, &bias)) {
        bd_model_free(m);
        return;
    }
    for (int o = 0; o < c; o++) wt[o * c + o] = 1.0f;
    bd_node conv = op1(BD_OP_CONV2D, 101, cat, y);
    conv.n_inputs = 3, conv.inputs[1] = wv, conv.inputs[2] = bv;
    conv.conv.stride_h = conv.conv.stride_w = conv.conv.dilation_h = conv.conv.dilation_w = 1;
    add(g, &conv);
    mark(g, y, false);
    if (compile(m, BD_ISA_AVX512, BD_PRECISION_BF16)) {
        const bd_node *cnode = &g->nodes[g->values[cat].producer];
        CHECK_MSG(m->n_ops_bf16 == 1 && cnode->concat_skipped == folds,
                  "parts of %d (%d...): bf16 ops %d, concat skipped %d, expected %d", n_parts,
                  parts[0], m->n_ops_bf16, cnode->concat_skipped, folds);
        const size_t n = (size_t)h * w * c;
        float *in = malloc(n * sizeof *in), *out = malloc(n * sizeof *out);
        if (in && out) {
            for (size_t i = 0; i < n; i++) in[i] = (float)(1 + (i * 5) % 7); /* exact in bf16 */
            if (run(m, threads, in, n, out)) {
                size_t bad = 0;
                for (size_t i = 0; i < n; i++) bad += out[i] != in[i];
                CHECK_MSG(bad == 0, "parts of %d (%d...) at %d threads: %zu of %zu wrong", n_parts,
                          parts[0], threads, bad, n);
            }
        }
        free(in);
        free(out);
    }
    bd_model_free(m);
}

static void test_bf16_parts(void) {
    if (!have_or_skip(true, "the bf16 parts")) return;
    static const int p13[] = {1, 3}, p31[] = {3, 1}, p115[] = {1, 15}, p23[] = {2, 3};
    static const int p133[] = {1, 33}, p1644[] = {16, 4, 4};
    for (int t = 1; t <= 2; t++) {
        bf16_parts(p13, 2, t, 8, 8, false); /* last part cp - 1: kept */
        bf16_parts(p31, 2, t, 8, 8, true);
        bf16_parts(p115, 2, t, 5, 7, false);
        bf16_parts(p23, 2, t, 8, 8, true); /* odd total: the pad after the whole */
        bf16_parts(p133, 2, t, 3, 9, false);
        bf16_parts(p1644, 3, t, 33, 17, true);
    }
    bf16_parts(p13, 2, 2, 64, 64, false);
}

int main(void) {
    RUN(test_nested_concat);
    RUN(test_bf16_parts);
    return harness_finish();
}
