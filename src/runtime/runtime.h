/*
 * runtime.h -- compiled models and sessions (the structs behind bd_model and
 * bd_session), the memory planner and the executor.
 */
#ifndef BD_RUNTIME_H
#define BD_RUNTIME_H

#include "core/threadpool.h"
#include "ir/ir.h"
#include "kernels/kernels.h"
#include "passes/passes.h"

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
    size_t packed_bytes;        /* all packed convolution weights (both precisions) */
    int n_ops_f16;              /* nodes with packed_f16 */
    int n_ops_bf16;             /* nodes with packed_bf16 */
    int n_ops_int8;             /* nodes with packed_int8 */
    int n_ops_wino;             /* nodes with wino set */
    size_t thread_scratch_bytes; /* private scratch each thread of a session needs
                                    (Winograd's transformed tiles); 0 = none */
    const char *precision_note; /* static or precision_text; "" unless a reduced
                                   precision was requested and not (fully) used, or
                                   AUTO chose */
    bd_precision precision;     /* what bd_pack_weights applies: opts.precision, or
                                   what AUTO resolved to (bd_precision_auto) */
    char precision_text[320];   /* AUTO: its choice, the rates it measured and the
                                   packing note */
    /* BF16: the inputs of the packed_bf16 nodes are converted to bf16 into one
     * scratch region at the end of each session's arena, [bf16_offset,
     * arena_bytes) (sized for the largest such input at compile time; one node
     * uses it at a time). 0 bytes when no node runs in bf16. INT8 uses the same
     * region (a model runs one of the two): BD_INT8_SCRATCH_HEADER bytes of
     * quantisation state (bd_int8_scratch), then the u8 input. INSTANCE_NORM
     * nodes keep their sums and per-channel factors there too (exec.c). */
    size_t bf16_offset;
};

struct bd_session {
    const bd_model *model;
    bd_err err;
    bool failed;
    bd_threadpool *pool;    /* n_threads incl. the caller, created once */
    bd_job *job;            /* the graph as steps of tiles, run by the pool */
    int *step_first;        /* [n_steps + 1]: step s runs nodes [first[s], first[s+1]) */
    int *step_prep;         /* [n_steps]: node whose bf16/int8 conversion step s is, or -1 */
    int *step_phase;        /* [n_steps]: which of that node's conversion steps (int8: 0, 1) */
    double *op_ms;          /* per-node accumulated ms when profiling, else NULL */
    double t_last;          /* profiling: when the previous step finished */
    int64_t profile_runs;
    uint8_t *arena;   /* arena_bytes, 64-byte aligned */
    uint8_t *thread_scratch; /* n_threads x model->thread_scratch_bytes (64-byte
                                aligned each), or NULL */
    /* Recurrent state carried from run to run: after each run, n_state copies of
     * state_bytes[k] from arena + state_out[k] to arena + state_in[k]. Inputs and
     * outputs live for the whole run (bd_graph_analyse), so they never overlap. */
    int n_state;
    size_t *state_in, *state_out, *state_bytes;
};

/* Assigns g->values[*].arena_offset to every non-constant value so that values
 * whose live ranges overlap never share bytes; returns the arena size. Needs
 * bd_graph_analyse() first. */
bd_status bd_plan_memory(bd_graph *g, size_t *arena_bytes, bd_err *err);

/* The kernel geometry of a conv, dwconv, tconv or pool node. */
bd_conv_params bd_node_conv_params(const bd_graph *g, const bd_node *n);

/* Packs the weights of every convolution for m->kernels (compile time). With
 * opts.precision FP16, an op whose level has an _f16 kernel for its geometry gets
 * half weights (packed_f16), the others fp32 (packed); precision_note says why
 * some or all stayed fp32. */
bd_status bd_pack_weights(bd_model *m);

/* BD_PRECISION_AUTO for m->kernels: BF16 where the level has the bf16 kernels and
 * this core's vdpbf16ps loop does >= 1.5x the multiply-adds of its FMA loop (a
 * ~1 ms timing), else FP32. Sets m->precision and m->precision_text. */
