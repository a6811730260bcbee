/*
 * test_onnx_kernels.c -- the kernels added for ONNX ops at every ISA level
 * against the reference:
 *   sub, div, prelu (stride patterns 1/1, 1/0, 0/1; in place; misaligned;
 *     n = 1..70, 127..129, 1021; special values ±0, ±inf, NaN, subnormals):
 *     bit-exact (one IEEE operation per element), NaN equal to any NaN;
 *   softmax (rows with inner = 1 and strided axes with inner = 1..70; n = 1..40,
 *     100, 1000; inputs up to ±60, plus -inf entries):
 *     |got - ref| <= 1e-6 * ref + 1e-7 (vector exp ~2 ulp, float sums);
 *   pad (constant, reflect, edge on every axis), slice (steps 1, 2, 3, -1, -2)
 *     and nearest resize (every coordinate and nearest mode, up and down):
 *     bit-exact, on partial row ranges, leaving other rows untouched;
 *   bd_nearest_index against values worked out by hand from the ONNX formulas
 *     (tf_half_pixel_for_nearest has no ONNX Runtime reference any more).
 */
#include "harness.h"
#include "kernel_util.h"

static const float specials[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-40f, -1e-40f,
                                 FLT_MIN, -1.0f, 3.0f, FLT_MAX, -FLT_MAX};
#define N_SPEC (int)(sizeof specials / sizeof specials[0])

static void check_binary(int which, size_t n, size_t sa, size_t sb, int inplace, unsigned seed) {
    bd_isa lv[4];
    int n_lv = ku_levels(lv);
    static const char *const names[] = {"sub", "div", "prelu"};
    bd_binary_fn ref_fn = which == 0 ? bd_f32_sub_ref : which == 1 ? bd_f32_div_ref
                                                                   : bd_f32_prelu_ref;
    ku_buf a = ku_alloc(sa ? n : 1, 1), b = ku_alloc(sb ? n : 1, 2), ref = ku_alloc(n, 0);
    ku_fill(a.p, a.n, &seed, 4.0f);
    ku_fill(b.p, b.n, &seed, 4.0f);
    for (size_t i = 0; i < a.n; i += 5) a.p[i] = specials[(i / 5) % N_SPEC];
    for (size_t i = 2; i < b.n; i += 7) b.p[i] = specials[(i / 7) % N_SPEC];
    bd_act_params act = {BD_ACT_NONE, 0, 0};
    ref_fn(a.p, sa, b.p, sb, ref.p, n, &act);
    for (int l = 0; l < n_lv; l++) {
        bd_kernels k;
        bd_kernels_init(&k, lv[l]);
        bd_binary_fn fn = which == 0 ? k.sub : which == 1 ? k.div : k.prelu;
        ku_buf y = ku_alloc(n, 3), a2 = ku_alloc(a.n, 0);
        memcpy(a2.p, a.p, a.n * 4);
        float *out = inplace && sa ? a2.p : y.p;
        fn(a2.p, sa, b.p, sb, out, n, &act);
        size_t bad = 0;
        for (size_t i = 0; i < n; i++) bad += !ku_same(out[i], ref.p[i]);
        CHECK_MSG(bad == 0, "%s %s n=%zu sa=%zu sb=%zu inplace=%d: %zu differ", names[which],
                  bd_isa_name(lv[l]), n, sa, sb, inplace, bad);
        ku_free(&y);
        ku_free(&a2);
    }
    ku_free(&a);
    ku_free(&b);
    ku_free(&ref);
}

static void test_binary(void) {
    static const size_t big[] = {127, 128, 129, 1021};
    unsigned seed = 11;
    for (int which = 0; which < 3; which++)
        for (int pat = 0; pat < 3; pat++) {
            size_t sa = pat != 2, sb = pat != 1;
            for (size_t n = 1; n <= 70; n++) check_binary(which, n, sa, sb, (int)n & 1, seed++);
            for (int i = 0; i < 4; i++) check_binary(which, big[i], sa, sb, i & 1, seed++);
        }
}

static void check_softmax(size_t outer, size_t n, size_t inner, float scale, unsigned seed) {
    bd_isa lv[4];
    int n_lv = ku_levels(lv);
    size_t total = outer * n * inner;
    ku_buf x = ku_alloc(total, 1), ref = ku_alloc(total, 0);
    ku_fill(x.p, total, &seed, scale);
    if (n > 2) x.p[total / 2] = -INFINITY; /* one -inf entry: exp gives 0 */
    bd_f32_softmax_ref(x.p, ref.p, outer, n, inner);
    for (int l = 0; l < n_lv; l++) {
        bd_kernels k;
        bd_kernels_init(&k, lv[l]);
        ku_buf y = ku_alloc(total, 2);
        int inplace = (int)(seed & 1);
        if (inplace) memcpy(y.p, x.p, total * 4);
        k.softmax(inplace ? y.p : x.p, y.p, outer, n, inner);
        size_t bad = 0;
        double worst = 0;
        for (size_t i = 0; i < total; i++) {
            double d = fabs((double)y.p[i] - ref.p[i]);
            worst = fmax(worst, d);
            bad += !(d <= 1e-6 * ref.p[i] + 1e-7);
        }
        CHECK_MSG(bad == 0, "softmax %s outer=%zu n=%zu inner=%zu: %zu bad, worst %g",
                  bd_isa_name(lv[l]), outer, n, inner, bad, worst);
        ku_free(&y);
    }
    ku_free(&x);
    ku_free(&ref);
}

