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

#include "harness.h"
#include "runtime/runtime.h"

static bd_err err;

static int val(bd_graph *g, const char *name, int nd, const int64_t *d) {
    int v = bd_graph_add_value(g, name, BD_DTYPE_F32, nd, d, &err);
    CHECK_MSG(v >= 0, "value %s: %s", name, err.msg);
    return v;
}

static void mark(bd_graph *g, int v, bool input) {
    int **list = input ? &g->inputs : &g->outputs;
    int *n = input ? &g->n_inputs : &g->n_outputs;
    int *grown = realloc(*list, sizeof(int) * (size_t)(*n + 1));
    if (!grown) return;
    *list = grown;
    (*list)[(*n)++] = v;
    if (input) g->values[v].is_input = true;
    else g->values[v].is_output = true;
}

static void add(bd_graph *g, bd_node *n) {
    CHECK_MSG(bd_graph_add_node(g, n, &err) >= 0, "node: %s", err.msg);
}

static bd_node op1(bd_op_type op, int idx, int in, int out) {
    bd_node n;
    bd_node_init(&n, op, idx, "test");
    n.n_inputs = 1;
    n.inputs[0] = in;
    n.output = out;
    return n;
}

/* The steps of bd_model_load after import: verify, analyse, plan, kernels, pack. */
static bool compile(bd_model *m, bd_isa isa, bd_precision prec) {
    bd_graph *g = &m->graph;
    bool ok = bd_graph_verify(g, &m->err) == BD_OK;
    if (ok) bd_graph_analyse(g);
    ok = ok && bd_plan_memory(g, &m->arena_bytes, &m->err) == BD_OK;
    if (ok) {
        bd_kernels_init(&m->kernels, bd_isa_resolve(isa));
        m->opts.precision = m->precision = prec;
        ok = bd_pack_weights(m) == BD_OK;
    }
    CHECK_MSG(ok, "compile: %s", m->err.msg);
    m->loaded = ok;
    return ok;
}

static bd_model *new_model(void) {
    bd_model *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    bd_model_options_default(&m->opts);
    bd_graph_init(&m->graph, m->opts.max_tensor_bytes);
    return m;
}

/* Runs m once on in (n floats); the output copied into out. */
static bool run(const bd_model *m, int threads, const float *in, size_t n, float *out) {
    bd_session_options so;
    bd_session_options_default(&so);
    so.n_threads = threads;
    bd_session *s = NULL;
    float *x;
    const float *y;
    size_t nx = 0, ny = 0;
    bool ok = bd_session_create(m, &so, &s) == BD_OK && bd_session_input(s, 0, &x, &nx) == BD_OK &&
              nx == n;
    if (ok) {
        memcpy(x, in, n * sizeof *x);
        ok = bd_session_run(s) == BD_OK && bd_session_output(s, 0, &y, &ny) == BD_OK && ny == n;
        if (ok) memcpy(out, y, n * sizeof *out);
    }
    bd_session_free(s);
    CHECK(ok);
    return ok;
}

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
    bd_node cn = op1(BD_OP_CONCAT, 100, -1, cat);
    cn.n_inputs = n_parts;
    cn.axis = 3;
    for (int k = 0, c0 = 0; k < n_parts; c0 += parts[k], k++) {
        const int64_t dp[4] = {1, h, w, parts[k]};
        char nm[16];
        snprintf(nm, sizeof nm, "s%d", k);
        int s = val(g, nm, 4, dp);
        snprintf(nm, sizeof nm, "r%d", k);
        int r = val(g, nm, 4, dp);
        bd_node sl = op1(BD_OP_SLICE, 2 * k, x, s);
        for (int i = 0; i < 4; i++) sl.pads[4 + i] = 1;
        sl.pads[3] = c0;
        add(g, &sl);
        bd_node re = op1(BD_OP_RELU, 2 * k + 1, s, r);
        add(g, &re);
        cn.inputs[k] = r;
    }
    add(g, &cn);
    const int64_t dw[4] = {c, 1, 1, c}, db[1] = {c};
    float *wt = NULL, *bias = NULL;
    int wv = bd_graph_add_const(g, "w", BD_DTYPE_F32, 4, dw, (void **)&wt, &err);
    int bv = bd_graph_add_const(g, "b", BD_DTYPE_F32, 1, db, (void **)&bias, &err);
    CHECK(wv >= 0 && bv >= 0);
    if (wv < 0 || bv < 0) {
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
    bd_cpu_info ci;
    bd_cpu_detect(&ci);
#if !defined(BD_HAVE_AVX512_BF16)
    ci.avx512_bf16 = false;
#endif
    if (!ci.avx512_bf16) {
        harness_skip("no AVX512_BF16 on this CPU/build: the bf16 parts not run");
        return;
    }
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
