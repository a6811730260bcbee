/*
 * post.c -- the fused post-process (see post.h for the design): its state, the
 * planes of a frame, the map's preparation and the row loop that ties the
 * alpha rows (post_rows.c), the background blur (post_blur.c) and the
 * refinement (post_refine.c) to the blend kernels.
 *
 * Work is split over the pool by rows ("groups": 2 luma rows for 4:2:0 frames,
 * whose chroma row needs both, else 1) and by reduced rows for the blur. Every
 * result element is computed by one thread with the same code whatever the
 * split, so the output does not depend on the thread count.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image/post_internal.h"

/* ---------------------------------------------------------------------------
 * State.
 */
static void *xalloc(size_t n) { return bd_aligned_alloc(n ? n : 1); }

static void scratch_free(tscratch *t) {
    bd_aligned_free(t->mc.h[0]);
    bd_aligned_free(t->mc.h[1]);
    bd_aligned_free(t->ra.h[0]);
    bd_aligned_free(t->ra.h[1]);
    bd_aligned_free(t->rb.h[0]);
    bd_aligned_free(t->rb.h[1]);
    bd_aligned_free(t->luma);
    bd_aligned_free(t->wc.h[0]);
    bd_aligned_free(t->wc.h[1]);
    bd_aligned_free(t->wa);
    bd_aligned_free(t->fw);
    bd_aligned_free(t->mg);
    bd_aligned_free(t->alpha[0]);
    bd_aligned_free(t->alpha[1]);
    bd_aligned_free(t->pa);
    bd_aligned_free(t->conv);
    bd_aligned_free(t->bgrow);
    for (int p = 0; p < MAX_PLANES; p++) {
        bd_aligned_free(t->sc[p].h[0]);
        bd_aligned_free(t->sc[p].h[1]);
    }
    bd_aligned_free(t->acc);
    memset(t, 0, sizeof *t);
}

bd_status bd_post_create(int n_threads, bd_isa isa, bd_post **out) {
    if (n_threads < 1 || !out) return BD_ERR_INVALID_ARG;
    bd_post *p = calloc(1, sizeof *p);
    if (!p) return BD_ERR_NO_MEMORY;
    p->n_threads = n_threads;
    p->k = bd_img_kernels_get(isa);
    p->ts = calloc((size_t)n_threads, sizeof *p->ts);
    if (!p->ts || bd_threadpool_create(n_threads, &p->pool) != BD_OK) {
        bd_post_free(p);
        return BD_ERR_NO_MEMORY;
    }
    *out = p;
    return BD_OK;
}

void bd_post_free(bd_post *p) {
    if (!p) return;
    bd_threadpool_free(p->pool);
    if (p->ts)
        for (int i = 0; i < p->n_threads; i++) scratch_free(&p->ts[i]);
    free(p->ts);
    bd_linear_axis_free(&p->mx);
    bd_linear_axis_free(&p->my);
    bd_hlerp_free(&p->mxt);
    bd_hlerp_free(&p->gxt);
    bd_linear_axis_free(&p->gx);
    bd_linear_axis_free(&p->gy);
    bd_linear_axis_free(&p->mgx);
    bd_linear_axis_free(&p->mgy);
    bd_aligned_free(p->g4);
    bd_aligned_free(p->g4t);
    bd_aligned_free(p->g2);
    bd_aligned_free(p->g2t);
    bd_aligned_free(p->gA);
    bd_aligned_free(p->gB);
    bd_aligned_free(p->prep);
    bd_aligned_free(p->prep_tmp);
    bd_aligned_free(p->wrap_map);
    bd_linear_axis_free(&p->wx);
    bd_linear_axis_free(&p->wy);
    bd_hlerp_free(&p->wxt);
    bd_aligned_free(p->color_rows);
    for (int i = 0; i < MAX_PLANES; i++) {
        bd_aligned_free(p->blur[i].p0);
        bd_aligned_free(p->blur[i].p1);
        bd_aligned_free(p->blur[i].small);
        bd_linear_axis_free(&p->pl[i].bx);
        bd_linear_axis_free(&p->pl[i].by);
        bd_hlerp16_free(&p->pl[i].bxt);
    }
    free(p);
}

