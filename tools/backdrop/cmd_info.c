/*
 * cmd_info.c -- `backdrop info [MODEL]`: loads (imports and compiles) a model
 * and prints what it is and what it costs, as aligned "key  value" lines:
 * file, format, description, inputs and outputs, the op histogram of the file,
 * ops after compilation, parameters, multiply-adds per inference, weight and
 * arena bytes, the kernel ISA chosen for this CPU, and the model's conventions
 * (image layout, colour order, normalisation, mask output, recurrent state) with
 * where each came from: inferred from the model, its sidecar file, or default.
 */
#define _POSIX_C_SOURCE 200809L

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define CMD "info"
enum { OPT_FRAME = 0x200 };
#define KEY_WIDTH 14 /* the key column: "multiply-adds" + 1 */

static void usage(FILE *f) {
    fputs("Usage: backdrop info [MODEL] [OPTIONS]\n"
          "Load a segmentation model and describe it: inputs, outputs, ops, parameters,\n"
          "multiply-adds per inference, memory, the kernels chosen for this CPU and the\n"
          "model's conventions (layout, colours, normalisation, output kind, recurrent\n"
          "state), each marked inferred, sidecar (MODEL.backdrop) or default.\n"
          "\n"
          "Options:\n"
          "      --model PATH  the model (same as MODEL); default: $BACKDROP_MODEL,\n"
          "                    else " BD_DEFAULT_MODEL "\n"
          "      --frame WxH   for a model with free input dims: the size chosen for\n"
          "                    frames of WxH (default 512x512)\n"
          "      --input-size WxH  set the free input dims directly\n"
          "      --downsample-ratio R  RVM's internal scale (default: automatic)\n"
          "      --precision P fp32 (default), fp16, bf16, int8 or auto (bf16 where it\n"
          "                    measures faster on this CPU): the precision to compile for;\n"
          "                    'precision' then says what it got (--fp16 = fp16)\n"
          "  -h, --help        print this help and exit\n",
          f);
}

static const char *dtype_name(bd_dtype dtype) {
    switch (dtype) {
    case BD_DTYPE_F32: return "f32";
    case BD_DTYPE_F16: return "f16";
    case BD_DTYPE_I32: return "i32";
    case BD_DTYPE_U8: return "u8";
    case BD_DTYPE_I8: return "i8";
    case BD_DTYPE_I64: return "i64";
    }
    return "?";
}

/* A count with an SI suffix: 59200000 -> "59.2 M"; below 1000 as is. */
static void format_count(int64_t n, char *buf, size_t size) {
    static const char *const suffix[] = {"K", "M", "G", "T"};
    if (n < 1000) {
        snprintf(buf, size, "%" PRId64, n);
        return;
    }
    double v = (double)n / 1000.0;
    int i = 0;
    while (v >= 999.95 && i < 3) {
        v /= 1000.0;
        i++;
    }
    snprintf(buf, size, "%.1f %s", v, suffix[i]);
}

/* A byte size in binary units with the exact count: "243.2 KiB (249024 bytes)". */
static void format_bytes(size_t n, char *buf, size_t size) {
    static const char *const suffix[] = {"KiB", "MiB", "GiB", "TiB"};
    if (n < 1024) {
        snprintf(buf, size, "%zu bytes", n);
        return;
    }
    double v = (double)n / 1024.0;
    int i = 0;
    while (v >= 1023.95 && i < 3) {
        v /= 1024.0;
        i++;
    }
    snprintf(buf, size, "%.1f %s (%zu bytes)", v, suffix[i], n);
}

static void print_key(const char *key) { printf("%-*s", KEY_WIDTH, key); }

/* One input or output: name, dtype and shape, names padded to `name_width`. */
/* Free dims (bit d of `free_dims`) print as "H=512 (free)". */
static void print_tensor(const char *key, const bd_tensor_info *t, int name_width,
                         unsigned free_dims) {
    print_key(key);
    printf("%-*s  %-3s  [", name_width, t->name, dtype_name(t->dtype));
    for (int d = 0; d < t->n_dims && d < BD_MAX_DIMS; d++)
        printf("%s%" PRId64 "%s", d ? ", " : "", t->dims[d], (free_dims >> d) & 1 ? "*" : "");
    printf("]%s\n", free_dims ? "  (* free: set at load for --frame or --input-size)" : "");
}

/* bd_model_op_counts callbacks: the first pass measures the widest op name so
 * the second can align the counts. */
typedef struct op_table {
    int name_width;
    int total;
} op_table;

static void op_measure(const char *op_name, int count, void *user) {
    op_table *t = user;
    int w = (int)strlen(op_name);
    if (w > t->name_width) t->name_width = w;
    t->total += count;
}

static void op_print(const char *op_name, int count, void *user) {
    const op_table *t = user;
    print_key("");
    printf("  %-*s %6d\n", t->name_width, op_name, count);
}

static const char *layout_name(bd_layout l) { return l == BD_LAYOUT_NCHW ? "NCHW" : "NHWC"; }

