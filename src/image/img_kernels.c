/*
 * img_kernels.c -- builds the block tables the horizontal interpolation
 * kernels read (image/hlerp.h). The image kernels' dispatch table itself is
 * filled in kernels/: the reference entries in kernels/dispatch.c, each ISA's
 * in bd_img_kernels_init_<isa> (kernels/x86_<isa>/init_<isa>.c).
 */
#include "image/hlerp.h"

#include <stdlib.h>
#include <string.h>

bd_status bd_hlerp_build(bd_hlerp_buf *h, const int32_t *lo, const int32_t *hi, const float *w,
                         int n) {
    const int nb = (n + 15) / 16;
    if (n > h->cap) {
        bd_hlerp_free(h);
        h->base = malloc((size_t)nb * sizeof *h->base);
        h->rel_lo = malloc((size_t)n);
        h->rel_hi = malloc((size_t)n);
        if (!h->base || !h->rel_lo || !h->rel_hi) {
            bd_hlerp_free(h);
            return BD_ERR_NO_MEMORY;
        }
        h->cap = n;
    }
    h->t.n = n;
    h->t.lo = lo;
    h->t.hi = hi;
    h->t.w = w;
    h->t.base = h->base;
    h->t.rel_lo = h->rel_lo;
    h->t.rel_hi = h->rel_hi;
    /* Block b reads sources base .. base + 31, base = its smallest lo. When an
     * output is out of that reach (downscaling by about 2 or more) the table
     * has no blocks and the kernels use their general path. */
    for (int b = 0; b < nb; b++) {
        const int x0 = 16 * b, x1 = x0 + 16 < n ? x0 + 16 : n;
        int base = lo[x0];
        for (int x = x0; x < x1; x++) base = lo[x] < base ? lo[x] : base;
        h->base[b] = base;
        for (int x = x0; x < x1; x++) {
            const int rl = lo[x] - base, rh = hi[x] - base;
            if (rl > 31 || rh > 31 || rh < 0) {
                h->t.base = NULL;
                return BD_OK;
            }
            h->rel_lo[x] = (uint8_t)rl;
            h->rel_hi[x] = (uint8_t)rh;
        }
    }
    return BD_OK;
}

void bd_hlerp_free(bd_hlerp_buf *h) {
    free(h->base);
    free(h->rel_lo);
    free(h->rel_hi);
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
        h->lo = malloc((size_t)n * sizeof *h->lo);
        h->hi = malloc((size_t)n * sizeof *h->hi);
        h->w = malloc((size_t)n * sizeof *h->w);
        h->base = malloc((size_t)nb * sizeof *h->base);
        h->rel_lo = malloc((size_t)n);
        h->rel_hi = malloc((size_t)n);
        if (!h->lo || !h->hi || !h->w || !h->base || !h->rel_lo || !h->rel_hi) {
            bd_hlerp16_free(h);
            return BD_ERR_NO_MEMORY;
        }
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
    for (int b = 0; b < nb; b++) {
        const int j0 = 32 * b, j1 = j0 + 32 < n ? j0 + 32 : n;
        int base = h->lo[j0];
        for (int j = j0; j < j1; j++) base = h->lo[j] < base ? h->lo[j] : base;
        h->base[b] = base;
        for (int j = j0; j < j1; j++) {
            const int rl = h->lo[j] - base, rh = h->hi[j] - base;
            if (rl > 63 || rh > 63 || rh < 0) {
                h->t.base = NULL;
                return BD_OK;
            }
            h->rel_lo[j] = (uint8_t)rl;
            h->rel_hi[j] = (uint8_t)rh;
        }
    }
    return BD_OK;
}

void bd_hlerp16_free(bd_hlerp16_buf *h) {
    free(h->lo);
    free(h->hi);
    free(h->w);
    free(h->base);
    free(h->rel_lo);
    free(h->rel_hi);
    memset(h, 0, sizeof *h);
}
