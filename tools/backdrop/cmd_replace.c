/*
 * cmd_replace.c -- `backdrop replace IN -b BACKGROUND -o OUT`: segments the person
 * in IN and composites them over a new background at IN's full resolution.
 *
 * BACKGROUND is one of
 *   PATH            an image file, scaled to cover the frame and centred (library)
 *   blur[:RADIUS]   the frame itself, blurred (radius in frame pixels)
 *   color:#RRGGBB   a solid colour (the '#' is optional)
 *   transparent     no background: RGBA output with the mask as alpha (PNG only)
 *
 * Everything the command line can get wrong is checked before any file is read
 * (but IN's first bytes, to tell a video from an image), so a usage error
 * (exit 2) never costs a model load.
 *
 * Built with GStreamer, a single IN may be a video (any file that is not a PNG
 * or JPEG, see cli_is_image_file): OUT is then a %05d-style pattern and every
 * decoded frame is composited and written, numbered from 1, as with a sequence
 * of images.
 */
#define _POSIX_C_SOURCE 200809L

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#ifdef BD_HAVE_GST
#include "gst/video_reader.h"
#endif

#define CMD "replace"

#ifdef BD_HAVE_GST
#define VIDEO_USAGE "       backdrop replace CLIP -b BACKGROUND -o OUT%05d.png [OPTIONS]\n"
#define VIDEO_HELP                                                                        \
    "A CLIP (one video file: anything that is not a PNG or JPEG) is such a sequence:\n" \
    "one OUT per decoded frame.\n"
#define VIDEO_EXAMPLE "  backdrop replace clip.mp4 -b color:#00b140 -o out/%05d.png\n"
#else
#define VIDEO_USAGE ""
#define VIDEO_HELP ""
#define VIDEO_EXAMPLE ""
#endif

static void usage(FILE *f) {
    fputs("Usage: backdrop replace IN -b BACKGROUND -o OUT [OPTIONS]\n"
          "       backdrop replace IN1 IN2... -b BACKGROUND -o OUT%04d.png [OPTIONS]\n"
          VIDEO_USAGE
          "Replace the background behind the people in IN and write OUT (.png, .jpg).\n"
          "With several INs (the frames of a video, in order) the model is loaded once,\n"
          "a recurrent model (e.g. Robust Video Matting) carries its state from frame to\n"
          "frame, and OUT must hold one %d or %0Nd, replaced by the frame number from 1\n"
          "(such an OUT makes even a single IN a one-frame sequence).\n" VIDEO_HELP
          "\n"
          "BACKGROUND is one of:\n"
          "  PATH                an image file (PNG or JPEG), scaled to cover and centred\n"
          "  blur, blur:RADIUS   IN itself, blurred (RADIUS in pixels, 1..1000)\n"
          "  color:#RRGGBB       a solid colour (the '#' may be left out)\n"
          "  transparent         no background: OUT is an RGBA .png with the mask as alpha\n"
          "\n"
          "Options:\n"
          "  -b, --background BACKGROUND\n"
          "                      the new background, as above (required)\n"
          "  -o, --output OUT    output image, .png or .jpg/.jpeg (required)\n"
          "      --quality Q     JPEG quality, 1..100 (default 92)\n"
          "      --light-wrap S  let the background's light spill over the person's edge,\n"
          "                      strength 0..1 (not with transparent)\n"
          "      --premultiplied with transparent: write premultiplied colour\n",
          f);
    fputs(CLI_SEG_HELP "  -h, --help          print this help and exit\n"
          "\n"
          "Examples:\n"
          "  backdrop replace me.jpg -b beach.jpg -o out.jpg\n"
          "  backdrop replace me.jpg -b color:#00b140 -o green.png\n"
          "  backdrop replace me.jpg -b transparent -o cutout.png\n"
          "  backdrop replace frames/*.png -b blur -o out/%04d.png --model rvm.onnx\n"
          VIDEO_EXAMPLE,
          f);
}

