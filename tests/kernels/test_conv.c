/*
 * test_conv.c -- conv2d and tconv2d at every ISA level against the reference.
 *
 * Tolerance (ku_check_conv): |got - ref| <= 1e-5 * (|b| + sum|w*x| + |res|)
 * + 1e-6 * |ref|, per output element; rows outside [y0, y1) must stay untouched.
 * Shapes: 1x1 stride 1 for every pair of channel counts in {1, 3, 7, 15, 16, 17,
 * 31, 33, 72, 88, 144} (widths 1, 2, 5, 17, 64; heights 1, 3), the SE shapes
 * (1x1 spatial), the 3x3 s2 stem, 300 seeded random geometries (kernel 1..5,
 * stride 1..3, dilation 1..2, paddings 0..3 on either side, pixels with no
 * valid tap), every activation, with and without residual, row sub-ranges;
 * tconv: k == stride shapes, 200 seeded random other geometries (kernel 1..5,
 * stride 1..3, pads, output_padding) and PyTorch's k3/k4 s2 p1 upsamplers.
 */
#include "harness.h"
#include "kernel_util.h"

static const int chans[] = {1, 3, 7, 15, 16, 17, 31, 33, 72, 88, 144};
static const int widths[] = {1, 2, 5, 17, 64};
#define N_CH (int)(sizeof chans / sizeof chans[0])

static bd_conv_params conv_p(int in_h, int in_w, int in_c, int out_c, int k, int s, int dil,
                             int pt, int pb, int pl, int pr, bd_act_params act) {
    bd_conv_params p = {0};
    p.in_h = in_h, p.in_w = in_w, p.in_c = in_c, p.out_c = out_c;
    p.k_h = p.k_w = k, p.stride_h = p.stride_w = s, p.dil_h = p.dil_w = dil;
    p.pad_top = pt, p.pad_left = pl, p.depth_multiplier = 1, p.act = act;
    p.out_h = (in_h + pt + pb - dil * (k - 1) - 1) / s + 1;
    p.out_w = (in_w + pl + pr - dil * (k - 1) - 1) / s + 1;
    return p;
}

static void test_conv1x1(void) {
    int n = 0;
    for (int a = 0; a < N_CH; a++)
        for (int b = 0; b < N_CH; b++, n++) {
            int w = widths[n % 5], h = (n / 5) % 2 ? 3 : 1;
            bd_conv_params p = conv_p(h, w, chans[a], chans[b], 1, 1, 1, 0, 0, 0, 0, ku_act(n));
            int y0 = 0, y1 = h;
            if (h == 3 && n % 3 == 0) y0 = 1, y1 = 2; /* rows 1..2 only */
            char what[96];
            snprintf(what, sizeof what, "conv1x1 %dx%d %d->%d rows [%d,%d)", h, w, chans[a],
                     chans[b], y0, y1);
            ku_check_conv(KU_CONV, p, n % 2, y0, y1, 0x1234u + (unsigned)n, what);
        }
    printf("  conv1x1: worst |err| / sum|w*x| = %.3g\n", ku_worst_conv);
}

static void test_conv_se(void) {
    /* 1x1 spatial (squeeze-excite): M = 1. */
    int n = 0;
    for (int a = 0; a < N_CH; a++)
        for (int b = 0; b < N_CH; b += 2, n++) {
            bd_conv_params p = conv_p(1, 1, chans[a], chans[b], 1, 1, 1, 0, 0, 0, 0, ku_act(n));
            ku_check_conv(KU_CONV, p, n % 2, 0, 1, 77u + (unsigned)n, "conv SE 1x1");
        }
}

static void test_conv_stem(void) {
    /* The 3x3 s2 stem 3->16, SAME (0 before, 1 after on even sizes), and odd sizes. */
    const int sizes[][2] = {{32, 32}, {33, 37}, {7, 9}, {2, 2}, {1, 5}};
    for (int i = 0; i < 5; i++) {
        int ih = sizes[i][0], iw = sizes[i][1];
        int oh = (ih + 1) / 2, ow = (iw + 1) / 2;
        int th = (oh - 1) * 2 + 3 - ih, tw = (ow - 1) * 2 + 3 - iw;
        if (th < 0) th = 0;
        if (tw < 0) tw = 0;
        bd_conv_params p = conv_p(ih, iw, 3, 16, 3, 2, 1, th / 2, th - th / 2, tw / 2,
                                  tw - tw / 2, ku_act(i + 4));
        ku_check_conv(KU_CONV, p, i % 2, 0, p.out_h, 99u + (unsigned)i, "conv stem 3x3 s2");
        if (p.out_h >= 3) ku_check_conv(KU_CONV, p, 1, 1, 2, 5u + (unsigned)i, "stem rows 1..2");
    }
}

