/*
 * cli.c -- the helpers declared in cli.h: one-line error messages, strict
 * option parsing, model path resolution and the shared "segment one frame" job.
 * Every error leaves the process's state clean (handles freed by the caller via
 * cli_seg_job_free) so the commands can return from any point.
 */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Room for one error line; longer messages are truncated, never split. */
#define CLI_MSG_SIZE 1024

/* True while a progress line (cli_progress_update) is on stderr without its
 * newline: the next message must start on a line of its own. */
static bool progress_line_open;

static void end_progress_line(void) {
    if (progress_line_open) fputc('\n', stderr);
    progress_line_open = false;
}

/* Writes `prefix` and the formatted message as exactly one line on stderr:
 * control characters (e.g. a newline inside a library message or a file name)
 * become spaces, so scripts can rely on one line per error. */
static void vprint_line(const char *prefix, const char *fmt, va_list ap) {
    end_progress_line();
    char msg[CLI_MSG_SIZE];
    vsnprintf(msg, sizeof msg, fmt, ap);
    for (char *p = msg; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = ' ';
    }
    fprintf(stderr, "%s%s\n", prefix, msg);
}

void cli_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vprint_line("backdrop: ", fmt, ap);
    va_end(ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
    char prefix[64];
    snprintf(prefix, sizeof prefix, "backdrop %s: ", cmd);
    va_list ap;
    va_start(ap, fmt);
    vprint_line(prefix, fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try 'backdrop %s --help'.\n", cmd);
    return CLI_EXIT_USAGE;
}

int cli_getopt_error(const char *cmd, int ret, char **argv) {
    /* With opterr = 0 getopt_long reports through optopt: the char of a short
     * option, the val of a known long option (missing or unwanted argument), and 0
     * for an unknown long option. Long options never use a char as their val (see
     * CLI_OPT_*), so a char means a short option; otherwise the offending word is
     * argv[optind - 1], as the long option is always a whole word. */
    bool is_short = optopt > 0 && optopt < 0x100;
    const char *word = argv[optind - 1];
    if (ret == ':') {
        if (is_short) return cli_usage_error(cmd, "option '-%c' needs an argument", optopt);
        return cli_usage_error(cmd, "option '%s' needs an argument", word);
    }
    if (is_short) return cli_usage_error(cmd, "unknown option '-%c'", optopt);
    /* Name the option without any "=value" part. */
    int len = (int)strcspn(word, "=");
    if (optopt != 0) return cli_usage_error(cmd, "option '%.*s' takes no argument", len, word);
    return cli_usage_error(cmd, "unknown option '%.*s'", len, word);
}

bool cli_parse_int(const char *cmd, const char *opt, const char *s, long min, long max,
                   int *out) {
    char *end = NULL;
    errno = 0;
    long v = (*s == '\0' || *s == ' ' || *s == '\t') ? 0 : strtol(s, &end, 10);
    if (end == NULL || end == s || *end != '\0' || errno == ERANGE || v < min || v > max) {
        cli_usage_error(cmd, "invalid %s '%s' (expected an integer from %ld to %ld)", opt, s,
                        min, max);
        return false;
    }
    *out = (int)v;
    return true;
}

bool cli_parse_float(const char *cmd, const char *opt, const char *s, double min, double max,
                     float *out) {
    char *end = NULL;
    errno = 0;
    double v = (*s == '\0' || *s == ' ' || *s == '\t') ? 0 : strtod(s, &end);
    if (end == NULL || end == s || *end != '\0' || errno == ERANGE || !isfinite(v) || v < min ||
        v > max) {
        cli_usage_error(cmd, "invalid %s '%s' (expected a number from %g to %g)", opt, s, min,
                        max);
        return false;
    }
    *out = (float)v;
    return true;
}

bool cli_has_ext(const char *path, const char *ext) {
    size_t n = strlen(path), m = strlen(ext);
    if (n <= m) return false;
    const char *tail = path + n - m;
    for (size_t i = 0; i < m; i++) {
        char c = tail[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != ext[i]) return false;
    }
    /* "dir/.png" is a hidden file with no extension, not a PNG. */
    return tail[-1] != '/';
}

/* The default model: BD_DEFAULT_MODEL_NAME in <exe>/../share/backdrop/models (an
 * installed tree, wherever it was moved), then in each of BD_MODEL_DIRS (the
 * configured install data directory, then the source tree's models/). Returns
 * the first that exists, else NULL with `tried` listing the places. */
static const char *find_default_model(char *tried, size_t tried_size) {
    static char found[PATH_MAX];
    char dirs[3 * PATH_MAX] = "";
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(dirs, sizeof dirs, "%s/../share/backdrop/models:", exe);
        }
    }
    size_t len = strlen(dirs);
    snprintf(dirs + len, sizeof dirs - len, "%s", BD_MODEL_DIRS);
    tried[0] = '\0';
    for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        snprintf(found, sizeof found, "%s/%s", d, BD_DEFAULT_MODEL_NAME);
        struct stat st;
        if (stat(found, &st) == 0 && S_ISREG(st.st_mode)) return found;
        len = strlen(tried);
        snprintf(tried + len, tried_size - len, "%s'%s'", len ? ", " : "", found);
    }
    return NULL;
}

