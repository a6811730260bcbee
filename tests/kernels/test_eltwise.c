/*
 * test_eltwise.c -- unary activations, add/mul with stride-0 broadcast and mean_hw
 * at every ISA level against the reference.
 *
 * Tolerances:
 *   relu, relu6, clamp, hardswish, none; add and mul with those: bit-exact (NaN
 *     equal to any NaN);
 *   sigmoid: |got - ref| <= 1e-6 * |ref| (vector exp ~3 ulp, 2.5e-7 seen; also
 *     for x < -87, where the subnormal result is built from its bits), NaN in ->
 *     NaN out, never NaN otherwise;
 *   tanh (the TANH op): |got - ref| <= 5e-7 * |ref| (series below 0.3, exp
 *     above), NaN in -> NaN out;
 *   mean_hw: |got - ref| <= 1e-6 * mean|x| (float blocks of 256, double sums).
 * Sizes: n = 1..70 (every tail), 127, 128, 129, 1021, 4099; in place; misaligned
 * pointers; special values ±0, ±inf, NaN, ±1e4, ±1e30, ±87..±89, FLT_MIN,
 * subnormals, hardswish/relu6 corners (-3, 3, 6).
 */
#include "harness.h"
#include "kernel_util.h"

static const float specials[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN, 1e4f, -1e4f,
                                 1e30f, -1e30f, 87.0f, -87.0f, 87.5f, -87.5f, 88.0f, -88.0f,
                                 88.7f, -88.7f, 89.0f, -89.0f, -87.3f, -100.0f, 100.0f,
                                 FLT_MIN, -FLT_MIN, 1e-40f, -1e-40f, 3.0f, -3.0f, 6.0f,
                                 -6.0f, 0.5f, -0.5f, 0.75f, 1.0f, -1.0f, 15.0f, -15.0f,
                                 FLT_MAX, -FLT_MAX, 1e-8f, -1e-8f};
#define N_SPEC (int)(sizeof specials / sizeof specials[0])

static int act_ok(bd_act a, float got, float want) {
    if (a == BD_ACT_SIGMOID || a == BD_ACT_TANH) {
        if (isnan(want)) return isnan(got);
        return ku_close(got, want, (a == BD_ACT_TANH ? 5e-7 : 1e-6) * fabs(want));
    }
    return ku_same(got, want);
}

static const size_t sizes[] = {127, 128, 129, 1021, 4099};

static void check_unary(bd_act a, size_t n, unsigned seed, int inplace, int misalign) {
    ku_buf x = ku_alloc(n, misalign), ref = ku_alloc(n, 0), y = ku_alloc(n, 3);
    ku_fill(x.p, n, &seed, 12.0f);
    for (size_t i = 0; i < n; i += 3) x.p[i] = specials[(i / 3 + seed) % N_SPEC];
    bd_act_params ap = {a, -0.5f, 0.75f};
    bd_f32_unary_ref(x.p, ref.p, n, &ap);
    bd_isa lv[4];
    int n_lv = ku_levels(lv);
    for (int li = 0; li < n_lv; li++) {
        bd_kernels k;
        bd_kernels_init(&k, lv[li]);
        float *out = y.p;
        if (inplace) {
            memcpy(y.p, x.p, n * sizeof(float));
            k.unary[a](y.p, y.p, n, &ap);
        } else {
            k.unary[a](x.p, y.p, n, &ap);
        }
        int bad = 0;
        for (size_t i = 0; i < n && bad < 3; i++)
            if (!act_ok(a, out[i], ref.p[i])) {
                bad++;
                CHECK_MSG(0, "unary %s isa=%s n=%zu inplace=%d: x=%.9g got %.9g want %.9g",
                          ku_act_names[a], bd_isa_name(lv[li]), n, inplace, x.p[i], out[i],
                          ref.p[i]);
            }
        if (!bad) CHECK(1);
    }
    ku_free(&x), ku_free(&ref), ku_free(&y);
}