static void test_conv_random(void) {
    unsigned s = 0xC0FFEEu;
    int done = 0;
    for (int it = 0; done < 300 && it < 3000; it++) {
        int k = 1 + (int)(harness_rand(&s) % 5), st = 1 + (int)(harness_rand(&s) % 3);
        int dil = 1 + (int)(harness_rand(&s) % 2);
        int pt = (int)(harness_rand(&s) % 4), pb = (int)(harness_rand(&s) % 4);
        int pl = (int)(harness_rand(&s) % 4), pr = (int)(harness_rand(&s) % 4);
        int ih = 1 + (int)(harness_rand(&s) % 7), iw = widths[harness_rand(&s) % 4];
        int ic = chans[harness_rand(&s) % 8], oc = chans[harness_rand(&s) % N_CH];
        bd_conv_params p = conv_p(ih, iw, ic, oc, k, st, dil, pt, pb, pl, pr, ku_act(done));
        if (ih + pt + pb - dil * (k - 1) - 1 < 0 || iw + pl + pr - dil * (k - 1) - 1 < 0)
            continue;
        int y0 = 0, y1 = p.out_h;
        if (p.out_h >= 3 && done % 4 == 0) y0 = 1, y1 = p.out_h - 1;
        char what[128];
        snprintf(what, sizeof what, "conv %dx%dx%d->%d k%d s%d d%d pad %d/%d,%d/%d rows [%d,%d)",
                 ih, iw, ic, oc, k, st, dil, pt, pb, pl, pr, y0, y1);
        ku_check_conv(KU_CONV, p, done % 2, y0, y1, s, what);
        done++;
    }
    CHECK(done == 300);
}

/* ASPP-style dense 3x3 convolutions with a large dilation and padding = dilation
 * (DeepLabV3: 12, 24, 36 on a 16x16 map): most pixels are border pixels whose
 * kx taps are cut, which the SIMD drivers group into runs of equal tap ranges;
 * some see only the centre tap, rows at the edge lose tap rows. */
static void test_conv_dilated(void) {
    static const int geo[][3] = {{16, 16, 12}, {16, 16, 24}, {5, 7, 12}, {9, 19, 4},
                                 {13, 29, 6},  {3, 41, 2},   {17, 13, 8}, {8, 30, 24}};
    unsigned seed = 77;
    for (size_t i = 0; i < sizeof geo / sizeof geo[0]; i++) {
        int ih = geo[i][0], iw = geo[i][1], d = geo[i][2];
        int ic = chans[i % 8], oc = chans[(i * 3 + 1) % N_CH];
        bd_conv_params p = conv_p(ih, iw, ic, oc, 3, 1, d, d, d, d, d, ku_act((int)i));
        char what[128];
        snprintf(what, sizeof what, "conv %dx%dx%d->%d 3x3 dilation %d", ih, iw, ic, oc, d);
        ku_check_conv(KU_CONV, p, (int)i % 2, 0, p.out_h, seed++, what);
        if (p.out_h >= 3) ku_check_conv(KU_CONV, p, 1, 1, p.out_h - 1, seed++, what);
    }
    /* Weights over 512 KiB: the SIMD drivers loop channel blocks outermost. A 1x1
     * (960 -> 150), an ASPP-like 3x3 dilation 3 and a plain 3x3, tail blocks.
     * Then one block's weights over 512 KiB too, so the taps are cut into slabs
     * that add to partial sums in the output (the activation and residual only
     * after the last). With padding (border pixels lose taps of some slabs) and
     * one tap's weights over 32 KiB, slabs are single taps: 1300 channels
     * (MODNet's 5x5 1280 -> 96), 600 (stride 2), 5000 (dilation 2). Without
     * padding they are whole tap rows or runs of taps within a row: 2600 channels
     * on a 9x9 input (AVX2 fp32: runs of 3; f16 weights: whole rows). */
    bd_conv_params big[7] = {conv_p(5, 13, 960, 150, 1, 1, 1, 0, 0, 0, 0, ku_act(1)),
                             conv_p(6, 11, 160, 100, 3, 1, 3, 3, 3, 3, 3, ku_act(2)),
                             conv_p(7, 9, 130, 140, 3, 1, 1, 1, 1, 1, 1, ku_act(3)),
                             conv_p(7, 9, 1300, 96, 5, 1, 1, 2, 2, 2, 2, ku_act(4)),
                             conv_p(9, 8, 600, 70, 5, 2, 1, 2, 1, 2, 1, ku_act(2)),
                             conv_p(6, 7, 5000, 33, 3, 1, 2, 2, 2, 2, 2, ku_act(3)),
                             conv_p(9, 9, 2600, 96, 5, 1, 1, 0, 0, 0, 0, ku_act(1))};
    for (int i = 0; i < 7; i++) {
        ku_check_conv(KU_CONV, big[i], i % 2, 0, big[i].out_h, seed++, "conv, weights > 512 KiB");
        ku_check_conv(KU_CONV, big[i], 1, 2, big[i].out_h - 1, seed++, "big weights, rows 2..");
    }
}

