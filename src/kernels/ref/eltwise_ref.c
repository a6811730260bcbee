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
