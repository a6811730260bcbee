/*
 * test_conv_int8.c -- the INT8 dense convolution (conv2d_int8: u8 activations x
 * s8 per-channel weights, int32 accumulation, AVX512_VNNI), its activation
 * quantisation and min/max, against the references of kernels/ref/conv_int8_ref.c.
 *
 * The integer sums are exact and the epilogue does the same float operations
 * in the same order (kernels.h, bd_conv_int8_fn), so with no activation, ReLU,
 * ReLU6 and clamp the outputs must be bit-exact; the transcendental ones
 * (hardswish, sigmoid, tanh) go through the level's own approximation and get
 * 4e-6 * max(1, |ref|). Quantisation is bit-exact, min/max too.
 * Shapes: 1x1 over in_c and out_c in {1,3,5,16,17,31,32,33,64} (the 4-channel
 * quads and the 16/32 lane edges), widths 1..13, long K, the 3x3 s2 stem from
 * 3 channels, 3x3 s1/s2 with padding, dilation 2, and 150 random geometries
 * (k 1..5, stride 1..3, padding 0..3), residual on and off, partial row ranges
 * and output-channel ranges; inputs with a negative minimum (zero point > 0)
 * and ReLU-like ones (zero point 0). Output elements outside the computed rows
 * or channels must keep a sentinel. Skipped (exit 77) when the build or the
 * CPU has no AVX512_VNNI.
 */
#include <math.h>
#include <string.h>

#include "harness.h"
#include "kernel_util.h"

static const int chans[] = {1, 3, 5, 16, 17, 31, 32, 33, 64};
#define N_CH (int)(sizeof chans / sizeof chans[0])

static bd_kernels K;
static int n_cases;

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

static int exact_act(bd_act a) {
    return a == BD_ACT_NONE || a == BD_ACT_RELU || a == BD_ACT_RELU6 || a == BD_ACT_CLAMP;
}

/* One case: quantise a random input with both quantisers, run both kernels on
 * rows [y0, y1) (and channels [oc0, oc1) when oc1 > 0), compare. */
