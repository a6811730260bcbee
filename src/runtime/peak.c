/*
 * peak.c -- the machine's peak multiply-add rates: times the throughput loop of
 * the chosen ISA level (the kernel table's peak_fma, picked by the dispatcher
 * like every kernel) or of a reduced precision's dot-product instruction
 * (peak_bf16, peak_int8: set only where the CPU has it). Best of 5 timings, so
 * a descheduled slice does not count.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <time.h>

#include "kernels/kernels.h"
#include "runtime/runtime.h"

static double seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

bd_status bd_peak_rate(const bd_kernels *k, bd_precision precision, int64_t iters,
                       double *gmacs) {
    float (*fn)(int64_t) = k->peak_fma;
    double macs = k->peak_macs_per_iter;
    if (precision == BD_PRECISION_BF16) {
        fn = k->peak_bf16;
        macs = k->peak_bf16_macs_per_iter;
    } else if (precision == BD_PRECISION_INT8) {
        fn = k->peak_int8;
        macs = k->peak_int8_macs_per_iter;
    }
    *gmacs = 0.0;
    if (!fn) return BD_ERR_UNSUPPORTED;
    volatile float sink = fn(iters / 10); /* warm up the clock and the vector unit */
    double best = 1e30;
    for (int r = 0; r < 5; r++) {
        double t0 = seconds();
        sink = fn(iters);
        double t = seconds() - t0;
        if (t < best) best = t;
    }
    (void)sink;
    *gmacs = best > 0 ? (double)iters * macs / best * 1e-9 : 0.0;
    return BD_OK;
}

bd_status bd_measure_peak_gmacs_precision(bd_isa isa, bd_precision precision,
                                          double *gmacs) {
    if (!gmacs) return BD_ERR_INVALID_ARG;
    *gmacs = 0.0;
    if (precision != BD_PRECISION_FP32 && precision != BD_PRECISION_FP16 &&
        precision != BD_PRECISION_BF16 && precision != BD_PRECISION_INT8)
        return BD_ERR_INVALID_ARG;
    bd_kernels k;
    bd_kernels_init(&k, bd_isa_resolve(isa));
    return bd_peak_rate(&k, precision, 200000, gmacs);
}

bd_status bd_measure_peak_gmacs(bd_isa isa, double *gmacs) {
    return bd_measure_peak_gmacs_precision(isa, BD_PRECISION_FP32, gmacs);
}
