/*
 * conventions.c -- what a loaded model makes clear about its own conventions
 * (bd_model_conventions_infer) and its recurrent state pairs found by name
 * (bd_model_state_pairs). Reads only the compiled graph: shapes of the inputs
 * and outputs, names, the ops that produce the mask output, and the
 * conventions an ONNX file states in metadata_props ("backdrop.mean" = ...).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "runtime/runtime.h"

/* Most class channels a mask output may have (as the pipeline). */
#define MAX_CLASSES 4096
/* Largest image side accepted from a model shape. */
#define MAX_SIDE 16384

const char *bd_conv_source_name(bd_conv_source s) {
    switch (s) {
    case BD_FROM_DEFAULT: return "default";
    case BD_FROM_INFERRED: return "inferred";
    case BD_FROM_SIDECAR: return "sidecar";
    case BD_FROM_CALLER: return "caller";
    }
    return "?";
}

static void set_err(char *err, size_t size, const char *fmt, const char *name) {
    if (err && size > 0) snprintf(err, size, fmt, name);
}

static int same_shape(const bd_value *a, const bd_value *b) {
    if (a->dtype != BD_DTYPE_F32 || b->dtype != BD_DTYPE_F32 || a->n_dims != b->n_dims) return 0;
    for (int d = 0; d < a->n_dims; d++)
        if (a->dims[d] != b->dims[d]) return 0;
    return 1;
}

bd_status bd_model_state_pairs(const bd_model *m, int *inputs, int *outputs, int max, int *n) {
    if (!m || !n || max < 0 || (max > 0 && (!inputs || !outputs))) return BD_ERR_INVALID_ARG;
    if (!m->loaded) return BD_ERR_BAD_STATE;
    const bd_graph *g = &m->graph;
    int count = 0;
    unsigned char used_out[256] = {0};
    for (int i = 0; i < g->n_inputs; i++) {
        const bd_value *vi = &g->values[g->inputs[i]];
        for (int o = 0; o < g->n_outputs && o < 256; o++) {
            const bd_value *vo = &g->values[g->outputs[o]];
            if (used_out[o] || g->inputs[i] == g->outputs[o] || !same_shape(vi, vo) ||
                !bd_state_names_pair(vi->name, vo->name))
                continue;
            used_out[o] = 1;
            if (count < max) {
                inputs[count] = i;
                outputs[count] = o;
            }
            count++;
            break;
        }
    }
    *n = count;
    return BD_OK;
}

/* The kind of values the graph computes into value v: walks back through ops
 * that move values without changing their range. */
static bd_output_kind value_kind(const bd_graph *g, int v) {
    for (int hop = 0; hop < 64; hop++) {
        const bd_value *val = &g->values[v];
        if (val->producer < 0) return BD_OUTPUT_UNKNOWN;
        const bd_node *n = &g->nodes[val->producer];
        if (n->act == BD_ACT_SIGMOID) return BD_OUTPUT_PROB;
        if (n->act == BD_ACT_CLAMP) /* clip(x, 0, 1) and the like */
            return n->act_min >= 0.0f && n->act_max <= 1.0f ? BD_OUTPUT_PROB : BD_OUTPUT_UNKNOWN;
        if (n->act != BD_ACT_NONE) return BD_OUTPUT_UNKNOWN;
        const char *op = bd_op_name(n->op);
        if (!op) return BD_OUTPUT_UNKNOWN;
        if (strcmp(op, "SIGMOID") == 0 || strcmp(op, "SOFTMAX") == 0) return BD_OUTPUT_PROB;
        if (strcmp(op, "CLAMP") == 0)
            return n->act_min >= 0.0f && n->act_max <= 1.0f ? BD_OUTPUT_PROB : BD_OUTPUT_UNKNOWN;
        if (strcmp(op, "RESIZE_BILINEAR") == 0 || strcmp(op, "RESHAPE") == 0 ||
            strcmp(op, "TRANSPOSE") == 0 || strcmp(op, "AVGPOOL2D") == 0 ||
            strcmp(op, "MAXPOOL2D") == 0) {
            if (n->n_inputs < 1) return BD_OUTPUT_UNKNOWN;
            v = n->inputs[0];
            continue;
        }
        /* A linear op last, no activation: unbounded scores. */
        if (strcmp(op, "CONV2D") == 0 || strcmp(op, "DWCONV2D") == 0 ||
            strcmp(op, "TCONV2D") == 0 || strcmp(op, "FULLY_CONNECTED") == 0 ||
            strcmp(op, "ADD") == 0)
            return BD_OUTPUT_LOGITS;
        return BD_OUTPUT_UNKNOWN;
    }
    return BD_OUTPUT_UNKNOWN;
}

