/*
 * conv_geom.h -- tap geometry shared by the convolution drivers of every level
 * (scalar, AVX2, AVX-512, fp32 and fp16 weights): which kernel taps of an
 * output pixel land inside the input, and the span of output columns that see
 * all of them. Plain integer arithmetic, no ISA code.
 */
#ifndef BD_KERNELS_CONV_GEOM_H
#define BD_KERNELS_CONV_GEOM_H

#include "kernels/kernels.h"

/* [lo, hi) of the taps k in [0, n) with 0 <= base + k*step < size. */
static inline void bd_tap_range(int base, int step, int n, int size, int *lo, int *hi) {
    int l = 0, h = n;
    while (l < n && base + l * step < 0) l++;
    while (h > l && base + (h - 1) * step >= size) h--;
    *lo = l;
    *hi = h;
}

/* Output columns [*xa, *xb) whose every kx tap is inside the input row (the
 * interior the drivers run in full tiles); the columns outside it are border
 * pixels with a cut tap range. *xa == *xb == out_w when there is no interior. */
static inline void bd_conv_full_columns(const bd_conv_params *p, int *xa, int *xb) {
    const int sw = p->stride_w, pl = p->pad_left;
    int a = 0, b;
    while (a < p->out_w) {
        int lo, hi;
        bd_tap_range(a * sw - pl, p->dil_w, p->k_w, p->in_w, &lo, &hi);
        if (lo == 0 && hi == p->k_w) break;
        a++;
    }
    b = a;
    while (b < p->out_w) {
        int lo, hi;
        bd_tap_range(b * sw - pl, p->dil_w, p->k_w, p->in_w, &lo, &hi);
        if (!(lo == 0 && hi == p->k_w)) break;
        b++;
    }
    *xa = a;
    *xb = b;
}

#endif
