/*
 * post.c -- the fused post-process (see post.h for the design): planes, the
 * per-thread row caches of the separable upsamplers, the reduced-resolution
 * background blur, and the row loop that ties them to the blend kernels.
 *
 * Work is split over the pool by rows ("groups": 2 luma rows for 4:2:0 frames,
 * whose chroma row needs both, else 1) and by reduced rows for the blur. Every
 * result element is computed by one thread with the same code whatever the
 * split, so the output does not depend on the thread count.
 */
#include "image/post.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define MAX_PLANES 3
#define PAD 64 /* bytes / elements of slack after every scratch row */

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
 * State.
 */

/* Horizontally interpolated source rows for a separable upsampler: two slots
 * holding rows `row[s]` (-1 = empty). */
typedef struct fcache {
    float *h[2];
    int row[2];
} fcache;

typedef struct scache {
    int16_t *h[2];
    int row[2];
} scache;

typedef struct tscratch {
    fcache mc;        /* map rows, frame width */
    fcache ra, rb;    /* refinement coefficient rows A, B, frame width */
    uint8_t *luma;    /* guide luma row [W] */
    fcache wc;        /* light wrap: rows of the blurred map */
    uint8_t *wa;      /* light wrap: per-pixel mix weight [W] */
    uint8_t *fw;      /* light wrap: the wrapped frame row [4W] */
    float *mg;        /* one map row after k * p + b [map w] */
    uint8_t *alpha[2]; /* full-resolution alpha rows [W] (two for 4:2:0) */
    uint8_t *pa;      /* alpha at a plane's resolution / expanded per byte [2W] */
    uint8_t *conv;    /* the frame row in the out format [4W] */
    uint8_t *bgrow;   /* an upsampled blurred background row [4W] */
    scache sc[MAX_PLANES];
    uint32_t *acc; /* blur column sums [5W] */
} tscratch;

/* One plane of the frame as the row loop sees it. Units are what one alpha
 * value covers in the blend: pixels, YUYV pixel pairs (4 bytes), chroma samples. */
typedef struct plane {
    const uint8_t *src;
    size_t src_stride;
    uint8_t *out;
    size_t out_stride;
    const uint8_t *bg;
    size_t bg_stride;
    int w, h;  /* units, rows */
    int C;     /* bytes per unit */
    int sub_x, sub_y; /* luma pixels per unit along x / y (1 or 2) */
    int yuyv;  /* blend with per-byte alpha (a0, m, a1, m) */
    uint32_t or_mask;
    uint8_t *color_row; /* BD_POST_COLOR: w * C bytes (owned by bd_post) */
    /* blur: reduction factors along x / y, reduced size, planes of (C + 1)
     * floats per reduced unit (C weighted channels then the weight), the result
     * as u8 * 128 per channel, and the upsampling axes reduced -> plane */
    int fx, fy, rw, rh;
    int NC; /* floats per reduced unit: 4 (3 colours + weight) for packed frames, C + 1 for YUV */
    float *p0, *p1;
    int16_t *small;
    bd_linear_axis bx, by;
    bd_hlerp16_buf bxt; /* bx for bd_i16_hlerp_row, C channels */
} plane;

struct bd_post {
    bd_threadpool *pool;
    int n_threads;
    const bd_img_kernels *k;
    tscratch *ts;
    int cap_w;   /* frame width the scratch rows hold */
    int cap_mw;  /* map width the map row holds */
    bd_linear_axis mx, my; /* map -> frame */
    bd_hlerp_buf mxt;      /* mx for bd_f32_hlerp_row */
    float *prep; /* prepared map (activation, feathering) */
    size_t prep_cap;
    float *prep_tmp;
    size_t prep_tmp_cap;
    float *wrap_map; /* light wrap: the map reduced 4x and blurred wide [wh][ww] */
    int ww, wh;
    bd_linear_axis wx, wy; /* wrap map -> frame */
    bd_hlerp_buf wxt;
    size_t wrap_cap;
    int wrap_q;      /* light-wrap strength in 1/256 (0 = off) */
    uint8_t *color_rows; /* MAX_PLANES colour rows */
    size_t color_cap;
    struct {
        float *p0, *p1;
        int16_t *small;
        size_t p0cap, p1cap, scap; /* floats / int16 */
    } blur[MAX_PLANES];

