/*
 * isa_kernels.h -- the prototypes every SIMD level of the network kernels has
 * (the files of x86_avx2/, x86_avx512/, one template instance each), declared
 * once: BD_DECLARE_ISA_KERNELS(avx2) declares bd_f32_conv2d_avx2 and the rest.
 * A level's own header adds what only it has.
 */
#ifndef BD_ISA_KERNELS_H
#define BD_ISA_KERNELS_H

#include "kernels/kernels.h"

#define BD_DECLARE_ISA_KERNELS(sfx)                                                                \
    size_t bd_f32_conv2d_pack_##sfx(const bd_conv_params *p, const float *w, const float *bias,    \
                                    float *dst);                                                   \
    void bd_f32_conv2d_##sfx(const bd_conv_params *p, const float *restrict in,                    \
                             const float *restrict packed, const float *restrict residual,         \
                             float *restrict out, int y0, int y1);                                 \
    size_t bd_f32_dwconv2d_pack_##sfx(const bd_conv_params *p, const float *w, const float *bias,  \
                                      float *dst);                                                 \
    void bd_f32_dwconv2d_##sfx(const bd_conv_params *p, const float *restrict in,                  \
                               const float *restrict packed, const float *restrict residual,       \
                               float *restrict out, int y0, int y1);                               \
    size_t bd_f32_tconv2d_pack_##sfx(const bd_conv_params *p, const float *w, const float *bias,   \
                                     float *dst);                                                  \
    void bd_f32_tconv2d_##sfx(const bd_conv_params *p, const float *restrict in,                   \
                              const float *restrict packed, const float *restrict residual,        \
                              float *restrict out, int y0, int y1);                                \
    /* Transposed convolution, any geometry without dilation (tconv_<isa>.c);                      \
     * reached through bd_f32_tconv2d_<isa> when its k == stride paths do not                      \
     * apply. */                                                                                   \
    size_t bd_f32_tconv2d_pack_phase_##sfx(const bd_conv_params *p, const float *w,                \
                                           const float *bias, float *dst);                         \
    void bd_f32_tconv2d_phase_##sfx(const bd_conv_params *p, const float *restrict in,             \
                                    const float *restrict packed, const float *restrict residual,  \
                                    float *restrict out, int y0, int y1);                          \
    void bd_f32_unary_##sfx(const float *x, float *y, size_t n, const bd_act_params *p);           \
    void bd_f32_add_##sfx(const float *a, size_t sa, const float *b, size_t sb, float *y,          \
                          size_t n, const bd_act_params *p);                                       \
    void bd_f32_mul_##sfx(const float *a, size_t sa, const float *b, size_t sb, float *y,          \
                          size_t n, const bd_act_params *p);                                       \
    void bd_f32_mean_hw_##sfx(const float *restrict in, float *restrict out, size_t n_hw, int c);  \
    void bd_f32_norm_sums_##sfx(const float *restrict in, size_t p0, size_t p1, int c, int c0,     \
                                int c1, const float *restrict shift, double *restrict s1,          \
                                double *restrict s2);                                              \
    void bd_f32_channel_affine_##sfx(const float *in, float *out, size_t p0, size_t p1, int c,     \
                                     const float *restrict sub, const float *restrict mul,         \
                                     const float *restrict add, const bd_act_params *act);         \
    void bd_f32_resize_bilinear_##sfx(const bd_resize_params *p, const float *restrict in,         \
                                      float *restrict out, int y0, int y1);                        \
    void bd_f32_resize_affine_##sfx(const bd_resize_params *p, const float *restrict a,           \
                                    const float *restrict b, const float *restrict x,             \
                                    const float *restrict r, const bd_act_params *act,            \
                                    float *restrict y, int y0, int y1);                            \
    void bd_f32_sub_##sfx(const float *a, size_t sa, const float *b, size_t sb, float *y,          \
                          size_t n, const bd_act_params *p);                                       \
    void bd_f32_div_##sfx(const float *a, size_t sa, const float *b, size_t sb, float *y,          \
                          size_t n, const bd_act_params *p);                                       \
    void bd_f32_prelu_##sfx(const float *a, size_t sa, const float *b, size_t sb, float *y,        \
                            size_t n, const bd_act_params *p);                                     \
    void bd_f32_softmax_##sfx(const float *x, float *y, size_t outer, size_t n, size_t inner);     \
    /* Winograd F(4x4, 3x3) (templates/wino.inc in conv_<isa>.c). */                             \
    size_t bd_f32_conv2d_wino_pack_##sfx(const bd_conv_params *p, const float *w,                  \
                                         const float *bias, float *dst);                           \
    size_t bd_f32_conv2d_wino_scratch_##sfx(const bd_conv_params *p);                              \
    void bd_f32_conv2d_wino_##sfx(const bd_conv_params *p, const float *restrict in,               \
                                  const bd_conv_parts *parts, const float *restrict packed,        \
                                  const float *restrict residual, float *restrict out, int y0,     \
                                  int y1, float *restrict scratch);                                \
    /* FP16 weight storage (conv_f16_<isa>.c, dwconv_f16_<isa>.c). */                              \
    size_t bd_f16_conv2d_pack_##sfx(const bd_conv_params *p, const float *w, const float *bias,    \
                                    uint16_t *dst);                                                \
    void bd_f16_conv2d_##sfx(const bd_conv_params *p, const float *restrict in,                    \
                             const uint16_t *restrict packed, const float *restrict residual,      \
                             float *restrict out, int y0, int y1);                                 \
    size_t bd_f16_dwconv2d_pack_##sfx(const bd_conv_params *p, const float *w, const float *bias,  \
                                      uint16_t *dst);                                              \
    void bd_f16_dwconv2d_##sfx(const bd_conv_params *p, const float *restrict in,                  \
                               const uint16_t *restrict packed, const float *restrict residual,    \
                               float *restrict out, int y0, int y1);

