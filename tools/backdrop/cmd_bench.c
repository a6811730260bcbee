/*
 * cmd_bench.c -- `backdrop bench`: the seed's benchmark method for a model.
 *
 * Fixed input (the model's own size, a deterministic pattern), warm-up runs,
 * then min and median over N timed runs of bd_session_run (which returns only
 * when every thread is done). Prints the arena size, the machine's measured peak
 * FMA rate, a script-readable summary line
 *   MODEL HxW t=N: min X ms, median Y ms, Z GMAC/s, P% of peak
 * (GMAC/s and the share of peak from the median), and with --profile a per-op
 * table: time per run, share, achieved GMAC/s. --frame WxH adds the live-video
 * case: a WxH RGB frame in, a composited WxH frame out (bench_frame).
 */
#define _POSIX_C_SOURCE 200809L

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *const bench_help =
    "Usage: backdrop bench [MODEL] [OPTIONS]\n"
    "Time a model: warm-up runs, then min and median of N runs.\n"
    "\n"
    "Options:\n"
    "      --model PATH    the model (or give it as MODEL); default as for replace\n"
    "      --threads N     worker threads (1..256; default 1)\n"
    "      --runs N        timed runs (default 100)\n"
    "      --warmup N      warm-up runs (default 10)\n"
    "      --isa LEVEL     cap the kernels: ref, scalar, avx2, avx512 (default: best)\n"
    "      --precision P   fp32 (default); fp16: convolution weights stored as FP16\n"
    "                      (needs F16C: avx2 or avx512 kernels); bf16: dense\n"
    "                      convolutions with bfloat16 weights and activations (needs\n"
    "                      avx512 kernels and AVX512_BF16); auto: bf16 where a timing\n"
    "                      at load finds it faster on this CPU, else fp32; int8: dense\n"
    "                      convolutions with s8 weights and u8 activations (needs\n"
    "                      avx512 kernels and AVX512_VNNI). Unavailable: FP32 with a note\n"
    "      --fp16          the same as --precision fp16\n"
    "      --conv ALGO     auto (default): 3x3 stride-1 fp32 convolutions as Winograd\n"
    "                      F(4x4, 3x3) where it gains (avx2, avx512 kernels); direct:\n"
    "                      every convolution direct. GMAC/s and %% of peak count the\n"
    "                      direct convolution's multiply-adds either way\n"
    "      --profile       print the time of every compiled op\n"
    "      --input-size WxH  size of a free-size model's input (default: for the\n"
    "                      --frame size, else 512x512, by the model's rule)\n"
    "      --downsample-ratio R  RVM's internal scale (default: automatic)\n"
    "      --frame WxH     also time the video case: a WxH RGB frame -> mask ->\n"
    "                      composite over an image background, stage by stage\n"
    "      --frame-format F  the frame's pixel format: rgb (default), i420, nv12, yuy2\n"
    "                      (what decoders and cameras deliver; composited in place)\n"
    "  -b, --background BG   the frame case's background: image (default: a still\n"
    "                      frame-sized picture), blur, blur:RADIUS, color:#rrggbb\n"
    "      --temporal on|off  temporal smoothing in the frame case (default off;\n"
    "                      on is what video and cam do)\n"
    "  -h, --help          print this help\n";

enum { OPT_RUNS = 0x200, OPT_WARMUP, OPT_ISA, OPT_PROFILE, OPT_FRAME, OPT_FP16, OPT_PRECISION,
       OPT_FRAME_FORMAT, OPT_TEMPORAL, OPT_INPUT_SIZE, OPT_RATIO, OPT_CONV };

/* The frame case's set-up beyond its size. */
typedef struct frame_case {
    bd_pixel_format format;
    bd_background_kind bg_kind; /* BD_BG_IMAGE, BD_BG_BLUR or BD_BG_COLOR */
    int blur_radius;
    uint8_t color[3];
    int temporal;
} frame_case;

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : (x > y ? 1 : 0);
}

/* Sorts t[0..n) and returns min and median. */
static void stats(double *t, int n, double *min, double *median) {
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    *min = t[0];
    *median = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

static void cpu_name(char *buf, size_t size) {
    snprintf(buf, size, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *c = strchr(line, ':');
            if (c) {
                c += 2;
                c[strcspn(c, "\n")] = '\0';
                snprintf(buf, size, "%s", c);
            }
            break;
        }
    }
    fclose(f);
}

