/*
 * sidecar.c -- the conventions sidecar file (bd_model_conventions_sidecar,
 * bd_model_conventions_parse): "key = value" lines next to a model that say
 * what the model cannot (normalisation, colour order, class index, ...).
 *
 * The text is untrusted: its size is capped, every line is checked (length,
 * characters, a known key, each key once, a value of the right form) and the
 * first problem is reported as "name:line: what is wrong". Nothing is applied
 * unless the whole file is good. The same parser reads the conventions an ONNX
 * file states in its metadata_props ("backdrop.KEY" entries, conventions.c).
 * A text parser only: conventions.c reads the file and derives the fields
 * that follow from the keys (bd_conventions_derive), so calls go one way.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"

#define SIDECAR_MAX_LINE 1024

typedef struct parser {
    const bd_model *model;
    const char *name;
    int line;
    char *err;
    size_t err_size;
    bd_model_conventions c;
    unsigned seen; /* bit per key */
    int n_state;   /* state lines so far */
    int set_output_layout, set_mask_output;
    bd_conv_source src; /* what the applied keys are marked as */
} parser;

static bd_status fail(parser *p, bd_status st, const char *fmt, const char *a) {
    if (p->err && p->err_size > 0) {
        char msg[256];
        snprintf(msg, sizeof msg, fmt, a);
        snprintf(p->err, p->err_size, "%s:%d: %s", p->name, p->line, msg);
    }
    return st;
}

static int parse_number(const char *s, float *out) {
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v) || fabs(v) > 1e6) return 0;
    *out = (float)v;
    return 1;
}

/* "a, b, c" or "a": three numbers (one repeated). */
static int parse_triple(char *s, float out[3]) {
    char *parts[4];
    int n = 0;
    for (char *tok = s;; n++) {
        if (n == 3) return 0;
        char *comma = strchr(tok, ',');
        if (comma) *comma = '\0';
        /* trim */
        while (*tok == ' ' || *tok == '\t') tok++;
        char *e = tok + strlen(tok);
        while (e > tok && (e[-1] == ' ' || e[-1] == '\t')) *--e = '\0';
        parts[n] = tok;
        if (!comma) {
            n++;
            break;
        }
        tok = comma + 1;
    }
    if (n != 1 && n != 3) return 0;
    for (int k = 0; k < n; k++)
        if (!parse_number(parts[k], &out[k])) return 0;
    if (n == 1) out[1] = out[2] = out[0];
    return 1;
}

static int parse_layout(const char *s, bd_layout *out) {
    if (strcmp(s, "nchw") == 0 || strcmp(s, "NCHW") == 0) *out = BD_LAYOUT_NCHW;
    else if (strcmp(s, "nhwc") == 0 || strcmp(s, "NHWC") == 0) *out = BD_LAYOUT_NHWC;
    else return 0;
    return 1;
}

/* An input or output by name or decimal index; -1 if none. */
static int find_io(const bd_model *m, int is_input, const char *s) {
    const int n = is_input ? bd_model_n_inputs(m) : bd_model_n_outputs(m);
    bd_tensor_info t;
    for (int i = 0; i < n; i++) {
        if ((is_input ? bd_model_input_info(m, i, &t) : bd_model_output_info(m, i, &t)) != BD_OK)
            continue;
        if (strcmp(t.name, s) == 0) return i;
    }
    if (s[0] >= '0' && s[0] <= '9' && strlen(s) <= 4) {
        int v = 0;
        for (const char *q = s; *q; q++) {
            if (*q < '0' || *q > '9') return -1;
            v = v * 10 + (*q - '0');
        }
        return v < n ? v : -1;
    }
    return -1;
}

enum { K_LAYOUT, K_COLOR, K_MEAN, K_STD, K_RANGE, K_OUTPUT, K_CLASS, K_IMAGE, K_MASK,
       K_OUT_LAYOUT, K_STATE, K_COUNT };
static const char *const KEYS[K_COUNT] = {"layout", "color", "mean", "std", "range", "output",
                                          "person_class", "image_input", "mask_output",
                                          "output_layout", "state"};

