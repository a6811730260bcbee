/*
 * img_kernels.c -- builds the block tables the horizontal interpolation
 * kernels read (image/hlerp.h). The image kernels' dispatch table itself is
 * filled in kernels/: the reference entries in kernels/dispatch.c, each ISA's
 * in bd_img_kernels_init_<isa> (kernels/x86_<isa>/init_<isa>.c).
 */
#include "image/hlerp.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The block form of a table (bd_hlerp_table, bd_hlerp16_table): block b of
 * `block` outputs reads the sources base .. base + 2 * block - 1, base = its
 * smallest lo; fills base[b] and every output's lo and hi relative to it.
 * False when an output is out of that reach (downscaling by about 2 or more):
 * the table then has no blocks (base NULL) and the kernels use their general
 * path. */
static bool build_blocks(const int32_t *lo, const int32_t *hi, int n, int block,
                         int32_t *base_out, uint8_t *rel_lo, uint8_t *rel_hi) {
    const int reach = 2 * block - 1;
    for (int x0 = 0, b = 0; x0 < n; x0 += block, b++) {
        const int x1 = x0 + block < n ? x0 + block : n;
        int base = lo[x0];
        for (int x = x0; x < x1; x++) base = lo[x] < base ? lo[x] : base;
        base_out[b] = base;
        for (int x = x0; x < x1; x++) {
            const int rl = lo[x] - base, rh = hi[x] - base;
            if (rl > reach || rh > reach || rh < 0) return false;
            rel_lo[x] = (uint8_t)rl;
            rel_hi[x] = (uint8_t)rh;
        }
    }
    return true;
}

bd_status bd_hlerp_build(bd_hlerp_buf *h, const int32_t *lo, const int32_t *hi, const float *w,
                         int n) {
    const int nb = (n + 15) / 16;
    if (n > h->cap) {
        bd_hlerp_free(h);
        /* one allocation: base[nb], then rel_lo[n] and rel_hi[n] */
        h->base = malloc((size_t)nb * sizeof *h->base + 2 * (size_t)n);
        if (!h->base) return BD_ERR_NO_MEMORY;
        h->rel_lo = (uint8_t *)(h->base + nb);
        h->rel_hi = h->rel_lo + n;
        h->cap = n;
    }
    h->t.n = n;
    h->t.lo = lo;
    h->t.hi = hi;
    h->t.w = w;
    h->t.base = h->base;
    h->t.rel_lo = h->rel_lo;
    h->t.rel_hi = h->rel_hi;
    if (!build_blocks(lo, hi, n, 16, h->base, h->rel_lo, h->rel_hi)) h->t.base = NULL;
    return BD_OK;
}

void bd_hlerp_free(bd_hlerp_buf *h) {
    free(h->base); /* and rel_lo, rel_hi */
    h->base = NULL;
    h->rel_lo = h->rel_hi = NULL;
    h->cap = 0;
    h->t.n = 0;
}

bd_status bd_hlerp16_build(bd_hlerp16_buf *h, const int32_t *lo_px, const int32_t *hi_px,
                           const double *w_px, int n_px, int C) {
    const int n = n_px * C, nb = (n + 31) / 32;
    if (n > h->cap) {
        bd_hlerp16_free(h);
        /* one allocation: lo[n], hi[n], base[nb] (int32), w[n] (int16), then
         * rel_lo[n] and rel_hi[n] */
        h->lo = malloc((2 * (size_t)n + (size_t)nb) * sizeof *h->lo + (size_t)n * sizeof *h->w +
                       2 * (size_t)n);
        if (!h->lo) return BD_ERR_NO_MEMORY;
        h->hi = h->lo + n;
        h->base = h->hi + n;
        h->w = (int16_t *)(h->base + nb);
        h->rel_lo = (uint8_t *)(h->w + n);
        h->rel_hi = h->rel_lo + n;
        h->cap = n;
    }
    for (int x = 0; x < n_px; x++) {
        int32_t wq = (int32_t)(w_px[x] * 32768.0 + 0.5);
        if (wq > 32767) wq = 32767;
        for (int c = 0; c < C; c++) {
            h->lo[x * C + c] = lo_px[x] * C + c;
            h->hi[x * C + c] = hi_px[x] * C + c;
            h->w[x * C + c] = (int16_t)wq;
        }
    }
    h->t.n = n;
    h->t.lo = h->lo;
    h->t.hi = h->hi;
    h->t.w = h->w;
    h->t.base = h->base;
    h->t.rel_lo = h->rel_lo;
    h->t.rel_hi = h->rel_hi;
    if (!build_blocks(h->lo, h->hi, n, 32, h->base, h->rel_lo, h->rel_hi)) h->t.base = NULL;
    return BD_OK;
}

void bd_hlerp16_free(bd_hlerp16_buf *h) {
    free(h->lo); /* and every other array */
    memset(h, 0, sizeof *h);
}
