/*
 * test_resize.c -- resize_bilinear at every ISA level against the reference.
 *
 * Tolerance: |got - ref| <= 1e-6 * max|in| (same source coordinates; the blend
 * uses FMA, a few ulp of the largest corner). Rows outside [y0, y1) untouched.
 * Shapes: channel counts {1, 3, 7, 15, 16, 17, 31, 33, 72, 88, 144}; exact 2x
 * (the models), 1 -> n, non-integer up- and down-scaling, widths past the
 * 256-column coordinate chunk; all four align_corners / half_pixel settings.
 *
 * resize_affine (y = resize(a) * x + resize(b)) on the same shapes: against its
 * reference within the same tolerance (scaled by max|x|), and at every level
 * bit-identical to that level's resize_bilinear of a and b followed by a rounded
 * multiply and a rounded add, which is what the fusion pass replaces; the same
 * with the fused tail (an addend r and a clamp, fuse.c pass 7).
 */
#include "harness.h"
#include "kernel_util.h"

static void check_resize(bd_resize_params p, int y0, int y1, unsigned seed) {
    const size_t n_in = (size_t)p.in_h * p.in_w * p.c, n_out = (size_t)p.out_h * p.out_w * p.c;
    ku_buf in = ku_alloc(n_in, (int)(seed % 3)), ref = ku_alloc(n_out, 0), got = ku_alloc(n_out, 1);
    ku_fill(in.p, n_in, &seed, 5.0f);
    double mx = 0;
    for (size_t i = 0; i < n_in; i++) mx = fmax(mx, fabs(in.p[i]));
    ku_fill_sentinel(ref.p, n_out);
    bd_f32_resize_bilinear_ref(&p, in.p, ref.p, y0, y1);
    bd_isa lv[4];
    int n_lv = ku_levels(lv);
    const size_t row = (size_t)p.out_w * p.c;
    for (int li = 0; li < n_lv; li++) {
        bd_kernels k;
        bd_kernels_init(&k, lv[li]);
        ku_fill_sentinel(got.p, n_out);
        k.resize_bilinear(&p, in.p, got.p, y0, y1);
        int bad = 0;
        for (size_t i = 0; i < n_out && bad < 3; i++) {
            int y = (int)(i / row);
            int ok = (y < y0 || y >= y1) ? ku_is_sentinel(got.p[i])
                                         : ku_close(got.p[i], ref.p[i], 1e-6 * mx);
            if (!ok) {
                bad++;
                CHECK_MSG(0, "resize isa=%s %dx%d->%dx%d c=%d ac=%d hp=%d rows [%d,%d): [%zu] got %.9g want %.9g",
                          bd_isa_name(lv[li]), p.in_h, p.in_w, p.out_h, p.out_w, p.c,
                          p.align_corners, p.half_pixel, y0, y1, i, got.p[i], ref.p[i]);
            }
        }
        if (!bad) CHECK(1);
    }
    ku_free(&in), ku_free(&ref), ku_free(&got);
}

/* with_r: the fused tail too, y = clamp(resize(a) * x + resize(b) + r, -1, 2)
 * (fuse.c pass 7), against the unfused sequence rounded step by step. */