static const char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static void print_profile(bd_session *s, double median_ms) {
    int n = bd_session_n_ops(s);
    double total = 0;
    bd_op_profile p;
    for (int i = 0; i < n; i++)
        if (bd_session_op_profile(s, i, &p) == BD_OK) total += p.total_ms;
    printf("\n%4s %5s  %-28s %10s %9s %6s %8s\n", "#", "src", "op", "MACs", "ms/run", "share",
           "GMAC/s");
    for (int i = 0; i < n; i++) {
        if (bd_session_op_profile(s, i, &p) != BD_OK || p.runs == 0) continue;
        char name[64];
        snprintf(name, sizeof name, "%s%s%s%s", p.op, p.act[0] ? "+" : "", p.act,
                 p.residual ? "+residual" : "");
        double ms = p.total_ms / (double)p.runs;
        printf("%4d %5d  %-28s %10lld %9.4f %5.1f%% %8.2f\n", i, p.src_index, name,
               (long long)p.macs, ms, total > 0 ? 100.0 * p.total_ms / total : 0.0,
               ms > 0 ? (double)p.macs / (ms * 1e6) : 0.0);
    }
    printf("profiled sum %.3f ms/run (median run %.3f ms; the difference is clock overhead)\n",
           total / (double)(p.runs ? p.runs : 1), median_ms);
}

/* The live-video case. Times, interleaved in each round:
 *   model    bd_session_run alone on the model input (for the stage split)
 *   replace  bd_pipeline_replace: preprocess + model + fused upsample/composite,
 *            the path a video filter uses (no full-resolution alpha is stored)
 *   mask     bd_pipeline_mask: preprocess + model + upsampled alpha written out
 *   compose  bd_pipeline_composite from that alpha
 * preprocess + post-process = replace - model. */
static const char *format_label(bd_pixel_format f) {
    switch (f) {
    case BD_PIXEL_I420: return "i420";
    case BD_PIXEL_NV12: return "nv12";
    case BD_PIXEL_YUYV: return "yuy2";
    default: return "rgb24";
    }
}

/* A YUV frame with the same picture as the RGB one (BT.601 limited range, as
 * cameras and decoders give it): luma and chroma from the RGB pixels. */
static void fill_yuv(const bd_image *rgb, const bd_image *yuv) {
    const int w = rgb->width, h = rgb->height;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const uint8_t *p = rgb->data + (size_t)y * rgb->stride_bytes + 3 * (size_t)x;
            const int r = p[0], g = p[1], b = p[2];
            const int Y = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16;
            const int U = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128;
            const int V = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128;
            switch (yuv->format) {
            case BD_PIXEL_YUYV: {
                uint8_t *q = yuv->data + (size_t)y * yuv->stride_bytes + 4 * (size_t)(x / 2);
                q[(x & 1) * 2] = (uint8_t)Y;
                if (!(x & 1)) q[1] = (uint8_t)U, q[3] = (uint8_t)V;
                break;
            }
            default:
                yuv->data[(size_t)y * yuv->stride_bytes + (size_t)x] = (uint8_t)Y;
                if (!(x & 1) && !(y & 1)) {
                    const size_t cy = (size_t)(y / 2), cx = (size_t)(x / 2);
                    if (yuv->format == BD_PIXEL_NV12) {
                        uint8_t *q = yuv->plane[0] + cy * yuv->plane_stride_bytes[0] + 2 * cx;
                        q[0] = (uint8_t)U, q[1] = (uint8_t)V;
                    } else {
                        yuv->plane[0][cy * yuv->plane_stride_bytes[0] + cx] = (uint8_t)U;
                        yuv->plane[1][cy * yuv->plane_stride_bytes[1] + cx] = (uint8_t)V;
                    }
                }
            }
        }
}

