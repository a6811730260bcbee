/*
 * bench_kernels.c -- every kernel x ISA level on the shapes of the selfie models,
 * and the whole model per ISA level.
 *
 *   bench_kernels [FILTER]          kernels whose name contains FILTER (default all)
 *   bench_kernels --model FILE [--ops] [--reps N]
 *                                   bd_session_run per ISA level; --ops adds the
 *                                   time per op type and the slowest nodes
 *
 * Method (STYLE.md section 8): warm-up runs, then the minimum and median of N
 * runs (N chosen for ~0.2 s per case, 5..2000), one thread. GFLOP/s counts 2
 * flops per multiply-add (from the minimum); element-wise kernels report GB/s of
 * the bytes they must read and write. Convolutions also run with FP16 weights
 * (the _f16 kernels) at the levels that have them, labelled "<isa>+f16", and as
 * Winograd (kernels/wino.h) where the level has it and the shape allows it,
 * labelled "<isa>+wino" (GFLOP/s still of the direct convolution's MACs), and in
 * bf16 / int8 where the level has those kernels ("<isa>+bf16", "<isa>+int8"; the
 * input converted or quantised once outside the timing, as a model run's prepare
 * step does per frame).
 */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core.h"
#include "kernels/kernels.h"
#include "kernels/wino.h"
#include "runtime/runtime.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static unsigned rng = 12345u;
static float frand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return (float)(rng >> 8) / 8388608.0f - 1.0f;
}

static float *falloc(size_t n) {
    float *p = bd_aligned_alloc((n ? n : 1) * sizeof(float));
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) p[i] = frand();
    return p;
}

enum kind { K_CONV, K_DW, K_TCONV, K_UNARY, K_ADD, K_MULB, K_MEAN, K_RESIZE };

typedef struct bcase {
    const char *name;
    enum kind kind;
    int h, w, ic, oc, k, s; /* input h, w; channels; kernel; stride (unary: input spread) */
    bd_act act;
    int d; /* dilation */
} bcase;

