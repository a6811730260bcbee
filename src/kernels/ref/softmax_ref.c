/*
 * softmax_ref.c -- reference softmax along one (strided) axis, in float with a
 * double sum: y = exp(x - max) / sum(exp(x - max)). Subtracting the maximum keeps
 * every exp in (0, 1], so nothing overflows; a row of -inf gives NaN (0/0), as
 * the formula does.
 */
#include "kernels/kernels.h"

void bd_f32_softmax_ref(const float *x, float *y, size_t outer, size_t n, size_t inner) {
    for (size_t o = 0; o < outer; o++) {
        const float *xo = x + o * n * inner;
        float *yo = y + o * n * inner;
        for (size_t j = 0; j < inner; j++) {
            float m = xo[j];
            for (size_t i = 1; i < n; i++) m = xo[i * inner + j] > m ? xo[i * inner + j] : m;
            double sum = 0.0;
            for (size_t i = 0; i < n; i++) {
                float e = expf(xo[i * inner + j] - m);
                yo[i * inner + j] = e;
                sum += e;
            }
            float r = (float)(1.0 / sum);
            for (size_t i = 0; i < n; i++) yo[i * inner + j] *= r;
        }
    }
}
