/*
 * fuzz_video.c -- libFuzzer target: the CLI's video reader
 * (tools/backdrop/gst/video_reader.c, GStreamer's decodebin behind it) on one
 * file. The reader takes a path, so the input is written to a memfd and opened
 * as /proc/self/fd/N (no file in the tree or in /tmp). Every frame is pulled,
 * up to MAX_FRAMES or TIME_BUDGET_MS, its view checked against the claimed
 * size (first and last byte of every row read, so ASan sees a view that runs
 * past the mapped buffer), then the reader is freed. The frames do not go
 * through the library's pipeline: fuzz_pipeline covers that.
 *
 * Limits for the fuzzer's sake: the reader waits STALL_MS (not 30 s) for a
 * frame, and refuses frames over MAX_PIXELS before they are converted.
 * Only our code (the reader, this file) is instrumented: GStreamer and its
 * plugins are the system's, so `cov:` counts the reader's branches alone.
 *
 * GStreamer is initialised once per process, by the first input; the plugin
 * registry is scanned in this process (GST_REGISTRY_FORK=no unless set), and
 * scripts/fuzz.sh points GST_REGISTRY at a file in build-fuzz/.
 * Seeds: tests/fuzz/corpus/video (scripts/make_video_corpus.sh).
 */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "video_reader.h"

#define MAX_FRAMES 30
#define MAX_PIXELS (1L << 20)  /* 1 M pixels: 1024x1024, a 3 MB RGB frame */
#define STALL_MS 2000          /* no frame for 2 s: the reader gives up */
#define TIME_BUDGET_MS 4000    /* stop pulling after this long (well inside -timeout=10) */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the first and last byte of every row of `f` (as a caller would touch them). */
static unsigned touch(const bd_image *f) {
    unsigned sum = 0;
    for (int y = 0; y < f->height; y++) {
        const uint8_t *row = f->data + (size_t)y * f->stride_bytes;
        sum += row[0] + row[(size_t)f->width * 3 - 1];
    }
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int fd = -1;
    if (fd < 0) {
        setenv("GST_REGISTRY_FORK", "no", 0);
        fd = memfd_create("fuzz_video", 0);
        if (fd < 0) {
            perror("fuzz_video: memfd_create");
            exit(1);
        }
    }
    /* One memfd for the process, rewritten per input: filesrc opens its own
     * descriptor through /proc, so the file offset here does not matter. */
    if (ftruncate(fd, 0) != 0 || (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size)) {
        perror("fuzz_video: writing the memfd");
        exit(1);
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

    cli_video_options opt = {.stall_ms = STALL_MS, .max_pixels = MAX_PIXELS};
    cli_video *v = NULL;
    char err[512];
    if (!cli_video_open_opts(path, &opt, &v, err, sizeof err)) {
        if (getenv("BD_FUZZ_VERBOSE")) fprintf(stderr, "open: %s\n", err);
        return 0;
    }
    volatile unsigned sink = (unsigned)cli_video_frame_estimate(v);
    const long start = now_ms();
    bd_image frame;
    int r = 0, n = 0;
    while (n < MAX_FRAMES && now_ms() - start < TIME_BUDGET_MS &&
           (r = cli_video_next(v, &frame, err, sizeof err)) == 1) {
        sink += touch(&frame);
        n++;
    }
    if (getenv("BD_FUZZ_VERBOSE"))
        fprintf(stderr, "frames: %d, then %s\n", n,
                r == 1 ? "stopped (cap)" : r == 0 ? "end" : err);
    (void)sink;
    cli_video_free(v);
    return 0;
}
