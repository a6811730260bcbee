/*
 * bench_composite.c -- the post-process benchmark of issue 3: each stage and
 * the whole post-process (mask upsampling + composite) at 1280x720 and
 * 1920x1080, for each frame format and background mode, at 1 and 2 threads,
 * next to a memcpy of the bytes the stage must touch, all in one process.
 *
 * Method (the seed's): 10 warm-up runs, then 100 timed runs; min and median.
 * Runs are interleaved round-robin over all cases of a thread count (case A
 * run 1, case B run 1, ..., case A run 2, ...), so a change of this VM's
 * speed level moves every case alike and the ratios hold.
 *
 * memcpy baseline: a stage that reads R bytes and writes W bytes is compared
 * with memcpy of (R + W) / 2 bytes, which moves the same R + W bytes. For the
 * image-background composite of an RGB24 frame that is 1.5 * w * h * 3 bytes
 * (read frame + background, write the output; the 512x256 map is noise).
 *
 * Peers: with --peers FILE (written by peers.py just before: OpenCV and
 * PyTorch doing the same post-process), lines for the RGB24 image case add
 * "Nx faster than PEER" = peer median / our median. The two processes run
 * back to back on one machine; their memcpy lines show the speed level each
 * saw (the peers' memcpy runs cache-cold between heavy PyTorch cases).
 *
 * Output: one line per case, e.g.
 *   post 1280x720 rgb24 image t=1: median 0.71 ms, min 0.69 ms, 1.21x memcpy,
 *       3.48x faster than opencv-u8, ...   (one line)
 * then "target ..." lines with PASS/FAIL for the targets.
 * Usage: bench_composite [--runs N] [--warmup N] [--peers FILE] [--quick]
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backdrop.h"

#define MAP_W 512 /* the seed's model resolution: 512 x 256 */
#define MAP_H 256
#define MAX_CASES 96

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

typedef enum kind { K_MEMCPY, K_POST, K_MASK, K_BLEND } kind;

typedef struct bcase {
    char name[96];
    kind k;
    int w, h, threads;
    bd_pixel_format fmt;
    bd_background bg;
    int refine;
    float light_wrap;
    size_t copy_bytes; /* K_MEMCPY */
    int memcpy_case;   /* index of the memcpy case to compare with */
    double *t;
    double min, med;
} bcase;

/* Images for one size and format, shared by the cases. */
typedef struct fixture {
    int w, h;
    bd_pixel_format fmt;
    bd_image_buf *frame, *out, *out_rgba, *alpha;
} fixture;

static bcase cases[MAX_CASES];
static double memcpy_t1[MAX_CASES]; /* memcpy medians of the t=1 group */
static int n_cases;
static fixture fixtures[32];
static int n_fixtures;
static float map[MAP_W * MAP_H];
static bd_image_buf *bg_photo; /* the background source image (1600x1000) */
static unsigned char *copy_src, *copy_dst;

/* A person-like map: a soft disc and a "body" below it. */
static void make_map(void) {
    for (int y = 0; y < MAP_H; y++)
        for (int x = 0; x < MAP_W; x++) {
            double dx = (x - MAP_W * 0.5) / (MAP_H * 0.22);
            double dy = (y - MAP_H * 0.35) / (MAP_H * 0.22);
            double head = 1.0 - sqrt(dx * dx + dy * dy);
            double body = y > MAP_H * 0.55 ? 1.0 - fabs(x - MAP_W * 0.5) / (MAP_H * 0.45) : -1.0;
            double v = head > body ? head : body;
            map[y * MAP_W + x] = (float)(1.0 / (1.0 + exp(-12.0 * v)));
        }
}

static void fill_rgb(const bd_image *v, unsigned seed) {
    for (int y = 0; y < v->height; y++) {
        uint8_t *r = v->data + (size_t)y * v->stride_bytes;
        for (int x = 0; x < v->width; x++) {
            r[3 * x] = (uint8_t)(x * 255 / v->width + seed);
            r[3 * x + 1] = (uint8_t)(y * 255 / v->height);
            r[3 * x + 2] = (uint8_t)((x ^ y) + seed * 7);
        }
    }
}

