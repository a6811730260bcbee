/*
 * onnx_import.c -- ONNX graph (decoded by onnx.c) -> backdrop graph IR: the
 * driver. It reads the initializers and graph inputs, lowers every node through
 * the op tables of the families (onnx_elementwise.c, onnx_conv.c, onnx_nn.c,
 * onnx_shape.c, onnx_fold.c), and gives each graph output a value of its own in
 * ONNX order. How ONNX's NCHW values are held in the NHWC IR is described in
 * onnx_lower.h; the bookkeeping lives in onnx_values.c.
 *
 * Op semantics follow the ONNX operator specification (onnx/docs/Operators.md)
 * for opsets 7..22; version differences are noted where handled. An unsupported
 * op or attribute fails with the op type, node index and name, and the opset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/onnx/onnx_lower.h"

/* ---- op dispatch ------------------------------------------------------------------- */

/* The op families' tables, each ended by a NULL name. A new op is a function in
 * its family's file and one line in that file's table. */
static const onnx_op_entry *const op_tables[] = {
    bd_onnx_elementwise_ops, bd_onnx_conv_ops, bd_onnx_nn_ops, bd_onnx_shape_ops,
    bd_onnx_fold_ops,
};

/* The table entry for an op type, or NULL. */
static const onnx_op_entry *find_op(onnx_str op_type) {
    for (size_t t = 0; t < sizeof op_tables / sizeof op_tables[0]; t++)
        for (const onnx_op_entry *e = op_tables[t]; e->name; e++)
            if (onnx_str_eq(op_type, e->name)) return e;
    return NULL;
}

/* The highest default-domain opset this importer was written against. */
#define MAX_OPSET 22

static bd_status import_node(importer *im, int index) {
    const onnx_node *nd = &im->om.nodes[index];
    char op[48], dom[48];
    im->node = nd;
    im->node_index = index;
    im->op_name = "?";
    onnx_str_print(nd->op_type, op, sizeof op);
    bd_status st = bd_graph_count_src_op(im->g, op, im->err);
    if (st) return st;
    if (nd->domain.len && !onnx_str_eq(nd->domain, "ai.onnx"))
        return UNSUPPORTED("operator %s of domain '%s' is not supported", op,
                           onnx_str_print(nd->domain, dom, sizeof dom));
    const onnx_op_entry *e = find_op(nd->op_type);
    if (!e) return UNSUPPORTED("unsupported operator %s", op);
    if (im->opset < e->min_opset)
        return UNSUPPORTED("operator %s is supported from opset %d", op, e->min_opset);
    im->op_name = e->name;
    return e->fn(im);
}

/* ---- graph I/O --------------------------------------------------------------------- */

/* Graph inputs.
 *
 * A float32 tensor with a fixed shape takes it (a symbolic batch = 1). Free dims:
 *  - the spatial dims of an image-shaped input (NCHW [N,C,H,W] with a fixed C, or
 *    NHWC [N,H,W,C] with a fixed C) take im->free_w x im->free_h;
 *  - an input whose dims after the batch are all symbolic is recurrent state (RVM's
 *    r1i..r4i, fed [1,1,1,1] zeros on the first frame and broadcast by Expand): it
 *    takes the shape of the output paired with it by name (bd_state_names_pair),
 *    found by a first import with all its dims 1 (see bd_onnx_import);
 *  - a float [1] input named "downsample_ratio" is bound to a constant
 *    (bd_model_options.downsample_ratio, or the automatic choice). */

/* Image-shaped: which dims are H and W (hk, wk), or false. */
static bool image_dims(const onnx_value_info *vi, int *hk, int *wk) {
    const int64_t *vd = vi->dims;
    if (vi->n_dims != 4) return false;
    if (vd[1] > 0 && (vd[2] < 0 || vd[3] < 0)) *hk = 2, *wk = 3;
    else if (vd[3] > 0 && vd[1] < 0 && vd[2] < 0) *hk = 1, *wk = 2;
    else return false;
    return true;
}

static bool is_state_shaped(const onnx_value_info *vi) {
    if (vi->n_dims < 2) return false;
    for (int k = 1; k < vi->n_dims; k++)
        if (vi->dims[k] > 0) return false;
    return true;
}

