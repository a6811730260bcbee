/*
 * post_blur.c -- the blur background, computed at a reduced resolution (see
 * post.h): the frame's planes area-averaged with the weight 256 - alpha, box
 * passes at the reduced size, the normalisation, and the bilinear upsampling
 * of a reduced row inside the composite pass.
 */
#include <math.h>
#include <string.h>

#include "image/post_internal.h"

/* ---------------------------------------------------------------------------
 * Formats.
 */
int bd_blur_default_radius(int w, int h) {
    int r = (w > h ? w : h) / 40;
    return r < 1 ? 1 : r;
}

/* ---------------------------------------------------------------------------
 * Blur geometry. The result approximates a Gaussian of sigma ~ radius made of
 * an area reduction by f (variance f^2/12), n boxes of radius rr at the
 * reduced size (n f^2 rr(rr+1)/3) and the bilinear upsampling (f^2/6):
 * sigma^2 ~ f^2 (1/4 + n rr (rr + 1) / 3). The reduced image has at most 1/16
 * of the pixels and rr stays 1 up to radius 96, so the work does not grow
 * with the radius (it shrinks). At least one box pass always runs: it carries
 * the background's colour into reduced pixels that are all person, so that
 * the bilinear upsampling next to the person's edge mixes background with
 * background (without it, the person's colour would bleed about f pixels).
 */
void bd_post_blur_geometry(int radius, int *factor, int *box_radius, int *passes) {
    const int r = radius < 1 ? 1 : radius;
    int f, rr = 1, n = 3;
    if (r <= 6) {
        /* one box: sigma ~ f sqrt(1/4 + 2/3) ~ f; f >= 4 keeps the reduced
         * image at most 1/16 of the frame, so radii below 4 blur like 4 */
        f = r < 4 ? 4 : r;
        n = 1;
    } else {
        /* three boxes of radius 1: sigma ~ 1.5 f */
        f = (int)lround(r / 1.5);
        if (f > 64) { /* radius > 96: keep f, widen the boxes */
            f = 64;
            rr = (int)lround(r / 64.0 - 0.5);
        }
    }
    *factor = f;
    *box_radius = rr;
    *passes = n;
}

/* ---------------------------------------------------------------------------
 * Blur background.
 */

/* Accumulation for YUV planes: C channels then the weight, C + 1 lanes per
 * unit (packed RGB frames use the kernels' 4-lane form instead). */
static void accum_yuv(const bd_img_kernels *k, const uint8_t *f, const uint8_t *a, uint32_t *acc,
                      int n, int C) {
    switch (C) {
    case 1: k->blur_accum_y1(f, a, acc, n); break;
    case 2: k->blur_accum_y2(f, a, acc, n); break;
    default: k->blur_accum_y4(f, a, acc, n); break; /* YUYV pairs */
    }
}

/* Pass A for plane q: reduced rows [r0, r1) into q->p0 (NC floats per unit:
 * the weighted channel sums, then the weight sum). */
