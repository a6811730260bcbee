/*
 * cli.h -- what the `backdrop` subcommands share: exit codes, the command entry
 * points, error and usage printing, strict number parsing, model path resolution
 * and the "load model, decode frame, compute the mask" job that both `replace`
 * and `mask` run. The CLI is a thin client of backdrop.h; nothing here may
 * include a src/ header (STYLE.md section 12).
 */
#ifndef BD_CLI_H
#define BD_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "backdrop.h"

/* The compiled-in model path (CMake passes the repository's models/ copy). */
#ifndef BD_DEFAULT_MODEL
#define BD_DEFAULT_MODEL "models/selfie_segmentation.tflite"
#endif


/* Exit codes (STYLE.md section 12, the getopt convention). */
#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1  /* input, model or runtime error */
#define CLI_EXIT_USAGE 2 /* bad command line */

/* Long option ids, above every char. A long option with a short alias still gets
 * its own id here (and the command handles both), so that after a getopt error
 * optopt < 0x100 always means a short option (see cli_getopt_error). */
enum {
    CLI_OPT_MODEL = 0x100,
    CLI_OPT_THREADS,
    CLI_OPT_THRESHOLD,
    CLI_OPT_SOFTNESS,
    CLI_OPT_QUALITY,
    CLI_OPT_HELP,       /* --help (short: 'h') */
    CLI_OPT_VERBOSE,    /* --verbose (short: 'v') */
    CLI_OPT_OUTPUT,     /* --output (short: 'o') */
    CLI_OPT_BACKGROUND, /* --background (short: 'b') */
    CLI_OPT_FIT,
    CLI_OPT_REFINE,
    CLI_OPT_REFINE_RADIUS,
    CLI_OPT_REFINE_EPS,
    CLI_OPT_FEATHER,
    CLI_OPT_CLASS,
    CLI_OPT_MEAN,
    CLI_OPT_STD,
    CLI_OPT_RANGE,
    CLI_OPT_BGR,
    CLI_OPT_RGB,
    CLI_OPT_LAYOUT,
    CLI_OPT_OUTPUT_KIND,
    CLI_OPT_CONVENTIONS,
    CLI_OPT_LIGHT_WRAP,    /* replace only */
    CLI_OPT_PREMULTIPLIED, /* replace only */
    CLI_OPT_FP16,          /* --fp16: FP16 weight storage (replace, mask, bench) */
    CLI_OPT_PRECISION,     /* --precision fp32|fp16|bf16|auto (--fp16 = fp16) */
    CLI_OPT_TEMPORAL,          /* --temporal on|off */
    CLI_OPT_TEMPORAL_STRENGTH, /* --temporal-strength S */
    CLI_OPT_REUSE,             /* --reuse auto|off */
    CLI_OPT_INPUT_SIZE,        /* --input-size WxH: free model input dims */
    CLI_OPT_DOWNSAMPLE_RATIO,  /* --downsample-ratio R: RVM's internal scale */
    CLI_OPT_NO_FGR,            /* --no-fgr: composite the frame, not the model's fgr */
};

/* Subcommands: argv[0] is the command name, the rest its arguments. Each returns
 * an exit code and frees everything it allocated on every path. */
int cli_cmd_replace(int argc, char **argv);
int cli_cmd_mask(int argc, char **argv);
int cli_cmd_info(int argc, char **argv);
int cli_cmd_bench(int argc, char **argv);
/* Built with GStreamer only (tools/backdrop/gst/; main.c has stand-ins without): */
int cli_cmd_video(int argc, char **argv); /* backdrop video IN -b BG -o OUT.mp4 */
int cli_cmd_cam(int argc, char **argv);   /* backdrop cam: live camera -> virtual camera */

/* Prints "backdrop: <message>" as one line on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "backdrop <cmd>: <message>" and "Try 'backdrop <cmd> --help'." on stderr
 * and returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Handles getopt_long's '?' and ':' returns (optstring must start with ':' and
 * opterr be 0): names the offending option and returns CLI_EXIT_USAGE. */
int cli_getopt_error(const char *cmd, int ret, char **argv);

/* Strict number parsing: the whole string must be a number within [min, max]
 * (no leading blanks, no trailing text, no NaN or infinity). On failure prints a
 * usage error naming `opt` and returns false; *out is untouched. */
bool cli_parse_int(const char *cmd, const char *opt, const char *s, long min, long max,
                   int *out);
/* The -b argument (transparent, blur, blur:RADIUS, color:#RRGGBB, else an image
 * path) into *bg; an image keeps its path in *image_path (read later). Returns
 * CLI_EXIT_OK or a printed usage error. */
