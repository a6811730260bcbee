/*
 * onnx_shape.c -- lowering of the ONNX ops that reinterpret, reorder or cut
 * tensors: Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Identity, Dropout,
 * Concat, Slice, Split and Cast.
 *
 * On constants they are evaluated here (shape arithmetic); on computed tensors
 * Transpose moves no data (only the tracked perm changes), reshapes are RESHAPE
 * nodes or nothing, and Concat, Slice and Split become CONCAT and SLICE nodes in
 * the input's layout.
 */
#include <string.h>

#include "import/onnx/onnx_lower.h"

/* ---- reshape-like ops -------------------------------------------------------------- */

/* Reshape (opset 5+: shape is input 1; allowzero from opset 14). */
static bd_status op_reshape(importer *im) {
    sym *in, *out;
    int64_t shape[MAXR], allowzero = 0;
    size_t n;
    bd_status st;
    if ((st = bd_onnx_in(im, 0, &in)) || (st = bd_onnx_const_ints(im, 1, shape, MAXR, &n)) ||
        (st = bd_onnx_attr_int(im, "allowzero", 0, &allowzero)))
        return st;
    int infer = -1;
    size_t known = 1, total = 1;
    for (int k = 0; k < in->rank; k++) total *= (size_t)in->dims[k];
    for (size_t k = 0; k < n; k++) {
        if (shape[k] == 0 && !allowzero) { /* 0 copies the input dimension */
            if ((int)k >= in->rank) return MALFORMED("shape[%zu] = 0 beyond the input rank", k);
            shape[k] = in->dims[k];
        }
        if (shape[k] == -1) {
            if (infer >= 0) return MALFORMED("more than one -1 in the shape");
            infer = (int)k;
            continue;
        }
        if (shape[k] < 0 || !bd_size_mul(known, (size_t)shape[k], &known))
            return MALFORMED("invalid shape[%zu] = %lld", k, (long long)shape[k]);
    }
    if (infer >= 0) {
        if (known == 0 || total % known) return MALFORMED("cannot infer the -1 dimension");
        shape[infer] = (int64_t)(total / known);
    }
    if ((st = bd_onnx_out(im, 0, &out))) return st;
    return bd_onnx_reshape_to(im, in, out, (int)n, shape);
}

/* Flatten: [prod(d[0:axis]), prod(d[axis:])], axis default 1 (negative from opset 11). */
static bd_status op_flatten(importer *im) {
    sym *in, *out;
    int64_t axis;
    bd_status st;
    if ((st = bd_onnx_in(im, 0, &in)) || (st = bd_onnx_attr_int(im, "axis", 1, &axis))) return st;
    if (axis < 0) axis += in->rank;
    if (axis < 0 || axis > in->rank) return MALFORMED("axis %lld out of range", (long long)axis);
    int64_t d[2] = {1, 1};
    for (int k = 0; k < in->rank; k++) d[k < axis ? 0 : 1] *= in->dims[k];
    if ((st = bd_onnx_out(im, 0, &out))) return st;
    return bd_onnx_reshape_to(im, in, out, 2, d);
}

/* Squeeze / Unsqueeze: axes from the attribute (opset < 13) or input 1 (13+). */
static bd_status get_axes(importer *im, int64_t *axes, int *n_axes) {
    if (im->opset >= 13) {
        size_t n = 0;
        *n_axes = -1;
        if (!bd_onnx_has_in(im, 1)) return BD_OK;
        bd_status st = bd_onnx_const_ints(im, 1, axes, MAXR, &n);
        *n_axes = (int)n;
        return st;
    }
    return bd_onnx_attr_ints(im, "axes", axes, MAXR, n_axes);
}

static bd_status op_squeeze(importer *im) {
    sym *in, *out;
    int64_t axes[MAXR], d[MAXR];
    int n_axes, r = 0;
    bool drop[MAXR] = {false};
    bd_status st;
    if ((st = bd_onnx_in(im, 0, &in)) || (st = get_axes(im, axes, &n_axes))) return st;
    for (int k = 0; k < n_axes; k++) {
        int64_t a = axes[k] < 0 ? axes[k] + in->rank : axes[k];
        if (a < 0 || a >= in->rank || in->dims[a] != 1)
            return MALFORMED("cannot squeeze axis %lld", (long long)axes[k]);
        drop[a] = true;
    }
    for (int k = 0; k < in->rank; k++)
        if (!(n_axes < 0 ? in->dims[k] == 1 : drop[k])) d[r++] = in->dims[k];
    if ((st = bd_onnx_out(im, 0, &out))) return st;
    return bd_onnx_reshape_to(im, in, out, r, d);
}

