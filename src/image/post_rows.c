/*
 * post_rows.c -- the post-process's rows: the person map upsampled to
 * full-resolution alpha rows (separable bilinear, per-thread caches of the
 * horizontally interpolated map rows), the refined alpha from the guided
 * filter's coefficients, the guide's luma, the alpha of chroma planes and
 * pixel-format conversion of a row.
 */
#include <string.h>

#include "image/post_internal.h"

/* ---------------------------------------------------------------------------
 * The mask: map rows -> full-resolution alpha rows.
 */

/* Horizontal interpolation of row r of a map (the prepared map or the light
 * wrap's) into `out` (frame width), mapped to alpha units plus one half
 * (bd_f32_mask_row truncates). */
static void map_hrow(const bd_post *p, tscratch *t, const float *map, int r, float *out) {
    if (map == p->wrap_map) { /* own allocation, padded */
        p->k->hlerp_row(map + (size_t)r * p->ww, &p->wxt.t, p->job->map->k,
                        p->job->map->b + 0.5f, out);
        return;
    }
    const float *src = map + (size_t)r * (size_t)p->mw;
    if ((size_t)(r + 1) * p->mw + 32 > (size_t)p->mw * p->mh) {
        /* the kernels may read up to 31 floats past a row: fine inside the map,
         * but rows near its end are copied into the padded scratch row */
        memcpy(t->mg, src, (size_t)p->mw * sizeof(float));
        src = t->mg;
    }
    p->k->hlerp_row(src, &p->mxt.t, p->job->map->k, p->job->map->b + 0.5f, out);
}

/* Makes cache c hold rows lo and hi of `map`. */
void bd_post_fcache_pair(const bd_post *p, tscratch *t, fcache *c, const float *map, int lo,
                        int hi, const float **h_lo, const float **h_hi) {
    int slo = c->row[0] == lo ? 0 : c->row[1] == lo ? 1 : -1;
    if (slo < 0) {
        slo = c->row[0] == hi ? 1 : 0; /* keep the slot that holds hi */
        map_hrow(p, t, map, lo, c->h[slo]);
        c->row[slo] = lo;
    }
    int shi = lo == hi ? slo : (c->row[0] == hi ? 0 : c->row[1] == hi ? 1 : -1);
    if (shi < 0) {
        shi = 1 - slo;
        map_hrow(p, t, map, hi, c->h[shi]);
        c->row[shi] = hi;
    }
    *h_lo = c->h[slo];
    *h_hi = c->h[shi];
}

/* As fcache_pair for a grid plane (rows of gw floats, padded allocation):
 * rows interpolated to the frame width with the grid axis. */
static void gcache_pair(const bd_post *p, fcache *c, const float *grid, int lo, int hi,
                        const float **h_lo, const float **h_hi) {
    int slo = c->row[0] == lo ? 0 : c->row[1] == lo ? 1 : -1;
    if (slo < 0) {
        slo = c->row[0] == hi ? 1 : 0;
        p->k->hlerp_row(grid + (size_t)lo * p->gw, &p->gxt.t, 1.0f, 0.0f, c->h[slo]);
        c->row[slo] = lo;
    }
    int shi = lo == hi ? slo : (c->row[0] == hi ? 0 : c->row[1] == hi ? 1 : -1);
    if (shi < 0) {
        shi = 1 - slo;
        p->k->hlerp_row(grid + (size_t)hi * p->gw, &p->gxt.t, 1.0f, 0.0f, c->h[shi]);
        c->row[shi] = hi;
    }
    *h_lo = c->h[slo];
    *h_hi = c->h[shi];
}

/* The guide luma of frame row y (YUV: the Y plane itself). */
const uint8_t *bd_post_luma_row(const bd_post *p, tscratch *t, int y) {
    const bd_image *f = p->job->frame;
    const uint8_t *src = f->data + (size_t)y * f->stride_bytes;
    const int w = f->width;
    switch (f->format) {
    case BD_PIXEL_NV12:
    case BD_PIXEL_I420:
    case BD_PIXEL_GRAY8: return src;
    case BD_PIXEL_YUYV:
        for (int x = 0; x < w; x++) t->luma[x] = src[2 * x];
        return t->luma;
    default: {
        int off[4];
        bd_format_rgba_offsets(f->format, off);
        if (bd_pixel_format_bpp(f->format) == 3)
            p->k->luma_c3(src, t->luma, w, off[0]);
        else
            p->k->luma_c4(src, t->luma, w, off[0]);
        return t->luma;
    }
    }
}

