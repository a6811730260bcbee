/*
 * onnx_nn.c -- lowering of the other ONNX network ops: Resize and Upsample,
 * MatMul and Gemm (as FULLY_CONNECTED), BatchNormalization (as a per-channel
 * MUL and ADD), InstanceNormalization, Softmax and Pad.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "import/onnx/onnx_lower.h"

/* ---- resize ------------------------------------------------------------------------ */

/* Starts node op resizing input 0 (NCHW) into output 0 of ONNX dims od; the
 * caller sets the mode fields and adds the node with resize_add. Normally the
 * input is taken NHWC and the output made NHWC. When the output is best kept in
 * ONNX order (onnx_hint.c: an upsampled tail going straight out), the NCHW
 * tensor is resized as N*C one-channel NHWC images instead: [N,C,h,w] is, in
 * memory, [N*C,h,w,1], so RESHAPEs (which share memory) wrap the node and the
 * output stays NCHW. The same for a downsampling of a value held in ONNX order.
 * *planar_out is then the IR value of the output, else -1. */
static bd_status resize_node(importer *im, bd_op_type op, const int64_t *od, bd_node *n,
                             int *planar_out) {
    sym *x, *out;
    int xv;
    bd_status st;
    *planar_out = -1;
    if ((st = bd_onnx_in(im, 0, &x))) return st;
    /* Also planar: a downsampling of a value held NCHW only (RVM's first op scales
     * the NCHW source frame down): the small output is transposed by its consumer
     * instead of the large input here. */
    const bool shrink_nchw = !x->is_const && x->rank == 4 && x->alt_v < 0 &&
                             bd_onnx_perm_eq(x->perm, ID_PERM, 4) &&
                             od[2] * od[3] < x->dims[2] * x->dims[3];
    if ((im->onnx_order && im->onnx_order[im->node_index]) || shrink_nchw) {
        char name[200], base[160];
        if ((st = bd_onnx_in(im, 0, &x)) || (st = bd_onnx_layout(im, x, ID_PERM, &xv)) ||
            (st = bd_onnx_out(im, 0, &out)) ||
            (st = bd_onnx_new_ir(im, out, 4, od, ID_PERM, "")))
            return st;
        const int64_t din[4] = {x->dims[0] * x->dims[1], x->dims[2], x->dims[3], 1};
        const int64_t dout[4] = {od[0] * od[1], od[2], od[3], 1};
        onnx_str_print(out->name, base, sizeof base);
        snprintf(name, sizeof name, "%s_planar_in", base);
        int iv = bd_graph_add_value(im->g, name, BD_DTYPE_F32, 4, din, im->err);
        if (iv < 0) return iv;
        snprintf(name, sizeof name, "%s_planar", base);
        int ov = bd_graph_add_value(im->g, name, BD_DTYPE_F32, 4, dout, im->err);
        if (ov < 0) return ov;
        bd_node r = bd_onnx_node1(im, BD_OP_RESHAPE, xv, iv);
        if ((st = bd_onnx_add_node(im, &r))) return st;
        *n = bd_onnx_node1(im, op, iv, ov);
        *planar_out = out->v;
    } else {
        if ((st = bd_onnx_spatial_in(im, 0, &x, &xv)) || (st = bd_onnx_out(im, 0, &out)) ||
            (st = bd_onnx_new_ir(im, out, 4, od, NHWC_PERM, "")))
            return st;
        *n = bd_onnx_node1(im, op, xv, out->v);
    }
    n->out_h = od[2];
    n->out_w = od[3];
    return BD_OK;
}

/* Adds the node resize_node started (and, planar, the RESHAPE back to NCHW). */
static bd_status resize_add(importer *im, const bd_node *n, int planar_out) {
    bd_status st = bd_onnx_add_node(im, n);
    if (st || planar_out < 0) return st;
    bd_node r = bd_onnx_node1(im, BD_OP_RESHAPE, n->output, planar_out);
    return bd_onnx_add_node(im, &r);
}

/* Resize / Upsample with mode nearest on the spatial axes of an NCHW tensor.
 * The source index follows ONNX Runtime: the coordinate mode maps an output index
 * to a float input coordinate using the scale (the given scale, or out/in when
 * sizes are given), then nearest_mode (default round_prefer_floor) rounds it.
 * Upsample and Resize-10 have no such attributes: asymmetric, and floor (ceil
 * when downsampling), which ONNX Runtime calls the "simple" mode. */