/* The general model's shapes (256x256 input), one per distinct op. */
static const bcase cases[] = {
    {"conv3x3s2 stem 256x256 3->16", K_CONV, 256, 256, 3, 16, 3, 2, BD_ACT_NONE, 1},
    {"conv3x3s1 32x32 48->64", K_CONV, 32, 32, 48, 64, 3, 1, BD_ACT_RELU, 1},
    {"conv3x3s1d2 16x16 96->64", K_CONV, 16, 16, 96, 64, 3, 1, BD_ACT_NONE, 2},
    {"conv5x5 MODNet lr16x 18x32 1280->96", K_CONV, 18, 32, 1280, 96, 5, 1, BD_ACT_NONE, 1},
    {"conv5x5 MODNet lr8x 36x64 96->32", K_CONV, 36, 64, 96, 32, 5, 1, BD_ACT_NONE, 1},
    {"conv5x5 MODNet f 72x128 32->32", K_CONV, 72, 128, 32, 32, 5, 1, BD_ACT_NONE, 1},
    {"conv3x3 MODNet 288x512 32->16", K_CONV, 288, 512, 32, 16, 3, 1, BD_ACT_NONE, 1},
    {"conv3x3 MODNet img 288x512 3->16", K_CONV, 288, 512, 3, 16, 3, 1, BD_ACT_NONE, 1},
    {"conv3x3 MODNet 144x256 32->64", K_CONV, 144, 256, 32, 64, 3, 1, BD_ACT_NONE, 1},
    {"conv1x1 MODNet 144x256 16->96", K_CONV, 144, 256, 16, 96, 1, 1, BD_ACT_RELU6, 1},
    {"conv1x1 MODNet head 288x512 16->1", K_CONV, 288, 512, 16, 1, 1, 1, BD_ACT_SIGMOID, 1},
    {"conv1x1 128x128 16->16", K_CONV, 128, 128, 16, 16, 1, 1, BD_ACT_NONE, 1},
    {"conv1x1 64x64 16->16", K_CONV, 64, 64, 16, 16, 1, 1, BD_ACT_NONE, 1},
    {"conv1x1 64x64 16->72", K_CONV, 64, 64, 16, 72, 1, 1, BD_ACT_NONE, 1},
    {"conv1x1 64x64 24->16", K_CONV, 64, 64, 24, 16, 1, 1, BD_ACT_NONE, 1},
    {"conv1x1 32x32 72->24", K_CONV, 32, 32, 72, 24, 1, 1, BD_ACT_NONE, 1},
    {"conv1x1 32x32 24->88", K_CONV, 32, 32, 24, 88, 1, 1, BD_ACT_NONE, 1},
    {"conv1x1 32x32 88->24", K_CONV, 32, 32, 88, 24, 1, 1, BD_ACT_NONE, 1},
    {"conv1x1 32x32 24->96", K_CONV, 32, 32, 24, 96, 1, 1, BD_ACT_HARDSWISH, 1},
    {"conv1x1 32x32 128->24", K_CONV, 32, 32, 128, 24, 1, 1, BD_ACT_NONE, 1},
    {"conv1x1 16x16 96->32", K_CONV, 16, 16, 96, 32, 1, 1, BD_ACT_NONE, 1},
    {"conv1x1 16x16 32->128", K_CONV, 16, 16, 32, 128, 1, 1, BD_ACT_NONE, 1},
    {"conv1x1 16x16 128->32", K_CONV, 16, 16, 128, 32, 1, 1, BD_ACT_NONE, 1},
    {"conv1x1 16x16 32->96", K_CONV, 16, 16, 32, 96, 1, 1, BD_ACT_NONE, 1},
    {"conv1x1 SE 1x1 128->32", K_CONV, 1, 1, 128, 32, 1, 1, BD_ACT_RELU, 1},
    {"conv1x1 SE 1x1 32->128", K_CONV, 1, 1, 32, 128, 1, 1, BD_ACT_SIGMOID, 1},
    {"dw3x3s2 128x128x16", K_DW, 128, 128, 16, 16, 3, 2, BD_ACT_NONE, 1},
    {"dw3x3s1 128x128x16", K_DW, 128, 128, 16, 16, 3, 1, BD_ACT_NONE, 1},
    {"dw3x3s1 64x64x16", K_DW, 64, 64, 16, 16, 3, 1, BD_ACT_NONE, 1},
    {"dw3x3s2 64x64x72", K_DW, 64, 64, 72, 72, 3, 2, BD_ACT_NONE, 1},
    {"dw3x3s1 32x32x88", K_DW, 32, 32, 88, 88, 3, 1, BD_ACT_NONE, 1},
    {"dw3x3s1 32x32x24", K_DW, 32, 32, 24, 24, 3, 1, BD_ACT_NONE, 1},
    {"dw5x5s2 32x32x96", K_DW, 32, 32, 96, 96, 5, 2, BD_ACT_NONE, 1},
    {"dw5x5s1 16x16x128", K_DW, 16, 16, 128, 128, 5, 1, BD_ACT_NONE, 1},
    {"dw5x5s1 16x16x96", K_DW, 16, 16, 96, 96, 5, 1, BD_ACT_NONE, 1},
    /* LR-ASPP MobileNetV3-Large's dilated last stage (256x256 input, output stride 16) */
    {"dw5x5s1d2 16x16x672", K_DW, 16, 16, 672, 672, 5, 1, BD_ACT_NONE, 2},
    {"dw3x3s1 box RVM refiner 270x480x4", K_DW, 270, 480, 4, 4, 3, 1, BD_ACT_NONE, 1},
    {"dw5x5s1d2 16x16x960", K_DW, 16, 16, 960, 960, 5, 1, BD_ACT_NONE, 2},
    {"tconv2x2s2 128x128 16->1", K_TCONV, 128, 128, 16, 1, 2, 2, BD_ACT_NONE, 1},
    {"relu 128x128x16", K_UNARY, 128, 128, 16, 16, 0, 0, BD_ACT_RELU, 1},
    {"hardswish 128x128x16", K_UNARY, 128, 128, 16, 16, 0, 0, BD_ACT_HARDSWISH, 1},
    {"sigmoid 256x256x1", K_UNARY, 256, 256, 1, 1, 0, 0, BD_ACT_SIGMOID, 1},
    {"sigmoid 256x256x1 logits -600..0", K_UNARY, 256, 256, 1, 1, 0, 600, BD_ACT_SIGMOID, 1},
    {"add 32x32x24", K_ADD, 32, 32, 24, 24, 0, 0, BD_ACT_NONE, 1},
    {"add 128x128x16", K_ADD, 128, 128, 16, 16, 0, 0, BD_ACT_NONE, 1},
    {"mul-bcast 64x64x16 (per pixel)", K_MULB, 64, 64, 16, 16, 0, 0, BD_ACT_NONE, 1},
    {"mul-bcast 16x16x128 (per pixel)", K_MULB, 16, 16, 128, 128, 0, 0, BD_ACT_NONE, 1},
    {"mean_hw 64x64x16", K_MEAN, 64, 64, 16, 16, 0, 0, BD_ACT_NONE, 1},
    {"mean_hw 32x32x96", K_MEAN, 32, 32, 96, 96, 0, 0, BD_ACT_NONE, 1},
    {"resize2x 16x16x128", K_RESIZE, 16, 16, 128, 128, 0, 0, BD_ACT_NONE, 1},
    {"resize2x 64x64x16", K_RESIZE, 64, 64, 16, 16, 0, 0, BD_ACT_NONE, 1},
};

