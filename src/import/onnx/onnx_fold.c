/*
 * onnx_fold.c -- ONNX shape arithmetic evaluated at import: Shape, Gather,
 * Constant, ConstantOfShape, Equal, Less, Greater, Not, Where, Min, Max, Expand
 * and Range.
 *
 * Every shape is fixed once the graph inputs are, so the index computations that
 * exporters (PyTorch in particular) write around Reshape, Resize and Slice are
 * folded into host constants (float32 or int64, ONNX order) here; these ops
 * accept constant inputs only (Expand also takes a computed tensor).
 */
#include <math.h>
#include <string.h>

#include "import/onnx/onnx_lower.h"

/* ---- shape arithmetic on constants ------------------------------------------------- */

static bd_status need_const(importer *im, const sym *s) {
    if (!s->is_const)
        return UNSUPPORTED("only constant inputs are supported (shape arithmetic folded at load)");
    return BD_OK;
}

/* Shape (start/end attributes from opset 15): the input's ONNX dims as int64. */
static bd_status op_shape(importer *im) {
    sym *x, *out;
    int64_t start, end;
    bd_status st;
    if ((st = bd_onnx_in(im, 0, &x)) || (st = bd_onnx_attr_int(im, "start", 0, &start)) ||
        (st = bd_onnx_attr_int(im, "end", x->rank, &end)))
        return st;
    if (start < 0) start += x->rank;
    if (end < 0) end += x->rank;
    start = start < 0 ? 0 : start > x->rank ? x->rank : start;
    end = end < start ? start : end > x->rank ? x->rank : end;
    int64_t n = end - start;
    if ((st = bd_onnx_out(im, 0, &out)) || (st = bd_onnx_const_alloc(im, out, false, 1, &n)))
        return st;
    for (int64_t k = 0; k < n; k++) out->i[k] = x->dims[start + k];
    return BD_OK;
}

/* Gather on constants (axis attribute, negative indices count from the end). */
static bd_status op_gather(importer *im) {
    sym *x, *idx, *out;
    int64_t axis;
    bd_status st;
    if ((st = bd_onnx_in(im, 0, &x)) || (st = bd_onnx_in(im, 1, &idx)) ||
        (st = need_const(im, x)) || (st = need_const(im, idx)) ||
        (st = bd_onnx_attr_int(im, "axis", 0, &axis)))
        return st;
    if (axis < 0) axis += x->rank;
    if (axis < 0 || axis >= x->rank) return MALFORMED("axis out of range");
    int r = x->rank - 1 + idx->rank;
    if (r > MAXR) return UNSUPPORTED("result of rank %d", r);
    int64_t od[MAXR];
    int at = 0;
    for (int k = 0; k < axis; k++) od[at++] = x->dims[k];
    for (int k = 0; k < idx->rank; k++) od[at++] = idx->dims[k];
    for (int k = (int)axis + 1; k < x->rank; k++) od[at++] = x->dims[k];
    if ((st = bd_onnx_out(im, 0, &out)) || (st = bd_onnx_const_alloc(im, out, x->is_float, r, od)))
        return st;
    size_t outer = 1, inner = 1, e = 0, dim = (size_t)x->dims[axis];
    for (int k = 0; k < axis; k++) outer *= (size_t)x->dims[k];
    for (int k = (int)axis + 1; k < x->rank; k++) inner *= (size_t)x->dims[k];
    for (size_t o = 0; o < outer; o++)
        for (size_t j = 0; j < idx->n; j++) {
            int64_t i = ival(idx, j);
            if (i < 0) i += (int64_t)dim;
            if (i < 0 || (size_t)i >= dim)
                return MALFORMED("index %lld out of range", (long long)i);
            for (size_t q = 0; q < inner; q++, e++) {
                size_t src = (o * dim + (size_t)i) * inner + q;
                if (x->is_float) out->f[e] = x->f[src];
                else out->i[e] = x->i[src];
            }
        }
    return BD_OK;
}