const bd_img_kernels *bd_post_kernels(const bd_post *p) { return p->k; }

void bd_post_parallel(bd_post *p, bd_task_fn fn, void *ctx) { bd_threadpool_run(p->pool, fn, ctx); }

bd_threadpool *bd_post_pool(bd_post *p) { return p->pool; }

/* Grows the per-thread rows to hold a frame width w and a map width mw. */
static bd_status reserve_scratch(bd_post *p, int w, int mw) {
    if (w <= p->cap_w && mw <= p->cap_mw) return BD_OK;
    const int W = w > p->cap_w ? w : p->cap_w, MW = mw > p->cap_mw ? mw : p->cap_mw;
    const size_t wf = ((size_t)W + PAD) * sizeof(float);
    const size_t w4 = 4 * (size_t)W + PAD;
    for (int i = 0; i < p->n_threads; i++) {
        tscratch *t = &p->ts[i];
        scratch_free(t);
        t->mc.h[0] = xalloc(wf);
        t->mc.h[1] = xalloc(wf);
        t->ra.h[0] = xalloc(wf);
        t->ra.h[1] = xalloc(wf);
        t->rb.h[0] = xalloc(wf);
        t->rb.h[1] = xalloc(wf);
        t->luma = xalloc((size_t)W + PAD);
        t->wc.h[0] = xalloc(wf);
        t->wc.h[1] = xalloc(wf);
        t->wa = xalloc((size_t)W + PAD);
        t->fw = xalloc(w4);
        t->mg = xalloc(((size_t)MW + PAD) * sizeof(float));
        if (t->mg) memset(t->mg, 0, ((size_t)MW + PAD) * sizeof(float)); /* SIMD over-read */
        t->alpha[0] = xalloc((size_t)W + PAD);
        t->alpha[1] = xalloc((size_t)W + PAD);
        t->pa = xalloc(2 * (size_t)W + PAD);
        t->conv = xalloc(w4);
        t->bgrow = xalloc(w4);
        for (int q = 0; q < MAX_PLANES; q++) {
            t->sc[q].h[0] = xalloc(w4 * sizeof(int16_t));
            t->sc[q].h[1] = xalloc(w4 * sizeof(int16_t));
        }
        t->acc = xalloc((w4 + (size_t)W) * sizeof(uint32_t));
        int ok = t->mc.h[0] && t->mc.h[1] && t->ra.h[0] && t->ra.h[1] && t->rb.h[0] &&
                 t->rb.h[1] && t->luma && t->wc.h[0] && t->wc.h[1] && t->wa && t->fw && t->mg &&
                 t->alpha[0] && t->alpha[1] &&
                 t->pa && t->conv && t->bgrow && t->acc;
        for (int q = 0; q < MAX_PLANES; q++)
            ok = ok && t->sc[q].h[0] && t->sc[q].h[1];
        if (!ok) {
            for (int j = 0; j <= i; j++) scratch_free(&p->ts[j]);
            p->cap_w = p->cap_mw = 0;
            return BD_ERR_NO_MEMORY;
        }
    }
    p->cap_w = W;
    p->cap_mw = MW;
    return BD_OK;
}

/* Ensures *buf holds n elements of `size` bytes (grows, never shrinks). */
bd_status bd_post_grow(void **buf, size_t *cap, size_t n, size_t size) {
    if (n <= *cap) return BD_OK;
    size_t bytes;
    if (!bd_size_mul(n + PAD, size, &bytes)) return BD_ERR_NO_MEMORY;
    void *b = bd_aligned_alloc(bytes);
    if (!b) return BD_ERR_NO_MEMORY;
    bd_aligned_free(*buf);
    *buf = b;
    *cap = n;
    return BD_OK;
}

/* ---------------------------------------------------------------------------
 * Plane set-up.
 */
