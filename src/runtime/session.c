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

/* Tiling (issue 4): each node is cut into tiles that the pool's threads claim
 * dynamically (each its own share first), so a thread the OS deschedules delays
 * only the tile it holds. Several tiles per thread let the others absorb a late
 * thread's share; a minimum tile cost keeps the claim (a compare-and-swap) small
 * next to the work. Costs are MACs; element-wise ops count 4 per element. */
enum { TILES_PER_THREAD = 4, MIN_TILE_COST = 48 * 1024 };

/* Too small to be worth splitting (the squeeze-excite means and 1x1 convolutions
 * on [1,1,1,C] tensors): one tile; a run of such nodes is one step. */
static bool is_serial(const bd_model *m, const bd_node *n) {
    const bd_graph *g = &m->graph;
    size_t elems = g->values[n->output].n_elems;
    return n->op == BD_OP_MEAN_HW || n->op == BD_OP_RESHAPE ||
           (elems <= 4096 && bd_node_macs(g, n) <= 65536) || bd_exec_max_tiles(m, n) == 1;
}

static int node_tiles(const bd_model *m, const bd_node *n, int n_threads) {
    const bd_graph *g = &m->graph;
    if (n_threads == 1 || is_serial(m, n)) return 1;
    int64_t cost = bd_node_macs(g, n) + 4 * (int64_t)g->values[n->output].n_elems;
    int64_t want = cost / MIN_TILE_COST;
    if (want > (int64_t)n_threads * TILES_PER_THREAD) want = (int64_t)n_threads * TILES_PER_THREAD;
    if (want < n_threads) want = n_threads;
    if (bd_exec_streams_weights(m, n)) want = n_threads; /* more tiles: more weight reads */
    int most = bd_exec_max_tiles(m, n);
    return want < most ? (int)want : most;
}

/* Cuts the graph into steps: one per splittable node, one per run of serial nodes
 * (one per node when profiling, so every node is timed). A BF16 node cut into
 * tiles gets a conversion step before it (prep[s] = its index, the step's node
 * range empty; its tiles split the input's pixels); prep[s] = -1 for the others.
 * An INT8 node gets two (phase[s] 0: min/max, 1: quantisation; bd_int8_scratch).
 * Fills first[0..n_steps], tiles, prep and phase[0..n_steps-1] (sized 3 * n_nodes + 1);
 * returns n_steps. */
