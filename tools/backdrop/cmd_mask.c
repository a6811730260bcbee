/*
 * cmd_mask.c -- `backdrop mask IN -o MASK`: writes the person alpha of IN as an
 * 8-bit grayscale image at IN's full resolution (255 = person, 0 = background),
 * the same alpha `replace` composites with.
 */
#define _POSIX_C_SOURCE 200809L

#include <getopt.h>
#include <stdio.h>

#include "cli.h"

#define CMD "mask"

static void usage(FILE *f) {
    fputs("Usage: backdrop mask IN -o MASK [OPTIONS]\n"
          "Write the person mask of IN as an 8-bit grayscale image at IN's resolution\n"
          "(255 = person, 0 = background).\n"
          "\n"
          "Options:\n"
          "  -o, --output MASK   output image, .png (lossless) or .jpg/.jpeg (required)\n"
          "      --quality Q     JPEG quality, 1..100 (default 92)\n" CLI_SEG_HELP
          "  -h, --help          print this help and exit\n"
          "\n"
          "Example:\n"
          "  backdrop mask me.jpg -o mask.png --threshold 0.5 --softness 0.2\n",
          f);
}

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
    if (argc - optind > 1)
        return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind + 1]);
    const char *in_path = argv[optind];
    if (out_path == NULL) return cli_usage_error(CMD, "missing -o MASK");
    if (!cli_has_ext(out_path, ".png") && !cli_has_ext(out_path, ".jpg") &&
        !cli_has_ext(out_path, ".jpeg"))
        return cli_usage_error(CMD, "output '%s' must end in .png, .jpg or .jpeg", out_path);
    int rc = cli_seg_check(CMD, &so);
    if (rc != CLI_EXIT_OK) return rc;

    rc = CLI_EXIT_FAIL;
    cli_seg_job job = {0};
    if (!cli_seg_run(&so, in_path, &job)) goto done;
    double t0 = cli_now_ms();
    if (!cli_write_image(out_path, bd_image_view(job.alpha), quality)) goto done;
    double t1 = cli_now_ms();

    if (so.verbose) {
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
