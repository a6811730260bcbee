/*
 * peak.c -- bd_measure_peak_gmacs: times the FMA loop of the chosen ISA level.
 * Best of 5 timings of ~10 ms each, so a descheduled slice does not count.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <time.h>

#include "kernels/peak.h"
#include "runtime/runtime.h"

float bd_peak_fma_scalar(int64_t iters) {
    float acc[16];
    for (int i = 0; i < 16; i++) acc[i] = (float)i;
    for (int64_t k = 0; k < iters; k++)
        for (int i = 0; i < 16; i++) acc[i] = acc[i] * 0.999999f + 1e-7f;
    float s = 0;
    for (int i = 0; i < 16; i++) s += acc[i];
    return s;
}

static double seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

bd_status bd_measure_peak_gmacs(bd_isa isa, double *gmacs) {
    if (!gmacs) return BD_ERR_INVALID_ARG;
    isa = bd_isa_resolve(isa);
    float (*fn)(int64_t) = bd_peak_fma_scalar;
    double lanes = 16;
#if defined(BD_HAVE_AVX2)
    if (isa >= BD_ISA_AVX2 && isa != BD_ISA_NEON) fn = bd_peak_fma_avx2, lanes = 16 * 8;
#endif
#if defined(BD_HAVE_AVX512)
    if (isa >= BD_ISA_AVX512 && isa != BD_ISA_NEON) fn = bd_peak_fma_avx512, lanes = 16 * 16;
#endif
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