/* Channel ranges (bd_conv_params.oc_begin/oc_end) at levels that take them: the
 * output of every split into (channel block, row) pieces must equal the whole
 * call bit for bit, and a single piece must write nothing outside its channels
 * and rows. This is what lets threads split short, wide convs by channels. */
static void test_conv_oc_ranges(void) {
    bd_conv_params geo[] = {conv_p(9, 16, 96, 256, 3, 1, 12, 12, 12, 12, 12, ku_act(1)),
                            conv_p(9, 16, 40, 72, 3, 1, 1, 1, 1, 1, 1, ku_act(2)),
                            conv_p(5, 13, 960, 150, 1, 1, 1, 0, 0, 0, 0, ku_act(0)),
                            conv_p(3, 7, 33, 33, 1, 1, 1, 0, 0, 0, 0, ku_act(3)),
                            conv_p(8, 8, 17, 100, 3, 2, 1, 1, 1, 1, 1, ku_act(4))};
    bd_isa lv[4];
    int n_lv = ku_levels(lv), tested = 0;
    unsigned seed = 4242;
    for (int li = 0; li < n_lv; li++) {
        bd_kernels k;
        bd_kernels_init(&k, lv[li]);
        const int blk = k.conv2d_oc_block;
        if (blk <= 0) continue;
        for (size_t gi = 0; gi < sizeof geo / sizeof geo[0]; gi++) {
            bd_conv_params p = geo[gi];
            const size_t n_in = (size_t)p.in_h * p.in_w * p.in_c;
            const size_t n_out = (size_t)p.out_h * p.out_w * p.out_c;
            ku_buf in = ku_alloc(n_in, 0), w = ku_alloc(ku_conv_weights(KU_CONV, &p), 0);
            ku_buf bias = ku_alloc((size_t)p.out_c, 0), res = ku_alloc(n_out, 0);
            ku_buf whole = ku_alloc(n_out, 0), split = ku_alloc(n_out, 0);
            ku_fill(in.p, n_in, &seed, 1.0f), ku_fill(w.p, w.n, &seed, 0.2f);
            ku_fill(bias.p, bias.n, &seed, 0.5f), ku_fill(res.p, n_out, &seed, 1.0f);
            float *kp = bd_aligned_alloc(k.pack_conv2d(&p, w.p, bias.p, NULL) * sizeof(float));
            k.pack_conv2d(&p, w.p, bias.p, kp);
            const float *r = gi % 2 ? res.p : NULL;
            k.conv2d(&p, in.p, kp, r, whole.p, 0, p.out_h);
            const int nb = (p.out_c + blk - 1) / blk;
            const size_t units = (size_t)nb * (size_t)p.out_h;
            for (int parts = 1; parts <= 7; parts += 2) {
                ku_fill_sentinel(split.p, n_out);
                for (int t = 0; t < parts; t++) { /* as exec.c cuts units into tiles */
                    size_t u0 = units * (size_t)t / (size_t)parts;
                    size_t u1 = units * (size_t)(t + 1) / (size_t)parts;
                    for (size_t u = u0; u < u1;) {
                        size_t b = u / (size_t)p.out_h, row0 = u % (size_t)p.out_h;
                        size_t row1 = u1 - b * (size_t)p.out_h;
                        if (row1 > (size_t)p.out_h) row1 = (size_t)p.out_h;
                        bd_conv_params q = p;
                        q.oc_begin = (int)b * blk;
                        q.oc_end = q.oc_begin + blk < p.out_c ? q.oc_begin + blk : p.out_c;
                        k.conv2d(&q, in.p, kp, r, split.p, (int)row0, (int)row1);
                        u = (b + 1) * (size_t)p.out_h;
                    }
                }
                CHECK_MSG(memcmp(whole.p, split.p, n_out * sizeof(float)) == 0,
                          "isa %s geometry %zu: %d parts differ from one call",
                          bd_isa_name(lv[li]), gi, parts);
            }
            /* one piece: the second channel block (or the first), rows 1..2 */
            ku_fill_sentinel(split.p, n_out);
            bd_conv_params q = p;
            q.oc_begin = nb > 1 ? blk : 0;
            q.oc_end = q.oc_begin + blk < p.out_c ? q.oc_begin + blk : p.out_c;
            int y0 = p.out_h > 2 ? 1 : 0, y1 = p.out_h > 2 ? 3 : p.out_h;
            k.conv2d(&q, in.p, kp, r, split.p, y0, y1);
            int bad = 0;
            for (size_t i = 0; i < n_out; i++) {
                int y = (int)(i / ((size_t)p.out_w * p.out_c)), c = (int)(i % (size_t)p.out_c);
                int inside = y >= y0 && y < y1 && c >= q.oc_begin && c < q.oc_end;
                if (inside ? memcmp(&split.p[i], &whole.p[i], sizeof(float)) != 0
                           : !ku_is_sentinel(split.p[i]))
                    bad++;
            }
            CHECK_MSG(bad == 0, "isa %s geometry %zu: %d elements wrong for channels [%d,%d)",
                      bd_isa_name(lv[li]), gi, bad, q.oc_begin, q.oc_end);
            bd_aligned_free(kp);
            ku_free(&in), ku_free(&w), ku_free(&bias), ku_free(&res), ku_free(&whole);
            ku_free(&split);
            tested++;
        }
    }
    if (!tested) harness_skip("no level with conv2d channel ranges on this CPU");
}

