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
 *    for conv, dwconv, tconv, add and mul with no activation yet, when op's output
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
        bool fusable = is_conv(p->op) || p->op == BD_OP_ADD || p->op == BD_OP_MUL;
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

bd_status bd_pass_fuse(bd_graph *g, bd_err *err) {
    bd_graph_analyse(g);
    fuse_resize_affine(g);
    fuse_residual(g);
    fuse_gate_add(g);
    fuse_activation(g);
    fuse_residual_after_act(g);
    return bd_graph_compact(g, err);
}