static void blur_accumulate(bd_post *p, tscratch *t, int qi, int r0, int r1) {
    plane *q = &p->pl[qi];
    const bd_post_job *j = p->job;
    const int NC = q->NC, W = j->frame->width, H = j->frame->height;
    const int packed = !bd_format_is_yuv(j->frame->format);
    for (int ry = r0; ry < r1; ry++) {
        memset(t->acc, 0, (size_t)q->w * NC * sizeof(uint32_t));
        const int y0 = ry * q->fy, y1 = y0 + q->fy < q->h ? y0 + q->fy : q->h;
        /* The reduction samples every other row: the rows in between add
         * little to an average that is blurred further (it moves the sample
         * centre up by half a row, invisible after the blur). */
        const int step = q->fy >= 4 ? 2 : 1;
        for (int yy = y0; yy < y1; yy += step) {
            const int ly = yy * q->sub_y;
            const uint8_t *a0 = bd_post_alpha_row(p, t, ly, 0);
            const uint8_t *a1 = q->sub_y == 2 ? bd_post_alpha_row(p, t, ly + 1 < H ? ly + 1 : ly, 1) : a0;
            const uint8_t *pa = bd_post_plane_alpha(p, q, t, a0, a1, W, 0);
            const uint8_t *src = q->src + (size_t)yy * q->src_stride;
            if (packed && !p->out_same) {
                bd_post_conv_row(src, j->frame->format, t->conv, j->out->format, W);
                src = t->conv;
            }
            if (packed && q->C == 3)
                p->k->blur_accum_c3(src, pa, t->acc, q->w);
            else if (packed)
                p->k->blur_accum_c4(src, pa, t->acc, q->w);
            else
                accum_yuv(p->k, src, pa, t->acc, q->w, q->C);
        }
        /* Sum fx columns per reduced unit (exact in u32: at most 64 * 64 *
         * 65280 < 2^31, so the conversion to float is of a positive int). */
        float *dst = q->p0 + (size_t)ry * q->rw * NC;
        for (int rx = 0; rx < q->rw; rx++) {
            const int x0 = rx * q->fx, x1 = x0 + q->fx < q->w ? x0 + q->fx : q->w;
            const uint32_t *src = t->acc + (size_t)x0 * NC;
            if (NC == 4) {
                uint32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                for (int x = x0; x < x1; x++, src += 4) {
                    s0 += src[0];
                    s1 += src[1];
                    s2 += src[2];
                    s3 += src[3];
                }
                dst[4 * (size_t)rx + 0] = (float)(int32_t)s0;
                dst[4 * (size_t)rx + 1] = (float)(int32_t)s1;
                dst[4 * (size_t)rx + 2] = (float)(int32_t)s2;
                dst[4 * (size_t)rx + 3] = (float)(int32_t)s3;
                continue;
            }
            uint32_t sum[5] = {0, 0, 0, 0, 0};
            for (int x = x0; x < x1; x++, src += NC)
                for (int c = 0; c < NC; c++) sum[c] += src[c];
            for (int c = 0; c < NC; c++) dst[(size_t)rx * NC + c] = (float)(int32_t)sum[c];
        }
    }
}

/* One box pass of radius r along x: rows [r0, r1) of src -> dst, zero
 * outside. Sums run left to right over the window (the order is part of the
 * result: every thread count and level computes the same floats). */
void bd_post_box_h(const float *src, float *dst, int rw, int NC, int r, int r0, int r1) {
    for (int y = r0; y < r1; y++) {
        const float *s = src + (size_t)y * rw * NC;
        float *d = dst + (size_t)y * rw * NC;
        if (NC == 4) { /* the packed-frame layout: four sums kept in registers */
            for (int x = 0; x < rw; x++) {
                const int a = x - r < 0 ? 0 : x - r, b = x + r < rw ? x + r : rw - 1;
                const float *q = s + (size_t)a * 4;
                float s0 = q[0], s1 = q[1], s2 = q[2], s3 = q[3];
                for (int i = a + 1; i <= b; i++) {
                    q += 4;
                    s0 += q[0];
                    s1 += q[1];
                    s2 += q[2];
                    s3 += q[3];
                }
                d[4 * (size_t)x + 0] = s0;
                d[4 * (size_t)x + 1] = s1;
                d[4 * (size_t)x + 2] = s2;
                d[4 * (size_t)x + 3] = s3;
            }
            continue;
        }
        for (int x = 0; x < rw; x++) {
            const int a = x - r < 0 ? 0 : x - r, b = x + r < rw ? x + r : rw - 1;
            float acc[5];
            for (int c = 0; c < NC; c++) acc[c] = s[(size_t)a * NC + c];
            for (int i = a + 1; i <= b; i++)
                for (int c = 0; c < NC; c++) acc[c] += s[(size_t)i * NC + c];
            for (int c = 0; c < NC; c++) d[(size_t)x * NC + c] = acc[c];
        }
    }
}