static bd_conv_params tconv_p(int in_h, int in_w, int in_c, int out_c, int k, int s, int pt,
                              int pl, int out_h, int out_w, bd_act_params act) {
    bd_conv_params p = {0};
    p.in_h = in_h, p.in_w = in_w, p.in_c = in_c, p.out_c = out_c;
    p.k_h = p.k_w = k, p.stride_h = p.stride_w = s, p.dil_h = p.dil_w = 1;
    p.pad_top = pt, p.pad_left = pl, p.depth_multiplier = 1, p.act = act;
    p.out_h = out_h, p.out_w = out_w;
    return p;
}

static void test_tconv(void) {
    /* k == stride (the fast path), incl. out_c * k_w up to 18 lanes and rows past
     * the input (bias only); then other geometries (the fallback). */
    const int ics[] = {1, 3, 16, 17, 33}, ocs[] = {1, 2, 3, 8, 9};
    int n = 0;
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < 5; b++, n++) {
            int ih = n % 2 ? 3 : 1, iw = widths[n % 5], pt = n % 3 == 2;
            int oh = 2 * ih - pt + (n % 4 == 1);
            bd_conv_params p = tconv_p(ih, iw, ics[a], ocs[b], 2, 2, pt, 0, oh, 2 * iw, ku_act(n));
            ku_check_conv(KU_TCONV, p, n % 2, 0, oh, 11u + (unsigned)n, "tconv 2x2 s2");
            if (oh >= 3) ku_check_conv(KU_TCONV, p, 0, 1, oh - 1, 3u + (unsigned)n, "tconv rows");
        }
    /* 3x3 s3 (k == s) and k != s shapes. */
    bd_conv_params p = tconv_p(3, 5, 4, 2, 3, 3, 0, 0, 9, 15, ku_act(5));
    ku_check_conv(KU_TCONV, p, 1, 0, 9, 1u, "tconv 3x3 s3");
    p = tconv_p(3, 5, 4, 2, 3, 2, 1, 1, 5, 9, ku_act(1));
    ku_check_conv(KU_TCONV, p, 0, 0, 5, 2u, "tconv 3x3 s2 pad 1");
    p = tconv_p(4, 4, 16, 1, 2, 2, 0, 1, 8, 7, ku_act(0));
    ku_check_conv(KU_TCONV, p, 1, 2, 6, 3u, "tconv 2x2 s2 pad_left 1");
    p = tconv_p(128, 8, 16, 1, 2, 2, 0, 0, 256, 16, ku_act(5));
    ku_check_conv(KU_TCONV, p, 0, 0, 256, 4u, "tconv model-like");
}

