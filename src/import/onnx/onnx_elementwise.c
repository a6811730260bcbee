/*
 * onnx_elementwise.c -- lowering of the ONNX element-wise ops: Add, Sub, Mul, Div
 * (folded when both operands are constants), the activations Relu, Sigmoid,
 * Tanh, HardSwish, HardSigmoid, Clip, PRelu and LeakyRelu.
 *
 * An element-wise result keeps the layout of its computed operand; constant
 * operands are padded to the output rank and permuted alike (onnx_lower.h).
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "import/onnx/onnx_lower.h"

/* Constant folding of Add/Sub/Mul/Div (float, or int64 when both are ints; ONNX
 * integer Div truncates, like C). */
static bd_status fold_binary(importer *im, char op, const sym *a, const sym *b, sym *out) {
    int r;
    int64_t d[MAXR];
    if (!bd_onnx_broadcast(a, b, &r, d)) return MALFORMED("shapes do not broadcast");
    bool is_float = a->is_float || b->is_float;
    bd_status st = bd_onnx_const_alloc(im, out, is_float, r, d);
    if (st) return st;
    int64_t idx[MAXR] = {0};
    for (size_t e = 0; e < out->n; e++) {
        size_t oa = 0, ob = 0;
        for (int k = 0; k < r; k++) {
            int ka = a->rank - r + k, kb = b->rank - r + k;
            if (ka >= 0) oa = oa * (size_t)a->dims[ka] + (a->dims[ka] == 1 ? 0 : (size_t)idx[k]);
            if (kb >= 0) ob = ob * (size_t)b->dims[kb] + (b->dims[kb] == 1 ? 0 : (size_t)idx[k]);
        }
        if (is_float) {
            double x = cval(a, oa), y = cval(b, ob);
            out->f[e] = (float)(op == '+' ? x + y : op == '-' ? x - y : op == '*' ? x * y : x / y);
        } else {
            int64_t x = a->i[oa], y = b->i[ob];
            if (op == '/' && (y == 0 || (x == INT64_MIN && y == -1)))
                return MALFORMED("integer division by zero in a constant");
            /* wrap-around arithmetic via unsigned, as shapes never get there */
            out->i[e] = op == '+'   ? (int64_t)((uint64_t)x + (uint64_t)y)
                        : op == '-' ? (int64_t)((uint64_t)x - (uint64_t)y)
                        : op == '*' ? (int64_t)((uint64_t)x * (uint64_t)y)
                                    : x / y;
        }
        next_index(idx, d, r);
    }
    return BD_OK;
}

/* A temporary scalar or per-element constant built from b by f(x). */
static bd_status const_map(importer *im, const sym *b, sym **out, char how) {
    sym *t = bd_onnx_new_sym(im);
    if (!t) return bd_err_set(im->err, BD_ERR_LIMIT, "too many values");
    bd_status st = bd_onnx_const_alloc(im, t, true, b->rank, b->dims);
    if (st) return st;
    t->name = b->name;
    for (size_t k = 0; k < b->n; k++) {
        double x = cval(b, k);
        t->f[k] = (float)(how == '-' ? -x : 1.0 / x);
    }
    *out = t;
    return BD_OK;
}

/* IR node op(a, b) with ONNX broadcasting; out gets the layout of the first
 * computed operand of full rank. */
bd_status bd_onnx_binary(importer *im, bd_op_type op, sym *a, sym *b, sym *out) {
    int r;
    int64_t d[MAXR];
    bd_status st;
    if (!bd_onnx_broadcast(a, b, &r, d)) return MALFORMED("shapes do not broadcast");
    if (r > BD_MAX_DIMS) return UNSUPPORTED("result of rank %d", r);
    sym *ops[2] = {a, b};
    int tp[MAXR];
    bd_onnx_pick_layout(im, ops, 2, r, tp);
    int v[2];
    for (int k = 0; k < 2; k++) {
        sym *s = ops[k];
        if (s->is_const) {
            if ((v[k] = bd_onnx_const_ir(im, s, r, tp)) < 0) return v[k];
        } else if (s->rank == r) {
            if ((st = bd_onnx_layout(im, s, tp, &v[k]))) return st;
        } else if (bd_onnx_perm_eq(tp, ID_PERM, r) && bd_onnx_perm_eq(s->perm, ID_PERM, s->rank)) {
            v[k] = s->v; /* both in ONNX order: IR broadcasting is ONNX broadcasting */
        } else {
            /* Lower rank in another layout: give it the leading unit axes first. */
            sym *t = bd_onnx_new_sym(im);
            int64_t pd[MAXR];
            if (!t) return bd_err_set(im->err, BD_ERR_LIMIT, "too many values");
            int lead = r - s->rank;
            for (int j = 0; j < r; j++) pd[j] = j < lead ? 1 : s->dims[j - lead];
            t->name = s->name;
            if ((st = bd_onnx_reshape_to(im, s, t, r, pd)) ||
                (st = bd_onnx_layout(im, t, tp, &v[k])))
                return st;
        }
    }
    if ((st = bd_onnx_out(im, 0, &out)) || (st = bd_onnx_new_ir(im, out, r, d, tp, ""))) return st;
    bd_node n = bd_onnx_node(im, op);
    n.n_inputs = 2;
    n.inputs[0] = v[0];
    n.inputs[1] = v[1];
    n.output = out->v;
    return bd_onnx_add_node(im, &n);
}

