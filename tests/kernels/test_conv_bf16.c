/*
 * test_conv_bf16.c -- the BF16 dense convolution (conv2d_bf16: bf16 weights and
 * activations, fp32 accumulation, AVX512_BF16) and its activation conversion,
 * against the references of kernels/ref/conv_bf16_ref.c, through the kernel
 * list of kernel_util.h (ku_check_conv runs every variant; the avx512+bf16 one
 * against bd_bf16_conv2d_ref on the same bf16-rounded weights and inputs).
 *
 * Tolerance as test_conv.c: |got - ref| <= 1e-5 * (|b| + sum|w*x| + |res|)
 * + 1e-6 * |ref| (the products are exact; only the summation order and fp32
 * against double differ). The conversion must be bit-exact with
 * bd_f32_to_bf16 (round to nearest even, subnormals to 0, NaN quiet).
 * Shapes: 1x1 over odd and even in_c and out_c around the 16/32 lane edges,
 * long K, one-pixel and rows x 1 (squeeze-excite, fully connected), the 3x3 s2
 * stem from 3 channels, 3x3 s1/s2 with padding, dilation 2, and 120 random
 * geometries; every activation, with and without residual, partial row ranges.
 * Skipped (exit 77) when the build or the CPU has no AVX512_BF16.
 */
#include "harness.h"
#include "kernel_util.h"

static const int chans[] = {1, 2, 3, 5, 15, 16, 17, 31, 32, 33, 47, 64};
#define N_CH (int)(sizeof chans / sizeof chans[0])

static bd_conv_params geom(int in_h, int in_w, int in_c, int out_c, int k, int s, int dil,
                           int pt, int pb, int pl, int pr, bd_act_params act) {
    bd_conv_params p = {0};
    p.in_h = in_h, p.in_w = in_w, p.in_c = in_c, p.out_c = out_c, p.depth_multiplier = 1;
    p.k_h = p.k_w = k, p.stride_h = p.stride_w = s, p.dil_h = p.dil_w = dil;
    p.pad_top = pt, p.pad_left = pl, p.act = act;
    p.out_h = (in_h + pt + pb - dil * (k - 1) - 1) / s + 1;
    p.out_w = (in_w + pl + pr - dil * (k - 1) - 1) / s + 1;
    return p;
}

static int have_bf16(void) {
    for (int i = 0; i < KU_N_VARIANTS; i++)
        if (ku_variants[i].bf16 && ku_variant_ok(&ku_variants[i])) return 1;
    return 0;
}

/* The entries are NULL below avx512 (and without the CPU feature). */
static void test_levels(void) {
    bd_kernels k;
    const bd_isa below[] = {BD_ISA_REF, BD_ISA_SCALAR, BD_ISA_AVX2};
    for (int i = 0; i < 3; i++) {
        if (below[i] > bd_isa_detect()) continue;
        bd_kernels_init(&k, below[i]);
        CHECK_MSG(!k.conv2d_bf16 && !k.pack_conv2d_bf16 && !k.convert_bf16,
                  "isa=%s has bf16 entries", bd_isa_name(below[i]));
    }
    if (!have_bf16()) return;
    bd_kernels_init(&k, BD_ISA_AVX512);
    CHECK(k.conv2d_bf16 && k.pack_conv2d_bf16 && k.convert_bf16);
}