void bd_precision_auto(bd_model *m);

/* Times k's throughput loop for `precision` (FP32/FP16: the FMA one), best of 5
 * runs of `iters` iterations; BD_ERR_UNSUPPORTED (*gmacs = 0) where k has none. */
bd_status bd_peak_rate(const bd_kernels *k, bd_precision precision, int64_t iters,
                       double *gmacs);

/* Runs tile ith of nth of node i with the session's arena (any thread may run any
 * tile; the result does not depend on nth). A BF16 node (packed_bf16) run as one
 * tile (nth == 1) converts its input first itself; run as several, it reads the
 * conversion that bd_exec_node_prepare made in the step before (the session
 * gives such a node a conversion step, bd_exec_needs_prepare). `scratch` is the
 * calling thread's private m->thread_scratch_bytes (64-byte aligned; NULL when
 * that is 0). */
void bd_exec_node(const bd_model *m, uint8_t *arena, int i, int ith, int nth, void *scratch);
/* How many conversion steps node i needs before it when split into tiles (BF16:
 * one, its input converted to bf16; INT8: two, see bd_int8_scratch), and tile
 * ith of nth of its step `phase`. */
int bd_exec_needs_prepare(const bd_model *m, int i); /* prepare phases: 0, 1 (bf16), 2 (int8) */
void bd_exec_node_prepare(const bd_model *m, uint8_t *arena, int i, int phase, int ith, int nth);
/* INSTANCE_NORM: the scratch bytes node n needs (exec.c has the layout). */
size_t bd_exec_norm_scratch(const bd_graph *g, const bd_node *n);
/* The most tiles node n can usefully be cut into (>= 1). */
int bd_exec_max_tiles(const bd_model *m, const bd_node *n);
/* Whether every tile of the node streams weights larger than the caches
 * (Winograd with big U, kernels/wino.h bd_wino_big): cut it once per thread. */
bool bd_exec_streams_weights(const bd_model *m, const bd_node *n);

/* INT8: the head of the scratch region. A node split into tiles gets two
 * prepare phases: 0, each tile's min/max of its share of the input into
 * part[tile]; 1, every tile combines them into the same parameters (tile 0
 * stores them in qp for the convolution) and quantises its share. */
#define BD_INT8_MAX_PARTS 256 /* >= the most threads of a session */
typedef struct bd_int8_scratch {
    float part[BD_INT8_MAX_PARTS][2];
    bd_int8_qparams qp;
} bd_int8_scratch;
#define BD_INT8_SCRATCH_HEADER ((sizeof(bd_int8_scratch) + 63) / 64 * 64)

/* Recurrent state (state.c): resolves o's state pairs (or those found by name)
 * for session s (BD_ERR_INVALID_ARG for a bad pair); frees them; copies every
 * state output to its input after a run. */
bd_status bd_session_state_setup(bd_session *s, const bd_session_options *o);
void bd_session_state_free(bd_session *s);
void bd_session_state_carry(bd_session *s);

/* The largest sidecar text (bytes). */
#define BD_SIDECAR_MAX_BYTES (64 * 1024)
/* The sidecar's text parser (sidecar.c): applies the keys of `text` to *conv,
 * marked `src`; *reinfer_output (if not NULL) says whether the output layout
 * must be inferred again. The derived fields are left to the caller
 * (bd_conventions_derive, conventions.c). */
bd_status bd_conventions_parse_text(const bd_model *m, const char *text, size_t len,
                                    const char *name, bd_conv_source src,
                                    bd_model_conventions *conv, int *reinfer_output, char *err,
                                    size_t err_size);

/* Recomputes the derived fields of *c (input_w/h, n_classes; output_layout too if
 * reinfer_output) from the model's shapes after image_input, layout, mask_output
 * or output_layout changed. BD_ERR_INVALID_ARG / UNSUPPORTED with err if they do
 * not fit the model (conventions.c). */
bd_status bd_conventions_derive(const bd_model *m, bd_model_conventions *c, int reinfer_output,
                                char *err, size_t err_size);
#endif /* BD_RUNTIME_H */