const char *cli_resolve_model(const char *opt_path) {
    /* The first source that is given wins; a later one is not tried when an
     * earlier one names a missing file, so a typo in --model is never masked. */
    const char *path = opt_path;
    if (path == NULL) {
        const char *env = getenv("BACKDROP_MODEL");
        if (env != NULL && env[0] != '\0') {
            path = env;
        } else {
            char tried[4 * PATH_MAX];
            path = find_default_model(tried, sizeof tried);
            if (path == NULL) {
                cli_error("no default model (looked for %s); run scripts/fetch-models.sh, set "
                          "BACKDROP_MODEL or pass --model",
                          tried);
                return NULL;
            }
        }
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        cli_error("no model found at '%s'; run scripts/fetch-models.sh or pass --model", path);
        return NULL;
    }
    return path;
}

/* Prints the library's message for a failure on `path`. When the message names
 * the path already it is printed as is, after `role` if given ("background:
 * cannot open '...'"); otherwise as "<what> '<path>': <message>". */
static void error_with_path(const char *role, const char *what, const char *path,
                            const char *msg) {
    if (strstr(msg, path) == NULL)
        cli_error("%s '%s': %s", what, path, msg);
    else if (role != NULL)
        cli_error("%s: %s", role, msg);
    else
        cli_error("%s", msg);
}

bool cli_parse_size(const char *cmd, const char *opt, const char *s, int *w, int *h) {
    char tail = 0;
    int pw = 0, ph = 0;
    if (sscanf(s, "%dx%d%c", &pw, &ph, &tail) != 2 || pw < 1 || ph < 1 ||
        pw > BD_MAX_INPUT_SIDE || ph > BD_MAX_INPUT_SIDE) {
        cli_usage_error(cmd, "invalid %s '%s' (expected WxH, 1..%d each)", opt, s,
                        BD_MAX_INPUT_SIDE);
        return false;
    }
    *w = pw;
    *h = ph;
    return true;
}

bool cli_parse_precision(const char *cmd, const char *arg, cli_precision *out) {
    static const char *const names[] = {"fp32", "fp16", "bf16", "auto", "int8"};
    for (int i = 0; i < 5; i++)
        if (strcmp(arg, names[i]) == 0) {
            *out = (cli_precision)i;
            return true;
        }
    cli_usage_error(cmd, "unknown --precision '%s' (fp32, fp16, bf16, int8 or auto)", arg);
    return false;
}

bd_precision cli_precision_request(cli_precision p) {
    switch (p) {
    case CLI_PREC_FP16: return BD_PRECISION_FP16;
    case CLI_PREC_BF16: return BD_PRECISION_BF16; /* the library falls back to FP32 */
    case CLI_PREC_INT8: return BD_PRECISION_INT8; /* the same without AVX512_VNNI */
    /* auto: the library times vdpbf16ps against the FMA at load and takes BF16
     * where it wins (src/runtime/precision.c). */
    case CLI_PREC_AUTO: return BD_PRECISION_AUTO;
    default: return BD_PRECISION_FP32;
    }
}

const char *cli_precision_name(bd_precision p) {
    return p == BD_PRECISION_INT8   ? "int8"
           : p == BD_PRECISION_BF16 ? "bf16"
           : p == BD_PRECISION_FP16 ? "fp16"
                                    : "fp32";
}

bool cli_load_model(const char *path, cli_precision prec, bd_model **out) {
    return cli_load_model_sized(path, prec, NULL, out);
}