static bd_status setup_planes(bd_post *p) {
    const bd_post_job *j = p->job;
    const bd_image *f = j->frame, *o = j->out, *bg = j->bg_image;
    const int w = f->width, h = f->height;
    const int cw = (w + 1) / 2, ch = (h + 1) / 2;
    for (int i = 0; i < MAX_PLANES; i++) { /* reset, but keep the axes' tables */
        plane *q = &p->pl[i];
        bd_linear_axis bx = q->bx, by = q->by;
        bd_hlerp16_buf bxt = q->bxt;
        memset(q, 0, sizeof *q);
        q->bx = bx;
        q->by = by;
        q->bxt = bxt;
        q->sub_x = q->sub_y = 1;
    }
    p->group = 1;
    p->out_same = f->format == o->format;
    plane *y = &p->pl[0];
    y->src = f->data;
    y->src_stride = f->stride_bytes;
    y->fg = j->fg ? j->fg->data : NULL;
    y->fg_stride = j->fg ? j->fg->stride_bytes : 0;
    y->out = o->data;
    y->out_stride = o->stride_bytes;
    y->bg = bg ? bg->data : NULL;
    y->bg_stride = bg ? bg->stride_bytes : 0;
    y->h = h;
    switch (f->format) {
    case BD_PIXEL_YUYV:
        p->n_planes = 1;
        y->w = (w + 1) / 2;
        y->C = 4;
        y->sub_x = 2;
        y->yuyv = 1;
        break;
    case BD_PIXEL_NV12:
    case BD_PIXEL_I420: {
        const int nv = f->format == BD_PIXEL_NV12;
        p->n_planes = nv ? 2 : 3;
        p->group = 2;
        y->w = w;
        y->C = 1;
        for (int i = 1; i < p->n_planes; i++) {
            plane *c = &p->pl[i];
            c->src = f->plane[i - 1];
            c->src_stride = f->plane_stride_bytes[i - 1];
            c->fg = j->fg ? j->fg->plane[i - 1] : NULL;
            c->fg_stride = j->fg ? j->fg->plane_stride_bytes[i - 1] : 0;
            c->out = o->plane[i - 1];
            c->out_stride = o->plane_stride_bytes[i - 1];
            c->bg = bg ? bg->plane[i - 1] : NULL;
            c->bg_stride = bg ? bg->plane_stride_bytes[i - 1] : 0;
            c->w = cw;
            c->h = ch;
            c->C = nv ? 2 : 1;
            c->sub_x = c->sub_y = 2;
        }
        break;
    }
    default: /* packed RGB family: the plane works in the out format */
        p->n_planes = 1;
        y->w = w;
        y->C = bd_pixel_format_bpp(j->bg == BD_POST_TRANSPARENT ? f->format : o->format);
        if (j->bg == BD_POST_TRANSPARENT) y->C = 4;
        y->or_mask = bd_pixel_format_bpp(o->format) == 4 ? 0xff000000u : 0;
        break;
    }

    /* Colour rows: the colour repeated over each plane's width. */
    if (j->bg == BD_POST_COLOR) {
        size_t need = 0;
        for (int i = 0; i < p->n_planes; i++) need += (size_t)p->pl[i].w * p->pl[i].C + PAD;
        if (bd_post_grow((void **)&p->color_rows, &p->color_cap, need, 1) != BD_OK)
            return BD_ERR_NO_MEMORY;
        uint8_t *row = p->color_rows;
        for (int i = 0; i < p->n_planes; i++) {
            plane *q = &p->pl[i];
            uint8_t unit[4];
            if (f->format == BD_PIXEL_YUYV) {
                unit[0] = j->color[0], unit[1] = j->color[1], unit[2] = j->color[0],
                unit[3] = j->color[2];
            } else if (bd_format_is_yuv(f->format)) {
                if (i == 0) unit[0] = j->color[0];
                else if (q->C == 2) unit[0] = j->color[1], unit[1] = j->color[2];
                else unit[0] = j->color[i];
            } else {
                memcpy(unit, j->color, 4);
            }
            for (int x = 0; x < q->w; x++) memcpy(row + (size_t)x * q->C, unit, (size_t)q->C);
            q->color_row = row;
            row += (size_t)q->w * q->C + PAD;
        }
    }
    return BD_OK;
}

