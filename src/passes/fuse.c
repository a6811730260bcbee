/*
 * fuse.c -- fusion passes: fold element-wise work into the op that produces its
 * input, so the tensor is written once instead of written, read and rewritten.
 *
 * 1. Residual add:  y = conv(x) + r  ->  conv(x; residual r)
 *    when the conv has no activation (the add comes after it), its output feeds
 *    only this add and is no graph output, r has the output's exact shape (no
 *    broadcast), and r is ready before the conv runs (constant, graph input, or
 *    produced by an earlier node), since the fused conv executes at the conv's
 *    position. The add's own activation moves to the conv.
 * 2. Gate + add:    y = x * g[c] + r  ->  MUL(x, g; addend r)
 *    for a squeeze-excite channel gate whose product feeds only the add, under the
 *    same conditions on r as above (the MUL executes at its own position).
 * 3. Activation:    y = act(op(x))  ->  op(x; epilogue act)
 *    for conv, dwconv, tconv, add, mul and instance norm with no activation yet, when op's output
 *    feeds only the activation and is no graph output. Activations fused:
 *    RELU, RELU6, CLAMP, HARDSWISH, SIGMOID (every kernel implements these).
 *
 * 4. Residual after activation:  y = act(dw(x)) + r  ->  dw(x; act, then + r)
 *    for a depthwise conv (the MobileNet block `x + relu(dw(x))`), after pass 3
 *    has put the activation in its epilogue; same conditions on r as in 1, and the
 *    add itself has no activation. Only dwconv kernels implement this epilogue,
 *    and not for TANH (the SIMD kernels apply tanh in a second pass).
 *
 * 5. Resized linear model:  y = resize(a) * x + resize(b)  ->  RESIZE_AFFINE(a, x, b)
 *    (a guided filter's last step: Robust Video Matting's refiner upsamples its
 *    per-pixel coefficients to the frame's size and applies them there). Both
 *    resizes bilinear with the same geometry and inputs of one shape, each result
 *    (through any Reshapes) feeding only the MUL or the ADD; MUL and ADD without
 *    broadcast or activation, the product feeding only the add. The fused op runs
 *    at the ADD's position and never writes the two full-size resized tensors
 *    (for RVM at 720p: 44 MB of writes and reads less per frame); results are
 *    bit-identical (the kernel rounds the product and the sum apart).
 *
 * 6. Split normalisation:  y = concat(affine(x[..c)), instance_norm(x[c..]))
 *    ->  INSTANCE_NORM(x; channels [c, C) normalised, the others scale * x + bias)
 *    (MODNet's IBNorm: BatchNorm on the first half of a conv's channels,
 *    InstanceNorm on the second, concatenated, then ReLU). The two parts are
 *    channel SLICEs of one NHWC value that together cover its channels in concat
 *    order, one through a private INSTANCE_NORM, the other through an optional
 *    MUL and an optional ADD (in that order) by per-channel constants; every
 *    intermediate private. The fused op at the CONCAT's position reads x and
 *    writes y once: two slices, the affine ops, the norm's copy and the concat
 *    are gone, and pass 3 then takes the ReLU into it.
 *
 * 7. The resized linear model's tail:
 *        y = RESIZE_AFFINE(a, x, b);  o_k = act(SLICE_k(y) [+ r])
 *    ->  y = RESIZE_AFFINE(a, x, b; + r on the leading images, then act);  o_k = SLICE_k(y)
 *    (RVM: fgr = clip(y[0..3) + src, 0, 1), pha = clip(y[3], 0, 1); the two full-size
 *    passes over y go and the slices become views, so fgr and pha are written once,
 *    by the fused op). y no graph output and read only by SLICEs that are disjoint
 *    contiguous runs of it, each read only by one op: an activation node (CLAMP,
 *    RELU, RELU6) or an ADD (after pass 3, with its activation) of an addend of the
 *    slice's shape, ready before the fused op runs. One activation for all; at most
 *    one ADD, on a slice of whole leading images. Bit-identical (the kernel rounds
 *    each step apart).
 *
 * Graph outputs (including bd_model_options.extra_outputs) are never fused away,
 * which keeps the pre-sigmoid logits observable for the reference test.
 */