static bd_status op_unsqueeze(importer *im) {
    sym *in, *out;
    int64_t axes[MAXR], d[MAXR];
    int n_axes;
    bool ins[MAXR] = {false};
    bd_status st;
    if ((st = bd_onnx_in(im, 0, &in)) || (st = get_axes(im, axes, &n_axes))) return st;
    if (n_axes < 0) return MALFORMED("no axes");
    int r = in->rank + n_axes;
    if (r > MAXR) return UNSUPPORTED("result of rank %d", r);
    for (int k = 0; k < n_axes; k++) {
        int64_t a = axes[k] < 0 ? axes[k] + r : axes[k];
        if (a < 0 || a >= r || ins[a]) return MALFORMED("invalid axis %lld", (long long)axes[k]);
        ins[a] = true;
    }
    for (int k = 0, j = 0; k < r; k++) d[k] = ins[k] ? 1 : in->dims[j++];
    if ((st = bd_onnx_out(im, 0, &out))) return st;
    return bd_onnx_reshape_to(im, in, out, r, d);
}

/* Transpose: no data moves; the output is the input's IR value with the composed
 * perm (see the file comment). Constants are transposed here. perm defaults to
 * reversing the axes. */
static bd_status op_transpose(importer *im) {
    sym *in, *out;
    int64_t p[MAXR];
    int np;
    bool seen[MAXR] = {false};
    bd_status st;
    if ((st = bd_onnx_in(im, 0, &in)) || (st = bd_onnx_attr_ints(im, "perm", p, MAXR, &np)))
        return st;
    if (np < 0) {
        np = in->rank;
        for (int k = 0; k < np; k++) p[k] = np - 1 - k;
    }
    if (np != in->rank) return MALFORMED("perm has %d entries for rank %d", np, in->rank);
    for (int k = 0; k < np; k++) {
        if (p[k] < 0 || p[k] >= np || seen[p[k]]) return MALFORMED("perm is not a permutation");
        seen[p[k]] = true;
    }
    if ((st = bd_onnx_out(im, 0, &out))) return st;
    int64_t od[MAXR] = {0};
    for (int k = 0; k < np; k++) od[k] = in->dims[p[k]];
    if (in->is_const) {
        if ((st = bd_onnx_const_alloc(im, out, in->is_float, np, od))) return st;
        size_t stride[MAXR];
        row_strides(in->dims, np, stride);
        int64_t idx[MAXR] = {0};
        for (size_t e = 0; e < out->n; e++) {
            size_t off = 0;
            for (int k = 0; k < np; k++) off += (size_t)idx[k] * stride[p[k]];
            if (in->is_float) out->f[e] = in->f[off];
            else out->i[e] = in->i[off];
            next_index(idx, od, np);
        }
        return BD_OK;
    }
    int inv[MAXR];
    for (int k = 0; k < np; k++) inv[p[k]] = k;
    out->is_const = false;
    out->rank = np;
    for (int k = 0; k < np; k++) {
        out->dims[k] = od[k];
        out->perm[k] = inv[in->perm[k]];
    }
    out->v = in->v;
    out->alt_v = -1;
    return BD_OK;
}

/* Identity, and Dropout in inference (output 0 only). */
static bd_status op_identity(importer *im) {
    sym *in, *out;
    bd_status st;
    if ((st = bd_onnx_in(im, 0, &in)) || (st = bd_onnx_out(im, 0, &out))) return st;
    onnx_str name = out->name;
    *out = *in;
    out->name = name;
    if (in->is_const) { /* deep copy: each symbol owns its data */
        out->f = NULL;
        out->i = NULL;
        if ((st = bd_onnx_const_alloc(im, out, in->is_float, in->rank, in->dims))) return st;
        if (in->is_float) memcpy(out->f, in->f, sizeof(float) * in->n);
        else memcpy(out->i, in->i, sizeof(int64_t) * in->n);
    }
    return BD_OK;
}

/* ---- concat, slice, split, cast ---------------------------------------------------- */