static void test_softmax(void) {
    unsigned seed = 5;
    for (size_t n = 1; n <= 40; n++) check_softmax(3, n, 1, 8.0f, seed++);
    check_softmax(2, 100, 1, 60.0f, seed++);
    check_softmax(1, 1000, 1, 20.0f, seed++);
    for (size_t inner = 2; inner <= 70; inner += 3) check_softmax(2, 7, inner, 8.0f, seed++);
    check_softmax(3, 33, 16, 30.0f, seed++);
    check_softmax(1, 5, 1, 0.0f, seed++); /* all equal */
}

/* Runs PAD or SLICE with p on rows [r0, r1) at every level against the reference. */
static void check_copy(int is_pad, const bd_copy_params *p, unsigned seed) {
    bd_isa lv[4];
    int n_lv = ku_levels(lv);
    size_t n_in = 1, n_out = 1;
    for (int k = 0; k < p->n_dims; k++) {
        n_in *= (size_t)p->in_dims[k];
        n_out *= (size_t)p->out_dims[k];
    }
    size_t rows = n_out / (size_t)p->out_dims[p->n_dims - 1];
    size_t r0 = rows > 2 ? 1 : 0, r1 = rows > 3 ? rows - 1 : rows;
    ku_buf in = ku_alloc(n_in, 1), ref = ku_alloc(n_out, 0);
    ku_fill(in.p, n_in, &seed, 1.0f);
    ku_fill_sentinel(ref.p, n_out);
    (is_pad ? bd_f32_pad_ref : bd_f32_slice_ref)(p, in.p, ref.p, r0, r1);
    for (int l = 0; l < n_lv; l++) {
        bd_kernels k;
        bd_kernels_init(&k, lv[l]);
        ku_buf y = ku_alloc(n_out, 2);
        ku_fill_sentinel(y.p, n_out);
        (is_pad ? k.pad : k.slice)(p, in.p, y.p, r0, r1);
        size_t bad = 0;
        for (size_t i = 0; i < n_out; i++) bad += !ku_same(y.p[i], ref.p[i]);
        CHECK_MSG(bad == 0, "%s %s rank %d: %zu differ", is_pad ? "pad" : "slice",
                  bd_isa_name(lv[l]), p->n_dims, bad);
        ku_free(&y);
    }
    ku_free(&in);
    ku_free(&ref);
}

static void test_pad_slice(void) {
    unsigned seed = 99;
    static const int64_t shapes[][4] = {{1, 5, 7, 3}, {2, 3, 4, 17}, {1, 1, 9, 1}, {1, 6, 2, 8}};
    for (int si = 0; si < 4; si++)
        for (int mode = BD_PAD_CONSTANT; mode <= BD_PAD_EDGE; mode++)
            for (int variant = 0; variant < 4; variant++) {
                bd_copy_params p;
                memset(&p, 0, sizeof p);
                p.n_dims = 4;
                p.mode = mode;
                p.value = 0.25f;
                for (int k = 0; k < 4; k++) {
                    int64_t d = shapes[si][k], maxp = mode == BD_PAD_REFLECT ? d - 1 : 3;
                    p.in_dims[k] = d;
                    p.a[k] = k == 0 ? 0 : (variant + k) % (maxp + 1);
                    p.b[k] = k == 0 ? 0 : (variant * 2 + k + 1) % (maxp + 1);
                    p.out_dims[k] = d + p.a[k] + p.b[k];
                }
                check_copy(1, &p, seed++);
            }
    static const int64_t steps[] = {1, 2, 3, -1, -2};
    for (int si = 0; si < 4; si++)
        for (int v = 0; v < 5; v++) {
            bd_copy_params p;
            memset(&p, 0, sizeof p);
            p.n_dims = 4;
            for (int k = 0; k < 4; k++) {
                int64_t d = shapes[si][k], s = k == 0 ? 1 : steps[(v + k) % 5];
                p.in_dims[k] = d;
                p.b[k] = s;
                /* from 1 (s > 0) or d - 1 (s < 0), as many as fit */
                int64_t begin = s > 0 ? (d > 1 ? 1 : 0) : d - 1;
                int64_t count = s > 0 ? (d - begin + s - 1) / s : begin / (-s) + 1;
                p.a[k] = begin;
                p.out_dims[k] = count;
            }
            check_copy(0, &p, seed++);
        }
}