#include "passes/passes.h"

static bool is_conv(bd_op_type op) {
    return op == BD_OP_CONV2D || op == BD_OP_DWCONV2D || op == BD_OP_TCONV2D;
}

static bool same_shape(const bd_value *a, const bd_value *b) {
    if (a->n_dims != b->n_dims) return false;
    for (int i = 0; i < a->n_dims; i++)
        if (a->dims[i] != b->dims[i]) return false;
    return true;
}

static bd_act act_of(const bd_node *n) {
    switch (n->op) {
    case BD_OP_RELU: return BD_ACT_RELU;
    case BD_OP_RELU6: return BD_ACT_RELU6;
    case BD_OP_CLAMP: return BD_ACT_CLAMP;
    case BD_OP_HARDSWISH: return BD_ACT_HARDSWISH;
    case BD_OP_SIGMOID: return BD_ACT_SIGMOID;
    default: return BD_ACT_NONE;
    }
}

/* True if value v is consumed by exactly one live node and is no graph output. */
static bool private_edge(const bd_graph *g, int v) {
    return !g->values[v].is_output && g->values[v].n_consumers == 1;
}

static int fuse_residual(bd_graph *g) {
    int fused = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        bd_node *add = &g->nodes[i];
        if (add->op != BD_OP_ADD) continue;
        for (int side = 0; side < 2; side++) {
            int cv = add->inputs[side], r = add->inputs[1 - side];
            int ci = g->values[cv].producer;
            if (ci < 0 || cv == r) continue;
            bd_node *c = &g->nodes[ci];
            if (!is_conv(c->op) || c->n_inputs != 3 || c->act != BD_ACT_NONE) continue;
            if (!private_edge(g, cv) || !same_shape(&g->values[r], &g->values[add->output]))
                continue;
            int rp = g->values[r].producer;
            if (rp >= ci) continue; /* r is computed after the conv runs */
            c->inputs[c->n_inputs++] = r;
            c->output = add->output;
            c->act = add->act;
            c->act_min = add->act_min;
            c->act_max = add->act_max;
            add->op = BD_OP_NONE;
            fused++;
            bd_graph_analyse(g);
            break;
        }
    }
    return fused;
}

static int fuse_gate_add(bd_graph *g) {
    int fused = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        bd_node *add = &g->nodes[i];
        if (add->op != BD_OP_ADD) continue;
        for (int side = 0; side < 2; side++) {
            int mv = add->inputs[side], r = add->inputs[1 - side];
            int mi = g->values[mv].producer, full, gate;
            if (mi < 0 || mv == r) continue;
            bd_node *m = &g->nodes[mi];
            if (m->op != BD_OP_MUL || m->n_inputs != 2 || m->act != BD_ACT_NONE ||
                !bd_mul_is_channel_gate(g, m, &full, &gate) || !private_edge(g, mv) ||
                !same_shape(&g->values[r], &g->values[add->output]) ||
                g->values[r].producer >= mi)
                continue;
            m->inputs[m->n_inputs++] = r;
            m->output = add->output;
            m->act = add->act;
            m->act_min = add->act_min;
            m->act_max = add->act_max;
            add->op = BD_OP_NONE;
            fused++;
            bd_graph_analyse(g);
            break;
        }
    }
    return fused;
}

static int fuse_activation(bd_graph *g) {
    int fused = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        bd_node *a = &g->nodes[i];
        bd_act act = act_of(a);
        if (act == BD_ACT_NONE) continue;
        int pi = g->values[a->inputs[0]].producer;
        if (pi < 0) continue;
        bd_node *p = &g->nodes[pi];
        bool fusable = is_conv(p->op) || p->op == BD_OP_ADD || p->op == BD_OP_MUL ||
                       p->op == BD_OP_INSTANCE_NORM;
        if (!fusable || p->act != BD_ACT_NONE || !private_edge(g, a->inputs[0])) continue;
        p->act = act;
        p->act_min = a->act_min;
        p->act_max = a->act_max;
        p->output = a->output;
        a->op = BD_OP_NONE;
        fused++;
        bd_graph_analyse(g);
    }
    return fused;
}

