/*
 * kernel_util.h -- helpers for the kernel tests (included by each
 * tests/kernels/test_*.c after harness.h): the ISA levels to run, buffers sized
 * exactly (so ASan sees any access past the end) and optionally misaligned,
 * seeded data, and comparisons with a stated tolerance.
 */
#ifndef BD_KERNEL_UTIL_H
#define BD_KERNEL_UTIL_H

#include <float.h>
#include <math.h>
#include <stdint.h>

#include "core/core.h"
#include "kernels/kernels.h"

/* Levels above ref that this CPU runs: scalar, avx2, avx512 (as available). */
static inline int ku_levels(bd_isa *out) {
    int n = 0;
    bd_isa best = bd_isa_detect();
    for (int i = BD_ISA_SCALAR; i <= (int)best; i++)
        if (i != BD_ISA_NEON || best == BD_ISA_NEON) out[n++] = (bd_isa)i;
    return n;
}

/* A float buffer of exactly n elements, `misalign` floats past malloc's alignment
 * (so not 32/64-byte aligned), ending exactly at the allocation's end: a kernel
 * reading or writing past the end trips ASan. */
typedef struct ku_buf {
    float *p;
    void *base;
    size_t n;
} ku_buf;

static inline ku_buf ku_alloc(size_t n, int misalign) {
    ku_buf b;
    size_t bytes = (n + (size_t)misalign) * sizeof(float);
    b.base = malloc(bytes ? bytes : 1);
    if (!b.base) abort();
    b.p = (float *)b.base + misalign;
    b.n = n;
    return b;
}
static inline void ku_free(ku_buf *b) {
    free(b->base);
    b->base = NULL;
    b->p = NULL;
}

/* Uniform in [-1, 1). */
static inline float ku_frand(unsigned *s) {
    return (float)(harness_rand(s) >> 8) / 8388608.0f - 1.0f;
}
static inline void ku_fill(float *p, size_t n, unsigned *s, float scale) {
    for (size_t i = 0; i < n; i++) p[i] = scale * ku_frand(s);
}

/* The sentinel left in output elements a kernel must not touch. */
static inline float ku_sentinel(void) {
    union { uint32_t u; float f; } v = {0x7fc0beefu};
    return v.f;
}
static inline int ku_is_sentinel(float x) {
    union { float f; uint32_t u; } v = {x};
    return v.u == 0x7fc0beefu;
}
static inline void ku_fill_sentinel(float *p, size_t n) {
    for (size_t i = 0; i < n; i++) p[i] = ku_sentinel();
}

/* |got - want| <= tol, with NaN equal to NaN and inf equal to the same inf. */
static inline int ku_close(float got, float want, double tol) {
    if (isnan(want)) return isnan(got);
    if (isinf(want)) return got == want;
    if (isnan(got) || isinf(got)) return 0;
    return fabs((double)got - (double)want) <= tol;
}

/* Bitwise equal, any NaN equal to any NaN. */
static inline int ku_same(float got, float want) {
    if (isnan(want)) return isnan(got);
    union { float f; uint32_t u; } a = {got}, b = {want};
    return a.u == b.u;
}

static const char *const ku_act_names[BD_ACT_COUNT] = {"none", "relu", "relu6", "clamp",
                                                       "hardswish", "sigmoid", "tanh"};

#endif

/* ---- convolution runner (conv2d, dwconv2d, tconv2d against _ref) ---------------- */

enum { KU_CONV, KU_DW, KU_TCONV };

static inline size_t ku_conv_weights(int kind, const bd_conv_params *p) {
    return kind == KU_DW ? (size_t)p->k_h * p->k_w * p->out_c
                         : (size_t)p->out_c * p->k_h * p->k_w * p->in_c;
}

