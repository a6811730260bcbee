/*
 * onnx_conv.c -- lowering of the ONNX window ops: Conv (dense, grouped and
 * depthwise), ConvTranspose, AveragePool, MaxPool, GlobalAveragePool and the
 * spatial and channel ReduceMean.
 *
 * They all read NCHW input in the IR's NHWC order (perm {0,2,3,1}) and produce
 * that order; weights are reordered here: Conv OIHW -> OHWI, depthwise
 * [C*M,1,KH,KW] -> [1,KH,KW,C*M], ConvTranspose [C,O,KH,KW] -> [O,KH,KW,C].
 */
#include <stdio.h>
#include <string.h>

#include "import/onnx/onnx_lower.h"

/* ---- convolutions ------------------------------------------------------------------ */

typedef struct conv_geom {
    int64_t k[2], s[2], d[2], pads[4]; /* pads: top, left, bottom, right */
    bool same_upper, same_lower;       /* auto_pad */
} conv_geom;

/* Reads kernel_shape, strides, dilations, pads, auto_pad (Conv, ConvTranspose,
 * AveragePool, MaxPool share these, onnx Operators.md). */
static bd_status read_geom(importer *im, conv_geom *g, const int64_t *kernel_from_weight) {
    int64_t v[8];
    int n;
    bd_status st;
    for (int k = 0; k < 2; k++) {
        g->s[k] = g->d[k] = 1;
        g->k[k] = kernel_from_weight ? kernel_from_weight[k] : 0;
    }
    memset(g->pads, 0, sizeof g->pads);
    if ((st = bd_onnx_attr_ints(im, "kernel_shape", v, 8, &n))) return st;
    if (n >= 0) {
        if (n != 2) return UNSUPPORTED("kernel_shape has %d entries (2-D only)", n);
        if (kernel_from_weight && (v[0] != g->k[0] || v[1] != g->k[1]))
            return MALFORMED("kernel_shape disagrees with the weight");
        g->k[0] = v[0];
        g->k[1] = v[1];
    }
    if ((st = bd_onnx_attr_ints(im, "strides", v, 8, &n))) return st;
    if (n >= 0 && n != 2) return UNSUPPORTED("strides has %d entries", n);
    if (n == 2) g->s[0] = v[0], g->s[1] = v[1];
    if ((st = bd_onnx_attr_ints(im, "dilations", v, 8, &n))) return st;
    if (n >= 0 && n != 2) return UNSUPPORTED("dilations has %d entries", n);
    if (n == 2) g->d[0] = v[0], g->d[1] = v[1];
    if ((st = bd_onnx_attr_ints(im, "pads", v, 8, &n))) return st;
    if (n >= 0 && n != 4) return UNSUPPORTED("pads has %d entries", n);
    if (n == 4) memcpy(g->pads, v, sizeof g->pads);
    for (int k = 0; k < 2; k++)
        if (g->k[k] < 1 || g->k[k] > 4096 || g->s[k] < 1 || g->s[k] > 4096 || g->d[k] < 1 ||
            g->d[k] > 64)
            return MALFORMED("invalid kernel %lld, stride %lld or dilation %lld",
                             (long long)g->k[k], (long long)g->s[k], (long long)g->d[k]);
    for (int k = 0; k < 4; k++)
        if (g->pads[k] < 0 || g->pads[k] > 4096)
            return UNSUPPORTED("padding %lld", (long long)g->pads[k]);
    onnx_str ap;
    if ((st = bd_onnx_attr_str(im, "auto_pad", "NOTSET", &ap))) return st;
    g->same_upper = onnx_str_eq(ap, "SAME_UPPER");
    g->same_lower = onnx_str_eq(ap, "SAME_LOWER");
    if (onnx_str_eq(ap, "VALID")) memset(g->pads, 0, sizeof g->pads);
    else if (!g->same_upper && !g->same_lower && !onnx_str_eq(ap, "NOTSET"))
        return MALFORMED("unknown auto_pad");
    return BD_OK;
}

/* Resolves SAME_UPPER / SAME_LOWER for a forward window over in_h x in_w:
 * out = ceil(in / stride), the odd pixel of padding at the end (UPPER) or at the
 * beginning (LOWER). */
