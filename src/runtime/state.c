/*
 * state.c -- recurrent state carried by a session (Robust Video Matting style
 * models): the pairs {state input, state output} resolved to arena offsets at
 * session creation, the copies after each run, and bd_session_reset_state.
 */
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"

/* Resolves the state pairs of the options (or found by name) into arena
 * offsets. Returns BD_ERR_INVALID_ARG for a bad pair. */
bd_status bd_session_state_setup(bd_session *s, const bd_session_options *o) {
    const bd_graph *g = &s->model->graph;
    int in[BD_MAX_STATE_PAIRS], out[BD_MAX_STATE_PAIRS], n = 0;
    if (o->carry_state < 0) return BD_OK;
    if (o->state_pairs) {
        if (o->n_state_pairs < 0 || o->n_state_pairs > BD_MAX_STATE_PAIRS)
            return BD_ERR_INVALID_ARG;
        n = o->n_state_pairs;
        for (int k = 0; k < n; k++) {
            in[k] = o->state_pairs[2 * k];
            out[k] = o->state_pairs[2 * k + 1];
        }
    } else if (o->n_state_pairs != 0) {
        return BD_ERR_INVALID_ARG;
    } else {
        bd_model_state_pairs(s->model, in, out, BD_MAX_STATE_PAIRS, &n);
        if (n > BD_MAX_STATE_PAIRS) n = BD_MAX_STATE_PAIRS;
    }
    if (n == 0) return BD_OK;
    s->state_in = calloc((size_t)n, sizeof(size_t));
    s->state_out = calloc((size_t)n, sizeof(size_t));
    s->state_bytes = calloc((size_t)n, sizeof(size_t));
    if (!s->state_in || !s->state_out || !s->state_bytes) return BD_ERR_NO_MEMORY;
    for (int k = 0; k < n; k++) {
        if (in[k] < 0 || in[k] >= g->n_inputs || out[k] < 0 || out[k] >= g->n_outputs)
            return BD_ERR_INVALID_ARG;
        const bd_value *vi = &g->values[g->inputs[in[k]]], *vo = &g->values[g->outputs[out[k]]];
        if (vi->n_elems != vo->n_elems || vi->dtype != BD_DTYPE_F32 || vo->dtype != BD_DTYPE_F32)
            return BD_ERR_INVALID_ARG;
        for (int j = 0; j < k; j++)
            if (s->state_in[j] == vi->arena_offset) return BD_ERR_INVALID_ARG; /* paired twice */
        if (g->inputs[in[k]] == g->outputs[out[k]]) continue; /* the same tensor: nothing to carry */
        s->state_in[s->n_state] = vi->arena_offset;
        s->state_out[s->n_state] = vo->arena_offset;
        s->state_bytes[s->n_state] = vi->n_bytes;
        s->n_state++;
    }
    return BD_OK;
}

void bd_session_state_free(bd_session *s) {
    free(s->state_in);
    free(s->state_out);
    free(s->state_bytes);
    s->state_in = s->state_out = s->state_bytes = NULL;
    s->n_state = 0;
}

void bd_session_state_carry(bd_session *s) {
    /* Every graph input and output is alive to the end of the run
     * (bd_graph_analyse), so no copy can overwrite another pair's output. */
    for (int k = 0; k < s->n_state; k++)
        memcpy(s->arena + s->state_in[k], s->arena + s->state_out[k], s->state_bytes[k]);
}

bd_status bd_session_reset_state(bd_session *s) {
    if (!s) return BD_ERR_INVALID_ARG;
    for (int k = 0; k < s->n_state; k++) memset(s->arena + s->state_in[k], 0, s->state_bytes[k]);
    return BD_OK;
}

int bd_session_n_state_pairs(const bd_session *s) { return s ? s->n_state : 0; }
