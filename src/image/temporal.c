/*
 * temporal.c -- temporal stability of the person map over a video (see
 * bd_temporal in image.h).
 *
 * The cure users are usually offered for a flickering mask is an exponential
 * moving average, which also makes the outline drag behind a moving person. Here
 * the weight of the new map follows what the image does, per map pixel:
 *
 *   d(x)   = 5x5 box mean of max_c |I_t - I_{t-1}| on a 0..1 scale, I the model
 *            input (the tensor already computed for the model, read back
 *            through the normalisation's std: no extra pass over the frame;
 *            kept as 16-bit integers, which is exact, the tensor holding
 *            (u8 / 255 - mean) / std). The model input is a bilinear sample,
 *            4 taps per pixel, so its difference is noisier than the picture's
 *            change: the 5x5 window averages that noise before the thresholds.
 *            (Measured: 2x2 cells with a 3x3 box instead let the landscape
 *            model's moving-edge response drop to 0.79x.)
 *   w(x)   = w_still            if d < LO       (the image did not change: the
 *                                                 map's change is model noise)
 *          = 1                  if d >= HI      (the image changed: follow now)
 *          = linear in between
 *   S_t    = S_{t-1} + w (P_t - S_{t-1})
 *
 * with w_still = 1 - 0.95 * strength, and for still pixels a deadband
 * (hysteresis): the part of P - S within +-dz, dz = 0.25 * strength * 4P(1-P),
 * counts only a tenth. The band is widest at P = 0.5, the edge, where the
 * model's frame-to-frame wobble shows, and vanishes at 0 and 1, so confident
 * regions converge all the way; the tenth that leaks through brings a value
 * held by the band home within a few dozen frames (no ghosts of where the
 * person was). A pixel whose image changes gets the new probability at once,
 * so a moving edge does not lag. An average alone cannot remove the flicker:
 * a mask value that steps and stays moves by the same total amount, only
 * later (measured: an EMA of weight 0.2 on every pixel gave 0.50x the raw
 * static flicker; with the band, 0.40x). A scene cut (most pixels changed)
 * restarts from P_t. Only frames <= t are used: no added latency.
 *
 * Mask reuse: when the input barely changed since the last frame the model
 * ran on (the "key" frame), the model run is skipped and S_{t-1} is used
 * again (the caller still refines and composites at full resolution). At most
 * REUSE_MAX frames in a row, so slow drift is caught.
 *
 * All buffers are sized at create (model input and map size are fixed), so
 * nothing is allocated per frame. Cost: one read of the model input and a few
 * flops per map pixel, independent of the frame size (bench/flicker times it).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "kernels/img_kernels.h"

#define LO (8.0f / 255.0f)  /* below: still */
#define HI (16.0f / 255.0f) /* at or above: moving */
#define DEAD 0.25f          /* still pixels: deadband of the map at strength 1 */
#define LEAK 0.10f          /* inside the deadband a change still counts this much */
#define CUT_SHARE 0.6f      /* share of moving pixels that makes a scene cut */
#define REUSE_MEAN (1.0f / 255.0f) /* reuse: mean change vs the key frame below this */
#define REUSE_MOVING 0.002f        /* ... and at most this share of moving pixels */
#define REUSE_MAX 15               /* reuse at most this many frames in a row */
#define R 2                        /* box radius of the change map */

struct bd_temporal {
    const bd_img_kernels *k;
    int in_w, in_h, planar; /* the model input: in_w x in_h x 3, NCHW if planar */
    float q[3];             /* per channel: input units -> 1/255 units */
    int map_w, map_h;
    float w_still;
    float dead;      /* still pixels ignore changes of the map below this (hysteresis) */
    int *ix, *iy;    /* map pixel -> input pixel */
    int16_t *cur;    /* this frame's input at the map pixels, in 1/255: 3 planes */
    int16_t *buf[2]; /* earlier frames' inputs; prev and key point into them */
    int16_t *prev;   /* of the last frame */
    int16_t *key;    /* of the last frame the model ran on */
    float *d;        /* map-sized: the change (box mean) */
    int16_t *hs;     /* map-sized: horizontal box sums of the raw change */
    int16_t *row;    /* per thread map_w + 2R: one raw change row, edges replicated */
    float *p;        /* map-sized: this frame's probabilities */
    float *state;    /* map-sized: S, the smoothed probabilities */
    float moving;    /* share of moving pixels in the last change map */
    bd_threadpool *pool; /* borrowed; NULL: the caller's thread alone */
    int n_threads;       /* the pool's size (per-thread rows and parts) */
    struct {
        int64_t sum, n_moving;
    } *part; /* per thread: its band's change totals */
    int cur_valid, d_vs_prev, have_state, reused_run;
    int64_t frames, reused;
};