static int bench_frame(bd_model *m, bd_session *s, int threads, int w, int h, int warmup,
                       int runs, const frame_case *fc) {
    const bd_pixel_format ff = fc->format;
    int rc = CLI_EXIT_FAIL;
    bd_pipeline *pl = NULL;
    bd_image_buf *frame = NULL, *bg = NULL, *alpha = NULL, *out = NULL;
    double *t[4] = {NULL, NULL, NULL, NULL};
    char why[256] = "";
    bd_pipeline_options po;
    bd_pipeline_options_default(&po);
    po.n_threads = threads;
    po.temporal = fc->temporal;
    po.error_buf = why;
    po.error_buf_size = sizeof why;
    for (int k = 0; k < 4; k++) t[k] = malloc(sizeof(double) * (size_t)runs);
    if (!t[0] || !t[1] || !t[2] || !t[3] || bd_pipeline_create(m, &po, &pl) != BD_OK ||
        bd_image_alloc(w, h, BD_PIXEL_RGB24, &frame) || bd_image_alloc(w, h, BD_PIXEL_RGB24, &bg) ||
        bd_image_alloc(w, h, BD_PIXEL_GRAY8, &alpha) || bd_image_alloc(w, h, ff, &out)) {
        cli_error("cannot set up the %dx%d frame benchmark%s%s", w, h, why[0] ? ": " : "", why);
        goto done;
    }
    /* A deterministic frame: a bright disc (a "person") on a gradient. */
    const bd_image *f = bd_image_view(frame), *b = bd_image_view(bg);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *p = f->data + (size_t)y * f->stride_bytes + 3 * (size_t)x;
            uint8_t *q = b->data + (size_t)y * b->stride_bytes + 3 * (size_t)x;
            long dx = x - w / 2, dy = y - h / 2;
            int in = dx * dx + dy * dy < (long)(h / 3) * (h / 3);
            p[0] = (uint8_t)(in ? 220 : x * 255 / w);
            p[1] = (uint8_t)(in ? 180 : y * 255 / h);
            p[2] = (uint8_t)(in ? 150 : 90);
            q[0] = (uint8_t)(x ^ y);
            q[1] = (uint8_t)(x + y);
            q[2] = (uint8_t)y;
        }
    /* A still background, as a video app has: image_version tells the pipeline it
     * has not changed, so its cover-scaled copy is reused without re-hashing. */
    bd_background back = {.kind = BD_BG_IMAGE, .image = b, .image_version = 1};
    if (fc->bg_kind != BD_BG_IMAGE) {
        back = (bd_background){.kind = fc->bg_kind, .blur_radius = fc->blur_radius};
        memcpy(back.color, fc->color, sizeof back.color);
    }
    const int yuv = ff != BD_PIXEL_RGB24;
    if (yuv) {
        /* the YUV frame is composited in place, as the GStreamer element does it */
        fill_yuv(f, bd_image_view(out));
        f = bd_image_view(out);
    }
    for (int r = 0; r < warmup + runs; r++) {
        double t0 = cli_now_ms();
        if (bd_session_run(s) != BD_OK) goto fail;
        double t1 = cli_now_ms();
        if (bd_pipeline_replace(pl, f, &back, bd_image_view(out)) != BD_OK) goto fail;
        double t2 = cli_now_ms();
        /* the unfused stages take packed RGB frames only */
        if (!yuv && bd_pipeline_mask(pl, f, bd_image_view(alpha)) != BD_OK) goto fail;
        double t3 = cli_now_ms();
        if (!yuv && bd_pipeline_composite(pl, f, bd_image_view(alpha), &back, bd_image_view(out)))
            goto fail;
        double t4 = cli_now_ms();
        if (r >= warmup) {
            t[0][r - warmup] = t1 - t0;
            t[1][r - warmup] = t2 - t1;
            t[2][r - warmup] = t3 - t2;
            t[3][r - warmup] = t4 - t3;
        }
    }
    double mn[4], md[4];
    for (int k = 0; k < 4; k++) stats(t[k], runs, &mn[k], &md[k]);
    const char *fl = format_label(ff);
    printf("frame %dx%d %s t=%d: background %s, temporal smoothing %s\n", w, h, fl, threads,
           fc->bg_kind == BD_BG_BLUR ? "blur" : fc->bg_kind == BD_BG_COLOR ? "color" : "image",
           fc->temporal ? "on" : "off");
    printf("frame %dx%d %s t=%d: replace (frame in, composite out) min %.3f ms, median "
           "%.3f ms\n",
           w, h, fl, threads, mn[1], md[1]);
    printf("frame %dx%d %s t=%d:   of which model %.3f ms (median), preprocess + fused "
           "upsample/composite %.3f ms\n",
           w, h, fl, threads, md[0], md[1] - md[0]);
    if (!yuv)
        printf("frame %dx%d %s t=%d: unfused: mask %.3f ms + composite %.3f ms (medians)\n", w,
               h, fl, threads, md[2], md[3]);
    rc = CLI_EXIT_OK;
    goto done;