/* Concat (opset 4+: axis required; negative from 11). Constants are joined here. */
static bd_status op_concat(importer *im) {
    int64_t axis;
    sym *ins[BD_MAX_NODE_INPUTS], *out;
    bd_status st;
    int n_in = im->node->n_inputs;
    if (n_in < 1 || n_in > BD_MAX_NODE_INPUTS)
        return UNSUPPORTED("%d inputs (1..%d)", n_in, BD_MAX_NODE_INPUTS);
    if ((st = bd_onnx_attr_int(im, "axis", 0, &axis))) return st;
    bool all_const = true;
    for (int k = 0; k < n_in; k++) {
        if ((st = bd_onnx_in(im, k, &ins[k]))) return st;
        all_const = all_const && ins[k]->is_const;
    }
    int r = ins[0]->rank;
    if (axis < 0) axis += r;
    if (axis < 0 || axis >= r) return MALFORMED("axis out of range");
    int64_t od[MAXR];
    memcpy(od, ins[0]->dims, sizeof od);
    od[axis] = 0;
    for (int k = 0; k < n_in; k++) {
        if (ins[k]->rank != r) return MALFORMED("inputs differ in rank");
        for (int j = 0; j < r; j++)
            if (j != axis && ins[k]->dims[j] != od[j]) return MALFORMED("inputs differ in shape");
        od[axis] += ins[k]->dims[axis];
    }
    if ((st = bd_onnx_out(im, 0, &out))) return st;
    if (all_const) {
        bool is_float = false;
        for (int k = 0; k < n_in; k++) is_float = is_float || ins[k]->is_float;
        if ((st = bd_onnx_const_alloc(im, out, is_float, r, od))) return st;
        size_t outer = 1, inner = 1, at = 0;
        for (int j = 0; j < axis; j++) outer *= (size_t)od[j];
        for (int j = (int)axis + 1; j < r; j++) inner *= (size_t)od[j];
        for (size_t o = 0; o < outer; o++)
            for (int k = 0; k < n_in; k++) {
                size_t chunk = (size_t)ins[k]->dims[axis] * inner;
                for (size_t e = 0; e < chunk; e++, at++) {
                    if (is_float) out->f[at] = (float)cval(ins[k], o * chunk + e);
                    else out->i[at] = ins[k]->i[o * chunk + e];
                }
            }
        return BD_OK;
    }
    int tp[MAXR];
    bd_onnx_pick_layout(im, ins, n_in, r, tp);
    bd_node n = bd_onnx_node(im, BD_OP_CONCAT);
    for (int k = 0; k < n_in; k++)
        if ((st = bd_onnx_layout(im, ins[k], tp, &n.inputs[k]))) return st;
    if ((st = bd_onnx_new_ir(im, out, r, od, tp, ""))) return st;
    for (int j = 0; j < r; j++)
        if (tp[j] == axis) n.axis = j; /* the ONNX axis, as an IR axis */
    n.n_inputs = n_in;
    n.output = out->v;
    return bd_onnx_add_node(im, &n);
}

/* out = x[b + i * s] per ONNX axis (od: the output dims, each >= 1). Constants
 * are sliced here; a computed tensor gets a SLICE node in its own layout. */
static bd_status slice_to(importer *im, sym *x, sym *out, const int64_t *b, const int64_t *s,
                          const int64_t *od) {
    bd_status st;
    for (int k = 0; k < x->rank; k++)
        if (od[k] < 1) return UNSUPPORTED("an empty slice (axis %d)", k);
    if (!x->is_const) {
        int xv;
        if (x->rank > BD_MAX_DIMS) return UNSUPPORTED("slice of rank %d", x->rank);
        if ((st = bd_onnx_layout(im, x, x->perm, &xv)) ||
            (st = bd_onnx_new_ir(im, out, x->rank, od, x->perm, "")))
            return st;
        bd_node n = bd_onnx_node1(im, BD_OP_SLICE, xv, out->v);
        for (int j = 0; j < x->rank; j++) { /* IR axis j is ONNX axis perm[j] */
            n.pads[j] = b[x->perm[j]];
            n.pads[x->rank + j] = s[x->perm[j]];
        }
        return bd_onnx_add_node(im, &n);
    }
    if ((st = bd_onnx_const_alloc(im, out, x->is_float, x->rank, od))) return st;
    size_t stride[MAXR];
    row_strides(x->dims, x->rank, stride);
    int64_t idx[MAXR] = {0};
    for (size_t e = 0; e < out->n; e++) {
        size_t off = 0;
        for (int k = 0; k < x->rank; k++) off += (size_t)(b[k] + idx[k] * s[k]) * stride[k];
        if (x->is_float) out->f[e] = x->f[off];
        else out->i[e] = x->i[off];
        next_index(idx, od, x->rank);
    }
    return BD_OK;
}