static void check_affine(bd_resize_params p, int y0, int y1, unsigned seed, bool with_r) {
    const size_t n_in = (size_t)p.in_h * p.in_w * p.c, n_out = (size_t)p.out_h * p.out_w * p.c;
    ku_buf a = ku_alloc(n_in, 0), b = ku_alloc(n_in, 1), x = ku_alloc(n_out, 2);
    ku_buf ref = ku_alloc(n_out, 0), got = ku_alloc(n_out, 1), ua = ku_alloc(n_out, 2),
           ub = ku_alloc(n_out, 0), r = ku_alloc(n_out, 1);
    ku_fill(a.p, n_in, &seed, 3.0f);
    ku_fill(b.p, n_in, &seed, 2.0f);
    ku_fill(x.p, n_out, &seed, 4.0f);
    ku_fill(r.p, n_out, &seed, 1.0f);
    ku_fill_sentinel(ref.p, n_out);
    const bd_act_params act = with_r ? (bd_act_params){BD_ACT_CLAMP, -1.0f, 2.0f}
                                     : (bd_act_params){BD_ACT_NONE, 0, 0};
    const float *rp = with_r ? r.p : NULL;
    bd_f32_resize_affine_ref(&p, a.p, b.p, x.p, rp, &act, ref.p, y0, y1);
    const double tol = 1e-6 * (3.0 * 4.0 + 2.0 + 1.0) * 4;
    bd_isa lv[4];
    int n_lv = ku_levels(lv);
    const size_t row = (size_t)p.out_w * p.c;
    for (int li = 0; li < n_lv; li++) {
        bd_kernels k;
        bd_kernels_init(&k, lv[li]);
        ku_fill_sentinel(got.p, n_out);
        k.resize_affine(&p, a.p, b.p, x.p, rp, &act, got.p, y0, y1);
        k.resize_bilinear(&p, a.p, ua.p, y0, y1);
        k.resize_bilinear(&p, b.p, ub.p, y0, y1);
        int bad = 0;
        for (size_t i = 0; i < n_out && bad < 3; i++) {
            int yy = (int)(i / row);
            int ok;
            float want = 0.0f;
            if (yy < y0 || yy >= y1) {
                ok = ku_is_sentinel(got.p[i]);
            } else {
                volatile float m = ua.p[i] * x.p[i]; /* rounded apart, as the kernel */
                volatile float v = m + ub.p[i];
                want = bd_act_apply(with_r ? v + r.p[i] : v, &act);
                ok = memcmp(&got.p[i], &want, 4) == 0 && ku_close(got.p[i], ref.p[i], tol);
            }
            if (!ok) {
                bad++;
                CHECK_MSG(0, "affine%s isa=%s %dx%d->%dx%d c=%d ac=%d hp=%d rows [%d,%d): [%zu] "
                          "got %.9g, unfused %.9g, ref %.9g", with_r ? "+r+clamp" : "",
                          bd_isa_name(lv[li]), p.in_h, p.in_w, p.out_h, p.out_w, p.c,
                          p.align_corners, p.half_pixel, y0, y1, i, got.p[i], want, ref.p[i]);
            }
        }
        if (!bad) CHECK(1);
    }
    ku_free(&a), ku_free(&b), ku_free(&x), ku_free(&ref), ku_free(&got), ku_free(&ua),
        ku_free(&ub), ku_free(&r);
}

static void test_resize(void) {
    static const int chans[] = {1, 3, 4, 7, 8, 15, 16, 17, 31, 33, 72, 88, 144};
    static const int geo[][4] = {{4, 5, 8, 10},  {1, 1, 3, 4},   {3, 7, 5, 11}, {6, 9, 4, 5},
                                 {2, 2, 2, 2},   {1, 3, 2, 6},   {5, 1, 10, 2}, {2, 150, 4, 300},
                                 {16, 16, 32, 32}, {3, 5, 1, 1},  {2, 3000, 3, 7}, {3, 40, 7, 700}};
    int n = 0;
    for (int ci = 0; ci < 13; ci++)
        for (int g = 0; g < 12; g++, n++) {
            bd_resize_params p = {geo[g][0], geo[g][1], chans[ci], geo[g][2], geo[g][3],
                                  (n / 2) % 2, n % 2};
            if (chans[ci] > 33 && (geo[g][3] > 100 || geo[g][1] > 100)) continue; /* keep it quick */
            int y0 = 0, y1 = p.out_h;
            if (p.out_h >= 3 && n % 3 == 0) y0 = 1, y1 = 2;
            check_resize(p, y0, y1, 3u + (unsigned)n);
            check_affine(p, y0, y1, 7u + (unsigned)n, false);
            check_affine(p, y0, y1, 11u + (unsigned)n, true);
        }
}

int main(void) {
    RUN(test_resize);
    return harness_finish();
}