static bool is_ratio_input(const onnx_value_info *vi) {
    return vi->elem_type == ONNX_FLOAT && vi->n_dims == 1 && vi->dims[0] == 1 &&
           onnx_str_eq(vi->name, "downsample_ratio");
}

/* MODNet's rule for a frame of fw x fh: the long side 512, the other scaled, both
 * multiples of 32 (at least 32). */
static void image_matting_size(int fw, int fh, int *w, int *h) {
    double s = 512.0 / (double)(fw > fh ? fw : fh);
    int rw = (int)(fw * s / 32.0 + 0.5) * 32, rh = (int)(fh * s / 32.0 + 0.5) * 32;
    *w = rw < 32 ? 32 : rw;
    *h = rh < 32 ? 32 : rh;
}

/* im->free_w/free_h from the options: the input size if given, else the frame size
 * by the model's kind (recurrent: the frame itself; else image_matting_size). */
static void choose_free_size(importer *im) {
    const bd_model_options *o = im->opts;
    bool recurrent = false;
    for (int k = 0; k < im->om.n_inputs; k++)
        recurrent |= is_state_shaped(&im->om.inputs[k]);
    im->free_w = o->input_width;
    im->free_h = o->input_height;
    if (o->frame_width > 0 && o->frame_height > 0) {
        int w = o->frame_width, h = o->frame_height;
        if (!recurrent) image_matting_size(o->frame_width, o->frame_height, &w, &h);
        if (im->free_w <= 0) im->free_w = w;
        if (im->free_h <= 0) im->free_h = h;
    }
}

static bd_status append_input(importer *im, int v) {
    int *in = realloc(im->g->inputs, sizeof(int) * ((size_t)im->g->n_inputs + 1));
    if (!in) return bd_err_set(im->err, BD_ERR_NO_MEMORY, "out of memory");
    im->g->inputs = in;
    in[im->g->n_inputs++] = v;
    return BD_OK;
}

/* Graph input k of the file (not an initializer, not a bound ratio). */
static bd_status import_input(importer *im, int k) {
    const onnx_value_info *vi = &im->om.inputs[k];
    char name[200];
    onnx_str_print(vi->name, name, sizeof name);
    if (vi->elem_type != ONNX_FLOAT)
        return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                          "graph input '%s' has element type %d (only float32)", name,
                          (int)vi->elem_type);
    if (vi->n_dims < 0 || vi->n_dims > BD_MAX_DIMS)
        return bd_err_set(im->err, BD_ERR_UNSUPPORTED, "graph input '%s' has no usable shape",
                          name);
    int64_t d[MAXR];
    unsigned free_dims = 0;
    int hk = -1, wk = -1;
    bool state = is_state_shaped(vi);
    if (!state) image_dims(vi, &hk, &wk);
    for (int j = 0; j < vi->n_dims; j++) {
        d[j] = vi->dims[j];
        if (d[j] < 0 && j == 0) {
            d[j] = 1;
        } else if (state) {
            d[j] = im->state_dims ? im->state_dims[k][j] : 1;
            free_dims |= 1u << j;
        } else if (d[j] < 0 && (j == hk || j == wk)) {
            int side = j == hk ? im->free_h : im->free_w;
            if (side <= 0)
                return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                                  "graph input '%s' dimension %d (%s) is symbolic; give the "
                                  "input or frame size (bd_model_options.input_width/"
                                  "input_height or frame_width/frame_height, CLI --input-size "
                                  "WxH)",
                                  name, j, j == hk ? "height" : "width");
            d[j] = side;
            free_dims |= 1u << j;
        }
        if (d[j] < 1)
            return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                              "graph input '%s' dimension %d is symbolic or empty; a fixed "
                              "input size is needed",
                              name, j);
    }
    if (hk >= 0 && im->image_h == 0) im->image_h = d[hk], im->image_w = d[wk];
    sym *s;
    bd_status st = bd_onnx_define(im, vi->name, &s, "a graph input");
    if (st) return st;
    s->is_const = false;
    s->rank = vi->n_dims;
    for (int j = 0; j < s->rank; j++) {
        s->dims[j] = d[j];
        s->perm[j] = j;
    }
    int v = bd_graph_add_value(im->g, name, BD_DTYPE_F32, s->rank, d, im->err);
    if (v < 0) return v;
    s->v = v;
    im->g->values[v].is_input = true;
    im->g->values[v].free_dims = free_dims;
    return append_input(im, v);
}