/* Slice: starts/ends/axes attributes before opset 10, inputs (data, starts, ends,
 * axes, steps) from 10, which must be constants after folding. Bounds are clamped
 * as the spec says (negative = from the end; PyTorch writes INT64_MAX for "to the
 * end"); any non-zero step. */
static bd_status op_slice(importer *im) {
    sym *x, *out;
    int64_t starts[MAXR], ends[MAXR], axes[MAXR], steps[MAXR];
    size_t ns, ne, na = 0, nst = 0;
    int n;
    bd_status st;
    if ((st = bd_onnx_in(im, 0, &x))) return st;
    if (im->opset < 10) {
        if ((st = bd_onnx_attr_ints(im, "starts", starts, MAXR, &n))) return st;
        ns = n < 0 ? 0 : (size_t)n;
        if ((st = bd_onnx_attr_ints(im, "ends", ends, MAXR, &n))) return st;
        ne = n < 0 ? 0 : (size_t)n;
        if ((st = bd_onnx_attr_ints(im, "axes", axes, MAXR, &n))) return st;
        na = n < 0 ? 0 : (size_t)n;
    } else {
        if ((st = bd_onnx_const_ints(im, 1, starts, MAXR, &ns)) ||
            (st = bd_onnx_const_ints(im, 2, ends, MAXR, &ne)))
            return st;
        if (bd_onnx_has_in(im, 3) && (st = bd_onnx_const_ints(im, 3, axes, MAXR, &na))) return st;
        if (bd_onnx_has_in(im, 4) && (st = bd_onnx_const_ints(im, 4, steps, MAXR, &nst))) return st;
    }
    if (ns != ne || (na && na != ns) || (nst && nst != ns) || ns > (size_t)x->rank)
        return MALFORMED("starts, ends, axes and steps differ in length");
    int64_t b[MAXR], s[MAXR], od[MAXR];
    for (int k = 0; k < x->rank; k++) {
        b[k] = 0;
        s[k] = 1;
        od[k] = x->dims[k];
    }
    bool seen[MAXR] = {false};
    for (size_t k = 0; k < ns; k++) {
        int64_t a = na ? axes[k] : (int64_t)k, step = nst ? steps[k] : 1;
        if (a < 0) a += x->rank;
        if (a < 0 || a >= x->rank || seen[a] || step == 0 || step > ((int64_t)1 << 40) ||
            step < -((int64_t)1 << 40))
            return MALFORMED("invalid axis or step");
        seen[a] = true;
        int64_t dim = x->dims[a], lo = starts[k], hi = ends[k];
        if (lo < 0) lo = lo < -dim ? 0 : lo + dim;
        if (hi < 0) hi = hi < -dim ? -1 : hi + dim;
        if (step > 0) {
            lo = lo > dim ? dim : lo;
            hi = hi < 0 ? 0 : hi > dim ? dim : hi;
            od[a] = hi > lo ? (hi - lo + step - 1) / step : 0;
        } else {
            lo = lo > dim - 1 ? dim - 1 : lo;
            hi = hi > dim - 1 ? dim - 1 : hi;
            od[a] = lo > hi ? (lo - hi + (-step) - 1) / (-step) : 0;
        }
        b[a] = lo;
        s[a] = step;
    }
    if ((st = bd_onnx_out(im, 0, &out))) return st;
    return slice_to(im, x, out, b, s, od);
}

/* Split along `axis` (default 0): sizes from the `split` attribute (< 13) or
 * input 1 (13+), else num_outputs (18) parts of ceil(dim / n) with a smaller
 * last one, else equal parts, one per output. Each output is a slice. */