/* Unary op node: out = op(in), same layout. */
static bd_status unary(importer *im, bd_op_type op, float lo, float hi) {
    sym *in, *out;
    bd_status st;
    int v;
    if ((st = bd_onnx_in(im, 0, &in))) return st;
    const int *perm = in->is_const ? ID_PERM : in->perm;
    if ((st = bd_onnx_layout(im, in, perm, &v)) || (st = bd_onnx_out(im, 0, &out)) ||
        (st = bd_onnx_new_ir(im, out, in->rank, in->dims, perm, "")))
        return st;
    bd_node n = bd_onnx_node1(im, op, v, out->v);
    n.act_min = lo;
    n.act_max = hi;
    return bd_onnx_add_node(im, &n);
}

/* Add, Sub, Mul, Div (opset 7+: multidirectional broadcasting). */
static bd_status op_arith(importer *im) {
    sym *a, *b, *out = NULL;
    bd_status st;
    char op = onnx_str_eq(im->node->op_type, "Add")   ? '+'
              : onnx_str_eq(im->node->op_type, "Sub") ? '-'
              : onnx_str_eq(im->node->op_type, "Mul") ? '*'
                                                       : '/';
    if ((st = bd_onnx_in(im, 0, &a)) || (st = bd_onnx_in(im, 1, &b))) return st;
    if (a->is_const && b->is_const) {
        if ((st = bd_onnx_out(im, 0, &out))) return st;
        return fold_binary(im, op, a, b, out);
    }
    switch (op) {
    case '+': return bd_onnx_binary(im, BD_OP_ADD, a, b, out);
    case '*': return bd_onnx_binary(im, BD_OP_MUL, a, b, out);
    case '/': /* x / c = x * (1/c): differs from a true division by at most 1 ulp */
        if (!b->is_const) return bd_onnx_binary(im, BD_OP_DIV, a, b, out);
        if ((st = const_map(im, b, &b, '/'))) return st;
        return bd_onnx_binary(im, BD_OP_MUL, a, b, out);
    default: /* '-'; x - c = x + (-c) exactly */
        if (b->is_const) {
            if ((st = const_map(im, b, &b, '-'))) return st;
            return bd_onnx_binary(im, BD_OP_ADD, a, b, out);
        }
        return bd_onnx_binary(im, BD_OP_SUB, a, b, out);
    }
}

/* Relu, Sigmoid, Tanh, HardSwish (opset 14). */
static bd_status op_relu(importer *im) { return unary(im, BD_OP_RELU, 0, 0); }
static bd_status op_sigmoid(importer *im) { return unary(im, BD_OP_SIGMOID, 0, 0); }
static bd_status op_tanh(importer *im) { return unary(im, BD_OP_TANH, 0, 0); }
static bd_status op_hardswish(importer *im) { return unary(im, BD_OP_HARDSWISH, 0, 0); }

/* Clip: bounds are attributes min/max before opset 11, optional constant inputs
 * 1 and 2 from opset 11 (absent = no bound). [0, 6] is RELU6, [0, inf) RELU. */
static bd_status op_clip(importer *im) {
    float lo = -INFINITY, hi = INFINITY;
    bd_status st;
    if (im->opset < 11) {
        if ((st = bd_onnx_attr_float(im, "min", -FLT_MAX, &lo)) ||
            (st = bd_onnx_attr_float(im, "max", FLT_MAX, &hi)))
            return st;
    } else {
        size_t n;
        if (bd_onnx_has_in(im, 1) && (st = bd_onnx_const_floats(im, 1, &lo, 1, &n))) return st;
        if (bd_onnx_has_in(im, 2) && (st = bd_onnx_const_floats(im, 2, &hi, 1, &n))) return st;
    }
    if (isnan(lo) || isnan(hi)) return UNSUPPORTED("NaN bounds");
    if (lo == 0.0f && hi == 6.0f) return unary(im, BD_OP_RELU6, 0, 0);
    if (lo == 0.0f && hi >= FLT_MAX) return unary(im, BD_OP_RELU, 0, 0);
    return unary(im, BD_OP_CLAMP, lo, hi);
}

