/*
 * test_norm.c -- the instance-normalisation kernels (norm_sums, channel_affine) at
 * every ISA level against the reference, and their composition against instance
 * normalisation computed here in two passes in double.
 *
 * norm_sums: |got - ref| <= 1e-6 * (sum |x - shift| (s1) or sum (x - shift)^2
 *   (s2)) + 1e-9, for channel counts 1..70 and 130, channel ranges [c0, c1) at
 *   the start, middle and end, pixel ranges with every tail of the 64-pixel
 *   block (p0 > 0 too), data with a mean 1000x its spread (the shift keeps the
 *   one-pass variance exact enough: checked through the composition).
 * channel_affine (out = act((x - sub) * mul + add)): bit-exact for every
 *   activation but sigmoid (1e-6 relative),
 *   NaN equal to NaN; channel counts 1..70, 130 (the flat path for 1, 2, 4, 8
 *   and the lane count's other divisors, per pixel otherwise); in place;
 *   misaligned; the pixels outside [p0, p1) untouched.
 * composition (norm_sums over blocks, the runtime's combination, channel_affine):
 *   instance normalisation in double, on data with |mean| = 1000 and spread 1, to
 *   the mean's rounding to float (6.1e-5 at 1000) times scale / sd, plus 4e-7 of
 *   the result.
 */
#include "harness.h"
#include "kernel_util.h"

static void check_sums(int c, int c0, int c1, size_t p0, size_t p1, float offset, unsigned seed) {
    const size_t n_hw = p1 + 3;
    ku_buf x = ku_alloc(n_hw * (size_t)c, (int)(seed % 4));
    ku_fill(x.p, n_hw * (size_t)c, &seed, 2.0f);
    for (size_t i = 0; i < n_hw * (size_t)c; i++) x.p[i] += offset;
    const int nc = c1 - c0;
    float shift[160];
    double r1[160], r2[160], g1[160], g2[160], a1[160], a2[160];
    for (int j = 0; j < nc; j++) {
        shift[j] = x.p[(size_t)c0 + (size_t)j];
        a1[j] = a2[j] = 0.0;
        for (size_t i = p0; i < p1; i++) {
            const double d = (double)x.p[i * (size_t)c + (size_t)(c0 + j)] - shift[j];
            a1[j] += fabs(d);
            a2[j] += d * d;
        }
    }
    bd_f32_norm_sums_ref(x.p, p0, p1, c, c0, c1, shift, r1, r2);
    bd_isa lv[4];
    const int n_lv = ku_levels(lv);
    for (int li = 0; li < n_lv; li++) {
        bd_kernels k;
        bd_kernels_init(&k, lv[li]);
        for (int j = 0; j < nc; j++) g1[j] = g2[j] = -12345.0;
        k.norm_sums(x.p, p0, p1, c, c0, c1, shift, g1, g2);
        int bad = 0;
        for (int j = 0; j < nc && !bad; j++)
            if (!(fabs(g1[j] - r1[j]) <= 1e-6 * a1[j] + 1e-9) ||
                !(fabs(g2[j] - r2[j]) <= 1e-6 * a2[j] + 1e-9)) {
                bad = 1;
                CHECK_MSG(0, "norm_sums isa=%s c=%d [%d,%d) px [%zu,%zu): ch %d s1 %.10g / %.10g, "
                          "s2 %.10g / %.10g", bd_isa_name(lv[li]), c, c0, c1, p0, p1, c0 + j,
                          g1[j], r1[j], g2[j], r2[j]);
            }
        if (!bad) CHECK(1);
    }
    ku_free(&x);
}

