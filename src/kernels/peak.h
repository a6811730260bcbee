/*
 * peak.h -- FMA throughput loops for measuring the machine's peak, one per ISA.
 * Each runs `iters` iterations of 16 (AVX2: 12) independent fused multiply-adds on full
 * vectors and returns a value that depends on them (so nothing is optimised away).
 */
#ifndef BD_PEAK_H
#define BD_PEAK_H

#include <stdint.h>

float bd_peak_fma_scalar(int64_t iters);  /* 16 MACs per iteration */
#define BD_PEAK_CHAINS_AVX2 12            /* 16 registers: 12 chains + 2 constants */
float bd_peak_fma_avx2(int64_t iters);    /* 12 x 8 MACs per iteration */
float bd_peak_fma_avx512(int64_t iters);  /* 16 x 16 MACs per iteration */
/* The dot-product instructions of the reduced precisions (AVX-512 only). */
float bd_peak_bf16_avx512(int64_t iters); /* 16 x 16 x 2 MACs per iteration */
float bd_peak_int8_avx512(int64_t iters); /* 16 x 16 x 4 MACs per iteration */

#endif