static void resolve_same(conv_geom *g, int64_t in_h, int64_t in_w) {
    if (!g->same_upper && !g->same_lower) return;
    int b, a;
    const int64_t in[2] = {in_h, in_w};
    for (int k = 0; k < 2; k++) {
        bd_same_padding(in[k], (int)g->k[k], (int)g->s[k], (int)g->d[k], &b, &a);
        if (g->same_lower) {
            int t = b;
            b = a;
            a = t;
        }
        g->pads[k] = b;
        g->pads[k + 2] = a;
    }
}

static void set_conv_attr(bd_node *n, const conv_geom *g) {
    n->conv.stride_h = (int)g->s[0];
    n->conv.stride_w = (int)g->s[1];
    n->conv.dilation_h = (int)g->d[0];
    n->conv.dilation_w = (int)g->d[1];
    n->conv.pad_top = (int)g->pads[0];
    n->conv.pad_left = (int)g->pads[1];
    n->conv.pad_bottom = (int)g->pads[2];
    n->conv.pad_right = (int)g->pads[3];
    n->conv.kernel_h = (int)g->k[0];
    n->conv.kernel_w = (int)g->k[1];
}

/* The inputs of Conv and ConvTranspose: X (IR value *xv, NHWC) and the constant
 * 4-D weight W. */
static bd_status conv_inputs(importer *im, sym **x, int *xv, sym **w) {
    bd_status st;
    if ((st = bd_onnx_spatial_in(im, 0, x, xv)) || (st = bd_onnx_in(im, 1, w))) return st;
    if (!(*w)->is_const || (*w)->rank != 4)
        return UNSUPPORTED("the weight must be a constant 4-D tensor");
    return BD_OK;
}

/* Output 0 (ONNX dims od = [N, O, OH, OW], held NHWC) = op(xv, weight wv, bias
 * input 2) with geometry g; the kernel size comes from the weight. */
static bd_status add_conv(importer *im, bd_op_type op, const conv_geom *g, int xv, int wv,
                          const int64_t *od, int depth_multiplier) {
    sym *out;
    bd_status st;
    int bv = bd_onnx_bias_in(im, 2, od[1], 1.0f);
    if (bv < 0) return bv;
    if ((st = bd_onnx_out(im, 0, &out)) || (st = bd_onnx_new_ir(im, out, 4, od, NHWC_PERM, "")))
        return st;
    bd_node n = bd_onnx_node3(im, op, xv, wv, bv, out->v);
    set_conv_attr(&n, g);
    n.conv.kernel_h = n.conv.kernel_w = 0; /* convolutions take the kernel from the weight */
    n.conv.depth_multiplier = depth_multiplier;
    return bd_onnx_add_node(im, &n);
}

/* Conv (opset 1, 11: same attributes). X [N,C,H,W], W [O, C/group, KH, KW], B [O]. */
static bd_status op_conv(importer *im) {
    sym *x, *w;
    int xv;
    bd_status st;
    if ((st = conv_inputs(im, &x, &xv, &w))) return st;
    int64_t group, o = w->dims[0], cg = w->dims[1], c = x->dims[1];
    conv_geom g;
    if ((st = bd_onnx_attr_int(im, "group", 1, &group)) || (st = read_geom(im, &g, &w->dims[2])))
        return st;
    /* group <= c first: cg * group of a hostile group would overflow (fuzz crasher) */
    if (group < 1 || group > c || cg * group != c || o % group != 0)
        return MALFORMED("group %lld: weight [%lld,%lld,..] does not fit %lld input channels",
                         (long long)group, (long long)o, (long long)cg, (long long)c);
    resolve_same(&g, x->dims[2], x->dims[3]);
    int64_t oh, ow;
    if (!bd_conv_out_size(x->dims[2], (int)g.k[0], (int)g.s[0], (int)g.d[0], (int)g.pads[0],
                          (int)g.pads[2], &oh) ||
        !bd_conv_out_size(x->dims[3], (int)g.k[1], (int)g.s[1], (int)g.d[1], (int)g.pads[1],
                          (int)g.pads[3], &ow))
        return MALFORMED("the window does not fit the input");
    bool dw = group == c && cg == 1 && group > 1;
    int64_t kh = g.k[0], kw = g.k[1];
    char name[160], base[128];
    onnx_str_print(w->name, base, sizeof base);
    snprintf(name, sizeof name, "%s", base);
    float *wd = NULL;
    int wv;
    if (dw) { /* [C*M, 1, KH, KW] -> [1, KH, KW, C*M] */
        int64_t d[4] = {1, kh, kw, o};
        if ((wv = bd_onnx_new_const(im, name, 4, d, &wd)) < 0) return wv;
        for (int64_t oc = 0; oc < o; oc++)
            for (int64_t y = 0; y < kh; y++)
                for (int64_t z = 0; z < kw; z++)
                    wd[(y * kw + z) * o + oc] = w->f ? w->f[(oc * kh + y) * kw + z]
                                                     : (float)w->i[(oc * kh + y) * kw + z];
    } else { /* OIHW -> OHWI; a grouped conv becomes block-diagonal dense weights */
        int64_t d[4] = {o, kh, kw, c};
        if ((wv = bd_onnx_new_const(im, name, 4, d, &wd)) < 0) return wv;
        int64_t og = o / group;
        for (int64_t oc = 0; oc < o; oc++) {
            int64_t c0 = (oc / og) * cg;
            for (int64_t ic = 0; ic < cg; ic++)
                for (int64_t y = 0; y < kh; y++)
                    for (int64_t z = 0; z < kw; z++)
                        wd[((oc * kh + y) * kw + z) * c + c0 + ic] =
                            (float)cval(w, (size_t)(((oc * cg + ic) * kh + y) * kw + z));
        }
    }
    int64_t od[4] = {x->dims[0], o, oh, ow};
    return add_conv(im, dw ? BD_OP_DWCONV2D : BD_OP_CONV2D, &g, xv, wv, od, dw ? (int)(o / c) : 1);
}

