/*
 * peak_avx512.c -- 16 independent chains of 512-bit FMAs: enough to fill two FMA
 * ports with a 4-cycle latency, so the loop runs at the core's peak.
 */
#include <immintrin.h>

#include "kernels/peak.h"

float bd_peak_fma_avx512(int64_t iters) {
    __m512 acc[16];
    const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < 16; i++) acc[i] = _mm512_set1_ps((float)i);
    for (int64_t k = 0; k < iters; k++)
        for (int i = 0; i < 16; i++) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
    __m512 sum = acc[0];
    for (int i = 1; i < 16; i++) sum = _mm512_add_ps(sum, acc[i]);
    return _mm512_reduce_add_ps(sum);
}
