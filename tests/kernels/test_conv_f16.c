/*
 * test_conv_f16.c -- shapes aimed at the FP16-weight kernels (conv2d_f16,
 * dwconv2d_f16), run through the kernel list of kernel_util.h (ku_check_conv:
 * every fp32 and f16 variant; the f16 ones against their specification, the
 * fp32 _ref kernel run on the weights and bias rounded to half).
 *
 * Tolerance as test_conv.c: |got - ref| <= 1e-5 * (|b| + sum|w*x| + |res|)
 * + 1e-6 * |ref| per element (the widening is exact, so only the summation
 * order differs); rows outside [y0, y1) must stay untouched; exact-size buffers
 * so ASan sees over-reads. Shapes: 1x1 for channel pairs in {1, 3, 7, 8, 9, 15,
 * 16, 17, 31, 32, 33, 72} (both tile edges of both vector widths), long K (255
 * to 520: blocks larger than the kernels' widening scratch), SE-like 1x1 spatial, the 3x3 s2 stem, 150 random dense geometries (k 1..5, stride 1..3,
 * dilation 1..2, padding 0..3); depthwise 3x3/5x5 s1/s2 on the fast tiles, 120
 * random ones (incl. kernels 1, 2, 4, 7, stride 3, dilation 2), the residual
 * after the activation; every activation, with and without residual.
 * Also: levels without F16C kernels (ref, scalar) leave the entries NULL, and
 * the depthwise f16 packers decline depth_multiplier != 1 (return 0).
 */
#include "harness.h"
#include "kernel_util.h"

static const int chans[] = {1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 72};
#define N_CH (int)(sizeof chans / sizeof chans[0])
static const int widths[] = {1, 2, 5, 13, 17, 64};

static bd_conv_params geom(int in_h, int in_w, int in_c, int out_c, int dm, int k, int s,
                           int dil, int pt, int pb, int pl, int pr, bd_act_params act) {
    bd_conv_params p = {0};
    p.in_h = in_h, p.in_w = in_w, p.in_c = in_c, p.out_c = out_c, p.depth_multiplier = dm;
    p.k_h = p.k_w = k, p.stride_h = p.stride_w = s, p.dil_h = p.dil_w = dil;
    p.pad_top = pt, p.pad_left = pl, p.act = act;
    p.out_h = (in_h + pt + pb - dil * (k - 1) - 1) / s + 1;
    p.out_w = (in_w + pl + pr - dil * (k - 1) - 1) / s + 1;
    return p;
}

static void test_levels(void) {
    bd_kernels k;
    bd_kernels_init(&k, BD_ISA_REF);
    CHECK(!k.conv2d_f16 && !k.dwconv2d_f16 && !k.pack_conv2d_f16 && !k.pack_dwconv2d_f16);
    bd_kernels_init(&k, BD_ISA_SCALAR);
    CHECK(!k.conv2d_f16 && !k.dwconv2d_f16 && !k.pack_conv2d_f16 && !k.pack_dwconv2d_f16);
    bd_isa lv[4];
    int n_lv = ku_levels(lv);
    bd_conv_params p = geom(4, 4, 3, 6, 2, 3, 1, 1, 1, 1, 1, 1, ku_act(0));
    float w[3 * 3 * 6], b[6];
    for (int i = 0; i < 54; i++) w[i] = (float)i;
    for (int i = 0; i < 6; i++) b[i] = (float)i;
    for (int i = 0; i < n_lv; i++) {
        bd_kernels_init(&k, lv[i]);
        if (lv[i] >= BD_ISA_AVX2) CHECK_MSG(k.conv2d_f16 && k.dwconv2d_f16, "isa=%s: no f16 kernels",
                                            bd_isa_name(lv[i]));
        if (k.pack_dwconv2d_f16) CHECK(k.pack_dwconv2d_f16(&p, w, b, NULL) == 0);
    }
}

static void test_conv1x1(void) {
    int n = 0;
    for (int a = 0; a < N_CH; a++)
        for (int b = 0; b < N_CH; b++, n++) {
            int wd = widths[n % 6], h = (n / 6) % 2 ? 3 : 1;
            bd_conv_params p = geom(h, wd, chans[a], chans[b], 1, 1, 1, 1, 0, 0, 0, 0, ku_act(n));
            int y0 = 0, y1 = h;
            if (h == 3 && n % 3 == 0) y0 = 1, y1 = 2;
            char what[96];
            snprintf(what, sizeof what, "f16 conv1x1 %dx%d %d->%d rows [%d,%d)", h, wd,
                     chans[a], chans[b], y0, y1);
            ku_check_conv(KU_CONV, p, n % 2, y0, y1, 0x1600u + (unsigned)n, what);
        }
    /* Long K: blocks larger than a kernel's widening scratch (AVX-512: 8192
     * floats), many pixels, both block widths. */
    const int longk[][2] = {{300, 40}, {520, 9}, {255, 32}, {257, 17}};
    for (int i = 0; i < 4; i++, n++) {
        bd_conv_params p = geom(3, 17, longk[i][0], longk[i][1], 1, 1, 1, 1, 0, 0, 0, 0,
                                ku_act(n));
        ku_check_conv(KU_CONV, p, n % 2, 0, 3, 0x10u + (unsigned)n, "f16 conv1x1 long K");
    }
    /* SE / fully connected shapes: one pixel, or rows x 1. */
    for (int a = 0; a < N_CH; a += 2)
        for (int b = 1; b < N_CH; b += 2, n++) {
            bd_conv_params p = geom(1 + n % 4, 1, chans[a], chans[b], 1, 1, 1, 1, 0, 0, 0, 0,
                                    ku_act(n));
            ku_check_conv(KU_CONV, p, n % 2, 0, p.out_h, 0x5eu + (unsigned)n, "f16 conv 1x1 spatial");
        }
}

