/*
 * test_resize.c -- resize_bilinear at every ISA level against the reference.
 *
 * Tolerance: |got - ref| <= 1e-6 * max|in| (same source coordinates; the blend
 * uses FMA, a few ulp of the largest corner). Rows outside [y0, y1) untouched.
 * Shapes: channel counts {1, 3, 7, 15, 16, 17, 31, 33, 72, 88, 144}; exact 2x
 * (the models), 1 -> n, non-integer up- and down-scaling, widths past the
 * 256-column coordinate chunk; all four align_corners / half_pixel settings.
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
        }
}

int main(void) {
    RUN(test_resize);
    return harness_finish();
}