#define CLI_MAX_BLUR_RADIUS 1000
int cli_parse_background(const char *cmd, const char *spec, bd_background *bg,
                         const char **image_path);
bool cli_parse_float(const char *cmd, const char *opt, const char *s, double min, double max,
                     float *out);

/* True if `path` ends in `ext` (including the dot), ignoring ASCII case. */
bool cli_has_ext(const char *path, const char *ext);

/* The model file to use: `opt_path` (--model) if given, else $BACKDROP_MODEL if set
 * and non-empty, else the compiled-in BD_DEFAULT_MODEL. Returns NULL after printing
 * "no model found at '<path>'; ..." if the chosen file does not exist. */
const char *cli_resolve_model(const char *opt_path);

/* --precision: what the user asked for. AUTO loads with BD_PRECISION_AUTO: the
 * library times vdpbf16ps against the FMA and takes bf16 where it wins. */
typedef enum cli_precision {
    CLI_PREC_FP32 = 0,
    CLI_PREC_FP16,
    CLI_PREC_BF16,
    CLI_PREC_AUTO,
    CLI_PREC_INT8,
} cli_precision;
/* Parses fp32|fp16|bf16|int8|auto into *out; prints a usage error and returns false
 * otherwise. */
bool cli_parse_precision(const char *cmd, const char *arg, cli_precision *out);
/* The library precision to request for p. */
bd_precision cli_precision_request(cli_precision p);
/* What ran: "fp32", "fp16" or "bf16" (from bd_model_stats.precision). */
const char *cli_precision_name(bd_precision p);

/* Creates and loads the model at `path` with the precision `prec` (when the
 * library had to keep FP32 for an explicit fp16/bf16 it prints its note on
 * stderr). On failure prints the library's message, frees everything and
 * returns false. */
bool cli_load_model(const char *path, cli_precision prec, bd_model **out);
/* What decides the size of a model with free (symbolic) input dims: --input-size,
 * else the frames' size by the model's rule (bd_model_options.frame_width), and
 * RVM's --downsample-ratio. */
typedef struct cli_model_size {
    int input_w, input_h;   /* --input-size; 0 = unset */
    int frame_w, frame_h;   /* the frames' size; 0 = unknown (CLI_FREE_DIM_DEFAULT square) */
    float downsample_ratio; /* --downsample-ratio; 0 = automatic */
} cli_model_size;
/* As cli_load_model, sized by *size (NULL: nothing given). */
bool cli_load_model_sized(const char *path, cli_precision prec, const cli_model_size *size,
                          bd_model **out);
/* Frame side assumed for free model input dims when nothing else decides (`info`
 * without --frame, `bench` without --frame). */
#define CLI_FREE_DIM_DEFAULT 512
/* Parses "WxH" (1..BD_MAX_INPUT_SIDE each) for option `opt`; prints a usage error
 * and returns false if it is not one. */
bool cli_parse_size(const char *cmd, const char *opt, const char *s, int *w, int *h);

/* Decodes an image file to `want`. `what` ("input", "background") names its role
 * in the error message. On failure prints the library's message, returns false. */
bool cli_read_image(const char *what, const char *path, bd_pixel_format want,
                    bd_image_buf **out);

/* Encodes `img` to `path` (atomically, by the library). Prints on failure. */
bool cli_write_image(const char *path, const bd_image *img, int jpeg_quality);

/* Milliseconds on the monotonic clock. */
double cli_now_ms(void);

/* Prints one -v timing line, "backdrop: <label> <ms> ms [<note>]", on stderr. */
void cli_timing(const char *label, double ms, const char *note);