/* ---------------------------------------------------------------------------
 * The row loop.
 */
static void blend_plane_row(const bd_post *p, tscratch *t, int qi, int yy, const uint8_t *a0,
                            const uint8_t *a1) {
    const plane *q = &p->pl[qi];
    const bd_post_job *j = p->job;
    const int W = j->frame->width;
    const int packed = !bd_format_is_yuv(j->frame->format);
    const uint8_t *src = q->fg ? q->fg + (size_t)yy * q->fg_stride
                               : q->src + (size_t)yy * q->src_stride;
    uint8_t *dst = q->out + (size_t)yy * q->out_stride;

    if (j->bg == BD_POST_TRANSPARENT) {
        /* out is RGBA32 / BGRA32: attach from 3 bytes in the out's colour order */
        const bd_pixel_format want3 =
            j->out->format == BD_PIXEL_BGRA32 ? BD_PIXEL_BGR24 : BD_PIXEL_RGB24;
        if (j->frame->format != want3) {
            bd_post_conv_row(src, j->frame->format, t->conv, want3, W);
            src = t->conv;
        }
        p->k->attach_c3(src, a0, dst, W, j->premultiply);
        return;
    }
    if (packed && !p->out_same) {
        bd_post_conv_row(src, j->frame->format, t->conv, j->out->format, W);
        src = t->conv;
    }
    const uint8_t *bg;
    switch (j->bg) {
    case BD_POST_IMAGE: bg = q->bg + (size_t)yy * q->bg_stride; break;
    case BD_POST_COLOR: bg = q->color_row; break;
    default: bg = bd_post_blur_row(p, t, qi, yy); break; /* BD_POST_BLUR */
    }
    if (p->wrap_q && packed) {
        /* Light wrap: near the subject's edge (where the wide-blurred alpha ab
         * is below 1) the frame takes w = strength * (1 - ab) of the
         * background's blurred light before the composite:
         * f' = mix(f, light, 255 - w). The light is the blurred background
         * itself (blur mode), its blurred copy (image mode) or the colour. */
        const float *h0, *h1;
        bd_post_fcache_pair(p, t, &t->wc, p->wrap_map, p->wy.lo[yy], p->wy.hi[yy], &h0, &h1);
        p->k->mask_row(h0, h1, p->wy.wf[yy], t->wa, W);
        const int wq = p->wrap_q;
        for (int x = 0; x < W; x++)
            t->wa[x] = (uint8_t)(255 - ((wq * (255 - t->wa[x]) + 128) >> 8));
        const uint8_t *light = j->bg == BD_POST_IMAGE
                                   ? j->bg_light->data + (size_t)yy * j->bg_light->stride_bytes
                                   : bg;
        if (q->C == 3)
            p->k->blend_c3(src, light, t->wa, t->fw, q->w);
        else
            p->k->blend_c4(src, light, t->wa, t->fw, q->w, 0);
        src = t->fw;
    }
    const uint8_t *pa = bd_post_plane_alpha(p, q, t, a0, a1, W, 1);
    if (q->yuyv)
        p->k->blend_c1(src, bg, pa, dst, 2 * W);
    else if (q->C == 3)
        p->k->blend_c3(src, bg, pa, dst, q->w);
    else if (q->C == 4)
        p->k->blend_c4(src, bg, pa, dst, q->w, q->or_mask);
    else
        p->k->blend_c1(src, bg, pa, dst, q->w * q->C); /* C = 2: pa is expanded per byte */
}