/* The alpha row of frame row y: from alpha_in, or computed (into dst if not
 * NULL, else into the thread's row `slot`). Also writes alpha_out. */
const uint8_t *bd_post_alpha_row(const bd_post *p, tscratch *t, int y, int slot) {
    const bd_post_job *j = p->job;
    if (j->alpha_in) return j->alpha_in->data + (size_t)y * j->alpha_in->stride_bytes;
    uint8_t *dst = j->alpha_out ? j->alpha_out->data + (size_t)y * j->alpha_out->stride_bytes
                                : t->alpha[slot];
    if (p->rf_s) { /* refined: alpha = A * luma + B, A and B upsampled from the grid */
        const float *a0, *a1, *b0, *b1;
        gcache_pair(p, &t->ra, p->gA, p->gy.lo[y], p->gy.hi[y], &a0, &a1);
        gcache_pair(p, &t->rb, p->gB, p->gy.lo[y], p->gy.hi[y], &b0, &b1);
        p->k->refine_row(a0, a1, b0, b1, p->gy.wf[y], bd_post_luma_row(p, t, y), dst, p->mx.n_out);
        return dst;
    }
    const float *h0, *h1;
    bd_post_fcache_pair(p, t, &t->mc, p->mdata, p->my.lo[y], p->my.hi[y], &h0, &h1);
    p->k->mask_row(h0, h1, p->my.wf[y], dst, p->mx.n_out);
    return dst;
}

/* Plane alpha for plane row yy of plane q, from the luma alpha rows a0 (and a1
 * for 4:2:0; the last odd row repeats). Returns the alpha per unit; for YUYV
 * blending (expand = 1) the per-byte alpha (a0, m, a1, m) instead. */
const uint8_t *bd_post_plane_alpha(const bd_post *p, const plane *q, tscratch *t,
                                  const uint8_t *a0, const uint8_t *a1, int luma_w, int expand) {
    if (q->sub_x == 1) return a0;
    uint8_t *pa = t->pa;
    const int n = q->w, full = luma_w / 2; /* units whose two luma columns exist */
    const bd_img_kernels *k = p->k;
    if (q->sub_y == 1) { /* YUYV: pairs */
        (expand ? k->pair_expand : k->pair_avg)(a0, pa, full);
        for (int i = full; i < n; i++) { /* an odd width's last pixel pairs with itself */
            const uint8_t m = a0[2 * i];
            if (expand) pa[4 * i] = pa[4 * i + 1] = pa[4 * i + 2] = pa[4 * i + 3] = m;
            else pa[i] = m;
        }
        return pa;
    }
    const int dup = expand && q->C == 2; /* 4:2:0: 2x2; NV12 blends per byte */
    (dup ? k->avg2x2_dup : k->avg2x2)(a0, a1, pa, full);
    for (int i = full; i < n; i++) {
        const uint8_t m = (uint8_t)((2 * a0[2 * i] + 2 * a1[2 * i] + 2) >> 2);
        if (dup) pa[2 * i] = pa[2 * i + 1] = m;
        else pa[i] = m;
    }
    return pa;
}

/* One row of n packed pixels from format sf to df (a missing alpha is 255). */
void bd_post_conv_row(const uint8_t *src, bd_pixel_format sf, uint8_t *dst, bd_pixel_format df,
                     int n) {
    int so[4], d[4];
    bd_format_rgba_offsets(sf, so);
    bd_format_rgba_offsets(df, d);
    const int sb = bd_pixel_format_bpp(sf), db = bd_pixel_format_bpp(df);
    for (int x = 0; x < n; x++) {
        const uint8_t *s = src + (size_t)x * (size_t)sb;
        uint8_t *o = dst + (size_t)x * (size_t)db;
        o[d[0]] = s[so[0]];
        o[d[1]] = s[so[1]];
        o[d[2]] = s[so[2]];
        if (d[3] >= 0) o[d[3]] = so[3] >= 0 ? s[so[3]] : 255;
    }
}