/* One box pass along y: output rows [r0, r1); same summation order. */
void bd_post_box_v(const float *src, float *dst, int rw, int rh, int NC, int r, int r0, int r1) {
    const size_t n = (size_t)rw * NC;
    for (int y = r0; y < r1; y++) {
        const int a = y - r < 0 ? 0 : y - r, b = y + r < rh ? y + r : rh - 1;
        float *d = dst + (size_t)y * n;
        memcpy(d, src + (size_t)a * n, n * sizeof *d);
        for (int i = a + 1; i <= b; i++) {
            const float *s = src + (size_t)i * n;
            for (size_t e = 0; e < n; e++) d[e] += s[e];
        }
    }
}

/* Normalize reduced rows [r0, r1) of plane q into its small image (u8 * 128,
 * C values per unit; a 4th packed channel is opaque). */
static void blur_finalize(const bd_img_kernels *k, plane *q, int r0, int r1) {
    const int C = q->C, NC = q->NC, nacc = NC - 1;
    if (NC == 4) { /* packed frames: the kernel (the same operations, vectorised) */
        for (int y = r0; y < r1; y++)
            k->blur_norm4(q->p0 + (size_t)y * q->rw * 4, q->small + (size_t)y * q->rw * C, q->rw,
                          C);
        return;
    }
    for (int y = r0; y < r1; y++) {
        const float *s = q->p0 + (size_t)y * q->rw * NC;
        int16_t *d = q->small + (size_t)y * q->rw * C;
        for (int x = 0; x < q->rw; x++, s += NC, d += C) {
            const float inv = 128.0f / s[nacc]; /* the weight sum is >= 1 */
            for (int c = 0; c < nacc; c++) {
                float v = s[c] * inv + 0.5f;
                v = v < 0.0f ? 0.0f : v > 32640.0f ? 32640.0f : v;
                d[c] = (int16_t)v;
            }
            for (int c = nacc; c < C; c++) d[c] = 32640;
        }
    }
}

/* Horizontal interpolation of reduced row r of plane q to the plane's width
 * (fixed point, see bd_i16_hlerp_row). */
static void small_hrow(const bd_post *p, const plane *q, int r, int16_t *out) {
    p->k->hlerp16_row(q->small + (size_t)r * q->rw * q->C, &q->bxt.t, out);
}

static void scache_pair(const bd_post *p, const plane *q, scache *c, int lo, int hi,
                        const int16_t **h_lo, const int16_t **h_hi) {
    int slo = c->row[0] == lo ? 0 : c->row[1] == lo ? 1 : -1;
    if (slo < 0) {
        slo = c->row[0] == hi ? 1 : 0;
        small_hrow(p, q, lo, c->h[slo]);
        c->row[slo] = lo;
    }
    int shi = lo == hi ? slo : (c->row[0] == hi ? 0 : c->row[1] == hi ? 1 : -1);
    if (shi < 0) {
        shi = 1 - slo;
        small_hrow(p, q, hi, c->h[shi]);
        c->row[shi] = hi;
    }
    *h_lo = c->h[slo];
    *h_hi = c->h[shi];
}

/* The blurred background's row yy of plane qi, upsampled into t->bgrow. */
const uint8_t *bd_post_blur_row(const bd_post *p, tscratch *t, int qi, int yy) {
    const plane *q = &p->pl[qi];
    const int16_t *h0, *h1;
    scache_pair(p, q, &t->sc[qi], q->by.lo[yy], q->by.hi[yy], &h0, &h1);
    const int32_t wy = (int32_t)(q->by.w[yy] * 32768.0 + 0.5);
    p->k->lerp16_row(h0, h1, (int16_t)(wy > 32767 ? 32767 : wy), t->bgrow, q->w * q->C);
    return t->bgrow;
}