static void test_norm_sums(void) {
    unsigned seed = 5;
    for (int c = 1; c <= 70; c++) {
        const int c0 = c > 3 ? c / 3 : 0, c1 = c > 5 ? c - c / 5 : c;
        check_sums(c, 0, c, 0, (size_t)(c * 3 + 1), 0.0f, seed++);
        check_sums(c, c0, c1, (size_t)c % 7, (size_t)(c % 7 + 64 + c), 0.5f, seed++);
        check_sums(c, c1 - 1, c1, 1, 2, 0.0f, seed++);
    }
    for (size_t n = 0; n <= 130; n += 13) check_sums(16, 8, 16, 5, 5 + n, 1000.0f, seed++);
    check_sums(130, 1, 129, 3, 1500, -1000.0f, seed++);
    check_sums(130, 0, 130, 0, 0, 0.0f, seed++); /* no pixels: zero sums */
}

static void check_affine(int c, size_t n_hw, bd_act a, int inplace, unsigned seed) {
    const size_t n = n_hw * (size_t)c, p0 = n_hw > 2 ? 1 : 0, p1 = n_hw > 2 ? n_hw - 1 : n_hw;
    ku_buf x = ku_alloc(n, (int)(seed % 3)), ref = ku_alloc(n, 0), y = ku_alloc(n, 1);
    ku_buf sub = ku_alloc((size_t)c, 0), mul = ku_alloc((size_t)c, 2), add = ku_alloc((size_t)c, 1);
    ku_fill(x.p, n, &seed, 4.0f);
    ku_fill(sub.p, (size_t)c, &seed, 1.0f);
    ku_fill(mul.p, (size_t)c, &seed, 2.0f);
    ku_fill(add.p, (size_t)c, &seed, 3.0f);
    if (n > 5) x.p[5] = NAN;
    const bd_act_params ap = {a, -0.5f, 0.75f};
    memcpy(ref.p, x.p, n * sizeof(float));
    bd_f32_channel_affine_ref(x.p, ref.p, p0, p1, c, sub.p, mul.p, add.p, &ap);
    bd_isa lv[4];
    const int n_lv = ku_levels(lv);
    for (int li = 0; li < n_lv; li++) {
        bd_kernels k;
        bd_kernels_init(&k, lv[li]);
        memcpy(y.p, x.p, n * sizeof(float));
        k.channel_affine(inplace ? y.p : x.p, y.p, p0, p1, c, sub.p, mul.p, add.p, &ap);
        int bad = 0;
        for (size_t i = 0; i < n && !bad; i++) {
            const int ok = a == BD_ACT_SIGMOID && !isnan(ref.p[i])
                               ? ku_close(y.p[i], ref.p[i], 1e-6 * fabs(ref.p[i]) + 1e-30)
                               : ku_same(y.p[i], ref.p[i]);
            if (!ok) {
                bad = 1;
                CHECK_MSG(0, "channel_affine isa=%s c=%d n_hw=%zu act=%s inplace=%d: [%zu] got "
                          "%.9g want %.9g", bd_isa_name(lv[li]), c, n_hw, ku_act_names[a], inplace,
                          i, y.p[i], ref.p[i]);
            }
        }
        if (!bad) CHECK(1);
    }
    ku_free(&x), ku_free(&ref), ku_free(&y), ku_free(&sub), ku_free(&mul), ku_free(&add);
}

static void test_channel_affine(void) {
    unsigned seed = 11;
    for (int c = 1; c <= 70; c++)
        for (int a = 0; a < BD_ACT_COUNT; a++) {
            if (a == BD_ACT_TANH) continue; /* not an epilogue of this kernel */
            check_affine(c, (size_t)(c % 9 + 1), (bd_act)a, (c + a) % 2, seed++);
        }
    check_affine(130, 77, BD_ACT_RELU, 1, seed++);
    check_affine(16, 1000, BD_ACT_NONE, 0, seed++);
    check_affine(8, 1001, BD_ACT_SIGMOID, 1, seed++);
}

/* Instance normalisation of channels [c0, c1) (the others scale * x + bias) the
 * way runtime/exec.c composes it: sums of blocks, then one affine pass. */