/* Options shared by the commands that segment a frame (replace, mask). */
typedef struct cli_seg_opts {
    const char *model_path; /* --model; NULL = resolve from env / default */
    int n_threads;          /* --threads; 0 = library default */
    bool have_threshold;
    float threshold; /* --threshold, in [0, 1] */
    bool have_softness;
    float softness; /* --softness, in [0, 1] */
    bool verbose;   /* -v: timings on stderr */
    int fit;        /* --fit: a bd_fit value (0 = stretch, the library default) */
    bool refine;    /* --refine */
    int refine_radius; /* --refine-radius, frame pixels; 0 = library default */
    float refine_eps;  /* --refine-eps; 0 = library default */
    float feather;     /* --feather, frame pixels; 0 = off */
    bool have_class;
    int person_class; /* --class: channel of the model output that is the person */
    cli_precision precision; /* --precision (--fp16 = CLI_PREC_FP16) */
    int input_w, input_h; /* --input-size WxH for free model input dims; 0 = unset */
    float downsample_ratio; /* --downsample-ratio (RVM); 0 = automatic */
    bool no_fgr;            /* --no-fgr: composite the frame even if the model gives fgr */
    /* Model conventions (override the sidecar and what is inferred): */
    bool have_mean, have_std;
    float mean[3], std[3]; /* --mean, --std, or --range */
    int bgr;               /* --bgr 1, --rgb 0, unset -1 (set by cli_seg_opts_init) */
    int layout;            /* --layout: a bd_layout, 0 = unset */
    int output_kind;       /* --output-kind: a bd_output_kind, -1 = unset */
    const char *conventions_path; /* --conventions FILE; NULL = MODEL.backdrop if present */
    /* Video (a clip, a frame sequence, a camera): */
    int temporal;            /* --temporal: 1 on, 0 off, -1 unset (= on for a stream) */
    float temporal_strength; /* --temporal-strength, 0 = the library's default */
    bool reuse;              /* --reuse auto */
    bool stream;             /* set by the command: the frames are a video, in order */
    /* Set by `replace` only (not in CLI_SEG_LONGOPTS): */
    bool replace;       /* the frames are composited by the pipeline (replace) */
    float light_wrap;   /* --light-wrap, 0..1 */
    bool premultiplied; /* --premultiplied */
} cli_seg_opts;

/* Initialises *o (the "unset" markers of the convention options). */
void cli_seg_opts_init(cli_seg_opts *o);

/* The conventions of `model` (loaded from `path`): inferred, then the sidecar
 * (o->conventions_path, else PATH.backdrop if it exists), then o's flags (o may
 * be NULL). `note` receives which sidecar was used, or why none could be
 * inferred. Returns CLI_EXIT_OK; CLI_EXIT_FAIL after printing a sidecar error;
 * CLI_EXIT_USAGE if the model's conventions cannot be inferred (note says why). */
int cli_model_conventions(const char *path, const bd_model *model, const cli_seg_opts *o,
                          bd_model_conventions *out, char *note, size_t note_size);

/* Applies one getopt_long result to `o` if it is a shared segmentation option.
 * Returns -1 if `opt` is not one of them, CLI_EXIT_OK if applied, or
 * CLI_EXIT_USAGE after printing a usage error. */
int cli_seg_opt(const char *cmd, int opt, const char *arg, cli_seg_opts *o);

/* Checks the combination of shared options after parsing (e.g. --threshold needs
 * a positive softness). Returns CLI_EXIT_OK or CLI_EXIT_USAGE (printed). */
int cli_seg_check(const char *cmd, const cli_seg_opts *o);

/* The getopt_long entries for the shared options (end with a zero entry, so
 * copy the first CLI_SEG_N_LONGOPTS of them) and their help text. */
#define CLI_SEG_SHORTOPTS "v"
#define CLI_SEG_LONGOPTS                                                                   \
    {"model", required_argument, NULL, CLI_OPT_MODEL},                                     \
        {"threads", required_argument, NULL, CLI_OPT_THREADS},                             \
        {"threshold", required_argument, NULL, CLI_OPT_THRESHOLD},                         \
        {"softness", required_argument, NULL, CLI_OPT_SOFTNESS},                           \
        {"verbose", no_argument, NULL, CLI_OPT_VERBOSE},                                   \
        {"fit", required_argument, NULL, CLI_OPT_FIT},                                     \
        {"refine", no_argument, NULL, CLI_OPT_REFINE},                                     \
        {"refine-radius", required_argument, NULL, CLI_OPT_REFINE_RADIUS},                 \
        {"refine-eps", required_argument, NULL, CLI_OPT_REFINE_EPS},                       \
        {"feather", required_argument, NULL, CLI_OPT_FEATHER},                             \
        {"class", required_argument, NULL, CLI_OPT_CLASS},                                 \
        {"person-class", required_argument, NULL, CLI_OPT_CLASS},                          \
        {"mean", required_argument, NULL, CLI_OPT_MEAN},                                   \
        {"std", required_argument, NULL, CLI_OPT_STD},                                     \
        {"range", required_argument, NULL, CLI_OPT_RANGE},                                 \
        {"bgr", no_argument, NULL, CLI_OPT_BGR},                                           \
        {"rgb", no_argument, NULL, CLI_OPT_RGB},                                           \
        {"layout", required_argument, NULL, CLI_OPT_LAYOUT},                               \
        {"output-kind", required_argument, NULL, CLI_OPT_OUTPUT_KIND},                     \
        {"conventions", required_argument, NULL, CLI_OPT_CONVENTIONS},                     \
        {"fp16", no_argument, NULL, CLI_OPT_FP16},                                         \
        {"precision", required_argument, NULL, CLI_OPT_PRECISION},                         \
        {"temporal", required_argument, NULL, CLI_OPT_TEMPORAL},                           \
        {"temporal-strength", required_argument, NULL, CLI_OPT_TEMPORAL_STRENGTH},         \
        {"reuse", required_argument, NULL, CLI_OPT_REUSE},                                 \
        {"input-size", required_argument, NULL, CLI_OPT_INPUT_SIZE},                       \
        {"downsample-ratio", required_argument, NULL, CLI_OPT_DOWNSAMPLE_RATIO},           \
        {"no-fgr", no_argument, NULL, CLI_OPT_NO_FGR}