bool cli_load_model_sized(const char *path, cli_precision prec, const cli_model_size *size,
                          bd_model **out) {
    bd_model *model = NULL;
    bd_model_options mo;
    bd_model_options_default(&mo);
    mo.precision = cli_precision_request(prec);
    if (size) {
        mo.input_width = size->input_w;
        mo.input_height = size->input_h;
        mo.frame_width = size->frame_w > 0 ? size->frame_w : CLI_FREE_DIM_DEFAULT;
        mo.frame_height = size->frame_h > 0 ? size->frame_h : CLI_FREE_DIM_DEFAULT;
        mo.downsample_ratio = size->downsample_ratio;
    }
    bd_status st = bd_model_create(&mo, &model);
    if (st != BD_OK) {
        cli_error("cannot create model: %s", bd_status_str(st));
        return false;
    }
    st = bd_model_load_file(model, path);
    if (st != BD_OK) {
        const char *msg = bd_model_last_error(model);
        error_with_path(NULL, "cannot load model", path,
                        (msg != NULL && msg[0] != '\0') ? msg : bd_status_str(st));
        bd_model_free(model);
        return false;
    }
    bd_model_stats stats = {.struct_size = sizeof stats};
    if ((prec == CLI_PREC_FP16 || prec == CLI_PREC_BF16 || prec == CLI_PREC_INT8) &&
        bd_model_get_stats(model, &stats) == BD_OK && stats.precision_note[0])
        fprintf(stderr, "backdrop: note: %s\n", stats.precision_note);
    *out = model;
    return true;
}

bool cli_read_image(const char *what, const char *path, bd_pixel_format want,
                    bd_image_buf **out) {
    char err[512] = "";
    bd_status st = bd_image_read_file(path, want, NULL, out, err, sizeof err);
    if (st != BD_OK) {
        char head[64];
        snprintf(head, sizeof head, "cannot read %s", what);
        error_with_path(what, head, path, err[0] ? err : bd_status_str(st));
        return false;
    }
    return true;
}

bool cli_write_image(const char *path, const bd_image *img, int jpeg_quality) {
    char err[512] = "";
    bd_status st = bd_image_write_file(path, img, jpeg_quality, err, sizeof err);
    if (st != BD_OK) {
        error_with_path(NULL, "cannot write", path, err[0] ? err : bd_status_str(st));
        return false;
    }
    return true;
}

double cli_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

void cli_timing(const char *label, double ms, const char *note) {
    fprintf(stderr, "backdrop: %-10s %8.1f ms%s%s\n", label, ms, note ? "  " : "",
            note ? note : "");
}

/* "a,b,c" or "a": three numbers (one repeated); nonzero if `nonzero`. */
static bool parse_triple(const char *cmd, const char *opt, const char *arg, bool nonzero,
                         float out[3]) {
    char buf[256];
    if (strlen(arg) >= sizeof buf) {
        cli_usage_error(cmd, "invalid %s '%.40s...' (too long)", opt, arg);
        return false;
    }
    strcpy(buf, arg);
    float v[3];
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (n == 3 || !cli_parse_float(cmd, opt, tok, -1e6, 1e6, &v[n])) {
            if (n == 3) cli_usage_error(cmd, "invalid %s '%s' (expected R,G,B)", opt, arg);
            return false;
        }
        if (nonzero && v[n] == 0.0f) {
            cli_usage_error(cmd, "invalid %s '%s' (a standard deviation must not be 0)", opt, arg);
            return false;
        }
        n++;
    }
    if (n != 1 && n != 3) {
        cli_usage_error(cmd, "invalid %s '%s' (expected R,G,B or one number)", opt, arg);
        return false;
    }
    for (int k = 0; k < 3; k++) out[k] = v[n == 1 ? 0 : k];
    return true;
}

void cli_seg_opts_init(cli_seg_opts *o) {
    memset(o, 0, sizeof *o);
    o->bgr = -1;
    o->output_kind = -1;
    o->temporal = -1;
}