static const char *kind_name(bd_output_kind k) {
    switch (k) {
    case BD_OUTPUT_PROB: return "probability";
    case BD_OUTPUT_LOGITS: return "logits";
    case BD_OUTPUT_ALPHA: return "alpha matte";
    case BD_OUTPUT_UNKNOWN: break;
    }
    return "unknown (decided per frame)";
}

/* The model's conventions and where each came from (inferred, sidecar, default). */
static void print_conventions(const bd_model *model, const bd_model_conventions *c) {
    bd_tensor_info in, out;
    if (bd_model_input_info(model, c->image_input, &in) != BD_OK ||
        bd_model_output_info(model, c->mask_output, &out) != BD_OK)
        return;
    print_key("image input");
    printf("%s: %s %dx%d  (%s)\n", in.name, layout_name(c->layout), c->input_w, c->input_h,
           bd_conv_source_name(c->from_layout));
    print_key("colour order");
    printf("%s  (%s)\n", c->bgr ? "BGR" : "RGB", bd_conv_source_name(c->from_color));
    print_key("normalise");
    printf("(x/255 - mean) / std, mean %g,%g,%g std %g,%g,%g  (%s)\n", c->mean[0], c->mean[1],
           c->mean[2], c->std[0], c->std[1], c->std[2], bd_conv_source_name(c->from_norm));
    print_key("mask output");
    printf("%s: %s, %d channel%s  (%s)\n", out.name, layout_name(c->output_layout), c->n_classes,
           c->n_classes == 1 ? "" : "s", bd_conv_source_name(c->from_output_layout));
    print_key("output kind");
    printf("%s  (%s)\n", kind_name(c->output_kind), bd_conv_source_name(c->from_output_kind));
    print_key("person class");
    if (c->person_class >= 0)
        printf("%d  (%s)\n", c->person_class, bd_conv_source_name(c->from_class));
    else if (c->n_classes <= 2)
        printf("%d  (default)\n", c->n_classes - 1);
    else
        printf("not known: pass --class N  (default)\n");
    print_key("state");
    if (c->n_state_pairs == 0) printf("none\n");
    for (int k = 0; k < c->n_state_pairs; k++) {
        bd_tensor_info si, so;
        if (bd_model_input_info(model, c->state_input[k], &si) != BD_OK ||
            bd_model_output_info(model, c->state_output[k], &so) != BD_OK)
            continue;
        if (k) print_key("");
        printf("%s -> %s  (%s)\n", so.name, si.name, bd_conv_source_name(c->from_states));
    }
    bd_tensor_info fi;
    if (c->fgr_output >= 0 && c->fgr_output != c->mask_output &&
        bd_model_output_info(model, c->fgr_output, &fi) == BD_OK) {
        print_key("foreground");
        printf("%s: composited as fgr * alpha + bg * (1 - alpha) at the model's size "
               "(--no-fgr: the frame)  (inferred)\n",
               fi.name);
    }
}

/* Prints everything about a loaded model. Returns an exit code. */
static int describe(const char *path, const bd_model *model, const bd_model_conventions *conv,
                    const char *conv_note) {
    bd_model_stats stats;
    memset(&stats, 0, sizeof stats);
    stats.struct_size = sizeof stats;
    bd_status st = bd_model_get_stats(model, &stats);
    if (st != BD_OK) {
        const char *msg = bd_model_last_error(model);
        cli_error("cannot get the statistics of '%s': %s", path,
                  (msg != NULL && msg[0]) ? msg : bd_status_str(st));
        return CLI_EXIT_FAIL;
    }

    print_key("file");
    printf("%s\n", path);
    print_key("format");
    printf("%s\n", stats.format ? stats.format : "?");
    print_key("description");
    printf("%s\n", (stats.description && stats.description[0]) ? stats.description : "(none)");

    /* Inputs and outputs share one name column. */
    int n_in = bd_model_n_inputs(model), n_out = bd_model_n_outputs(model);
    int name_width = 4;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < n_in + n_out; i++) {
            bd_tensor_info t;
            bool is_in = i < n_in;
            int index = is_in ? i : i - n_in;
            st = is_in ? bd_model_input_info(model, index, &t)
                       : bd_model_output_info(model, index, &t);
            if (st != BD_OK) {
                cli_error("cannot describe %s %d of '%s': %s", is_in ? "input" : "output", index,
                          path, bd_status_str(st));
                return CLI_EXIT_FAIL;
            }
            t.name[BD_MAX_NAME - 1] = '\0';
            if (pass == 0) {
                int w = (int)strlen(t.name);
                if (w > name_width) name_width = w;
            } else {
                char key[32];
                snprintf(key, sizeof key, "%s %d", is_in ? "input" : "output", index);
                print_tensor(key, &t, name_width,
                             is_in ? bd_model_input_free_dims(model, index) : 0);
            }
        }
    }

    op_table ops = {0, 0};
    st = bd_model_op_counts(model, op_measure, &ops);
    if (st != BD_OK) {
        cli_error("cannot count the ops of '%s': %s", path, bd_status_str(st));
        return CLI_EXIT_FAIL;
    }
    print_key("ops");
    printf("%d in the file, %d after compile\n", stats.n_ops_imported, stats.n_ops_compiled);
    bd_model_op_counts(model, op_print, &ops);

    char buf[96];
    print_key("parameters");
    format_count(stats.n_params, buf, sizeof buf);
    printf("%s (%" PRId64 ")\n", buf, stats.n_params);
    print_key("multiply-adds");
    format_count(stats.n_macs, buf, sizeof buf);
    printf("%s per inference\n", buf);
    print_key("weights");
    format_bytes(stats.weight_bytes, buf, sizeof buf);
    printf("%s\n", buf);
    print_key("arena");
    format_bytes(stats.arena_bytes, buf, sizeof buf);
    printf("%s per session\n", buf);
    if (stats.downsample_ratio > 0) {
        print_key("downsample");
        printf("%.4g (input downsample_ratio; --downsample-ratio R)\n",
               (double)stats.downsample_ratio);
    }
    print_key("kernels");
    bd_isa best = bd_isa_detect();
    if (best != stats.isa)
        printf("%s (this CPU supports %s)\n", bd_isa_name(stats.isa), bd_isa_name(best));
    else
        printf("%s\n", bd_isa_name(stats.isa));
    print_key("precision");
    printf("%s", cli_precision_name(stats.precision));
    if (stats.n_ops_bf16 > 0)
        printf(" (%d ops with bf16 weights and activations)", stats.n_ops_bf16);
    if (stats.n_ops_fp16 > 0) printf(" (%d ops with fp16 weights)", stats.n_ops_fp16);
    printf("%s%s\n", stats.precision_note[0] ? "; note: " : "", stats.precision_note);
    if (conv) {
        print_key("sidecar");
        printf("%s\n", conv_note);
        print_conventions(model, conv);
    } else {
        print_key("conventions");
        printf("%s\n", conv_note);
    }
    return CLI_EXIT_OK;
}