static bd_status resize_nearest(importer *im, sym *x, const int64_t *od, onnx_str ctm,
                                const float *scales, bool legacy) {
    onnx_str nm;
    bd_status st;
    if ((st = bd_onnx_attr_str(im, "nearest_mode", "round_prefer_floor", &nm))) return st;
    int cm = onnx_str_eq(ctm, "half_pixel")                    ? BD_COORD_HALF_PIXEL
             : onnx_str_eq(ctm, "pytorch_half_pixel")          ? BD_COORD_PYTORCH_HALF_PIXEL
             : onnx_str_eq(ctm, "align_corners")               ? BD_COORD_ALIGN_CORNERS
             : onnx_str_eq(ctm, "asymmetric")                  ? BD_COORD_ASYMMETRIC
             : onnx_str_eq(ctm, "tf_half_pixel_for_nearest")   ? BD_COORD_TF_HALF_PIXEL_FOR_NEAREST
                                                               : -1;
    int nmode = legacy                                       ? BD_NEAREST_SIMPLE
                : onnx_str_eq(nm, "round_prefer_floor")      ? BD_NEAREST_ROUND_PREFER_FLOOR
                : onnx_str_eq(nm, "round_prefer_ceil")       ? BD_NEAREST_ROUND_PREFER_CEIL
                : onnx_str_eq(nm, "floor")                   ? BD_NEAREST_FLOOR
                : onnx_str_eq(nm, "ceil")                    ? BD_NEAREST_CEIL
                                                             : -1;
    if (legacy) cm = BD_COORD_ASYMMETRIC;
    if (cm < 0)
        return UNSUPPORTED("coordinate_transformation_mode '%.*s' with mode nearest",
                           (int)(ctm.len < 24 ? ctm.len : 24), ctm.s);
    if (nmode < 0)
        return UNSUPPORTED("nearest_mode '%.*s'", (int)(nm.len < 24 ? nm.len : 24), nm.s);
    float sh = scales ? scales[2] : (float)od[2] / (float)x->dims[2];
    float sw = scales ? scales[3] : (float)od[3] / (float)x->dims[3];
    if (!(sh > 0.0f && sw > 0.0f && sh < 1e6f && sw < 1e6f))
        return MALFORMED("invalid scales %g, %g", sh, sw);
    bd_node n;
    int planar;
    if ((st = resize_node(im, BD_OP_RESIZE_NEAREST, od, &n, &planar))) return st;
    n.coord_mode = cm;
    n.nearest_mode = nmode;
    n.scale_h = sh;
    n.scale_w = sw;
    return resize_add(im, &n, planar);
}

/* Resize (opset 10: X, scales; 11+: X, roi, scales, sizes) and Upsample (opset 7-8:
 * scales attribute; 9: scales input). Linear mode on the two spatial axes maps to
 * RESIZE_BILINEAR: coordinate_transformation_mode half_pixel (the default from
 * opset 11) -> half_pixel, align_corners -> align_corners, asymmetric (opset 10 and
 * Upsample) -> neither; pytorch_half_pixel equals half_pixel when no output axis
 * has length 1. With scales, out = floor(in * scale) and the kernel samples with
 * in/out, which equals 1/scale whenever in * scale is whole. */