static inline void ku_run_ref(int kind, const bd_conv_params *p, const float *in,
                              const float *packed, const float *res, float *out, int y0, int y1) {
    if (kind == KU_CONV) bd_f32_conv2d_ref(p, in, packed, res, out, y0, y1);
    else if (kind == KU_DW) bd_f32_dwconv2d_ref(p, in, packed, res, out, y0, y1);
    else bd_f32_tconv2d_ref(p, in, packed, res, out, y0, y1);
}

static double ku_worst_conv = 0; /* largest |got - ref| / sum|w*x| seen */

/* ---- the kernel list (checkasm style) -------------------------------------
 * Every variant of the convolution families: a table level (bd_kernels_init at
 * exactly that level, so the AVX2 kernels run directly even on an AVX-512 CPU)
 * and a weight type. Each check runs every variant this CPU and build can run
 * against the plain C reference; the others are counted and reported as
 * skipped by ku_report_skips(). */
typedef struct ku_variant {
    const char *name;
    bd_isa isa;
    int f16;  /* FP16 weight storage: conv2d_f16 / dwconv2d_f16 */
    int bf16; /* BF16 weights and activations: conv2d_bf16 (AVX512_BF16 CPUs) */
} ku_variant;
static const ku_variant ku_variants[] = {
    {"scalar", BD_ISA_SCALAR, 0, 0},     {"avx2", BD_ISA_AVX2, 0, 0},
    {"avx2+f16", BD_ISA_AVX2, 1, 0},     {"avx512", BD_ISA_AVX512, 0, 0},
    {"avx512+f16", BD_ISA_AVX512, 1, 0}, {"avx512+bf16", BD_ISA_AVX512, 0, 1},
    {"neon", BD_ISA_NEON, 0, 0},
};
#define KU_N_VARIANTS (int)(sizeof ku_variants / sizeof ku_variants[0])
static int ku_variant_runs[KU_N_VARIANTS], ku_variant_skips[KU_N_VARIANTS];

/* Whether this build and CPU run variant v (its level built in, the CPU has it). */
static inline int ku_variant_ok(const ku_variant *v) {
    const bd_isa best = bd_isa_detect();
    if (v->isa == BD_ISA_NEON) return best == BD_ISA_NEON;
    if (best == BD_ISA_NEON) return v->isa <= BD_ISA_SCALAR;
#if !defined(BD_HAVE_AVX2)
    if (v->isa == BD_ISA_AVX2) return 0;
#endif
#if !defined(BD_HAVE_AVX512)
    if (v->isa == BD_ISA_AVX512) return 0;
#endif
    if (v->bf16) {
#if defined(BD_HAVE_AVX512_BF16)
        bd_cpu_info ci;
        bd_cpu_detect(&ci);
        if (!ci.avx512_bf16) return 0;
#else
        return 0;
#endif
    }
    return v->isa <= best;
}

/* One "skipped: ..." line per variant that did not run (and how many checks). */
static inline void ku_report_skips(void) {
    for (int i = 0; i < KU_N_VARIANTS; i++) {
        if (ku_variant_runs[i]) printf("  %-11s %d checks\n", ku_variants[i].name, ku_variant_runs[i]);
        if (ku_variant_skips[i])
            harness_skip("%s: %d checks (not built, or this CPU lacks it)", ku_variants[i].name,
                         ku_variant_skips[i]);
    }
}

/* Half-rounded copy of x[0..n) (noinline: GCC otherwise warns that y may be
 * uninitialised when n could be 0). */
__attribute__((noinline)) static void ku_round_half(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = bd_f16_to_f32(bd_f32_to_f16(x[i]));
}

/* The reference output (sentinels outside [y0, y1)) and the magnitude sum
 * |w*x| (+|b| +|r|) for weights w, bias b. */
