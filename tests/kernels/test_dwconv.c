/*
 * test_dwconv.c -- dwconv2d at every ISA level against the reference.
 *
 * Tolerance (ku_check_conv): |got - ref| <= 1e-5 * (|b| + sum|w*x| + |res|)
 * + 1e-6 * |ref|; rows outside [y0, y1) untouched; exact-size buffers.
 * Shapes: 3x3 and 5x5 at stride 1 and 2 (the fast paths) for channel counts
 * {1, 3, 7, 15, 16, 17, 31, 33, 72, 88, 144} x widths {1, 2, 5, 17, 64} x
 * heights {1, 3}, paddings 0..2 before and after; other kernels (1, 2, 4, 7),
 * stride 3, dilation 2; depth_multiplier 2 and 3; every activation; with and
 * without residual, and with the residual added after the activation; row sub-ranges;
 * every channel count 1..17 at stride 1 (the few-channel rows of dw_flat).
 */
#include "harness.h"
#include "kernel_util.h"

static const int chans[] = {1, 3, 7, 15, 16, 17, 31, 33, 72, 88, 144};
static const int widths[] = {1, 2, 5, 17, 64};

static bd_conv_params dw_p(int in_h, int in_w, int c, int dm, int k, int s, int dil, int pt,
                           int pb, int pl, int pr, bd_act_params act) {
    bd_conv_params p = {0};
    p.in_h = in_h, p.in_w = in_w, p.in_c = c, p.out_c = c * dm, p.depth_multiplier = dm;
    p.k_h = p.k_w = k, p.stride_h = p.stride_w = s, p.dil_h = p.dil_w = dil;
    p.pad_top = pt, p.pad_left = pl, p.act = act;
    p.out_h = (in_h + pt + pb - dil * (k - 1) - 1) / s + 1;
    p.out_w = (in_w + pl + pr - dil * (k - 1) - 1) / s + 1;
    return p;
}

static void test_dw_fast(void) {
    int n = 0;
    for (int k = 3; k <= 5; k += 2)
        for (int s = 1; s <= 2; s++)
            for (int ci = 0; ci < 11; ci++)
                for (int wi = 0; wi < 5; wi++)
                    for (int h = 1; h <= 3; h += 2, n++) {
                        int pt = n % 3, pl = (n / 3) % 3, pb = (n / 2) % 3, pr = (n / 5) % 3;
                        int w = widths[wi];
                        if (h + pt + pb - k < 0) pb = k - h - pt > 2 ? 2 : k - h - pt;
                        if (h + pt + pb - k < 0) continue;
                        if (w + pl + pr - k < 0) pr = k - w - pl > 2 ? 2 : k - w - pl;
                        if (w + pl + pr - k < 0) continue;
                        bd_conv_params p = dw_p(h, w, chans[ci], 1, k, s, 1, pt, pb, pl, pr,
                                                ku_act(n));
                        int y0 = 0, y1 = p.out_h;
                        if (p.out_h >= 3 && n % 2) y0 = 1, y1 = 2;
                        char what[128];
                        snprintf(what, sizeof what, "dw%dx%d s%d %dx%dx%d pad %d/%d,%d/%d rows [%d,%d)",
                                 k, k, s, h, w, chans[ci], pt, pb, pl, pr, y0, y1);
                        ku_check_conv(KU_DW, p, n % 2 == 0, y0, y1, 0x51u + (unsigned)n, what);
                    }
    /* Taller images so interior rows see every ky tap, model-like sizes. */
    const int shapes[][4] = {{16, 16, 16, 3}, {9, 64, 72, 3}, {8, 33, 88, 5}, {12, 12, 144, 5}};
    for (int i = 0; i < 4; i++)
        for (int s = 1; s <= 2; s++) {
            int k = shapes[i][3], pt = (k - 1) / 2;
            bd_conv_params p = dw_p(shapes[i][0], shapes[i][1], shapes[i][2], 1, k, s, 1, pt,
                                    k - 1 - pt, pt, k - 1 - pt, ku_act(i + s));
            ku_check_conv(KU_DW, p, s == 1, 0, p.out_h, 7u + (unsigned)i, "dw model-like");
            ku_check_conv(KU_DW, p, 1, 2, p.out_h - 1, 9u + (unsigned)i, "dw model-like rows");
        }
}

/* Dilation 2 at stride 1 (MobileNetV3's last stage, 3x3 and 5x5, padding D*(K-1)/2
 * or cut): the fast tiles with the dilated tap spacing, 16 channels (constant
 * strides) and other counts (masked tails), interior rows and row bands. */
static void test_dw_dilated(void) {
    const int shapes[][3] = {{16, 16, 16}, {16, 16, 160}, {9, 16, 37}, {5, 23, 480}, {11, 7, 1},
                             {3, 40, 16}, {16, 16, 72}};
    int n = 0;
    for (int i = 0; i < 7; i++)
        for (int k = 3; k <= 5; k += 2)
            for (int cut = 0; cut < 2; cut++, n++) {
                int h = shapes[i][0], w = shapes[i][1], c = shapes[i][2], pad = k - 1;
                int pt = cut ? pad / 2 : pad, pb = cut ? 0 : pad; /* D*(K-1)/2 = K-1 */
                if (h + pt + pb - 2 * (k - 1) - 1 < 0 || w + 2 * pad - 2 * (k - 1) - 1 < 0)
                    continue;
                bd_conv_params p = dw_p(h, w, c, 1, k, 1, 2, pt, pb, pad, pad, ku_act(n));
                char what[128];
                snprintf(what, sizeof what, "dw%dx%d d2 %dx%dx%d pad %d/%d", k, k, h, w, c, pt, pb);
                ku_check_conv(KU_DW, p, n % 2, 0, p.out_h, 0xD1u + (unsigned)n, what);
                if (p.out_h >= 4)
                    ku_check_conv(KU_DW, p, 1, 1, p.out_h - 2, 0xD2u + (unsigned)n, what);
            }
}