static int fuse_residual_after_act(bd_graph *g) {
    int fused = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        bd_node *add = &g->nodes[i];
        if (add->op != BD_OP_ADD || add->act != BD_ACT_NONE) continue;
        for (int side = 0; side < 2; side++) {
            int dv = add->inputs[side], r = add->inputs[1 - side];
            int di = g->values[dv].producer;
            if (di < 0 || dv == r) continue;
            bd_node *d = &g->nodes[di];
            if (d->op != BD_OP_DWCONV2D || d->n_inputs != 3 || d->act == BD_ACT_NONE ||
                d->act == BD_ACT_TANH || !private_edge(g, dv) ||
                !same_shape(&g->values[r], &g->values[add->output]) ||
                g->values[r].producer >= di)
                continue;
            d->inputs[d->n_inputs++] = r;
            d->residual_after_act = true;
            d->output = add->output;
            add->op = BD_OP_NONE;
            fused++;
            bd_graph_analyse(g);
            break;
        }
    }
    return fused;
}

/* The RESIZE_BILINEAR whose result reaches value v through private Reshapes only,
 * itself private; -1 if there is none. */
static int private_resize(const bd_graph *g, int v) {
    for (int hops = 0; hops < 8; hops++) {
        int pi = g->values[v].producer;
        if (pi < 0 || !private_edge(g, v)) return -1;
        const bd_node *p = &g->nodes[pi];
        if (p->op == BD_OP_RESIZE_BILINEAR) return pi;
        if (p->op != BD_OP_RESHAPE) return -1;
        v = p->inputs[0];
    }
    return -1;
}

/* Removes the resize node r and the Reshapes between it and value v. */
static void drop_resize_chain(bd_graph *g, int v, int r) {
    for (int pi = g->values[v].producer; pi != r; pi = g->values[v].producer) {
        v = g->nodes[pi].inputs[0];
        g->nodes[pi].op = BD_OP_NONE;
    }
    g->nodes[r].op = BD_OP_NONE;
}

static bool same_resize(const bd_graph *g, const bd_node *r, const bd_node *q) {
    return r->out_h == q->out_h && r->out_w == q->out_w &&
           r->align_corners == q->align_corners && r->half_pixel == q->half_pixel &&
           same_shape(&g->values[r->inputs[0]], &g->values[q->inputs[0]]);
}

#define AFFINE_MAX_C 2048 /* the kernel's stack rows (templates/resize.inc, ABUF) */

static int fuse_resize_affine(bd_graph *g) {
    int fused = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        bd_node *add = &g->nodes[i];
        if (add->op != BD_OP_ADD || add->n_inputs != 2 || add->act != BD_ACT_NONE) continue;
        const bd_value *out = &g->values[add->output];
        for (int side = 0; side < 2; side++) {
            int mv = add->inputs[side], bv = add->inputs[1 - side];
            int mi = g->values[mv].producer, rb = private_resize(g, bv);
            if (mi < 0 || rb < 0 || mv == bv || !private_edge(g, mv)) continue;
            bd_node *mul = &g->nodes[mi];
            if (mul->op != BD_OP_MUL || mul->n_inputs != 2 || mul->act != BD_ACT_NONE) continue;
            int k = private_resize(g, mul->inputs[0]) >= 0 ? 0 : 1;
            int av = mul->inputs[k], xv = mul->inputs[1 - k], ra = private_resize(g, av);
            if (ra < 0 || ra == rb || av == xv || !same_resize(g, &g->nodes[ra], &g->nodes[rb]) ||
                !same_shape(&g->values[av], out) || !same_shape(&g->values[xv], out) ||
                !same_shape(&g->values[bv], out) || !same_shape(&g->values[mv], out) ||
                g->values[g->nodes[ra].inputs[0]].dims[3] > AFFINE_MAX_C)
                continue;
            const bd_node r = g->nodes[ra];
            drop_resize_chain(g, av, ra);
            drop_resize_chain(g, bv, rb);
            add->op = BD_OP_RESIZE_AFFINE;
            add->n_inputs = 3;
            add->inputs[0] = r.inputs[0];
            add->inputs[1] = xv;
            add->inputs[2] = g->nodes[rb].inputs[0];
            add->out_h = r.out_h;
            add->out_w = r.out_w;
            add->align_corners = r.align_corners;
            add->half_pixel = r.half_pixel;
            mul->op = BD_OP_NONE;
            fused++;
            bd_graph_analyse(g);
            break;
        }
    }
    return fused;
}