/* Composite (or alpha-only) for row groups [g0, g1). */
static void composite_rows(bd_post *p, tscratch *t, int g0, int g1) {
    const bd_post_job *j = p->job;
    const int H = j->frame->height;
    for (int g = g0; g < g1; g++) {
        const int y = g * p->group;
        const uint8_t *a0 = bd_post_alpha_row(p, t, y, 0);
        const uint8_t *a1 = a0;
        if (p->group == 2 && y + 1 < H) a1 = bd_post_alpha_row(p, t, y + 1, 1);
        if (j->bg == BD_POST_NONE) continue;
        blend_plane_row(p, t, 0, y, a0, a0);
        if (p->group == 2) {
            if (y + 1 < H) blend_plane_row(p, t, 0, y + 1, a1, a1);
            for (int qi = 1; qi < p->n_planes; qi++) blend_plane_row(p, t, qi, g, a0, a1);
        }
    }
}

static void reset_caches(tscratch *t) {
    t->mc.row[0] = t->mc.row[1] = -1;
    t->ra.row[0] = t->ra.row[1] = -1;
    t->rb.row[0] = t->rb.row[1] = -1;
    t->wc.row[0] = t->wc.row[1] = -1;
    for (int q = 0; q < MAX_PLANES; q++) {
        t->sc[q].row[0] = t->sc[q].row[1] = -1;
    }
}

static void task(void *ctx, int ith, int nth) {
    bd_post *p = ctx;
    tscratch *t = &p->ts[ith];
    const bd_post_job *j = p->job;
    reset_caches(t);
    int a, b;
    if (p->rf_s) bd_post_refine_phases(p, t, ith, nth);
    if (j->bg == BD_POST_BLUR) bd_post_blur_phases(p, t, ith, nth);
    const int groups = (j->frame->height + p->group - 1) / p->group;
    bd_post_split(groups, ith, nth, &a, &b);
    composite_rows(p, t, a, b);
}

/* Box mean of radius r along one line of n elements (stride `step`), edge-
 * normalized, with a running sum (O(1) per element whatever r); in and out
 * must differ. The sum is kept in double so that adding and removing the same
 * values cancels over a line. */
static void box_mean_line(const float *in, float *out, int n, size_t step, int r) {
    double acc = 0.0;
    const int first = r < n - 1 ? r : n - 1;
    for (int i = 0; i <= first; i++) acc += in[(size_t)i * step];
    const double inv_full = 1.0 / (2 * r + 1);
    for (int i = 0; i < n; i++) {
        const int a = i - r < 0 ? 0 : i - r, b = i + r < n ? i + r : n - 1;
        /* a division only where the window is cut by an edge */
        const double inv = b - a == 2 * r ? inv_full : 1.0 / (b - a + 1);
        out[(size_t)i * step] = (float)(acc * inv);
        if (i + r + 1 < n) acc += in[(size_t)(i + r + 1) * step];
        if (i - r >= 0) acc -= in[(size_t)(i - r) * step];
    }
}

/* Two box passes (a tent) of radius r over a w x h map, edge-normalized. */
static void tent_blur(float *map, float *tmp, int w, int h, int r) {
    for (int pass = 0; pass < 2; pass++) {
        for (int y = 0; y < h; y++)
            box_mean_line(map + (size_t)y * w, tmp + (size_t)y * w, w, 1, r);
        for (int x = 0; x < w; x++) box_mean_line(tmp + x, map + x, h, (size_t)w, r);
    }
}

/* Sigmoid and feathering of the map into p->prep (single-threaded: the map is
 * small). Returns the map to upsample. */
static const float *prepare_map(bd_post *p, const bd_post_map *m) {
    if (!m->logits && m->feather_radius <= 0) return m->data;
    const size_t n = (size_t)m->w * (size_t)m->h;
    float *dst = p->prep;
    for (size_t i = 0; i < n; i++) {
        float v = m->data[i];
        dst[i] = m->logits ? 1.0f / (1.0f + expf(-v)) : v;
    }
    if (m->feather_radius > 0) tent_blur(dst, p->prep_tmp, m->w, m->h, m->feather_radius);
    return dst;
}

