/*
 * transpose_avx512.c -- 2D transpose (the table's transpose2d), AVX-512.
 *
 * The rectangle goes in 16 x 16 blocks: 16 rows of 16 floats loaded (masked at
 * the right edge, absent rows as zeros), transposed in registers
 * (bd_transpose16: 64 shuffles) and stored as 16 output rows of up to 16 floats
 * (masked to the block's rows). Every load and store is one contiguous 64-byte
 * access, where the scalar version moves one float at a time. A pure copy:
 * bit-exact. Loads and stores stay inside the rectangle (masked).
 */
#include "kernels/x86_avx512/kernels_avx512.h"
#include "kernels/x86_avx512/simd_avx512.h"

void bd_f32_transpose2d_avx512(const float *restrict in, float *restrict out,
                               size_t rows, size_t cols, size_t r0, size_t r1,
                               size_t c0, size_t c1) {
  for (size_t rb = r0; rb < r1; rb += 16) {
    const int nr = r1 - rb < 16 ? (int)(r1 - rb) : 16;
    const __mmask16 mrow = bd_mask16(nr);
    for (size_t cb = c0; cb < c1; cb += 16) {
      const int nc = c1 - cb < 16 ? (int)(c1 - cb) : 16;
      const __mmask16 mcol = bd_mask16(nc);
      __m512 v[16];
      for (int i = 0; i < 16; i++)
        v[i] = i < nr ? _mm512_maskz_loadu_ps(mcol, in + (rb + i) * cols + cb)
                      : _mm512_setzero_ps();
      bd_transpose16(v);
      for (int j = 0; j < nc; j++)
        _mm512_mask_storeu_ps(out + (cb + j) * rows + rb, mrow, v[j]);
    }
  }
}