/* Constant: value (tensor), value_float(s), value_int(s) (opset 12+). */
static bd_status op_constant(importer *im) {
    sym *out;
    bd_status st;
    const onnx_attr *a = im->node->n_attrs == 1 ? &im->node->attrs[0] : NULL;
    if (!a) return UNSUPPORTED("%d attributes (expected exactly one)", im->node->n_attrs);
    if ((st = bd_onnx_out(im, 0, &out))) return st;
    if (onnx_str_eq(a->name, "value") && a->has_t) return bd_onnx_const_from_tensor(im, out, &a->t);
    int64_t one = 1, n = 0;
    if (onnx_str_eq(a->name, "value_float") || onnx_str_eq(a->name, "value_int")) {
        bool f = a->type == ONNX_ATTR_FLOAT;
        if ((st = bd_onnx_const_alloc(im, out, f, 0, &one))) return st;
        if (f) out->f[0] = a->f;
        else out->i[0] = a->i;
        return BD_OK;
    }
    if (onnx_str_eq(a->name, "value_floats") || onnx_str_eq(a->name, "value_ints")) {
        bool f = a->type == ONNX_ATTR_FLOATS;
        size_t got;
        n = (int64_t)(f ? a->n_floats : a->n_ints);
        if ((st = bd_onnx_const_alloc(im, out, f, 1, &n))) return st;
        if (f) onnx_attr_floats(a, out->f, (size_t)n, &got);
        else onnx_attr_ints(a, out->i, (size_t)n, &got);
        return BD_OK;
    }
    return UNSUPPORTED("constant attribute kind");
}

/* ConstantOfShape: input 0 = the shape; value attribute (one element, float 0
 * by default). */
static bd_status op_constant_of_shape(importer *im) {
    sym *out, val;
    int64_t shape[MAXR];
    size_t n;
    bd_status st;
    if ((st = bd_onnx_const_ints(im, 0, shape, MAXR, &n))) return st;
    const onnx_attr *a = onnx_node_attr(im->node, "value");
    memset(&val, 0, sizeof val);
    if (a && !a->has_t) return MALFORMED("value is not a tensor");
    if (a) {
        if ((st = bd_onnx_const_from_tensor(im, &val, &a->t))) goto done;
        if (val.n != 1) {
            st = MALFORMED("value has %zu elements", val.n);
            goto done;
        }
    }
    if ((st = bd_onnx_out(im, 0, &out)) ||
        (st = bd_onnx_const_alloc(im, out, !a || val.is_float, (int)n, shape)))
        goto done;
    for (size_t k = 0; k < out->n; k++) {
        if (out->is_float) out->f[k] = a ? val.f[0] : 0.0f;
        else out->i[k] = val.i[0];
    }
done:
    bd_onnx_sym_free(&val);
    return st;
}

/* ---- more shape arithmetic on constants -------------------------------------------- */

/* Folds an element-wise op of n_in constants with multidirectional broadcasting:
 * Equal, Less, Greater (-> 0/1 as int64; ONNX bool), Not, Where, Min, Max. */
