/*
 * split_concat.c -- a dense convolution on a channel concatenation as one
 * convolution per part, summed through the residual input:
 *
 *     y = act(conv(concat(x_0, .., x_P-1), W, b) [+ r])
 *  -> s_0 = conv(x_0, W[.., 0], b [; + r])
 *     s_k = conv(x_k, W[.., k], 0; + s_k-1)       k = 1 .. P-2
 *     y   = act(conv(x_P-1, W[.., P-1], 0; + s_P-2))
 *
 * where W[.., k] are the input channels of W [OC, KH, KW, IC] that read part k.
 * The sum is the same (in another order); what changes is that every part is
 * its own input tensor. The INT8 mode quantises an input with one scale per
 * tensor, and a concatenation joins parts of different ranges (RVM's decoder:
 * features and the 3-channel downsampled image; MODNet's skip joins), which one
 * scale cannot serve: split, each part gets its own scale, and the weights of
 * each part their own per-channel scales. Run only for INT8 with the kernel
 * (runtime/model.c): in fp32 the split would only cost the partial sums'
 * traffic.
 *
 * Taken: CONV2D with f32 constant weights of k x k > 1 taps (the 1x1 ones stay
 * fp32 in INT8 anyway), its input a 4-d CONCAT on the channel axis of 2 to
 * BD_SPLIT_MAX_PARTS non-constant parts, at least one of them of min_part_c
 * channels or more (the caller's smallest INT8 input: a split in which every part
 * stays fp32 would only add the partial sums), and not the graph's first dense
 * convolution (the stem, which INT8 keeps fp32 whole). The concatenation stays if
 * anything else reads it. The partial sums s_k are new values of the output's shape.
 */
#include <string.h>

#include "passes/passes.h"

#define BD_SPLIT_MAX_PARTS 8

/* Copies the input channels [c0, c0 + pc) of weight w [OC, KH, KW, IC] into a new
 * constant; returns its index or a negative status. */
static int weight_slice(bd_graph *g, int w, int c0, int pc, bd_err *err) {
    const bd_value *wv = &g->values[w];
    const int64_t dims[4] = {wv->dims[0], wv->dims[1], wv->dims[2], pc};
    void *data = NULL;
    const int nw = bd_graph_add_const(g, "split_weight", BD_DTYPE_F32, 4, dims, &data, err);
    if (nw < 0) return nw;
    wv = &g->values[w]; /* the value array may have moved */
    const float *src = wv->data;
    float *dst = data;
    const size_t ic = (size_t)wv->dims[3], rows = (size_t)(dims[0] * dims[1] * dims[2]);
    for (size_t r = 0; r < rows; r++)
        memcpy(dst + r * (size_t)pc, src + r * ic + (size_t)c0, (size_t)pc * sizeof(float));
    return nw;
}

/* The parts of the channel CONCAT that node n reads, or 0 if n is not taken. */
static int split_parts(const bd_graph *g, const bd_node *n, int min_part_c, int *parts) {
    if (n->op != BD_OP_CONV2D) return 0;
    const bd_value *w = &g->values[n->inputs[1]];
    if (w->dtype != BD_DTYPE_F32 || !w->data || w->n_dims != 4 || w->dims[1] * w->dims[2] < 2)
        return 0;
    const int prod = g->values[n->inputs[0]].producer;
    if (prod < 0) return 0;
    const bd_node *cat = &g->nodes[prod];
    const bd_value *cv = &g->values[cat->output];
    if (cat->op != BD_OP_CONCAT || cv->n_dims != 4 || cat->axis != 3 || cat->n_inputs < 2 ||
        cat->n_inputs > BD_SPLIT_MAX_PARTS)
        return 0;
    bool any = false;
    for (int k = 0; k < cat->n_inputs; k++) {
        const bd_value *pv = &g->values[cat->inputs[k]];
        if (pv->is_const || pv->dtype != BD_DTYPE_F32 || pv->n_dims != 4) return 0;
        any |= pv->dims[3] >= min_part_c;
        parts[k] = cat->inputs[k];
    }
    return any ? cat->n_inputs : 0;
}

/* Replaces node i by its per-part convolutions (see the top); the nodes after
 * it move down. Returns BD_OK or a negative status. */
static bd_status split_node(bd_graph *g, int i, const int *parts, int n_parts, bd_err *err) {
    bd_node orig = g->nodes[i];
    const int out = orig.output;
    int c0 = 0, prev = -1;
    for (int k = 0; k < n_parts; k++) {
        const int pc = (int)g->values[parts[k]].dims[3];
        const int w = weight_slice(g, orig.inputs[1], c0, pc, err);
        if (w < 0) return w;
        int b = orig.inputs[2];
        if (k > 0) {
            const int64_t bd = g->values[orig.inputs[2]].dims[0];
            if ((b = bd_graph_add_const(g, "split_bias", BD_DTYPE_F32, 1, &bd, NULL, err)) < 0)
                return b;
        }
        int y = out;
        if (k < n_parts - 1) {
            const bd_value *ov = &g->values[out];
            const int64_t dims[4] = {ov->dims[0], ov->dims[1], ov->dims[2], ov->dims[3]};
            if ((y = bd_graph_add_value(g, "split_partial", BD_DTYPE_F32, 4, dims, err)) < 0)
                return y;
        }
        bd_node s = orig;
        s.inputs[0] = parts[k];
        s.inputs[1] = w;
        s.inputs[2] = b;
        if (k > 0) {
            s.inputs[3] = prev;
            s.n_inputs = 4;
        }
        if (k < n_parts - 1) s.act = BD_ACT_NONE;
        s.output = y;
        if (k == 0) {
            g->nodes[i] = s;
        } else { /* appended, then moved to position i + k */
            const int at = bd_graph_add_node(g, &s, err);
            if (at < 0) return at;
            memmove(&g->nodes[i + k + 1], &g->nodes[i + k],
                    (size_t)(at - (i + k)) * sizeof(bd_node));
            g->nodes[i + k] = s;
        }
        prev = y;
        c0 += pc;
    }
    return BD_OK;
}

bd_status bd_pass_split_concat_convs(bd_graph *g, int min_part_c, bd_err *err) {
    bool changed = false;
    bd_graph_analyse(g);
    /* nodes before the stem never move, so its index holds through the loop */
    const int stem = bd_graph_first_dense(g);
    for (int i = 0; i < g->n_nodes; i++) {
        int parts[BD_SPLIT_MAX_PARTS];
        const int n_parts = i == stem ? 0 : split_parts(g, &g->nodes[i], min_part_c, parts);
        if (!n_parts) continue;
        const int cat = g->values[g->nodes[i].inputs[0]].producer;
        bd_status st = split_node(g, i, parts, n_parts, err);
        if (st) return st;
        bd_graph_analyse(g); /* producers and consumers of the new order */
        const bd_value *cv = &g->values[g->nodes[cat].output];
        if (cv->n_consumers == 0 && !cv->is_output) g->nodes[cat].op = BD_OP_NONE;
        i += n_parts - 1;
        changed = true;
    }
    if (!changed) return BD_OK;
    bd_graph_analyse(g);
    return bd_graph_compact(g, err);
}