/* RVM's downsample_ratio input, bound to a constant: the option, else 1 up to a
 * short side of 512 and 270 / short side above (the authors' portrait table:
 * 0.375 at 720p, 0.25 at 1080p, 0.125 at 2160p). */
static bd_status bind_ratio(importer *im, int k) {
    double r = im->opts->downsample_ratio;
    if (!(r > 0)) {
        int64_t side = im->image_h < im->image_w ? im->image_h : im->image_w;
        r = side > 512 ? 270.0 / (double)side : 1.0;
    }
    sym *s;
    bd_status st = bd_onnx_define(im, im->om.inputs[k].name, &s, "a graph input");
    if (st) return st;
    s->is_const = true;
    s->is_float = true;
    s->rank = 1;
    s->dims[0] = 1;
    s->n = 1;
    s->f = malloc(sizeof(float));
    if (!s->f) return bd_err_set(im->err, BD_ERR_NO_MEMORY, "out of memory");
    s->f[0] = (float)r;
    im->g->downsample_ratio = (float)r;
    return BD_OK;
}

/* Graph output: held in ONNX order by a value of its own, named as in the file. */
static bd_status import_output(importer *im, const onnx_value_info *vi) {
    char name[200];
    onnx_str_print(vi->name, name, sizeof name);
    sym *s = bd_onnx_lookup(im, vi->name);
    if (!s) return bd_err_set(im->err, BD_ERR_FORMAT, "graph output '%s' is never computed", name);
    if (s->is_const)
        return bd_err_set(im->err, BD_ERR_UNSUPPORTED, "graph output '%s' is a constant", name);
    int v;
    bd_status st;
    if (bd_onnx_mem_equal(s->dims, s->rank, s->perm, ID_PERM)) {
        /* Same memory order: only the declared dims differ; use a shape-only view. */
        sym t;
        memset(&t, 0, sizeof t);
        t.name = s->name;
        if ((st = bd_onnx_reshape_to(im, s, &t, s->rank, s->dims))) return st;
        v = t.v;
    } else if ((st = bd_onnx_layout(im, s, ID_PERM, &v))) {
        return st;
    }
    bd_value *val = &im->g->values[v];
    if (val->is_input || val->is_output) { /* outputs get buffers of their own */
        int64_t d[MAXR];
        memcpy(d, val->dims, sizeof d);
        int c = bd_graph_add_value(im->g, name, BD_DTYPE_F32, val->n_dims, d, im->err);
        if (c < 0) return c;
        bd_node n = bd_onnx_node1(im, BD_OP_RESHAPE, v, c);
        n.src_index = im->om.n_nodes;
        if ((st = bd_onnx_add_node(im, &n))) return st;
        v = c;
        val = &im->g->values[v];
    }
    if (strcmp(val->name, name) != 0) { /* report the file's output name */
        size_t len = strlen(name);
        char *nn = malloc(len + 1);
        if (!nn) return bd_err_set(im->err, BD_ERR_NO_MEMORY, "out of memory");
        memcpy(nn, name, len + 1);
        free(val->name);
        val->name = nn;
    }
    val->is_output = true;
    int *o = realloc(im->g->outputs, sizeof(int) * ((size_t)im->g->n_outputs + 1));
    if (!o) return bd_err_set(im->err, BD_ERR_NO_MEMORY, "out of memory");
    im->g->outputs = o;
    o[im->g->n_outputs++] = v;
    return BD_OK;
}

/* metadata_props with keys "backdrop.KEY" become g->conventions, one "KEY = VALUE"
 * line each, for the conventions parser (which checks them like a sidecar file).
 * A key or value with a line break or a NUL would change the lines: refused. */