bd_temporal *bd_temporal_create(int in_w, int in_h, int planar, const float std[3], int map_w,
                                int map_h, float strength, bd_isa isa, bd_threadpool *pool) {
    bd_temporal *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->pool = pool;
    t->n_threads = pool ? bd_threadpool_size(pool) : 1;
    t->k = bd_img_kernels_get(isa);
    t->in_w = in_w;
    t->in_h = in_h;
    t->planar = planar;
    for (int c = 0; c < 3; c++) t->q[c] = 255.0f * fabsf(std[c]);
    t->map_w = map_w;
    t->map_h = map_h;
    if (!(strength >= 0.0f)) strength = 0.0f;
    if (strength > 1.0f) strength = 1.0f;
    t->w_still = 1.0f - 0.95f * strength;
    t->dead = DEAD * strength;
    const size_t n_map = (size_t)map_w * (size_t)map_h;
    t->ix = malloc((size_t)map_w * sizeof *t->ix);
    t->iy = malloc((size_t)map_h * sizeof *t->iy);
    t->cur = malloc(n_map * 3 * sizeof *t->cur);
    t->buf[0] = malloc(n_map * 3 * sizeof *t->buf[0]);
    t->buf[1] = malloc(n_map * 3 * sizeof *t->buf[1]);
    t->d = malloc(n_map * sizeof *t->d);
    t->hs = malloc(n_map * sizeof *t->hs);
    t->row = malloc((size_t)t->n_threads * ((size_t)map_w + 2 * R) * sizeof *t->row);
    t->part = calloc((size_t)t->n_threads, sizeof *t->part);
    t->p = malloc(n_map * sizeof *t->p);
    t->state = malloc(n_map * sizeof *t->state);
    if (!t->ix || !t->iy || !t->cur || !t->buf[0] || !t->buf[1] || !t->d || !t->hs || !t->row ||
        !t->part || !t->p || !t->state) {
        bd_temporal_free(t);
        return NULL;
    }
    t->prev = t->key = t->buf[0];
    /* nearest input pixel to each map pixel's centre */
    for (int x = 0; x < map_w; x++) {
        int v = (int)(((double)x + 0.5) * in_w / map_w);
        t->ix[x] = v < in_w ? v : in_w - 1;
    }
    for (int y = 0; y < map_h; y++) {
        int v = (int)(((double)y + 0.5) * in_h / map_h);
        t->iy[y] = v < in_h ? v : in_h - 1;
    }
    return t;
}

void bd_temporal_free(bd_temporal *t) {
    if (!t) return;
    free(t->ix);
    free(t->iy);
    free(t->cur);
    free(t->buf[0]);
    free(t->buf[1]);
    free(t->d);
    free(t->hs);
    free(t->row);
    free(t->part);
    free(t->p);
    free(t->state);
    free(t);
}

void bd_temporal_reset(bd_temporal *t) {
    if (!t) return;
    t->have_state = 0;
    t->reused_run = 0;
    t->d_vs_prev = 0;
}

void bd_temporal_counts(const bd_temporal *t, int64_t *frames, int64_t *reused) {
    *frames = t ? t->frames : 0;
    *reused = t ? t->reused : 0;
}

/* v * q rounded to the nearest integer, clamped to +-32000 (a tensor value is
 * (u8 / 255 - mean) / std, so v * 255 * std lies within 255 of -255 * mean);
 * the kernels (tmp_quant1/3) do the same on whole rows. */
static inline int16_t quant(float v, float q) {
    float x = v * q;
    x = x < 32000.0f ? x : 32000.0f;
    x = x > -32000.0f ? x : -32000.0f;
    return (int16_t)((int)(x + 32768.5f) - 32768);
}

/* Rows [y0, y1) of the map: ith's share of nth. */
static void band(int h, int ith, int nth, int *y0, int *y1) {
    *y0 = (int)((int64_t)h * ith / nth);
    *y1 = (int)((int64_t)h * (ith + 1) / nth);
}

/* Runs fn on the pool's threads (a map of at least PAR_PIXELS pixels), else on the
 * caller's alone. Every pass below cuts the map into row bands and gives the same
 * result whatever the number of threads (integer sums; per-row float work). */
#define PAR_PIXELS 65536
/* Returns the number of threads fn ran on. */
static int run(bd_temporal *t, bd_task_fn fn, void *ctx) {
    if (t->pool && (size_t)t->map_w * (size_t)t->map_h >= PAR_PIXELS) {
        bd_threadpool_run(t->pool, fn, ctx);
        return t->n_threads;
    }
    fn(ctx, 0, 1);
    return 1;
}

/* Box sum -> change on a 0..1 scale. */
#define BOX_SCALE (1.0f / (float)((2 * R + 1) * (2 * R + 1) * 255))

static void barrier(bd_temporal *t, int nth) {
    if (nth > 1) bd_threadpool_barrier(t->pool);
}