static bd_status op_resize(importer *im) {
    sym *x;
    bd_status st;
    bool upsample = onnx_str_eq(im->node->op_type, "Upsample");
    onnx_str mode, ctm;
    float scales[MAXR];
    int64_t sizes[MAXR];
    size_t n_scales = 0, n_sizes = 0;
    if ((st = bd_onnx_in(im, 0, &x)) || (st = bd_onnx_attr_str(im, "mode", "nearest", &mode)))
        return st;
    bool legacy = upsample || im->opset < 11;
    if ((st = bd_onnx_attr_str(im, "coordinate_transformation_mode",
                               legacy ? "asymmetric" : "half_pixel", &ctm)))
        return st;
    bool nearest = onnx_str_eq(mode, "nearest");
    if (!nearest && !onnx_str_eq(mode, "linear") && !onnx_str_eq(mode, "bilinear"))
        return UNSUPPORTED("mode '%.*s' (only nearest and linear)",
                           (int)(mode.len < 16 ? mode.len : 16), mode.s);
    int64_t aa = 0;
    const onnx_attr *axes_attr = onnx_node_attr(im->node, "axes");
    if ((st = bd_onnx_attr_int(im, "antialias", 0, &aa))) return st;
    if (aa || axes_attr) return UNSUPPORTED("antialias or axes (opset 18)");
    onnx_str karp;
    if ((st = bd_onnx_attr_str(im, "keep_aspect_ratio_policy", "stretch", &karp))) return st;
    if (!onnx_str_eq(karp, "stretch")) return UNSUPPORTED("keep_aspect_ratio_policy (opset 18)");
    if (upsample && im->opset < 9) {
        const onnx_attr *a = onnx_node_attr(im->node, "scales");
        if (!a || !onnx_attr_floats(a, scales, MAXR, &n_scales))
            return MALFORMED("scales attribute missing or too long");
    } else {
        int si = (upsample || im->opset < 11) ? 1 : 2;
        sym *s;
        if (bd_onnx_has_in(im, si)) {
            if ((st = bd_onnx_in(im, si, &s))) return st;
            /* an empty constant means "use sizes"; a computed one cannot be folded */
            if ((s->n > 0 || !s->is_const) &&
                (st = bd_onnx_const_floats(im, si, scales, MAXR, &n_scales)))
                return st;
        }
        if (!upsample && im->opset >= 11 && bd_onnx_has_in(im, 3) &&
            (st = bd_onnx_const_ints(im, 3, sizes, MAXR, &n_sizes)))
            return st;
    }
    int64_t od[MAXR];
    if (n_sizes) {
        if ((int)n_sizes != x->rank) return MALFORMED("sizes has %zu entries", n_sizes);
        memcpy(od, sizes, sizeof(int64_t) * n_sizes);
    } else if ((int)n_scales == x->rank) {
        for (int k = 0; k < x->rank; k++) {
            double o = floor((double)x->dims[k] * scales[k]);
            if (!(o >= 1 && o <= 65536)) return MALFORMED("scale %g gives no output", scales[k]);
            od[k] = (int64_t)o;
        }
    } else {
        return MALFORMED("neither scales nor sizes of rank %d", x->rank);
    }
    if (x->rank != 4 || od[0] != x->dims[0] || od[1] != x->dims[1])
        return UNSUPPORTED("only resizing the spatial axes of an NCHW tensor");
    if (nearest) return resize_nearest(im, x, od, ctm, n_sizes ? NULL : scales, legacy);
    bool ac = onnx_str_eq(ctm, "align_corners"), hp = onnx_str_eq(ctm, "half_pixel");
    if (onnx_str_eq(ctm, "pytorch_half_pixel") && od[2] > 1 && od[3] > 1) hp = true;
    if (!ac && !hp && !onnx_str_eq(ctm, "asymmetric"))
        return UNSUPPORTED("coordinate_transformation_mode '%.*s'",
                           (int)(ctm.len < 24 ? ctm.len : 24), ctm.s);
    bd_node n;
    int planar;
    if ((st = resize_node(im, BD_OP_RESIZE_BILINEAR, od, &n, &planar))) return st;
    n.align_corners = ac;
    n.half_pixel = hp;
    return resize_add(im, &n, planar);
}

/* ---- matmul, batch norm ------------------------------------------------------------ */

/* x [.., K] times a constant w: out [.., N] = x w + bias, as FULLY_CONNECTED with
 * weight [N, K] (transposed here unless trans_b). */
