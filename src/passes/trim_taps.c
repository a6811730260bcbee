/*
 * trim_taps.c -- drops convolution taps that never touch the input.
 *
 * DeepLabV3's ASPP runs 3x3 convolutions with dilation 12, 24 and 36 (padding
 * equal to the dilation) on a feature map of 16x16 or smaller: with dilation 24
 * the outer taps of every output pixel fall in the zero padding, so the conv is
 * in fact a 1x1 conv on the centre tap. Computing the padded taps costs nothing
 * in the result but forces the kernels onto their border path.
 *
 * Along one axis (input size n, output size m, kernel k, stride s, dilation d,
 * padding p), tap t reads input positions o*s - p + t*d for o in [0, m). If no
 * such position is inside [0, n) for the taps t < lo and t >= hi, the kernel
 * becomes taps [lo, hi) with padding p - lo*d before and p_end - (k - hi)*d
 * after; the output size (n + p + p_end - d*(k-1) - 1)/s + 1 is unchanged, and
 * every output sums the same non-zero products (in the reference's order, minus
 * the zero terms). A side is trimmed only if its new padding stays >= 0. With one
 * tap left the dilation of that axis becomes 1.
 *
 * Dense CONV2D with f32 weights [oc, kh, kw, ic] only; runs before fusion.
 */
#include <string.h>

#include "passes/passes.h"

/* [lo, hi): the taps of one axis that read some input position. */
static void used_taps(int n, int m, int k, int s, int d, int pad, int *lo, int *hi) {
    *lo = k;
    *hi = 0;
    for (int t = 0; t < k; t++) {
        bool used = false;
        for (int o = 0; o < m && !used; o++) {
            int64_t i = (int64_t)o * s - pad + (int64_t)t * d;
            used = i >= 0 && i < n;
        }
        if (used) {
            if (t < *lo) *lo = t;
            *hi = t + 1;
        }
    }
    if (*lo >= *hi) { /* no tap reads anything: keep one (outputs are bias only) */
        *lo = 0;
        *hi = 1;
    }
}

/* Trims one axis: returns false (and leaves everything) if a padding would go
 * negative. */
static bool trim_axis(int k, int d, int lo, int hi, int *pad0, int *pad1) {
    int p0 = *pad0 - lo * d, p1 = *pad1 - (k - hi) * d;
    if (p0 < 0 || p1 < 0) return false;
    *pad0 = p0;
    *pad1 = p1;
    return true;
}

bd_status bd_pass_trim_conv_taps(bd_graph *g, bd_err *err) {
    bool changed = false;
    for (int i = 0; i < g->n_nodes; i++) {
        bd_node *n = &g->nodes[i];
        if (n->op != BD_OP_CONV2D) continue;
        const bd_value *in = &g->values[n->inputs[0]], *out = &g->values[n->output];
        const bd_value *w = &g->values[n->inputs[1]];
        if (w->dtype != BD_DTYPE_F32 || !w->data || w->n_dims != 4) continue;
        const int kh = (int)w->dims[1], kw = (int)w->dims[2];
        int ylo, yhi, xlo, xhi;
        bd_conv_attr c = n->conv;
        used_taps((int)in->dims[1], (int)out->dims[1], kh, c.stride_h, c.dilation_h, c.pad_top,
                  &ylo, &yhi);
        used_taps((int)in->dims[2], (int)out->dims[2], kw, c.stride_w, c.dilation_w, c.pad_left,
                  &xlo, &xhi);
        if (!trim_axis(kh, c.dilation_h, ylo, yhi, &c.pad_top, &c.pad_bottom)) ylo = 0, yhi = kh;
        if (!trim_axis(kw, c.dilation_w, xlo, xhi, &c.pad_left, &c.pad_right)) xlo = 0, xhi = kw;
        if (yhi - ylo == kh && xhi - xlo == kw) continue;
        /* A new weight value (the old one may be shared); only indices after this. */
        int64_t dims[4] = {w->dims[0], yhi - ylo, xhi - xlo, w->dims[3]};
        int wi = n->inputs[1];
        int nw = bd_graph_add_value(g, "trimmed_weight", BD_DTYPE_F32, 4, dims, err);
        if (nw < 0) return nw;
        bd_value *nwv = &g->values[nw];
        const bd_value *ow = &g->values[wi];
        float *dst = bd_aligned_alloc(nwv->n_bytes);
        if (!dst) return bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory");
        const float *src = ow->data;
        const size_t ic = (size_t)dims[3], row = (size_t)(xhi - xlo) * ic;
        float *q = dst;
        for (int64_t o = 0; o < dims[0]; o++)
            for (int ky = ylo; ky < yhi; ky++, q += row)
                memcpy(q, src + (((size_t)o * kh + ky) * kw + xlo) * ic, row * sizeof(float));
        nwv->data = dst;
        nwv->is_const = true;
        n = &g->nodes[i];
        if (yhi - ylo == 1) c.dilation_h = 1;
        if (xhi - xlo == 1) c.dilation_w = 1;
        n->conv = c;
        n->inputs[1] = nw;
        changed = true;
    }
    if (!changed) return BD_OK;
    bd_graph_analyse(g);
    return bd_graph_compact(g, err);
}
