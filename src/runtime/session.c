/*
 * session.c -- bd_session: the activation arena of one model and bd_session_run.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/runtime.h"

void bd_session_options_default(bd_session_options *o) {
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->struct_size = sizeof *o;
    o->n_threads = 1;
}

/* Marks nodes too small to be worth splitting across threads (the squeeze-excite
 * means and 1x1 convolutions on [1,1,1,C] tensors). Between two such nodes no
 * barrier is needed: thread 0 runs both, in order. */
static void mark_serial(const bd_graph *g, unsigned char *serial) {
    for (int i = 0; i < g->n_nodes; i++) {
        const bd_node *n = &g->nodes[i];
        size_t elems = g->values[n->output].n_elems;
        serial[i] = n->op == BD_OP_MEAN_HW || n->op == BD_OP_CONCAT || n->op == BD_OP_RESHAPE ||
                    (elems <= 4096 && bd_node_macs(g, n) <= 65536);
    }
}

bd_status bd_session_create(const bd_model *model, const bd_session_options *opts,
                            bd_session **out) {
    if (!model || !out) return BD_ERR_INVALID_ARG;
    if (!model->loaded) return BD_ERR_BAD_STATE;
    bd_session_options o;
    bd_session_options_default(&o);
    if (opts) {
        if (opts->struct_size < sizeof(size_t)) return BD_ERR_INVALID_ARG;
        memcpy(&o, opts, opts->struct_size < sizeof o ? opts->struct_size : sizeof o);
    }
    if (o.n_threads < 0 || o.n_threads > 256) return BD_ERR_INVALID_ARG;
    bd_session *s = calloc(1, sizeof *s);
    if (!s) return BD_ERR_NO_MEMORY;
    s->model = model;
    s->arena = bd_aligned_alloc(model->arena_bytes ? model->arena_bytes : BD_ALIGN);
    if (o.profile) s->op_ms = calloc((size_t)model->graph.n_nodes + 1, sizeof(double));
    s->serial = calloc((size_t)model->graph.n_nodes + 1, 1);
    if (s->serial) mark_serial(&model->graph, s->serial);
    if (!s->arena || (o.profile && !s->op_ms) || !s->serial ||
        bd_threadpool_create(o.n_threads ? o.n_threads : 1, &s->pool) != BD_OK) {
        bd_aligned_free(s->arena);
        free(s->op_ms);
        free(s->serial);
        free(s);
        return BD_ERR_NO_MEMORY;
    }
    memset(s->arena, 0, model->arena_bytes); /* also the state inputs: zero */
    bd_status st = bd_session_state_setup(s, &o);
    if (st != BD_OK) {
        bd_session_free(s);
        return st;
    }
    *out = s;
    return BD_OK;
}

void bd_session_free(bd_session *s) {
    if (!s) return;
    bd_threadpool_free(s->pool);
    bd_aligned_free(s->arena);
    free(s->op_ms);
    free(s->serial);
    bd_session_state_free(s);
    free(s);
}

const char *bd_session_last_error(const bd_session *s) { return s ? s->err.msg : ""; }

static bd_status io(bd_session *s, const int *list, int count, int index, float **data,
                    size_t *n, const char *what) {
    if (!s || !data || !n) return BD_ERR_INVALID_ARG;
    if (index < 0 || index >= count)
        return bd_err_set(&s->err, BD_ERR_INVALID_ARG, "%s %d out of range (%d)", what, index,
                          count);
    const bd_value *v = &s->model->graph.values[list[index]];
    *data = (float *)(s->arena + v->arena_offset);
    *n = v->n_elems;
    return BD_OK;
}

bd_status bd_session_input(bd_session *s, int index, float **data, size_t *n) {
    if (!s) return BD_ERR_INVALID_ARG;
    return io(s, s->model->graph.inputs, s->model->graph.n_inputs, index, data, n, "input");
}

bd_status bd_session_output(bd_session *s, int index, const float **data, size_t *n) {
    if (!s) return BD_ERR_INVALID_ARG;
    float *p = NULL;
    bd_status st = io(s, s->model->graph.outputs, s->model->graph.n_outputs, index, &p, n,
                      "output");
    if (st == BD_OK) *data = p;
    return st;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* The body every thread runs: its share of each node, a barrier between nodes.
 * When profiling, thread 0 reads the clock after each barrier, so a node's time
 * includes waiting for the slowest thread. */
static void run_graph(void *ctx, int ith, int nth) {
    bd_session *s = ctx;
    const bd_graph *g = &s->model->graph;
    double t = (s->op_ms && ith == 0) ? now_ms() : 0.0;
    unsigned fp = bd_fp_fast_enter();
    for (int i = 0; i < g->n_nodes; i++) {
        if (!s->serial[i])
            bd_exec_node(s->model, s->arena, i, ith, nth);
        else if (ith == 0)
            bd_exec_node(s->model, s->arena, i, 0, 1);
        /* A barrier is needed unless this node and the next both run on thread 0. */
        if (!(s->serial[i] && i + 1 < g->n_nodes && s->serial[i + 1]) || s->op_ms)
            bd_threadpool_barrier(s->pool);
        if (s->op_ms && ith == 0) {
            double t1 = now_ms();
            s->op_ms[i] += t1 - t;
            t = t1;
        }
    }
    bd_fp_fast_leave(fp);
}

bd_status bd_session_run(bd_session *s) {
    if (!s) return BD_ERR_INVALID_ARG;
    if (s->failed) return BD_ERR_BAD_STATE;
    bd_threadpool_run(s->pool, run_graph, s);
    if (s->op_ms) s->profile_runs++;
    bd_session_state_carry(s);
    return BD_OK;
}

int bd_session_n_ops(const bd_session *s) { return s ? s->model->graph.n_nodes : 0; }

bd_status bd_session_op_profile(const bd_session *s, int index, bd_op_profile *out) {
    if (!s || !out || index < 0 || index >= s->model->graph.n_nodes) return BD_ERR_INVALID_ARG;
    if (!s->op_ms) return BD_ERR_BAD_STATE;
    static const char *const acts[BD_ACT_COUNT] = {"", "relu", "relu6", "clamp", "hardswish",
                                                   "sigmoid", "tanh"};
    const bd_graph *g = &s->model->graph;
    const bd_node *n = &g->nodes[index];
    out->op = bd_op_name(n->op);
    out->act = (n->act >= 0 && n->act < BD_ACT_COUNT) ? acts[n->act] : "";
    out->residual = n->n_inputs == 4 && n->op != BD_OP_CONCAT;
    out->src_index = n->src_index;
    out->macs = bd_node_macs(g, n);
    out->out_elems = (int64_t)g->values[n->output].n_elems;
    out->total_ms = s->op_ms[index];
    out->runs = s->profile_runs;
    return BD_OK;
}

void bd_session_profile_reset(bd_session *s) {
    if (!s || !s->op_ms) return;
    memset(s->op_ms, 0, sizeof(double) * (size_t)s->model->graph.n_nodes);
    s->profile_runs = 0;
}
