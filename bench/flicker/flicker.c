/*
 * flicker.c -- `bench/flicker CLIP [--model M]...`: how much a mask sequence
 * flickers where the picture is still, and how much it moves where the picture
 * moves, for the raw masks (temporal off), the default temporal smoothing and a
 * plain exponential moving average of weight 0.5 (the usual cure), with the
 * ratios to raw. The measure (issue "A mask that does not flicker"):
 *
 *   working size: the frame box-downscaled to 256 px wide (the same for masks)
 *   I_t   the frame as floats in [0, 1]
 *   D_t   max over R, G, B of |box3(I_t) - box3(I_{t-1})| (3x3 box, edges replicated)
 *   static pixels D_t < 8/255; moving pixels D_t >= 16/255
 *   band  pixels whose 5x5 window holds both sides of the RAW mask's 0.5 level,
 *         at t or at t-1
 *   static flicker       mean over frame pairs of the mean |a_t - a_{t-1}| over
 *                        static pixels
 *   moving-edge response |a_t - a_{t-1}| pooled over the moving pixels in the
 *                        band of all pairs
 * Also the cost of the smoother per frame (it works at the model's resolution, so
 * the cost does not depend on the frame size) and, with --reuse, the share of
 * frames whose model run mask reuse skipped.
 *
 * The masks are the video path's: bd_pipeline_mask on every decoded frame, in
 * order, with the options the CLI's video commands use by default.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backdrop.h"
#include "image/image.h" /* bd_temporal, timed on its own */
#include "video_reader.h"

#define WORK_W 256
#define MAX_MODELS 4

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Area (box) downscale of an 8-bit image with c channels to ww x wh floats in [0,1]. */
static void box_down(const uint8_t *src, size_t stride, int w, int h, int c, int ww, int wh,
                     float *dst) {
    for (int y = 0; y < wh; y++) {
        const int y0 = (int)((long)y * h / wh), y1 = (int)((long)(y + 1) * h / wh);
        for (int x = 0; x < ww; x++) {
            const int x0 = (int)((long)x * w / ww), x1 = (int)((long)(x + 1) * w / ww);
            for (int k = 0; k < c; k++) {
                double s = 0;
                for (int yy = y0; yy < (y1 > y0 ? y1 : y0 + 1); yy++)
                    for (int xx = x0; xx < (x1 > x0 ? x1 : x0 + 1); xx++)
                        s += src[(size_t)yy * stride + (size_t)xx * c + k];
                const int n = ((y1 > y0 ? y1 : y0 + 1) - y0) * ((x1 > x0 ? x1 : x0 + 1) - x0);
                dst[((size_t)y * ww + x) * c + k] = (float)(s / (255.0 * n));
            }
        }
    }
}

static void box3(const float *in, float *out, int w, int h, int c) {
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int k = 0; k < c; k++) {
                float s = 0;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        int yy = y + dy < 0 ? 0 : y + dy >= h ? h - 1 : y + dy;
                        int xx = x + dx < 0 ? 0 : x + dx >= w ? w - 1 : x + dx;
                        s += in[((size_t)yy * w + xx) * c + k];
                    }
                out[((size_t)y * w + x) * c + k] = s / 9.0f;
            }
}

/* 1 where the 5x5 window around the pixel holds values on both sides of 0.5. */
static void band_of(const float *a, int w, int h, unsigned char *band) {
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int hi = 0, lo = 0;
            for (int dy = -2; dy <= 2; dy++)
                for (int dx = -2; dx <= 2; dx++) {
                    int yy = y + dy, xx = x + dx;
                    if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                    if (a[(size_t)yy * w + xx] >= 0.5f) hi = 1;
                    else lo = 1;
                }
            band[(size_t)y * w + x] = (unsigned char)(hi && lo);
        }
}

enum { SEQ_RAW, SEQ_SMOOTH, SEQ_EMA, N_SEQ };
static const char *const seq_name[N_SEQ] = {"raw (--temporal off)", "default smoothing",
                                            "EMA 0.5 (reference)"};