/* k > stride and other non k == stride geometries (the phase path): seeded random
 * kernel 1..5, stride 1..3, begin pads 0..k-1, end pads with output_padding
 * folded in (possibly extra output rows/columns past the input: bias only),
 * odd widths, channel counts off the vector width, row sub-ranges. */
static void test_tconv_phase(void) {
    unsigned s = 0x7C0Eu;
    int done = 0;
    for (int it = 0; done < 200 && it < 2000; it++) {
        int k = 1 + (int)(harness_rand(&s) % 5), st = 1 + (int)(harness_rand(&s) % 3);
        int pt = (int)(harness_rand(&s) % (unsigned)k), pl = (int)(harness_rand(&s) % (unsigned)k);
        int pb = (int)(harness_rand(&s) % (unsigned)k), pr = (int)(harness_rand(&s) % (unsigned)k);
        int oph = (int)(harness_rand(&s) % (unsigned)st);
        int opw = (int)(harness_rand(&s) % (unsigned)st);
        int ih = 1 + (int)(harness_rand(&s) % 6), iw = widths[harness_rand(&s) % 5] + 2;
        int ic = chans[harness_rand(&s) % 9], oc = chans[harness_rand(&s) % N_CH];
        int oh = st * (ih - 1) + k - pt - pb + oph, ow = st * (iw - 1) + k - pl - pr + opw;
        if (oh < 1 || ow < 1 || (k == st && pl == 0 && ow == iw * st)) continue;
        bd_conv_params p = tconv_p(ih, iw, ic, oc, k, st, pt, pl, oh, ow, ku_act(done));
        int y0 = 0, y1 = oh;
        if (oh >= 3 && done % 3 == 0) y0 = 1, y1 = oh - 1;
        char what[128];
        snprintf(what, sizeof what, "tconv %dx%dx%d->%d k%d s%d pad %d,%d out %dx%d rows [%d,%d)",
                 ih, iw, ic, oc, k, st, pt, pl, oh, ow, y0, y1);
        ku_check_conv(KU_TCONV, p, done % 2, y0, y1, s, what);
        done++;
    }
    CHECK(done == 200);
    /* PyTorch's upsamplers: k3 s2 p1 output_padding 1, k4 s2 p1; model-like
     * channel counts, odd sizes, split rows. */
    const int ks[] = {3, 4, 3, 4, 5}, ss[] = {2, 2, 2, 2, 3}, ics[] = {64, 48, 33, 17, 16},
              ocs[] = {32, 24, 17, 40, 7};
    for (int i = 0; i < 5; i++) {
        int ih = 7 + i, iw = 13 + 2 * i, pad = 1, op = ks[i] == 3 ? 1 : 0;
        int oh = ss[i] * (ih - 1) + ks[i] - 2 * pad + op;
        int ow = ss[i] * (iw - 1) + ks[i] - 2 * pad + op;
        bd_conv_params p = tconv_p(ih, iw, ics[i], ocs[i], ks[i], ss[i], pad, pad, oh, ow,
                                   ku_act(i));
        ku_check_conv(KU_TCONV, p, i % 2, 0, oh, 500u + (unsigned)i, "tconv torch-like");
        ku_check_conv(KU_TCONV, p, 1, 3, oh - 2, 600u + (unsigned)i, "tconv torch-like rows");
    }
}

int main(void) {
    RUN(test_conv1x1);
    RUN(test_conv_se);
    RUN(test_conv_stem);
    RUN(test_conv_random);
    RUN(test_conv_dilated);
    RUN(test_conv_oc_ranges);
    RUN(test_tconv);
    RUN(test_tconv_phase);
    ku_report_skips();
    return harness_finish();
}