static bd_status fully_connected(importer *im, sym *x, const sym *w, bool trans_b, float alpha,
                                 int bias_v, sym *out) {
    bd_status st;
    if (w->rank != 2) return UNSUPPORTED("the constant operand must be 2-D");
    int64_t k = trans_b ? w->dims[1] : w->dims[0], nn = trans_b ? w->dims[0] : w->dims[1];
    if (x->rank < 1 || x->dims[x->rank - 1] != k)
        return MALFORMED("inner dimensions differ (%lld vs %lld)",
                         (long long)(x->rank ? x->dims[x->rank - 1] : 0), (long long)k);
    int xv = x->v;
    /* The IR value must hold x in ONNX memory order with K innermost. */
    if (!bd_onnx_perm_eq(x->perm, ID_PERM, x->rank)) {
        sym *t = bd_onnx_new_sym(im);
        if (!t) return bd_err_set(im->err, BD_ERR_LIMIT, "too many values");
        t->name = x->name;
        if ((st = bd_onnx_reshape_to(im, x, t, x->rank, x->dims))) return st;
        xv = t->v;
    }
    const bd_value *xval = &im->g->values[xv];
    if (xval->dims[xval->n_dims - 1] != k) return UNSUPPORTED("operand layout");
    float *wd = NULL;
    int64_t d[2] = {nn, k};
    char name[160];
    onnx_str_print(w->name, name, sizeof name);
    int wv = bd_onnx_new_const(im, name, 2, d, &wd);
    if (wv < 0) return wv;
    for (int64_t i = 0; i < nn; i++)
        for (int64_t j = 0; j < k; j++)
            wd[i * k + j] = alpha * (float)cval(w, (size_t)(trans_b ? i * k + j : j * nn + i));
    if (bias_v < 0 && (bias_v = bd_onnx_bias_in(im, 99, nn, 1.0f)) < 0) return bias_v;
    int64_t od[MAXR];
    memcpy(od, x->dims, sizeof od);
    od[x->rank - 1] = nn;
    if ((st = bd_onnx_new_ir(im, out, x->rank, od, ID_PERM, ""))) return st;
    bd_node n = bd_onnx_node3(im, BD_OP_FULLY_CONNECTED, xv, wv, bias_v, out->v);
    return bd_onnx_add_node(im, &n);
}

/* MatMul (opset 1, 9, 13) with a constant 2-D right operand. */
static bd_status op_matmul(importer *im) {
    sym *a, *b, *out;
    bd_status st;
    if ((st = bd_onnx_in(im, 0, &a)) || (st = bd_onnx_in(im, 1, &b))) return st;
    if (a->is_const || !b->is_const)
        return UNSUPPORTED("only a computed tensor times a constant matrix");
    if ((st = bd_onnx_out(im, 0, &out))) return st;
    return fully_connected(im, a, b, false, 1.0f, -1, out);
}

/* Gemm: Y = alpha * A' B' + beta * C (A' = A or A^T, likewise B'), A [M,K]. */
static bd_status op_gemm(importer *im) {
    sym *a, *b, *out;
    float alpha, beta;
    int64_t ta, tb;
    bd_status st;
    if ((st = bd_onnx_in(im, 0, &a)) || (st = bd_onnx_in(im, 1, &b)) ||
        (st = bd_onnx_attr_float(im, "alpha", 1.0f, &alpha)) ||
        (st = bd_onnx_attr_float(im, "beta", 1.0f, &beta)) ||
        (st = bd_onnx_attr_int(im, "transA", 0, &ta)) ||
        (st = bd_onnx_attr_int(im, "transB", 0, &tb)))
        return st;
    if (a->is_const || !b->is_const || ta || a->rank != 2)
        return UNSUPPORTED("only a computed [M,K] tensor (transA = 0) times a constant");
    int64_t nn = tb ? b->dims[0] : b->dims[1];
    if (bd_onnx_has_in(im, 2)) { /* C must broadcast as a row: [N], [1,N] or a scalar */
        sym *c;
        if ((st = bd_onnx_in(im, 2, &c))) return st;
        if (!c->is_const || (c->n != 1 && c->n != (size_t)nn) ||
            (c->rank == 2 && c->dims[0] != 1))
            return UNSUPPORTED("C must be a constant row of %lld values", (long long)nn);
    }
    int bv = bd_onnx_bias_in(im, 2, b->rank == 2 ? nn : 1, beta);
    if (bv < 0) return bv;
    if ((st = bd_onnx_out(im, 0, &out))) return st;
    return fully_connected(im, a, b, tb != 0, alpha, bv, out);
}

/* BatchNormalization in inference (training_mode 0, one output):
 *   y = (x - mean) / sqrt(var + eps) * scale + B = x * s + t,
 *   s = scale / sqrt(var + eps), t = B - mean * s,
 * as a per-channel MUL and ADD (channel axis 1). */