typedef struct run {
    const char *model_path;
    bd_model *model;
    bd_pipeline *pl[2]; /* raw, smoothed */
    bd_image_buf *alpha[2];
    float *cur[N_SEQ], *prev[N_SEQ]; /* working-size masks */
    double static_sum[N_SEQ];        /* sum over pairs of per-pair static means */
    double moving_sum[N_SEQ];
    long moving_n, pairs;
    double smooth_ms; /* total extra time of the smoothed pipeline */
    long frames;
} run;

/* The model is loaded for the clip's frame size (fw x fh), which a model with free
 * spatial dims (RVM, MODNet) needs; ratio is RVM's downsample_ratio (0 = auto). */
static int open_run(run *r, const char *path, float strength, int reuse, int threads, int fw,
                    int fh, float ratio) {
    memset(r, 0, sizeof *r);
    r->model_path = path;
    bd_model_options mo;
    bd_model_options_default(&mo);
    mo.frame_width = fw;
    mo.frame_height = fh;
    mo.downsample_ratio = ratio;
    if (bd_model_create(&mo, &r->model) != BD_OK || bd_model_load_file(r->model, path) != BD_OK) {
        fprintf(stderr, "flicker: cannot load '%s': %s\n", path,
                r->model ? bd_model_last_error(r->model) : "out of memory");
        return 0;
    }
    for (int k = 0; k < 2; k++) {
        bd_pipeline_options po;
        bd_pipeline_options_default(&po);
        po.n_threads = threads;
        po.temporal = k;
        po.temporal_strength = strength;
        po.reuse = k ? reuse : 0;
        char why[256] = "";
        po.error_buf = why;
        po.error_buf_size = sizeof why;
        if (bd_pipeline_create(r->model, &po, &r->pl[k]) != BD_OK) {
            fprintf(stderr, "flicker: '%s': %s\n", path, why);
            return 0;
        }
    }
    return 1;
}

static void close_run(run *r) {
    for (int k = 0; k < 2; k++) {
        bd_pipeline_free(r->pl[k]);
        bd_image_free(r->alpha[k]);
    }
    for (int s = 0; s < N_SEQ; s++) {
        free(r->cur[s]);
        free(r->prev[s]);
    }
    bd_model_free(r->model);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The smoother's own cost per frame for a w x h model (input and map of that
 * size): it reads the model input and the map, never the frame, so this is its
 * cost at 720p or any frame size. Warm-up, then min and median of 300 frames of
 * a moving pattern. */
static void time_smoother(int w, int h, int threads) {
    const size_t n_in = (size_t)w * h * 3, n_map = (size_t)w * h;
    float *in = malloc(n_in * sizeof *in), *map = malloc(n_map * sizeof *map);
    const float std[3] = {1, 1, 1};
    bd_threadpool *pool = NULL;
    if (threads > 1 && bd_threadpool_create(threads, &pool) != BD_OK) pool = NULL;
    bd_temporal *t = bd_temporal_create(w, h, 0, std, w, h, 0.8f, BD_ISA_AUTO, pool);
    double ms[300];
    if (!in || !map || !t || (threads > 1 && !pool)) goto done;
    for (int f = 0; f < 320; f++) {
        for (size_t i = 0; i < n_in; i++) in[i] = (float)(((i * 7 + (size_t)f * 3) % 256) / 255.0);
        for (size_t i = 0; i < n_map; i++) map[i] = (float)((i + (size_t)f) % 97) / 96.0f;
        double t0 = now_ms();
        if (!bd_temporal_can_reuse(t, in, 1)) bd_temporal_update(t, in, map, 0, 1);
        double t1 = now_ms();
        if (f >= 20) ms[f - 20] = t1 - t0;
    }
    qsort(ms, 300, sizeof *ms, cmp_double);
    printf("smoother alone, %dx%d model (any frame size), %d thread%s: min %.3f ms, median %.3f ms "
           "per frame\n",
           w, h, threads, threads > 1 ? "s" : "", ms[0], 0.5 * (ms[149] + ms[150]));
done:
    bd_temporal_free(t);
    bd_threadpool_free(pool);
    free(in);
    free(map);
}

