/*
 * pattern.c -- rewrites of op sequences that converters spell out into the one op
 * we have for them.
 *
 * Hard-swish: Keras' hard_swish exported by tf2onnx (opset < 14 has no HardSwish)
 * arrives as four element-wise ops,
 *     a = x + 3;  r = clip(a, 0, 6);  m = r * (1/6)  (or (1/6) * r);  y = x * m
 * which read and write the whole tensor four times and keep x alive. They become
 *     y = HARDSWISH(x) = x * relu6(x + 3) / 6
 * when a, r and m each feed only the next op and are no graph outputs, and both
 * constants are scalars (one element) equal to 3 and 1/6 (in float: 0x3e2aaaab).
 * The result may differ in the last bit (x * (r * (1/6)) vs (x * r) * (1/6)).
 * The fusion pass then folds the HARDSWISH into the convolution producing x.
 *
 * PyTorch's hardswish below opset 14 is exported as HardSigmoid(alpha=1/6,
 * beta=0.5) and Mul, which the ONNX importer spells
 *     m = x * (1/6);  a = m + 0.5;  h = clip(a, 0, 1);  y = x * h
 * (same conditions on m, a, h and the scalars); it also becomes HARDSWISH(x).
 * x * clip(x/6 + 1/2, 0, 1) and x * relu6(x + 3) / 6 agree to a few ulp.
 *
 * Scale: y = conv(x) * s, s a one-element constant, conv's output feeding only
 * the multiply, becomes conv with w' = w * s and bias' = bias * s (the
 * squeeze-excite gate's HardSigmoid after its last 1x1 conv; the + 0.5 then goes
 * into the bias below and the clip fuses as the conv's activation). The product
 * is rounded once per weight instead of once per output: a few ulp.
 *
 * Bias add: y = conv(x) + c, with c a constant of one element or of one value per
 * output channel ([.., OC] with every other dim 1), and conv's output feeding only
 * the add, becomes conv(x) with bias' = bias + c. tf2onnx writes a ConvTranspose
 * without bias followed by such an Add; folded, the sigmoid after it fuses too.
 *
 * Identity slice: a SLICE that keeps every element in order (begin 0, step 1, the
 * output the input's shape; RVM crops its upsampled features to the frame's size,
 * which they already have) becomes a RESHAPE, which shares its input's memory.
 *
 * Split and rejoin: a CONCAT whose inputs are SLICEs of one value x along the
 * concat axis, in order, abutting and covering x (each whole, step 1, on every
 * other axis) is x: it becomes a RESHAPE of x, and the slices that fed only it
 * go (RVM splits its projection into fgr residual and alpha, then concatenates
 * the two again for the refiner: two strided copies and a concat of 4 channels
 * at a quarter of the frame).
 *
 * All run after the first verify (shapes are known) and before fusion.
 */
#include <math.h>
#include <string.h>

#include "passes/passes.h"

/* True if v is a one-element float constant equal to want. */
static bool is_scalar(const bd_graph *g, int v, float want) {
    const bd_value *val = &g->values[v];
    return val->is_const && val->dtype == BD_DTYPE_F32 && val->n_elems == 1 && val->data &&
           *(const float *)val->data == want;
}

/* The node producing v if it has op `op`, v feeds only one node and is no graph
 * output; else NULL. */
static bd_node *private_producer(bd_graph *g, int v, bd_op_type op) {
    const bd_value *val = &g->values[v];
    if (val->producer < 0 || val->is_output || val->n_consumers != 1) return NULL;
    bd_node *n = &g->nodes[val->producer];
    return n->op == op && n->act == BD_ACT_NONE ? n : NULL;
}

static bool is_conv_like(bd_op_type op) {
    return op == BD_OP_CONV2D || op == BD_OP_DWCONV2D || op == BD_OP_TCONV2D ||
           op == BD_OP_FULLY_CONNECTED;
}

