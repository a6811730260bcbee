/*
 * graph_build.h -- graphs built by hand for the model tests (test_planner_alias.c,
 * test_split_concat.c): values, nodes, graph inputs/outputs, the compile steps of
 * bd_model_load after import, and one run. Included once per test program.
 */
#ifndef BD_TEST_GRAPH_BUILD_H
#define BD_TEST_GRAPH_BUILD_H

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

/* cat = concat(relu(x[.., c0 : c0 + parts[k]]) for each k) on the channel axis of
 * x [1,h,w,C] (the parts relu'd, so they are computed, not views): the slices are
 * nodes 2k, the relus 2k + 1, the concat 100. */
static void add_concat_of_parts(bd_graph *g, int x, int cat, const int *parts, int n_parts,
                                int h, int w) {
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
}

/* Does this CPU and build have AVX512_BF16 (bf16 true) or AVX512_VNNI? Skips the
 * test (harness_skip, with what) if not. */
static bool have_or_skip(bool bf16, const char *what) {
    bd_cpu_info ci;
    bd_cpu_detect(&ci);
#if !defined(BD_HAVE_AVX512_BF16)
    ci.avx512_bf16 = false;
#endif
#if !defined(BD_HAVE_AVX512_VNNI)
    ci.avx512_vnni = false;
#endif
    if (bf16 ? ci.avx512_bf16 : ci.avx512_vnni) return true;
    harness_skip("no %s on this CPU/build: %s not run", bf16 ? "AVX512_BF16" : "AVX512_VNNI",
                 what);
    return false;
}

/* Weight [dw] and bias [dw[0]] constants of a convolution, zero-filled (*wt and
 * *bias point at them); false (checked) if out of memory. */
static bool add_conv_consts(bd_graph *g, const int64_t *dw, int *wv, int *bv, float **wt,
                            float **bias) {
    *wv = bd_graph_add_const(g, "w", BD_DTYPE_F32, 4, dw, (void **)wt, &err);
    *bv = bd_graph_add_const(g, "b", BD_DTYPE_F32, 1, dw, (void **)bias, &err);
    CHECK(*wv >= 0 && *bv >= 0);
    return *wv >= 0 && *bv >= 0;
}

#endif /* BD_TEST_GRAPH_BUILD_H */