/* SAME padding, TF rule. */
static bd_conv_params conv_params(const bcase *c) {
    bd_conv_params p;
    memset(&p, 0, sizeof p);
    p.in_h = c->h, p.in_w = c->w, p.in_c = c->ic, p.out_c = c->oc;
    p.k_h = p.k_w = c->k, p.stride_h = p.stride_w = c->s;
    p.dil_h = p.dil_w = c->d;
    p.depth_multiplier = 1;
    p.act.act = c->act;
    if (c->kind != K_CONV && c->kind != K_DW && c->kind != K_TCONV) return p;
    if (c->kind == K_TCONV) {
        p.out_h = c->h * c->s, p.out_w = c->w * c->s;
        return p;
    }
    p.out_h = (c->h + c->s - 1) / c->s, p.out_w = (c->w + c->s - 1) / c->s;
    const int ke = (c->k - 1) * p.dil_h + 1; /* dilated extent */
    int th = (p.out_h - 1) * c->s + ke - c->h, tw = (p.out_w - 1) * c->s + ke - c->w;
    p.pad_top = th > 0 ? th / 2 : 0, p.pad_left = tw > 0 ? tw / 2 : 0;
    return p;
}

typedef struct bufs {
    float *in, *in2, *out, *w, *bias, *packed;
    uint16_t *packed16; /* FP16 weights, when f16 */
    int f16;
    int wino;           /* run conv2d_wino (packed for it, scratch its scratch) */
    int bf16, int8;     /* run conv2d_bf16 / conv2d_int8 on in_lp (packed_lp) */
    void *in_lp, *packed_lp;
    bd_int8_qparams qp;
    float *scratch;
    bd_conv_params p;
    bd_resize_params rp;
    size_t n_in, n_out;
} bufs;

static void run_once(const bcase *c, const bd_kernels *k, bufs *b) {
    bd_act_params act = {c->act, 0.0f, 6.0f};
    if (b->f16 && c->kind == K_CONV) {
        k->conv2d_f16(&b->p, b->in, b->packed16, NULL, b->out, 0, b->p.out_h);
        return;
    }
    if (b->wino) {
        k->conv2d_wino(&b->p, b->in, NULL, b->packed, NULL, b->out, 0, b->p.out_h, b->scratch);
        return;
    }
    if (b->bf16) {
        k->conv2d_bf16(&b->p, b->in_lp, b->packed_lp, NULL, b->out, 0, b->p.out_h);
        return;
    }
    if (b->int8) {
        k->conv2d_int8(&b->p, b->in_lp, &b->qp, b->packed_lp, NULL, b->out, 0, b->p.out_h);
        return;
    }
    if (b->f16 && c->kind == K_DW) {
        k->dwconv2d_f16(&b->p, b->in, b->packed16, NULL, b->out, 0, b->p.out_h);
        return;
    }
    switch (c->kind) {
    case K_CONV: k->conv2d(&b->p, b->in, b->packed, NULL, b->out, 0, b->p.out_h); break;
    case K_DW: k->dwconv2d(&b->p, b->in, b->packed, NULL, b->out, 0, b->p.out_h); break;
    case K_TCONV: k->tconv2d(&b->p, b->in, b->packed, NULL, b->out, 0, b->p.out_h); break;
    case K_UNARY: k->unary[c->act](b->in, b->out, b->n_in, &act); break;
    case K_ADD: k->add(b->in, 1, b->in2, 1, b->out, b->n_in, &act); break;
    case K_MULB: /* as exec.c calls it: once per pixel, n = C */
        for (size_t px = 0; px < (size_t)c->h * c->w; px++)
            k->mul(b->in + px * c->ic, 1, b->in2, 1, b->out + px * c->ic, (size_t)c->ic, &act);
        break;
    case K_MEAN: k->mean_hw(b->in, b->out, (size_t)c->h * c->w, c->ic); break;
    case K_RESIZE: k->resize_bilinear(&b->rp, b->in, b->out, 0, b->rp.out_h); break;
    }
}