static int is_image_shape(const bd_value *v) {
    if (v->dtype != BD_DTYPE_F32 || v->n_dims != 4 || v->dims[0] != 1) return 0;
    for (int d = 1; d < 4; d++)
        if (v->dims[d] < 1 || v->dims[d] > MAX_SIDE) return 0;
    return v->dims[3] == 3 || v->dims[1] == 3;
}

static int is_state_input(const bd_model_conventions *c, int i) {
    for (int k = 0; k < c->n_state_pairs; k++)
        if (c->state_input[k] == i) return 1;
    return 0;
}

static int is_state_output(const bd_model_conventions *c, int o) {
    for (int k = 0; k < c->n_state_pairs; k++)
        if (c->state_output[k] == o) return 1;
    return 0;
}

/* Case-insensitive name match for the alpha outputs of matting models. */
/* True if s is one of the n names, ignoring ASCII case. */
static int name_in(const char *s, const char *const *names, size_t n) {
    for (size_t k = 0; k < n; k++) {
        const char *a = names[k], *b = s;
        while (*a && *b && tolower((unsigned char)*a) == tolower((unsigned char)*b)) a++, b++;
        if (!*a && !*b) return 1;
    }
    return 0;
}

static int is_alpha_name(const char *s) {
    static const char *const names[] = {"pha", "alpha", "matte", "alpha_matte", "pha_out"};
    return name_in(s, names, sizeof names / sizeof names[0]);
}

/* The foreground colour output of a matting model (RVM's fgr): named so, not a
 * state or the mask, [1,3,h,w] (NCHW) or [1,h,w,3] (NHWC) at the mask's size. */
static int find_fgr(const bd_graph *g, const bd_model_conventions *c) {
    static const char *const names[] = {"fgr", "foreground", "fgr_out", "fg"};
    const bd_value *mo = &g->values[g->outputs[c->mask_output]];
    if (mo->n_dims != 4) return -1;
    const int nchw = c->output_layout == BD_LAYOUT_NCHW;
    const int64_t mh = mo->dims[nchw ? 2 : 1], mw = mo->dims[nchw ? 3 : 2];
    for (int o = 0; o < g->n_outputs; o++) {
        const bd_value *v = &g->values[g->outputs[o]];
        if (o == c->mask_output || is_state_output(c, o) || v->dtype != BD_DTYPE_F32 ||
            v->n_dims != 4 || !name_in(v->name, names, sizeof names / sizeof names[0]))
            continue;
        if (v->dims[0] == 1 && v->dims[nchw ? 1 : 3] == 3 && v->dims[nchw ? 2 : 1] == mh &&
            v->dims[nchw ? 3 : 2] == mw)
            return o;
    }
    return -1;
}

/* Aspect ratio h:w equals in_h:in_w (the map covers the input). */
static int same_aspect(int64_t h, int64_t w, int in_h, int in_w) {
    return h >= 1 && w >= 1 && h <= MAX_SIDE && w <= MAX_SIDE && h * in_w == w * in_h;
}

/* bd_conventions_parse_text, then bd_conventions_derive on the result; conv is
 * changed only when both succeed. */
static bd_status parse_and_derive(const bd_model *m, const char *text, size_t len,
                                  const char *name, bd_conv_source src,
                                  bd_model_conventions *conv, char *err, size_t err_size) {
    if (!conv || conv->struct_size < sizeof(size_t)) return BD_ERR_INVALID_ARG;
    bd_model_conventions c;
    memset(&c, 0, sizeof c);
    memcpy(&c, conv, conv->struct_size < sizeof c ? conv->struct_size : sizeof c);
    c.struct_size = sizeof c;
    int reinfer = 0;
    bd_status st = bd_conventions_parse_text(m, text, len, name, src, &c, &reinfer, err, err_size);
    if (st != BD_OK) return st;
    char why[200] = "";
    if (bd_conventions_derive(m, &c, reinfer, why, sizeof why) != BD_OK) {
        if (err && err_size) snprintf(err, err_size, "%s: %s", name ? name : "sidecar", why);
        return BD_ERR_FORMAT;
    }
    memcpy(conv, &c, conv->struct_size < sizeof c ? conv->struct_size : sizeof c);
    return BD_OK;
}