static void test_nearest(void) {
    bd_isa lv[4];
    int n_lv = ku_levels(lv);
    unsigned seed = 3;
    static const int sizes[][4] = {{5, 4, 10, 8}, {5, 4, 7, 13}, {7, 9, 3, 4}, {4, 6, 9, 2}};
    for (int si = 0; si < 4; si++)
        for (int cm = BD_COORD_HALF_PIXEL; cm <= BD_COORD_TF_HALF_PIXEL_FOR_NEAREST; cm++)
            for (int nm = BD_NEAREST_ROUND_PREFER_FLOOR; nm <= BD_NEAREST_SIMPLE; nm++)
                for (int c = 1; c <= 17; c += 8) {
                    bd_nearest_params p = {sizes[si][0], sizes[si][1], c, sizes[si][2],
                                           sizes[si][3], cm, nm,
                                           (float)sizes[si][2] / (float)sizes[si][0],
                                           (float)sizes[si][3] / (float)sizes[si][1]};
                    size_t n_in = (size_t)p.in_h * p.in_w * c, n_out = (size_t)p.out_h * p.out_w * c;
                    ku_buf in = ku_alloc(n_in, 1), ref = ku_alloc(n_out, 0);
                    ku_fill(in.p, n_in, &seed, 1.0f);
                    ku_fill_sentinel(ref.p, n_out);
                    int y0 = p.out_h > 2 ? 1 : 0, y1 = p.out_h;
                    bd_f32_resize_nearest_ref(&p, in.p, ref.p, y0, y1);
                    for (int l = 0; l < n_lv; l++) {
                        bd_kernels k;
                        bd_kernels_init(&k, lv[l]);
                        ku_buf y = ku_alloc(n_out, 2);
                        ku_fill_sentinel(y.p, n_out);
                        k.resize_nearest(&p, in.p, y.p, y0, y1);
                        size_t bad = 0;
                        for (size_t i = 0; i < n_out; i++) bad += !ku_same(y.p[i], ref.p[i]);
                        CHECK_MSG(bad == 0, "nearest %s %dx%d->%dx%d cm %d nm %d c %d: %zu differ",
                                  bd_isa_name(lv[l]), p.in_h, p.in_w, p.out_h, p.out_w, cm, nm,
                                  c, bad);
                        ku_free(&y);
                    }
                    ku_free(&in);
                    ku_free(&ref);
                }
}

static void test_nearest_index(void) {
    /* tf_half_pixel_for_nearest, in 4 -> out 6 (scale 1.5): x_orig = (x + 0.5) / 1.5
     * = 0.33, 1, 1.67, 2.33, 3, 3.67; round_prefer_floor -> 0 1 2 2 3 4 -> clamp 3. */
    static const int tf[6] = {0, 1, 2, 2, 3, 3};
    for (int x = 0; x < 6; x++)
        CHECK(bd_nearest_index(x, 1.5f, 4, 6, BD_COORD_TF_HALF_PIXEL_FOR_NEAREST,
                               BD_NEAREST_ROUND_PREFER_FLOOR) == tf[x]);
    /* half_pixel, 4 -> 8 (scale 2): x_orig = x/2 - 0.25: -0.25 0.25 0.75 1.25 ...;
     * round_prefer_floor: 0 0 1 1 2 2 3 3. */
    for (int x = 0; x < 8; x++)
        CHECK(bd_nearest_index(x, 2.0f, 4, 8, BD_COORD_HALF_PIXEL,
                               BD_NEAREST_ROUND_PREFER_FLOOR) == x / 2);
    /* asymmetric, 3 -> 2 (scale 2/3): x_orig = 0, 1.5; prefer floor 1, prefer ceil 2,
     * simple (downsampling: ceil) 2. */
    CHECK(bd_nearest_index(1, 2.0f / 3.0f, 3, 2, BD_COORD_ASYMMETRIC,
                           BD_NEAREST_ROUND_PREFER_FLOOR) == 1);
    CHECK(bd_nearest_index(1, 2.0f / 3.0f, 3, 2, BD_COORD_ASYMMETRIC,
                           BD_NEAREST_ROUND_PREFER_CEIL) == 2);
    CHECK(bd_nearest_index(1, 2.0f / 3.0f, 3, 2, BD_COORD_ASYMMETRIC, BD_NEAREST_SIMPLE) == 2);
    /* align_corners, 5 -> 3: x_orig = 0, 2, 4. */
    for (int x = 0; x < 3; x++)
        CHECK(bd_nearest_index(x, 0.6f, 5, 3, BD_COORD_ALIGN_CORNERS, BD_NEAREST_FLOOR) == 2 * x);
}

int main(void) {
    RUN(test_binary);
    RUN(test_softmax);
    RUN(test_pad_slice);
    RUN(test_nearest);
    RUN(test_nearest_index);
    return harness_finish();
}