typedef struct tail_act_t {
    bd_act act;
    float min, max; /* BD_ACT_CLAMP */
} tail_act_t;

/* The activation that node e applies to its input alone (an activation node, or an
 * ADD's fused one), in *act; false for other ops. */
static bool tail_act(const bd_node *e, tail_act_t *act) {
    act->min = e->act_min;
    act->max = e->act_max;
    switch (e->op) {
    case BD_OP_CLAMP: act->act = BD_ACT_CLAMP; return true;
    case BD_OP_RELU: act->act = BD_ACT_RELU; return true;
    case BD_OP_RELU6: act->act = BD_ACT_RELU6; return true;
    case BD_OP_ADD:
        act->act = e->act;
        return e->act == BD_ACT_NONE || e->act == BD_ACT_RELU || e->act == BD_ACT_RELU6 ||
               e->act == BD_ACT_CLAMP;
    default: return false;
    }
}

static bool same_act(const tail_act_t *a, const tail_act_t *b) {
    return a->act == b->act && (a->act != BD_ACT_CLAMP || (a->min == b->min && a->max == b->max));
}

#define TAIL_MAX 8 /* slices of one fused tail */

/* The only consumer node of value v, or NULL. */
static bd_node *only_consumer(bd_graph *g, int v) {
    if (g->values[v].n_consumers != 1 || g->values[v].is_output) return NULL;
    for (int i = 0; i < g->n_nodes; i++) {
        bd_node *n = &g->nodes[i];
        if (n->op == BD_OP_NONE) continue;
        for (int k = 0; k < n->n_inputs; k++)
            if (n->inputs[k] == v) return n;
    }
    return NULL;
}

/* Pass 7 on RESIZE_AFFINE node f (index fi); true if fused. */
static bool fuse_affine_tail(bd_graph *g, int fi) {
    bd_node *f = &g->nodes[fi];
    const int y = f->output;
    const bd_value *yv = &g->values[y];
    if (f->n_inputs != 3 || f->act != BD_ACT_NONE || yv->is_output || yv->n_consumers < 1 ||
        yv->n_consumers > TAIL_MAX)
        return false;
    bd_node *sl[TAIL_MAX], *el[TAIL_MAX];
    size_t off[TAIL_MAX], len[TAIL_MAX];
    int n = 0, addend = -1;
    tail_act_t act = {BD_ACT_NONE, 0, 0};
    const size_t elem = yv->n_bytes / (yv->n_elems ? yv->n_elems : 1);
    const int64_t n_img = g->values[f->inputs[0]].dims[0];
    const size_t img = n_img > 0 ? yv->n_elems / (size_t)n_img : 0; /* elements of an image */
    if (img == 0) return false;
    for (int i = fi + 1; i < g->n_nodes; i++) {
        bd_node *s = &g->nodes[i];
        bool reads = false;
        for (int k = 0; k < s->n_inputs; k++) reads = reads || s->inputs[k] == y;
        if (!reads || s->op == BD_OP_NONE) continue;
        if (s->op != BD_OP_SLICE || !bd_slice_view(g, s, &off[n])) return false;
        const bd_value *sv = &g->values[s->output];
        bd_node *e = only_consumer(g, s->output);
        tail_act_t ea;
        if (!e || !tail_act(e, &ea) || !same_shape(sv, &g->values[e->output])) return false;
        if (n > 0 && !same_act(&ea, &act)) return false;
        act = ea;
        if (e->op == BD_OP_ADD) {
            const int r = e->inputs[0] == s->output ? e->inputs[1] : e->inputs[0];
            const int rp = g->values[r].producer;
            if (addend >= 0 || e->n_inputs != 2 || r == s->output || off[n] != 0 ||
                !same_shape(&g->values[r], sv) || rp >= fi ||
                sv->n_elems % img != 0)
                return false;
            addend = r;
        }
        len[n] = sv->n_elems * elem;
        sl[n] = s;
        el[n++] = e;
    }
    if (n != yv->n_consumers) return false; /* y read twice by a node */
    for (int k = 0; k < n; k++)
        for (int j = 0; j < k; j++)
            if (off[k] < off[j] + len[j] && off[j] < off[k] + len[k]) return false;
    f->act = act.act;
    f->act_min = act.min;
    f->act_max = act.max;
    if (addend >= 0) f->inputs[f->n_inputs++] = addend;
    for (int k = 0; k < n; k++) {
        sl[k]->output = el[k]->output;
        el[k]->op = BD_OP_NONE;
    }
    bd_graph_analyse(g);
    return true;
}