/* bd_f32_to_bf16 on the edge cases, and the level's converter against it. */
static void test_convert(void) {
    const union { uint32_t u; float f; } cases[] = {
        {0x00000000u}, {0x80000000u}, {0x3f800000u}, {0x3f808000u}, /* tie, even: down */
        {0x3f818000u}, /* tie, odd: up */ {0x3f808001u}, {0x3f807fffu}, {0x7f7fffffu}, /* -> inf */
        {0xff7f8000u}, {0x7f800000u}, {0xff800000u}, {0x7fc00001u}, {0xffa00000u}, /* sNaN */
        {0x00000001u}, {0x807fffffu}, /* subnormals -> +-0 */ {0x00800000u},
    };
    const uint16_t want[] = {0x0000, 0x8000, 0x3f80, 0x3f80, 0x3f82, 0x3f81, 0x3f80, 0x7f80,
                             0xff80, 0x7f80, 0xff80, 0x7fc0, 0xffe0, 0x0000, 0x8000, 0x0080};
    const int n = (int)(sizeof want / sizeof want[0]);
    for (int i = 0; i < n; i++)
        CHECK_MSG(bd_f32_to_bf16(cases[i].f) == want[i], "bf16(0x%08x) = 0x%04x, want 0x%04x",
                  (unsigned)cases[i].u, bd_f32_to_bf16(cases[i].f), want[i]);
    if (!have_bf16()) return;
    bd_kernels k;
    bd_kernels_init(&k, BD_ISA_AVX512);
    unsigned s = 0xBF16u;
    for (int c = 1; c <= 70; c += (c < 40 ? 1 : 7)) {
        const int cp = bd_bf16_stride(c), n_pix = 1 + c % 9;
        ku_buf in = ku_alloc((size_t)n_pix * c, c % 3);
        for (int i = 0; i < n_pix * c; i++)
            in.p[i] = i % 11 == 3 ? cases[i % n].f : ku_frand(&s) * (i % 5 ? 1.0f : 1e-30f);
        uint16_t *got = malloc((size_t)n_pix * cp * 2), *ref = malloc((size_t)n_pix * cp * 2);
        for (int i = 0; i < n_pix * cp; i++) got[i] = 0xAAAA, ref[i] = 0x5555;
        /* two calls over pixel ranges, as two threads would */
        k.convert_bf16(in.p, got, 0, (size_t)n_pix / 2, c, cp);
        k.convert_bf16(in.p, got, (size_t)n_pix / 2, (size_t)n_pix, c, cp);
        bd_bf16_convert_ref(in.p, ref, 0, (size_t)n_pix, c, cp);
        int bad = 0;
        for (int i = 0; i < n_pix * cp; i++) bad += got[i] != ref[i];
        CHECK_MSG(bad == 0, "convert c=%d: %d of %d differ", c, bad, n_pix * cp);
        /* a part of a concatenation: c channels at offset off of a wider stride;
         * only those are written (the sentinels around them stay) */
        const int off = c % 5, wide = cp + off + 2 + c % 3; /* > c + 1: no pad */
        uint16_t *g2 = malloc((size_t)n_pix * wide * 2), *r2 = malloc((size_t)n_pix * wide * 2);
        for (int i = 0; i < n_pix * wide; i++) g2[i] = r2[i] = 0xA5A5;
        k.convert_bf16(in.p, g2 + off, 0, (size_t)n_pix / 2, c, wide);
        k.convert_bf16(in.p, g2 + off, (size_t)n_pix / 2, (size_t)n_pix, c, wide);
        bd_bf16_convert_ref(in.p, r2 + off, 0, (size_t)n_pix, c, wide);
        int bad2 = 0, kept = 0;
        for (int i = 0; i < n_pix * wide; i++) {
            bad2 += g2[i] != r2[i];
            const int ch = i % wide - off;
            if (ch < 0 || ch >= c) kept += r2[i] == 0xA5A5 && g2[i] == 0xA5A5;
            else bad2 += r2[i] != bd_f32_to_bf16(in.p[(i / wide) * c + ch]);
        }
        CHECK_MSG(bad2 == 0 && kept == n_pix * (wide - c), "convert part c=%d off=%d cp=%d: %d "
                  "differ, %d of %d sentinels kept", c, off, wide, bad2, kept, n_pix * (wide - c));
        free(got), free(ref), free(g2), free(r2);
        ku_free(&in);
    }
}