static bd_status apply(parser *p, const char *key, char *val) {
    int k = 0;
    while (k < K_COUNT && strcmp(KEYS[k], key) != 0) k++;
    if (k == K_COUNT) return fail(p, BD_ERR_FORMAT, "unknown key '%s'", key);
    if (k != K_STATE && (p->seen >> k) & 1u)
        return fail(p, BD_ERR_FORMAT, "key '%s' given twice", key);
    if ((k == K_RANGE && (p->seen & ((1u << K_MEAN) | (1u << K_STD)))) ||
        ((k == K_MEAN || k == K_STD) && (p->seen & (1u << K_RANGE))))
        return fail(p, BD_ERR_FORMAT, "'%s' and 'range' both set the normalisation", key);
    p->seen |= 1u << k;
    bd_model_conventions *c = &p->c;
    switch (k) {
    case K_LAYOUT:
        if (!parse_layout(val, &c->layout))
            return fail(p, BD_ERR_FORMAT, "layout '%s' (expected nchw or nhwc)", val);
        c->from_layout = p->src;
        return BD_OK;
    case K_OUT_LAYOUT:
        if (!parse_layout(val, &c->output_layout))
            return fail(p, BD_ERR_FORMAT, "output_layout '%s' (expected nchw or nhwc)", val);
        c->from_output_layout = p->src;
        p->set_output_layout = 1;
        return BD_OK;
    case K_COLOR:
        if (strcmp(val, "rgb") == 0) c->bgr = 0;
        else if (strcmp(val, "bgr") == 0) c->bgr = 1;
        else return fail(p, BD_ERR_FORMAT, "color '%s' (expected rgb or bgr)", val);
        c->from_color = p->src;
        return BD_OK;
    case K_MEAN:
    case K_STD: {
        float v[3];
        if (!parse_triple(val, v))
            return fail(p, BD_ERR_FORMAT, "%s: expected one or three numbers 'R, G, B'", key);
        for (int j = 0; j < 3; j++) {
            if (k == K_STD && !(fabsf(v[j]) >= 1e-6f))
                return fail(p, BD_ERR_FORMAT, "%s: a standard deviation must not be 0", key);
            (k == K_MEAN ? c->mean : c->std)[j] = v[j];
        }
        c->from_norm = p->src;
        return BD_OK;
    }
    case K_RANGE: {
        float mean = 0.0f, std = 1.0f;
        if (strcmp(val, "0..1") == 0) mean = 0.0f, std = 1.0f;
        else if (strcmp(val, "-1..1") == 0) mean = 0.5f, std = 0.5f;
        else if (strcmp(val, "0..255") == 0) mean = 0.0f, std = 1.0f / 255.0f;
        else return fail(p, BD_ERR_FORMAT, "range '%s' (expected 0..1, -1..1 or 0..255)", val);
        for (int j = 0; j < 3; j++) c->mean[j] = mean, c->std[j] = std;
        c->from_norm = p->src;
        return BD_OK;
    }
    case K_OUTPUT:
        if (strcmp(val, "prob") == 0) c->output_kind = BD_OUTPUT_PROB;
        else if (strcmp(val, "logits") == 0) c->output_kind = BD_OUTPUT_LOGITS;
        else if (strcmp(val, "alpha") == 0) c->output_kind = BD_OUTPUT_ALPHA;
        else return fail(p, BD_ERR_FORMAT, "output '%s' (expected prob, logits or alpha)", val);
        c->from_output_kind = p->src;
        return BD_OK;
    case K_CLASS: {
        int v = 0;
        if (!val[0] || strlen(val) > 4) return fail(p, BD_ERR_FORMAT, "person_class '%s' (0..4095)", val);
        for (const char *q = val; *q; q++) {
            if (*q < '0' || *q > '9')
                return fail(p, BD_ERR_FORMAT, "person_class '%s' (0..4095)", val);
            v = v * 10 + (*q - '0');
        }
        if (v > 4095) return fail(p, BD_ERR_FORMAT, "person_class '%s' (0..4095)", val);
        c->person_class = v;
        c->from_class = p->src;
        return BD_OK;
    }
    case K_IMAGE:
    case K_MASK: {
        int i = find_io(p->model, k == K_IMAGE, val);
        if (i < 0)
            return fail(p, BD_ERR_FORMAT,
                        k == K_IMAGE ? "the model has no input '%s'" : "the model has no output '%s'",
                        val);
        if (k == K_IMAGE) {
            c->image_input = i;
            c->from_image_input = p->src;
        } else {
            c->mask_output = i;
            c->from_mask_output = p->src;
            p->set_mask_output = 1;
        }
        return BD_OK;
    }
    case K_STATE: {
        char *sp = val;
        while (*sp && *sp != ' ' && *sp != '\t') sp++;
        if (!*sp) return fail(p, BD_ERR_FORMAT, "state '%s' (expected 'INPUT OUTPUT')", val);
        *sp++ = '\0';
        while (*sp == ' ' || *sp == '\t') sp++;
        if (!*sp || strpbrk(sp, " \t"))
            return fail(p, BD_ERR_FORMAT, "state '%s ...' (expected 'INPUT OUTPUT')", val);
        int i = find_io(p->model, 1, val), o = find_io(p->model, 0, sp);
        if (i < 0) return fail(p, BD_ERR_FORMAT, "the model has no input '%s'", val);
        if (o < 0) return fail(p, BD_ERR_FORMAT, "the model has no output '%s'", sp);
        if (p->n_state >= BD_MAX_STATE_PAIRS)
            return fail(p, BD_ERR_FORMAT, "more than %s state pairs", "16");
        bd_tensor_info ti, to;
        bd_model_input_info(p->model, i, &ti);
        bd_model_output_info(p->model, o, &to);
        int same = ti.n_dims == to.n_dims && ti.dtype == BD_DTYPE_F32 && to.dtype == BD_DTYPE_F32;
        for (int d = 0; same && d < ti.n_dims; d++) same = ti.dims[d] == to.dims[d];
        if (!same) return fail(p, BD_ERR_FORMAT, "state '%s': input and output shapes differ", val);
        for (int j = 0; j < p->n_state; j++)
            if (c->state_input[j] == i || c->state_output[j] == o)
                return fail(p, BD_ERR_FORMAT, "state '%s': input or output paired twice", val);
        c->state_input[p->n_state] = i;
        c->state_output[p->n_state] = o;
        c->n_state_pairs = ++p->n_state;
        c->from_states = p->src;
        return BD_OK;
    }
    }
    return BD_OK;
}