static inline void ku_conv_reference(int kind, const bd_conv_params *p, const float *in,
                                     const float *w, const float *bias, const float *r,
                                     const float *ain, const float *ares, float *ref, float *mag,
                                     size_t n_out, int y0, int y1) {
    size_t n_pack = kind == KU_DW ? bd_f32_dwconv2d_pack_ref(p, w, bias, NULL)
                                  : bd_f32_conv2d_pack_ref(p, w, bias, NULL);
    float *pk = bd_aligned_alloc(n_pack * sizeof(float));
    if (kind == KU_DW) bd_f32_dwconv2d_pack_ref(p, w, bias, pk);
    else bd_f32_conv2d_pack_ref(p, w, bias, pk);
    ku_fill_sentinel(ref, n_out);
    ku_run_ref(kind, p, in, pk, r, ref, y0, y1);
    for (size_t i = 0; i < n_pack; i++) pk[i] = fabsf(pk[i]);
    bd_conv_params pm = *p;
    pm.act.act = BD_ACT_NONE;
    pm.residual_after_act = 0;
    ku_run_ref(kind, &pm, ain, pk, r ? ares : NULL, mag, 0, p->out_h);
    bd_aligned_free(pk);
}

/* BF16: the input converted to bf16 at the even channel stride, by the
 * reference converter (out, n_pix * cp uint16). */
static inline uint16_t *ku_bf16_input(const bd_conv_params *p, const float *in) {
    const size_t n_pix = (size_t)p->in_h * p->in_w, cp = (size_t)bd_bf16_stride(p->in_c);
    uint16_t *x = malloc(n_pix * cp * sizeof(uint16_t) + 2);
    if (!x) abort();
    bd_bf16_convert_ref(in, x, 0, n_pix, p->in_c, (int)cp);
    return x;
}

/* BF16: the reference output on rows [y0, y1) (sentinels elsewhere). */
static inline void ku_bf16_reference(const bd_conv_params *p, const uint16_t *xr, const float *w,
                                     const float *bias, const float *r, float *ref,
                                     size_t n_out, int y0, int y1) {
    size_t n_pk = bd_bf16_conv2d_pack_ref(p, w, bias, NULL);
    uint16_t *pk = malloc(n_pk * sizeof(uint16_t));
    if (!pk) abort();
    bd_bf16_conv2d_pack_ref(p, w, bias, pk);
    ku_fill_sentinel(ref, n_out);
    bd_bf16_conv2d_ref(p, xr, pk, r, ref, y0, y1);
    free(pk);
}

/* BF16: runs the level's conversion (checked bit-exact against the reference
 * one) and kernel on rows [y0, y1) into got. */
static inline void ku_bf16_run(const bd_kernels *k, const bd_conv_params *p, const float *in,
                               const uint16_t *xr, const float *w, const float *bias,
                               const float *r, float *got, int y0, int y1, const char *what) {
    const size_t n_pix = (size_t)p->in_h * p->in_w, cp = (size_t)bd_bf16_stride(p->in_c);
    const size_t n_x = n_pix * cp;
    /* exact size, 2 uint16 past malloc's alignment: 4-byte pairs stay aligned */
    uint16_t *base = malloc((n_x + 2) * sizeof(uint16_t)), *x = base + 2;
    if (!base) abort();
    k->convert_bf16(in, x, 0, n_pix, p->in_c, (int)cp);
    size_t bad = 0;
    for (size_t i = 0; i < n_x; i++) bad += x[i] != xr[i];
    CHECK_MSG(bad == 0, "%s: bf16 conversion differs from the reference in %zu of %zu", what,
              bad, n_x);
    size_t n_pk = k->pack_conv2d_bf16(p, w, bias, NULL);
    CHECK_MSG(n_pk > 0, "%s: bf16 packer declined", what);
    if (n_pk) {
        uint16_t *kp = bd_aligned_alloc(n_pk * sizeof(uint16_t));
        k->pack_conv2d_bf16(p, w, bias, kp);
        k->conv2d_bf16(p, x, kp, r, got, y0, y1);
        bd_aligned_free(kp);
    }
    free(base);
}