/* Rows [y0, y1) of t->cur = the input at every map pixel, 3 planes, in 1/255 units. */
static void sample_rows(bd_temporal *t, const float *in, int y0, int y1) {
    const size_t plane = (size_t)t->in_w * (size_t)t->in_h, n_map = (size_t)t->map_w * t->map_h;
    const int same = t->in_w == t->map_w && t->in_h == t->map_h;
    int16_t *o0 = t->cur, *o1 = t->cur + n_map, *o2 = t->cur + 2 * n_map;
    const int w = t->map_w;
    if (same) { /* row by row: n fits an int whatever the map's size */
        for (int y = y0; y < y1; y++) {
            const size_t r = (size_t)y * w;
            if (!t->planar) {
                t->k->tmp_quant3(in + 3 * r, t->q, o0 + r, o1 + r, o2 + r, w);
            } else {
                t->k->tmp_quant1(in + r, t->q[0], o0 + r, w);
                t->k->tmp_quant1(in + plane + r, t->q[1], o1 + r, w);
                t->k->tmp_quant1(in + 2 * plane + r, t->q[2], o2 + r, w);
            }
        }
    } else { /* nearest input pixel of each map pixel */
        const size_t cs = t->planar ? plane : 1, ps = t->planar ? 1 : 3;
        const float q0 = t->q[0], q1 = t->q[1], q2 = t->q[2];
        for (int y = y0; y < y1; y++)
            for (int x = 0; x < w; x++) {
                const size_t i = (size_t)y * w + (size_t)x;
                const float *v = in + ((size_t)t->iy[y] * t->in_w + (size_t)t->ix[x]) * ps;
                o0[i] = quant(v[0], q0);
                o1[i] = quant(v[cs], q1);
                o2[i] = quant(v[2 * cs], q2);
            }
    }
}

typedef struct sample_task {
    bd_temporal *t;
    const float *in;
} sample_task;

static void sample_fn(void *ctx, int ith, int nth) {
    const sample_task *st = ctx;
    int y0, y1;
    band(st->t->map_h, ith, nth, &y0, &y1);
    sample_rows(st->t, st->in, y0, y1);
}

static void sample(bd_temporal *t, const float *in) {
    sample_task st = {t, in};
    run(t, sample_fn, &st);
    t->cur_valid = 1;
}

/* Thread ith's part of t->d = R-radius box mean (edges replicated) of max_c |cur -
 * ref| on a 0..1 scale: first the horizontal box sums of its rows, then (after
 * every thread's) the vertical ones, with its box-sum total and count of pixels
 * >= HI in t->part[ith]. The box sums are exact integers (a change is at most 255
 * input steps, a 5x5 sum at most 6375: int16), so the kernels may add in any
 * order and the totals do not depend on the bands. */
static void change_rows(bd_temporal *t, const int16_t *ref, int ith, int nth) {
    const int w = t->map_w, h = t->map_h;
    const size_t n_map = (size_t)w * h;
    const bd_img_kernels *k = t->k;
    int y0, y1;
    band(h, ith, nth, &y0, &y1);
    int16_t *row = t->row + (size_t)ith * ((size_t)w + 2 * R), *r = row + R;
    for (int y = y0; y < y1; y++) {
        const size_t o = (size_t)y * w;
        k->tmp_change_row(t->cur + o, ref + o, n_map, r, w);
        for (int i = 1; i <= R; i++) r[-i] = r[0], r[w - 1 + i] = r[w - 1];
        k->tmp_hbox5(row, t->hs + o, w);
    }
    barrier(t, nth);
    int64_t sum = 0;
    int64_t n_moving = 0;
    const float scale = BOX_SCALE;
    const int hi_sum = 16 * (2 * R + 1) * (2 * R + 1); /* d >= HI in box-sum units */
    for (int y = y0; y < y1; y++) {
        const int16_t *rows[2 * R + 1];
        for (int i = -R; i <= R; i++) {
            const int yy = y + i < 0 ? 0 : y + i >= h ? h - 1 : y + i;
            rows[i + R] = t->hs + (size_t)yy * w;
        }
        int nm;
        sum += k->tmp_vbox5(rows, scale, hi_sum, t->d + (size_t)y * w, &nm, w);
        n_moving += nm;
    }
    t->part[ith].sum = sum;
    t->part[ith].n_moving = n_moving;
}

/* The mean change and the share of moving pixels from the nth parts. */
static void change_totals(const bd_temporal *t, int nth, float *mean, float *moving) {
    int64_t sum = 0, n_moving = 0;
    for (int i = 0; i < nth; i++) sum += t->part[i].sum, n_moving += t->part[i].n_moving;
    const double n = (double)t->map_w * (double)t->map_h;
    *mean = (float)((double)sum * BOX_SCALE / n);
    *moving = (float)((double)n_moving / n);
}