/* Folds ADD(conv(x), c) into the conv's bias (see the file comment). */
static bd_status fold_bias_add(bd_graph *g, bd_err *err) {
    for (int i = 0; i < g->n_nodes; i++) {
        bd_node *add = &g->nodes[i];
        if (add->op != BD_OP_ADD || add->act != BD_ACT_NONE) continue;
        for (int side = 0; side < 2; side++) {
            int cv = add->inputs[1 - side];
            const bd_value *c = &g->values[cv], *o = &g->values[add->output];
            int pi = g->values[add->inputs[side]].producer;
            const bd_value *pv = &g->values[add->inputs[side]];
            if (pi < 0 || pv->is_output || pv->n_consumers != 1 || pv->n_elems != o->n_elems)
                continue;
            bd_node *p = &g->nodes[pi];
            if (!is_conv_like(p->op) || p->n_inputs != 3 || p->act != BD_ACT_NONE) continue;
            int64_t oc = o->dims[o->n_dims - 1];
            if (!bd_value_is_channel_const(g, cv, oc)) continue;
            const bd_value *b = &g->values[p->inputs[2]];
            if (!b->is_const || b->dtype != BD_DTYPE_F32 || b->n_elems != (size_t)oc) continue;
            /* A new bias value: the old one may be shared with other nodes. Adding a
             * value may move g->values: only indices are used after this. */
            size_t c_n = c->n_elems;
            int nb = bd_graph_add_value(g, "folded_bias", BD_DTYPE_F32, 1, &oc, err);
            if (nb < 0) return nb;
            bd_value *nbv = &g->values[nb]; /* values may have moved: re-read */
            const float *old = g->values[g->nodes[pi].inputs[2]].data;
            const float *add_c = g->values[cv].data;
            float *dst = bd_aligned_alloc(nbv->n_bytes);
            if (!dst) return bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory");
            for (int64_t k = 0; k < oc; k++) dst[k] = old[k] + add_c[c_n == 1 ? 0 : k];
            nbv->data = dst;
            nbv->is_const = true;
            p = &g->nodes[pi];
            add = &g->nodes[i];
            p->inputs[2] = nb;
            p->output = add->output;
            add->op = BD_OP_NONE;
            bd_graph_analyse(g);
            break;
        }
    }
    return BD_OK;
}

/* Index of the input of binary node n that is the scalar constant `want`, or -1. */
static int scalar_side(const bd_graph *g, const bd_node *n, float want) {
    return is_scalar(g, n->inputs[1], want) ? 1 : is_scalar(g, n->inputs[0], want) ? 0 : -1;
}

/* y = x * clip(x * (1/6) + 0.5, 0, 1) -> HARDSWISH(x) (see the file comment). */
static void match_hardsigmoid_swish(bd_graph *g) {
    for (int i = 0; i < g->n_nodes; i++) {
        bd_node *y = &g->nodes[i];
        if (y->op != BD_OP_MUL || y->act != BD_ACT_NONE || y->n_inputs != 2) continue;
        for (int side = 0; side < 2; side++) {
            int x = y->inputs[side];
            bd_node *h = private_producer(g, y->inputs[1 - side], BD_OP_CLAMP);
            if (!h || h->act_min != 0.0f || h->act_max != 1.0f) continue;
            bd_node *a = private_producer(g, h->inputs[0], BD_OP_ADD);
            int as = a ? scalar_side(g, a, 0.5f) : -1;
            if (as < 0) continue;
            bd_node *m = private_producer(g, a->inputs[1 - as], BD_OP_MUL);
            int ms = m ? scalar_side(g, m, 1.0f / 6.0f) : -1;
            if (ms < 0 || m->inputs[1 - ms] != x) continue;
            const bd_value *xv = &g->values[x], *yv = &g->values[y->output];
            if (xv->n_elems != yv->n_elems || xv->n_dims != yv->n_dims) continue;
            y->op = BD_OP_HARDSWISH;
            y->n_inputs = 1;
            y->inputs[0] = x;
            a->op = h->op = m->op = BD_OP_NONE;
            bd_graph_analyse(g);
            break;
        }
    }
}