static void test_dw_generic(void) {
    unsigned s = 0xD00Du;
    int done = 0;
    for (int it = 0; done < 200 && it < 2000; it++) {
        static const int ks[] = {1, 2, 3, 4, 5, 7};
        int k = ks[harness_rand(&s) % 6], st = 1 + (int)(harness_rand(&s) % 3);
        int dil = 1 + (int)(harness_rand(&s) % 2), dm = 1 + (int)(harness_rand(&s) % 3);
        if (harness_rand(&s) % 2) dm = 1;
        int pt = (int)(harness_rand(&s) % 4), pb = (int)(harness_rand(&s) % 4);
        int pl = (int)(harness_rand(&s) % 4), pr = (int)(harness_rand(&s) % 4);
        int ih = 1 + (int)(harness_rand(&s) % 8), iw = widths[harness_rand(&s) % 5];
        int c = chans[harness_rand(&s) % 11];
        if (ih + pt + pb - dil * (k - 1) - 1 < 0 || iw + pl + pr - dil * (k - 1) - 1 < 0)
            continue;
        bd_conv_params p = dw_p(ih, iw, c, dm, k, st, dil, pt, pb, pl, pr, ku_act(done));
        char what[128];
        snprintf(what, sizeof what, "dw %dx%dx%d dm%d k%d s%d d%d pad %d/%d,%d/%d", ih, iw, c,
                 dm, k, st, dil, pt, pb, pl, pr);
        ku_check_conv(KU_DW, p, done % 2, 0, p.out_h, s, what);
        done++;
    }
    CHECK(done == 200);
}

/* The epilogue act(acc + bias) + residual (p.residual_after_act), for every
 * activation the fusion pass uses it with (not NONE, not TANH), on the fast tiles
 * and on odd shapes. */
static void test_dw_residual_after_act(void) {
    int n = 0;
    for (int k = 3; k <= 5; k += 2)
        for (int s = 1; s <= 2; s++)
            for (int ci = 0; ci < 11; ci++)
                for (int wi = 0; wi < 5; wi++, n++) {
                    int w = widths[wi], h = 3, pt = (k - 1) / 2;
                    if (w + 2 * pt - k < 0) continue;
                    bd_conv_params p =
                        dw_p(h + 2, w, chans[ci], 1, k, s, 1, pt, k - 1 - pt, pt, k - 1 - pt,
                             ku_act(1 + n % 5));
                    p.residual_after_act = 1;
                    int y0 = 0, y1 = p.out_h;
                    if (p.out_h >= 3 && n % 2) y0 = 1, y1 = 2;
                    char what[128];
                    snprintf(what, sizeof what, "dw%dx%d s%d %dx%dx%d residual after act rows [%d,%d)",
                             k, k, s, h + 2, w, chans[ci], y0, y1);
                    ku_check_conv(KU_DW, p, 1, y0, y1, 0xA5u + (unsigned)n, what);
                }
}

/* Fewer channels than lanes at stride 1 (dwconv.inc's dw_flat: a row's interior
 * pixels as one run of floats, lane l's channel (offset + l) % C): every count
 * 1..17 (the rotation table for C not dividing the lanes, and the per-pixel
 * vectors from 8 on AVX2 and 16 on AVX-512), runs whose length is and is not a
 * multiple of the 4-vector blocks, RVM's refiner box filter (3x3 ones/9 on 4
 * channels, pad 1), row bands, with and without residual. */
static void test_dw_few_channels(void) {
    const int ws[] = {3, 8, 13, 40, 97};
    int n = 0;
    for (int c = 1; c <= 17; c++)
        for (int k = 3; k <= 5; k += 2)
            for (int wi = 0; wi < 5; wi++, n++) {
                const int w = ws[wi], h = 6 + n % 3, pad = (k - 1) / 2 + (n % 2);
                if (w + 2 * pad - k < 0) continue;
                bd_conv_params p = dw_p(h, w, c, 1, k, 1, 1, pad, pad, pad, k - 1 - pad,
                                        ku_act(n));
                p.residual_after_act =
                    n % 4 == 3 && p.act.act != BD_ACT_NONE && p.act.act != BD_ACT_TANH;
                int y0 = 0, y1 = p.out_h;
                if (n % 3 == 1) y0 = 1, y1 = p.out_h - 2;
                char what[128];
                snprintf(what, sizeof what, "dw%dx%d few channels %dx%dx%d pad %d rows [%d,%d)",
                         k, k, h, w, c, pad, y0, y1);
                ku_check_conv(KU_DW, p, n % 2 == 0, y0, y1, 0xF1u + (unsigned)n, what);
            }
    bd_conv_params box = dw_p(45, 80, 4, 1, 3, 1, 1, 1, 1, 1, 1, ku_act(0));
    ku_check_conv(KU_DW, box, 0, 0, box.out_h, 0xB0Fu, "dw box filter 45x80x4");
    ku_check_conv(KU_DW, box, 1, 7, 30, 0xB1Fu, "dw box filter 45x80x4 rows [7,30)");
}

int main(void) {
    RUN(test_dw_fast);
    RUN(test_dw_few_channels);
    RUN(test_dw_residual_after_act);
    RUN(test_dw_dilated);
    RUN(test_dw_generic);
    ku_report_skips();
    return harness_finish();
}