typedef struct change_task {
    bd_temporal *t;
    const int16_t *ref;
} change_task;

static void change_fn(void *ctx, int ith, int nth) {
    const change_task *ct = ctx;
    change_rows(ct->t, ct->ref, ith, nth);
}

static void change_map(bd_temporal *t, const int16_t *ref, float *mean, float *moving) {
    change_task ct = {t, ref};
    change_totals(t, run(t, change_fn, &ct), mean, moving);
}

int bd_temporal_can_reuse(bd_temporal *t, const float *input, int allow) {
    t->frames++;
    t->d_vs_prev = 0;
    sample(t, input);
    if (!allow || !t->have_state || t->reused_run >= REUSE_MAX) return 0;
    float mean, moving;
    change_map(t, t->key, &mean, &moving);
    if (!(mean < REUSE_MEAN && moving <= REUSE_MOVING)) {
        /* the last frame ran the model: d is this frame's change against it */
        t->d_vs_prev = t->prev == t->key;
        t->moving = moving;
        return 0;
    }
    t->reused++;
    t->reused_run++;
    /* prev follows the frames, key stays: this frame becomes the other buffer
     * (swapped, not copied; cur's old contents are overwritten next frame) */
    const int other = t->key == t->buf[0] ? 1 : 0;
    int16_t *spare = t->buf[other];
    t->buf[other] = t->cur;
    t->cur = spare;
    t->prev = t->buf[other];
    t->cur_valid = 0;
    return 1;
}

const float *bd_temporal_state(const bd_temporal *t) { return t->state; }

/* One frame's update, all of it in one run of the pool: the input sampled (if
 * can_reuse did not), its change against the last frame (if can_reuse did not
 * measure it), then, once every band's change is in, each thread decides the
 * restart from the same totals and smooths its rows. */
typedef struct update_task {
    bd_temporal *t;
    const float *input, *map;
    int logits, sample, change, restart; /* restart: on entry, known already */
    float moving;                        /* out (thread 0): the share of moving pixels */
} update_task;

static void update_fn(void *ctx, int ith, int nth) {
    update_task *u = ctx;
    bd_temporal *t = u->t;
    int y0, y1;
    band(t->map_h, ith, nth, &y0, &y1);
    if (u->sample) sample_rows(t, u->input, y0, y1);
    float moving = t->moving, mean;
    if (u->change) {
        change_rows(t, t->prev, ith, nth);
        barrier(t, nth);
        change_totals(t, nth, &mean, &moving);
    }
    const int restart = u->restart || moving >= CUT_SHARE; /* a scene cut: nothing to carry over */
    float *s = t->state;
    /* P: the probabilities (NaN -> background), into s on a restart, else into p */
    float *p = restart ? s : t->p;
    /* m = 0 still, 1 moving; the deadband is widest at p = 0.5 (the edge, where the
     * model's wobble shows) and vanishes at 0 and 1, so confident regions converge
     * all the way; its part of the change only leaks in (LEAK of the weight), so a
     * value it holds still drifts home, slowly */
    const bd_tmp_params prm = {.lo = LO, .inv_range = 1.0f / (HI - LO), .w_still = t->w_still,
                               .dead = t->dead, .leak = LEAK};
    const int w = t->map_w;
    for (int y = y0; y < y1; y++) {
        const size_t o = (size_t)y * w;
        if (u->logits)
            for (int x = 0; x < w; x++) p[o + x] = 1.0f / (1.0f + expf(-u->map[o + x]));
        /* clamp to [0, 1]; NaN and values below 1e-6 become 0: a model's far
         * background holds probabilities like 1e-30, and smoothing towards them
         * would make denormals, which cost ~100x per operation on x86 */
        t->k->tmp_clamp_prob((u->logits ? p : u->map) + o, p + o, w);
        if (!restart) t->k->tmp_smooth_row(t->d + o, p + o, s + o, &prm, w);
    }
    if (ith == 0) u->moving = moving;
}

const float *bd_temporal_update(bd_temporal *t, const float *input, const float *map,
                                int logits, int smooth) {
    update_task u = {.t = t, .input = input, .map = map, .logits = logits};
    u.sample = !t->cur_valid;
    u.restart = !t->have_state || !smooth;
    u.change = !u.restart && !t->d_vs_prev;
    run(t, update_fn, &u);
    if (u.change) t->moving = u.moving;
    t->reused_run = 0;
    t->d_vs_prev = 0;
    float *s = t->state;
    /* this frame is both the last frame and the last the model ran on */
    int16_t *spare = t->buf[0];
    t->buf[0] = t->cur;
    t->cur = spare;
    t->prev = t->key = t->buf[0];
    t->have_state = 1;
    t->cur_valid = 0;
    return s;
}