/* Sizes the reduced planes of the blur (factor, box passes, upsampling axes)
 * for the job's radius; the planes are set up (setup_planes). */
bd_status bd_post_blur_setup(bd_post *p, bd_pixel_format format) {
    const bd_post_job *j = p->job;
    {
        int fct, rr, passes;
        bd_post_blur_geometry(j->blur_radius, &fct, &rr, &passes);
        p->box_r = rr;
        p->box_passes = passes;
        for (int qi = 0; qi < p->n_planes; qi++) {
            plane *q = &p->pl[qi];
            q->fx = fct / q->sub_x < 1 ? 1 : fct / q->sub_x;
            q->fy = fct / q->sub_y < 1 ? 1 : fct / q->sub_y;
            q->rw = (q->w + q->fx - 1) / q->fx;
            q->rh = (q->h + q->fy - 1) / q->fy;
            q->NC = bd_format_is_yuv(format) ? q->C + 1 : 4;
            const size_t nf = (size_t)q->rw * q->rh * q->NC;
            const size_t ns = (size_t)q->rw * q->rh * q->C;
            if (bd_post_grow((void **)&p->blur[qi].p0, &p->blur[qi].p0cap, nf, sizeof(float)) != BD_OK ||
                bd_post_grow((void **)&p->blur[qi].p1, &p->blur[qi].p1cap, nf, sizeof(float)) != BD_OK ||
                bd_post_grow((void **)&p->blur[qi].small, &p->blur[qi].scap, ns, sizeof(int16_t)) !=
                    BD_OK)
                return BD_ERR_NO_MEMORY;
            q->p0 = p->blur[qi].p0;
            q->p1 = p->blur[qi].p1;
            q->small = p->blur[qi].small;
            /* reduced unit i covers plane units [i f, i f + f): its centre maps
             * back with ratio 1 / f */
            if (bd_linear_axis_set(&q->bx, q->rw, q->w, 1.0 / q->fx, 0.0) != BD_OK ||
                bd_linear_axis_set(&q->by, q->rh, q->h, 1.0 / q->fy, 0.0) != BD_OK ||
                bd_hlerp16_build(&q->bxt, q->bx.lo, q->bx.hi, q->bx.w, q->w, q->C) != BD_OK)
                return BD_ERR_NO_MEMORY;
        }
    }
    return BD_OK;
}

/* The blur's phases for thread ith of nth: accumulation, the box passes and
 * the normalisation of every plane, with barriers between them. */
void bd_post_blur_phases(bd_post *p, tscratch *t, int ith, int nth) {
    int a, b;
    for (int qi = 0; qi < p->n_planes; qi++) {
        bd_post_split(p->pl[qi].rh, ith, nth, &a, &b);
        blur_accumulate(p, t, qi, a, b);
    }
    for (int pass = 0; pass < p->box_passes; pass++) {
        bd_threadpool_barrier(p->pool);
        for (int qi = 0; qi < p->n_planes; qi++) {
            plane *q = &p->pl[qi];
            bd_post_split(q->rh, ith, nth, &a, &b);
            bd_post_box_h(q->p0, q->p1, q->rw, q->NC, p->box_r, a, b);
        }
        bd_threadpool_barrier(p->pool);
        for (int qi = 0; qi < p->n_planes; qi++) {
            plane *q = &p->pl[qi];
            bd_post_split(q->rh, ith, nth, &a, &b);
            bd_post_box_v(q->p1, q->p0, q->rw, q->rh, q->NC, p->box_r, a, b);
        }
    }
    bd_threadpool_barrier(p->pool);
    for (int qi = 0; qi < p->n_planes; qi++) {
        bd_post_split(p->pl[qi].rh, ith, nth, &a, &b);
        blur_finalize(p->k, &p->pl[qi], a, b);
    }
    bd_threadpool_barrier(p->pool);
}