static void test_conv_general(void) {
    const int sizes[][2] = {{32, 32}, {33, 37}, {7, 9}, {2, 2}, {1, 5}};
    for (int i = 0; i < 5; i++) { /* the 3x3 s2 stem 3 -> 16, SAME */
        int ih = sizes[i][0], iw = sizes[i][1];
        int oh = (ih + 1) / 2, ow = (iw + 1) / 2;
        int th = (oh - 1) * 2 + 3 - ih, tw = (ow - 1) * 2 + 3 - iw;
        th = th < 0 ? 0 : th, tw = tw < 0 ? 0 : tw;
        bd_conv_params p = geom(ih, iw, 3, 16, 1, 3, 2, 1, th / 2, th - th / 2, tw / 2,
                                tw - tw / 2, ku_act(i + 4));
        ku_check_conv(KU_CONV, p, i % 2, 0, p.out_h, 99u + (unsigned)i, "f16 stem 3x3 s2");
    }
    unsigned s = 0xF16Cu;
    int done = 0;
    for (int it = 0; done < 150 && it < 3000; it++) {
        int k = 1 + (int)(harness_rand(&s) % 5), st = 1 + (int)(harness_rand(&s) % 3);
        int dil = 1 + (int)(harness_rand(&s) % 2);
        int pt = (int)(harness_rand(&s) % 4), pb = (int)(harness_rand(&s) % 4);
        int pl = (int)(harness_rand(&s) % 4), pr = (int)(harness_rand(&s) % 4);
        int ih = 1 + (int)(harness_rand(&s) % 7), iw = widths[harness_rand(&s) % 5];
        int ic = chans[harness_rand(&s) % 9], oc = chans[harness_rand(&s) % N_CH];
        if (ih + pt + pb - dil * (k - 1) - 1 < 0 || iw + pl + pr - dil * (k - 1) - 1 < 0)
            continue;
        bd_conv_params p = geom(ih, iw, ic, oc, 1, k, st, dil, pt, pb, pl, pr, ku_act(done));
        int y0 = 0, y1 = p.out_h;
        if (p.out_h >= 3 && done % 4 == 0) y0 = 1, y1 = p.out_h - 1;
        char what[128];
        snprintf(what, sizeof what, "f16 conv %dx%dx%d->%d k%d s%d d%d pad %d/%d,%d/%d", ih, iw,
                 ic, oc, k, st, dil, pt, pb, pl, pr);
        ku_check_conv(KU_CONV, p, done % 2, y0, y1, s, what);
        done++;
    }
    CHECK(done == 150);
}

static void test_dw(void) {
    int n = 0;
    for (int k = 3; k <= 5; k += 2)
        for (int st = 1; st <= 2; st++)
            for (int ci = 0; ci < N_CH; ci++)
                for (int wi = 0; wi < 6; wi++, n++) {
                    int wd = widths[wi], h = 3 + n % 4, pt = (k - 1) / 2;
                    if (wd + 2 * pt - k < 0) continue;
                    bd_conv_params p = geom(h, wd, chans[ci], chans[ci], 1, k, st, 1, pt,
                                            k - 1 - pt, pt, k - 1 - pt, ku_act(n));
                    p.residual_after_act = n % 5 == 0 && p.act.act != BD_ACT_TANH;
                    int y0 = 0, y1 = p.out_h;
                    if (p.out_h >= 3 && n % 2) y0 = 1, y1 = p.out_h - 1;
                    char what[128];
                    snprintf(what, sizeof what, "f16 dw%dx%d s%d %dx%dx%d rows [%d,%d)%s", k, k,
                             st, h, wd, chans[ci], y0, y1,
                             p.residual_after_act ? " res after act" : "");
                    ku_check_conv(KU_DW, p, n % 3 != 1, y0, y1, 0xD16u + (unsigned)n, what);
                }
    unsigned s = 0xD00Fu;
    int done = 0;
    for (int it = 0; done < 120 && it < 2000; it++) {
        static const int ks[] = {1, 2, 3, 4, 5, 7};
        int k = ks[harness_rand(&s) % 6], st = 1 + (int)(harness_rand(&s) % 3);
        int dil = 1 + (int)(harness_rand(&s) % 2);
        int pt = (int)(harness_rand(&s) % 4), pb = (int)(harness_rand(&s) % 4);
        int pl = (int)(harness_rand(&s) % 4), pr = (int)(harness_rand(&s) % 4);
        int ih = 1 + (int)(harness_rand(&s) % 8), iw = widths[harness_rand(&s) % 6];
        int c = chans[harness_rand(&s) % N_CH];
        if (ih + pt + pb - dil * (k - 1) - 1 < 0 || iw + pl + pr - dil * (k - 1) - 1 < 0)
            continue;
        bd_conv_params p = geom(ih, iw, c, c, 1, k, st, dil, pt, pb, pl, pr, ku_act(done));
        char what[128];
        snprintf(what, sizeof what, "f16 dw %dx%dx%d k%d s%d d%d pad %d/%d,%d/%d", ih, iw, c, k,
                 st, dil, pt, pb, pl, pr);
        ku_check_conv(KU_DW, p, done % 2, 0, p.out_h, s, what);
        done++;
    }
    CHECK(done == 120);
}

int main(void) {
    RUN(test_levels);
    RUN(test_conv1x1);
    RUN(test_conv_general);
    RUN(test_dw);
    ku_report_skips();
    CHECK_MSG(bd_isa_detect() < BD_ISA_AVX2 || ku_variant_runs[2] > 0, "no f16 kernel ran");
    return harness_finish();
}
