/*
 * test_wino.c -- the Winograd F(4x4, 3x3) and F(2x2, 5x5) convolutions
 * (kernels/wino.h): the plain
 * C reference (ref/conv_wino_ref.c) against the direct reference convolution, and
 * every SIMD level's conv2d_wino against both.
 *
 * Tolerance: |got - direct| <= 2e-5 * (|b| + sum|w*x| + |res|) + 1e-6 * |direct|
 * (the transforms scale terms by up to 8 and sum up to ~40 of them, so the
 * rounding is a few ulps of larger partial sums than the direct loop's); the SIMD
 * kernels against the Winograd reference within 1e-5 of the same magnitude (same
 * transforms, the channel sums in another order). Rows outside [y0, y1) must stay
 * untouched; the scratch is filled with NaN before each call (its contents on
 * entry must not matter). Shapes: every pair of channel counts in {1, 3, 15, 16,
 * 17, 33, 64, 72} on sizes that leave partial tiles at the right and bottom (4..27
 * wide and high), pads 0..2 on either side (including asymmetric SAME and none),
 * every activation but tanh, with and without residual, row ranges starting on a
 * tile row, and more tiles in a row than one block (WT) holds; the same for 5x5
 * kernels on a sample of those, and weights big enough (36 * 4 * in_c * out_c
 * over 2 MiB) for the chunked plan of wino.inc (input channels in chunks of 128,
 * blocks of tiles across rows, output channels in passes). Each SIMD result
 * again with the input as two or three channel parts (a skipped concat): the
 * same bits.
 */
#include "harness.h"
#include "kernel_util.h"
#include "kernels/wino.h"

static double worst_direct = 0, worst_simd = 0;

/* The input as the parts of a skipped concat (bd_conv_parts): its channels split
 * into up to three parts of awkward sizes, each packed on its own; the result
 * must be want's bits. */
static void check_parts(const bd_kernels *k, const bd_conv_params *p, const float *in,
                        const float *pk, const float *r, const float *want, int y0, int y1,
                        float *sc, const char *what, const char *name) {
    if (p->in_c < 2) return;
    const size_t n_pix = (size_t)p->in_h * p->in_w, n_out = (size_t)p->out_h * p->out_w * p->out_c;
    bd_conv_parts parts = {0};
    int c[3] = {p->in_c / 2 + 1, 0, 0};
    if (c[0] >= p->in_c) c[0] = p->in_c - 1;
    c[1] = p->in_c - c[0];
    if (c[1] >= 3) c[2] = c[1] / 3, c[1] -= c[2];
    parts.n = c[2] ? 3 : 2;
    ku_buf buf[3], got = ku_alloc(n_out, 1);
    for (int q = 0, c0 = 0; q < parts.n; c0 += c[q], q++) {
        buf[q] = ku_alloc(n_pix * (size_t)c[q], q);
        for (size_t i = 0; i < n_pix; i++)
            for (int j = 0; j < c[q]; j++) buf[q].p[i * c[q] + j] = in[i * p->in_c + c0 + j];
        parts.x[q] = buf[q].p;
        parts.c[q] = c[q];
    }
    ku_fill_sentinel(got.p, n_out);
    k->conv2d_wino(p, NULL, &parts, pk, r, got.p, y0, y1, sc);
    size_t differ = 0;
    for (size_t i = 0; i < n_out; i++) differ += memcmp(&got.p[i], &want[i], 4) != 0;
    CHECK_MSG(differ == 0, "%s %s: %zu outputs differ with the input in %d parts", what, name,
              differ, parts.n);
    for (int q = 0; q < parts.n; q++) ku_free(&buf[q]);
    ku_free(&got);
}

static bd_conv_params wino_pk(int k, int in_h, int in_w, int in_c, int out_c, int pt, int pb,
                              int pl, int pr, bd_act_params act) {
    bd_conv_params p = {0};
    p.in_h = in_h, p.in_w = in_w, p.in_c = in_c, p.out_c = out_c;
    p.k_h = p.k_w = k, p.stride_h = p.stride_w = 1, p.dil_h = p.dil_w = 1;
    p.pad_top = pt, p.pad_left = pl, p.depth_multiplier = 1, p.act = act;
    p.out_h = in_h + pt + pb - (k - 1);
    p.out_w = in_w + pl + pr - (k - 1);
    return p;
}

