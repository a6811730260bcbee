/*
 * planner.c -- the liveness-based memory plan for activations.
 *
 * Every non-constant value gets an offset in one arena. Values are placed largest
 * first (ties: earlier first use); each goes at the lowest 64-byte aligned offset
 * where it overlaps in bytes with no already-placed value whose live range
 * [first_use, last_use] overlaps its own. This is the greedy-by-size scheme of
 * XNNPACK's memory planner; on the selfie models it lands at the naive
 * free-after-last-use peak or close to it.
 *
 * Aliases share memory instead of copying: a RESHAPE's output is its input's
 * memory; the parts of a CONCAT whose output has no outer extent before the
 * axis (NCHW channel concats at batch 1, RVM's [src, mean(src)]) are placed
 * inside the output, each at its offset, so their producers write the concat's
 * result and the concat copies nothing. A part qualifies when it is computed
 * (not a constant), no graph output, used once in that concat and not already
 * part of another; the reshapes sharing its memory move with it. A SLICE that
 * is a contiguous run of its input (bd_slice_view: RVM's split of its NCHW
 * output into the fgr planes and the alpha plane) is a view at an offset into
 * its input's memory, and the executor skips its copy; that includes a slice
 * that is a graph output (RVM's fgr and pha, once fuse.c pass 7 has made them the
 * slices of the fused tail), as a RESHAPE may be.
 */
#include <stdlib.h>

#include "runtime/runtime.h"

typedef struct placed {
    size_t off, end;
    int first, last;
} placed;

static int by_offset(const void *pa, const void *pb) {
    const placed *a = pa, *b = pb;
    return a->off < b->off ? -1 : (a->off > b->off ? 1 : 0);
}

/* The memory that part u of a concat with output `out` stands for: u itself, or
 * the root of the reshapes u is one of (a whole alias at offset 0, as RVM's mean
 * plane behind its RESHAPE back to NCHW); -1 when it cannot move (a constant, a
 * graph output, an alias at an offset, the output itself). */
static int part_root(const bd_graph *g, int u, int out) {
    const bd_value *p = &g->values[u];
    int r = u;
    if (p->alias_of >= 0) {
        if (p->alias_offset != 0) return -1;
        r = p->alias_of;
    }
    const bd_value *rv = &g->values[r];
    if (p->is_const || p->is_output || rv->is_const || rv->is_output || u == out || r == out ||
        rv->n_bytes != p->n_bytes)
        return -1;
    return r;
}

/* Concat elision (above): makes the parts of CONCAT node n (their memory: the
 * roots of part_root) aliases of its output when all of them qualify. Runs after
 * the reshape aliases are set; a part that is itself a placed concat keeps its
 * own parts at their offsets within it. */
static void place_concat_parts(bd_graph *g, const bd_node *n) {
    if (n->op != BD_OP_CONCAT || n->n_inputs < 2 || n->n_inputs > BD_MAX_NODE_INPUTS) return;
    const int root = n->output;
    bd_value *out = &g->values[root];
    if (out->is_const || out->alias_of >= 0) return;
    for (int a = 0; a < n->axis; a++)
        if (out->dims[a] != 1) return;
    int roots[BD_MAX_NODE_INPUTS];
    for (int k = 0; k < n->n_inputs; k++) {
        roots[k] = part_root(g, n->inputs[k], root);
        if (roots[k] < 0) return;
        for (int j = 0; j < k; j++)
            if (roots[j] == roots[k]) return;
    }
    size_t at = 0;
    for (int k = 0; k < n->n_inputs; k++) {
        const int r = roots[k];
        for (int v = 0; v < g->n_values; v++) /* r's aliases move with it */
            if (g->values[v].alias_of == r)
                g->values[v].alias_of = root, g->values[v].alias_offset += at;
        g->values[r].alias_of = root;
        g->values[r].alias_offset = at;
        at += g->values[r].n_bytes;
    }
}

/* Slice views (above): makes SLICE node n's output an alias into its input's
 * root. Runs after the reshape aliases and the concat parts are set. */
