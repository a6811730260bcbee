/*
 * test_transpose.c -- the 2D transpose of the dispatch table at every ISA level
 * against the reference: whole matrices and sub-rectangles (the executor's
 * tiles), sizes around the 16 x 16 block (1, 15, 16, 17, 33) and primes.
 * Tolerance: bit-exact (a copy); elements outside the rectangle stay untouched.
 */
#include "harness.h"
#include "kernel_util.h"

static void check(size_t rows, size_t cols, size_t r0, size_t r1, size_t c0, size_t c1,
                  unsigned seed) {
    size_t n = rows * cols;
    ku_buf x = ku_alloc(n, 1), ref = ku_alloc(n, 0), y = ku_alloc(n, 3);
    ku_fill(x.p, n, &seed, 5.0f);
    ku_fill_sentinel(ref.p, n);
    bd_f32_transpose2d_ref(x.p, ref.p, rows, cols, r0, r1, c0, c1);
    for (size_t r = r0; r < r1; r++) /* the reference itself against the definition */
        for (size_t c = c0; c < c1; c++)
            if (!ku_same(ref.p[c * rows + r], x.p[r * cols + c])) {
                CHECK_MSG(0, "ref %zux%zu: (%zu,%zu) wrong", rows, cols, r, c);
                goto done;
            }
    bd_isa lv[4];
    int n_lv = ku_levels(lv);
    for (int li = 0; li < n_lv; li++) {
        bd_kernels k;
        bd_kernels_init(&k, lv[li]);
        ku_fill_sentinel(y.p, n);
        k.transpose2d(x.p, y.p, rows, cols, r0, r1, c0, c1);
        size_t bad = n;
        for (size_t i = 0; i < n && bad == n; i++)
            if (!ku_same(y.p[i], ref.p[i]) || ku_is_sentinel(y.p[i]) != ku_is_sentinel(ref.p[i]))
                bad = i;
        CHECK_MSG(bad == n, "transpose2d isa=%s %zux%zu [%zu,%zu)x[%zu,%zu): element %zu",
                  bd_isa_name(lv[li]), rows, cols, r0, r1, c0, c1, bad);
    }
done:
    ku_free(&x);
    ku_free(&ref);
    ku_free(&y);
}

static void test_transpose2d(void) {
    static const size_t sizes[] = {1, 3, 15, 16, 17, 21, 33, 67};
    unsigned seed = 7;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (size_t j = 0; j < sizeof sizes / sizeof sizes[0]; j++) {
            size_t r = sizes[i], c = sizes[j];
            check(r, c, 0, r, 0, c, seed++);
            check(r, c, r / 3, r - r / 4, 0, c, seed++);     /* a band of rows */
            check(r, c, 0, r, c / 2, c, seed++);             /* a band of columns */
            check(r, c, r / 2, r, c / 3, c - c / 5, seed++); /* an inner rectangle */
        }
    check(4096, 21, 0, 4096, 0, 21, seed++); /* NHWC -> NCHW of a segmentation head */
    check(3, 8191, 0, 3, 100, 8191, seed++); /* NCHW -> NHWC of an RGB input */
}

int main(void) {
    RUN(test_transpose2d);
    return harness_finish();
}