static bd_status op_batchnorm(importer *im) {
    sym *x, *p[4], *out;
    float eps;
    int64_t tm = 0;
    bd_status st;
    if ((st = bd_onnx_in(im, 0, &x)) || (st = bd_onnx_attr_float(im, "epsilon", 1e-5f, &eps)) ||
        (st = bd_onnx_attr_int(im, "training_mode", 0, &tm)))
        return st;
    if (tm || (im->node->n_outputs > 1 && im->node->outputs[1].len))
        return UNSUPPORTED("training mode");
    if (x->rank < 2 || x->is_const) return UNSUPPORTED("a constant input or rank %d", x->rank);
    int64_t c = x->dims[1];
    for (int k = 0; k < 4; k++) {
        if ((st = bd_onnx_in(im, k + 1, &p[k]))) return st;
        if (!p[k]->is_const || p[k]->n != (size_t)c)
            return UNSUPPORTED("parameter %d must be a constant of %lld values", k + 1,
                               (long long)c);
    }
    sym *s = bd_onnx_new_sym(im), *t = bd_onnx_new_sym(im), *mid = bd_onnx_new_sym(im);
    if (!s || !t || !mid) return bd_err_set(im->err, BD_ERR_LIMIT, "too many values");
    int64_t d[MAXR];
    for (int k = 0; k < x->rank; k++) d[k] = k == 1 ? c : 1;
    if ((st = bd_onnx_const_alloc(im, s, true, x->rank, d)) ||
        (st = bd_onnx_const_alloc(im, t, true, x->rank, d)))
        return st;
    for (int64_t k = 0; k < c; k++) {
        double sc = cval(p[0], (size_t)k) / sqrt(cval(p[3], (size_t)k) + eps);
        s->f[k] = (float)sc;
        t->f[k] = (float)(cval(p[1], (size_t)k) - cval(p[2], (size_t)k) * sc);
    }
    s->name = t->name = mid->name = im->node->outputs[0];
    /* mid = x * s (a temporary), out = mid + t */
    int r;
    int64_t od[MAXR];
    if (!bd_onnx_broadcast(x, s, &r, od)) return MALFORMED("shape");
    const int *tp = x->perm;
    int xv, sv, tv;
    if ((st = bd_onnx_layout(im, x, tp, &xv)) ||
        (st = bd_onnx_new_ir(im, mid, r, od, tp, "/scaled")))
        return st;
    if ((sv = bd_onnx_const_ir(im, s, r, tp)) < 0) return sv;
    bd_node n = bd_onnx_node(im, BD_OP_MUL);
    n.n_inputs = 2;
    n.inputs[0] = xv;
    n.inputs[1] = sv;
    n.output = mid->v;
    if ((st = bd_onnx_add_node(im, &n))) return st;
    if ((tv = bd_onnx_const_ir(im, t, r, tp)) < 0) return tv;
    if ((st = bd_onnx_out(im, 0, &out)) || (st = bd_onnx_new_ir(im, out, r, od, tp, ""))) return st;
    n.op = BD_OP_ADD;
    n.inputs[0] = mid->v;
    n.inputs[1] = tv;
    n.output = out->v;
    return bd_onnx_add_node(im, &n);
}

/* InstanceNormalization (opset 1..22) of a 4-D NCHW tensor: per image and channel,
 *   y = (x - mean_hw) / sqrt(var_hw + epsilon) * scale + B,
 * one INSTANCE_NORM node over the NHWC-held input; scale and B constants of [C]. */
