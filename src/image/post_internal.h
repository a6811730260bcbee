/*
 * post_internal.h -- what the post-process's files share (post.c: state, planes
 * and the row loop; post_rows.c: map -> alpha rows; post_blur.c: the reduced-
 * resolution background blur; post_refine.c: the guided-filter refinement).
 * Private to src/image/post*.c.
 */
#ifndef BD_IMAGE_POST_INTERNAL_H
#define BD_IMAGE_POST_INTERNAL_H

#include <stdint.h>

#include "image/post.h"

#define MAX_PLANES 3
#define PAD 64 /* bytes / elements of slack after every scratch row */


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
    const uint8_t *fg; /* job->fg's plane (the colour blended instead of src), or NULL */
    size_t fg_stride;
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

/* post.c */
/* Ensures *buf holds n elements of `size` bytes (grows, never shrinks). */
bd_status bd_post_grow(void **buf, size_t *cap, size_t n, size_t size);
/* Rows [*a, *b) of n for thread ith of nth. */
static inline void bd_post_split(int n, int ith, int nth, int *a, int *b) {
    *a = (int)((int64_t)n * ith / nth);
    *b = (int)((int64_t)n * (ith + 1) / nth);
}

/* post_rows.c */
void bd_post_fcache_pair(const bd_post *p, tscratch *t, fcache *c, const float *map, int lo,
                         int hi, const float **h_lo, const float **h_hi);
const uint8_t *bd_post_luma_row(const bd_post *p, tscratch *t, int y);
const uint8_t *bd_post_alpha_row(const bd_post *p, tscratch *t, int y, int slot);
const uint8_t *bd_post_plane_alpha(const bd_post *p, const plane *q, tscratch *t,
                                   const uint8_t *a0, const uint8_t *a1, int luma_w, int expand);
void bd_post_conv_row(const uint8_t *src, bd_pixel_format sf, uint8_t *dst, bd_pixel_format df,
                      int n);

/* post_blur.c */
void bd_post_box_h(const float *src, float *dst, int rw, int NC, int r, int r0, int r1);
void bd_post_box_v(const float *src, float *dst, int rw, int rh, int NC, int r, int r0, int r1);
bd_status bd_post_blur_setup(bd_post *p, bd_pixel_format format);
void bd_post_blur_phases(bd_post *p, tscratch *t, int ith, int nth);
const uint8_t *bd_post_blur_row(const bd_post *p, tscratch *t, int qi, int yy);

/* post_refine.c */
bd_status bd_post_refine_setup(bd_post *p, const bd_post_map *m, int w, int h);
void bd_post_refine_phases(bd_post *p, tscratch *t, int ith, int nth);

#endif /* BD_IMAGE_POST_INTERNAL_H */