/* A copy of constant value v (f32) scaled by s, as a new value; only indices are
 * valid after this (values may move). Returns the index or a negative status. */
static int scaled_copy(bd_graph *g, int v, float s, bd_err *err) {
    int64_t dims[BD_MAX_DIMS];
    memcpy(dims, g->values[v].dims, sizeof dims);
    int nv = bd_graph_add_value(g, "scaled_weight", BD_DTYPE_F32, g->values[v].n_dims, dims, err);
    if (nv < 0) return nv;
    bd_value *dst = &g->values[nv];
    float *d = bd_aligned_alloc(dst->n_bytes);
    if (!d) return bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory");
    const float *src = g->values[v].data;
    for (size_t k = 0; k < dst->n_elems; k++) d[k] = src[k] * s;
    dst->data = d;
    dst->is_const = true;
    return nv;
}

/* MUL(conv(x), scalar s) -> conv with weights and bias scaled by s. */
static bd_status fold_scale_mul(bd_graph *g, bd_err *err) {
    for (int i = 0; i < g->n_nodes; i++) {
        bd_node *mul = &g->nodes[i];
        if (mul->op != BD_OP_MUL || mul->act != BD_ACT_NONE || mul->n_inputs != 2) continue;
        int ss = -1;
        for (int k = 0; k < 2 && ss < 0; k++) {
            const bd_value *c = &g->values[mul->inputs[k]];
            if (c->is_const && c->dtype == BD_DTYPE_F32 && c->n_elems == 1 && c->data) ss = k;
        }
        if (ss < 0) continue;
        int cv = mul->inputs[1 - ss];
        const bd_value *pv = &g->values[cv];
        int pi = pv->producer;
        if (pi < 0 || pv->is_output || pv->n_consumers != 1 ||
            pv->n_elems != g->values[mul->output].n_elems)
            continue;
        const bd_node *p = &g->nodes[pi];
        if (!is_conv_like(p->op) || p->n_inputs != 3 || p->act != BD_ACT_NONE) continue;
        const bd_value *w = &g->values[p->inputs[1]], *b = &g->values[p->inputs[2]];
        if (w->dtype != BD_DTYPE_F32 || !w->data || b->dtype != BD_DTYPE_F32 || !b->data)
            continue;
        float s = *(const float *)g->values[mul->inputs[ss]].data;
        if (!isfinite(s)) continue;
        int nw = scaled_copy(g, p->inputs[1], s, err);
        if (nw < 0) return nw;
        int nb = scaled_copy(g, g->nodes[pi].inputs[2], s, err);
        if (nb < 0) return nb;
        bd_node *pn = &g->nodes[pi];
        pn->inputs[1] = nw;
        pn->inputs[2] = nb;
        pn->output = g->nodes[i].output;
        g->nodes[i].op = BD_OP_NONE;
        bd_graph_analyse(g);
    }
    return BD_OK;
}

static void identity_slices(bd_graph *g) {
    for (int i = 0; i < g->n_nodes; i++) {
        bd_node *n = &g->nodes[i];
        if (n->op != BD_OP_SLICE) continue;
        const bd_value *in = &g->values[n->inputs[0]], *out = &g->values[n->output];
        bool same = in->n_dims == out->n_dims;
        for (int a = 0; same && a < in->n_dims; a++)
            same = in->dims[a] == out->dims[a] && n->pads[a] == 0 && n->pads[in->n_dims + a] == 1;
        if (same) n->op = BD_OP_RESHAPE;
    }
}