static bd_status import_conventions(const onnx_model *om, bd_graph *g, bd_err *err) {
    static const char prefix[] = "backdrop.";
    const size_t np = sizeof prefix - 1;
    size_t total = 0;
    for (int k = 0; k < om->n_props; k++) {
        onnx_str key = om->prop_key[k], v = om->prop_value[k];
        if (key.len <= np || memcmp(key.s, prefix, np) != 0) continue;
        if (memchr(key.s, '\n', key.len) || memchr(v.s, '\n', v.len) || memchr(key.s, 0, key.len) ||
            memchr(v.s, 0, v.len) || memchr(key.s, '\r', key.len) || memchr(v.s, '\r', v.len) ||
            key.len > 256 || v.len > 1024)
            return bd_err_set(err, BD_ERR_FORMAT,
                              "metadata_props entry %d: a backdrop.* key or value with a line "
                              "break, NUL or over 1024 bytes",
                              k);
        total += key.len - np + v.len + 4;
    }
    if (total == 0) return BD_OK;
    g->conventions = malloc(total + 1);
    if (!g->conventions) return bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory");
    size_t n = 0;
    for (int k = 0; k < om->n_props; k++) {
        onnx_str key = om->prop_key[k], v = om->prop_value[k];
        if (key.len <= np || memcmp(key.s, prefix, np) != 0) continue;
        memcpy(g->conventions + n, key.s + np, key.len - np);
        n += key.len - np;
        memcpy(g->conventions + n, " = ", 3);
        n += 3;
        memcpy(g->conventions + n, v.s, v.len);
        n += v.len;
        g->conventions[n++] = '\n';
    }
    g->conventions[n] = '\0';
    return BD_OK;
}

/* After the first pass: found[k] = the dims of the graph output paired with each
 * recurrent state input k of the file (ONNX order: outputs are stored as ONNX
 * sees them); an unpaired one fails. */
static bd_status pair_states(importer *im, int64_t (**found)[MAXR], int *n_state) {
    const onnx_model *om = &im->om;
    const bd_graph *g = im->g;
    int n = 0;
    for (int k = 0; k < om->n_inputs; k++) n += is_state_shaped(&om->inputs[k]);
    *n_state = n;
    if (n == 0) return BD_OK;
    *found = calloc((size_t)om->n_inputs, sizeof **found);
    if (!*found) return bd_err_set(im->err, BD_ERR_NO_MEMORY, "out of memory");
    for (int k = 0; k < om->n_inputs; k++) {
        const onnx_value_info *vi = &om->inputs[k];
        if (!is_state_shaped(vi)) continue;
        char name[200];
        onnx_str_print(vi->name, name, sizeof name);
        const bd_value *out = NULL;
        for (int o = 0; o < g->n_outputs && !out; o++)
            if (bd_state_names_pair(name, g->values[g->outputs[o]].name))
                out = &g->values[g->outputs[o]];
        if (!out)
            return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                              "graph input '%s' has symbolic dimensions and is no recurrent "
                              "state: no graph output is named as its pair (e.g. r1i -> r1o)",
                              name);
        if (out->n_dims != vi->n_dims || out->dims[0] != 1)
            return bd_err_set(im->err, BD_ERR_UNSUPPORTED,
                              "recurrent state '%s' and its output '%s' differ in rank or "
                              "batch",
                              name, out->name);
        for (int j = 0; j < out->n_dims; j++) (*found)[k][j] = out->dims[j];
    }
    return BD_OK;
}

/* One import of the file into g. state_dims: as importer.state_dims. On success
 * with found != NULL, found[k] holds the dims of the output paired with each
 * recurrent state input k (*n_state: how many inputs are such). */