static void check(bd_conv_params p, int with_res, int y0, int y1, int oc0, int oc1, unsigned seed,
                  const char *what) {
    n_cases++;
    const int cp = bd_int8_stride(p.in_c);
    const size_t n_pix = (size_t)p.in_h * p.in_w, n_in = n_pix * p.in_c;
    const size_t n_w = (size_t)p.out_c * p.k_h * p.k_w * p.in_c;
    const size_t n_out = (size_t)p.out_h * p.out_w * p.out_c;
    unsigned s = seed;
    ku_buf in = ku_alloc(n_in, (int)(seed % 3)), w = ku_alloc(n_w, 0), b = ku_alloc(p.out_c, 1);
    ku_buf res = ku_alloc(n_out, 0), got = ku_alloc(n_out, 0), ref = ku_alloc(n_out, 0);
    const int relu_like = seed % 3 == 0;
    for (size_t i = 0; i < n_in; i++) {
        float v = ku_frand(&s) * 3.0f;
        in.p[i] = relu_like && v < 0.0f ? 0.0f : v;
    }
    for (size_t i = 0; i < n_w; i++) w.p[i] = ku_frand(&s) * (i % 7 == 0 ? 0.9f : 0.2f);
    for (int i = 0; i < p.out_c; i++) b.p[i] = ku_frand(&s);
    if (p.out_c > 2) /* one all-zero channel: scale 0 */
        memset(w.p + (size_t)(p.out_c / 2) * (n_w / p.out_c), 0, n_w / p.out_c * sizeof(float));
    ku_fill(res.p, n_out, &s, 1.0f);
    for (size_t i = 0; i < n_out; i++) got.p[i] = ref.p[i] = ku_sentinel();

    float mn = INFINITY, mx = -INFINITY, mn2 = INFINITY, mx2 = -INFINITY;
    K.minmax_int8(in.p, n_in / 2, &mn, &mx); /* two calls, as two threads would */
    K.minmax_int8(in.p + n_in / 2, n_in - n_in / 2, &mn, &mx);
    bd_int8_minmax_ref(in.p, n_in, &mn2, &mx2);
    CHECK_MSG(mn == mn2 && mx == mx2, "%s: minmax %g %g vs %g %g", what, mn, mx, mn2, mx2);
    const bd_int8_qparams qp = bd_int8_qparams_of(mn2, mx2);
    if (relu_like) CHECK_MSG(qp.zero_point == 0, "%s: zero point %d", what, qp.zero_point);

    uint8_t *qa = malloc(n_pix * cp + 1), *qr = malloc(n_pix * cp + 1);
    memset(qa, 0xAA, n_pix * cp + 1), memset(qr, 0x55, n_pix * cp + 1);
    K.quantize_int8(in.p, qa, 0, n_pix / 2, p.in_c, cp, &qp);
    K.quantize_int8(in.p, qa, n_pix / 2, n_pix, p.in_c, cp, &qp);
    bd_int8_quantize_ref(in.p, qr, 0, n_pix, p.in_c, cp, &qp);
    CHECK_MSG(memcmp(qa, qr, n_pix * cp) == 0 && qa[n_pix * cp] == 0xAA,
              "%s: quantisation differs", what);

    const size_t nk = K.pack_conv2d_int8(&p, w.p, b.p, NULL);
    const size_t nr = bd_int8_conv2d_pack_ref(&p, w.p, b.p, NULL);
    int8_t *pk = bd_aligned_alloc(nk), *pr = malloc(nr);
    K.pack_conv2d_int8(&p, w.p, b.p, pk);
    bd_int8_conv2d_pack_ref(&p, w.p, b.p, pr);
    p.oc_begin = oc0, p.oc_end = oc1;
    K.conv2d_int8(&p, qa, &qp, pk, with_res ? res.p : NULL, got.p, y0, y1);
    bd_int8_conv2d_ref(&p, qr, &qp, pr, with_res ? res.p : NULL, ref.p, y0, y1);

    int bad = 0;
    size_t first = 0;
    for (size_t i = 0; i < n_out; i++) {
        const float g = got.p[i], r = ref.p[i];
        int ok;
        if (isnan(r)) ok = memcmp(&g, &r, sizeof g) == 0; /* the sentinel, untouched */
        else if (exact_act(p.act.act)) ok = memcmp(&g, &r, sizeof g) == 0;
        else ok = fabsf(g - r) <= 4e-6f * fmaxf(1.0f, fabsf(r));
        if (!ok && bad++ == 0) first = i;
    }
    CHECK_MSG(bad == 0, "%s (res %d, rows [%d,%d), oc [%d,%d), act %d, zp %d): %d of %zu differ, "
              "first at %zu: %.9g vs %.9g", what, with_res, y0, y1, oc0, oc1, (int)p.act.act,
              qp.zero_point, bad, n_out, first, got.p[first], ref.p[first]);
    free(qa), free(qr), bd_aligned_free(pk), free(pr);
    ku_free(&in), ku_free(&w), ku_free(&b), ku_free(&res), ku_free(&got), ku_free(&ref);
}

static void test_levels(void) {
    bd_kernels k;
    const bd_isa below[] = {BD_ISA_REF, BD_ISA_SCALAR, BD_ISA_AVX2};
    for (int i = 0; i < 3; i++) {
        if (below[i] > bd_isa_detect()) continue;
        bd_kernels_init(&k, below[i]);
        CHECK_MSG(!k.conv2d_int8 && !k.pack_conv2d_int8 && !k.quantize_int8 && !k.minmax_int8,
                  "isa=%s has int8 entries", bd_isa_name(below[i]));
    }
}

/* Quantisation parameters: 0 exact, the range covered, degenerate inputs. */
static void test_qparams(void) {
    bd_int8_qparams q = bd_int8_qparams_of(0.0f, 0.0f);
    CHECK(q.scale == 1.0f && q.zero_point == 0);
    q = bd_int8_qparams_of(0.5f, 6.0f); /* min raised to 0 */
    CHECK(q.zero_point == 0 && fabsf(q.scale - 6.0f / 255.0f) < 1e-9f);
    q = bd_int8_qparams_of(-1.0f, 3.0f);
    CHECK(q.zero_point == 64);
    q = bd_int8_qparams_of(-2.0f, -1.0f); /* max raised to 0 */
    CHECK(q.zero_point == 255);
    q = bd_int8_qparams_of(-INFINITY, 1.0f);
    CHECK(q.scale == 1.0f);
}

