/*
 * init_scalar.c -- the portable production level: the blocked conv2d GEMM
 * (conv_scalar.c), the row-copy PAD, SLICE and nearest resize (copy_scalar.c)
 * and the cache-blocked 2D transpose (transpose_scalar.c);
 * everything else stays the reference kernels.
 */
#include "kernels/isa_tables.h"
#include "kernels/scalar/kernels_scalar.h"

void bd_kernels_init_scalar(bd_kernels *k) {
    k->conv2d = bd_f32_conv2d_scalar;
    k->conv2d_oc_block = 0; /* no channel ranges */
    k->pack_conv2d = bd_f32_conv2d_pack_scalar;
    k->pad = bd_f32_pad_scalar;
    k->slice = bd_f32_slice_scalar;
    k->resize_nearest = bd_f32_resize_nearest_scalar;
    k->transpose2d = bd_f32_transpose2d_scalar;
}
