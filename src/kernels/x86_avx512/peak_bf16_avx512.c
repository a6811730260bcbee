/*
 * peak_bf16_avx512.c -- the vdpbf16ps throughput loop (kernels/peak.h): 16
 * independent chains, each instruction 16 lanes x 2 bf16 products. Compiled with
 * -mavx512bf16 (CMakeLists.txt, beside conv_bf16_avx512.c) and installed by
 * bd_kernels_init_avx512_bf16 only when the CPU has AVX512_BF16. Its rate against
 * the FMA loop's is what BD_PRECISION_AUTO decides on: some CPUs issue vdpbf16ps
 * at the FMA's rate (2x the multiply-adds), others at a quarter of it.
 */
#include <immintrin.h>

#include "kernels/peak.h"

float bd_peak_bf16_avx512(int64_t iters) {
    __m512 acc[16];
    /* bf16 1/1024 in every half: each instruction adds 2^-19 per lane */
    const __m512bh a = (__m512bh)_mm512_set1_epi16(0x3a80), b = a;
    for (int i = 0; i < 16; i++) acc[i] = _mm512_set1_ps((float)i);
    for (int64_t k = 0; k < iters; k++)
        for (int i = 0; i < 16; i++) acc[i] = _mm512_dpbf16_ps(acc[i], a, b);
    __m512 sum = acc[0];
    for (int i = 1; i < 16; i++) sum = _mm512_add_ps(sum, acc[i]);
    return _mm512_reduce_add_ps(sum);
}