/* Output layout and class count of the mask output; the rest of *c is set. */
static int infer_output(const bd_value *v, bd_model_conventions *c) {
    c->output_layout = c->layout;
    c->from_output_layout = BD_FROM_DEFAULT;
    if (v->dtype != BD_DTYPE_F32 || v->dims[0] != 1) return 0;
    if (v->n_dims == 3) {
        if (v->dims[1] < 1 || v->dims[1] > MAX_SIDE || v->dims[2] < 1 || v->dims[2] > MAX_SIDE)
            return 0;
        c->n_classes = 1;
        return 1;
    }
    if (v->n_dims != 4) return 0;
    for (int d = 1; d < 4; d++)
        if (v->dims[d] < 1 || v->dims[d] > MAX_SIDE) return 0;
    int nhwc = v->dims[3] <= MAX_CLASSES &&
               same_aspect(v->dims[1], v->dims[2], c->input_h, c->input_w);
    int nchw = v->dims[1] <= MAX_CLASSES &&
               same_aspect(v->dims[2], v->dims[3], c->input_h, c->input_w);
    if (nhwc != nchw) {
        c->output_layout = nhwc ? BD_LAYOUT_NHWC : BD_LAYOUT_NCHW;
        c->from_output_layout = BD_FROM_INFERRED;
    } else if (!nhwc) { /* neither: the smaller end axis holds the classes */
        c->output_layout = v->dims[3] <= v->dims[1] ? BD_LAYOUT_NHWC : BD_LAYOUT_NCHW;
    }
    c->n_classes = (int)(c->output_layout == BD_LAYOUT_NHWC ? v->dims[3] : v->dims[1]);
    return c->n_classes <= MAX_CLASSES;
}

bd_status bd_model_conventions_infer(const bd_model *m, bd_model_conventions *out, char *err,
                                     size_t err_size) {
    if (!m || !out || out->struct_size < sizeof(size_t)) return BD_ERR_INVALID_ARG;
    if (!m->loaded) {
        set_err(err, err_size, "%s", "the model is not loaded");
        return BD_ERR_BAD_STATE;
    }
    const bd_graph *g = &m->graph;
    bd_model_conventions c;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    for (int k = 0; k < 3; k++) c.std[k] = 1.0f; /* [0, 1] */
    c.person_class = -1;

    int n_pairs = 0;
    bd_model_state_pairs(m, c.state_input, c.state_output, BD_MAX_STATE_PAIRS, &n_pairs);
    c.n_state_pairs = n_pairs < BD_MAX_STATE_PAIRS ? n_pairs : BD_MAX_STATE_PAIRS;
    if (c.n_state_pairs > 0) c.from_states = BD_FROM_INFERRED;

    /* The image: the first non-state input shaped like one. */
    c.image_input = -1;
    for (int i = 0; i < g->n_inputs && c.image_input < 0; i++)
        if (!is_state_input(&c, i) && is_image_shape(&g->values[g->inputs[i]])) c.image_input = i;
    if (c.image_input < 0) {
        set_err(err, err_size, "%s",
                "no model input is an f32 image [1, H, W, 3] or [1, 3, H, W]");
        return BD_ERR_UNSUPPORTED;
    }
    c.from_image_input = g->n_inputs - c.n_state_pairs > 1 ? BD_FROM_INFERRED : BD_FROM_DEFAULT;
    const bd_value *in = &g->values[g->inputs[c.image_input]];
    const int last3 = in->dims[3] == 3, first3 = in->dims[1] == 3;
    if (last3 != first3) {
        c.layout = last3 ? BD_LAYOUT_NHWC : BD_LAYOUT_NCHW;
        c.from_layout = BD_FROM_INFERRED;
    } else { /* [1, 3, W, 3]: the format's habit */
        c.layout = (m->format && strcmp(m->format, "onnx") == 0) ? BD_LAYOUT_NCHW
                                                                  : BD_LAYOUT_NHWC;
    }
    c.input_h = (int)(c.layout == BD_LAYOUT_NHWC ? in->dims[1] : in->dims[2]);
    c.input_w = (int)(c.layout == BD_LAYOUT_NHWC ? in->dims[2] : in->dims[3]);

    /* The mask: an output named like an alpha, else the first non-state output. */
    c.mask_output = -1;
    for (int o = 0; o < g->n_outputs && c.mask_output < 0; o++)
        if (!is_state_output(&c, o) && is_alpha_name(g->values[g->outputs[o]].name)) {
            c.mask_output = o;
            c.from_mask_output = BD_FROM_INFERRED;
            c.output_kind = BD_OUTPUT_ALPHA;
            c.from_output_kind = BD_FROM_INFERRED;
        }
    for (int o = 0; o < g->n_outputs && c.mask_output < 0; o++)
        if (!is_state_output(&c, o)) c.mask_output = o;
    if (c.mask_output < 0) {
        set_err(err, err_size, "%s", "the model has no output besides its recurrent state");
        return BD_ERR_UNSUPPORTED;
    }
    const bd_value *mo = &g->values[g->outputs[c.mask_output]];
    if (!infer_output(mo, &c)) {
        set_err(err, err_size,
                "model output '%s' is not an f32 map [1, h, w, N], [1, N, h, w] or [1, h, w]",
                mo->name);
        return BD_ERR_UNSUPPORTED;
    }
    c.fgr_output = find_fgr(g, &c);
    if (c.output_kind == BD_OUTPUT_UNKNOWN) {
        c.output_kind = value_kind(g, g->outputs[c.mask_output]);
        if (c.output_kind != BD_OUTPUT_UNKNOWN) c.from_output_kind = BD_FROM_INFERRED;
    }
    /* What the file itself states (ONNX metadata_props "backdrop.KEY") counts as
     * inferred, checked like a sidecar. */
    if (g->conventions) {
        char why[256] = "";
        bd_status st = parse_and_derive(m, g->conventions, strlen(g->conventions),
                                        "metadata_props", BD_FROM_INFERRED, &c, why, sizeof why);
        if (st != BD_OK) {
            set_err(err, err_size, "the model's %s", why);
            return BD_ERR_FORMAT;
        }
    }
    size_t n = out->struct_size < sizeof c ? out->struct_size : sizeof c;
    memcpy(out, &c, n);
    out->struct_size = n;
    return BD_OK;
}