int cli_model_conventions(const char *path, const bd_model *model, const cli_seg_opts *o,
                          bd_model_conventions *c, char *note, size_t note_size) {
    memset(c, 0, sizeof *c);
    c->struct_size = sizeof *c;
    char why[512] = "";
    if (bd_model_conventions_infer(model, c, why, sizeof why) != BD_OK) {
        snprintf(note, note_size, "cannot infer them: %s", why[0] ? why : "not an image model");
        return CLI_EXIT_USAGE;
    }
    char side[4096];
    const char *sidecar = o ? o->conventions_path : NULL;
    struct stat sb;
    if (!sidecar) {
        snprintf(side, sizeof side, "%s.backdrop", path);
        if (stat(side, &sb) == 0) sidecar = side;
    }
    if (sidecar) {
        bd_status st = bd_model_conventions_sidecar(model, sidecar, c, why, sizeof why);
        if (st != BD_OK) {
            cli_error("conventions: %s", why[0] ? why : bd_status_str(st));
            return CLI_EXIT_FAIL;
        }
        snprintf(note, note_size, "%s", sidecar);
    } else {
        snprintf(note, note_size, "none (%.200s.backdrop not found)", path);
    }
    if (!o) return CLI_EXIT_OK;
    if (o->have_mean) {
        memcpy(c->mean, o->mean, sizeof c->mean);
        c->from_norm = BD_FROM_CALLER;
    }
    if (o->have_std) {
        memcpy(c->std, o->std, sizeof c->std);
        c->from_norm = BD_FROM_CALLER;
    }
    if (o->bgr >= 0) {
        c->bgr = o->bgr;
        c->from_color = BD_FROM_CALLER;
    }
    if (o->layout) {
        c->layout = (bd_layout)o->layout;
        c->from_layout = BD_FROM_CALLER;
    }
    if (o->output_kind >= 0) {
        c->output_kind = (bd_output_kind)o->output_kind;
        c->from_output_kind = BD_FROM_CALLER;
    }
    if (o->have_class) {
        c->person_class = o->person_class;
        c->from_class = BD_FROM_CALLER;
    }
    return CLI_EXIT_OK;
}