static void test_shapes(void) {
    int n = 0;
    for (int a = 0; a < N_CH; a++)
        for (int b = 0; b < N_CH; b++, n++) {
            int wd = 1 + n % 13, h = (n / 13) % 2 ? 3 : 1;
            bd_conv_params p = geom(h, wd, chans[a], chans[b], 1, 1, 1, 0, 0, 0, 0, ku_act(n));
            int y0 = 0, y1 = h;
            if (h == 3 && n % 3 == 0) y0 = 1, y1 = 2;
            char what[96];
            snprintf(what, sizeof what, "int8 conv1x1 %dx%d %d->%d", h, wd, chans[a], chans[b]);
            check(p, n % 2, y0, y1, 0, 0, 0x1800u + (unsigned)n, what);
        }
    const int longk[][2] = {{301, 40}, {520, 9}, {255, 33}, {1024, 64}};
    for (int i = 0; i < 4; i++, n++) {
        bd_conv_params p = geom(2, 13, longk[i][0], longk[i][1], 1, 1, 1, 0, 0, 0, 0, ku_act(n));
        check(p, n % 2, 0, 2, 0, 0, 0x10u + (unsigned)n, "int8 conv1x1 long K");
    }
    /* output-channel ranges in blocks of 32 (conv2d_oc_block) */
    bd_conv_params pc = geom(3, 7, 17, 97, 3, 1, 1, 1, 1, 1, 1, ku_act(1));
    check(pc, 1, 0, 3, 32, 64, 0x0Cu, "int8 3x3 oc range");
    check(pc, 0, 1, 3, 64, 97, 0x0Du, "int8 3x3 oc tail");
    const int sizes[][2] = {{32, 32}, {33, 37}, {7, 9}, {2, 2}, {1, 5}, {4, 13}};
    for (int i = 0; i < 6; i++, n++) {
        int ih = sizes[i][0], iw = sizes[i][1];
        bd_conv_params p = geom(ih, iw, 3, 16, 3, 2, 1, 0, 1, 0, 1, ku_act(n));
        check(p, n % 2, 0, p.out_h, 0, 0, 99u + (unsigned)i, "int8 stem 3x3 s2");
        for (int st = 1; st <= 2; st++) {
            p = geom(ih, iw, chans[(i + st) % N_CH], chans[(3 * i + st) % N_CH], 3, st, 1, 1, 1,
                     1, 1, ku_act(n + st));
            check(p, st % 2, 0, p.out_h, 0, 0, 7u * (unsigned)n + (unsigned)st, "int8 3x3 pad 1");
        }
        p = geom(ih + 4, iw + 4, chans[(i + 3) % N_CH], chans[(i + 5) % N_CH], 3, 1, 2, 2, 2, 2,
                 2, ku_act(n));
        check(p, 1, 0, p.out_h, 0, 0, 11u * (unsigned)n, "int8 3x3 dilation 2");
    }
    unsigned s = 0x1B8Cu;
    int done = 0;
    for (int it = 0; done < 150 && it < 4000; it++) {
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
        snprintf(what, sizeof what, "int8 conv %dx%dx%d->%d k%d s%d d%d pad %d/%d,%d/%d", ih, iw,
                 ic, oc, k, st, dil, pt, pb, pl, pr);
        check(p, done % 2, y0, y1, 0, 0, s, what);
        done++;
    }
    CHECK(done == 150);
}

int main(void) {
    test_levels();
    test_qparams();
    if (bd_isa_detect() < BD_ISA_AVX512) {
        harness_skip_data("no AVX-512: the int8 kernels are not run");
        return harness_finish();
    }
    bd_kernels_init(&K, BD_ISA_AVX512);
    if (!K.conv2d_int8) {
        harness_skip_data("no AVX512_VNNI in this build or CPU: the int8 kernels are not run");
        return harness_finish();
    }
    CHECK(K.pack_conv2d_int8 && K.quantize_int8 && K.minmax_int8);
    test_shapes();
    printf("  %d int8 conv cases\n", n_cases);
    return harness_finish();
}