static bd_status import_pass(const uint8_t *data, size_t size, const bd_model_options *opts,
                             const char *base_dir, const int64_t (*state_dims)[MAXR],
                             bd_graph *g, bd_err *err, int64_t (**found)[MAXR], int *n_state) {
    importer imv;
    importer *im = &imv;
    memset(im, 0, sizeof *im);
    im->g = g;
    im->err = err;
    im->opts = opts;
    im->state_dims = state_dims;
    bd_status st = onnx_parse(data, size, opts, &im->om, err);
    if (st) return st;
    onnx_model *om = &im->om;
    char b1[64], b2[32];
    im->opset = onnx_default_opset(om);
    if (im->opset < 7 || im->opset > MAX_OPSET) {
        st = bd_err_set(err, BD_ERR_UNSUPPORTED,
                        "ONNX default-domain opset %lld is not supported (7..%d)",
                        (long long)im->opset, MAX_OPSET);
        goto done;
    }
    {
        char desc[160];
        snprintf(desc, sizeof desc, "%s %s (ONNX IR %lld, opset %lld)",
                 onnx_str_print(om->producer_name, b1, sizeof b1),
                 onnx_str_print(om->producer_version, b2, sizeof b2),
                 (long long)om->ir_version, (long long)im->opset);
        size_t len = strlen(desc);
        g->description = malloc(len + 1);
        if (!g->description) {
            st = bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory");
            goto done;
        }
        memcpy(g->description, desc, len + 1);
    }
    if ((st = import_conventions(om, g, err)) || (st = bd_onnx_layout_hints(im))) goto done;
    /* Symbols: initializers, inputs, every node output, and temporaries (at most
     * 8 per node); the hash table is at least twice as large. */
    size_t cap = (size_t)om->n_inits + (size_t)om->n_inputs + 16;
    for (int k = 0; k < om->n_nodes; k++) cap += (size_t)om->nodes[k].n_outputs + 8;
    if (cap > (size_t)1 << 24) {
        st = bd_err_set(err, BD_ERR_LIMIT, "the model has too many values");
        goto done;
    }
    im->cap_syms = (int)cap;
    im->syms = calloc(cap, sizeof(sym));
    im->table_cap = 16;
    while (im->table_cap < 2 * cap) im->table_cap *= 2;
    im->table = malloc(sizeof(int) * im->table_cap);
    if (!im->syms || !im->table) {
        st = bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    for (size_t k = 0; k < im->table_cap; k++) im->table[k] = -1;

    for (int k = 0; k < om->n_inits; k++) {
        sym *s;
        const onnx_tensor *t = &om->inits[k];
        if ((st = bd_onnx_define(im, t->name, &s, "an initializer"))) goto done;
        if (t->external) { /* read from its file, then converted as raw_data */
            uint8_t *buf = NULL;
            onnx_tensor resolved;
            if ((st = onnx_external_read(t, base_dir, &buf, &resolved, err))) goto done;
            st = bd_onnx_const_from_tensor(im, s, &resolved);
            free(buf);
            if (st) goto done;
        } else if ((st = bd_onnx_const_from_tensor(im, s, t))) {
            goto done;
        }
        if (onnx_dtype_is_float(t->data_type)) g->n_params += (int64_t)t->n_elems;
    }
    /* Graph inputs that repeat an initializer's name (IR version < 4 requires
     * this) are constants with a default, and we use the default. A bound ratio
     * comes after the others (its automatic value needs the image's size). */
    choose_free_size(im);
    int n_ratio = 0;
    for (int k = 0; k < om->n_inputs; k++) {
        if (bd_onnx_lookup(im, om->inputs[k].name)) continue;
        if (is_ratio_input(&om->inputs[k])) {
            n_ratio++;
            continue;
        }
        if ((st = import_input(im, k))) goto done;
    }
    for (int k = 0; n_ratio && k < om->n_inputs; k++)
        if (is_ratio_input(&om->inputs[k]) && !bd_onnx_lookup(im, om->inputs[k].name) &&
            (st = bind_ratio(im, k)))
            goto done;
    if (g->n_inputs == 0) {
        st = bd_err_set(err, BD_ERR_UNSUPPORTED, "the graph has no (non-constant) input");
        goto done;
    }
    for (int k = 0; k < om->n_nodes; k++)
        if ((st = import_node(im, k))) goto done;
    if (om->n_outputs == 0) {
        st = bd_err_set(err, BD_ERR_FORMAT, "the graph has no outputs");
        goto done;
    }
    for (int k = 0; k < om->n_outputs; k++)
        if ((st = import_output(im, &om->outputs[k]))) goto done;
    if (found) st = pair_states(im, found, n_state);
done:
    for (int k = 0; im->syms && k < im->n_syms; k++) bd_onnx_sym_free(&im->syms[k]);
    free(im->syms);
    free(im->table);
    free(im->onnx_order);
    onnx_model_free(&im->om);
    return st;
}

bd_status bd_onnx_import(const uint8_t *data, size_t size, const bd_model_options *opts,
                         const char *base_dir, bd_graph *g, bd_err *err) {
    int64_t (*dims)[MAXR] = NULL;
    int n_state = 0;
    bd_status st = import_pass(data, size, opts, base_dir, NULL, g, err, &dims, &n_state);
    if (st == BD_OK && n_state > 0) {
        /* again, with each state input shaped as its output */
        size_t limit = g->max_tensor_bytes;
        bd_graph_free(g);
        bd_graph_init(g, limit);
        st = import_pass(data, size, opts, base_dir, (const int64_t(*)[MAXR])dims, g, err,
                         NULL, NULL);
    }
    free(dims);
    return st;
}
