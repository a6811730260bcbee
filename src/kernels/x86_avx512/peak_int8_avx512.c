/*
 * peak_int8_avx512.c -- the vpdpbusd throughput loop (kernels/peak.h): 16
 * independent chains, each instruction 16 lanes x 4 u8 x s8 products. Compiled
 * with -mavx512vnni (CMakeLists.txt, beside conv_int8_avx512.c) and installed by
 * bd_kernels_init_avx512_int8 only when the CPU has AVX512_VNNI.
 */
#include <immintrin.h>

#include "kernels/peak.h"

float bd_peak_int8_avx512(int64_t iters) {
    __m512i acc[16];
    const __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
    for (int i = 0; i < 16; i++) acc[i] = _mm512_set1_epi32(i);
    for (int64_t k = 0; k < iters; k++)
        for (int i = 0; i < 16; i++) acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
    __m512i sum = acc[0];
    for (int i = 1; i < 16; i++) sum = _mm512_add_epi32(sum, acc[i]);
    return (float)_mm512_reduce_add_epi32(sum);
}
