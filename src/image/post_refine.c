/*
 * post_refine.c -- edge refinement: a fast guided filter (He & Sun 2015) on a
 * grid of frame pixels, whose coefficients post_rows.c upsamples per row.
 */
#include <math.h>
#include <string.h>

#include "image/post_internal.h"

/* ---------------------------------------------------------------------------
 * Edge refinement: the guided filter on the grid.
 *
 * Guide I = luma / 255 averaged over each grid cell, input p = the thresholded
 * mask (0..1) sampled at the cell centres. With box means m(.) of radius rf_r:
 *     a = (m(I p) - m(I) m(p)) / (m(I I) - m(I)^2 + eps),  b = m(p) - a m(I)
 * and the output alpha = m(a) I + m(b) at full resolution, m(a) and m(b)
 * upsampled bilinearly from the grid (the "fast guided filter"): where the
 * frame has an edge inside a cell, alpha follows the frame's edge, not the
 * blocky low-resolution mask. The cost per frame pixel is one luma
 * computation and the upsampling of two coefficient rows, whatever the radius.
 */

/* R1: grid rows [r0, r1): mean luma per cell and the mask at its centre. */
static void refine_grid_rows(bd_post *p, tscratch *t, int r0, int r1) {
    const bd_post_map *m = p->job->map;
    const int H = p->job->frame->height, W = p->job->frame->width, s = p->rf_s;
    const float k = m->k / 255.0f, b = m->b / 255.0f;
    for (int gy = r0; gy < r1; gy++) {
        memset(t->acc, 0, (size_t)W * sizeof(uint32_t));
        const int y0 = gy * s, y1 = y0 + s < H ? y0 + s : H;
        /* the guide's cell mean from at most two rows of the cell (the
         * coefficients are smooth; the full-resolution luma comes later) */
        const int step = s >= 2 ? s / 2 : 1;
        int nrows = 0;
        for (int y = y0; y < y1; y += step, nrows++) {
            const uint8_t *l = bd_post_luma_row(p, t, y);
            for (int x = 0; x < W; x++) t->acc[x] += l[x];
        }
        float *g = p->g4 + (size_t)gy * p->gw * 4;
        const float *m0 = p->mdata + (size_t)p->mgy.lo[gy] * p->mw;
        const float *m1 = p->mdata + (size_t)p->mgy.hi[gy] * p->mw;
        const float wy = p->mgy.wf[gy];
        for (int gx = 0; gx < p->gw; gx++, g += 4) {
            const int x0 = gx * s, x1 = x0 + s < W ? x0 + s : W;
            uint32_t sum = 0;
            for (int x = x0; x < x1; x++) sum += t->acc[x];
            const float I = (float)sum / (255.0f * (float)(nrows * (x1 - x0)));
            const int lo = p->mgx.lo[gx], hi = p->mgx.hi[gx];
            const float wx = p->mgx.wf[gx];
            const float top = m0[lo] + (m0[hi] - m0[lo]) * wx;
            const float bot = m1[lo] + (m1[hi] - m1[lo]) * wx;
            float pv = (top + (bot - top) * wy) * k + b;
            pv = pv > 0.0f ? (pv < 1.0f ? pv : 1.0f) : 0.0f; /* NaN -> 0 */
            g[0] = I;
            g[1] = pv;
            g[2] = I * pv;
            g[3] = I * I;
        }
    }
}

/* Box-window size along an axis at index i (radius r, n cells). */
static inline float box_count(int i, int r, int n) {
    const int a = i - r < 0 ? 0 : i - r, b = i + r < n ? i + r : n - 1;
    return (float)(b - a + 1);
}

/* R2: rows [r0, r1) of the coefficients a, b from the box sums in g4. */
static void refine_coeffs(bd_post *p, int r0, int r1) {
    const int gw = p->gw, gh = p->gh, r = p->rf_r;
    for (int y = r0; y < r1; y++) {
        const float ny = box_count(y, r, gh);
        const float *g = p->g4 + (size_t)y * gw * 4;
        float *o = p->g2 + (size_t)y * gw * 2;
        for (int x = 0; x < gw; x++, g += 4, o += 2) {
            const float inv = 1.0f / (ny * box_count(x, r, gw));
            const float mI = g[0] * inv, mp = g[1] * inv, mIp = g[2] * inv, mII = g[3] * inv;
            const float a = (mIp - mI * mp) / (mII - mI * mI + p->rf_eps);
            o[0] = a;
            o[1] = mp - a * mI;
        }
    }
}