static bd_status op_split(importer *im) {
    sym *x;
    int64_t axis, sizes[ONNX_MAX_NODE_IO], num = 0;
    int n_out = im->node->n_outputs, n_sizes = -1;
    bd_status st;
    if ((st = bd_onnx_in(im, 0, &x)) || (st = bd_onnx_attr_int(im, "axis", 0, &axis)) ||
        (st = bd_onnx_attr_int(im, "num_outputs", 0, &num)))
        return st;
    if (axis < 0) axis += x->rank;
    if (axis < 0 || axis >= x->rank) return MALFORMED("axis out of range");
    if (n_out < 1 || n_out > ONNX_MAX_NODE_IO) return MALFORMED("%d outputs", n_out);
    int64_t dim = x->dims[axis];
    if (im->opset < 13) {
        if ((st = bd_onnx_attr_ints(im, "split", sizes, ONNX_MAX_NODE_IO, &n_sizes))) return st;
    } else if (bd_onnx_has_in(im, 1)) {
        size_t got;
        if ((st = bd_onnx_const_ints(im, 1, sizes, ONNX_MAX_NODE_IO, &got))) return st;
        n_sizes = (int)got;
    }
    if (n_sizes < 0) {
        if (num && num != n_out)
            return MALFORMED("num_outputs %lld but %d outputs", (long long)num, n_out);
        int64_t part = im->opset >= 18 && num ? (dim + n_out - 1) / n_out : dim / n_out;
        if (im->opset < 18 || !num) {
            if (dim % n_out) return MALFORMED("%lld elements do not split into %d equal parts",
                                              (long long)dim, n_out);
        }
        for (int k = 0; k < n_out; k++) {
            int64_t left = dim - part * k;
            sizes[k] = left < part ? (left < 0 ? 0 : left) : part;
        }
        n_sizes = n_out;
    }
    if (n_sizes != n_out)
        return MALFORMED("split has %d sizes but the node has %d outputs", n_sizes, n_out);
    int64_t at = 0;
    for (int k = 0; k < n_out; k++) {
        if (sizes[k] < 0 || sizes[k] > dim - at) return MALFORMED("split sizes exceed the axis");
        at += sizes[k];
    }
    if (at != dim)
        return MALFORMED("split sizes sum to %lld, the axis has %lld", (long long)at,
                         (long long)dim);
    at = 0;
    for (int k = 0; k < n_out; k++) {
        int64_t b[MAXR] = {0}, s[MAXR], od[MAXR];
        sym *out;
        for (int j = 0; j < x->rank; j++) {
            s[j] = 1;
            od[j] = x->dims[j];
        }
        b[axis] = at;
        od[axis] = sizes[k];
        at += sizes[k];
        if (im->node->outputs[k].len == 0) continue; /* an unused output */
        if ((st = bd_onnx_out(im, k, &out)) || (st = slice_to(im, x, out, b, s, od))) return st;
    }
    return BD_OK;
}

/* Cast: constants are converted; a float computed tensor cast to float passes. */
static bd_status op_cast(importer *im) {
    sym *x, *out;
    int64_t to;
    bd_status st;
    if ((st = bd_onnx_in(im, 0, &x)) || (st = bd_onnx_attr_int(im, "to", 0, &to))) return st;
    bool to_float = onnx_dtype_is_float((int32_t)to);
    if (!x->is_const) {
        if (to != ONNX_FLOAT) return UNSUPPORTED("cast of a computed tensor to type %lld",
                                                 (long long)to);
        return op_identity(im);
    }
    if (!onnx_dtype_supported((int32_t)to)) return UNSUPPORTED("cast to type %lld", (long long)to);
    if ((st = bd_onnx_out(im, 0, &out)) ||
        (st = bd_onnx_const_alloc(im, out, to_float, x->rank, x->dims)))
        return st;
    for (size_t k = 0; k < x->n; k++) {
        if (to_float) out->f[k] = (float)cval(x, k);
        else if (to == ONNX_BOOL) out->i[k] = cval(x, k) != 0;
        else out->i[k] = x->is_float ? (int64_t)x->f[k] : x->i[k];
    }
    return BD_OK;
}

/* ---- table ------------------------------------------------------------------------- */

const onnx_op_entry bd_onnx_shape_ops[] = {
    {"Reshape", op_reshape, 5}, {"Flatten", op_flatten, 1}, {"Squeeze", op_squeeze, 1},
    {"Unsqueeze", op_unsqueeze, 1}, {"Transpose", op_transpose, 1}, {"Identity", op_identity, 1},
    {"Dropout", op_identity, 7}, {"Concat", op_concat, 4}, {"Slice", op_slice, 1},
    {"Split", op_split, 2}, {"Cast", op_cast, 6},
    {NULL, NULL, 0},
};
