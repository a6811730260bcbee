/*
 * eltwise_ref.c -- reference element-wise kernels: activations, add, multiply.
 */
#include "kernels/kernels.h"

void bd_f32_unary_ref(const float *x, float *y, size_t n, const bd_act_params *p) {
    for (size_t i = 0; i < n; i++) y[i] = bd_act_apply(x[i], p);
}

void bd_f32_add_ref(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                    const bd_act_params *p) {
    for (size_t i = 0; i < n; i++) y[i] = bd_act_apply(a[i * sa] + b[i * sb], p);
}

void bd_f32_mul_ref(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                    const bd_act_params *p) {
    for (size_t i = 0; i < n; i++) y[i] = bd_act_apply(a[i * sa] * b[i * sb], p);
}

void bd_f32_cmul_ref(const float *a, const float *g, const float *b, float *y, size_t n_pix,
                     int c, const bd_act_params *p) {
    for (size_t i = 0; i < n_pix; i++) {
        size_t row = i * (size_t)c;
        for (int k = 0; k < c; k++) {
            float v = a[row + k] * g[k];
            if (b) v = v + b[row + k];
            y[row + k] = bd_act_apply(v, p);
        }
    }
}