/* Fills any format with a deterministic pattern (bytes; YUV planes alike). */
static void fill_any(const bd_image *v) {
    const int bpp = bd_pixel_format_bpp(v->format);
    for (int y = 0; y < v->height; y++)
        for (size_t i = 0; i < (size_t)v->width * bpp; i++)
            v->data[(size_t)y * v->stride_bytes + i] = (uint8_t)(i * 7 + y * 3);
    for (int p = 0; p < 2; p++)
        if (v->plane[p])
            for (int y = 0; y < (v->height + 1) / 2; y++)
                memset(v->plane[p] + (size_t)y * v->plane_stride_bytes[p], 100 + 30 * p,
                       v->plane_stride_bytes[p]);
}

static fixture *get_fixture(int w, int h, bd_pixel_format fmt) {
    for (int i = 0; i < n_fixtures; i++)
        if (fixtures[i].w == w && fixtures[i].h == h && fixtures[i].fmt == fmt)
            return &fixtures[i];
    fixture *f = &fixtures[n_fixtures++];
    f->w = w;
    f->h = h;
    f->fmt = fmt;
    if (bd_image_alloc(w, h, fmt, &f->frame) || bd_image_alloc(w, h, fmt, &f->out) ||
        bd_image_alloc(w, h, BD_PIXEL_RGBA32, &f->out_rgba) ||
        bd_image_alloc(w, h, BD_PIXEL_GRAY8, &f->alpha)) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    if (fmt == BD_PIXEL_RGB24)
        fill_rgb(bd_image_view(f->frame), 3);
    else
        fill_any(bd_image_view(f->frame));
    return f;
}

/* Bytes per pixel the stage moves per image (frame, out, background). */
static double image_bytes_per_px(bd_pixel_format f) {
    if (f == BD_PIXEL_NV12 || f == BD_PIXEL_I420) return 1.5;
    return bd_pixel_format_bpp(f);
}

static int add_memcpy(int w, int h, double bytes_per_px, int images) {
    const size_t n = (size_t)(w * (double)h * bytes_per_px * images / 2.0);
    for (int i = 0; i < n_cases; i++)
        if (cases[i].k == K_MEMCPY && cases[i].copy_bytes == n) return i;
    bcase *c = &cases[n_cases];
    memset(c, 0, sizeof *c);
    c->k = K_MEMCPY;
    c->w = w;
    c->h = h;
    c->threads = 1;
    c->copy_bytes = n;
    snprintf(c->name, sizeof c->name, "memcpy %.2f MB", n / 1e6);
    return n_cases++;
}

static const char *fmt_name(bd_pixel_format f) {
    switch (f) {
    case BD_PIXEL_RGB24: return "rgb24";
    case BD_PIXEL_BGR24: return "bgr24";
    case BD_PIXEL_RGBA32: return "rgba32";
    case BD_PIXEL_BGRX32: return "bgrx32";
    case BD_PIXEL_YUYV: return "yuyv";
    case BD_PIXEL_NV12: return "nv12";
    case BD_PIXEL_I420: return "i420";
    default: return "?";
    }
}

static bcase *add_case(kind k, int w, int h, int threads, bd_pixel_format fmt,
                       bd_background_kind bgk, int radius) {
    bcase *c = &cases[n_cases++];
    memset(c, 0, sizeof *c);
    c->k = k;
    c->w = w;
    c->h = h;
    c->threads = threads;
    c->fmt = fmt;
    c->bg.kind = bgk;
    c->bg.blur_radius = radius;
    c->bg.color[1] = 177;
    c->bg.image = bd_image_view(bg_photo);
    c->bg.image_version = 1; /* a static background: no per-frame hashing */
    get_fixture(w, h, fmt);
    const double bpx = image_bytes_per_px(fmt);
    const char *bgname = bgk == BD_BG_IMAGE ? "image"
                         : bgk == BD_BG_COLOR ? "color"
                         : bgk == BD_BG_BLUR ? "blur"
                                             : "transparent";
    char bgbuf[32];
    if (bgk == BD_BG_BLUR) snprintf(bgbuf, sizeof bgbuf, "blur r=%d", radius);
    const char *stage = k == K_POST ? "post" : k == K_MASK ? "mask" : "blend";
    snprintf(c->name, sizeof c->name, "%s %dx%d %s %s t=%d", stage, w, h, fmt_name(fmt),
             k == K_MASK ? "-" : bgk == BD_BG_BLUR ? bgbuf : bgname, threads);
    /* memcpy equivalent: mask = write the alpha; blend/post: frame + bg + out
     * (colour / blur / transparent read no background image) */
    if (k == K_MASK)
        c->memcpy_case = add_memcpy(w, h, 2.0, 1);
    else if (bgk == BD_BG_IMAGE)
        c->memcpy_case = add_memcpy(w, h, bpx, 3);
    else if (bgk == BD_BG_TRANSPARENT)
        c->memcpy_case = add_memcpy(w, h, (bpx + 4.0) / 2.0, 2);
    else
        c->memcpy_case = add_memcpy(w, h, bpx, 2);
    return c;
}