static void time_case(const bcase *c, bd_isa isa, bufs *b) {
    bd_kernels k;
    bd_kernels_init(&k, isa);
    if (c->kind == K_CONV || c->kind == K_DW || c->kind == K_TCONV) {
        bd_pack_fn pack = b->wino             ? k.pack_conv2d_wino
                          : c->kind == K_CONV ? k.pack_conv2d
                          : c->kind == K_DW   ? k.pack_dwconv2d
                                              : k.pack_tconv2d;
        bd_aligned_free(b->packed);
        b->packed = falloc(pack(&b->p, b->w, b->bias, NULL));
        pack(&b->p, b->w, b->bias, b->packed);
    }
    if (b->wino) {
        bd_aligned_free(b->scratch);
        b->scratch = falloc(k.conv2d_wino_scratch(&b->p));
    }
    if (b->bf16 || b->int8) { /* the caller checked that the level has the kernel */
        const size_t pix = (size_t)c->h * c->w;
        bd_aligned_free(b->in_lp), bd_aligned_free(b->packed_lp);
        if (b->bf16) {
            const int cp = bd_bf16_stride(c->ic);
            b->in_lp = bd_aligned_alloc(pix * (size_t)cp * sizeof(uint16_t));
            b->packed_lp =
                bd_aligned_alloc(k.pack_conv2d_bf16(&b->p, b->w, b->bias, NULL) * sizeof(uint16_t));
            if (!b->in_lp || !b->packed_lp) exit(1);
            k.pack_conv2d_bf16(&b->p, b->w, b->bias, b->packed_lp);
            k.convert_bf16(b->in, b->in_lp, 0, pix, c->ic, cp);
        } else {
            const int cp = bd_int8_stride(c->ic);
            float mn = INFINITY, mx = -INFINITY;
            b->in_lp = bd_aligned_alloc(pix * (size_t)cp);
            b->packed_lp = bd_aligned_alloc(k.pack_conv2d_int8(&b->p, b->w, b->bias, NULL));
            if (!b->in_lp || !b->packed_lp) exit(1);
            k.pack_conv2d_int8(&b->p, b->w, b->bias, b->packed_lp);
            k.minmax_int8(b->in, pix * (size_t)c->ic, &mn, &mx);
            b->qp = bd_int8_qparams_of(mn, mx);
            k.quantize_int8(b->in, b->in_lp, 0, pix, c->ic, cp, &b->qp);
        }
    }
    if (b->f16) { /* the caller checked that the level has the _f16 kernel */
        bd_pack_f16_fn pack = c->kind == K_CONV ? k.pack_conv2d_f16 : k.pack_dwconv2d_f16;
        bd_aligned_free(b->packed16);
        b->packed16 = bd_aligned_alloc(pack(&b->p, b->w, b->bias, NULL) * sizeof(uint16_t));
        if (!b->packed16) exit(1);
        pack(&b->p, b->w, b->bias, b->packed16);
    }
    for (int i = 0; i < 3; i++) run_once(c, &k, b);
    double t0 = now();
    run_once(c, &k, b);
    double one = now() - t0;
    int reps = one > 0 ? (int)(0.2 / one) : 2000;
    reps = reps < 5 ? 5 : (reps > 2000 ? 2000 : reps);
    double *t = malloc(sizeof(double) * (size_t)reps);
    for (int r = 0; r < reps; r++) {
        t0 = now();
        run_once(c, &k, b);
        t[r] = now() - t0;
    }
    qsort(t, (size_t)reps, sizeof(double), cmp_double);
    double tmin = t[0], tmed = t[reps / 2];
    free(t);
    double macs = 0, bytes = 0;
    const bd_conv_params *p = &b->p;
    switch (c->kind) {
    case K_CONV: macs = (double)p->out_h * p->out_w * p->out_c * p->in_c * p->k_h * p->k_w; break;
    case K_DW: macs = (double)p->out_h * p->out_w * p->out_c * p->k_h * p->k_w; break;
    case K_TCONV: macs = (double)p->out_h * p->out_w * p->out_c * p->in_c; break;
    case K_UNARY: bytes = 8.0 * (double)b->n_in; break;
    case K_ADD: case K_MULB: bytes = 12.0 * (double)b->n_in; break;
    case K_MEAN: bytes = 4.0 * (double)b->n_in; break;
    case K_RESIZE: bytes = 4.0 * ((double)b->n_in + (double)b->n_out); break;
    }
    char label[32];
    snprintf(label, sizeof label, "%s%s", bd_isa_name(isa),
             b->f16 ? "+f16" : b->wino ? "+wino" : b->bf16 ? "+bf16" : b->int8 ? "+int8" : "");
    printf("%-34s %-10s min %9.1f us  med %9.1f us  ", c->name, label, tmin * 1e6, tmed * 1e6);
    if (macs > 0) printf("%7.1f GFLOP/s\n", 2.0 * macs / tmin * 1e-9);
    else printf("%7.1f GB/s\n", bytes / tmin * 1e-9);
}