/* Trims blanks at both ends, in place. */
static char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t')) *--e = '\0';
    return s;
}

bd_status bd_conventions_parse_text(const bd_model *m, const char *text, size_t len,
                                    const char *name, bd_conv_source src,
                                    bd_model_conventions *conv, int *reinfer_output, char *err,
                                    size_t err_size) {
    if (err && err_size) err[0] = '\0';
    if (!m || (!text && len) || !conv || conv->struct_size < sizeof(size_t))
        return BD_ERR_INVALID_ARG;
    if (bd_model_n_inputs(m) == 0) return BD_ERR_BAD_STATE;
    parser p;
    memset(&p, 0, sizeof p);
    p.model = m;
    p.name = name ? name : "sidecar";
    p.err = err;
    p.err_size = err_size;
    p.src = src;
    memcpy(&p.c, conv, conv->struct_size < sizeof p.c ? conv->struct_size : sizeof p.c);
    p.c.struct_size = sizeof p.c;
    if (len > BD_SIDECAR_MAX_BYTES) {
        if (err && err_size)
            snprintf(err, err_size, "%s: %zu bytes, more than the limit of %d", p.name, len,
                     BD_SIDECAR_MAX_BYTES);
        return BD_ERR_LIMIT;
    }
    char line[SIDECAR_MAX_LINE + 1];
    size_t pos = 0;
    while (pos < len) {
        p.line++;
        size_t end = pos;
        while (end < len && text[end] != '\n') end++;
        size_t n = end - pos;
        if (n > 0 && text[pos + n - 1] == '\r') n--;
        if (n > SIDECAR_MAX_LINE)
            return fail(&p, BD_ERR_FORMAT, "line longer than %s characters", "1024");
        memcpy(line, text + pos, n);
        line[n] = '\0';
        pos = end + 1;
        if (memchr(line, '\0', n)) return fail(&p, BD_ERR_FORMAT, "%s", "NUL byte");
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        for (char *q = line; *q; q++) {
            unsigned char ch = (unsigned char)*q;
            if ((ch < 0x20 && ch != '\t') || ch >= 0x7f)
                return fail(&p, BD_ERR_FORMAT, "%s", "control or non-ASCII character");
        }
        char *s = trim(line);
        if (!*s) continue;
        char *eq = strchr(s, '=');
        if (!eq) return fail(&p, BD_ERR_FORMAT, "expected 'key = value', got '%.60s'", s);
        *eq = '\0';
        char *key = trim(s), *val = trim(eq + 1);
        if (!*key) return fail(&p, BD_ERR_FORMAT, "%s", "missing key before '='");
        if (!*val) return fail(&p, BD_ERR_FORMAT, "key '%s' has no value", key);
        bd_status st = apply(&p, key, val);
        if (st != BD_OK) return st;
    }
    memcpy(conv, &p.c, conv->struct_size < sizeof p.c ? conv->struct_size : sizeof p.c);
    if (reinfer_output) *reinfer_output = p.set_mask_output && !p.set_output_layout;
    return BD_OK;
}