static bd_status op_instance_norm(importer *im) {
    sym *x, *p[2], *out;
    int xv;
    float eps;
    bd_status st;
    if ((st = bd_onnx_in(im, 0, &x)) || (st = bd_onnx_attr_float(im, "epsilon", 1e-5f, &eps)))
        return st;
    if (x->is_const || x->rank != 4)
        return UNSUPPORTED("a constant input or rank %d (only computed 4-D NCHW tensors)",
                           x->rank);
    if (!(eps >= 0.0f) || !isfinite(eps)) return MALFORMED("epsilon %g", (double)eps);
    const int64_t c = x->dims[1];
    for (int k = 0; k < 2; k++) {
        if ((st = bd_onnx_in(im, k + 1, &p[k]))) return st;
        if (!p[k]->is_const || p[k]->n != (size_t)c)
            return UNSUPPORTED("input %d must be a constant of %lld values", k + 1,
                               (long long)c);
    }
    if ((st = bd_onnx_spatial_in(im, 0, &x, &xv))) return st;
    int pv[2];
    for (int k = 0; k < 2; k++) {
        void *data = NULL;
        char name[64];
        snprintf(name, sizeof name, "instance_norm_%d.%s", im->node_index, k ? "bias" : "scale");
        pv[k] = bd_graph_add_const(im->g, name, BD_DTYPE_F32, 1, &c, &data, im->err);
        if (pv[k] < 0) return pv[k];
        float *f = data;
        for (int64_t j = 0; j < c; j++) f[j] = (float)cval(p[k], (size_t)j);
    }
    int64_t od[4] = {x->dims[0], x->dims[1], x->dims[2], x->dims[3]};
    if ((st = bd_onnx_out(im, 0, &out)) || (st = bd_onnx_new_ir(im, out, 4, od, NHWC_PERM, "")))
        return st;
    bd_node n = bd_onnx_node(im, BD_OP_INSTANCE_NORM);
    n.n_inputs = 3;
    n.inputs[0] = xv;
    n.inputs[1] = pv[0];
    n.inputs[2] = pv[1];
    n.output = out->v;
    n.epsilon = eps;
    return bd_onnx_add_node(im, &n);
}

/* ---- softmax, pad ------------------------------------------------------------------ */

/* Softmax. Opset < 13: the input is coerced to 2-D at `axis` (default 1) and the
 * softmax runs over all of dims[axis:] at once; opset 13+: over the single axis
 * `axis` (default -1). The reduced axes must be adjacent in memory: the input's
 * layout is kept when they are (the channel axis of NCHW-stored-NHWC data is the
 * innermost), else the input is brought to ONNX order. */
static bd_status op_softmax(importer *im) {
    sym *x, *out;
    int64_t axis;
    bd_status st;
    if ((st = bd_onnx_in(im, 0, &x)) ||
        (st = bd_onnx_attr_int(im, "axis", im->opset < 13 ? 1 : -1, &axis)))
        return st;
    if (x->is_const) return UNSUPPORTED("a constant input");
    int r = x->rank;
    if (axis < 0) axis += r;
    if (axis < 0 || axis >= r) return MALFORMED("axis %lld out of range", (long long)axis);
    bool in_set[MAXR];
    for (int k = 0; k < r; k++) in_set[k] = im->opset < 13 ? k >= axis : k == axis;
    const int *perm = x->perm;
    int first = -1, last = -1;
    for (int j = 0; j < r; j++)
        if (in_set[perm[j]]) {
            if (first < 0) first = j;
            last = j;
        }
    for (int j = first; j <= last; j++)
        if (!in_set[perm[j]]) perm = ID_PERM; /* not adjacent: use ONNX order */
    if (perm == ID_PERM) {
        first = (int)axis;
        last = im->opset < 13 ? r - 1 : (int)axis;
    }
    int xv;
    if ((st = bd_onnx_layout(im, x, perm, &xv)) || (st = bd_onnx_out(im, 0, &out)) ||
        (st = bd_onnx_new_ir(im, out, r, x->dims, perm, "")))
        return st;
    bd_node n = bd_onnx_node1(im, BD_OP_SOFTMAX, xv, out->v);
    n.axis = first;
    n.axis_n = last - first + 1;
    return bd_onnx_add_node(im, &n);
}

/* Pad: mode constant (value), reflect or edge; pads [x1_begin, x2_begin, ..,
 * x1_end, ..] as an attribute (opset < 11) or input 1 (11+, constant after
 * folding), the value as attribute `value` (< 11) or optional input 2, and the
 * axes of the pads as optional input 3 (opset 18). Negative pads (cropping) and
 * mode wrap (opset 19) are not supported. */
