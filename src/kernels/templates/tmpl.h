/*
 * tmpl.h -- naming and small helpers for the kernel templates in this directory.
 *
 * A template (`*.inc`) is a kernel family written once against the vector
 * vocabulary (bdv_*, BDV_LANES, BDV_ISA) of kernels/x86_ISA/simd_ISA.h. A per-ISA,
 * per-weight-type file in the ISA's directory includes that ISA's vocabulary,
 * sets the template's parameters (register blocking, weight type) and includes
 * the template, so the code is compiled with that directory's flags only
 * (STYLE.md section 6: one ISA per file). Templates are not compiled on their own.
 */
#ifndef BD_KERNELS_TMPL_H
#define BD_KERNELS_TMPL_H

#include "kernels/scalar/pack_blocked.h"

#define BD_TMPL_CAT3_(a, b, c) a##_##b##_##c
#define BD_TMPL_CAT3(a, b, c) BD_TMPL_CAT3_(a, b, c)
/* bd_<dtype>_<name>_<isa>, e.g. BD_TMPL_FN(bd_f16, conv2d) -> bd_f16_conv2d_avx512 */
#define BD_TMPL_FN(prefix, name) BD_TMPL_CAT3(prefix, name, BDV_ISA)

/* Runs a BD_ACT_TANH epilogue as NONE, then tanh over the rows [y0, y1) written
 * (keeps libm calls out of the vector loops); returns from the caller. */
#define BD_TMPL_TANH_AS_NONE(fn, p, in, packed, residual, out, y0, y1)                          \
    do {                                                                                       \
        if ((p)->act.act == BD_ACT_TANH) {                                                     \
            bd_conv_params q_ = *(p);                                                          \
            q_.act.act = BD_ACT_NONE;                                                          \
            fn(&q_, in, packed, residual, out, y0, y1);                                        \
            const size_t row_ = (size_t)(p)->out_w * (p)->out_c;                               \
            bd_tanh_inplace((out) + (size_t)(y0) * row_, (size_t)((y1) - (y0)) * row_);        \
            return;                                                                            \
        }                                                                                      \
    } while (0)

#endif