static bd_conv_params wino_p(int in_h, int in_w, int in_c, int out_c, int pt, int pb, int pl,
                             int pr, bd_act_params act) {
    return wino_pk(3, in_h, in_w, in_c, out_c, pt, pb, pl, pr, act);
}

static float *nan_scratch(size_t n) {
    float *s = bd_aligned_alloc((n ? n : 1) * sizeof(float));
    if (!s) abort();
    for (size_t i = 0; i < n; i++) s[i] = NAN;
    return s;
}

/* got against want on rows [y0, y1); the other rows must hold the sentinel. */
static int compare(const bd_conv_params *p, const float *got, const float *want,
                   const float *mag, int y0, int y1, double rel, double *worst, const char *what,
                   const char *who) {
    const size_t row = (size_t)p->out_w * p->out_c, n = (size_t)p->out_h * row;
    int bad = 0;
    for (size_t i = 0; i < n && bad < 3; i++) {
        const int y = (int)(i / row);
        if (y < y0 || y >= y1) {
            if (!ku_is_sentinel(got[i])) {
                bad++;
                CHECK_MSG(0, "%s %s: row %d outside [%d,%d) written", what, who, y, y0, y1);
            }
            continue;
        }
        const double tol = rel * mag[i] + 1e-6 * fabs(want[i]) + 1e-30;
        if (!ku_close(got[i], want[i], tol)) {
            bad++;
            CHECK_MSG(0, "%s %s act=%s: [%zu] got %.9g want %.9g (tol %.3g)", what, who,
                      ku_act_names[p->act.act], i, got[i], want[i], tol);
        } else if (mag[i] > 0 && p->act.act == BD_ACT_NONE) {
            const double e = fabs((double)got[i] - want[i]) / mag[i];
            if (e > *worst) *worst = e;
        }
    }
    if (!bad) CHECK(1);
    return bad;
}

static void check(bd_conv_params p, int with_res, int y0, int y1, unsigned seed,
                  const char *what) {
    CHECK_MSG(bd_wino_ok(&p), "%s: bd_wino_ok refused the geometry", what);
    const size_t n_in = (size_t)p.in_h * p.in_w * p.in_c;
    const size_t n_out = (size_t)p.out_h * p.out_w * p.out_c;
    const size_t n_w = (size_t)p.out_c * (size_t)(p.k_h * p.k_w) * p.in_c;
    ku_buf in = ku_alloc(n_in, (int)(seed % 3)), w = ku_alloc(n_w, 0),
           bias = ku_alloc((size_t)p.out_c, 1), res = ku_alloc(n_out, 2),
           ref = ku_alloc(n_out, 0), mag = ku_alloc(n_out, 0), wref = ku_alloc(n_out, 0),
           got = ku_alloc(n_out, 1), ain = ku_alloc(n_in, 0), ares = ku_alloc(n_out, 0);
    ku_fill(in.p, n_in, &seed, 1.0f);
    ku_fill(w.p, n_w, &seed, 1.0f);
    ku_fill(bias.p, (size_t)p.out_c, &seed, 1.0f);
    ku_fill(res.p, n_out, &seed, 1.0f);
    for (size_t i = 0; i < n_in; i++) ain.p[i] = fabsf(in.p[i]);
    for (size_t i = 0; i < n_out; i++) ares.p[i] = fabsf(res.p[i]);
    const float *r = with_res ? res.p : NULL;
    ku_conv_reference(KU_CONV, &p, in.p, w.p, bias.p, r, ain.p, ares.p, ref.p, mag.p, n_out, y0,
                      y1);

    /* the Winograd reference against the direct one */
    size_t n_pk = bd_f32_conv2d_wino_pack_ref(&p, w.p, bias.p, NULL);
    float *pk = bd_aligned_alloc(n_pk * sizeof(float));
    bd_f32_conv2d_wino_pack_ref(&p, w.p, bias.p, pk);
    size_t n_s = bd_f32_conv2d_wino_scratch_ref(&p);
    float *sc = nan_scratch(n_s);
    ku_fill_sentinel(wref.p, n_out);
    bd_f32_conv2d_wino_ref(&p, in.p, pk, r, wref.p, y0, y1, sc);
    compare(&p, wref.p, ref.p, mag.p, y0, y1, 2e-5, &worst_direct, what, "wino_ref");
    bd_aligned_free(pk);
    bd_aligned_free(sc);

    /* each level that has the kernel: against the Winograd reference and the direct one */
    for (int vi = 0; vi < KU_N_VARIANTS; vi++) {
        const ku_variant *v = &ku_variants[vi];
        if (v->f16 || v->bf16) continue;
        if (!ku_variant_ok(v)) {
            ku_variant_skips[vi]++;
            continue;
        }
        bd_kernels k;
        bd_kernels_init(&k, v->isa);
        if (!k.conv2d_wino) {
            CHECK_MSG(!k.pack_conv2d_wino && !k.conv2d_wino_scratch,
                      "%s: the Winograd entries are set apart", v->name);
            continue;
        }
        n_pk = k.pack_conv2d_wino(&p, w.p, bias.p, NULL);
        pk = bd_aligned_alloc(n_pk * sizeof(float));
        k.pack_conv2d_wino(&p, w.p, bias.p, pk);
        n_s = k.conv2d_wino_scratch(&p);
        sc = nan_scratch(n_s);
        ku_fill_sentinel(got.p, n_out);
        k.conv2d_wino(&p, in.p, NULL, pk, r, got.p, y0, y1, sc);
        compare(&p, got.p, wref.p, mag.p, y0, y1, 1e-5, &worst_simd, what, v->name);
        compare(&p, got.p, ref.p, mag.p, y0, y1, 2e-5, &worst_direct, what, v->name);
        check_parts(&k, &p, in.p, pk, r, got.p, y0, y1, sc, what, v->name);
        ku_variant_runs[vi]++;
        bd_aligned_free(pk);
        bd_aligned_free(sc);
    }
    ku_free(&in), ku_free(&w), ku_free(&bias), ku_free(&res), ku_free(&ref), ku_free(&mag);
    ku_free(&wref), ku_free(&got), ku_free(&ain), ku_free(&ares);
}