/* HardSigmoid: y = max(0, min(1, alpha*x + beta)), alpha 0.2, beta 0.5 by default;
 * as MUL, ADD and CLAMP. */
static bd_status op_hardsigmoid(importer *im) {
    sym *x, *out;
    float alpha, beta;
    bd_status st;
    if ((st = bd_onnx_in(im, 0, &x)) || (st = bd_onnx_attr_float(im, "alpha", 0.2f, &alpha)) ||
        (st = bd_onnx_attr_float(im, "beta", 0.5f, &beta)))
        return st;
    if (x->is_const) return UNSUPPORTED("a constant input");
    int64_t one = 1;
    float *a = NULL, *b = NULL;
    int xv, av, bv;
    if ((st = bd_onnx_layout(im, x, x->perm, &xv))) return st;
    if ((av = bd_onnx_new_const(im, "hardsigmoid_alpha", 1, &one, &a)) < 0) return av;
    *a = alpha;
    if ((bv = bd_onnx_new_const(im, "hardsigmoid_beta", 1, &one, &b)) < 0) return bv;
    *b = beta;
    if ((st = bd_onnx_out(im, 0, &out))) return st;
    sym tmp[2];
    for (int k = 0; k < 2; k++) {
        memset(&tmp[k], 0, sizeof tmp[k]);
        tmp[k].name = out->name;
        if ((st = bd_onnx_new_ir(im, &tmp[k], x->rank, x->dims, x->perm,
                                 k ? "/shifted" : "/scaled")))
            return st;
    }
    if ((st = bd_onnx_new_ir(im, out, x->rank, x->dims, x->perm, ""))) return st;
    bd_node n = bd_onnx_node(im, BD_OP_MUL);
    n.n_inputs = 2;
    n.inputs[0] = xv;
    n.inputs[1] = av;
    n.output = tmp[0].v;
    if ((st = bd_onnx_add_node(im, &n))) return st;
    n.op = BD_OP_ADD;
    n.inputs[0] = tmp[0].v;
    n.inputs[1] = bv;
    n.output = tmp[1].v;
    if ((st = bd_onnx_add_node(im, &n))) return st;
    n = bd_onnx_node1(im, BD_OP_CLAMP, tmp[1].v, out->v);
    n.act_min = 0.0f;
    n.act_max = 1.0f;
    return bd_onnx_add_node(im, &n);
}

/* PRelu (opset 7+: slope broadcasts unidirectionally to X, e.g. [C,1,1] per
 * channel) and LeakyRelu (alpha attribute, 0.01 by default) as PRELU. */
static bd_status op_prelu(importer *im) {
    sym *x, *slope, *out = NULL;
    bd_status st;
    if ((st = bd_onnx_in(im, 0, &x))) return st;
    if (x->is_const) return UNSUPPORTED("a constant input");
    if (onnx_str_eq(im->node->op_type, "LeakyRelu")) {
        float alpha;
        int64_t one = 1;
        if ((st = bd_onnx_attr_float(im, "alpha", 0.01f, &alpha))) return st;
        if (!(slope = bd_onnx_new_sym(im)))
            return bd_err_set(im->err, BD_ERR_LIMIT, "too many values");
        if ((st = bd_onnx_const_alloc(im, slope, true, 0, &one))) return st;
        slope->name = im->node->outputs[0];
        slope->f[0] = alpha;
    } else {
        if ((st = bd_onnx_in(im, 1, &slope))) return st;
        if (!slope->is_const) return UNSUPPORTED("a computed slope");
        int r;
        int64_t d[MAXR];
        if (!bd_onnx_broadcast(x, slope, &r, d) || r != x->rank)
            return MALFORMED("slope does not broadcast to the input");
        for (int k = 0; k < r; k++)
            if (d[k] != x->dims[k]) return MALFORMED("slope does not broadcast to the input");
    }
    return bd_onnx_binary(im, BD_OP_PRELU, x, slope, out);
}

/* ---- table ------------------------------------------------------------------------- */

const onnx_op_entry bd_onnx_elementwise_ops[] = {
    {"Add", op_arith, 7}, {"Sub", op_arith, 7}, {"Mul", op_arith, 7}, {"Div", op_arith, 7},
    {"Relu", op_relu, 6}, {"Sigmoid", op_sigmoid, 6}, {"Tanh", op_tanh, 6},
    {"HardSwish", op_hardswish, 14}, {"HardSigmoid", op_hardsigmoid, 6}, {"Clip", op_clip, 6},
    {"PRelu", op_prelu, 7}, {"LeakyRelu", op_prelu, 6},
    {NULL, NULL, 0},
};