int cli_cmd_info(int argc, char **argv) {
    static const struct option longopts[] = {
        {"model", required_argument, NULL, CLI_OPT_MODEL},
        {"input-size", required_argument, NULL, CLI_OPT_INPUT_SIZE},
        {"frame", required_argument, NULL, OPT_FRAME},
        {"downsample-ratio", required_argument, NULL, CLI_OPT_DOWNSAMPLE_RATIO},
        {"precision", required_argument, NULL, CLI_OPT_PRECISION},
        {"fp16", no_argument, NULL, CLI_OPT_FP16},
        {"help", no_argument, NULL, CLI_OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *model_opt = NULL;
    cli_model_size size = {0};
    cli_precision prec = CLI_PREC_FP32;

    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case CLI_OPT_MODEL:
            if (optarg[0] == '\0') return cli_usage_error(CMD, "empty --model path");
            model_opt = optarg;
            break;
        case CLI_OPT_INPUT_SIZE:
            if (!cli_parse_size(CMD, "--input-size", optarg, &size.input_w, &size.input_h))
                return CLI_EXIT_USAGE;
            break;
        case OPT_FRAME:
            if (!cli_parse_size(CMD, "--frame", optarg, &size.frame_w, &size.frame_h))
                return CLI_EXIT_USAGE;
            break;
        case CLI_OPT_DOWNSAMPLE_RATIO:
            if (!cli_parse_float(CMD, "--downsample-ratio", optarg, 0.001, 1.0,
                                 &size.downsample_ratio))
                return CLI_EXIT_USAGE;
            break;
        case CLI_OPT_PRECISION:
            if (!cli_parse_precision(CMD, optarg, &prec)) return CLI_EXIT_USAGE;
            break;
        case CLI_OPT_FP16: prec = CLI_PREC_FP16; break;
        case 'h':
        case CLI_OPT_HELP:
            usage(stdout);
            return CLI_EXIT_OK;
        default:
            return cli_getopt_error(CMD, opt, argv);
        }
    }
    if (optind < argc) {
        if (model_opt != NULL || argc - optind > 1)
            return cli_usage_error(CMD, "unexpected argument '%s' (one model at a time)",
                                   argv[model_opt != NULL ? optind : optind + 1]);
        if (argv[optind][0] == '\0') return cli_usage_error(CMD, "empty model path");
        model_opt = argv[optind];
    }

    const char *path = cli_resolve_model(model_opt);
    if (path == NULL) return CLI_EXIT_FAIL;
    bd_model *model = NULL;
    if (!cli_load_model_sized(path, prec, &size, &model))
        return CLI_EXIT_FAIL;
    bd_model_conventions conv;
    char note[600] = "";
    int rc = cli_model_conventions(path, model, NULL, &conv, note, sizeof note);
    if (rc == CLI_EXIT_OK || rc == CLI_EXIT_USAGE) /* usage: not an image model */
        rc = describe(path, model, rc == CLI_EXIT_OK ? &conv : NULL, note);
    bd_model_free(model);
    return rc;
}
