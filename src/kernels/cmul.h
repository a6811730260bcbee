/*
 * cmul.h -- the channel-broadcast multiply(-add) kernels of each ISA
 * (see bd_cmul_fn in kernels.h).
 */
#ifndef BD_CMUL_H
#define BD_CMUL_H

#include "kernels/kernels.h"

void bd_f32_cmul_avx2(const float *a, const float *g, const float *b, float *y, size_t n_pix,
                      int c, const bd_act_params *p);
void bd_f32_cmul_avx512(const float *a, const float *g, const float *b, float *y, size_t n_pix,
                        int c, const bd_act_params *p);

#endif