static void test_shapes(void) {
    int n = 0;
    for (int a = 0; a < N_CH; a++)
        for (int b = 0; b < N_CH; b++, n++) {
            static const int widths[] = {1, 3, 11, 12, 13, 29};
            int wd = widths[n % 6], h = (n / 6) % 2 ? 3 : 1;
            bd_conv_params p = geom(h, wd, chans[a], chans[b], 1, 1, 1, 0, 0, 0, 0, ku_act(n));
            int y0 = 0, y1 = h;
            if (h == 3 && n % 3 == 0) y0 = 1, y1 = 2;
            char what[96];
            snprintf(what, sizeof what, "bf16 conv1x1 %dx%d %d->%d rows [%d,%d)", h, wd,
                     chans[a], chans[b], y0, y1);
            ku_check_conv(KU_CONV, p, n % 2, y0, y1, 0xB00u + (unsigned)n, what);
        }
    const int longk[][2] = {{301, 40}, {520, 9}, {255, 33}, {1024, 16}};
    for (int i = 0; i < 4; i++, n++) {
        bd_conv_params p = geom(2, 13, longk[i][0], longk[i][1], 1, 1, 1, 0, 0, 0, 0, ku_act(n));
        ku_check_conv(KU_CONV, p, n % 2, 0, 2, 0x10u + (unsigned)n, "bf16 conv1x1 long K");
    }
    for (int a = 0; a < N_CH; a += 2) /* one pixel / rows x 1: SE, fully connected */
        for (int b = 1; b < N_CH; b += 2, n++) {
            bd_conv_params p = geom(1 + n % 4, 1, chans[a], chans[b], 1, 1, 1, 0, 0, 0, 0,
                                    ku_act(n));
            ku_check_conv(KU_CONV, p, n % 2, 0, p.out_h, 0x5eu + (unsigned)n, "bf16 1x1 rows");
        }
    /* the stem: 3x3 s2 from 3 channels, SAME; 3x3 s1 / s2 with padding; dilation */
    const int sizes[][2] = {{32, 32}, {33, 37}, {7, 9}, {2, 2}, {1, 5}};
    for (int i = 0; i < 5; i++, n++) {
        int ih = sizes[i][0], iw = sizes[i][1];
        bd_conv_params p = geom(ih, iw, 3, 16, 3, 2, 1, 0, 1, 0, 1, ku_act(n));
        ku_check_conv(KU_CONV, p, n % 2, 0, p.out_h, 99u + (unsigned)i, "bf16 stem 3x3 s2");
        for (int st = 1; st <= 2; st++) {
            p = geom(ih, iw, chans[(i + st) % N_CH], chans[(3 * i + st) % N_CH], 3, st, 1, 1, 1,
                     1, 1, ku_act(n + st));
            ku_check_conv(KU_CONV, p, st % 2, 0, p.out_h, 7u * (unsigned)n, "bf16 3x3 pad 1");
        }
        p = geom(ih + 4, iw + 4, chans[i + 3], chans[i + 5], 3, 1, 2, 2, 2, 2, 2, ku_act(n));
        ku_check_conv(KU_CONV, p, 1, 0, p.out_h, 11u * (unsigned)n, "bf16 3x3 dilation 2");
    }
    unsigned s = 0xB16Cu;
    int done = 0;
    for (int it = 0; done < 120 && it < 3000; it++) {
        int k = 1 + (int)(harness_rand(&s) % 5), st = 1 + (int)(harness_rand(&s) % 3);
        int dil = 1 + (int)(harness_rand(&s) % 2);
        int pt = (int)(harness_rand(&s) % 4), pb = (int)(harness_rand(&s) % 4);
        int pl = (int)(harness_rand(&s) % 4), pr = (int)(harness_rand(&s) % 4);
        int ih = 1 + (int)(harness_rand(&s) % 7), iw = 1 + (int)(harness_rand(&s) % 30);
        int ic = chans[harness_rand(&s) % N_CH], oc = chans[harness_rand(&s) % N_CH];
        if (ih + pt + pb - dil * (k - 1) - 1 < 0 || iw + pl + pr - dil * (k - 1) - 1 < 0)
            continue;
        bd_conv_params p = geom(ih, iw, ic, oc, k, st, dil, pt, pb, pl, pr, ku_act(done));
        int y0 = 0, y1 = p.out_h;
        if (p.out_h >= 3 && done % 4 == 0) y0 = 1, y1 = p.out_h - 1;
        char what[128];
        snprintf(what, sizeof what, "bf16 conv %dx%dx%d->%d k%d s%d d%d pad %d/%d,%d/%d", ih,
                 iw, ic, oc, k, st, dil, pt, pb, pl, pr);
        ku_check_conv(KU_CONV, p, done % 2, y0, y1, s, what);
        done++;
    }
    CHECK(done == 120);
}

int main(void) {
    test_levels();
    test_convert();
    if (!have_bf16()) {
        harness_skip_data("no AVX512_BF16 in this build or CPU: the bf16 kernels are not run");
        return harness_finish();
    }
    test_shapes();
    ku_report_skips();
    printf("  worst |got - ref| / sum|w*x| (act none): %.3g\n", ku_worst_conv);
    return harness_finish();
}