/* Runs one geometry with every variant of the kernel list on rows [y0, y1) and
 * checks
 *   |got - ref| <= 1e-5 * (|bias| + sum |w*x| + |res|) + 1e-6 * |ref|
 * (the first term: float accumulation in another order, K <= ~1000 taps; the
 * second: the vector sigmoid's ~3 ulp), and that rows outside [y0, y1) and
 * nothing past the tensors are touched (exact-size buffers under ASan). The
 * FP16 variants' specification is the fp32 reference run on the weights and
 * bias rounded to half (the widening is exact, so only the summation order
 * differs; same tolerance). Their packers may decline (return 0) only a
 * depthwise multiplier != 1; tconv2d has no FP16 variant. The BF16 variant
 * (conv2d only) is checked against bd_bf16_conv2d_ref on the same bf16-rounded
 * weights and inputs (exact products, summed in another order), with the same
 * tolerance on the fp32 magnitudes (within 1% of the rounded ones). */
static inline void ku_check_conv(int kind, bd_conv_params p, int with_res, int y0, int y1,
                                 unsigned seed, const char *what) {
    const size_t n_in = (size_t)p.in_h * p.in_w * p.in_c;
    const size_t n_out = (size_t)p.out_h * p.out_w * p.out_c;
    const size_t n_w = ku_conv_weights(kind, &p);
    ku_buf in = ku_alloc(n_in, (int)(seed % 3)), w = ku_alloc(n_w, 0),
           bias = ku_alloc((size_t)p.out_c, 1), res = ku_alloc(n_out, 2),
           ref = ku_alloc(n_out, 0), mag = ku_alloc(n_out, 0), got = ku_alloc(n_out, 1),
           wh = ku_alloc(n_w, 0), bh = ku_alloc((size_t)p.out_c, 0), ref16 = ku_alloc(n_out, 0),
           mag16 = ku_alloc(n_out, 0);
    ku_fill(in.p, n_in, &seed, 1.0f);
    ku_fill(w.p, n_w, &seed, 1.0f);
    ku_fill(bias.p, (size_t)p.out_c, &seed, 1.0f);
    ku_fill(res.p, n_out, &seed, 1.0f);
    const float *r = with_res ? res.p : NULL;
    ku_buf ain = ku_alloc(n_in, 0), ares = ku_alloc(n_out, 0);
    for (size_t i = 0; i < n_in; i++) ain.p[i] = fabsf(in.p[i]);
    for (size_t i = 0; i < n_out; i++) ares.p[i] = fabsf(res.p[i]);
    ku_conv_reference(kind, &p, in.p, w.p, bias.p, r, ain.p, ares.p, ref.p, mag.p, n_out, y0, y1);
    int have_f16_ref = 0;
    uint16_t *xbf = NULL; /* BF16: the reference conversion, once */
    ku_buf refbf = ku_alloc(n_out, 0);

    const size_t row = (size_t)p.out_w * p.out_c;
    for (int vi = 0; vi < KU_N_VARIANTS; vi++) {
        const ku_variant *v = &ku_variants[vi];
        if (v->f16 && kind == KU_TCONV) continue; /* no such variant */
        if (v->bf16 && kind != KU_CONV) continue;
        if (!ku_variant_ok(v)) {
            ku_variant_skips[vi]++;
            continue;
        }
        bd_kernels k;
        bd_kernels_init(&k, v->isa);
        ku_fill_sentinel(got.p, n_out);
        const float *want = ref.p, *mg = mag.p;
        if (v->bf16) {
            CHECK_MSG(k.conv2d_bf16 && k.pack_conv2d_bf16 && k.convert_bf16,
                      "%s: the bf16 kernels are missing", v->name);
            if (!k.conv2d_bf16 || !k.pack_conv2d_bf16 || !k.convert_bf16) continue;
            if (!xbf) {
                xbf = ku_bf16_input(&p, in.p);
                ku_bf16_reference(&p, xbf, w.p, bias.p, r, refbf.p, n_out, y0, y1);
            }
            want = refbf.p;
            ku_bf16_run(&k, &p, in.p, xbf, w.p, bias.p, r, got.p, y0, y1, what);
        } else if (!v->f16) {
            bd_pack_fn pack = kind == KU_CONV ? k.pack_conv2d
                              : kind == KU_DW ? k.pack_dwconv2d : k.pack_tconv2d;
            bd_conv_fn fn = kind == KU_CONV ? k.conv2d : kind == KU_DW ? k.dwconv2d : k.tconv2d;
            size_t n_pk = pack(&p, w.p, bias.p, NULL);
            float *kp = bd_aligned_alloc(n_pk * sizeof(float));
            pack(&p, w.p, bias.p, kp);
            fn(&p, in.p, kp, r, got.p, y0, y1);
            bd_aligned_free(kp);
        } else {
            bd_pack_f16_fn pack = kind == KU_CONV ? k.pack_conv2d_f16 : k.pack_dwconv2d_f16;
            bd_conv_f16_fn fn = kind == KU_CONV ? k.conv2d_f16 : k.dwconv2d_f16;
            CHECK_MSG(pack && fn, "%s: the f16 kernel or packer is missing", v->name);
            if (!pack || !fn) continue;
            size_t n_pk = pack(&p, w.p, bias.p, NULL);
            CHECK_MSG(n_pk > 0 || (kind == KU_DW && p.depth_multiplier != 1),
                      "%s %s: f16 packer declined", what, v->name);
            if (!n_pk) continue;
            if (!have_f16_ref) {
                ku_round_half(w.p, wh.p, n_w);
                ku_round_half(bias.p, bh.p, (size_t)p.out_c);
                ku_conv_reference(kind, &p, in.p, wh.p, bh.p, r, ain.p, ares.p, ref16.p, mag16.p,
                                  n_out, y0, y1);
                have_f16_ref = 1;
            }
            want = ref16.p, mg = mag16.p;
            uint16_t *kp = bd_aligned_alloc(n_pk * sizeof(uint16_t));
            pack(&p, w.p, bias.p, kp);
            fn(&p, in.p, kp, r, got.p, y0, y1);
            bd_aligned_free(kp);
        }
        ku_variant_runs[vi]++;
        int bad = 0;
        for (size_t i = 0; i < n_out && bad < 3; i++) {
            int y = (int)(i / row);
            if (y < y0 || y >= y1) {
                if (!ku_is_sentinel(got.p[i])) {
                    bad++;
                    CHECK_MSG(0, "%s %s: row %d outside [%d,%d) written (index %zu)", what,
                              v->name, y, y0, y1, i);
                }
                continue;
            }
            double tol = 1e-5 * mg[i] + 1e-6 * fabs(want[i]) + 1e-30;
            if (!ku_close(got.p[i], want[i], tol)) {
                bad++;
                CHECK_MSG(0, "%s %s act=%s res=%d: [%zu] got %.9g want %.9g (tol %.3g)", what,
                          v->name, ku_act_names[p.act.act], with_res, i, got.p[i], want[i], tol);
            } else if (mg[i] > 0 && p.act.act == BD_ACT_NONE) {
                double e = fabs((double)got.p[i] - want[i]) / mg[i];
                if (e > ku_worst_conv) ku_worst_conv = e;
            }
        }
        if (!bad) CHECK(1);
    }
    ku_free(&in), ku_free(&w), ku_free(&bias), ku_free(&res), ku_free(&ref), ku_free(&mag);
    ku_free(&got), ku_free(&ain), ku_free(&ares), ku_free(&wh), ku_free(&bh), ku_free(&ref16);
    ku_free(&mag16), ku_free(&refbf);
    free(xbf);
}

/* Activation parameters for test case number i (all activations in turn). */
static inline bd_act_params ku_act(int i) {
    static const bd_act order[] = {BD_ACT_NONE, BD_ACT_RELU, BD_ACT_RELU6, BD_ACT_CLAMP,
                                   BD_ACT_HARDSWISH, BD_ACT_SIGMOID, BD_ACT_TANH};
    bd_act_params a = {order[i % 7], -0.5f, 0.75f};
    return a;
}