int main(int argc, char **argv) {
    const char *clip = NULL, *models[MAX_MODELS];
    int n_models = 0, reuse = 0, threads = 1, max_frames = 0, strip_start = -1;
    const char *strip_path = NULL;
    float strength = 0.0f, ratio = 0.0f;
    int smoother_only = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--model") && i + 1 < argc && n_models < MAX_MODELS)
            models[n_models++] = argv[++i];
        else if (!strcmp(argv[i], "--strength") && i + 1 < argc)
            strength = strtof(argv[++i], NULL);
        else if (!strcmp(argv[i], "--downsample-ratio") && i + 1 < argc)
            ratio = strtof(argv[++i], NULL);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--frames") && i + 1 < argc)
            max_frames = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--strip") && i + 2 < argc) {
            strip_start = atoi(argv[++i]);
            strip_path = argv[++i];
        } else if (!strcmp(argv[i], "--reuse"))
            reuse = 1;
        else if (!strcmp(argv[i], "--smoother-only"))
            smoother_only = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            puts("Usage: flicker CLIP [--model M]... [--strength S] [--reuse] [--threads N] "
                 "[--frames N]\n       [--downsample-ratio R]  RVM's (default: automatic)\n       [--strip FIRST OUT.png]  six consecutive masks from frame FIRST (from 1): "
                 "raw above, smoothed below (first model)\n(default models: models/selfie_segmentation.tflite and "
                 "models/selfie_segmentation_landscape.tflite)\n       flicker --smoother-only [--threads N]   the "
                 "smoother's own cost per frame at 1..N threads, nothing else");
            return 0;
        } else if (argv[i][0] != '-' && !clip)
            clip = argv[i];
        else {
            fprintf(stderr, "flicker: unknown argument '%s' (try --help)\n", argv[i]);
            return 2;
        }
    }
    if (smoother_only) { /* 1 .. --threads threads */
        for (int k = 1; k <= threads; k++) {
            time_smoother(256, 256, k);
            time_smoother(256, 144, k);
            time_smoother(1280, 720, k); /* RVM: its map is the frame's size */
        }
        return 0;
    }
    if (!clip) {
        fprintf(stderr, "flicker: no CLIP given (try --help)\n");
        return 2;
    }
    if (!n_models) {
        models[n_models++] = "models/selfie_segmentation.tflite";
        models[n_models++] = "models/selfie_segmentation_landscape.tflite";
    }
    run runs[MAX_MODELS];
    int ok = 1, opened = 0;
    char err[512];
    cli_video *v = NULL;
    if (ok && !cli_video_open(clip, &v, err, sizeof err)) {
        fprintf(stderr, "flicker: %s\n", err);
        ok = 0;
    }
    float *I = NULL, *Ib = NULL, *Ibp = NULL, *D = NULL;
    bd_image_buf *strip = NULL; /* 6 frames x 2 rows of masks at half size */
    unsigned char *band = NULL, *band_prev = NULL;
    int ww = 0, wh = 0, fw = 0, fh = 0;
    long t = 0;
    bd_image f;
    int rc;
    while (ok && (rc = cli_video_next(v, &f, err, sizeof err)) == 1) {
        if (max_frames && t >= max_frames) break;
        if (t == 0) {
            fw = f.width, fh = f.height;
            for (int m = 0; m < n_models && ok; m++, opened++)
                ok = open_run(&runs[m], models[m], strength, reuse, threads, fw, fh, ratio);
            if (!ok) break;
            ww = WORK_W < fw ? WORK_W : fw;
            wh = (int)lround((double)fh * ww / fw);
            if (wh < 1) wh = 1;
            const size_t n = (size_t)ww * wh;
            I = malloc(n * 3 * sizeof *I), Ib = malloc(n * 3 * sizeof *Ib);
            Ibp = malloc(n * 3 * sizeof *Ibp), D = malloc(n * sizeof *D);
            band = malloc(n), band_prev = malloc(n);
            for (int m = 0; m < n_models; m++)
                for (int s = 0; s < N_SEQ; s++) {
                    runs[m].cur[s] = malloc(n * sizeof(float));
                    runs[m].prev[s] = malloc(n * sizeof(float));
                }
            for (int m = 0; m < n_models; m++)
                for (int k = 0; k < 2; k++)
                    if (bd_image_alloc(fw, fh, BD_PIXEL_GRAY8, &runs[m].alpha[k]) != BD_OK) ok = 0;
            if (!ok || !I || !Ib || !Ibp || !D || !band || !band_prev) {
                fprintf(stderr, "flicker: out of memory\n");
                ok = 0;
                break;
            }
        } else if (f.width != fw || f.height != fh) {
            fprintf(stderr, "flicker: the frame size changed at frame %ld\n", t + 1);
            ok = 0;
            break;
        }
        const size_t n = (size_t)ww * wh;
        box_down(f.data, f.stride_bytes, fw, fh, 3, ww, wh, I);
        box3(I, Ib, ww, wh, 3);
        if (t > 0)
            for (size_t i = 0; i < n; i++) {
                float d = 0;
                for (int k = 0; k < 3; k++) {
                    float e = fabsf(Ib[3 * i + k] - Ibp[3 * i + k]);
                    d = e > d ? e : d;
                }
                D[i] = d;
            }
        for (int m = 0; m < n_models; m++) {
            run *r = &runs[m];
            double t0 = now_ms();
            bd_status st = bd_pipeline_mask(r->pl[0], &f, bd_image_view(r->alpha[0]));
            double t1 = now_ms();
            if (st == BD_OK) st = bd_pipeline_mask(r->pl[1], &f, bd_image_view(r->alpha[1]));
            double t2 = now_ms();
            if (st != BD_OK) {
                fprintf(stderr, "flicker: frame %ld: %s\n", t + 1, bd_pipeline_last_error(r->pl[0]));
                ok = 0;
                break;
            }
            r->smooth_ms += (t2 - t1) - (t1 - t0);
            if (m == 0 && strip_path && t + 1 >= strip_start && t + 1 < strip_start + 6) {
                const int sw = fw / 2, sh = fh / 2;
                if (!strip && bd_image_alloc(6 * sw + 5 * 4, 2 * sh + 4, BD_PIXEL_GRAY8, &strip))
                    strip = NULL;
                if (strip) {
                    const bd_image *sv = bd_image_view(strip);
                    const int col = (int)(t + 1 - strip_start);
                    for (int k = 0; k < 2; k++) {
                        const bd_image *a = bd_image_view(r->alpha[k]);
                        for (int y = 0; y < sh; y++)
                            for (int x = 0; x < sw; x++)
                                sv->data[(size_t)(k * (sh + 4) + y) * sv->stride_bytes +
                                         (size_t)(col * (sw + 4) + x)] =
                                    a->data[(size_t)(2 * y) * a->stride_bytes + 2 * (size_t)x];
                    }
                }
            }
            r->frames++;
            for (int s = 0; s < N_SEQ; s++) {
                float *tmp = r->prev[s];
                r->prev[s] = r->cur[s];
                r->cur[s] = tmp;
            }
            for (int k = 0; k < 2; k++) {
                const bd_image *a = bd_image_view(r->alpha[k]);
                box_down(a->data, a->stride_bytes, fw, fh, 1, ww, wh, r->cur[k]);
            }
            /* EMA of the raw masks, weight 0.5, at full resolution = at the working
             * size (the box downscale is linear) */
            for (size_t i = 0; i < n; i++)
                r->cur[SEQ_EMA][i] =
                    t == 0 ? r->cur[SEQ_RAW][i]
                           : 0.5f * r->cur[SEQ_RAW][i] + 0.5f * r->prev[SEQ_EMA][i];
            if (t == 0) continue;
            band_of(r->cur[SEQ_RAW], ww, wh, band);
            band_of(r->prev[SEQ_RAW], ww, wh, band_prev);
            double ssum[N_SEQ] = {0};
            long sn = 0;
            for (size_t i = 0; i < n; i++) {
                const int stat = D[i] < 8.0f / 255.0f;
                const int mov = D[i] >= 16.0f / 255.0f && (band[i] || band_prev[i]);
                sn += stat;
                r->moving_n += mov;
                for (int s = 0; s < N_SEQ; s++) {
                    const float d = fabsf(r->cur[s][i] - r->prev[s][i]);
                    if (stat) ssum[s] += d;
                    if (mov) r->moving_sum[s] += d;
                }
            }
            if (sn > 0) {
                for (int s = 0; s < N_SEQ; s++) r->static_sum[s] += ssum[s] / (double)sn;
                r->pairs++;
            }
        }
        float *tmp = Ibp;
        Ibp = Ib;
        Ib = tmp;
        t++;
    }
    if (ok && rc < 0) {
        fprintf(stderr, "flicker: %s\n", err);
        ok = 0;
    }
    if (ok) {
        time_smoother(256, 256, 1);
        time_smoother(256, 144, 1);
        printf("clip %s: %ld frames, %dx%d (measured at %dx%d)\n", clip, t, fw, fh, ww, wh);
        for (int m = 0; m < n_models; m++) {
            run *r = &runs[m];
            printf("\nmodel %s (%ld frame pairs with static pixels, %ld moving band pixels)\n",
                   r->model_path, r->pairs, r->moving_n);
            printf("  %-22s %16s %10s %20s %10s\n", "masks", "static flicker", "vs raw",
                   "moving-edge response", "vs raw");
            double s0 = r->pairs ? r->static_sum[0] / r->pairs : 0;
            double m0 = r->moving_n ? r->moving_sum[0] / r->moving_n : 0;
            for (int s = 0; s < N_SEQ; s++) {
                double sf = r->pairs ? r->static_sum[s] / r->pairs : 0;
                double mr = r->moving_n ? r->moving_sum[s] / r->moving_n : 0;
                printf("  %-22s %16.5f %9.2fx %20.4f %9.2fx\n", seq_name[s], sf,
                       s0 > 0 ? sf / s0 : 0, mr, m0 > 0 ? mr / m0 : 0);
            }
            bd_pipeline_stats ps = {.struct_size = sizeof ps};
            bd_pipeline_get_stats(r->pl[1], &ps);
            printf("  smoothed pipeline minus raw pipeline: %+.3f ms per frame (mean over %ld "
                   "frames; noisy, see the smoother alone above)\n",
                   r->frames ? r->smooth_ms / r->frames : 0.0, r->frames);
            if (reuse)
                printf("  mask reuse: %lld of %lld frames skipped the model (%.1f%%)\n",
                       (long long)ps.reused, (long long)ps.frames,
                       ps.frames ? 100.0 * (double)ps.reused / (double)ps.frames : 0.0);
        }
    }
    if (ok && strip) {
        char e2[256];
        if (bd_image_write_file(strip_path, bd_image_view(strip), 0, e2, sizeof e2) != BD_OK) {
            fprintf(stderr, "flicker: %s\n", e2);
            ok = 0;
        } else {
            printf("wrote %s: masks of frames %d..%d, raw (top) and smoothed (bottom)\n",
                   strip_path, strip_start, strip_start + 5);
        }
    }
    bd_image_free(strip);
    cli_video_free(v);
    for (int m = 0; m < opened; m++) close_run(&runs[m]);
    free(I);
    free(Ib);
    free(Ibp);
    free(D);
    free(band);
    free(band_prev);
    return ok ? 0 : 1;
}