static void place_slice_view(bd_graph *g, const bd_node *n) {
    size_t off;
    if (!bd_slice_view(g, n, &off)) return;
    int src = n->inputs[0];
    size_t base = 0;
    if (g->values[src].alias_of >= 0) {
        base = g->values[src].alias_offset;
        src = g->values[src].alias_of;
    }
    const int u = n->output;
    const bd_value *root = &g->values[src], *out = &g->values[u];
    if (root->is_const || root->is_input || out->is_input || out->alias_of >= 0 || src == u)
        return;
    for (int v = 0; v < g->n_values; v++) /* the output's reshapes move with it */
        if (g->values[v].alias_of == u)
            g->values[v].alias_of = src, g->values[v].alias_offset += base + off;
    g->values[u].alias_of = src;
    g->values[u].alias_offset = base + off;
}

bd_status bd_plan_memory(bd_graph *g, size_t *arena_bytes, bd_err *err) {
    int *order = malloc(sizeof(int) * ((size_t)g->n_values + 1));
    placed *done = malloc(sizeof(placed) * ((size_t)g->n_values + 1));
    placed *live = malloc(sizeof(placed) * ((size_t)g->n_values + 1));
    bd_status st = BD_OK;
    if (!order || !done || !live) {
        st = bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory planning the arena");
        goto out;
    }
    int n = 0, n_done = 0;
    /* Reshape aliases: alias_of = the root value whose memory is shared; the
     * root's live range grows to cover the group (first/last below). */
    for (int v = 0; v < g->n_values; v++) g->values[v].alias_of = -1, g->values[v].alias_offset = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const bd_node *nd = &g->nodes[i];
        if (nd->op != BD_OP_RESHAPE) continue;
        int src = nd->inputs[0];
        if (g->values[src].alias_of >= 0) src = g->values[src].alias_of;
        bd_value *in = &g->values[src], *out = &g->values[nd->output];
        if (in->is_const || out->is_input || in->n_bytes != out->n_bytes)
            continue;
        out->alias_of = src;
    }
    for (int i = 0; i < g->n_nodes; i++) place_concat_parts(g, &g->nodes[i]);
    for (int i = 0; i < g->n_nodes; i++) place_slice_view(g, &g->nodes[i]);
    for (int v = 0; v < g->n_values; v++) {
        const bd_value *val = &g->values[v];
        if (val->is_const || val->first_use < 0) continue;
        if (val->alias_of < 0) {
            order[n++] = v;
            continue;
        }
        bd_value *root = &g->values[val->alias_of];
        if (root->first_use < 0 || val->first_use < root->first_use)
            root->first_use = val->first_use;
        if (val->last_use > root->last_use) root->last_use = val->last_use;
    }
    /* Largest first, ties by first use: an insertion sort, since qsort has no
     * context argument in C11 and the planner keeps no global state. */
    for (int i = 1; i < n; i++) {
        int x = order[i], j = i - 1;
        while (j >= 0) {
            const bd_value *a = &g->values[order[j]], *b = &g->values[x];
            bool after = a->n_bytes < b->n_bytes ||
                         (a->n_bytes == b->n_bytes && a->first_use > b->first_use);
            if (!after) break;
            order[j + 1] = order[j];
            j--;
        }
        order[j + 1] = x;
    }
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        bd_value *v = &g->values[order[i]];
        size_t size;
        if (!bd_size_align(v->n_bytes, &size)) {
            st = bd_err_set(err, BD_ERR_LIMIT, "tensor '%s' is too large", v->name);
            goto out;
        }
        /* Collect placed values alive at the same time, sorted by offset, and take
         * the first gap large enough. */
        int n_live = 0;
        for (int k = 0; k < n_done; k++)
            if (done[k].first <= v->last_use && v->first_use <= done[k].last)
                live[n_live++] = done[k];
        qsort(live, (size_t)n_live, sizeof(placed), by_offset);
        size_t off = 0;
        for (int k = 0; k < n_live; k++) {
            if (live[k].off >= off + size) break;
            if (live[k].end > off) off = live[k].end;
        }
        size_t end;
        if (!bd_size_add(off, size, &end)) {
            st = bd_err_set(err, BD_ERR_LIMIT, "arena size overflow");
            goto out;
        }
        v->arena_offset = off;
        done[n_done++] = (placed){off, end, v->first_use, v->last_use};
        if (end > total) total = end;
    }
    for (int v = 0; v < g->n_values; v++)
        if (g->values[v].alias_of >= 0)
            g->values[v].arena_offset =
                g->values[g->values[v].alias_of].arena_offset + g->values[v].alias_offset;
    *arena_bytes = total;
out:
    free(order);
    free(done);
    free(live);
    return st;
}