/* What the frames of one run share. */
typedef struct replace_run {
    const cli_seg_opts *so;
    bd_background bg;           /* bg.image: the background image's view, if any */
    bd_pixel_format out_format; /* RGB24, or RGBA32 for a transparent background */
    const char *out_path;       /* a file name, or a sequence pattern if `sequence` */
    bool sequence;
    int quality;
    bd_image_buf *out;          /* the composite, reallocated when the frame size changes */
    double composited_ms;       /* when the latest frame was composited */
    double written_ms;          /* ... and written */
} replace_run;

/* Composites frame k (from 0) over the background and writes it. job->alpha
 * holds the frame's mask, unless the light wrap is on: that is computed from the
 * model's map, which a given alpha does not carry, so then the fused replace
 * runs the model itself (for an image IN, one more inference). Prints and
 * returns false on failure. */
static bool composite_frame(replace_run *run, cli_seg_job *job, const bd_image *frame, int k) {
    if (run->out && (bd_image_view(run->out)->width != frame->width ||
                     bd_image_view(run->out)->height != frame->height)) {
        bd_image_free(run->out);
        run->out = NULL;
    }
    bd_status st = BD_OK;
    if (run->out == NULL)
        st = bd_image_alloc(frame->width, frame->height, run->out_format, &run->out);
    if (st != BD_OK) {
        cli_error("cannot allocate a %dx%d output image: %s", frame->width, frame->height,
                  bd_status_str(st));
        return false;
    }
    if (job->direct) {
        if (!cli_seg_fit_frame(job, frame)) return false;
        st = bd_pipeline_replace(job->pipeline, frame, &run->bg, bd_image_view(run->out));
    } else {
        st = bd_pipeline_composite(job->pipeline, frame, bd_image_view(job->alpha), &run->bg,
                                   bd_image_view(run->out));
    }
    if (st != BD_OK) {
        const char *msg = bd_pipeline_last_error(job->pipeline);
        cli_error("compositing failed: %s", (msg != NULL && msg[0]) ? msg : bd_status_str(st));
        return false;
    }
    run->composited_ms = cli_now_ms();
    char name[4096];
    if (run->sequence) {
        if (!cli_sequence_name(name, sizeof name, run->out_path, k + 1)) return false;
    } else {
        snprintf(name, sizeof name, "%s", run->out_path);
    }
    if (!cli_write_image(name, bd_image_view(run->out), run->quality)) return false;
    run->written_ms = cli_now_ms();
    return true;
}

#ifdef BD_HAVE_GST
/* `replace CLIP -b BG -o PATTERN`. The clip is opened, up to its first frame,
 * before the model and the background are loaded: a file that is not a video
 * is reported first and leaves no output. A failure after frame N leaves
 * outputs 1..N (each written whole). */
static int replace_video(replace_run *run, const char *in_path, const char *bg_path) {
    char err[600] = "";
    cli_video *video = NULL;
    double t0 = cli_now_ms();
    if (!cli_video_open(in_path, &video, err, sizeof err)) {
        cli_error("%s", err);
        return CLI_EXIT_FAIL;
    }
    int rc = CLI_EXIT_FAIL;
    cli_seg_job job = {0};
    bd_image_buf *bg_img = NULL;
    /* the model is loaded once the first frame gives the size (free-size models) */
    bd_image frame = {0};
    int k = 0, r = cli_video_next(video, &frame, err, sizeof err);
    if (r == 1 && !cli_seg_start(run->so, frame.width, frame.height, &job)) goto done;
    if (bg_path != NULL) {
        if (!cli_read_image("background", bg_path, BD_PIXEL_RGB24, &bg_img)) goto done;
        run->bg.image = bd_image_view(bg_img);
    }
    double t1 = cli_now_ms();

    cli_progress progress;
    cli_progress_start(&progress, cli_video_frame_estimate(video));
    const bool mask = !job.direct; /* else composite_frame runs the model */
    for (; r == 1; r = cli_video_next(video, &frame, err, sizeof err)) {
        if (k == INT_MAX) {
            cli_error("'%s' has more frames than the output pattern can number", in_path);
            goto done;
        }
        if (mask && !cli_seg_mask_frame(&job, &frame, in_path)) goto done;
        if (!composite_frame(run, &job, &frame, k)) goto done;
        k++;
        cli_progress_update(&progress, k);
    }
    if (r < 0) {
        cli_error("%s", err);
        goto done;
    }
    cli_progress_end(&progress, k);
    if (run->so->verbose) {
        double t2 = cli_now_ms();
        char note[96];
        snprintf(note, sizeof note, "(model load %.1f ms)", job.load_ms);
        cli_timing("open+model", t1 - t0, note);
        snprintf(note, sizeof note, "(%d frames of %dx%d: decode, model, composite, encode)", k,
                 frame.width, frame.height);
        cli_timing("per frame", (t2 - t1) / k, note);
        cli_timing("total", t2 - t0, NULL);
    }
    rc = CLI_EXIT_OK;
done:
    bd_image_free(run->out);
    run->out = NULL;
    bd_image_free(bg_img);
    cli_seg_job_free(&job);
    cli_video_free(video);
    return rc;
}
#endif

