/*
 * main.c -- the `backdrop` command: dispatches `backdrop COMMAND ARGS...` to the
 * subcommand in cmd_<name>.c and handles the global options (--help, --version).
 * Each subcommand parses its own options with getopt_long and returns the exit
 * code: 0 success, 1 input/model/runtime error, 2 usage error.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} cli_command;

#ifndef BD_HAVE_GST
/* `video` and `cam` exist in every build, so that a build without GStreamer
 * says why they do not work instead of "unknown command". */
static int cli_cmd_no_gst(int argc, char **argv) {
    cli_error("built without GStreamer; video and cam are unavailable");
    return CLI_EXIT_FAIL;
}
#define cli_cmd_video cli_cmd_no_gst
#define cli_cmd_cam cli_cmd_no_gst
#endif

static const cli_command commands[] = {
    {"replace", cli_cmd_replace, "replace, blur or remove the background of a photo"},
    {"mask", cli_cmd_mask, "write the person mask (8-bit alpha) of a photo"},
    {"info", cli_cmd_info, "describe a segmentation model"},
    {"bench", cli_cmd_bench, "time a model (min/median of many runs, per-op profile)"},
    {"video", cli_cmd_video, "replace the background of a video file, keeping its audio"},
    {"cam", cli_cmd_cam, "live camera to a virtual camera (v4l2loopback), processed"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f) {
    fputs("Usage: backdrop COMMAND [OPTIONS] [ARGS]\n"
          "Find the people in a photo and replace, blur or remove the background.\n"
          "\n"
          "Commands:\n",
          f);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "Options:\n"
          "  -h, --help     print this help and exit\n"
          "      --version  print the version and exit\n"
          "\n"
          "Run 'backdrop COMMAND --help' for a command's options. The model is taken from\n"
          "--model, else $BACKDROP_MODEL, else " BD_DEFAULT_MODEL ".\n"
          "\n"
          "Examples:\n"
          "  backdrop replace me.jpg -b beach.jpg -o out.jpg\n"
          "  backdrop replace me.jpg -b blur:25 -o out.jpg\n"
          "  backdrop replace me.jpg -b transparent -o cutout.png\n"
          "  backdrop mask me.jpg -o mask.png\n"
          "  backdrop video talk.mp4 -b blur -o talk-blurred.mp4\n"
          "  backdrop cam --device /dev/video0 --output /dev/video10 -b beach.jpg\n",
          f);
}

static const cli_command *find_command(const char *name) {
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    return NULL;
}

/* Runs the command; then makes sure everything printed reached stdout (a full
 * disk or closed pipe is an error, not a silent truncation). */
static int run(const cli_command *cmd, int argc, char **argv) {
    int rc = cmd->run(argc, argv);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("error writing to standard output");
        if (rc == CLI_EXIT_OK) rc = CLI_EXIT_FAIL;
    }
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *arg = argv[1];
    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
        usage(stdout);
        return fflush(stdout) == 0 && !ferror(stdout) ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    if (strcmp(arg, "--version") == 0) {
        printf("backdrop %s\n", bd_version());
        return fflush(stdout) == 0 && !ferror(stdout) ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    /* `backdrop help [COMMAND]`, as git and go do. */
    if (strcmp(arg, "help") == 0) {
        if (argc < 3) {
            usage(stdout);
            return fflush(stdout) == 0 && !ferror(stdout) ? CLI_EXIT_OK : CLI_EXIT_FAIL;
        }
        const cli_command *cmd = find_command(argv[2]);
        if (cmd == NULL) {
            cli_error("unknown command '%s'", argv[2]);
            fputs("Try 'backdrop --help'.\n", stderr);
            return CLI_EXIT_USAGE;
        }
        char help[] = "--help";
        char *sub_argv[] = {argv[2], help, NULL};
        return run(cmd, 2, sub_argv);
    }
    const cli_command *cmd = find_command(arg);
    if (cmd == NULL) {
        if (arg[0] == '-')
            cli_error("unknown option '%s'", arg);
        else
            cli_error("unknown command '%s'", arg);
        fputs("Try 'backdrop --help'.\n", stderr);
        return CLI_EXIT_USAGE;
    }
    return run(cmd, argc - 1, argv + 1);
}
