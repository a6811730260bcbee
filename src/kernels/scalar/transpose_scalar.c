/*
 * transpose_scalar.c -- cache-blocked 2D transpose (portable C).
 *
 * The reference walks the output with a stride of `rows` floats in the input (or
 * the other way round), so every element of a large NHWC -> NCHW transpose is a
 * cache miss. Here the rectangle goes in 16 x 16 blocks: a block reads 16 rows of
 * 64 contiguous bytes and writes 16 columns of 64 contiguous bytes, both of which
 * stay in L1 while the block is done. The compiler vectorises the inner copy
 * where the target allows; the result is a copy either way (bit-exact).
 */
#include "kernels/scalar/kernels_scalar.h"

enum { BLK = 16 };

void bd_f32_transpose2d_scalar(const float *restrict in, float *restrict out, size_t rows,
                               size_t cols, size_t r0, size_t r1, size_t c0, size_t c1) {
    for (size_t rb = r0; rb < r1; rb += BLK) {
        const size_t re = r1 - rb < BLK ? r1 : rb + BLK;
        for (size_t cb = c0; cb < c1; cb += BLK) {
            const size_t ce = c1 - cb < BLK ? c1 : cb + BLK;
            for (size_t c = cb; c < ce; c++) {
                const float *src = in + c;
                float *dst = out + c * rows;
                for (size_t r = rb; r < re; r++) dst[r] = src[r * cols];
            }
        }
    }
}
