/*
 * peak.c -- bd_measure_peak_gmacs: times the FMA loop of the chosen ISA level
 * (the kernel table's peak_fma, picked by the dispatcher like every kernel).
 * Best of 5 timings of ~10 ms each, so a descheduled slice does not count.
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

bd_status bd_measure_peak_gmacs(bd_isa isa, double *gmacs) {
    if (!gmacs) return BD_ERR_INVALID_ARG;
    isa = bd_isa_resolve(isa);
    bd_kernels k;
    bd_kernels_init(&k, isa);
    float (*fn)(int64_t) = k.peak_fma;
    const double lanes = k.peak_macs_per_iter;
    const int64_t iters = 200000;
    volatile float sink = fn(iters / 10); /* warm up the clock and the vector unit */
    double best = 1e30;
    for (int r = 0; r < 5; r++) {
        double t0 = seconds();
        sink = fn(iters);
        double t = seconds() - t0;
        if (t < best) best = t;
    }
    (void)sink;
    *gmacs = (double)iters * lanes / best * 1e-9;
    return BD_OK;
}