/* One pipeline per (thread count, frame size, format), as an application has
 * one per video stream: its background cache holds one frame size and format.
 * Cases with effects (refinement, light wrap) get their own. */
static bd_pipeline *pipes[MAX_CASES];

static bd_pipeline *pipe_for(const bcase *c) {
    int idx = (int)(c - cases);
    if (!c->refine && c->light_wrap == 0.0f)
        for (int i = 0; i < n_cases; i++) {
            const bcase *o = &cases[i];
            if (o->k != K_MEMCPY && o->threads == c->threads && o->w == c->w && o->h == c->h &&
                o->fmt == c->fmt && !o->refine && o->light_wrap == 0.0f) {
                idx = i; /* the first plain case of this size and thread count */
                break;
            }
        }
    if (!pipes[idx]) {
        bd_pipeline_options o;
        bd_pipeline_options_default(&o);
        o.n_threads = c->threads;
        o.refine = c->refine;
        o.light_wrap = c->light_wrap;
        if (bd_pipeline_create_postprocess(&o, &pipes[idx]) != BD_OK) {
            fprintf(stderr, "cannot create a pipeline\n");
            exit(1);
        }
    }
    return pipes[idx];
}

static void run_case(bcase *c) {
    if (c->k == K_MEMCPY) {
        memcpy(copy_dst, copy_src, c->copy_bytes);
        return;
    }
    fixture *f = get_fixture(c->w, c->h, c->fmt);
    bd_pipeline *p = pipe_for(c);
    const bd_image *out = c->bg.kind == BD_BG_TRANSPARENT ? bd_image_view(f->out_rgba)
                                                          : bd_image_view(f->out);
    bd_status st;
    if (c->k == K_MASK)
        st = bd_pipeline_composite_map(p, map, MAP_W, MAP_H, bd_image_view(f->frame), NULL, NULL,
                                       bd_image_view(f->alpha));
    else if (c->k == K_BLEND)
        st = bd_pipeline_composite(p, bd_image_view(f->frame), bd_image_view(f->alpha), &c->bg,
                                   out);
    else
        st = bd_pipeline_composite_map(p, map, MAP_W, MAP_H, bd_image_view(f->frame), &c->bg, out,
                                       NULL);
    if (st != BD_OK) {
        fprintf(stderr, "%s: %s\n", c->name, bd_pipeline_last_error(p));
        exit(1);
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Peer results: "peer NAME WxH t=N: median X ms, min Y ms, memcpy median Z ms". */
typedef struct peer {
    char name[48];
    int w, h, t;
    double med, memcpy_med;
} peer;
static peer peers[64];
static int n_peers;

static void read_peers(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot read %s: peers skipped\n", path);
        return;
    }
    char line[512];
    while (fgets(line, sizeof line, f) && n_peers < 64) {
        peer p;
        double mn;
        if (sscanf(line, "peer %47s %dx%d t=%d: median %lf ms, min %lf ms, memcpy median %lf ms",
                   p.name, &p.w, &p.h, &p.t, &p.med, &mn, &p.memcpy_med) == 7)
            peers[n_peers++] = p;
    }
    fclose(f);
}

static const bcase *find(kind k, int w, int h, bd_pixel_format fmt, bd_background_kind bgk,
                         int radius, int threads, int refine, float lw) {
    for (int i = 0; i < n_cases; i++) {
        const bcase *c = &cases[i];
        if (c->k == k && c->w == w && c->h == h && c->fmt == fmt && c->bg.kind == bgk &&
            c->threads == threads && c->refine == refine && c->light_wrap == lw &&
            (bgk != BD_BG_BLUR || c->bg.blur_radius == radius))
            return c;
    }
    return NULL;
}

static void target(const char *what, double value, double limit, int at_most) {
    const int ok = at_most ? value <= limit : value >= limit;
    printf("target %s: %.2fx (%s %.2fx) %s\n", what, value, at_most ? "<=" : ">=", limit,
           ok ? "PASS" : "FAIL");
}

int main(int argc, char **argv) {
    int runs = 100, warmup = 10, quick = 0;
    const char *peers_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--warmup") && i + 1 < argc) warmup = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--peers") && i + 1 < argc) peers_path = argv[++i];
        else if (!strcmp(argv[i], "--quick")) quick = 1;
        else {
            fprintf(stderr,
                    "usage: bench_composite [--runs N] [--warmup N] [--peers FILE] [--quick]\n");
            return 2;
        }
    }
    if (runs < 1) runs = 1;
    if (peers_path) read_peers(peers_path);
    make_map();
    if (bd_image_alloc(1600, 1000, BD_PIXEL_RGB24, &bg_photo) != BD_OK) return 1;
    fill_rgb(bd_image_view(bg_photo), 50);

    const int sizes[2][2] = {{1280, 720}, {1920, 1080}};
    const bd_pixel_format fmts[] = {BD_PIXEL_BGR24, BD_PIXEL_RGBA32, BD_PIXEL_BGRX32,
                                    BD_PIXEL_YUYV, BD_PIXEL_NV12, BD_PIXEL_I420};
    const int radii[] = {1, 4, 16, 32, 64};
    for (int t = 1; t <= 2; t++) {
        for (int s = 0; s < 2; s++) {
            const int w = sizes[s][0], h = sizes[s][1];
            add_case(K_POST, w, h, t, BD_PIXEL_RGB24, BD_BG_IMAGE, 0);
            if (quick && t == 2) continue;
            add_case(K_MASK, w, h, t, BD_PIXEL_RGB24, BD_BG_IMAGE, 0);
            add_case(K_BLEND, w, h, t, BD_PIXEL_RGB24, BD_BG_IMAGE, 0);
            add_case(K_POST, w, h, t, BD_PIXEL_RGB24, BD_BG_COLOR, 0);
            add_case(K_POST, w, h, t, BD_PIXEL_RGB24, BD_BG_TRANSPARENT, 0);
            for (size_t r = 0; r < sizeof radii / sizeof radii[0]; r++)
                if (!quick || radii[r] == 32)
                    add_case(K_POST, w, h, t, BD_PIXEL_RGB24, BD_BG_BLUR, radii[r]);
            if (t == 1 && !quick)
                for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++)
                    add_case(K_POST, w, h, t, fmts[i], BD_BG_IMAGE, 0);
            if (t == 1) {
                bcase *c = add_case(K_POST, w, h, t, BD_PIXEL_RGB24, BD_BG_IMAGE, 0);
                c->refine = 1;
                strncat(c->name, " refine", sizeof c->name - strlen(c->name) - 1);
                c = add_case(K_POST, w, h, t, BD_PIXEL_RGB24, BD_BG_IMAGE, 0);
                c->light_wrap = 0.5f;
                strncat(c->name, " wrap", sizeof c->name - strlen(c->name) - 1);
            }
        }
    }
    size_t max_copy = 0;
    for (int i = 0; i < n_cases; i++) {
        cases[i].t = malloc(sizeof(double) * (size_t)runs);
        if (!cases[i].t) return 1;
        if (cases[i].copy_bytes > max_copy) max_copy = cases[i].copy_bytes;
    }
    copy_src = malloc(max_copy);
    copy_dst = malloc(max_copy);
    if (!copy_src || !copy_dst) return 1;
    memset(copy_src, 1, max_copy);
    memset(copy_dst, 2, max_copy);

    /* Two groups, each interleaved: the t=1 cases with every memcpy case, then
     * the t=2 cases with the memcpy cases again, so each group has its own
     * same-time baseline (t=2 ratios are still against a one-thread memcpy). */
    int memcpy_idx[MAX_CASES], n_memcpy = 0;
    for (int i = 0; i < n_cases; i++)
        if (cases[i].k == K_MEMCPY) memcpy_idx[n_memcpy++] = i;
    printf("# bench_composite: %s kernels, map %dx%d, %d warm-up + %d runs, median/min\n",
           bd_isa_name(bd_isa_detect()), MAP_W, MAP_H, warmup, runs);
    for (int grp = 0; grp < 4; grp++) {
        /* groups: (t=1, 720p), (t=1, 1080p), (t=2, 720p), (t=2, 1080p): one
         * pool is busy at a time, so idle workers of another pipeline's pool
         * never compete for the two cores */
        const int t = 1 + grp / 2, gw = sizes[grp % 2][0];
        int idx[MAX_CASES], n = 0;
        for (int i = 0; i < n_cases; i++)
            if (cases[i].k != K_MEMCPY && cases[i].threads == t && cases[i].w == gw) idx[n++] = i;
        for (int i = 0; i < n_memcpy; i++)
            if (cases[memcpy_idx[i]].w == gw) idx[n++] = memcpy_idx[i];
        for (int r = 0; r < warmup; r++)
            for (int i = 0; i < n; i++) run_case(&cases[idx[i]]);
        for (int r = 0; r < runs; r++)
            for (int i = 0; i < n; i++) {
                double t0 = now_ms();
                run_case(&cases[idx[i]]);
                cases[idx[i]].t[r] = now_ms() - t0;
            }
        double memcpy_med[MAX_CASES];
        for (int i = 0; i < n; i++) {
            bcase *c = &cases[idx[i]];
            double *sorted = malloc(sizeof(double) * (size_t)runs);
            memcpy(sorted, c->t, sizeof(double) * (size_t)runs);
            qsort(sorted, (size_t)runs, sizeof(double), cmp_double);
            c->min = sorted[0];
            c->med = runs % 2 ? sorted[runs / 2] : 0.5 * (sorted[runs / 2 - 1] + sorted[runs / 2]);
            free(sorted);
            memcpy_med[idx[i]] = c->med;
            if (t == 1) memcpy_t1[idx[i]] = c->med;
        }
        for (int i = 0; i < n; i++) {
            const bcase *c = &cases[idx[i]];
            if (c->k == K_MEMCPY) {
                printf("%s t=%d: median %.3f ms, min %.3f ms, %.1f GB/s\n", c->name, t, c->med,
                       c->min, 2.0 * c->copy_bytes / (c->med * 1e6));
                continue;
            }
            printf("%s: median %.3f ms, min %.3f ms, %.2fx memcpy", c->name, c->med, c->min,
                   c->med / memcpy_med[c->memcpy_case]);
            if (c->k == K_POST && c->fmt == BD_PIXEL_RGB24 && c->bg.kind == BD_BG_IMAGE)
                for (int p = 0; p < n_peers; p++)
                    if (peers[p].w == c->w && peers[p].h == c->h && peers[p].t == c->threads)
                        printf(", %.2fx faster than %s", peers[p].med / c->med, peers[p].name);
            printf("\n");
        }
        fflush(stdout);
    }

    /* Targets (issue 3). */
    for (int s = 0; s < 2; s++) {
        const int w = sizes[s][0], h = sizes[s][1];
        const bcase *img = find(K_POST, w, h, BD_PIXEL_RGB24, BD_BG_IMAGE, 0, 1, 0, 0.0f);
        char what[160];
        if (img && s == 0) {
            snprintf(what, sizeof what, "post %dx%d rgb24 image t=1 vs memcpy", w, h);
            target(what, img->med / memcpy_t1[img->memcpy_case], 1.5, 1);
            double best = 0.0;
            for (int p = 0; p < n_peers; p++)
                if (peers[p].w == w && peers[p].h == h && peers[p].t == 1 &&
                    !strncmp(peers[p].name, "opencv", 6)) {
                    const double r = peers[p].med / img->med;
                    if (best == 0.0 || r < best) best = r; /* the best OpenCV = smallest ratio */
                }
            if (best > 0.0) {
                snprintf(what, sizeof what, "post %dx%d rgb24 image t=1 faster than best opencv",
                         w, h);
                target(what, best, 3.0, 0);
            }
        }
        const bcase *img2 = find(K_POST, w, h, BD_PIXEL_RGB24, BD_BG_IMAGE, 0, 2, 0, 0.0f);
        if (img && img2 && s == 1) {
            snprintf(what, sizeof what, "post %dx%d rgb24 image t=2 speed-up over t=1", w, h);
            target(what, img->med / img2->med, 1.6, 0);
        }
        const bcase *ref = find(K_POST, w, h, BD_PIXEL_RGB24, BD_BG_IMAGE, 0, 1, 1, 0.0f);
        if (img && ref) {
            snprintf(what, sizeof what, "post %dx%d rgb24 image t=1 refine vs plain", w, h);
            target(what, ref->med / img->med, 3.0, 1);
        }
        for (size_t r = 0; img && s == 0 && r < sizeof radii / sizeof radii[0]; r++) {
            const bcase *b = find(K_POST, w, h, BD_PIXEL_RGB24, BD_BG_BLUR, radii[r], 1, 0, 0.0f);
            if (!b) continue;
            snprintf(what, sizeof what, "blur r=%d %dx%d t=1 vs image background", radii[r], w,
                     h);
            target(what, b->med / img->med, 3.0, 1);
        }
    }
    return 0;
}