static bd_status fold_nary(importer *im, char op, sym **in, int n_in, sym *out, bool is_float) {
    int r = 0;
    int64_t d[MAXR];
    for (int k = 0; k < n_in; k++) r = in[k]->rank > r ? in[k]->rank : r;
    for (int j = 0; j < r; j++) {
        d[j] = 1;
        for (int k = 0; k < n_in; k++) {
            int kk = in[k]->rank - r + j;
            int64_t dk = kk >= 0 ? in[k]->dims[kk] : 1;
            if (dk != 1 && d[j] != 1 && dk != d[j]) return MALFORMED("shapes do not broadcast");
            if (dk != 1) d[j] = dk;
        }
    }
    bd_status st = bd_onnx_const_alloc(im, out, is_float, r, d);
    if (st) return st;
    int64_t idx[MAXR] = {0};
    for (size_t e = 0; e < out->n; e++) {
        double v[ONNX_MAX_NODE_IO];
        int64_t iv[ONNX_MAX_NODE_IO];
        for (int k = 0; k < n_in; k++) {
            size_t off = 0;
            for (int j = 0; j < r; j++) {
                int kk = in[k]->rank - r + j;
                if (kk >= 0)
                    off = off * (size_t)in[k]->dims[kk] +
                          (in[k]->dims[kk] == 1 ? 0 : (size_t)idx[j]);
            }
            v[k] = cval(in[k], off);
            iv[k] = in[k]->is_float ? 0 : in[k]->i[off];
        }
        double res = 0;
        int64_t ires = 0;
        bool ints = !is_float;
        switch (op) {
        case '=': ires = in[0]->is_float || in[1]->is_float ? v[0] == v[1] : iv[0] == iv[1]; break;
        case '<': ires = in[0]->is_float || in[1]->is_float ? v[0] < v[1] : iv[0] < iv[1]; break;
        case '>': ires = in[0]->is_float || in[1]->is_float ? v[0] > v[1] : iv[0] > iv[1]; break;
        case '!': ires = v[0] == 0; break;
        case '?': /* Where(cond, x, y) */
            res = v[0] != 0 ? v[1] : v[2];
            ires = v[0] != 0 ? iv[1] : iv[2];
            break;
        case 'm':
        case 'M':
            res = v[0];
            ires = iv[0];
            for (int k = 1; k < n_in; k++) {
                bool take = op == 'm' ? (ints ? iv[k] < ires : v[k] < res)
                                      : (ints ? iv[k] > ires : v[k] > res);
                if (take) {
                    res = v[k];
                    ires = iv[k];
                }
            }
            break;
        default: break;
        }
        if (is_float) out->f[e] = (float)res;
        else out->i[e] = ires;
        next_index(idx, d, r);
    }
    return BD_OK;
}

/* Equal, Less, Greater, Not, Where, Min, Max on constants (the shape arithmetic
 * PyTorch exports, e.g. for interpolate sizes and negative-dim handling). */
static bd_status op_logic(importer *im) {
    sym *in[ONNX_MAX_NODE_IO], *out;
    bd_status st;
    onnx_str t = im->node->op_type;
    char op = onnx_str_eq(t, "Equal")     ? '='
              : onnx_str_eq(t, "Less")    ? '<'
              : onnx_str_eq(t, "Greater") ? '>'
              : onnx_str_eq(t, "Not")     ? '!'
              : onnx_str_eq(t, "Where")   ? '?'
              : onnx_str_eq(t, "Min")     ? 'm'
                                          : 'M';
    int n_in = op == '!' ? 1 : op == '?' ? 3 : op == 'm' || op == 'M' ? im->node->n_inputs : 2;
    if (n_in < 1 || n_in > ONNX_MAX_NODE_IO) return MALFORMED("%d inputs", n_in);
    bool any_float = false;
    for (int k = 0; k < n_in; k++) {
        if ((st = bd_onnx_in(im, k, &in[k])) || (st = need_const(im, in[k]))) return st;
        if (k > 0 || op != '?') any_float = any_float || in[k]->is_float;
    }
    bool is_float = (op == '?' || op == 'm' || op == 'M') && any_float;
    if ((st = bd_onnx_out(im, 0, &out))) return st;
    return fold_nary(im, op, in, n_in, out, is_float);
}

/* Expand(x, shape): the output has the broadcast of x's dims and `shape`.
 * Constants are broadcast here; a computed x becomes x + zeros of the target
 * shape (exact: x + 0 = x). */