static void check_composed(int c, int c0, int c1, size_t n_hw, size_t block, unsigned seed) {
    const size_t n = n_hw * (size_t)c;
    ku_buf x = ku_alloc(n, 0), y = ku_alloc(n, 0);
    ku_fill(x.p, n, &seed, 1.0f);
    for (size_t i = 0; i < n; i++) x.p[i] += (i % (size_t)c) % 2 ? 1000.0f : -1000.0f;
    float scale[80], bias[80], sub[80], mul[80], add[80];
    ku_fill(scale, (size_t)c, &seed, 2.0f);
    ku_fill(bias, (size_t)c, &seed, 2.0f);
    const float eps = 1e-5f;
    bd_isa lv[4];
    const int n_lv = ku_levels(lv);
    for (int li = 0; li < n_lv; li++) {
        bd_kernels k;
        bd_kernels_init(&k, lv[li]);
        double s1[80] = {0}, s2[80] = {0}, b1[80], b2[80];
        for (size_t p0 = 0; p0 < n_hw; p0 += block) {
            const size_t p1 = p0 + block < n_hw ? p0 + block : n_hw;
            k.norm_sums(x.p, p0, p1, c, c0, c1, x.p + c0, b1, b2);
            for (int j = 0; j < c1 - c0; j++) s1[j] += b1[j], s2[j] += b2[j];
        }
        for (int ch = 0; ch < c; ch++) sub[ch] = 0.0f, mul[ch] = scale[ch], add[ch] = bias[ch];
        for (int j = 0; j < c1 - c0; j++) {
            const double d = s1[j] / (double)n_hw, var = s2[j] / (double)n_hw - d * d;
            sub[c0 + j] = (float)(x.p[c0 + j] + d);
            mul[c0 + j] = (float)(scale[c0 + j] / sqrt((var > 0 ? var : 0) + eps));
        }
        const bd_act_params none = {BD_ACT_NONE, 0, 0};
        k.channel_affine(x.p, y.p, 0, n_hw, c, sub, mul, add, &none);
        int bad = 0;
        for (int ch = 0; ch < c && !bad; ch++) {
            double mean = 0, var = 0;
            for (size_t i = 0; i < n_hw; i++) mean += x.p[i * (size_t)c + (size_t)ch];
            mean /= (double)n_hw;
            for (size_t i = 0; i < n_hw; i++) {
                const double d = x.p[i * (size_t)c + (size_t)ch] - mean;
                var += d * d;
            }
            var /= (double)n_hw;
            const int normed = ch >= c0 && ch < c1;
            for (size_t i = 0; i < n_hw && !bad; i++) {
                const double v = x.p[i * (size_t)c + (size_t)ch];
                const double want = normed ? (v - mean) / sqrt(var + eps) * scale[ch] + bias[ch]
                                           : v * scale[ch] + bias[ch];
                /* the mean rounded to float (half an ulp of 1000) times the factor,
                 * and a few roundings of the result */
                const double tol = (normed ? 6.1e-5 * fabs(scale[ch]) / sqrt(var + eps) : 0.0) +
                                   4e-7 * (fabs(want) + 1.0);
                if (!(fabs(y.p[i * (size_t)c + (size_t)ch] - want) <= tol)) {
                    bad = 1;
                    CHECK_MSG(0, "composed isa=%s c=%d [%d,%d) n_hw=%zu: ch %d px %zu got %.9g "
                              "want %.9g", bd_isa_name(lv[li]), c, c0, c1, n_hw, ch, i,
                              y.p[i * (size_t)c + (size_t)ch], want);
                }
            }
        }
        if (!bad) CHECK(1);
    }
    ku_free(&x), ku_free(&y);
}

static void test_composed(void) {
    check_composed(16, 8, 16, 5000, 1024, 3);
    check_composed(32, 0, 16, 3000, 1024, 4);
    check_composed(35, 3, 30, 1234, 500, 5);
    check_composed(1, 0, 1, 70000, 4096, 6);
    check_composed(64, 32, 64, 257, 1024, 7);
}

int main(void) {
    RUN(test_norm_sums);
    RUN(test_channel_affine);
    RUN(test_composed);
    return harness_finish();
}