/* ConvTranspose: X [N,C,H,W], W [C, O/group, KH, KW]. Output size per axis:
 *   out = stride*(in-1) + output_padding + (k-1)*dilation + 1 - pad_begin - pad_end
 * With output_shape given the pads are derived (Operators.md, ConvTranspose):
 *   total = stride*(in-1) + output_padding + (k-1)*dilation + 1 - output_shape,
 *   SAME_UPPER: begin = total/2; otherwise begin = total - total/2; end = the rest. */
static bd_status op_conv_transpose(importer *im) {
    sym *x, *w;
    int xv;
    bd_status st;
    if ((st = conv_inputs(im, &x, &xv, &w))) return st;
    int64_t group, c = x->dims[1], og = w->dims[1], kh = w->dims[2], kw = w->dims[3];
    conv_geom g;
    int64_t outpad[2] = {0, 0}, oshape[4];
    int n_op, n_os;
    if ((st = bd_onnx_attr_int(im, "group", 1, &group)) || (st = read_geom(im, &g, &w->dims[2])) ||
        (st = bd_onnx_attr_ints(im, "output_padding", outpad, 2, &n_op)) ||
        (st = bd_onnx_attr_ints(im, "output_shape", oshape, 4, &n_os)))
        return st;
    if (group < 1 || c % group != 0 || og > ((int64_t)1 << 20) / group)
        return MALFORMED("group %lld does not divide %lld input channels", (long long)group,
                         (long long)c);
    int64_t o = og * group, cg = c / group;
    if (w->dims[0] != c)
        return MALFORMED("weight has %lld input channels, the input %lld", (long long)w->dims[0],
                         (long long)c);
    if (g.d[0] != 1 || g.d[1] != 1) return UNSUPPORTED("dilations other than 1");
    if (n_op < 0) outpad[0] = outpad[1] = 0;
    else if (n_op != 2) return MALFORMED("output_padding has %d entries", n_op);
    int64_t full[2], in[2] = {x->dims[2], x->dims[3]}, odims[2];
    for (int k = 0; k < 2; k++) {
        if (outpad[k] < 0 || outpad[k] >= 4096) return MALFORMED("invalid output_padding");
        full[k] = g.s[k] * (in[k] - 1) + outpad[k] + g.k[k];
    }
    bool derive = n_os >= 0 || g.same_upper || g.same_lower;
    for (int k = 0; k < 2; k++) {
        if (derive) {
            int64_t want = n_os == 2 ? oshape[k] : n_os == 4 ? oshape[k + 2] : in[k] * g.s[k];
            if (n_os >= 0 && n_os != 2 && n_os != 4)
                return MALFORMED("output_shape has %d entries", n_os);
            int64_t total = full[k] - want;
            if (total < 0 || total > 8192)
                return UNSUPPORTED("output_shape %lld needs padding %lld", (long long)want,
                                   (long long)total);
            g.pads[k] = g.same_upper ? total / 2 : total - total / 2;
            g.pads[k + 2] = total - g.pads[k];
        }
        odims[k] = full[k] - g.pads[k] - g.pads[k + 2];
        /* Our TCONV2D computes stride*(in-1) + k - pad_begin - pad_end; fold the
         * output_padding into a smaller end padding. */
        g.pads[k + 2] -= outpad[k];
        if (g.pads[k + 2] < 0)
            return UNSUPPORTED("output_padding beyond the end padding (extra output rows)");
        if (odims[k] < 1) return MALFORMED("empty output");
    }
    float *wd = NULL;
    int wv;
    char name[160];
    /* [C, O/group, KH, KW] -> [O, KH, KW, C]; with groups, output channel oc of
     * group oc / og reads only input channels of that group (block-diagonal,
     * zeros elsewhere: bd_onnx_new_const zero-fills). */
    int64_t d[4] = {o, kh, kw, c};
    onnx_str_print(w->name, name, sizeof name);
    if ((wv = bd_onnx_new_const(im, name, 4, d, &wd)) < 0) return wv;
    for (int64_t oc = 0; oc < o; oc++) {
        int64_t gi = oc / og, ocl = oc % og;
        for (int64_t y = 0; y < kh; y++)
            for (int64_t z = 0; z < kw; z++)
                for (int64_t ic = gi * cg; ic < (gi + 1) * cg; ic++)
                    wd[((oc * kh + y) * kw + z) * c + ic] =
                        (float)cval(w, (size_t)(((ic * og + ocl) * kh + y) * kw + z));
    }
    int64_t od[4] = {x->dims[0], o, odims[0], odims[1]};
    return add_conv(im, BD_OP_TCONV2D, &g, xv, wv, od, 1);
}