static bd_status op_expand(importer *im) {
    sym *x, *out = NULL;
    int64_t shape[MAXR], d[MAXR];
    size_t n;
    bd_status st;
    if ((st = bd_onnx_in(im, 0, &x)) || (st = bd_onnx_const_ints(im, 1, shape, MAXR, &n)))
        return st;
    int r = x->rank > (int)n ? x->rank : (int)n;
    for (int j = 0; j < r; j++) {
        int kx = x->rank - r + j, ks = (int)n - r + j;
        int64_t dx = kx >= 0 ? x->dims[kx] : 1, ds = ks >= 0 ? shape[ks] : 1;
        if (ds < 1) return UNSUPPORTED("expansion to dimension %lld", (long long)ds);
        if (dx != ds && dx != 1 && ds != 1) return MALFORMED("shape does not broadcast");
        d[j] = dx == 1 ? ds : dx;
    }
    if (!x->is_const) {
        sym *zeros = bd_onnx_new_sym(im);
        if (!zeros) return bd_err_set(im->err, BD_ERR_LIMIT, "too many values");
        if ((st = bd_onnx_const_alloc(im, zeros, true, r, d))) return st;
        zeros->name = im->node->outputs[0];
        for (size_t k = 0; k < zeros->n; k++) zeros->f[k] = 0.0f;
        return bd_onnx_binary(im, BD_OP_ADD, x, zeros, out);
    }
    if ((st = bd_onnx_out(im, 0, &out)) || (st = bd_onnx_const_alloc(im, out, x->is_float, r, d)))
        return st;
    int64_t idx[MAXR] = {0};
    for (size_t e = 0; e < out->n; e++) {
        size_t off = 0;
        for (int j = 0; j < r; j++) {
            int kx = x->rank - r + j;
            if (kx >= 0)
                off = off * (size_t)x->dims[kx] + (x->dims[kx] == 1 ? 0 : (size_t)idx[j]);
        }
        if (x->is_float) out->f[e] = x->f[off];
        else out->i[e] = x->i[off];
        next_index(idx, d, r);
    }
    return BD_OK;
}

/* Range(start, limit, delta) on constants: max(ceil((limit - start) / delta), 0)
 * elements start + k * delta. */
static bd_status op_range(importer *im) {
    sym *a[3], *out;
    bd_status st;
    bool is_float = false;
    for (int k = 0; k < 3; k++) {
        if ((st = bd_onnx_in(im, k, &a[k])) || (st = need_const(im, a[k]))) return st;
        if (a[k]->n != 1) return MALFORMED("input %d is not a scalar", k);
        is_float = is_float || a[k]->is_float;
    }
    double s = cval(a[0], 0), l = cval(a[1], 0), d = cval(a[2], 0);
    if (d == 0 || !isfinite(s) || !isfinite(l) || !isfinite(d)) return MALFORMED("invalid range");
    double cnt = ceil((l - s) / d);
    if (cnt < 0) cnt = 0;
    if (cnt > 1e7) return UNSUPPORTED("a range of %g elements", cnt);
    int64_t n = (int64_t)cnt;
    if (n == 0) return UNSUPPORTED("an empty range");
    if ((st = bd_onnx_out(im, 0, &out)) || (st = bd_onnx_const_alloc(im, out, is_float, 1, &n)))
        return st;
    for (int64_t k = 0; k < n; k++) {
        if (is_float) out->f[k] = (float)(cval(a[0], 0) + (double)k * d);
        else out->i[k] = a[0]->i[0] + k * a[2]->i[0];
    }
    return BD_OK;
}

/* ---- table ------------------------------------------------------------------------- */

const onnx_op_entry bd_onnx_fold_ops[] = {
    {"Shape", op_shape, 1}, {"Gather", op_gather, 1}, {"Constant", op_constant, 1},
    {"ConstantOfShape", op_constant_of_shape, 9}, {"Equal", op_logic, 7}, {"Less", op_logic, 7},
    {"Greater", op_logic, 7}, {"Not", op_logic, 1}, {"Where", op_logic, 9},
    {"Min", op_logic, 8}, {"Max", op_logic, 8}, {"Expand", op_expand, 8},
    {"Range", op_range, 11},
    {NULL, NULL, 0},
};