int cli_cmd_replace(int argc, char **argv) {
    static const struct option longopts[] = {
        {"background", required_argument, NULL, CLI_OPT_BACKGROUND},
        {"output", required_argument, NULL, CLI_OPT_OUTPUT},
        {"quality", required_argument, NULL, CLI_OPT_QUALITY},
        {"help", no_argument, NULL, CLI_OPT_HELP},
        {"light-wrap", required_argument, NULL, CLI_OPT_LIGHT_WRAP},
        {"premultiplied", no_argument, NULL, CLI_OPT_PREMULTIPLIED},
        CLI_SEG_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    cli_seg_opts so;
    cli_seg_opts_init(&so);
    const char *bg_spec = NULL, *out_path = NULL;
    int quality = 0; /* 0 = the library's default */

    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":b:o:h" CLI_SEG_SHORTOPTS, longopts, NULL)) != -1) {
        int rc = cli_seg_opt(CMD, opt, optarg, &so);
        if (rc == CLI_EXIT_USAGE) return rc;
        if (rc == CLI_EXIT_OK) continue;
        switch (opt) {
        case 'b':
        case CLI_OPT_BACKGROUND:
            bg_spec = optarg;
            break;
        case 'o':
        case CLI_OPT_OUTPUT:
            out_path = optarg;
            break;
        case CLI_OPT_QUALITY:
            if (!cli_parse_int(CMD, "--quality", optarg, 1, 100, &quality))
                return CLI_EXIT_USAGE;
            break;
        case CLI_OPT_LIGHT_WRAP:
            if (!cli_parse_float(CMD, "--light-wrap", optarg, 0.0, 1.0, &so.light_wrap))
                return CLI_EXIT_USAGE;
            break;
        case CLI_OPT_PREMULTIPLIED:
            so.premultiplied = true;
            break;
        case 'h':
        case CLI_OPT_HELP:
            usage(stdout);
            return CLI_EXIT_OK;
        default:
            return cli_getopt_error(CMD, opt, argv);
        }
    }

    if (optind >= argc) return cli_usage_error(CMD, "missing input image");
    const int n_frames = argc - optind;
    const char *in_path = argv[optind];
    if (bg_spec == NULL) return cli_usage_error(CMD, "missing -b BACKGROUND");
    if (out_path == NULL) return cli_usage_error(CMD, "missing -o OUT");
    if (n_frames > 1 && !cli_is_sequence_pattern(out_path))
        return cli_usage_error(CMD,
                               "with %d inputs, OUT '%s' must hold one %%d or %%0Nd for the "
                               "frame number (and no other '%%')",
                               n_frames, out_path);
    const bool sequence = cli_is_sequence_pattern(out_path); /* also for one frame */

    bd_background bg;
    const char *bg_path = NULL;
    int rc = cli_parse_background(CMD, bg_spec, &bg, &bg_path);
    if (rc != CLI_EXIT_OK) return rc;
    bool png = cli_has_ext(out_path, ".png");
    if (!png && !cli_has_ext(out_path, ".jpg") && !cli_has_ext(out_path, ".jpeg"))
        return cli_usage_error(CMD, "output '%s' must end in .png, .jpg or .jpeg", out_path);
    if (bg.kind == BD_BG_TRANSPARENT && !png)
        return cli_usage_error(CMD, "'-b transparent' needs a .png output (JPEG has no alpha)");
    if (so.premultiplied && bg.kind != BD_BG_TRANSPARENT)
        return cli_usage_error(CMD, "--premultiplied needs '-b transparent'");
    if (so.light_wrap > 0.0f && bg.kind == BD_BG_TRANSPARENT)
        return cli_usage_error(CMD, "--light-wrap has no effect with '-b transparent'");
    rc = cli_seg_check(CMD, &so);
    if (rc != CLI_EXIT_OK) return rc;

    so.replace = true;
    replace_run run = {
        .so = &so,
        .bg = bg,
        .out_format = bg.kind == BD_BG_TRANSPARENT ? BD_PIXEL_RGBA32 : BD_PIXEL_RGB24,
        .out_path = out_path,
        .sequence = sequence,
        .quality = quality,
    };
