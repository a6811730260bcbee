/*
 * test_split_concat.c -- passes/split_concat.c on graphs built by hand: a 3x3
 * convolution (padding 1, optional residual, ReLU) on a channel CONCAT of parts
 * of x (after an identity 1x1 stem), split into one convolution per part summed
 * through the residual input:
 *   - the graph after the pass: one CONV2D per part, no CONCAT, verified; not split
 *     when every part has < 8 channels or the conv is the graph's first dense one;
 *   - fp32 (reference and best kernel level, 1 and 2 threads): the split sum
 *     equals the unsplit one to float rounding (1e-5 of the output's range);
 *   - INT8 (needs AVX512_VNNI, else skipped): parts whose ranges differ by 1000x
 *     (the small part's weights 1000x larger, so both count): within 2% of the
 *     fp32 output's range (one scale for the whole concatenation: 99% of the range
 *     off, measured once with the split disabled and the INT8 rule relaxed), parts
 *     of < 8 channels left fp32, 1 and 2 threads bit for bit.
 */
#include <math.h>

#include "graph_build.h"
#include "passes/passes.h"

typedef struct spec {
    const int *parts;
    int n_parts, h, w;
    bool residual;
    float range[4]; /* input range of each part */
    bool no_stem;   /* the split conv is the graph's first dense one */
} spec;

static uint32_t lcg(uint32_t *s) { return *s = *s * 1664525u + 1013904223u; }
static float frand(uint32_t *s) { return (float)(lcg(s) >> 8) / 16777216.0f; } /* [0, 1) */

static int total_c(const spec *sp) {
    int c = 0;
    for (int k = 0; k < sp->n_parts; k++) c += sp->parts[k];
    return c;
}

/* x [1,h,w,C] -> relu(slice_k(x)) -> concat -> conv 3x3 (C -> C) [+ x] -> relu. */
static bd_model *build(const spec *sp) {
    bd_model *m = new_model();
    if (!m) return NULL;
    bd_graph *g = &m->graph;
    const int c = total_c(sp);
    const int64_t dx[4] = {1, sp->h, sp->w, c};
    int x = val(g, "x", 4, dx), xi = val(g, "xi", 4, dx), cat = val(g, "cat", 4, dx);
    int y = val(g, "y", 4, dx);
    mark(g, x, true);
    /* a stem first: an identity 1x1 conv (INT8 leaves a graph's first dense conv fp32) */
    const int64_t dw1[4] = {c, 1, 1, c}, dw[4] = {c, 3, 3, c};
    float *w1 = NULL, *b1 = NULL, *wt = NULL, *bias = NULL;
    int w1v, b1v, wv, bv;
    if (!add_conv_consts(g, dw1, &w1v, &b1v, &w1, &b1) ||
        !add_conv_consts(g, dw, &wv, &bv, &wt, &bias)) {
        bd_model_free(m);
        return NULL;
    }
    for (int o = 0; o < c; o++) w1[o * c + o] = 1.0f;
    bd_node stem = op1(sp->no_stem ? BD_OP_RELU : BD_OP_CONV2D, 99, x, xi);
    if (!sp->no_stem) stem.n_inputs = 3, stem.inputs[1] = w1v, stem.inputs[2] = b1v;
    add(g, &stem);
    add_concat_of_parts(g, xi, cat, sp->parts, sp->n_parts, sp->h, sp->w);
    uint32_t seed = 7;
    for (int o = 0; o < c; o++) {
        bias[o] = frand(&seed) - 0.5f;
        for (int t = 0; t < 9; t++)
            for (int k = 0, c0 = 0; k < sp->n_parts; c0 += sp->parts[k], k++)
                for (int i = c0; i < c0 + sp->parts[k]; i++) /* each part's share alike */
                    wt[((size_t)o * 9 + t) * c + i] = (frand(&seed) - 0.5f) / sp->range[k];
    }
    bd_node conv = op1(BD_OP_CONV2D, 101, cat, y);
    conv.n_inputs = 3, conv.inputs[1] = wv, conv.inputs[2] = bv;
    if (sp->residual) conv.n_inputs = 4, conv.inputs[3] = x;
    conv.conv.pad_top = conv.conv.pad_bottom = conv.conv.pad_left = conv.conv.pad_right = 1;
    conv.act = BD_ACT_RELU;
    add(g, &conv);
    mark(g, y, false);
    return m;
}

static float *input(const spec *sp, size_t n) {
    float *in = malloc(n * sizeof *in);
    if (!in) return NULL;
    const int c = total_c(sp);
    uint32_t seed = 11;
    for (size_t i = 0; i < n; i++) {
        int ch = (int)(i % (size_t)c), k = 0;
        while (ch >= sp->parts[k]) ch -= sp->parts[k++];
        in[i] = (frand(&seed) - 0.1f) * sp->range[k]; /* mostly positive (relu) */
    }
    return in;
}

static int count(const bd_graph *g, bd_op_type op) {
    int n = 0;
    for (int i = 0; i < g->n_nodes; i++) n += g->nodes[i].op == op;
    return n;
}

/* Does the pass split sp's conv (not if it is the first dense one, or if every
 * part has < 8 channels)? */
static bool splits(const spec *sp) {
    bool any = false;
    for (int k = 0; k < sp->n_parts; k++) any |= sp->parts[k] >= 8;
    return any && !sp->no_stem;
}