int cli_seg_opt(const char *cmd, int opt, const char *arg, cli_seg_opts *o) {
    switch (opt) {
    case CLI_OPT_MODEL:
        if (arg[0] == '\0') return cli_usage_error(cmd, "empty --model path");
        o->model_path = arg;
        return CLI_EXIT_OK;
    case CLI_OPT_THREADS:
        return cli_parse_int(cmd, "--threads", arg, 1, 256, &o->n_threads) ? CLI_EXIT_OK
                                                                           : CLI_EXIT_USAGE;
    case CLI_OPT_THRESHOLD:
        o->have_threshold = true;
        return cli_parse_float(cmd, "--threshold", arg, 0.0, 1.0, &o->threshold)
                   ? CLI_EXIT_OK
                   : CLI_EXIT_USAGE;
    case CLI_OPT_SOFTNESS:
        o->have_softness = true;
        return cli_parse_float(cmd, "--softness", arg, 0.0, 1.0, &o->softness) ? CLI_EXIT_OK
                                                                               : CLI_EXIT_USAGE;
    case 'v':
    case CLI_OPT_VERBOSE:
        o->verbose = true;
        return CLI_EXIT_OK;
    case CLI_OPT_FIT:
        if (strcmp(arg, "stretch") == 0)
            o->fit = BD_FIT_STRETCH;
        else if (strcmp(arg, "letterbox") == 0)
            o->fit = BD_FIT_LETTERBOX;
        else if (strcmp(arg, "crop") == 0)
            o->fit = BD_FIT_CROP;
        else
            return cli_usage_error(cmd, "invalid --fit '%s' (expected stretch, letterbox or crop)",
                                   arg);
        return CLI_EXIT_OK;
    case CLI_OPT_REFINE:
        o->refine = true;
        return CLI_EXIT_OK;
    case CLI_OPT_REFINE_RADIUS:
        return cli_parse_int(cmd, "--refine-radius", arg, 1, 1000, &o->refine_radius)
                   ? CLI_EXIT_OK
                   : CLI_EXIT_USAGE;
    case CLI_OPT_REFINE_EPS:
        return cli_parse_float(cmd, "--refine-eps", arg, 0.0, 1000.0, &o->refine_eps)
                   ? CLI_EXIT_OK
                   : CLI_EXIT_USAGE;
    case CLI_OPT_FEATHER:
        return cli_parse_float(cmd, "--feather", arg, 0.0, 1000.0, &o->feather)
                   ? CLI_EXIT_OK
                   : CLI_EXIT_USAGE;
    case CLI_OPT_MEAN:
    case CLI_OPT_STD: {
        const char *name = opt == CLI_OPT_MEAN ? "--mean" : "--std";
        float *dst = opt == CLI_OPT_MEAN ? o->mean : o->std;
        if (!parse_triple(cmd, name, arg, opt == CLI_OPT_STD, dst)) return CLI_EXIT_USAGE;
        if (opt == CLI_OPT_MEAN) o->have_mean = true;
        else o->have_std = true;
        return CLI_EXIT_OK;
    }
    case CLI_OPT_RANGE: {
        float mean = 0.0f, std = 1.0f;
        if (strcmp(arg, "0..1") == 0) mean = 0.0f, std = 1.0f;
        else if (strcmp(arg, "-1..1") == 0) mean = 0.5f, std = 0.5f;
        else if (strcmp(arg, "0..255") == 0) mean = 0.0f, std = 1.0f / 255.0f;
        else return cli_usage_error(cmd, "invalid --range '%s' (expected 0..1, -1..1 or 0..255)", arg);
        for (int k = 0; k < 3; k++) o->mean[k] = mean, o->std[k] = std;
        o->have_mean = o->have_std = true;
        return CLI_EXIT_OK;
    }
    case CLI_OPT_BGR:
    case CLI_OPT_RGB:
        o->bgr = opt == CLI_OPT_BGR;
        return CLI_EXIT_OK;
    case CLI_OPT_LAYOUT:
        if (strcmp(arg, "nchw") == 0) o->layout = BD_LAYOUT_NCHW;
        else if (strcmp(arg, "nhwc") == 0) o->layout = BD_LAYOUT_NHWC;
        else return cli_usage_error(cmd, "invalid --layout '%s' (expected nchw or nhwc)", arg);
        return CLI_EXIT_OK;
    case CLI_OPT_OUTPUT_KIND:
        if (strcmp(arg, "prob") == 0) o->output_kind = BD_OUTPUT_PROB;
        else if (strcmp(arg, "logits") == 0) o->output_kind = BD_OUTPUT_LOGITS;
        else if (strcmp(arg, "alpha") == 0) o->output_kind = BD_OUTPUT_ALPHA;
        else
            return cli_usage_error(cmd, "invalid --output-kind '%s' (expected prob, logits or alpha)",
                                   arg);
        return CLI_EXIT_OK;
    case CLI_OPT_CONVENTIONS:
        if (arg[0] == '\0') return cli_usage_error(cmd, "empty --conventions path");
        o->conventions_path = arg;
        return CLI_EXIT_OK;
    case CLI_OPT_FP16:
        o->precision = CLI_PREC_FP16;
        return CLI_EXIT_OK;
    case CLI_OPT_PRECISION:
        return cli_parse_precision(cmd, arg, &o->precision) ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    case CLI_OPT_INPUT_SIZE:
        return cli_parse_size(cmd, "--input-size", arg, &o->input_w, &o->input_h)
                   ? CLI_EXIT_OK
                   : CLI_EXIT_USAGE;
    case CLI_OPT_DOWNSAMPLE_RATIO:
        if (!cli_parse_float(cmd, "--downsample-ratio", arg, 0.0, 1.0, &o->downsample_ratio))
            return CLI_EXIT_USAGE;
        if (!(o->downsample_ratio > 0.0f))
            return cli_usage_error(cmd, "--downsample-ratio must be above 0");
        return CLI_EXIT_OK;
    case CLI_OPT_NO_FGR:
        o->no_fgr = true;
        return CLI_EXIT_OK;
    case CLI_OPT_TEMPORAL:
        if (strcmp(arg, "on") == 0) o->temporal = 1;
        else if (strcmp(arg, "off") == 0) o->temporal = 0;
        else return cli_usage_error(cmd, "--temporal must be on or off, not '%s'", arg);
        return CLI_EXIT_OK;
    case CLI_OPT_TEMPORAL_STRENGTH:
        return cli_parse_float(cmd, "--temporal-strength", arg, 0.01, 1.0,
                               &o->temporal_strength)
                   ? CLI_EXIT_OK
                   : CLI_EXIT_USAGE;
    case CLI_OPT_REUSE:
        if (strcmp(arg, "auto") == 0) o->reuse = true;
        else if (strcmp(arg, "off") == 0) o->reuse = false;
        else return cli_usage_error(cmd, "--reuse must be auto or off, not '%s'", arg);
        return CLI_EXIT_OK;
    case CLI_OPT_CLASS:
        o->have_class = true;
        return cli_parse_int(cmd, "--class", arg, 0, 4095, &o->person_class) ? CLI_EXIT_OK
                                                                             : CLI_EXIT_USAGE;
    default:
        return -1;
    }
}