    /* the job in flight */
    const bd_post_job *job;
    plane pl[MAX_PLANES];
    int n_planes;
    int group;       /* luma rows per group (2 for 4:2:0) */
    const float *mdata; /* the map to upsample (job map or prep) */
    int mw, mh;
    /* edge refinement: a fast guided filter (He & Sun 2015) on a grid of
     * rf_s x rf_s frame pixels, box radius rf_r grid pixels */
    int rf_s, rf_r, gw, gh;
    float rf_eps;
    float *g4, *g4t; /* [gh][gw][4]: I, p, I p, I I (then their box sums) */
    float *g2, *g2t; /* [gh][gw][2]: a, b (then their box sums) */
    float *gA, *gB;  /* [gh][gw]: alpha * 255 = A * luma + B (B carries + 0.5) */
    size_t g4cap, g4tcap, g2cap, g2tcap, gAcap, gBcap;
    bd_linear_axis gx, gy;   /* grid -> frame */
    bd_hlerp_buf gxt;
    bd_linear_axis mgx, mgy; /* map -> grid */
    int out_same;    /* packed: frame and out have the same format */
    int box_r;       /* blur box radius at the reduced size */
    int box_passes;  /* and the number of box passes (per axis) */
};

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
static bd_status grow(void **buf, size_t *cap, size_t n, size_t size) {
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

static void split(int n, int ith, int nth, int *a, int *b) {
    *a = (int)((int64_t)n * ith / nth);
    *b = (int)((int64_t)n * (ith + 1) / nth);
}

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
static void fcache_pair(const bd_post *p, tscratch *t, fcache *c, const float *map, int lo,
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
static const uint8_t *luma_row(const bd_post *p, tscratch *t, int y) {
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
static const uint8_t *alpha_row(const bd_post *p, tscratch *t, int y, int slot) {
    const bd_post_job *j = p->job;
    if (j->alpha_in) return j->alpha_in->data + (size_t)y * j->alpha_in->stride_bytes;
    uint8_t *dst = j->alpha_out ? j->alpha_out->data + (size_t)y * j->alpha_out->stride_bytes
                                : t->alpha[slot];
    if (p->rf_s) { /* refined: alpha = A * luma + B, A and B upsampled from the grid */
        const float *a0, *a1, *b0, *b1;
        gcache_pair(p, &t->ra, p->gA, p->gy.lo[y], p->gy.hi[y], &a0, &a1);
        gcache_pair(p, &t->rb, p->gB, p->gy.lo[y], p->gy.hi[y], &b0, &b1);
        p->k->refine_row(a0, a1, b0, b1, p->gy.wf[y], luma_row(p, t, y), dst, p->mx.n_out);
        return dst;
    }
    const float *h0, *h1;
    fcache_pair(p, t, &t->mc, p->mdata, p->my.lo[y], p->my.hi[y], &h0, &h1);
    p->k->mask_row(h0, h1, p->my.wf[y], dst, p->mx.n_out);
    return dst;
}

/* ---------------------------------------------------------------------------
 * Plane set-up.
 */
static void conv_row(const uint8_t *src, bd_pixel_format sf, uint8_t *dst, bd_pixel_format df,
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
        if (grow((void **)&p->color_rows, &p->color_cap, need, 1) != BD_OK)
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

/* Plane alpha for plane row yy of plane q, from the luma alpha rows a0 (and a1
 * for 4:2:0; the last odd row repeats). Returns the alpha per unit; for YUYV
 * blending (expand = 1) the per-byte alpha (a0, m, a1, m) instead. */
static const uint8_t *plane_alpha(const bd_post *p, const plane *q, tscratch *t,
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
            const uint8_t *a0 = alpha_row(p, t, ly, 0);
            const uint8_t *a1 = q->sub_y == 2 ? alpha_row(p, t, ly + 1 < H ? ly + 1 : ly, 1) : a0;
            const uint8_t *pa = plane_alpha(p, q, t, a0, a1, W, 0);
            const uint8_t *src = q->src + (size_t)yy * q->src_stride;
            if (packed && !p->out_same) {
                conv_row(src, j->frame->format, t->conv, j->out->format, W);
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
static void box_h(const float *src, float *dst, int rw, int NC, int r, int r0, int r1) {
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
static void box_v(const float *src, float *dst, int rw, int rh, int NC, int r, int r0, int r1) {
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
static void blur_finalize(plane *q, int r0, int r1) {
    const int C = q->C, NC = q->NC, nacc = NC - 1;
#if defined(__SSE2__)
    if (NC == 4) {
        /* The same IEEE operations as the loop below, four lanes at a time
         * (SSE2 is part of x86-64; the results are identical). */
        const __m128 c128 = _mm_set1_ps(128.0f), half = _mm_set1_ps(0.5f);
        const __m128 zero = _mm_setzero_ps(), top = _mm_set1_ps(32640.0f);
        const __m128i opaque = _mm_set_epi16(0, 0, 0, 0, 32640, 0, 0, 0);
        for (int y = r0; y < r1; y++) {
            const float *s = q->p0 + (size_t)y * q->rw * 4;
            int16_t *d = q->small + (size_t)y * q->rw * C;
            for (int x = 0; x < q->rw; x++, s += 4, d += C) {
                const __m128 v = _mm_loadu_ps(s);
                const __m128 inv = _mm_div_ps(c128, _mm_shuffle_ps(v, v, 0xff));
                __m128 r = _mm_add_ps(_mm_mul_ps(v, inv), half);
                r = _mm_min_ps(_mm_max_ps(r, zero), top);
                __m128i i16 = _mm_packs_epi32(_mm_cvttps_epi32(r), _mm_setzero_si128());
                /* lane 3 (the weight) becomes the opaque 4th channel */
                i16 = _mm_or_si128(_mm_andnot_si128(_mm_set_epi16(0, 0, 0, 0, -1, 0, 0, 0), i16),
                                   opaque);
                if (C == 4) {
                    _mm_storel_epi64((__m128i *)d, i16);
                } else { /* exactly 3 values: rows may belong to other threads */
                    const int32_t lo2 = _mm_cvtsi128_si32(i16);
                    memcpy(d, &lo2, sizeof lo2);
                    d[2] = (int16_t)_mm_extract_epi16(i16, 2);
                }
            }
        }
        return;
    }
#endif
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
            const uint8_t *l = luma_row(p, t, y);
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

static void refine_phases(bd_post *p, tscratch *t, int ith, int nth) {
    int a, b;
    split(p->gh, ith, nth, &a, &b);
    refine_grid_rows(p, t, a, b);
    bd_threadpool_barrier(p->pool);
    box_h(p->g4, p->g4t, p->gw, 4, p->rf_r, a, b);
    bd_threadpool_barrier(p->pool);
    box_v(p->g4t, p->g4, p->gw, p->gh, 4, p->rf_r, a, b);
    bd_threadpool_barrier(p->pool);
    refine_coeffs(p, a, b);
    bd_threadpool_barrier(p->pool);
    box_h(p->g2, p->g2t, p->gw, 2, p->rf_r, a, b);
    bd_threadpool_barrier(p->pool);
    box_v(p->g2t, p->g2, p->gw, p->gh, 2, p->rf_r, a, b);
    bd_threadpool_barrier(p->pool);
    refine_final(p, a, b);
    bd_threadpool_barrier(p->pool);
}

/* ---------------------------------------------------------------------------
 * The row loop.
 */
static void blend_plane_row(const bd_post *p, tscratch *t, int qi, int yy, const uint8_t *a0,
                            const uint8_t *a1) {
    const plane *q = &p->pl[qi];
    const bd_post_job *j = p->job;
    const int W = j->frame->width;
    const uint8_t *src = q->src + (size_t)yy * q->src_stride;
    uint8_t *dst = q->out + (size_t)yy * q->out_stride;
    const int packed = !bd_format_is_yuv(j->frame->format);

    if (j->bg == BD_POST_TRANSPARENT) {
        /* out is RGBA32 / BGRA32: attach from 3 bytes in the out's colour order */
        const bd_pixel_format want3 =
            j->out->format == BD_PIXEL_BGRA32 ? BD_PIXEL_BGR24 : BD_PIXEL_RGB24;
        if (j->frame->format != want3) {
            conv_row(src, j->frame->format, t->conv, want3, W);
            src = t->conv;
        }
        p->k->attach_c3(src, a0, dst, W, j->premultiply);
        return;
    }
    if (packed && !p->out_same) {
        conv_row(src, j->frame->format, t->conv, j->out->format, W);
        src = t->conv;
    }
    const uint8_t *bg;
    switch (j->bg) {
    case BD_POST_IMAGE: bg = q->bg + (size_t)yy * q->bg_stride; break;
    case BD_POST_COLOR: bg = q->color_row; break;
    default: { /* BD_POST_BLUR */
        const int16_t *h0, *h1;
        scache_pair(p, q, &t->sc[qi], q->by.lo[yy], q->by.hi[yy], &h0, &h1);
        const int32_t wy = (int32_t)(q->by.w[yy] * 32768.0 + 0.5);
        p->k->lerp16_row(h0, h1, (int16_t)(wy > 32767 ? 32767 : wy), t->bgrow, q->w * q->C);
        bg = t->bgrow;
        break;
    }
    }
    if (p->wrap_q && packed) {
        /* Light wrap: near the subject's edge (where the wide-blurred alpha ab
         * is below 1) the frame takes w = strength * (1 - ab) of the
         * background's blurred light before the composite:
         * f' = mix(f, light, 255 - w). The light is the blurred background
         * itself (blur mode), its blurred copy (image mode) or the colour. */
        const float *h0, *h1;
        fcache_pair(p, t, &t->wc, p->wrap_map, p->wy.lo[yy], p->wy.hi[yy], &h0, &h1);
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
    const uint8_t *pa = plane_alpha(p, q, t, a0, a1, W, 1);
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
        const uint8_t *a0 = alpha_row(p, t, y, 0);
        const uint8_t *a1 = a0;
        if (p->group == 2 && y + 1 < H) a1 = alpha_row(p, t, y + 1, 1);
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
    if (p->rf_s) refine_phases(p, t, ith, nth);
    if (j->bg == BD_POST_BLUR) {
        for (int qi = 0; qi < p->n_planes; qi++) {
            split(p->pl[qi].rh, ith, nth, &a, &b);
            blur_accumulate(p, t, qi, a, b);
        }
        for (int pass = 0; pass < p->box_passes; pass++) {
            bd_threadpool_barrier(p->pool);
            for (int qi = 0; qi < p->n_planes; qi++) {
                plane *q = &p->pl[qi];
                split(q->rh, ith, nth, &a, &b);
                box_h(q->p0, q->p1, q->rw, q->NC, p->box_r, a, b);
            }
            bd_threadpool_barrier(p->pool);
            for (int qi = 0; qi < p->n_planes; qi++) {
                plane *q = &p->pl[qi];
                split(q->rh, ith, nth, &a, &b);
                box_v(q->p1, q->p0, q->rw, q->rh, q->NC, p->box_r, a, b);
            }
        }
        bd_threadpool_barrier(p->pool);
        for (int qi = 0; qi < p->n_planes; qi++) {
            split(p->pl[qi].rh, ith, nth, &a, &b);
            blur_finalize(&p->pl[qi], a, b);
        }
        bd_threadpool_barrier(p->pool);
    }
    const int groups = (j->frame->height + p->group - 1) / p->group;
    split(groups, ith, nth, &a, &b);
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
            if (grow((void **)&p->prep, &p->prep_cap, n, sizeof(float)) != BD_OK ||
                grow((void **)&p->prep_tmp, &p->prep_tmp_cap, n, sizeof(float)) != BD_OK)
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
        if (grow((void **)&p->wrap_map, &p->wrap_cap, n, sizeof(float)) != BD_OK ||
            grow((void **)&p->prep_tmp, &p->prep_tmp_cap, n > (size_t)m->w * m->h
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
    p->rf_s = 0;
    if (m && j->refine.radius > 0) {
        /* grid cell s ~ r / 2 and a box of about 2 cells */
        const int r = j->refine.radius;
        const int s = (r + 1) / 2 < 1 ? 1 : (r + 1) / 2;
        const int rg = (int)lround((double)r / s) < 1 ? 1 : (int)lround((double)r / s);
        p->gw = (w + s - 1) / s;
        p->gh = (h + s - 1) / s;
        const size_t n = (size_t)p->gw * p->gh;
        if (grow((void **)&p->g4, &p->g4cap, 4 * n, sizeof(float)) != BD_OK ||
            grow((void **)&p->g4t, &p->g4tcap, 4 * n, sizeof(float)) != BD_OK ||
            grow((void **)&p->g2, &p->g2cap, 2 * n, sizeof(float)) != BD_OK ||
            grow((void **)&p->g2t, &p->g2tcap, 2 * n, sizeof(float)) != BD_OK ||
            grow((void **)&p->gA, &p->gAcap, n, sizeof(float)) != BD_OK ||
            grow((void **)&p->gB, &p->gBcap, n, sizeof(float)) != BD_OK ||
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
    if (j->bg != BD_POST_NONE && setup_planes(p) != BD_OK) return BD_ERR_NO_MEMORY;
    if (j->bg == BD_POST_NONE) {
        p->group = 1;
        p->n_planes = 0;
    }
    if (j->bg == BD_POST_BLUR) {
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
            q->NC = bd_format_is_yuv(f->format) ? q->C + 1 : 4;
            const size_t nf = (size_t)q->rw * q->rh * q->NC;
            const size_t ns = (size_t)q->rw * q->rh * q->C;
            if (grow((void **)&p->blur[qi].p0, &p->blur[qi].p0cap, nf, sizeof(float)) != BD_OK ||
                grow((void **)&p->blur[qi].p1, &p->blur[qi].p1cap, nf, sizeof(float)) != BD_OK ||
                grow((void **)&p->blur[qi].small, &p->blur[qi].scap, ns, sizeof(int16_t)) !=
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
    bd_threadpool_run(p->pool, task, p);
    p->job = NULL;
    return BD_OK;
}