static void test_unary(void) {
    for (int a = 0; a < BD_ACT_COUNT; a++) {
        for (size_t n = 1; n <= 70; n++) check_unary((bd_act)a, n, (unsigned)(n * 7 + 1), n % 3 == 0, (int)(n % 4));
        for (int i = 0; i < 5; i++) check_unary((bd_act)a, sizes[i], 99u + (unsigned)i, i % 2, i);
    }
}

/* Sigmoid over a dense sweep of [-100, 100] and the specials: accuracy and no
 * NaN for non-NaN input. */
static void test_sigmoid_sweep(void) {
    const size_t n = 400001;
    ku_buf x = ku_alloc(n + N_SPEC, 0), ref = ku_alloc(n + N_SPEC, 0), y = ku_alloc(n + N_SPEC, 0);
    for (size_t i = 0; i < n; i++) x.p[i] = -100.0f + 200.0f * (float)i / (float)(n - 1);
    for (int i = 0; i < N_SPEC; i++) x.p[n + i] = specials[i];
    bd_act_params ap = {BD_ACT_SIGMOID, 0, 0};
    bd_f32_unary_ref(x.p, ref.p, n + N_SPEC, &ap);
    bd_isa lv[4];
    int n_lv = ku_levels(lv);
    for (int li = 0; li < n_lv; li++) {
        bd_kernels k;
        bd_kernels_init(&k, lv[li]);
        k.unary[BD_ACT_SIGMOID](x.p, y.p, n + N_SPEC, &ap);
        double worst = 0;
        int bad = 0;
        for (size_t i = 0; i < n + N_SPEC; i++) {
            if (isnan(y.p[i]) != isnan(x.p[i]) || !act_ok(BD_ACT_SIGMOID, y.p[i], ref.p[i])) {
                if (bad++ < 3)
                    CHECK_MSG(0, "sigmoid isa=%s x=%.9g got %.9g want %.9g", bd_isa_name(lv[li]),
                              x.p[i], y.p[i], ref.p[i]);
            } else if (ref.p[i] != 0 && !isnan(ref.p[i])) {
                double e = fabs((double)y.p[i] - ref.p[i]) / fabs(ref.p[i]);
                if (e > worst) worst = e;
            }
        }
        if (!bad) CHECK(1);
        printf("  sigmoid isa=%s worst relative error %.3g\n", bd_isa_name(lv[li]), worst);
    }
    ku_free(&x), ku_free(&ref), ku_free(&y);
}

typedef void (*ref_bin)(const float *, size_t, const float *, size_t, float *, size_t,
                        const bd_act_params *);

/* mode 0: y separate; 1: y == a; 2: y == b (only when that operand has stride 1). */
static void check_binary(int is_mul, size_t n, size_t sa, size_t sb, int mode, bd_act a,
                         unsigned seed) {
    ku_buf A = ku_alloc(sa ? n : 1, (int)(seed % 4)), B = ku_alloc(sb ? n : 1, 1),
           ref = ku_alloc(n, 0), Y = ku_alloc(n, 2), T = ku_alloc(n, 0);
    ku_fill(A.p, A.n, &seed, 4.0f);
    ku_fill(B.p, B.n, &seed, 4.0f);
    if (n > 5) A.p[sa ? 5 : 0] = NAN;
    if (n > 7 && sb) B.p[7] = INFINITY, B.p[6] = -0.0f;
    bd_act_params ap = {a, -0.5f, 0.75f};
    ref_bin rf = is_mul ? bd_f32_mul_ref : bd_f32_add_ref;
    rf(A.p, sa, B.p, sb, ref.p, n, &ap);
    bd_isa lv[4];
    int n_lv = ku_levels(lv);
    for (int li = 0; li < n_lv; li++) {
        bd_kernels k;
        bd_kernels_init(&k, lv[li]);
        bd_binary_fn fn = is_mul ? k.mul : k.add;
        float *out;
        if (mode == 1) {
            memcpy(T.p, A.p, n * sizeof(float));
            fn(T.p, 1, B.p, sb, T.p, n, &ap);
            out = T.p;
        } else if (mode == 2) {
            memcpy(T.p, B.p, n * sizeof(float));
            fn(A.p, sa, T.p, 1, T.p, n, &ap);
            out = T.p;
        } else {
            fn(A.p, sa, B.p, sb, Y.p, n, &ap);
            out = Y.p;
        }
        int bad = 0;
        for (size_t i = 0; i < n && bad < 3; i++)
            if (!act_ok(a, out[i], ref.p[i])) {
                bad++;
                CHECK_MSG(0, "%s isa=%s n=%zu sa=%zu sb=%zu mode=%d act=%s: [%zu] got %.9g want %.9g",
                          is_mul ? "mul" : "add", bd_isa_name(lv[li]), n, sa, sb, mode,
                          ku_act_names[a], i, out[i], ref.p[i]);
            }
        if (!bad) CHECK(1);
    }
    ku_free(&A), ku_free(&B), ku_free(&ref), ku_free(&Y), ku_free(&T);
}

