/*
 * onnx_hint.c -- a look-ahead for the layout tracking (onnx_lower.h): which node
 * outputs are best produced in ONNX order (NCHW) rather than NHWC.
 *
 * The importer decides each value's layout when the value is made, from its
 * producer alone: spatial ops produce NHWC. That is right for the body of a
 * network, but wrong at its tail when a Resize upsamples to the frame's size and
 * the result only flows through element-wise ops into NCHW graph outputs (Robust
 * Video Matting's refiner: two Resizes of 4 channels to 1280x720, Mul and Add
 * with the NCHW source, Split, Clip, outputs fgr and pha). Made NHWC, every one of
 * those full-size tensors is transposed on the way out and the Split becomes a
 * strided channel copy; made NCHW, only the small low-resolution input is
 * transposed, and the rest is plane-contiguous.
 *
 * The rule, computed once over the whole graph in reverse order: a value "goes
 * out in ONNX order" when it is a graph output, or when it has consumers and
 * every one of them is an order-agnostic element-wise op (or Split, or Concat)
 * whose outputs all go out in ONNX order. Spatial ops read the hint for their own
 * output (today Resize does); everything else ignores it.
 */
#include <stdlib.h>
#include <string.h>

#include "import/onnx/onnx_lower.h"

/* Ops that keep their input's layout and whose result in any layout is the same
 * elements (onnx_elementwise.c, Split and Concat in onnx_shape.c). */
static bool order_agnostic(onnx_str op) {
    static const char *const ops[] = {"Add",  "Sub",   "Mul",      "Div",   "Clip", "Relu",
                                      "Sigmoid", "Tanh", "Split", "Identity", "Concat"};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
        if (onnx_str_eq(op, ops[k])) return true;
    return false;
}

typedef struct hint_slot {
    onnx_str name;
    int used;     /* 0: empty */
    bool out;     /* graph output */
    int n_cons;   /* consumers seen */
    bool all_ok;  /* every consumer seen is order-agnostic with ONNX-order outputs */
} hint_slot;

static size_t hash_name(onnx_str s) {
    size_t h = 1469598103934665603u;
    for (size_t k = 0; k < s.len; k++) h = (h ^ (uint8_t)s.s[k]) * 1099511628211u;
    return h;
}

static hint_slot *slot(hint_slot *t, size_t cap, onnx_str name) {
    size_t mask = cap - 1;
    for (size_t at = hash_name(name) & mask;; at = (at + 1) & mask) {
        hint_slot *e = &t[at];
        if (!e->used) {
            e->used = 1;
            e->name = name;
            e->all_ok = true;
            return e;
        }
        /* an empty name (a graph output named "") has a null pointer: no memcmp */
        if (e->name.len == name.len && (name.len == 0 || memcmp(e->name.s, name.s, name.len) == 0))
            return e;
    }
}

static bool goes_out_in_onnx_order(const hint_slot *e) {
    return e->out || (e->n_cons > 0 && e->all_ok);
}

bd_status bd_onnx_layout_hints(importer *im) {
    const onnx_model *om = &im->om;
    size_t n_names = (size_t)om->n_outputs + 1;
    for (int k = 0; k < om->n_nodes; k++)
        n_names += (size_t)om->nodes[k].n_inputs + (size_t)om->nodes[k].n_outputs;
    size_t cap = 16;
    while (cap < 2 * n_names) cap *= 2;
    hint_slot *t = calloc(cap, sizeof *t);
    im->onnx_order = calloc((size_t)om->n_nodes + 1, sizeof(bool));
    if (!t || !im->onnx_order) {
        free(t);
        return bd_err_set(im->err, BD_ERR_NO_MEMORY, "out of memory");
    }
    for (int k = 0; k < om->n_outputs; k++) slot(t, cap, om->outputs[k].name)->out = true;
    for (int i = om->n_nodes - 1; i >= 0; i--) {
        const onnx_node *nd = &om->nodes[i];
        bool all_out = nd->n_outputs > 0;
        for (int k = 0; k < nd->n_outputs; k++) {
            if (nd->outputs[k].len == 0) continue; /* an omitted optional output */
            if (!goes_out_in_onnx_order(slot(t, cap, nd->outputs[k]))) all_out = false;
        }
        im->onnx_order[i] = all_out;
        bool ok = all_out && order_agnostic(nd->op_type);
        for (int k = 0; k < nd->n_inputs; k++) {
            if (nd->inputs[k].len == 0) continue;
            hint_slot *e = slot(t, cap, nd->inputs[k]);
            e->n_cons++;
            if (!ok) e->all_ok = false;
        }
    }
    free(t);
    return BD_OK;
}