/* Table filling for an init function: installs everything BD_DECLARE_ISA_KERNELS
 * declares (k->conv2d = bd_f32_conv2d_<sfx>, ...; every unary activation,
 * TANH by its vector approximation), the complex multiply of cmul.h and
 * the peak loop of peak.h. The level sets what depends on its width
 * (conv2d_oc_block, peak_macs_per_iter) and what only it has. */
#define BD_FILL_ISA_KERNELS(k, sfx)                                                                \
    do {                                                                                           \
        (k)->conv2d = bd_f32_conv2d_##sfx;                                                         \
        (k)->pack_conv2d = bd_f32_conv2d_pack_##sfx;                                               \
        (k)->dwconv2d = bd_f32_dwconv2d_##sfx;                                                     \
        (k)->pack_dwconv2d = bd_f32_dwconv2d_pack_##sfx;                                           \
        (k)->tconv2d = bd_f32_tconv2d_##sfx;                                                       \
        (k)->pack_tconv2d = bd_f32_tconv2d_pack_##sfx;                                             \
        for (int a_ = 0; a_ < BD_ACT_COUNT; a_++)                                                  \
            (k)->unary[a_] = bd_f32_unary_##sfx;                                                   \
        (k)->add = bd_f32_add_##sfx;                                                               \
        (k)->mul = bd_f32_mul_##sfx;                                                               \
        (k)->cmul = bd_f32_cmul_##sfx;                                                             \
        (k)->mean_hw = bd_f32_mean_hw_##sfx;                                                       \
        (k)->norm_sums = bd_f32_norm_sums_##sfx;                                                   \
        (k)->channel_affine = bd_f32_channel_affine_##sfx;                                         \
        (k)->resize_bilinear = bd_f32_resize_bilinear_##sfx;                                       \
        (k)->resize_affine = bd_f32_resize_affine_##sfx;                                           \
        (k)->sub = bd_f32_sub_##sfx;                                                               \
        (k)->div = bd_f32_div_##sfx;                                                               \
        (k)->prelu = bd_f32_prelu_##sfx;                                                           \
        (k)->softmax = bd_f32_softmax_##sfx;                                                       \
        (k)->conv2d_wino = bd_f32_conv2d_wino_##sfx;                                               \
        (k)->pack_conv2d_wino = bd_f32_conv2d_wino_pack_##sfx;                                     \
        (k)->conv2d_wino_scratch = bd_f32_conv2d_wino_scratch_##sfx;                               \
        (k)->conv2d_f16 = bd_f16_conv2d_##sfx;                                                     \
        (k)->pack_conv2d_f16 = bd_f16_conv2d_pack_##sfx;                                           \
        (k)->dwconv2d_f16 = bd_f16_dwconv2d_##sfx;                                                 \
        (k)->pack_dwconv2d_f16 = bd_f16_dwconv2d_pack_##sfx;                                       \
        (k)->peak_fma = bd_peak_fma_##sfx;                                                         \
    } while (0)

#endif /* BD_ISA_KERNELS_H */