static bd_status op_pad(importer *im) {
    sym *x, *out;
    int64_t pads[2 * MAXR], axes[MAXR];
    float value = 0.0f;
    onnx_str mode;
    int n_pads = -1;
    size_t n_axes = 0;
    bd_status st;
    if ((st = bd_onnx_in(im, 0, &x)) || (st = bd_onnx_attr_str(im, "mode", "constant", &mode)))
        return st;
    if (x->is_const) return UNSUPPORTED("a constant input");
    int r = x->rank;
    if (im->opset < 11) {
        if ((st = bd_onnx_attr_ints(im, "pads", pads, 2 * MAXR, &n_pads)) ||
            (st = bd_onnx_attr_float(im, "value", 0.0f, &value)))
            return st;
    } else {
        size_t got, nv;
        if ((st = bd_onnx_const_ints(im, 1, pads, 2 * MAXR, &got))) return st;
        n_pads = (int)got;
        if (bd_onnx_has_in(im, 2) && (st = bd_onnx_const_floats(im, 2, &value, 1, &nv))) return st;
        if (bd_onnx_has_in(im, 3) && (st = bd_onnx_const_ints(im, 3, axes, MAXR, &n_axes)))
            return st;
    }
    int64_t before[MAXR] = {0}, after[MAXR] = {0};
    if (n_axes) {
        if (n_pads != 2 * (int)n_axes) return MALFORMED("%d pads for %zu axes", n_pads, n_axes);
        for (size_t k = 0; k < n_axes; k++) {
            int64_t a = axes[k] < 0 ? axes[k] + r : axes[k];
            if (a < 0 || a >= r) return MALFORMED("axis %lld out of range", (long long)axes[k]);
            before[a] = pads[k];
            after[a] = pads[n_axes + k];
        }
    } else {
        if (n_pads != 2 * r) return MALFORMED("%d pads for rank %d", n_pads, r);
        for (int k = 0; k < r; k++) {
            before[k] = pads[k];
            after[k] = pads[r + k];
        }
    }
    int pm = onnx_str_eq(mode, "constant") ? BD_PAD_CONSTANT
             : onnx_str_eq(mode, "reflect") ? BD_PAD_REFLECT
             : onnx_str_eq(mode, "edge")    ? BD_PAD_EDGE
                                            : -1;
    if (pm < 0)
        return UNSUPPORTED("mode '%.*s'", (int)(mode.len < 16 ? mode.len : 16), mode.s);
    int64_t od[MAXR];
    for (int k = 0; k < r; k++) {
        if (before[k] < 0 || after[k] < 0)
            return UNSUPPORTED("negative pads (cropping) on axis %d", k);
        if (before[k] > 65536 || after[k] > 65536) return UNSUPPORTED("pads beyond 65536");
        if (pm == BD_PAD_REFLECT && (before[k] >= x->dims[k] || after[k] >= x->dims[k]))
            return UNSUPPORTED("reflect pads of %lld/%lld on axis %d of size %lld",
                               (long long)before[k], (long long)after[k], k,
                               (long long)x->dims[k]);
        od[k] = x->dims[k] + before[k] + after[k];
    }
    if (r > BD_MAX_DIMS) return UNSUPPORTED("rank %d", r);
    int xv;
    if ((st = bd_onnx_layout(im, x, x->perm, &xv)) || (st = bd_onnx_out(im, 0, &out)) ||
        (st = bd_onnx_new_ir(im, out, r, od, x->perm, "")))
        return st;
    bd_node n = bd_onnx_node1(im, BD_OP_PAD, xv, out->v);
    for (int j = 0; j < r; j++) {
        n.pads[j] = before[x->perm[j]];
        n.pads[r + j] = after[x->perm[j]];
    }
    n.pad_mode = pm;
    n.pad_value = value;
    return bd_onnx_add_node(im, &n);
}

/* ---- table ------------------------------------------------------------------------- */

const onnx_op_entry bd_onnx_nn_ops[] = {
    {"Resize", op_resize, 10}, {"Upsample", op_resize, 7}, {"MatMul", op_matmul, 1},
    {"Gemm", op_gemm, 7}, {"BatchNormalization", op_batchnorm, 7}, {"Softmax", op_softmax, 1},
    {"Pad", op_pad, 2}, {"InstanceNormalization", op_instance_norm, 1},
    {NULL, NULL, 0},
};