/* ---- pooling and reductions -------------------------------------------------------- */

/* The mean over H and W of NCHW input xv into output 0 (keepdims). */
static bd_status mean_hw(importer *im, sym *x, int xv, bool keepdims) {
    sym *out, *tmp;
    bd_status st;
    int64_t od[4] = {x->dims[0], x->dims[1], 1, 1};
    if (keepdims) {
        if ((st = bd_onnx_out(im, 0, &out))) return st;
        tmp = out;
    } else {
        if (!(tmp = bd_onnx_new_sym(im)))
            return bd_err_set(im->err, BD_ERR_LIMIT, "too many values");
        tmp->name = im->node->outputs[0];
    }
    if ((st = bd_onnx_new_ir(im, tmp, 4, od, NHWC_PERM, keepdims ? "" : "/keepdims"))) return st;
    bd_node n = bd_onnx_node1(im, BD_OP_MEAN_HW, xv, tmp->v);
    if ((st = bd_onnx_add_node(im, &n)) || keepdims) return st;
    if ((st = bd_onnx_out(im, 0, &out))) return st;
    return bd_onnx_reshape_to(im, tmp, out, 2, od);
}

/* AveragePool / MaxPool (opset 7..22). count_include_pad = 0 (the default)
 * divides by the taps inside the input, as our AVGPOOL2D does; ceil_mode
 * (opset 10+) is accepted when it gives the same size as floor. */
static bd_status op_pool(importer *im) {
    sym *x, *out;
    int xv;
    bd_status st;
    bool is_max = onnx_str_eq(im->node->op_type, "MaxPool");
    int64_t cip = 0, ceil_mode = 0;
    conv_geom g;
    if ((st = bd_onnx_spatial_in(im, 0, &x, &xv)) || (st = read_geom(im, &g, NULL)) ||
        (st = bd_onnx_attr_int(im, "count_include_pad", 0, &cip)) ||
        (st = bd_onnx_attr_int(im, "ceil_mode", 0, &ceil_mode)))
        return st;
    if (im->node->n_outputs > 1 && im->node->outputs[1].len)
        return UNSUPPORTED("the Indices output of MaxPool");
    if (g.d[0] != 1 || g.d[1] != 1) return UNSUPPORTED("dilations other than 1");
    resolve_same(&g, x->dims[2], x->dims[3]);
    if (ceil_mode) {
        /* ceil instead of floor: the last window hangs over the end; it is dropped
         * if it would start in the end padding (ONNX Runtime and PyTorch). Extra
         * end padding makes the floor rule give that size; the pools skip padded
         * taps, so the average is over the valid ones (count_include_pad = 0). */
        for (int a = 0; a < 2; a++) {
            int64_t in = x->dims[2 + a], span = in + g.pads[a] + g.pads[a + 2] - g.k[a];
            if (span < 0) return MALFORMED("the window does not fit the input");
            int64_t o = (span + g.s[a] - 1) / g.s[a] + 1;
            if ((o - 1) * g.s[a] >= in + g.pads[a]) o--;
            int64_t extra = (o - 1) * g.s[a] + g.k[a] - (in + g.pads[a] + g.pads[a + 2]);
            if (extra > 0) g.pads[a + 2] += extra;
        }
    }
    bool padded = g.pads[0] || g.pads[1] || g.pads[2] || g.pads[3];
    if (!is_max && cip && padded) return UNSUPPORTED("count_include_pad = 1 with padding");
    int64_t oh, ow;
    if (!bd_conv_out_size(x->dims[2], (int)g.k[0], (int)g.s[0], 1, (int)g.pads[0],
                          (int)g.pads[2], &oh) ||
        !bd_conv_out_size(x->dims[3], (int)g.k[1], (int)g.s[1], 1, (int)g.pads[1],
                          (int)g.pads[3], &ow))
        return MALFORMED("the window does not fit the input");
    /* A window covering the whole unpadded plane is a global mean. */
    if (!is_max && !padded && g.k[0] == x->dims[2] && g.k[1] == x->dims[3])
        return mean_hw(im, x, xv, true);
    int64_t od[4] = {x->dims[0], x->dims[1], oh, ow};
    if ((st = bd_onnx_out(im, 0, &out)) || (st = bd_onnx_new_ir(im, out, 4, od, NHWC_PERM, "")))
        return st;
    bd_node n = bd_onnx_node1(im, is_max ? BD_OP_MAXPOOL2D : BD_OP_AVGPOOL2D, xv, out->v);
    set_conv_attr(&n, &g);
    return bd_onnx_add_node(im, &n);
}