/* The pipeline options the command line asks for, on top of the library's. */
static bd_pipeline_options seg_pipeline_options(const cli_seg_opts *o) {
    bd_pipeline_options po;
    bd_pipeline_options_default(&po);
    if (o->n_threads > 0) po.n_threads = o->n_threads;
    if (o->have_threshold) po.threshold = o->threshold;
    if (o->have_softness) po.softness = o->softness;
    po.fit = o->fit;
    po.refine = o->refine ? 1 : 0;
    po.refine_radius = o->refine_radius;
    po.refine_eps = o->refine_eps;
    po.feather = o->feather;
    po.light_wrap = o->light_wrap;
    po.premultiplied = o->premultiplied ? 1 : 0;
    po.ignore_fgr = o->no_fgr ? 1 : 0;
    po.temporal = o->temporal >= 0 ? o->temporal : o->stream ? 1 : 0;
    po.temporal_strength = o->temporal_strength;
    po.reuse = o->reuse ? 1 : 0;
    return po;
}

int cli_seg_check(const char *cmd, const cli_seg_opts *o) {
    /* alpha = clamp((p - threshold) / softness + 0.5): with softness <= 0 the
     * library ignores the threshold, so a lone --threshold would silently do
     * nothing. Say so instead. */
    bd_pipeline_options po = seg_pipeline_options(o);
    if (o->have_threshold && !(po.softness > 0.0f))
        return cli_usage_error(cmd, "--threshold needs a --softness above 0");
    /* The refinement's knobs would silently do nothing without --refine. */
    if (!o->refine && (o->refine_radius > 0 || o->refine_eps > 0.0f))
        return cli_usage_error(cmd, "--refine-radius and --refine-eps need --refine");
    return CLI_EXIT_OK;
}

/* True if any input of `m` has free dims. */
static bool has_free_dims(const bd_model *m) {
    for (int i = 0; i < bd_model_n_inputs(m); i++)
        if (bd_model_input_free_dims(m, i)) return true;
    return false;
}

/* Resolves and loads the model of `o` into job->model (job->load_ms). Free input
 * dims take --input-size, else the size the library chooses for frames of fw x fh
 * (0: unknown, then CLI_FREE_DIM_DEFAULT square; cli_seg_fit_frame recompiles for a
 * frame of another size). */
static bool seg_load_model(const cli_seg_opts *o, cli_seg_job *job, const char **model_path,
                           int fw, int fh) {
    *model_path = cli_resolve_model(o->model_path);
    if (*model_path == NULL) return false;
    double t0 = cli_now_ms();
    cli_model_size size = {o->input_w, o->input_h, fw, fh, o->downsample_ratio};
    if (!cli_load_model_sized(*model_path, o->precision, &size, &job->model)) return false;
    job->load_ms = cli_now_ms() - t0;
    job->opts = o;
    job->free_dims = has_free_dims(job->model) && o->input_w == 0;
    job->sized_w = fw;
    job->sized_h = fh;
    if (o->verbose && has_free_dims(job->model)) {
        bd_tensor_info in;
        if (bd_model_input_info(job->model, 0, &in) == BD_OK && in.n_dims == 4)
            fprintf(stderr, "backdrop: free model input dims set: %s [%d, %d, %d, %d]\n",
                    in.name, (int)in.dims[0], (int)in.dims[1], (int)in.dims[2],
                    (int)in.dims[3]);
    }
    return true;
}