static void bench_kernels(const char *filter) {
    bd_isa best = bd_isa_detect();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bcase *c = &cases[i];
        if (filter && !strstr(c->name, filter)) continue;
        bufs b;
        memset(&b, 0, sizeof b);
        b.p = conv_params(c);
        switch (c->kind) {
        case K_CONV: case K_DW: case K_TCONV:
            b.n_in = (size_t)c->h * c->w * c->ic;
            b.n_out = (size_t)b.p.out_h * b.p.out_w * b.p.out_c;
            break;
        case K_MEAN: b.n_in = (size_t)c->h * c->w * c->ic, b.n_out = (size_t)c->ic; break;
        case K_RESIZE:
            b.rp = (bd_resize_params){c->h, c->w, c->ic, 2 * c->h, 2 * c->w, 0, 1};
            b.n_in = (size_t)c->h * c->w * c->ic, b.n_out = 4 * b.n_in;
            break;
        default: b.n_in = b.n_out = (size_t)c->h * c->w * c->ic; break;
        }
        b.in = falloc(b.n_in);
        if (c->kind == K_UNARY && c->s) /* s: spread of the inputs, like the final logits */
            for (size_t j = 0; j < b.n_in; j++) b.in[j] = (b.in[j] - 1.0f) * 0.5f * (float)c->s;
        b.in2 = falloc(b.n_in);
        b.out = falloc(b.n_out);
        size_t nw = c->kind == K_DW ? (size_t)c->k * c->k * c->oc
                                    : (size_t)c->k * c->k * c->ic * c->oc;
        b.w = falloc(nw);
        b.bias = falloc((size_t)c->oc);
        for (int isa = BD_ISA_REF; isa <= (int)best; isa++) {
            b.f16 = 0;
            time_case(c, (bd_isa)isa, &b);
            bd_kernels k;
            bd_kernels_init(&k, (bd_isa)isa);
            if ((c->kind == K_CONV && k.conv2d_f16) || (c->kind == K_DW && k.dwconv2d_f16)) {
                b.f16 = 1;
                time_case(c, (bd_isa)isa, &b);
                b.f16 = 0;
            }
            if (c->kind == K_CONV && k.conv2d_wino && bd_wino_ok(&b.p)) {
                b.wino = 1;
                time_case(c, (bd_isa)isa, &b);
                b.wino = 0;
            }
            if (c->kind == K_CONV && k.conv2d_bf16) {
                b.bf16 = 1;
                time_case(c, (bd_isa)isa, &b);
                b.bf16 = 0;
            }
            if (c->kind == K_CONV && k.conv2d_int8) {
                b.int8 = 1;
                time_case(c, (bd_isa)isa, &b);
                b.int8 = 0;
            }
        }
        bd_aligned_free(b.in), bd_aligned_free(b.in2), bd_aligned_free(b.out);
        bd_aligned_free(b.w), bd_aligned_free(b.bias), bd_aligned_free(b.packed);
        bd_aligned_free(b.packed16), bd_aligned_free(b.scratch);
        bd_aligned_free(b.in_lp), bd_aligned_free(b.packed_lp);
    }
}

