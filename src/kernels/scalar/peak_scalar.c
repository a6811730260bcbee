/*
 * peak_scalar.c -- the peak-FMA loop of the scalar levels (kernels/peak.h): 16
 * independent multiply-add chains per iteration.
 */
#include "kernels/peak.h"

float bd_peak_fma_scalar(int64_t iters) {
    float acc[16];
    for (int i = 0; i < 16; i++) acc[i] = (float)i;
    for (int64_t k = 0; k < iters; k++)
        for (int i = 0; i < 16; i++) acc[i] = acc[i] * 0.999999f + 1e-7f;
    float s = 0;
    for (int i = 0; i < 16; i++) s += acc[i];
    return s;
}