/* Creates job->pipeline over job->model (loaded from `model_path`). */
static bool seg_create_pipeline(const cli_seg_opts *o, const char *model_path, cli_seg_job *job) {
    bd_pipeline_options po = seg_pipeline_options(o);
    bd_model_conventions conv;
    char note[600];
    int crc = cli_model_conventions(model_path, job->model, o, &conv, note, sizeof note);
    if (crc == CLI_EXIT_FAIL) return false;
    if (crc == CLI_EXIT_OK) po.conventions = &conv; /* else the pipeline says why */
    job->direct = o->replace && (o->light_wrap > 0.0f ||
                                 (crc == CLI_EXIT_OK && conv.fgr_output >= 0 &&
                                  conv.fgr_output != conv.mask_output && !o->no_fgr));
    char why[512] = "";
    po.error_buf = why;
    po.error_buf_size = sizeof why;
    bd_status st = bd_pipeline_create(job->model, &po, &job->pipeline);
    if (st != BD_OK) {
        cli_error("cannot use model '%s': %s", model_path, why[0] ? why : bd_status_str(st));
        return false;
    }
    return true;
}

bool cli_seg_run(const cli_seg_opts *o, const char *in_path, cli_seg_job *job) {
    memset(job, 0, sizeof *job);
    job->t_start_ms = cli_now_ms();
    const char *model_path = NULL;

    double t1 = cli_now_ms();
    if (!cli_read_image("input", in_path, BD_PIXEL_RGB24, &job->frame)) return false;
    double t2 = cli_now_ms();
    job->decode_ms = t2 - t1;
    const bd_image *f = bd_image_view(job->frame);
    if (!seg_load_model(o, job, &model_path, f->width, f->height)) return false;

    if (!seg_create_pipeline(o, model_path, job)) return false;
    if (!job->direct && !cli_seg_mask_frame(job, bd_image_view(job->frame), in_path))
        return false;
    job->mask_ms = cli_now_ms() - t2; /* includes the model load */
    return true;
}

bool cli_seg_start(const cli_seg_opts *o, int frame_w, int frame_h, cli_seg_job *job) {
    memset(job, 0, sizeof *job);
    job->t_start_ms = cli_now_ms();
    const char *model_path = NULL;
    return seg_load_model(o, job, &model_path, frame_w, frame_h) &&
           seg_create_pipeline(o, model_path, job);
}

bool cli_seg_fit_frame(cli_seg_job *job, const bd_image *frame) {
    if (!job->free_dims || (frame->width == job->sized_w && frame->height == job->sized_h))
        return true;
    bd_pipeline_free(job->pipeline);
    bd_model_free(job->model);
    job->pipeline = NULL;
    job->model = NULL;
    const char *model_path = NULL;
    return seg_load_model(job->opts, job, &model_path, frame->width, frame->height) &&
           seg_create_pipeline(job->opts, model_path, job);
}

bool cli_seg_mask_frame(cli_seg_job *job, const bd_image *frame, const char *what) {
    if (!cli_seg_fit_frame(job, frame)) return false;
    const bd_image *a = job->alpha ? bd_image_view(job->alpha) : NULL;
    if (a == NULL || a->width != frame->width || a->height != frame->height) {
        bd_image_free(job->alpha);
        job->alpha = NULL;
        bd_status st = bd_image_alloc(frame->width, frame->height, BD_PIXEL_GRAY8, &job->alpha);
        if (st != BD_OK) {
            cli_error("cannot allocate a %dx%d mask: %s", frame->width, frame->height,
                      bd_status_str(st));
            return false;
        }
    }
    bd_status st = bd_pipeline_mask(job->pipeline, frame, bd_image_view(job->alpha));
    if (st != BD_OK) {
        const char *msg = bd_pipeline_last_error(job->pipeline);
        cli_error("segmentation of '%s' failed: %s", what,
                  (msg != NULL && msg[0] != '\0') ? msg : bd_status_str(st));
        return false;
    }
    return true;
}

void cli_seg_job_free(cli_seg_job *job) {
    /* Dependants first: the pipeline retains the model. */
    bd_pipeline_free(job->pipeline);
    bd_image_free(job->alpha);
    bd_image_free(job->frame);
    bd_model_free(job->model);
    memset(job, 0, sizeof *job);
}

bool cli_seg_next(cli_seg_job *job, const char *in_path, bool mask) {
    bd_image_free(job->frame);
    job->frame = NULL;
    if (!cli_read_image("input", in_path, BD_PIXEL_RGB24, &job->frame)) return false;
    return !mask || cli_seg_mask_frame(job, bd_image_view(job->frame), in_path);
}