static bd_status op_global_avg_pool(importer *im) {
    sym *x;
    int xv;
    bd_status st = bd_onnx_spatial_in(im, 0, &x, &xv);
    return st ? st : mean_hw(im, x, xv, true);
}

/* ReduceMean over the channels of a value held in ONNX order (NCHW; RVM's refiner
 * takes the channel mean of the full-size source frame): its memory read as an
 * NHWC tensor [N, C, H, W] is C rows of W-channel pixels per image, so a
 * depthwise C x 1 convolution with weights 1/C gives the mean plane with every
 * vector full (W wide) and no transpose of the input. */
#define MEAN_PLANES_MAX_C 64
static bd_status mean_planes(importer *im, sym *x) {
    static const int ident[4] = {0, 1, 2, 3};
    sym *out;
    int xv;
    bd_status st;
    if ((st = bd_onnx_layout(im, x, ident, &xv))) return st;
    const int64_t n0 = x->dims[0], c = x->dims[1], h = x->dims[2], w = x->dims[3];
    /* [N, C, H, W] in memory is NHWC [N, C*H, 1, W]: one pixel of W channels per
     * row of a plane. A C x 1 depthwise kernel with dilation H then sums row y of
     * every plane into output row y, so the conv has H output rows to share among
     * threads (a C x 1 kernel over [N, C, H, W] read as [N, H=C, W=H, C=W] had one). */
    int64_t wd4[4] = {1, c, 1, w}, bd1[1] = {w}, od[4] = {n0, 1, h, w};
    const int64_t din[4] = {n0, c * h, 1, w}, dmid[4] = {n0, h, 1, w};
    char name[160], base[128];
    onnx_str_print(im->node->outputs[0], base, sizeof base);
    float *wd = NULL, *bd = NULL;
    snprintf(name, sizeof name, "%s/mean_planes_w", base);
    int wv = bd_onnx_new_const(im, name, 4, wd4, &wd);
    if (wv < 0) return wv;
    snprintf(name, sizeof name, "%s/mean_planes_b", base);
    int bv = bd_onnx_new_const(im, name, 1, bd1, &bd); /* zeros */
    if (bv < 0) return bv;
    for (int64_t k = 0; k < c * w; k++) wd[k] = 1.0f / (float)c;
    snprintf(name, sizeof name, "%s/mean_planes_rows", base);
    int iv = bd_graph_add_value(im->g, name, BD_DTYPE_F32, 4, din, im->err);
    if (iv < 0) return iv;
    snprintf(name, sizeof name, "%s/mean_planes_out", base);
    int ov = bd_graph_add_value(im->g, name, BD_DTYPE_F32, 4, dmid, im->err);
    if (ov < 0) return ov;
    if ((st = bd_onnx_out(im, 0, &out)) || (st = bd_onnx_new_ir(im, out, 4, od, ident, "")))
        return st;
    bd_node r = bd_onnx_node1(im, BD_OP_RESHAPE, xv, iv);
    if ((st = bd_onnx_add_node(im, &r))) return st;
    bd_node n = bd_onnx_node3(im, BD_OP_DWCONV2D, iv, wv, bv, ov);
    n.conv.depth_multiplier = 1;
    n.conv.dilation_h = (int)h;
    if ((st = bd_onnx_add_node(im, &n))) return st;
    bd_node back = bd_onnx_node1(im, BD_OP_RESHAPE, ov, out->v);
    return bd_onnx_add_node(im, &back);
}

