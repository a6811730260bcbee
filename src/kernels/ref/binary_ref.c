/*
 * binary_ref.c -- reference kernels of the element-wise ops added for ONNX:
 * subtract, divide (true IEEE division, as ONNX Runtime) and PRelu
 * (y = a < 0 ? a * slope : a; LeakyRelu is PRelu with a scalar slope).
 * Strides sa, sb are 0 (broadcast a scalar) or 1, as for add and mul.
 */
#include "kernels/kernels.h"

void bd_f32_sub_ref(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                    const bd_act_params *p) {
    for (size_t i = 0; i < n; i++) y[i] = bd_act_apply(a[i * sa] - b[i * sb], p);
}

void bd_f32_div_ref(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                    const bd_act_params *p) {
    for (size_t i = 0; i < n; i++) y[i] = bd_act_apply(a[i * sa] / b[i * sb], p);
}

void bd_f32_prelu_ref(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                      const bd_act_params *p) {
    for (size_t i = 0; i < n; i++) {
        float x = a[i * sa];
        y[i] = bd_act_apply(x < 0.0f ? x * b[i * sb] : x, p);
    }
}