bd_status bd_conventions_derive(const bd_model *m, bd_model_conventions *c, int reinfer_output,
                                char *err, size_t err_size) {
    const bd_graph *g = &m->graph;
    if (c->image_input < 0 || c->image_input >= g->n_inputs || c->mask_output < 0 ||
        c->mask_output >= g->n_outputs) {
        set_err(err, err_size, "%s", "image input or mask output index out of range");
        return BD_ERR_INVALID_ARG;
    }
    const bd_value *in = &g->values[g->inputs[c->image_input]];
    const int ch = c->layout == BD_LAYOUT_NCHW ? 1 : 3;
    if (!is_image_shape(in) || in->dims[ch] != 3) {
        set_err(err, err_size, "model input '%s' is not an f32 image in the layout asked for",
                in->name);
        return BD_ERR_UNSUPPORTED;
    }
    c->input_h = (int)(c->layout == BD_LAYOUT_NHWC ? in->dims[1] : in->dims[2]);
    c->input_w = (int)(c->layout == BD_LAYOUT_NHWC ? in->dims[2] : in->dims[3]);
    const bd_value *mo = &g->values[g->outputs[c->mask_output]];
    bd_layout keep = c->output_layout;
    bd_conv_source keep_from = c->from_output_layout;
    if (!infer_output(mo, c)) {
        set_err(err, err_size,
                "model output '%s' is not an f32 map [1, h, w, N], [1, N, h, w] or [1, h, w]",
                mo->name);
        return BD_ERR_UNSUPPORTED;
    }
    if (!reinfer_output && mo->n_dims == 4) {
        c->output_layout = keep;
        c->from_output_layout = keep_from;
        c->n_classes = (int)(keep == BD_LAYOUT_NHWC ? mo->dims[3] : mo->dims[1]);
        if (c->n_classes > MAX_CLASSES) {
            set_err(err, err_size, "model output '%s' has too many channels", mo->name);
            return BD_ERR_UNSUPPORTED;
        }
    }
    return BD_OK;
}

/* The public parse: the text's keys (sidecar.c), then the fields that follow
 * from them. */
bd_status bd_model_conventions_parse(const bd_model *m, const char *text, size_t len,
                                     const char *name, bd_model_conventions *conv, char *err,
                                     size_t err_size) {
    return parse_and_derive(m, text, len, name, BD_FROM_SIDECAR, conv, err, err_size);
}

bd_status bd_model_conventions_sidecar(const bd_model *m, const char *path,
                                       bd_model_conventions *conv, char *err, size_t err_size) {
    if (err && err_size) err[0] = '\0';
    if (!m || !path || !conv) return BD_ERR_INVALID_ARG;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (err && err_size) snprintf(err, err_size, "cannot open '%s': %s", path, strerror(errno));
        return BD_ERR_IO;
    }
    char *buf = malloc(BD_SIDECAR_MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        return BD_ERR_NO_MEMORY;
    }
    size_t len = fread(buf, 1, BD_SIDECAR_MAX_BYTES + 1, f);
    int bad = ferror(f);
    fclose(f);
    bd_status st;
    if (bad) {
        if (err && err_size) snprintf(err, err_size, "cannot read '%s'", path);
        st = BD_ERR_IO;
    } else {
        st = bd_model_conventions_parse(m, buf, len, path, conv, err, err_size);
    }
    free(buf);
    return st;
}