static void test_binary(void) {
    int c = 0;
    for (int is_mul = 0; is_mul < 2; is_mul++)
        for (int s = 0; s < 4; s++) {
            size_t sa = (size_t)(s & 1), sb = (size_t)(s >> 1);
            for (size_t n = 1; n <= 70; n++, c++) {
                int mode = c % 3;
                if ((mode == 1 && !sa) || (mode == 2 && !sb)) mode = 0;
                check_binary(is_mul, n, sa, sb, mode, ku_act(c).act, (unsigned)c + 1u);
            }
            for (int i = 0; i < 5; i++, c++)
                check_binary(is_mul, sizes[i], sa, sb, sa ? 1 : 0, ku_act(c).act, (unsigned)c + 1u);
        }
}

static void test_mean_hw(void) {
    static const int chans[] = {1, 3, 7, 15, 16, 17, 31, 33, 72, 88, 144};
    static const size_t hws[] = {1, 3, 255, 256, 257, 1024, 4113};
    unsigned seed = 5;
    for (int ci = 0; ci < 11; ci++)
        for (int hi = 0; hi < 7; hi++) {
            size_t nhw = hws[hi], n = nhw * (size_t)chans[ci];
            ku_buf x = ku_alloc(n, hi % 3), ref = ku_alloc((size_t)chans[ci], 0),
                   y = ku_alloc((size_t)chans[ci], 1);
            ku_fill(x.p, n, &seed, 3.0f);
            for (size_t i = 0; i < n; i += 2) x.p[i] += 1.0f; /* a nonzero mean */
            bd_f32_mean_hw_ref(x.p, ref.p, nhw, chans[ci]);
            bd_isa lv[4];
            int n_lv = ku_levels(lv);
            for (int li = 0; li < n_lv; li++) {
                bd_kernels k;
                bd_kernels_init(&k, lv[li]);
                k.mean_hw(x.p, y.p, nhw, chans[ci]);
                int bad = 0;
                for (int c = 0; c < chans[ci] && bad < 3; c++) {
                    double mabs = 0;
                    for (size_t i = 0; i < nhw; i++) mabs += fabs(x.p[i * (size_t)chans[ci] + c]);
                    mabs /= (double)nhw;
                    if (!ku_close(y.p[c], ref.p[c], 1e-6 * mabs)) {
                        bad++;
                        CHECK_MSG(0, "mean_hw isa=%s hw=%zu c=%d: [%d] got %.9g want %.9g",
                                  bd_isa_name(lv[li]), nhw, chans[ci], c, y.p[c], ref.p[c]);
                    }
                }
                if (!bad) CHECK(1);
            }
            ku_free(&x), ku_free(&ref), ku_free(&y);
        }
}

int main(void) {
    RUN(test_unary);
    RUN(test_sigmoid_sweep);
    RUN(test_binary);
    RUN(test_mean_hw);
    return harness_finish();
}
