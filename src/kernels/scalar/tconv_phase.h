/*
 * tconv_phase.h -- the phase (sub-pixel) decomposition of a transposed
 * convolution, shared by the SIMD levels (plain C geometry, no kernels).
 *
 * out[o] = bias + sum over taps f with o + pad - f = i * s (0 <= i < in) of
 * in[i] * w[f]. Write o + pad = q * s + r (floor division, 0 <= r < s): the taps
 * of o are f = r + j * s (j = 0 .. n_j - 1, n_j = ceil((k - r) / s), 0 when
 * r >= k) reading input index i = q - j. So along one axis the outputs of one
 * phase r are an ordinary stride-1 correlation of the input with that phase's
 * n_j taps; outputs q and q + 1 of a phase read input pixels shifted by one.
 * The j valid for q are [max(0, q - in + 1), min(n_j, q + 1)).
 *
 * Packed layout: the blocked conv2d layout of pack_blocked.h, reused as is
 * (per block of up to nr output channels of padded width nb: bias[nb], then
 * w[(fy * k_w + fx) * in_c + ic][nb]).
 */
#ifndef BD_TCONV_PHASE_H
#define BD_TCONV_PHASE_H

#include "kernels/kernels.h"

/* The phase path handles every stride >= 1 and kernel size without dilation
 * (the importers reject dilated transposed convolutions; 0 counts as 1). */
static inline int bd_tconv_phase_ok(const bd_conv_params *p) {
    return p->stride_h >= 1 && p->stride_w >= 1 && p->dil_h <= 1 && p->dil_w <= 1 &&
           p->k_h >= 1 && p->k_w >= 1;
}

/* Output index o along one axis: its q and phase r, and the phase's tap count. */
typedef struct bd_tconv_axis {
    int q, r, n_j;
} bd_tconv_axis;

static inline bd_tconv_axis bd_tconv_axis_of(int o, int pad, int s, int k) {
    bd_tconv_axis a;
    int n = o + pad;
    a.q = n >= 0 ? n / s : -((-n + s - 1) / s);
    a.r = n - a.q * s;
    a.n_j = a.r < k ? (k - a.r + s - 1) / s : 0;
    return a;
}

/* The valid tap range [*ja, *jb) of index q (empty when *ja >= *jb). */
static inline void bd_tconv_taps(int q, int n_j, int in, int *ja, int *jb) {
    int a = q - in + 1, b = q + 1;
    *ja = a > 0 ? a : 0;
    *jb = b < n_j ? b : n_j;
}

#endif