bool cli_is_sequence_pattern(const char *p) {
    int n = 0;
    for (const char *q = strchr(p, '%'); q; q = strchr(q, '%')) {
        q++;
        if (q[0] == '0' && q[1] >= '1' && q[1] <= '9') q += 2;
        if (*q != 'd') return false;
        n++;
    }
    return n == 1;
}

bool cli_sequence_name(char *buf, size_t size, const char *pattern, int k) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    /* checked by cli_is_sequence_pattern: one %d or %0Nd */
    int len = snprintf(buf, size, pattern, k);
#pragma GCC diagnostic pop
    if (len < 0 || (size_t)len >= size) {
        cli_error("output name from '%s' is too long", pattern);
        return false;
    }
    return true;
}

bool cli_is_image_file(const char *path) {
    /* By name first: a broken file named as an image gets the image decoder's
     * message ("not a PNG file"), not a video decoder's guess. */
    if (cli_has_ext(path, ".png") || cli_has_ext(path, ".jpg") || cli_has_ext(path, ".jpeg"))
        return true;
    struct stat sb;
    FILE *f = (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) ? fopen(path, "rb") : NULL;
    if (f == NULL) return true; /* missing, a directory, unreadable: the decoder says which */
    unsigned char sig[8] = {0};
    size_t n = fread(sig, 1, sizeof sig, f);
    fclose(f);
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (n == sizeof png && memcmp(sig, png, sizeof png) == 0) return true;
    return n >= 3 && sig[0] == 0xff && sig[1] == 0xd8 && sig[2] == 0xff; /* JPEG SOI + marker */
}

void cli_progress_start(cli_progress *p, long total) {
    memset(p, 0, sizeof *p);
    p->on = isatty(STDERR_FILENO) == 1;
    p->total = total;
    p->t0_ms = p->last_ms = cli_now_ms();
}

/* "\rbackdrop: frame 37/120, 24.1 fps", padded so a shorter line covers a longer one. */
static void print_progress(cli_progress *p, long done, double now_ms) {
    double s = (now_ms - p->t0_ms) / 1000.0;
    double fps = s > 0.0 ? (double)done / s : 0.0;
    if (p->total > 0)
        fprintf(stderr, "\rbackdrop: frame %ld/%ld, %.1f fps    ", done, p->total, fps);
    else
        fprintf(stderr, "\rbackdrop: frame %ld, %.1f fps    ", done, fps);
    fflush(stderr);
    progress_line_open = true;
    p->last_ms = now_ms;
}

void cli_progress_update(cli_progress *p, long done) {
    if (!p->on) return;
    double now = cli_now_ms();
    if (now - p->last_ms >= 500.0) print_progress(p, done, now);
}

void cli_progress_end(cli_progress *p, long done) {
    if (!p->on) return;
    print_progress(p, done, cli_now_ms());
    end_progress_line();
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int cli_parse_background(const char *cmd, const char *spec, bd_background *bg,
                         const char **image_path) {
    memset(bg, 0, sizeof *bg);
    *image_path = NULL;
    if (spec[0] == '\0') return cli_usage_error(cmd, "empty background");
    if (strcmp(spec, "transparent") == 0) {
        bg->kind = BD_BG_TRANSPARENT;
    } else if (strcmp(spec, "blur") == 0) {
        bg->kind = BD_BG_BLUR;
        bg->blur_radius = 0; /* the library's default */
    } else if (strncmp(spec, "blur:", 5) == 0) {
        bg->kind = BD_BG_BLUR;
        if (!cli_parse_int(cmd, "blur radius", spec + 5, 1, CLI_MAX_BLUR_RADIUS, &bg->blur_radius))
            return CLI_EXIT_USAGE;
    } else if (strncmp(spec, "color:", 6) == 0) {
        const char *hex = spec + 6;
        if (hex[0] == '#') hex++;
        bool ok = strlen(hex) == 6;
        for (int i = 0; ok && i < 3; i++) {
            int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
            ok = hi >= 0 && lo >= 0;
            if (ok) bg->color[i] = (uint8_t)(hi * 16 + lo);
        }
        if (!ok)
            return cli_usage_error(cmd, "invalid colour '%s' (expected color:#RRGGBB)", spec);
        bg->kind = BD_BG_COLOR;
    } else {
        bg->kind = BD_BG_IMAGE;
        *image_path = spec;
    }
    return CLI_EXIT_OK;
}