static int fuse_affine_tails(bd_graph *g) {
    int fused = 0;
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].op == BD_OP_RESIZE_AFFINE) fused += fuse_affine_tail(g, i);
    return fused;
}

/* One part of a split normalisation (pass 6): the channels [c0, c1) of x, and
 * either the INSTANCE_NORM node norm or the constants mul and add (-1: none). */
typedef struct norm_part {
    int x, c0, c1;
    int norm, mul, add;
    int drop[3], n_drop; /* the part's nodes besides its SLICE */
} norm_part;

/* For MUL or ADD node n with a per-channel constant operand of a c-channel
 * tensor: the constant's and the other operand's values. */
static bool affine_operands(const bd_graph *g, const bd_node *n, int64_t c, int *k, int *other) {
    if (n->n_inputs != 2 || n->act != BD_ACT_NONE) return false;
    for (int side = 0; side < 2; side++)
        if (bd_value_is_channel_const(g, n->inputs[side], c) &&
            !g->values[n->inputs[1 - side]].is_const) {
            *k = n->inputs[side];
            *other = n->inputs[1 - side];
            return true;
        }
    return false;
}

/* Traces concat input v back to a channel SLICE of a rank-4 value (see pass 6). */
static bool trace_norm_part(const bd_graph *g, int v, norm_part *pt) {
    pt->norm = pt->mul = pt->add = -1;
    pt->n_drop = 0;
    const int64_t c = g->values[v].n_dims == 4 ? g->values[v].dims[3] : 0;
    if (c <= 0) return false;
    for (int step = 0; step < 3; step++) {
        const int pi = g->values[v].producer;
        if (pi < 0 || !private_edge(g, v)) return false;
        const bd_node *p = &g->nodes[pi];
        int k, other;
        if (p->op == BD_OP_SLICE) {
            const bd_value *x = &g->values[p->inputs[0]], *o = &g->values[p->output];
            if (x->n_dims != 4 || x->is_const || o->dims[3] != c) return false;
            for (int d = 0; d < 4; d++)
                if (p->pads[4 + d] != 1 || (d < 3 && (p->pads[d] != 0 || o->dims[d] != x->dims[d])))
                    return false;
            pt->x = p->inputs[0];
            pt->c0 = (int)p->pads[3];
            pt->c1 = pt->c0 + (int)o->dims[3];
            pt->drop[pt->n_drop++] = pi;
            return true;
        }
        if (p->op == BD_OP_INSTANCE_NORM && step == 0 && p->norm_c1 == 0 &&
            p->act == BD_ACT_NONE) {
            pt->norm = pi;
            v = p->inputs[0];
        } else if (p->op == BD_OP_ADD && step == 0 && affine_operands(g, p, c, &k, &other)) {
            pt->add = k;
            v = other;
        } else if (p->op == BD_OP_MUL && pt->norm < 0 && pt->mul < 0 &&
                   affine_operands(g, p, c, &k, &other)) {
            pt->mul = k;
            v = other;
        } else {
            return false;
        }
        pt->drop[pt->n_drop++] = pi;
    }
    return false;
}