fail:
    cli_error("%s", bd_pipeline_last_error(pl));
done:
    for (int k = 0; k < 4; k++) free(t[k]);
    bd_image_free(frame);
    bd_image_free(bg);
    bd_image_free(alpha);
    bd_image_free(out);
    bd_pipeline_free(pl);
    return rc;
}

int cli_cmd_bench(int argc, char **argv) {
    static const struct option longopts[] = {
        {"model", required_argument, NULL, CLI_OPT_MODEL},
        {"threads", required_argument, NULL, CLI_OPT_THREADS},
        {"runs", required_argument, NULL, OPT_RUNS},
        {"warmup", required_argument, NULL, OPT_WARMUP},
        {"isa", required_argument, NULL, OPT_ISA},
        {"profile", no_argument, NULL, OPT_PROFILE},
        {"frame", required_argument, NULL, OPT_FRAME},
        {"fp16", no_argument, NULL, OPT_FP16},
        {"precision", required_argument, NULL, OPT_PRECISION},
        {"frame-format", required_argument, NULL, OPT_FRAME_FORMAT},
        {"background", required_argument, NULL, 'b'},
        {"temporal", required_argument, NULL, OPT_TEMPORAL},
        {"input-size", required_argument, NULL, OPT_INPUT_SIZE},
        {"downsample-ratio", required_argument, NULL, OPT_RATIO},
        {"conv", required_argument, NULL, OPT_CONV},
        {"help", no_argument, NULL, CLI_OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = "bench", *model_opt = NULL;
    int threads = 1, runs = 100, warmup = 10, profile = 0, fw = 0, fh = 0;
    cli_precision prec = CLI_PREC_FP32;
    int iw = 0, ih = 0;
    float ratio = 0.0f;
    bd_isa isa = BD_ISA_AUTO;
    bd_conv_algo algo = BD_CONV_ALGO_AUTO;
    frame_case fc = {.format = BD_PIXEL_RGB24, .bg_kind = BD_BG_IMAGE};
    int opt;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":hb:", longopts, NULL)) != -1) {
        switch (opt) {
        case CLI_OPT_MODEL: model_opt = optarg; break;
        case CLI_OPT_THREADS:
            if (!cli_parse_int(cmd, "--threads", optarg, 1, 256, &threads)) return CLI_EXIT_USAGE;
            break;
        case OPT_RUNS:
            if (!cli_parse_int(cmd, "--runs", optarg, 1, 1000000, &runs)) return CLI_EXIT_USAGE;
            break;
        case OPT_WARMUP:
            if (!cli_parse_int(cmd, "--warmup", optarg, 0, 1000000, &warmup))
                return CLI_EXIT_USAGE;
            break;
        case OPT_ISA: {
            static const char *const names[] = {"ref", "scalar", "avx2", "avx512"};
            static const bd_isa levels[] = {BD_ISA_REF, BD_ISA_SCALAR, BD_ISA_AVX2,
                                            BD_ISA_AVX512};
            isa = BD_ISA_AUTO;
            for (int i = 0; i < 4; i++)
                if (strcmp(optarg, names[i]) == 0) isa = levels[i];
            if (isa == BD_ISA_AUTO)
                return cli_usage_error(cmd, "unknown ISA level '%s' (ref, scalar, avx2, avx512)",
                                       optarg);
            break;
        }
        case OPT_PROFILE: profile = 1; break;
        case OPT_CONV:
            if (strcmp(optarg, "auto") == 0) algo = BD_CONV_ALGO_AUTO;
            else if (strcmp(optarg, "direct") == 0) algo = BD_CONV_ALGO_DIRECT;
            else return cli_usage_error(cmd, "unknown --conv '%s' (auto, direct)", optarg);
            break;
        case OPT_FP16: prec = CLI_PREC_FP16; break;
        case OPT_PRECISION:
            if (!cli_parse_precision(cmd, optarg, &prec)) return CLI_EXIT_USAGE;
            break;
        case OPT_FRAME:
            if (!cli_parse_size(cmd, "--frame", optarg, &fw, &fh)) return CLI_EXIT_USAGE;
            break;
        case OPT_INPUT_SIZE:
            if (!cli_parse_size(cmd, "--input-size", optarg, &iw, &ih)) return CLI_EXIT_USAGE;
            break;
        case OPT_RATIO:
            if (!cli_parse_float(cmd, "--downsample-ratio", optarg, 0.001, 1.0, &ratio))
                return CLI_EXIT_USAGE;
            break;
        case OPT_FRAME_FORMAT:
            if (strcmp(optarg, "rgb") == 0) fc.format = BD_PIXEL_RGB24;
            else if (strcmp(optarg, "i420") == 0) fc.format = BD_PIXEL_I420;
            else if (strcmp(optarg, "nv12") == 0) fc.format = BD_PIXEL_NV12;
            else if (strcmp(optarg, "yuy2") == 0) fc.format = BD_PIXEL_YUYV;
            else
                return cli_usage_error(cmd, "unknown frame format '%s' (rgb, i420, nv12, yuy2)",
                                       optarg);
            break;
        case 'b': {
            if (strcmp(optarg, "image") == 0) { /* the synthetic still picture */
                fc.bg_kind = BD_BG_IMAGE;
                break;
            }
            bd_background bg;
            const char *path;
            if (cli_parse_background(cmd, optarg, &bg, &path) != CLI_EXIT_OK)
                return CLI_EXIT_USAGE;
            if (bg.kind == BD_BG_IMAGE || bg.kind == BD_BG_TRANSPARENT)
                return cli_usage_error(
                    cmd, "unknown background '%s' (image, blur, blur:RADIUS, color:#rrggbb)", optarg);
            fc.bg_kind = bg.kind;
            fc.blur_radius = bg.blur_radius;
            memcpy(fc.color, bg.color, sizeof fc.color);
            break;
        }
        case OPT_TEMPORAL:
            if (strcmp(optarg, "on") == 0) fc.temporal = 1;
            else if (strcmp(optarg, "off") == 0) fc.temporal = 0;
            else return cli_usage_error(cmd, "--temporal takes on or off, not '%s'", optarg);
            break;
        case 'h':
        case CLI_OPT_HELP: fputs(bench_help, stdout); return CLI_EXIT_OK;
        default: return cli_getopt_error(cmd, opt, argv);
        }
    }
    if (optind < argc) {
        if (model_opt || optind + 1 < argc)
            return cli_usage_error(cmd, "expected at most one MODEL");
        model_opt = argv[optind];
    }
    const char *path = cli_resolve_model(model_opt);
    if (!path) return CLI_EXIT_FAIL;

    int rc = CLI_EXIT_FAIL;
    bd_model *m = NULL;
    bd_session *s = NULL;
    double *t = malloc(sizeof(double) * (size_t)runs);
    bd_model_options mo;
    bd_model_options_default(&mo);
    mo.isa = isa;
    mo.precision = cli_precision_request(prec);
    mo.input_width = iw;
    mo.input_height = ih;
    mo.frame_width = fw > 0 ? fw : CLI_FREE_DIM_DEFAULT;
    mo.frame_height = fh > 0 ? fh : CLI_FREE_DIM_DEFAULT;
    mo.downsample_ratio = ratio;
    mo.conv_algo = algo;
    if (!t || bd_model_create(&mo, &m) != BD_OK) {
        cli_error("out of memory");
        goto done;
    }
    if (bd_model_load_file(m, path) != BD_OK) {
        cli_error("%s", bd_model_last_error(m));
        goto done;
    }
    bd_session_options so;
    bd_session_options_default(&so);
    so.n_threads = threads;
    bd_tensor_info in_info;
    float *in;
    size_t n_in;
    if (bd_session_create(m, &so, &s) != BD_OK || bd_session_input(s, 0, &in, &n_in) != BD_OK ||
        bd_model_input_info(m, 0, &in_info) != BD_OK) {
        cli_error("cannot create a session for '%s'", path);
        goto done;
    }
    for (size_t i = 0; i < n_in; i++) in[i] = (float)((i * 7919) % 256) / 255.0f;
    bd_model_stats st = {.struct_size = sizeof st};
    bd_model_get_stats(m, &st);
    double peak = 0;
    bd_measure_peak_gmacs(BD_ISA_AUTO, &peak); /* the hardware's bound, whatever --isa says */
    char cpu[128];
    cpu_name(cpu, sizeof cpu);
    printf("model %s: %.1f M MACs, %d ops compiled (%d in the file), arena %.2f MiB\n",
           base_name(path), (double)st.n_macs / 1e6, st.n_ops_compiled, st.n_ops_imported,
           (double)st.arena_bytes / (1024.0 * 1024.0));
    printf("machine: %s; kernels %s; measured peak %.1f GMAC/s per core (%s FMA loop)\n", cpu,
           bd_isa_name(st.isa), peak, bd_isa_name(bd_isa_detect()));
    /* BF16 / INT8 ran: their instruction's own peak too (vdpbf16ps, vpdpbusd) */
    double peak_prec = 0;
    const bool reduced = st.precision == BD_PRECISION_BF16 || st.precision == BD_PRECISION_INT8;
    if (reduced && bd_measure_peak_gmacs_precision(BD_ISA_AUTO, st.precision, &peak_prec) == BD_OK)
        printf("machine: measured %s peak %.1f GMAC/s per core (%s loop)\n",
               cli_precision_name(st.precision), peak_prec,
               st.precision == BD_PRECISION_BF16 ? "vdpbf16ps" : "vpdpbusd");
    printf("compiler: %s\n", __VERSION__);
    const char *note = st.precision_note;
    printf("weights: %s, %.1f KiB read by the kernels, %d ops with FP16 weights, %d ops in "
           "BF16, %d ops in INT8, %d ops Winograd%s%s\n",
           cli_precision_name(st.precision), (double)st.weight_bytes / 1024.0, st.n_ops_fp16,
           st.n_ops_bf16, st.n_ops_int8, st.n_ops_winograd, note[0] ? "; note: " : "", note);
    printf("precision: %s ran (requested %s)\n", cli_precision_name(st.precision),
           prec == CLI_PREC_AUTO ? "auto" : cli_precision_name(mo.precision));
    for (int r = 0; r < warmup; r++) bd_session_run(s);
    for (int r = 0; r < runs; r++) {
        double t0 = cli_now_ms();
        bd_session_run(s);
        t[r] = cli_now_ms() - t0;
    }
    double tmin, tmed;
    stats(t, runs, &tmin, &tmed);
    int h = in_info.n_dims == 4 ? (int)in_info.dims[1] : 0;
    int w = in_info.n_dims == 4 ? (int)in_info.dims[2] : 0;
    bd_model_conventions conv = {.struct_size = sizeof conv};
    if (bd_model_conventions_infer(m, &conv, NULL, 0) == BD_OK && conv.input_w > 0)
        w = conv.input_w, h = conv.input_h; /* NCHW models too */
    double gmacs = (double)st.n_macs / (tmed * 1e6);
    printf("%s %dx%d t=%d: min %.3f ms, median %.3f ms, %.1f GMAC/s, %.0f%% of peak",
           base_name(path), w, h, threads, tmin, tmed, gmacs,
           peak > 0 ? 100.0 * gmacs / (peak * threads) : 0.0);
    if (peak_prec > 0) /* the share of the reduced precision's own bound */
        printf(" (%.0f%% of the %s peak)", 100.0 * gmacs / (peak_prec * threads),
               cli_precision_name(st.precision));
    printf("\n");
    if (profile) {
        bd_session_options sp = so;
        bd_session *ps = NULL;
        sp.profile = 1;
        float *pin;
        if (bd_session_create(m, &sp, &ps) == BD_OK && bd_session_input(ps, 0, &pin, &n_in) == 0) {
            memcpy(pin, in, n_in * sizeof(float));
            for (int r = 0; r < warmup; r++) bd_session_run(ps);
            bd_session_profile_reset(ps);
            for (int r = 0; r < runs; r++) bd_session_run(ps);
            print_profile(ps, tmed);
        }
        bd_session_free(ps);
    }
    rc = CLI_EXIT_OK;
    if (fw > 0) rc = bench_frame(m, s, threads, fw, fh, warmup, runs, &fc);
done:
    free(t);
    bd_session_free(s);
    bd_model_free(m);
    return rc;
}
