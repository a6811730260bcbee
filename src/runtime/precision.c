/*
 * precision.c -- BD_PRECISION_AUTO: which precision this CPU runs fastest within
 * the accuracy budget (docs/NOTES.md, "BF16").
 *
 * BF16 keeps fp32's range and an 8-bit mantissa, and its error against fp32 is
 * inside the budget on every model measured (selfie, MODNet, RVM with its state
 * carried; tests/models/test_bf16.c), so AUTO may pick it for any model. Whether
 * it is faster depends on the core, not on the flag: a Zen 4 issues vdpbf16ps at
 * the FMA's rate (2x the multiply-adds), the Xeon measured on 2026-12-04 at a
 * quarter of it (0.4x, so bf16 ran slower than fp32). So AUTO times both loops
 * (~1 ms) and takes BF16 when it does >= 1.5x the FMA's multiply-adds: the
 * conversion of each op's input and the fp32 ops around the convolutions eat
 * part of the 2x, and below 1.5x the end-to-end gain measured was nil.
 * INT8 is never chosen: its per-tensor activation ranges are taken per frame
 * with no calibration, and its accuracy rule (model.c, int8_rule) is checked
 * on the models of the suite only; it stays opt-in.
 */
#include <stdio.h>

#include "runtime/runtime.h"

#define AUTO_ITERS 20000   /* 320k instructions a timing: ~0.1 ms */
#define AUTO_BF16_GAIN 1.5 /* bf16 MAC rate / fp32 MAC rate needed */

void bd_precision_auto(bd_model *m) {
    const bd_kernels *k = &m->kernels;
    double fma = 0.0, dot = 0.0;
    m->precision = BD_PRECISION_FP32;
    if (!k->conv2d_bf16 || !k->peak_bf16) {
        snprintf(m->precision_text, sizeof m->precision_text,
                 "auto chose fp32 (no BF16 kernels at this level: %s)",
                 k->isa < BD_ISA_AVX512 ? "the level is below avx512"
                                        : "the CPU has no AVX512_BF16");
        return;
    }
    if (bd_peak_rate(k, BD_PRECISION_FP32, AUTO_ITERS, &fma) != BD_OK ||
        bd_peak_rate(k, BD_PRECISION_BF16, AUTO_ITERS, &dot) != BD_OK || !(fma > 0.0)) {
        snprintf(m->precision_text, sizeof m->precision_text,
                 "auto chose fp32 (the peak timing failed)");
        return;
    }
    const double gain = dot / fma;
    if (gain >= AUTO_BF16_GAIN) m->precision = BD_PRECISION_BF16;
    snprintf(m->precision_text, sizeof m->precision_text,
             "auto chose %s: vdpbf16ps %.0f GMAC/s against the FMA's %.0f on this core "
             "(%.2fx; bf16 needs >= %.1fx)",
             m->precision == BD_PRECISION_BF16 ? "bf16" : "fp32", dot, fma, gain,
             AUTO_BF16_GAIN);
}