/* Element ch (of c channels) of per-channel constant v (or its single value). */
static float channel_value(const bd_graph *g, int v, int64_t ch) {
    const bd_value *val = &g->values[v];
    return ((const float *)val->data)[val->n_elems == 1 ? 0 : ch];
}

static int fuse_split_norm(bd_graph *g, bd_err *err) {
    int fused = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const bd_node *cat = &g->nodes[i];
        if (cat->op != BD_OP_CONCAT || cat->n_inputs != 2 || cat->axis != 3) continue;
        norm_part pt[2];
        if (!trace_norm_part(g, cat->inputs[0], &pt[0]) ||
            !trace_norm_part(g, cat->inputs[1], &pt[1]))
            continue;
        const bd_value *x = &g->values[pt[0].x];
        const int64_t C = x->dims[3];
        if (pt[1].x != pt[0].x || pt[0].c0 != 0 || pt[0].c1 != pt[1].c0 || pt[1].c1 != C ||
            !same_shape(x, &g->values[cat->output]) || (pt[0].norm >= 0) == (pt[1].norm >= 0))
            continue;
        const norm_part *np = pt[0].norm >= 0 ? &pt[0] : &pt[1];
        const norm_part *ap = pt[0].norm >= 0 ? &pt[1] : &pt[0];
        const bd_node nrm = g->nodes[np->norm];
        float *sc, *bi;
        const int64_t dims[1] = {C};
        const int vs = bd_graph_add_const(g, "split_norm_scale", BD_DTYPE_F32, 1, dims,
                                          (void **)&sc, err);
        if (vs < 0) return vs;
        const int vb = bd_graph_add_const(g, "split_norm_bias", BD_DTYPE_F32, 1, dims,
                                          (void **)&bi, err);
        if (vb < 0) return vb;
        for (int64_t ch = np->c0; ch < np->c1; ch++) {
            sc[ch] = channel_value(g, nrm.inputs[1], ch - np->c0);
            bi[ch] = channel_value(g, nrm.inputs[2], ch - np->c0);
        }
        for (int64_t ch = ap->c0; ch < ap->c1; ch++) {
            sc[ch] = ap->mul >= 0 ? channel_value(g, ap->mul, ch - ap->c0) : 1.0f;
            bi[ch] = ap->add >= 0 ? channel_value(g, ap->add, ch - ap->c0) : 0.0f;
        }
        for (int k = 0; k < 2; k++)
            for (int d = 0; d < pt[k].n_drop; d++) g->nodes[pt[k].drop[d]].op = BD_OP_NONE;
        bd_node *n = &g->nodes[i];
        const int out = n->output, src = n->src_index;
        const char *src_name = n->src_name;
        bd_node_init(n, BD_OP_INSTANCE_NORM, src, src_name);
        n->n_inputs = 3;
        n->inputs[0] = pt[0].x;
        n->inputs[1] = vs;
        n->inputs[2] = vb;
        n->output = out;
        n->epsilon = nrm.epsilon;
        n->norm_c0 = np->c0;
        n->norm_c1 = np->c1;
        fused++;
        bd_graph_analyse(g);
    }
    return fused;
}

bd_status bd_pass_fuse(bd_graph *g, bd_err *err) {
    bd_graph_analyse(g);
    const int split = fuse_split_norm(g, err);
    if (split < 0) return (bd_status)split;
    fuse_resize_affine(g);
    fuse_residual(g);
    fuse_gate_add(g);
    fuse_activation(g);
    fuse_residual_after_act(g);
    fuse_affine_tails(g);
    return bd_graph_compact(g, err);
}