/* R3: rows [r0, r1) of the final A, B from the box sums of a, b in g2. */
static void refine_final(bd_post *p, int r0, int r1) {
    const int gw = p->gw, gh = p->gh, r = p->rf_r;
    for (int y = r0; y < r1; y++) {
        const float ny = box_count(y, r, gh);
        const float *g = p->g2 + (size_t)y * gw * 2;
        float *A = p->gA + (size_t)y * gw, *B = p->gB + (size_t)y * gw;
        for (int x = 0; x < gw; x++, g += 2) {
            const float inv = 1.0f / (ny * box_count(x, r, gw));
            A[x] = g[0] * inv;              /* alpha per unit luma (0..255 scale cancels) */
            B[x] = g[1] * inv * 255.0f + 0.5f;
        }
    }
}

/* Box sums in place of grid g of ch channels (gt: scratch), rows [a, b) of this
 * thread, each pass followed by a barrier. */
static void refine_box(bd_post *p, float *g, float *gt, int ch, int a, int b) {
    bd_post_box_h(g, gt, p->gw, ch, p->rf_r, a, b);
    bd_threadpool_barrier(p->pool);
    bd_post_box_v(gt, g, p->gw, p->gh, ch, p->rf_r, a, b);
    bd_threadpool_barrier(p->pool);
}

void bd_post_refine_phases(bd_post *p, tscratch *t, int ith, int nth) {
    int a, b;
    bd_post_split(p->gh, ith, nth, &a, &b);
    refine_grid_rows(p, t, a, b);
    bd_threadpool_barrier(p->pool);
    refine_box(p, p->g4, p->g4t, 4, a, b);
    refine_coeffs(p, a, b);
    bd_threadpool_barrier(p->pool);
    refine_box(p, p->g2, p->g2t, 2, a, b);
    refine_final(p, a, b);
    bd_threadpool_barrier(p->pool);
}

/* Sizes the grid of the refinement for a w x h frame and map m (NULL: alpha
 * given, nothing to refine); rf_s = 0 when the job does not refine. */
bd_status bd_post_refine_setup(bd_post *p, const bd_post_map *m, int w, int h) {
    const bd_post_job *j = p->job;
    p->rf_s = 0;
    if (!m || j->refine.radius <= 0) return BD_OK;
    {
        /* grid cell s ~ r / 2 and a box of about 2 cells */
        const int r = j->refine.radius;
        const int s = (r + 1) / 2 < 1 ? 1 : (r + 1) / 2;
        const int rg = (int)lround((double)r / s) < 1 ? 1 : (int)lround((double)r / s);
        p->gw = (w + s - 1) / s;
        p->gh = (h + s - 1) / s;
        const size_t n = (size_t)p->gw * p->gh;
        if (bd_post_grow((void **)&p->g4, &p->g4cap, 4 * n, sizeof(float)) != BD_OK ||
            bd_post_grow((void **)&p->g4t, &p->g4tcap, 4 * n, sizeof(float)) != BD_OK ||
            bd_post_grow((void **)&p->g2, &p->g2cap, 2 * n, sizeof(float)) != BD_OK ||
            bd_post_grow((void **)&p->g2t, &p->g2tcap, 2 * n, sizeof(float)) != BD_OK ||
            bd_post_grow((void **)&p->gA, &p->gAcap, n, sizeof(float)) != BD_OK ||
            bd_post_grow((void **)&p->gB, &p->gBcap, n, sizeof(float)) != BD_OK ||
            bd_linear_axis_set(&p->gx, p->gw, w, 1.0 / s, 0.0) != BD_OK ||
            bd_linear_axis_set(&p->gy, p->gh, h, 1.0 / s, 0.0) != BD_OK ||
            bd_hlerp_build(&p->gxt, p->gx.lo, p->gx.hi, p->gx.wf, w) != BD_OK ||
            bd_linear_axis_set(&p->mgx, m->w, p->gw, m->ratio_x * s, m->origin_x) != BD_OK ||
            bd_linear_axis_set(&p->mgy, m->h, p->gh, m->ratio_y * s, m->origin_y) != BD_OK)
            return BD_ERR_NO_MEMORY;
        p->rf_s = s;
        p->rf_r = rg;
        p->rf_eps = j->refine.eps;
    }
    return BD_OK;
}
