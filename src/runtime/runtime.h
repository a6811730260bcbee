/*
 * runtime.h -- compiled models and sessions (the structs behind bd_model and
 * bd_session), the memory planner and the executor.
 */
#ifndef BD_RUNTIME_H
#define BD_RUNTIME_H

#include "core/threadpool.h"
#include "ir/ir.h"
#include "kernels/kernels.h"

struct bd_model {
    bd_model_options opts;
    bd_err err;
    bool loaded;
    bool failed;         /* sticky: a load failed */
    bd_graph graph;      /* compiled graph; immutable once loaded */
    bd_kernels kernels;  /* chosen at compile time */
    size_t arena_bytes;  /* activation arena of one session */
    int64_t n_macs;
    const char *format;
};

struct bd_session {
    const bd_model *model;
    bd_err err;
    bool failed;
    bd_threadpool *pool;    /* n_threads incl. the caller, created once */
    bd_job *job;            /* the graph as steps of tiles, run by the pool */
    int *step_first;        /* [n_steps + 1]: step s runs nodes [first[s], first[s+1]) */
    double *op_ms;          /* per-node accumulated ms when profiling, else NULL */
    double t_last;          /* profiling: when the previous step finished */
    int64_t profile_runs;
    uint8_t *arena;   /* arena_bytes, 64-byte aligned */
};

/* Assigns g->values[*].arena_offset to every non-constant value so that values
 * whose live ranges overlap never share bytes; returns the arena size. Needs
 * bd_graph_analyse() first. */
bd_status bd_plan_memory(bd_graph *g, size_t *arena_bytes, bd_err *err);

/* The kernel geometry of a conv, dwconv, tconv or pool node. */
bd_conv_params bd_node_conv_params(const bd_graph *g, const bd_node *n);

/* Packs the weights of every convolution for m->kernels (compile time). */
bd_status bd_pack_weights(bd_model *m);

/* Runs tile ith of nth of node i with the session's arena (any thread may run any
 * tile; the result does not depend on nth). */
void bd_exec_node(const bd_model *m, uint8_t *arena, int i, int ith, int nth);
/* The most tiles node n can usefully be cut into (>= 1). */
int bd_exec_max_tiles(const bd_graph *g, const bd_node *n);

/* Graph passes run at load (src/passes/). */
bd_status bd_pass_fold_constants(bd_graph *g, bd_err *err);
bd_status bd_pass_fuse(bd_graph *g, bd_err *err);
/* Converter idioms (pattern.c): x * (clip(x + 3, 0, 6) * (1/6)) -> HARDSWISH, and
 * conv(x) + constant per-channel c -> conv with bias + c. */
bd_status bd_pass_match_patterns(bd_graph *g, bd_err *err);
/* Drops the taps of dense convolutions that only ever read padding (trim_taps.c:
 * DeepLabV3's ASPP with dilation >= the feature map becomes a 1x1 conv). */
bd_status bd_pass_trim_conv_taps(bd_graph *g, bd_err *err);

#endif /* BD_RUNTIME_H */
