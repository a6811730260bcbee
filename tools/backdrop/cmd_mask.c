/*
 * cmd_mask.c -- `backdrop mask IN -o MASK`: writes the person alpha of IN as an
 * 8-bit grayscale image at IN's full resolution (255 = person, 0 = background),
 * the same alpha `replace` composites with.
 *
 * Built with GStreamer, IN may also be a video (any file that is not a PNG or
 * JPEG, see cli_is_image_file): then MASK is a %05d-style pattern and every
 * decoded frame gets its mask, numbered from 1, with one model and pipeline for
 * the whole clip (a recurrent model carries its state from frame to frame).
 */
#define _POSIX_C_SOURCE 200809L

#include <getopt.h>
#include <limits.h>
#include <stdio.h>

#include "cli.h"
#ifdef BD_HAVE_GST
#include "gst/video_reader.h"
#endif

#define CMD "mask"

#ifdef BD_HAVE_GST
#define VIDEO_USAGE "       backdrop mask CLIP -o MASK%05d.png [OPTIONS]\n"
#define VIDEO_HELP                                                                         \
    "A CLIP (a video file: anything that is not a PNG or JPEG) gives one mask per\n"     \
    "frame; MASK then holds one %d or %0Nd, replaced by the frame number from 1.\n"
#define VIDEO_EXAMPLE "  backdrop mask clip.mp4 -o masks/%05d.png\n"
#else
#define VIDEO_USAGE ""
#define VIDEO_HELP ""
#define VIDEO_EXAMPLE ""
#endif

static void usage(FILE *f) {
    fputs("Usage: backdrop mask IN -o MASK [OPTIONS]\n"
          "       backdrop mask IN1 IN2... -o MASK%04d.png [OPTIONS]\n" VIDEO_USAGE
          "Write the person mask of IN as an 8-bit grayscale image at IN's resolution\n"
          "(255 = person, 0 = background). With several INs (the frames of a video, in\n"
          "order) the model is loaded once, a recurrent model (e.g. Robust Video Matting)\n"
          "carries its state from frame to frame, and MASK must hold one %d or %0Nd,\n"
          "replaced by the frame number from 1.\n" VIDEO_HELP
          "\n"
          "Options:\n"
          "  -o, --output MASK   output image, .png (lossless) or .jpg/.jpeg (required)\n"
          "      --quality Q     JPEG quality, 1..100 (default 92)\n",
          f);
    fputs(CLI_SEG_HELP "  -h, --help          print this help and exit\n"
          "\n"
          "Examples:\n"
          "  backdrop mask me.jpg -o mask.png --threshold 0.5 --softness 0.2\n"
          "  backdrop mask frames/*.png -o masks/%04d.png --model rvm.onnx\n" VIDEO_EXAMPLE,
          f);
}

#ifdef BD_HAVE_GST
/* `mask CLIP -o PATTERN`. The clip is opened, up to its first frame, before the
 * model is loaded: a file that is not a video costs no model load and leaves no
 * output. A failure after frame N leaves masks 1..N (each written whole). */
static int mask_video(const cli_seg_opts *so, const char *in_path, const char *pattern,
                      int quality) {
    char err[600] = "";
    cli_video *video = NULL;
    double t0 = cli_now_ms();
    if (!cli_video_open(in_path, &video, err, sizeof err)) {
        cli_error("%s", err);
        return CLI_EXIT_FAIL;
    }
    int rc = CLI_EXIT_FAIL;
    cli_seg_job job = {0};
    /* the model is loaded once the first frame gives the size (free-size models) */
    bd_image frame = {0};
    int k = 0, r = cli_video_next(video, &frame, err, sizeof err);
    if (r == 1 && !cli_seg_start(so, frame.width, frame.height, &job)) goto done;
    double t1 = cli_now_ms();

    cli_progress progress;
    cli_progress_start(&progress, cli_video_frame_estimate(video));
    char name[4096];
    for (; r == 1; r = cli_video_next(video, &frame, err, sizeof err)) {
        if (k == INT_MAX) {
            cli_error("'%s' has more frames than the output pattern can number", in_path);
            goto done;
        }
        k++;
        if (!cli_seg_mask_frame(&job, &frame, in_path) ||
            !cli_sequence_name(name, sizeof name, pattern, k) ||
            !cli_write_image(name, bd_image_view(job.alpha), quality))
            goto done;
        cli_progress_update(&progress, k);
    }
    if (r < 0) {
        cli_error("%s", err);
        goto done;
    }
    cli_progress_end(&progress, k);
    if (so->verbose) {
        double t2 = cli_now_ms();
        char note[96];
        snprintf(note, sizeof note, "(model load %.1f ms)", job.load_ms);
        cli_timing("open+model", t1 - t0, note);
        snprintf(note, sizeof note, "(%d frames of %dx%d: decode, mask, encode)", k, frame.width,
                 frame.height);
        cli_timing("per frame", (t2 - t1) / k, note);
        cli_timing("total", t2 - t0, NULL);
    }
    rc = CLI_EXIT_OK;
done:
    cli_seg_job_free(&job);
    cli_video_free(video);
    return rc;
}
#endif