/* The value whose SLICEs along `axis` CONCAT node c rejoins whole (above), or -1. */
static int rejoined_value(const bd_graph *g, const bd_node *c) {
    int x = -1;
    int64_t at = 0;
    for (int k = 0; k < c->n_inputs; k++) {
        const int pi = g->values[c->inputs[k]].producer;
        if (pi < 0 || g->nodes[pi].op != BD_OP_SLICE) return -1;
        const bd_node *s = &g->nodes[pi];
        if (x < 0) x = s->inputs[0];
        const bd_value *in = &g->values[x], *out = &g->values[s->output];
        const int r = in->n_dims;
        if (s->inputs[0] != x || out->n_dims != r || c->axis >= r) return -1;
        for (int a = 0; a < r; a++) {
            const int64_t begin = a == c->axis ? at : 0;
            if (s->pads[a] != begin || s->pads[r + a] != 1 ||
                (a != c->axis && out->dims[a] != in->dims[a]))
                return -1;
        }
        at += out->dims[c->axis];
    }
    return x >= 0 && at == g->values[x].dims[c->axis] ? x : -1;
}

static void rejoined_slices(bd_graph *g) {
    for (int i = 0; i < g->n_nodes; i++) {
        bd_node *c = &g->nodes[i];
        if (c->op != BD_OP_CONCAT || c->n_inputs < 2) continue;
        const int x = rejoined_value(g, c);
        if (x < 0) continue;
        for (int k = 0; k < c->n_inputs; k++) {
            const int v = c->inputs[k];
            if (g->values[v].n_consumers == 1 && !g->values[v].is_output)
                g->nodes[g->values[v].producer].op = BD_OP_NONE;
        }
        c->op = BD_OP_RESHAPE;
        c->n_inputs = 1;
        c->inputs[0] = x;
        bd_graph_analyse(g);
    }
}

bd_status bd_pass_match_patterns(bd_graph *g, bd_err *err) {
    const float sixth = 1.0f / 6.0f;
    identity_slices(g);
    bd_graph_analyse(g);
    rejoined_slices(g);
    match_hardsigmoid_swish(g);
    bd_status st = fold_scale_mul(g, err);
    if (st) return st;
    if ((st = fold_bias_add(g, err))) return st;
    for (int i = 0; i < g->n_nodes; i++) {
        bd_node *y = &g->nodes[i];
        if (y->op != BD_OP_MUL || y->act != BD_ACT_NONE) continue;
        for (int side = 0; side < 2; side++) {
            int x = y->inputs[side], mv = y->inputs[1 - side];
            bd_node *m = private_producer(g, mv, BD_OP_MUL);
            if (!m) continue;
            int ms = is_scalar(g, m->inputs[0], sixth) ? 1 : is_scalar(g, m->inputs[1], sixth) ? 0
                                                                                              : -1;
            if (ms < 0) continue;
            bd_node *r = private_producer(g, m->inputs[ms], BD_OP_RELU6);
            if (!r) {
                r = private_producer(g, m->inputs[ms], BD_OP_CLAMP);
                if (r && !(r->act_min == 0.0f && r->act_max == 6.0f)) r = NULL;
            }
            if (!r) continue;
            bd_node *a = private_producer(g, r->inputs[0], BD_OP_ADD);
            if (!a) continue;
            int as = a->inputs[0] == x ? 1 : a->inputs[1] == x ? 0 : -1;
            if (as < 0 || !is_scalar(g, a->inputs[as], 3.0f)) continue;
            /* Same shape in and out: the broadcast was only of the scalars. */
            const bd_value *xv = &g->values[x], *yv = &g->values[y->output];
            if (xv->n_elems != yv->n_elems || xv->n_dims != yv->n_dims) continue;
            y->op = BD_OP_HARDSWISH;
            y->n_inputs = 1;
            y->inputs[0] = x;
            a->op = r->op = m->op = BD_OP_NONE;
            bd_graph_analyse(g);
            break;
        }
    }
    return bd_graph_compact(g, err);
}
