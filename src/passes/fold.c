/*
 * fold.c -- constant folding: nodes whose inputs are all constants are evaluated
 * once at load and their outputs become constants.
 *
 * In the selfie models every weight and bias is stored as float16 and reaches its
 * consumer through a DEQUANTIZE op; after this pass the weights are float32
 * constants and the 110 DEQUANTIZE ops are gone. It runs before the verifier
 * (which requires constant weights) and checks itself what it relies on.
 */
#include <string.h>

#include "passes/passes.h"

bd_status bd_pass_fold_constants(bd_graph *g, bd_err *err) {
    for (int i = 0; i < g->n_nodes; i++) {
        bd_node *n = &g->nodes[i];
        if (n->op != BD_OP_DEQUANTIZE) continue; /* the only op folded so far */
        /* This pass runs before the verifier, so it checks what it relies on. */
        if (n->n_inputs != 1 || n->inputs[0] < 0 || n->inputs[0] >= g->n_values ||
            n->output < 0 || n->output >= g->n_values)
            continue;
        bd_value *in = &g->values[n->inputs[0]], *out = &g->values[n->output];
        if (!in->is_const || out->is_const || out->is_output || out->dtype != BD_DTYPE_F32 ||
            (in->dtype != BD_DTYPE_F16 && in->dtype != BD_DTYPE_F32) ||
            in->n_elems != out->n_elems)
            continue; /* left for the verifier to reject or the executor to run */
        float *dst = bd_aligned_alloc(out->n_bytes);
        if (!dst) return bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory folding constants");
        if (in->dtype == BD_DTYPE_F16) {
            const uint16_t *src = in->data;
            for (size_t k = 0; k < in->n_elems; k++) dst[k] = bd_f16_to_f32(src[k]);
        } else { /* F32 */
            memcpy(dst, in->data, out->n_bytes);
        }
        out->data = dst;
        out->is_const = true;
        n->op = BD_OP_NONE;
    }
    /* Constants that are still float16 are consumed directly by a conv: convert
     * them in place so every kernel sees float32. */
    for (int v = 0; v < g->n_values; v++) {
        bd_value *val = &g->values[v];
        if (!val->is_const || val->dtype != BD_DTYPE_F16) continue;
        bool used = false;
        for (int i = 0; i < g->n_nodes && !used; i++)
            for (int k = 0; k < g->nodes[i].n_inputs; k++)
                if (g->nodes[i].op != BD_OP_NONE && g->nodes[i].inputs[k] == v) used = true;
        if (!used) continue;
        float *dst = bd_aligned_alloc(val->n_elems * sizeof(float));
        if (!dst) return bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory folding constants");
        const uint16_t *src = val->data;
        for (size_t k = 0; k < val->n_elems; k++) dst[k] = bd_f16_to_f32(src[k]);
        bd_aligned_free(val->data);
        val->data = dst;
        val->dtype = BD_DTYPE_F32;
        val->n_bytes = val->n_elems * sizeof(float);
    }
    return BD_OK;
}