/* ReduceMean over the channels of an NCHW tensor, keepdims (RVM's refiner: the
 * frame's grey level): over planes (above) when the value is held NCHW, else a
 * 1x1 convolution to one channel with weights 1/C, on the convolution kernels. */
static bd_status mean_channels(importer *im) {
    static const int ident[4] = {0, 1, 2, 3};
    sym *x;
    int xv;
    bd_status st;
    if ((st = bd_onnx_in(im, 0, &x))) return st;
    if (!x->is_const && x->rank == 4 && bd_onnx_perm_eq(x->perm, ident, 4) && x->dims[1] >= 1 &&
        x->dims[1] <= MEAN_PLANES_MAX_C && x->dims[3] >= 1 && x->dims[3] <= BD_MAX_INPUT_SIDE &&
        x->dims[2] >= 1 && x->dims[2] <= BD_MAX_INPUT_SIDE)
        return mean_planes(im, x);
    if ((st = bd_onnx_spatial_in(im, 0, &x, &xv))) return st;
    int64_t c = x->dims[1], d[4] = {1, 1, 1, c};
    char name[160], base[128];
    snprintf(name, sizeof name, "%s/mean_c", onnx_str_print(im->node->outputs[0], base, sizeof base));
    float *wd = NULL;
    int wv = bd_onnx_new_const(im, name, 4, d, &wd);
    if (wv < 0) return wv;
    for (int64_t k = 0; k < c; k++) wd[k] = 1.0f / (float)c;
    conv_geom g;
    memset(&g, 0, sizeof g);
    g.k[0] = g.k[1] = g.s[0] = g.s[1] = g.d[0] = g.d[1] = 1;
    int64_t od[4] = {x->dims[0], 1, x->dims[2], x->dims[3]};
    return add_conv(im, BD_OP_CONV2D, &g, xv, wv, od, 1);
}

/* ReduceMean over the spatial axes {2,3} of an NCHW tensor (axes: attribute
 * before opset 18, input 1 from 18; keepdims default 1). */
static bd_status op_reduce_mean(importer *im) {
    sym *x;
    int xv, n_axes;
    int64_t axes[MAXR], keep;
    bd_status st;
    if ((st = bd_onnx_in(im, 0, &x)) || (st = bd_onnx_attr_int(im, "keepdims", 1, &keep)))
        return st;
    if (im->opset >= 18) {
        size_t n = 0;
        n_axes = -1;
        if (bd_onnx_has_in(im, 1)) {
            if ((st = bd_onnx_const_ints(im, 1, axes, MAXR, &n))) return st;
            n_axes = (int)n;
        }
    } else if ((st = bd_onnx_attr_ints(im, "axes", axes, MAXR, &n_axes))) {
        return st;
    }
    if (x->rank == 4 && n_axes == 1 && (axes[0] == 1 || axes[0] == -3) && keep)
        return mean_channels(im);
    bool hw = x->rank == 4 && n_axes == 2;
    for (int k = 0; hw && k < 2; k++) {
        int64_t a = axes[k] < 0 ? axes[k] + 4 : axes[k];
        hw = a == 2 || a == 3;
    }
    if (!hw || axes[0] == axes[1])
        return UNSUPPORTED("ReduceMean is supported over the spatial axes {2,3} of a 4-D "
                           "tensor only");
    if ((st = bd_onnx_spatial_in(im, 0, &x, &xv))) return st;
    return mean_hw(im, x, xv, keep != 0);
}

/* ---- table ------------------------------------------------------------------------- */

const onnx_op_entry bd_onnx_conv_ops[] = {
    {"Conv", op_conv, 1}, {"ConvTranspose", op_conv_transpose, 1},
    {"AveragePool", op_pool, 7}, {"MaxPool", op_pool, 1},
    {"GlobalAveragePool", op_global_avg_pool, 1}, {"ReduceMean", op_reduce_mean, 1},
    {NULL, NULL, 0},
};