bd_status bd_post_run(bd_post *p, const bd_post_job *j) {
    const bd_image *f = j->frame;
    const int w = f->width, h = f->height;
    p->job = j;
    const bd_post_map *m = j->alpha_in ? NULL : j->map;
    if (reserve_scratch(p, w, m ? m->w : 1) != BD_OK) return BD_ERR_NO_MEMORY;
    if (m) {
        p->mw = m->w;
        p->mh = m->h;
        if (bd_linear_axis_set(&p->mx, m->w, w, m->ratio_x, m->origin_x) != BD_OK ||
            bd_linear_axis_set(&p->my, m->h, h, m->ratio_y, m->origin_y) != BD_OK ||
            bd_hlerp_build(&p->mxt, p->mx.lo, p->mx.hi, p->mx.wf, w) != BD_OK)
            return BD_ERR_NO_MEMORY;
        if (m->logits || m->feather_radius > 0) {
            const size_t n = (size_t)m->w * (size_t)m->h;
            if (bd_post_grow((void **)&p->prep, &p->prep_cap, n, sizeof(float)) != BD_OK ||
                bd_post_grow((void **)&p->prep_tmp, &p->prep_tmp_cap, n, sizeof(float)) != BD_OK)
                return BD_ERR_NO_MEMORY;
        }
        p->mdata = prepare_map(p, m);
    }
    p->wrap_q = 0;
    if (m && j->light_wrap > 0.0f && !bd_format_is_yuv(f->format) &&
        (j->bg == BD_POST_COLOR || j->bg == BD_POST_BLUR ||
         (j->bg == BD_POST_IMAGE && j->bg_light))) {
        /* the glow reaches about max(w, h) / 50 frame pixels into the subject:
         * a wide, smooth weight, so the map is first reduced 4x (area) */
        p->ww = (m->w + 3) / 4;
        p->wh = (m->h + 3) / 4;
        const size_t n = (size_t)p->ww * (size_t)p->wh;
        if (bd_post_grow((void **)&p->wrap_map, &p->wrap_cap, n, sizeof(float)) != BD_OK ||
            bd_post_grow((void **)&p->prep_tmp, &p->prep_tmp_cap, n > (size_t)m->w * m->h
                                                              ? n
                                                              : (size_t)m->w * m->h,
                 sizeof(float)) != BD_OK ||
            bd_linear_axis_set(&p->wx, p->ww, w, m->ratio_x / 4, m->origin_x / 4) != BD_OK ||
            bd_linear_axis_set(&p->wy, p->wh, h, m->ratio_y / 4, m->origin_y / 4) != BD_OK ||
            bd_hlerp_build(&p->wxt, p->wx.lo, p->wx.hi, p->wx.wf, w) != BD_OK)
            return BD_ERR_NO_MEMORY;
        for (int y = 0; y < p->wh; y++)
            for (int x = 0; x < p->ww; x++) {
                float sum = 0.0f;
                int cnt = 0;
                for (int yy = 4 * y; yy < 4 * y + 4 && yy < m->h; yy++)
                    for (int xx = 4 * x; xx < 4 * x + 4 && xx < m->w; xx++, cnt++)
                        sum += p->mdata[(size_t)yy * m->w + xx];
                p->wrap_map[(size_t)y * p->ww + x] = sum / (float)cnt;
            }
        const int rr = (int)lround((w > h ? w : h) / 50.0 * m->ratio_x / 4);
        tent_blur(p->wrap_map, p->prep_tmp, p->ww, p->wh, rr < 1 ? 1 : rr);
        p->wrap_q = (int)lround(j->light_wrap * 256.0f);
    }
    if (bd_post_refine_setup(p, m, w, h) != BD_OK) return BD_ERR_NO_MEMORY;
    if (j->bg != BD_POST_NONE && setup_planes(p) != BD_OK) return BD_ERR_NO_MEMORY;
    if (j->bg == BD_POST_NONE) {
        p->group = 1;
        p->n_planes = 0;
    }
    if (j->bg == BD_POST_BLUR && bd_post_blur_setup(p, f->format) != BD_OK)
        return BD_ERR_NO_MEMORY;
    bd_threadpool_run(p->pool, task, p);
    p->job = NULL;
    return BD_OK;
}