static int bench_model(const char *path, int reps, int ops) {
    bd_isa best = bd_isa_detect();
    for (int isa = BD_ISA_REF; isa <= (int)best; isa++) {
        bd_model_options mo;
        bd_model_options_default(&mo);
        mo.isa = (bd_isa)isa;
        bd_model *m = NULL;
        bd_session *s = NULL;
        float *in;
        size_t n;
        if (bd_model_create(&mo, &m) || bd_model_load_file(m, path) ||
            bd_session_create(m, NULL, &s) || bd_session_input(s, 0, &in, &n)) {
            fprintf(stderr, "%s: %s\n", path, bd_model_last_error(m));
            bd_model_free(m);
            return 1;
        }
        for (size_t i = 0; i < n; i++) in[i] = frand();
        int r_isa = isa == BD_ISA_REF ? (reps < 10 ? reps : 10) : reps;
        for (int i = 0; i < 3; i++) bd_session_run(s);
        double *t = malloc(sizeof(double) * (size_t)r_isa);
        for (int r = 0; r < r_isa; r++) {
            double t0 = now();
            bd_session_run(s);
            t[r] = now() - t0;
        }
        qsort(t, (size_t)r_isa, sizeof(double), cmp_double);
        printf("model %-7s %3d ops  min %8.3f ms  med %8.3f ms  (%.1f GFLOP/s, %d runs)\n",
               bd_isa_name(m->kernels.isa), m->graph.n_nodes, t[0] * 1e3, t[r_isa / 2] * 1e3,
               2.0 * (double)m->n_macs / t[0] * 1e-9, r_isa);
        free(t);
        if (ops) {
            const bd_graph *g = &m->graph;
            double per_op[BD_OP_COUNT] = {0}, *node = calloc((size_t)g->n_nodes, sizeof(double));
            for (int r = 0; r < r_isa; r++)
                for (int i = 0; i < g->n_nodes; i++) {
                    double t0 = now();
                    bd_exec_node(m, s->arena, i, 0, 1, s->thread_scratch);
                    double dt = now() - t0;
                    per_op[g->nodes[i].op] += dt / r_isa;
                    node[i] += dt / r_isa;
                }
            for (int o = 0; o < BD_OP_COUNT; o++)
                if (per_op[o] > 0)
                    printf("    %-16s %8.3f ms\n", bd_op_name((bd_op_type)o), per_op[o] * 1e3);
            for (int top = 0; top < 8; top++) {
                int bi = -1;
                for (int i = 0; i < g->n_nodes; i++)
                    if (node[i] >= 0 && (bi < 0 || node[i] > node[bi])) bi = i;
                if (bi < 0) break;
                const bd_node *nd = &g->nodes[bi];
                const bd_value *vi = &g->values[nd->inputs[0]], *vo = &g->values[nd->output];
                printf("    node %3d %-10s in %lldx%lldx%lld out %lldx%lldx%lld %8.3f ms\n", bi,
                       bd_op_name(nd->op), (long long)vi->dims[1], (long long)vi->dims[2],
                       (long long)vi->dims[3], (long long)vo->dims[1], (long long)vo->dims[2],
                       (long long)vo->dims[3], node[bi] * 1e3);
                node[bi] = -1;
            }
            free(node);
        }
        bd_session_free(s);
        bd_model_free(m);
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *model = NULL, *filter = NULL;
    int reps = 200, ops = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--model") && i + 1 < argc) model = argv[++i];
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--ops")) ops = 1;
        else filter = argv[i];
    }
    if (reps < 1) reps = 1;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (model) return bench_model(model, reps, ops);
    bench_kernels(filter);
    return 0;
}
