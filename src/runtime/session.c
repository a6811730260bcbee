/*
 * session.c -- bd_session: the activation arena of one model and bd_session_run.
 */
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"

void bd_session_options_default(bd_session_options *o) {
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->struct_size = sizeof *o;
    o->n_threads = 1;
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
    if (!s->arena || bd_threadpool_create(o.n_threads ? o.n_threads : 1, &s->pool) != BD_OK) {
        bd_aligned_free(s->arena);
        free(s);
        return BD_ERR_NO_MEMORY;
    }
    memset(s->arena, 0, model->arena_bytes);
    *out = s;
    return BD_OK;
}

void bd_session_free(bd_session *s) {
    if (!s) return;
    bd_threadpool_free(s->pool);
    bd_aligned_free(s->arena);
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

/* The body every thread runs: its share of each node, a barrier between nodes. */
static void run_graph(void *ctx, int ith, int nth) {
    bd_session *s = ctx;
    const bd_graph *g = &s->model->graph;
    for (int i = 0; i < g->n_nodes; i++) {
        bd_exec_node(s->model, s->arena, i, ith, nth);
        bd_threadpool_barrier(s->pool);
    }
}

bd_status bd_session_run(bd_session *s) {
    if (!s) return BD_ERR_INVALID_ARG;
    if (s->failed) return BD_ERR_BAD_STATE;
    bd_threadpool_run(s->pool, run_graph, s);
    return BD_OK;
}