static bd_act_params act_no_tanh(int i) {
    bd_act_params a = ku_act(i % 6); /* ku_act's 7th is tanh, which Winograd does not take */
    return a;
}

static void test_channels(void) {
    static const int ch[] = {1, 3, 15, 16, 17, 33, 64, 72};
    const int n_ch = (int)(sizeof ch / sizeof ch[0]);
    int n = 0;
    for (int a = 0; a < n_ch; a++)
        for (int b = 0; b < n_ch; b++, n++) {
            const int h = 4 + n % 9, wd = 5 + (n * 7) % 15; /* partial tiles, both sides */
            const int pad = n % 3 == 0 ? 0 : 1;
            bd_conv_params p = wino_p(h + 2 - 2 * pad, wd + 2 - 2 * pad, ch[a], ch[b], pad, pad,
                                      pad, pad, act_no_tanh(n));
            if (p.out_h < 4 || p.out_w < 4) continue;
            char what[96];
            snprintf(what, sizeof what, "wino %dx%d %d->%d pad %d", p.out_h, p.out_w, ch[a],
                     ch[b], pad);
            check(p, n % 2, 0, p.out_h, 0x5eedu + (unsigned)n, what);
        }
}

static void test_pads_rows(void) {
    /* asymmetric pads (TFLite SAME on even sizes: 0 before, 1 after), pads of 2,
     * and row ranges [y0, y1) with y0 on a tile row, y1 anywhere */
    const int pads[][4] = {{0, 1, 0, 1}, {1, 0, 1, 0}, {2, 2, 2, 2}, {0, 2, 1, 0}, {2, 0, 0, 2}};
    for (int i = 0; i < 5; i++) {
        bd_conv_params p = wino_p(11 + i, 9 + 3 * i, 19 + 5 * i, 21 + 7 * i, pads[i][0],
                                  pads[i][1], pads[i][2], pads[i][3], act_no_tanh(i));
        char what[96];
        snprintf(what, sizeof what, "wino pads %d,%d,%d,%d", pads[i][0], pads[i][1], pads[i][2],
                 pads[i][3]);
        check(p, i % 2, 0, p.out_h, 900u + (unsigned)i, what);
        check(p, 1, 4, p.out_h - 1, 950u + (unsigned)i, what);
        check(p, 0, 8, 9, 980u + (unsigned)i, what);
    }
}

static void test_wide(void) {
    /* more tiles in a row than a block holds (WT = 24 at AVX-512, 12 at AVX2), and
     * model-like channel counts (RVM's decoder: 35 -> 16 at 1/2 size, 128 -> 64) */
    const int shapes[][4] = {{8, 150, 35, 16}, {6, 101, 64, 40}, {5, 200, 128, 64}};
    for (int i = 0; i < 3; i++) {
        bd_conv_params p = wino_p(shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3], 1, 1,
                                  1, 1, act_no_tanh(i + 1));
        check(p, i != 1, 0, p.out_h, 1200u + (unsigned)i, "wino wide");
    }
}

