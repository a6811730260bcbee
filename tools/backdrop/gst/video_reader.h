/*
 * video_reader.h -- the decoded frames of a video file, one RGB24 view at a
 * time, for `backdrop mask CLIP` and `backdrop replace CLIP` (built only with
 * GStreamer, BD_HAVE_GST). The GStreamer types stay inside video_reader.c, so
 * a command includes this header and nothing from GStreamer.
 *
 * What a file gives:
 *   - every frame the decoder delivers, in order, at the stream's stored size
 *     (no scaling; a non-square pixel aspect ratio is not applied);
 *   - an error instead of frames when the file is not a video at all (no
 *     frame is ever returned for it), has no decodable video stream, or the
 *     decoder reports an error;
 *   - for a file that decodes only in part: the frames up to the failure, then
 *     an error. That includes a file cut short after its index (an MP4 with
 *     "moov" first): GStreamer's demuxer ends such a stream with a plain
 *     end-of-stream, so the reader compares where the last frame ends with
 *     where the stream's segment says it stops, and calls the file truncated
 *     when more than two frames (at least 0.1 s) are missing.
 * Waiting for the decoder is bounded (CLI_VIDEO_STALL_MS without a frame is an
 * error, cli_video_options.stall_ms), so a broken file or element can never hang
 * the command; a frame over the pixel limit (cli_video_options.max_pixels) is
 * refused as soon as the decoder announces its size, before a frame of it is
 * converted.
 *
 * Not thread-safe: one thread uses a reader (GStreamer's threads stay inside).
 */
#ifndef BD_CLI_VIDEO_READER_H
#define BD_CLI_VIDEO_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "backdrop.h"

/* How long the reader waits for the next frame before it gives up (default). */
#define CLI_VIDEO_STALL_MS 30000
/* The largest frame (width x height) the reader accepts by default: 100 M, as
 * bd_image_limits_default() for photos (a 300 MB RGB frame). */
#define CLI_VIDEO_MAX_PIXELS 100000000L

typedef struct cli_video cli_video;

/* What cli_video_open_opts may be told; zero in a field means its default. */
typedef struct cli_video_options {
    int stall_ms;    /* no frame for this long is an error (default CLI_VIDEO_STALL_MS) */
    long max_pixels; /* a frame of more pixels is an error (default CLI_VIDEO_MAX_PIXELS) */
} cli_video_options;

/**
 * Opens the video file `path` (borrowed for the call) and decodes up to its
 * first frame, so that a file which is not a video fails here, before anything
 * is written. On success *out gets the reader (free with cli_video_free) and
 * true is returned. On failure *out is untouched, a one-line message naming the
 * file ("cannot decode 'x.mp4': ...") is written to err (err_size > 0) and
 * false is returned; GStreamer that cannot be initialised is such a failure.
 */
bool cli_video_open(const char *path, cli_video **out, char *err, size_t err_size);

/**
 * cli_video_open with limits (`opt` borrowed for the call; NULL = the defaults):
 * the fuzz target (tests/fuzz/targets/fuzz_video.c) waits 2 s, not 30, for a
 * frame and takes frames of at most 1 M pixels. A negative field is taken as 0
 * (the default).
 */
bool cli_video_open_opts(const char *path, const cli_video_options *opt, cli_video **out,
                         char *err, size_t err_size);

/**
 * The next frame: fills *frame with an RGB24 view (its stride_bytes as the
 * decoder laid the rows out) that stays valid until the next call on `v` or
 * cli_video_free. Returns 1 for a frame, 0 at the end of the stream, -1 on an
 * error (message in err, as for cli_video_open). After -1 every later call
 * returns -1 again with the same message.
 */
int cli_video_next(cli_video *v, bd_image *frame, char *err, size_t err_size);

/** The number of frames the stream should hold (its duration times its frame
 *  rate, rounded), for progress; 0 if the file does not say. */
long cli_video_frame_estimate(const cli_video *v);

/** Stops the decoding and frees everything; NULL is allowed. */
void cli_video_free(cli_video *v);

#endif /* BD_CLI_VIDEO_READER_H */