/* y of the model built from sp, split or not, at the level and precision. */
static bool run_spec(const spec *sp, bool split, bd_isa isa, bd_precision prec, int threads,
                     const float *in, size_t n, float *out, int *n_int8) {
    bd_model *m = build(sp);
    if (!m) return false;
    bool ok = true;
    if (split) {
        ok = bd_pass_split_concat_convs(&m->graph, 8, &err) == BD_OK;
        CHECK_MSG(ok, "split: %s", err.msg);
        if (ok) {
            const bd_graph *g = &m->graph;
            const int convs = count(g, BD_OP_CONV2D) - !sp->no_stem;
            const int want = splits(sp) ? sp->n_parts : 1;
            CHECK_MSG(convs == want && count(g, BD_OP_CONCAT) == (want == 1),
                      "%d parts (%d...): %d convs, %d concats after the split, expected %d",
                      sp->n_parts, sp->parts[0], convs, count(g, BD_OP_CONCAT), want);
        }
    }
    ok = ok && compile(m, isa, prec) && run(m, threads, in, n, out);
    if (n_int8) *n_int8 = m->n_ops_int8;
    bd_model_free(m);
    return ok;
}

static float range_of(const float *y, size_t n) {
    float hi = 0.0f;
    for (size_t i = 0; i < n; i++) hi = fmaxf(hi, fabsf(y[i]));
    return hi;
}

static float max_diff(const float *a, const float *b, size_t n) {
    float d = 0.0f;
    for (size_t i = 0; i < n; i++) d = fmaxf(d, fabsf(a[i] - b[i]));
    return d;
}

static void fp32_case(const spec *sp) {
    const size_t n = (size_t)sp->h * sp->w * total_c(sp);
    float *in = input(sp, n), *y0 = malloc(n * 4), *y1 = malloc(n * 4);
    if (in && y0 && y1 &&
        run_spec(sp, false, BD_ISA_REF, BD_PRECISION_FP32, 1, in, n, y0, NULL)) {
        const float r = range_of(y0, n);
        for (int t = 1; t <= 2; t++) {
            const bd_isa levels[2] = {BD_ISA_REF, BD_ISA_AUTO};
            for (int l = 0; l < 2; l++) {
                if (!run_spec(sp, true, levels[l], BD_PRECISION_FP32, t, in, n, y1, NULL))
                    continue;
                const float d = max_diff(y0, y1, n);
                CHECK_MSG(d <= 1e-5f * r, "%d parts (%d...), residual %d, %s, %d threads: "
                          "split differs by %g (range %g)", sp->n_parts, sp->parts[0],
                          sp->residual, l ? "auto" : "ref", t, (double)d, (double)r);
            }
        }
    }
    free(in), free(y0), free(y1);
}

static void test_fp32(void) {
    static const int p534[] = {5, 3, 4}, p8123[] = {8, 12, 3}, p1616[] = {16, 16};
    static const int p3_9_4[] = {3, 9, 4};
    const spec specs[] = {
        {p534, 3, 6, 7, false, {1, 1, 1}, false}, /* every part < 8: not split */
        {p3_9_4, 3, 6, 7, true, {1, 2, 3}, false},
        {p8123, 3, 9, 13, true, {10, 1, 0.1f}, false},
        {p1616, 2, 17, 31, false, {1, 1}, false},
        {p1616, 2, 8, 9, false, {1, 1}, true}, /* the first dense conv: not split */
    };
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) fp32_case(&specs[i]);
}

static void int8_case(const spec *sp, int want_int8) {
    const size_t n = (size_t)sp->h * sp->w * total_c(sp);
    float *in = input(sp, n), *y0 = malloc(n * 4), *y1 = malloc(n * 4), *y2 = malloc(n * 4);
    int n1 = 0, n2 = 0;
    if (in && y0 && y1 && y2 &&
        run_spec(sp, false, BD_ISA_AUTO, BD_PRECISION_FP32, 1, in, n, y0, NULL) &&
        run_spec(sp, true, BD_ISA_AUTO, BD_PRECISION_INT8, 1, in, n, y1, &n1) &&
        run_spec(sp, true, BD_ISA_AUTO, BD_PRECISION_INT8, 2, in, n, y2, &n2)) {
        const float r = range_of(y0, n), d = max_diff(y0, y1, n);
        printf("  parts %d, %d (ranges %g, %g): %d int8 ops, max |int8 - fp32| %.4f of the "
               "range\n", sp->parts[0], sp->parts[1], (double)sp->range[0],
               (double)sp->range[1], n1, (double)(d / r));
        CHECK_MSG(n1 == want_int8 && n2 == want_int8, "%d int8 ops, expected %d", n1,
                  want_int8);
        CHECK_MSG(d <= 0.02f * r, "int8 off by %g of the range", (double)(d / r));
        CHECK_MSG(memcmp(y1, y2, n * sizeof *y1) == 0, "int8: 1 and 2 threads differ");
    }
    free(in), free(y0), free(y1), free(y2);
}

static void test_int8(void) {
    if (!have_or_skip(false, "the int8 parts")) return;
    static const int p168[] = {16, 8}, p163[] = {16, 3};
    const spec a = {p168, 2, 12, 20, false, {1000, 1}, false};
    const spec b = {p168, 2, 12, 20, false, {1, 1000}, false};
    const spec c = {p168, 2, 12, 20, true, {1, 1}, false};
    const spec d = {p163, 2, 12, 20, false, {1000, 1}, false};
    int8_case(&a, 2);
    int8_case(&b, 2);
    int8_case(&c, 2);
    int8_case(&d, 1); /* the 3-channel part stays fp32 */
}

int main(void) {
    RUN(test_fp32);
    RUN(test_int8);
    return harness_finish();
}
