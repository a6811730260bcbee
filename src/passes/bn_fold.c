/*
 * bn_fold.c -- folds a per-channel scale that follows a convolution into the
 * convolution's weights and bias (the multiply half of an inference-mode
 * BatchNormalization; the shift half is folded into the bias by pattern.c).
 *
 * The ONNX importer writes BatchNormalization as y = x * s + t with
 *     s = gamma / sqrt(var + eps),  t = beta - mean * s,
 * and TFLite-free converters spell it the same way (a MUL and an ADD by
 * constants). For y = conv(x) * s with conv(x)[oc] = sum_k w[oc, k] x[k] + b[oc]:
 *     y[oc] = sum_k (w[oc, k] * s[oc]) x[k] + b[oc] * s[oc]
 * so w'[oc, ..] = w[oc, ..] * s[oc] and b'[oc] = b[oc] * s[oc] compute y with one
 * op. Rounding: w * s is rounded once per weight instead of once per output, a
 * relative change of about one ulp of each product (~1e-7).
 *
 * Conditions: the MUL has no activation and two inputs; one is a float32
 * constant of one element or of one finite value per output channel ([.., OC],
 * every other dim 1); the other is produced by a CONV2D, DWCONV2D or TCONV2D with
 * no residual and no fused activation, whose output feeds only this MUL and is no
 * graph output; the MUL's output has the conv's shape. Weights and bias are
 * copied (the originals may be shared with other nodes).
 *
 * Layouts (ir.h): CONV2D and TCONV2D weights [OC, KH, KW, IC] scale along dim 0;
 * DWCONV2D weights [1, KH, KW, C*M] along the last dim.
 */
#include <math.h>
#include <string.h>

#include "passes/passes.h"

static bool is_conv(bd_op_type op) {
    return op == BD_OP_CONV2D || op == BD_OP_DWCONV2D || op == BD_OP_TCONV2D;
}

/* A new constant value holding a copy of value src's data (dims of src). */
static int copy_const(bd_graph *g, int src, const char *name, bd_err *err) {
    int64_t dims[BD_MAX_DIMS];
    int nd = g->values[src].n_dims;
    memcpy(dims, g->values[src].dims, sizeof dims);
    int v = bd_graph_add_value(g, name, BD_DTYPE_F32, nd, dims, err);
    if (v < 0) return v;
    bd_value *val = &g->values[v]; /* values may have moved: index again */
    val->data = bd_aligned_alloc(val->n_bytes);
    if (!val->data) return bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory");
    memcpy(val->data, g->values[src].data, val->n_bytes);
    val->is_const = true;
    return v;
}

/* The per-channel scale constant of MUL node m applied to a foldable conv, or
 * -1. Sets *conv_side to the input position of the conv's output. */
static int scale_of(const bd_graph *g, const bd_node *m, int *conv_side) {
    if (m->op != BD_OP_MUL || m->n_inputs != 2 || m->act != BD_ACT_NONE) return -1;
    for (int side = 0; side < 2; side++) {
        int cv = m->inputs[1 - side], xv = m->inputs[side];
        const bd_value *c = &g->values[cv], *x = &g->values[xv], *o = &g->values[m->output];
        if (x->producer < 0 || x->is_output || x->n_consumers != 1) continue;
        const bd_node *p = &g->nodes[x->producer];
        if (!is_conv(p->op) || p->n_inputs != 3 || p->act != BD_ACT_NONE) continue;
        if (x->n_dims != 4 || o->n_dims != 4 || o->n_elems != x->n_elems) continue;
        const bd_value *w = &g->values[p->inputs[1]], *b = &g->values[p->inputs[2]];
        if (w->dtype != BD_DTYPE_F32 || !w->data || b->dtype != BD_DTYPE_F32 || !b->data)
            continue;
        if (!bd_value_is_channel_const(g, cv, x->dims[3])) continue;
        bool finite = true;
        for (size_t k = 0; k < c->n_elems; k++) finite = finite && isfinite(((float *)c->data)[k]);
        if (!finite) continue;
        *conv_side = side;
        return cv;
    }
    return -1;
}

bd_status bd_pass_fold_batchnorm(bd_graph *g, bd_err *err) {
    bd_graph_analyse(g);
    for (int i = 0; i < g->n_nodes; i++) {
        int side;
        int cv = scale_of(g, &g->nodes[i], &side);
        if (cv < 0) continue;
        int pi = g->values[g->nodes[i].inputs[side]].producer;
        int wv = copy_const(g, g->nodes[pi].inputs[1], "bn_folded_weight", err);
        if (wv < 0) return wv;
        int bv = copy_const(g, g->nodes[pi].inputs[2], "bn_folded_bias", err);
        if (bv < 0) return bv;
        bd_node *p = &g->nodes[pi], *m = &g->nodes[i];
        const bd_value *c = &g->values[cv], *w = &g->values[wv], *b = &g->values[bv];
        const float *s = c->data;
        float *wd = w->data, *bd = b->data;
        size_t oc = (size_t)b->n_elems, n_w = w->n_elems;
        bool one = c->n_elems == 1;
        if (p->op == BD_OP_DWCONV2D) { /* [1, KH, KW, OC]: channel = index % OC */
            for (size_t k = 0; k < n_w; k++) wd[k] *= s[one ? 0 : k % oc];
        } else { /* [OC, KH, KW, IC]: channel = index / (KH*KW*IC) */
            size_t per = n_w / oc;
            for (size_t k = 0; k < n_w; k++) wd[k] *= s[one ? 0 : k / per];
        }
        for (size_t k = 0; k < oc; k++) bd[k] *= s[one ? 0 : k];
        p->inputs[1] = wv;
        p->inputs[2] = bv;
        p->output = m->output;
        m->op = BD_OP_NONE;
        bd_graph_analyse(g);
    }
    return bd_graph_compact(g, err);
}