static void test_5x5(void) {
    /* F(2x2, 5x5): channel pairs, pads 0..3 (2 is SAME), partial tiles, row ranges
     * starting on a tile row (every 2) */
    static const int ch[] = {1, 3, 16, 17, 33, 72};
    const int n_ch = (int)(sizeof ch / sizeof ch[0]);
    int n = 0;
    for (int a = 0; a < n_ch; a++)
        for (int b = 0; b < n_ch; b++, n++) {
            const int h = 2 + n % 7, wd = 3 + (n * 5) % 13, pad = n % 4;
            bd_conv_params p = wino_pk(5, h + 4 - 2 * pad, wd + 4 - 2 * pad, ch[a], ch[b], pad,
                                       pad, pad, pad, act_no_tanh(n));
            if (p.in_h < 1 || p.in_w < 1 || p.out_h < 2 || p.out_w < 2) continue;
            char what[96];
            snprintf(what, sizeof what, "wino5 %dx%d %d->%d pad %d", p.out_h, p.out_w, ch[a],
                     ch[b], pad);
            check(p, n % 2, 0, p.out_h, 0x5e5u + (unsigned)n, what);
            if (p.out_h > 3) check(p, 1, 2, p.out_h - 1, 0x5f5u + (unsigned)n, what);
        }
    /* TFLite SAME on even sizes, and MODNet's lr8x shape at a smaller size */
    bd_conv_params p = wino_pk(5, 10, 13, 40, 24, 1, 3, 2, 2, act_no_tanh(1));
    check(p, 0, 0, p.out_h, 0x600u, "wino5 asymmetric pads");
    p = wino_pk(5, 9, 40, 96, 32, 2, 2, 2, 2, act_no_tanh(2));
    check(p, 1, 4, 9, 0x601u, "wino5 96->32");
}

static void test_big_weights(void) {
    /* U over 2 MiB: in_c in chunks (the last partial), tiles in blocks across
     * rows, out_c in passes (the last partial): MODNet's lr16x 1280 -> 96 5x5 at
     * a smaller size, a 3x3 with in_c not a multiple of the chunk, and a row range
     * that starts inside the map */
    bd_conv_params p = wino_pk(5, 7, 11, 1280, 96, 2, 2, 2, 2, act_no_tanh(0));
    check(p, 0, 0, p.out_h, 0x700u, "wino5 big 1280->96");
    p = wino_pk(3, 9, 30, 333, 173, 1, 1, 1, 1, act_no_tanh(3));
    check(p, 1, 0, p.out_h, 0x701u, "wino3 big 333->173");
    check(p, 0, 4, 9, 0x702u, "wino3 big 333->173 rows 4..9");
}

static void test_refuses(void) {
    bd_conv_params p = wino_p(8, 8, 4, 4, 1, 1, 1, 1, act_no_tanh(0));
    CHECK(bd_wino_ok(&p));
    bd_conv_params q = p;
    q.stride_h = q.stride_w = 2;
    CHECK(!bd_wino_ok(&q));
    q = p, q.dil_h = 2;
    CHECK(!bd_wino_ok(&q));
    q = p, q.k_h = q.k_w = 5;
    CHECK(bd_wino_ok(&q)); /* F(2x2, 5x5) */
    q = p, q.k_h = 5, q.k_w = 3;
    CHECK(!bd_wino_ok(&q));
    q = p, q.k_h = q.k_w = 7;
    CHECK(!bd_wino_ok(&q));
    q = p, q.k_h = q.k_w = 5, q.out_h = 1;
    CHECK(!bd_wino_ok(&q));
    q = p, q.act.act = BD_ACT_TANH;
    CHECK(!bd_wino_ok(&q));
    q = p, q.out_w = 3;
    CHECK(!bd_wino_ok(&q));
}

int main(void) {
    RUN(test_refuses);
    RUN(test_channels);
    RUN(test_pads_rows);
    RUN(test_wide);
    RUN(test_5x5);
    RUN(test_big_weights);
    printf("  worst |err| / sum|w*x|: against direct %.3g, SIMD against wino_ref %.3g\n",
           worst_direct, worst_simd);
    ku_report_skips();
    return harness_finish();
}