int cli_cmd_mask(int argc, char **argv) {
    static const struct option longopts[] = {
        {"output", required_argument, NULL, CLI_OPT_OUTPUT},
        {"quality", required_argument, NULL, CLI_OPT_QUALITY},
        {"help", no_argument, NULL, CLI_OPT_HELP},
        CLI_SEG_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    cli_seg_opts so;
    cli_seg_opts_init(&so);
    const char *out_path = NULL;
    int quality = 0; /* 0 = the library's default */

    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":o:h" CLI_SEG_SHORTOPTS, longopts, NULL)) != -1) {
        int rc = cli_seg_opt(CMD, opt, optarg, &so);
        if (rc == CLI_EXIT_USAGE) return rc;
        if (rc == CLI_EXIT_OK) continue;
        switch (opt) {
        case 'o':
        case CLI_OPT_OUTPUT:
            out_path = optarg;
            break;
        case CLI_OPT_QUALITY:
            if (!cli_parse_int(CMD, "--quality", optarg, 1, 100, &quality))
                return CLI_EXIT_USAGE;
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
    if (out_path == NULL) return cli_usage_error(CMD, "missing -o MASK");
    const bool sequence = cli_is_sequence_pattern(out_path); /* also for one frame */
    if (n_frames > 1 && !sequence)
        return cli_usage_error(CMD,
                               "with %d inputs, MASK '%s' must hold one %%d or %%0Nd for the "
                               "frame number (and no other '%%')",
                               n_frames, out_path);
    if (!cli_has_ext(out_path, ".png") && !cli_has_ext(out_path, ".jpg") &&
        !cli_has_ext(out_path, ".jpeg"))
        return cli_usage_error(CMD, "output '%s' must end in .png, .jpg or .jpeg", out_path);
    int rc = cli_seg_check(CMD, &so);
    if (rc != CLI_EXIT_OK) return rc;
#ifdef BD_HAVE_GST
    /* The last usage check, as it reads IN's first bytes. */
    if (n_frames == 1 && !cli_is_image_file(in_path)) {
        if (!cli_is_sequence_pattern(out_path))
            return cli_usage_error(CMD,
                                   "IN '%s' is read as a video (not a PNG or JPEG), so MASK '%s' "
                                   "must hold one %%d or %%0Nd for the frame number, e.g. "
                                   "masks/%%05d.png (for a video file out use 'backdrop video')",
                                   in_path, out_path);
        so.stream = true; /* temporal smoothing on unless --temporal off */
        return mask_video(&so, in_path, out_path, quality);
    }
#endif

    rc = CLI_EXIT_FAIL;
    so.stream = n_frames > 1; /* the frames of a video: temporal smoothing on by default */
    cli_seg_job job = {0};
    char name[4096];
    if (!cli_seg_run(&so, in_path, &job)) goto done;
    double t0 = cli_now_ms();
    /* Several INs are the frames of a sequence: one model and pipeline, so a
     * recurrent model (RVM) carries its state from frame to frame. */
    for (int k = 0; k < n_frames; k++) {
        if (k > 0 && !cli_seg_next(&job, argv[optind + k], true)) goto done;
        if (sequence && !cli_sequence_name(name, sizeof name, out_path, k + 1)) goto done;
        if (!cli_write_image(sequence ? name : out_path, bd_image_view(job.alpha), quality))
            goto done;
    }
    double t1 = cli_now_ms();

    if (so.verbose && n_frames > 1) {
        char note[64];
        snprintf(note, sizeof note, "(%d frames: decode, model, encode; model load %.1f ms)",
                 n_frames, job.load_ms);
        cli_timing("per frame", (t1 - job.t_start_ms - job.load_ms) / n_frames, note);
        cli_timing("total", t1 - job.t_start_ms, NULL);
    } else if (so.verbose) {
        const bd_image *frame = bd_image_view(job.frame);
        char note[64];
        snprintf(note, sizeof note, "(%dx%d)", frame->width, frame->height);
        cli_timing("decode", job.decode_ms, note);
        snprintf(note, sizeof note, "(model load %.1f ms)", job.load_ms);
        cli_timing("model+mask", job.mask_ms, note);
        cli_timing("encode", t1 - t0, NULL);
        cli_timing("total", t1 - job.t_start_ms, NULL);
    }
    rc = CLI_EXIT_OK;
done:
    cli_seg_job_free(&job);
    return rc;
}