#define CLI_SEG_HELP                                                                       \
    "      --model PATH    segmentation model (.tflite, .onnx); default: $BACKDROP_MODEL,\n" \
    "                      else " BD_DEFAULT_MODEL "\n"                                      \
    "  Model conventions (default: inferred from the model, then MODEL.backdrop;\n"        \
    "  see 'backdrop info MODEL'):\n"                                                       \
    "      --class N, --person-class N\n"                                                   \
    "                      which channel of a multi-class model output is the person\n"    \
    "                      (0..4095; default: the only one, or 1 of 2 channels)\n"         \
    "      --mean R,G,B    input normalisation (x/255 - mean) / std, per channel in the\n" \
    "      --std R,G,B     model's order (one number = all three)\n"                       \
    "      --range R       the same as an input range: 0..1, -1..1 or 0..255\n"            \
    "      --bgr, --rgb    the model's colour order\n"                                      \
    "      --layout L      the image input's layout: nchw or nhwc\n"                        \
    "      --output-kind K the mask output holds prob, logits or alpha\n"                  \
    "      --conventions FILE  sidecar file to use instead of MODEL.backdrop\n"            \
    "      --input-size WxH  for free-size models (default: the frame's size for\n"    \
    "                      recurrent ones like RVM, else long side 512, multiples of 32)\n" \
    "      --downsample-ratio R  RVM's internal scale, (0, 1] (default: 1 up to a\n"   \
    "                      short side of 512, else 270/short side: 0.375 at 720p)\n"   \
    "      --no-fgr        composite the frame itself, not the model's foreground\n"    \
    "                      colour (RVM's fgr output)\n"                                  \
    "      --fit MODE      how IN is fitted to the model input: stretch (default),\n"     \
    "                      letterbox (keep aspect, pad) or crop (keep aspect, centre)\n"  \
    "      --refine        snap the mask to IN's edges (guided filter)\n"                  \
    "      --refine-radius N  its radius in pixels (1..1000; default max(w,h)/100)\n"     \
    "      --refine-eps E  its smoothing (0..1000; 0 = default 0.001)\n"                  \
    "      --feather N     soften the mask edge over about N pixels (0..1000)\n"          \
    "      --threads N     worker threads (1..256; default 1)\n"                            \
    "      --precision P   fp32 (default), fp16 (weights stored as FP16; needs F16C),\n"  \
    "                      bf16 (dense convolutions in bfloat16; needs AVX512_BF16)\n"  \
    "                      int8 (dense convolutions in u8 x s8; needs AVX512_VNNI)\n"  \
    "                      or auto (bf16 where a load-time timing finds it faster\n"  \
    "                      on this CPU, else fp32);\n"                                  \
    "                      unavailable ones run FP32 (error vs FP32: docs/NOTES.md)\n" \
    "      --fp16          the same as --precision fp16\n"                              \
    "      --threshold T   probability at which alpha is 0.5 (0..1); needs a softness\n"    \
    "      --softness S    width of the alpha ramp around the threshold (0..1);\n"          \
    "                      0 uses the model's probability as the alpha\n"                   \
    "  Video (a clip or several frames, in order):\n"                                         \
    "      --temporal on|off  keep the mask steady over time (default on for video;\n"      \
    "                      still pixels smoothed, moving ones follow at once)\n"            \
    "      --temporal-strength S  how strongly still pixels are smoothed (0.01..1;\n"       \
    "                      default 0.8)\n"                                                    \
    "      --reuse auto|off   skip the model on frames that barely changed and reuse\n"     \
    "                      its mask (default off)\n"                                         \
    "  -v, --verbose       print timings to stderr\n"