static int make_steps(const bd_model *m, int n_threads, bool per_node, int *first, int *tiles,
                      int *prep, int *phase) {
    const bd_graph *g = &m->graph;
    int n_steps = 0;
    for (int i = 0; i < g->n_nodes;) {
        const bd_node *n = &g->nodes[i];
        const int nt = node_tiles(m, n, n_threads);
        const int n_prep = nt > 1 ? bd_exec_needs_prepare(m, i) : 0;
        for (int ph = 0; ph < n_prep; ph++) {
            first[n_steps] = i;
            tiles[n_steps] = n_threads;
            phase[n_steps] = ph;
            prep[n_steps++] = i;
        }
        first[n_steps] = i;
        tiles[n_steps] = nt;
        phase[n_steps] = 0;
        prep[n_steps] = -1;
        i++;
        if (tiles[n_steps] == 1 && is_serial(m, n) && !per_node)
            while (i < g->n_nodes && is_serial(m, &g->nodes[i])) i++;
        n_steps++;
    }
    first[n_steps] = g->n_nodes;
    return n_steps;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* One tile of one step, on whichever thread claimed it. Flush-to-zero is per
 * thread state, so every tile sets it (a few cycles). */
static void run_tile(void *ctx, int step, int tile, int n_tiles, int thread) {
    bd_session *s = ctx;
    void *scratch = s->thread_scratch
                        ? s->thread_scratch + (size_t)thread * s->model->thread_scratch_bytes
                        : NULL;
    unsigned fp = bd_fp_fast_enter();
    if (s->step_prep[step] >= 0)
        bd_exec_node_prepare(s->model, s->arena, s->step_prep[step], s->step_phase[step], tile,
                             n_tiles);
    for (int i = s->step_first[step]; i < s->step_first[step + 1]; i++)
        bd_exec_node(s->model, s->arena, i, tile, n_tiles, scratch);
    bd_fp_fast_leave(fp);
}

/* Profiling: the caller's thread notes when each step (= node) completed, so a
 * node's time includes waiting for its slowest tile. */
static void step_done(void *ctx, int step) {
    bd_session *s = ctx;
    double t = now_ms();
    s->op_ms[s->step_first[step]] += t - s->t_last;
    s->t_last = t;
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
    int n_threads = o.n_threads ? o.n_threads : 1;
    const bd_graph *g = &model->graph;
    bd_session *s = calloc(1, sizeof *s);
    if (!s) return BD_ERR_NO_MEMORY;
    s->model = model;
    s->arena = bd_aligned_alloc(model->arena_bytes ? model->arena_bytes : BD_ALIGN);
    if (o.profile) s->op_ms = calloc((size_t)g->n_nodes + 1, sizeof(double));
    s->step_first = calloc(3 * (size_t)g->n_nodes + 2, sizeof(int));
    s->step_prep = calloc(3 * (size_t)g->n_nodes + 1, sizeof(int));
    s->step_phase = calloc(3 * (size_t)g->n_nodes + 1, sizeof(int));
    int *tiles = calloc(3 * (size_t)g->n_nodes + 1, sizeof(int));
    bd_status st = BD_ERR_NO_MEMORY;
    if (model->thread_scratch_bytes) { /* per thread: Winograd's tiles (bd_exec_node) */
        size_t bytes;
        if (!bd_size_mul(model->thread_scratch_bytes, (size_t)n_threads, &bytes) ||
            !(s->thread_scratch = bd_aligned_alloc(bytes)))
            goto fail;
    }
    if (!s->arena || (o.profile && !s->op_ms) || !s->step_first || !s->step_prep ||
        !s->step_phase || !tiles)
        goto fail;
    if (g->n_nodes > 0) {
        int n_steps =
            make_steps(model, n_threads, o.profile != 0, s->step_first, tiles, s->step_prep,
                       s->step_phase);
        st = bd_job_create(n_steps, tiles, n_threads, run_tile, o.profile ? step_done : NULL, s, &s->job);
        if (st != BD_OK) goto fail;
    }
    st = bd_threadpool_create(n_threads, &s->pool);
    if (st != BD_OK) goto fail;
    free(tiles);
    memset(s->arena, 0, model->arena_bytes); /* also the state inputs: zero */
    st = bd_session_state_setup(s, &o);
    if (st != BD_OK) {
        bd_session_free(s);
        return st;
    }
    *out = s;
    return BD_OK;

fail:
    free(tiles);
    bd_session_free(s);
    return st == BD_ERR_INVALID_ARG ? BD_ERR_INVALID_ARG : BD_ERR_NO_MEMORY;
}

void bd_session_free(bd_session *s) {
    if (!s) return;
    bd_threadpool_free(s->pool); /* first: joins the workers, which may read the job */
    bd_job_free(s->job);
    bd_aligned_free(s->arena);
    bd_aligned_free(s->thread_scratch);
    free(s->op_ms);
    free(s->step_first);
    free(s->step_prep);
    free(s->step_phase);
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

bd_status bd_session_run(bd_session *s) {
    if (!s) return BD_ERR_INVALID_ARG;
    if (s->failed) return BD_ERR_BAD_STATE;
    if (s->op_ms) s->t_last = now_ms();
    if (s->job) bd_threadpool_run_job(s->pool, s->job);
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
    out->op = n->wino ? "CONV2D_WINO" : bd_op_name(n->op);
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
