/*
 * pack_f16.c -- the blocked conv2d and channel-padded depthwise layouts of
 * pack_blocked.c, stored as IEEE halves (see pack_f16.h). Rounding is
 * bd_f32_to_f16 (nearest even), done once at compile time.
 */
#include "kernels/scalar/pack_f16.h"

#include <string.h>

size_t bd_f16_conv2d_pack_blocked(const bd_conv_params *p, const float *w, const float *bias,
                                  uint16_t *dst, int nr, int vl) {
    const size_t K = (size_t)p->k_h * p->k_w * p->in_c;
    size_t total = 0;
    for (int n0 = 0; n0 < p->out_c; n0 += nr) {
        const int nb = bd_pack_block_width(p->out_c, n0, nr, vl);
        const int real = p->out_c - n0 < nr ? p->out_c - n0 : nr;
        if (dst) {
            uint16_t *b = dst + total; /* half +0 is all-zero bits */
            memset(b, 0, sizeof(uint16_t) * (size_t)nb * (K + 1));
            for (int j = 0; j < real; j++) b[j] = bd_f32_to_f16(bias[n0 + j]);
            uint16_t *wp = b + nb;
            for (size_t k = 0; k < K; k++)
                for (int j = 0; j < real; j++)
                    wp[k * nb + j] = bd_f32_to_f16(w[(size_t)(n0 + j) * K + k]);
        }
        total += (size_t)nb * (K + 1);
    }
    return total;
}

size_t bd_f16_dwconv2d_pack_padded(const bd_conv_params *p, const float *w, const float *bias,
                                   uint16_t *dst, int vl) {
    const int c = p->out_c, cp = (c + vl - 1) / vl * vl, taps = p->k_h * p->k_w;
    if (dst) {
        memset(dst, 0, sizeof(uint16_t) * (size_t)cp * (taps + 1));
        for (int t = 0; t < taps; t++)
            for (int j = 0; j < c; j++)
                dst[(size_t)t * cp + j] = bd_f32_to_f16(w[(size_t)t * c + j]);
        for (int j = 0; j < c; j++) dst[(size_t)taps * cp + j] = bd_f32_to_f16(bias[j]);
    }
    return (size_t)cp * (taps + 1);
}