#ifdef BD_HAVE_GST
    /* The last usage check, as it reads IN's first bytes. */
    if (n_frames == 1 && !cli_is_image_file(in_path)) {
        if (!sequence)
            return cli_usage_error(CMD,
                                   "IN '%s' is read as a video (not a PNG or JPEG), so OUT '%s' "
                                   "must hold one %%d or %%0Nd for the frame number, e.g. "
                                   "out/%%05d.png (for a video file out use 'backdrop video')",
                                   in_path, out_path);
        so.stream = true; /* temporal smoothing on unless --temporal off */
        return replace_video(&run, in_path, bg_path);
    }
#endif

    /* From here on every failure is exit 1, and everything is freed at `done`. */
    rc = CLI_EXIT_FAIL;
    so.stream = n_frames > 1; /* the frames of a video: temporal smoothing on by default */
    cli_seg_job job = {0};
    bd_image_buf *bg_img = NULL;
    if (!cli_seg_run(&so, in_path, &job)) goto done;

    /* The background is read after the frame so that a bad IN is reported first. */
    double t0 = cli_now_ms();
    if (bg_path != NULL) {
        if (!cli_read_image("background", bg_path, BD_PIXEL_RGB24, &bg_img)) goto done;
        run.bg.image = bd_image_view(bg_img);
    }
    double t1 = cli_now_ms();

    const bd_image *frame = bd_image_view(job.frame);
    for (int k = 0; k < n_frames; k++) {
        if (k > 0) {
            if (!cli_seg_next(&job, argv[optind + k], !job.direct)) goto done;
            frame = bd_image_view(job.frame);
        }
        if (!composite_frame(&run, &job, frame, k)) goto done;
    }
    double t2 = run.composited_ms, t3 = run.written_ms;

    if (so.verbose && n_frames > 1) {
        char note[64];
        snprintf(note, sizeof note, "(%d frames: decode, model, composite, encode)", n_frames);
        cli_timing("per frame", (t3 - t1) / n_frames, note);
        cli_timing("total", t3 - job.t_start_ms, NULL);
    } else if (so.verbose) {
        char note[64];
        snprintf(note, sizeof note, "(%dx%d)", frame->width, frame->height);
        cli_timing("decode", job.decode_ms + (t1 - t0), note);
        snprintf(note, sizeof note, "(model load %.1f ms)", job.load_ms);
        cli_timing("model+mask", job.mask_ms, note);
        cli_timing("composite", t2 - t1, NULL);
        cli_timing("encode", t3 - t2, NULL);
        cli_timing("total", t3 - job.t_start_ms, NULL);
    }
    rc = CLI_EXIT_OK;
done:
    bd_image_free(run.out);
    bd_image_free(bg_img);
    cli_seg_job_free(&job);
    return rc;
}