/* A frame and its person alpha, with everything used to compute them. */
typedef struct cli_seg_job {
    bd_model *model;
    bd_pipeline *pipeline;
    bd_image_buf *frame; /* RGB24, the decoded input (NULL for a video's frames) */
    bd_image_buf *alpha; /* GRAY8, frame size */
    double t_start_ms;   /* when the job started (for the total) */
    double decode_ms;
    double load_ms; /* model load + compile, part of mask_ms */
    double mask_ms; /* model load + pipeline + inference + upsampling */
    /* replace: each frame goes through bd_pipeline_replace (model + composite in one
     * call; light wrap and a matting model's fgr need it), so cli_seg_run and
     * cli_seg_next compute no alpha of their own. */
    bool direct;
    /* A model with free input dims is compiled for the frames' size: what it was
     * loaded with, to recompile when a frame of another size comes. */
    const cli_seg_opts *opts;
    bool free_dims;
    int sized_w, sized_h;
} cli_seg_job;

/* Resolves and loads the model, decodes `in_path` to RGB24, creates the pipeline
 * and computes the alpha (unless job->direct). On failure prints the error and returns false; the job
 * must be freed with cli_seg_job_free either way. */
bool cli_seg_run(const cli_seg_opts *o, const char *in_path, cli_seg_job *job);
void cli_seg_job_free(cli_seg_job *job);

/* Like cli_seg_run without a frame: resolves and loads the model (free input dims
 * sized for frames of frame_w x frame_h, 0 = unknown) and creates the pipeline,
 * for frames that come from elsewhere (a video). On failure
 * prints the error and returns false; free the job with cli_seg_job_free. */
bool cli_seg_start(const cli_seg_opts *o, int frame_w, int frame_h, cli_seg_job *job);

/* Computes job->alpha for `frame` (a borrowed view; RGB24, RGBA32 or GRAY8),
 * reallocating it if the size changed, with the job's pipeline (so a recurrent
 * model's state carries over). `what` names the frame in the error message.
 * On failure prints the error and returns false. */
bool cli_seg_mask_frame(cli_seg_job *job, const bd_image *frame, const char *what);

/* For a model with free input dims (and no --input-size): if `frame` has another
 * size than the one the model was compiled for, loads it again for this size and
 * makes a new pipeline (a recurrent model's state starts over). Called by
 * cli_seg_mask_frame; call it before a bd_pipeline_replace of your own. On failure
 * prints the error and returns false. */
bool cli_seg_fit_frame(cli_seg_job *job, const bd_image *frame);

/* The next frame of a sequence with the same model and pipeline (a recurrent
 * model's state carries over from the previous frame): decodes `in_path` into
 * job->frame and, if `mask`, computes job->alpha (reallocated if the size
 * changed). On failure prints the error and returns false. */
bool cli_seg_next(cli_seg_job *job, const char *in_path, bool mask);

/* Checks an output pattern for a sequence: exactly one %d or %0Nd (N = 1..9) and
 * no other '%'. Returns true if it is one. */
bool cli_is_sequence_pattern(const char *pattern);

/* Writes the name of frame `k` (from 1) of the sequence `pattern` (one that
 * cli_is_sequence_pattern accepts) into buf. Prints and returns false if the
 * name does not fit in `size` bytes. */
bool cli_sequence_name(char *buf, size_t size, const char *pattern, int k);

/* Whether an input goes to the image decoder: true if `path` is named .png,
 * .jpg or .jpeg (any case), starts with a PNG or JPEG signature, or is not a
 * readable regular file (the decoder then says what is wrong). False for any
 * other file: a command built with GStreamer reads that as a video. Reads at
 * most the first 8 bytes. */
bool cli_is_image_file(const char *path);

/* A one-line "frame N/TOTAL, F fps" progress display on stderr, only when stderr
 * is a terminal, redrawn at most every 0.5 s. An error printed meanwhile
 * (cli_error, cli_usage_error) starts on a line of its own. */
typedef struct cli_progress {
    bool on;        /* stderr is a terminal */
    long total;     /* frames expected; 0 = unknown */
    double t0_ms;   /* start, for the rate */
    double last_ms; /* last redraw */
} cli_progress;
void cli_progress_start(cli_progress *p, long total);
void cli_progress_update(cli_progress *p, long done);
/* Draws the final count and ends the line (call on success only). */
void cli_progress_end(cli_progress *p, long done);

#endif /* BD_CLI_H */
